package modus

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

const testKey = "modus_sk_test_0123456789abcdefSECRET"

func TestMain(m *testing.M) {
	// The tests set the variables they need; a developer's own settings
	// must not leak into them.
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "MODUS_") {
			os.Unsetenv(k)
		}
	}
	goleak.VerifyTestMain(m)
}

// sleepRecorder replaces the retry wait: it records the durations asked for
// and returns at once (unless ctx has ended).
type sleepRecorder struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (s *sleepRecorder) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.waits = append(s.waits, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleepRecorder) get() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.waits...)
}

// newServer starts an httptest server closed at the end of the test.
func newServer(t testing.TB, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// testOrgID is the organization id of newTestClient's clients (runs need one).
const testOrgID = "org_test"

// newTestClient returns a client for srv whose retry waits are recorded,
// not slept, and whose jitter is the whole window (deterministic).
func newTestClient(t *testing.T, srv *httptest.Server, opts ...Option) (*Client, *sleepRecorder) {
	t.Helper()
	all := append([]Option{WithAPIKey(testKey), WithBaseURL(srv.URL), WithHTTPClient(srv.Client()), WithOrganizationID(testOrgID)}, opts...)
	c, err := NewClient(all...)
	require.NoError(t, err)
	rec := &sleepRecorder{}
	c.retry.sleep = rec.sleep
	c.retry.jitter = func(d time.Duration) time.Duration { return d }
	return c, rec
}

// rawRequest builds a request for path on the host it is given, standing in
// for a generated request builder (and for operations gen/ does not have).
func rawRequest(method, path string, body []byte) requestFunc {
	return func(server string) (*http.Request, error) {
		var r io.Reader
		if body != nil {
			r = bytes.NewReader(body)
		}
		req, err := http.NewRequest(method, server+strings.TrimPrefix(path, "/"), r)
		if err != nil {
			return nil, err
		}
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		return req, nil
	}
}

// writeError answers with the API's error document.
func writeError(w http.ResponseWriter, status int, code, grpcStatus, msg, requestID string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	rid := ""
	if requestID != "" {
		rid = `,"requestId":"` + requestID + `"`
	}
	io.WriteString(w, `{"error":{"code":"`+code+`","status":"`+grpcStatus+`","message":"`+msg+`"`+rid+`,"info":{"scope":"agents:read"}}}`)
}

type thing struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}
