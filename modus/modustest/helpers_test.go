package modustest_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/modus-data/modus-sdk-go/modus/modustest"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// call sends one request with the server's key (unless hdr overrides
// Authorization) and returns the response with its body read.
func call(t *testing.T, srv *modustest.Server, method, path string, body any, hdr ...string) (*http.Response, []byte) {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, srv.URL()+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+srv.APIKey())
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] == "" {
			req.Header.Del(hdr[i])
		} else {
			req.Header.Set(hdr[i], hdr[i+1])
		}
	}
	resp, err := srv.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp, out
}

// expect checks the status and decodes the body into v (when not nil).
func expect(t *testing.T, resp *http.Response, body []byte, status int, v any) {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("%s %s: status %d, want %d; body %s", resp.Request.Method, resp.Request.URL.Path, resp.StatusCode, status, body)
	}
	if v != nil {
		if err := json.Unmarshal(body, v); err != nil {
			t.Fatalf("decode %s: %v", body, err)
		}
	}
}

type apiErr struct {
	Error struct {
		Code, Status, Message, RequestID string
	} `json:"error"`
}

func expectError(t *testing.T, resp *http.Response, body []byte, status int, code string) apiErr {
	t.Helper()
	var e apiErr
	expect(t, resp, body, status, &e)
	if e.Error.Code != code || e.Error.Message == "" || e.Error.RequestID == "" {
		t.Fatalf("error body %s, want code %s with message and requestId", body, code)
	}
	if e.Error.RequestID != resp.Header.Get("X-Request-Id") {
		t.Fatalf("requestId %q != x-request-id %q", e.Error.RequestID, resp.Header.Get("X-Request-Id"))
	}
	return e
}

type sseEvent struct {
	ID   string
	Data map[string]any
}

// readEvents parses SSE frames until EOF; err is the read error that ended
// the stream (nil on a clean end).
func readEvents(r io.Reader) ([]sseEvent, error) {
	var out []sseEvent
	var cur sseEvent
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "id: "):
			cur.ID = strings.TrimPrefix(line, "id: ")
		case strings.HasPrefix(line, "data: "):
			_ = json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &cur.Data)
		case line == "":
			out = append(out, cur)
			cur = sseEvent{}
		}
	}
	return out, sc.Err()
}

// stream sends a request and parses its event stream.
func stream(t *testing.T, srv *modustest.Server, method, path string, body any, hdr ...string) (*http.Response, []sseEvent, error) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, srv.URL()+path, rd)
	req.Header.Set("Authorization", "Bearer "+srv.APIKey())
	req.Header.Set("Accept", "text/event-stream")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := srv.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("%s %s: status %d: %s", method, path, resp.StatusCode, b)
	}
	evs, err := readEvents(resp.Body)
	return resp, evs, err
}

func runBody(msg string) map[string]any {
	return map[string]any{"message": msg, "sessionId": "sess_1", "organizationId": modustest.DefaultOrganizationID}
}
