package modus

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// closedServerURL returns the URL of a port nobody listens on.
func closedServerURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return "http://" + addr
}

// flaky answers the first len(statuses) requests with those statuses, then 200.
type flaky struct {
	mu       sync.Mutex
	statuses []int
	header   http.Header
	keys     []string
	bodies   []string
}

func (f *flaky) handler(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	n := len(f.keys)
	f.keys = append(f.keys, r.Header.Get("Idempotency-Key"))
	f.bodies = append(f.bodies, string(body))
	f.mu.Unlock()
	if n < len(f.statuses) {
		for k, v := range f.header {
			w.Header()[k] = v
		}
		writeError(w, f.statuses[n], "INTERNAL_ERROR", "INTERNAL", "try later", "")
		return
	}
	io.WriteString(w, `{"id":1,"name":"ok"}`)
}

func (f *flaky) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.keys)
}

func TestRetryGETThenSuccess(t *testing.T) {
	for _, status := range []int{408, 429, 500, 502, 503, 504} {
		f := &flaky{statuses: []int{status}}
		srv := newServer(t, f.handler)
		c, rec := newTestClient(t, srv)
		v, err := do[thing](context.Background(), c, nil, rawRequest("GET", "/x", nil))
		require.NoError(t, err, "status %d", status)
		assert.Equal(t, "ok", v.Name)
		assert.Equal(t, 2, f.count())
		assert.Equal(t, []time.Duration{backoffBase}, rec.get())
	}
}

func TestNoRetryOnOtherStatuses(t *testing.T) {
	for _, status := range []int{400, 401, 403, 404, 409, 422, 501} {
		f := &flaky{statuses: []int{status}}
		srv := newServer(t, f.handler)
		c, _ := newTestClient(t, srv)
		_, err := do[thing](context.Background(), c, nil, rawRequest("GET", "/x", nil))
		require.Error(t, err)
		assert.Equal(t, 1, f.count(), "status %d", status)
	}
}

func TestRetryExhausted(t *testing.T) {
	f := &flaky{statuses: []int{503, 503, 503, 503}}
	srv := newServer(t, f.handler)
	c, rec := newTestClient(t, srv)
	_, err := do[thing](context.Background(), c, nil, rawRequest("PUT", "/x", []byte(`{"a":1}`)))
	require.ErrorIs(t, err, ErrServer)
	assert.Equal(t, 3, f.count(), "1 try + 2 retries")
	assert.Equal(t, []time.Duration{backoffBase, 2 * backoffBase}, rec.get())
	assert.Equal(t, []string{`{"a":1}`, `{"a":1}`, `{"a":1}`}, f.bodies, "body replayed")

	f = &flaky{statuses: []int{503, 503}}
	srv = newServer(t, f.handler)
	c, _ = newTestClient(t, srv)
	_, err = do[thing](context.Background(), c, []Option{WithMaxRetries(0)}, rawRequest("GET", "/x", nil))
	require.ErrorIs(t, err, ErrServer)
	assert.Equal(t, 1, f.count(), "per-call WithMaxRetries(0)")
}

func TestPOSTWithoutKeyNotRetried(t *testing.T) {
	for _, method := range []string{"POST", "PATCH"} {
		f := &flaky{statuses: []int{503}}
		srv := newServer(t, f.handler)
		c, rec := newTestClient(t, srv)
		_, err := do[thing](context.Background(), c, nil, rawRequest(method, "/x", []byte(`{}`)))
		require.ErrorIs(t, err, ErrServer)
		assert.Equal(t, 1, f.count(), method)
		assert.Empty(t, rec.get())
	}
}

func TestPOSTWithKeyRetriedWithSameKey(t *testing.T) {
	f := &flaky{statuses: []int{503, 429}}
	srv := newServer(t, f.handler)
	c, _ := newTestClient(t, srv)
	v, err := do[thing](context.Background(), c, []Option{WithIdempotencyKey("key-123")},
		rawRequest("POST", "/x", []byte(`{"message":"hi"}`)))
	require.NoError(t, err)
	assert.Equal(t, "ok", v.Name)
	assert.Equal(t, []string{"key-123", "key-123", "key-123"}, f.keys)
	assert.Equal(t, []string{`{"message":"hi"}`, `{"message":"hi"}`, `{"message":"hi"}`}, f.bodies)
}

func TestRetryAfter(t *testing.T) {
	t.Run("seconds", func(t *testing.T) {
		f := &flaky{statuses: []int{429}, header: http.Header{"Retry-After": {"3"}}}
		srv := newServer(t, f.handler)
		c, rec := newTestClient(t, srv)
		_, err := do[thing](context.Background(), c, nil, rawRequest("GET", "/x", nil))
		require.NoError(t, err)
		assert.Equal(t, []time.Duration{3 * time.Second}, rec.get())
	})
	t.Run("http date", func(t *testing.T) {
		now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
		f := &flaky{statuses: []int{503}, header: http.Header{"Retry-After": {now.Add(10 * time.Second).Format(http.TimeFormat)}}}
		srv := newServer(t, f.handler)
		c, rec := newTestClient(t, srv)
		c.retry.now = func() time.Time { return now }
		_, err := do[thing](context.Background(), c, nil, rawRequest("GET", "/x", nil))
		require.NoError(t, err)
		assert.Equal(t, []time.Duration{10 * time.Second}, rec.get())
	})
	t.Run("longer than the cap is returned, not slept", func(t *testing.T) {
		f := &flaky{statuses: []int{429}, header: http.Header{"Retry-After": {"3600"}}}
		srv := newServer(t, f.handler)
		c, rec := newTestClient(t, srv)
		_, err := do[thing](context.Background(), c, nil, rawRequest("GET", "/x", nil))
		var e *Error
		require.True(t, errors.As(err, &e))
		assert.Equal(t, time.Hour, e.RetryAfter)
		assert.Equal(t, 1, f.count())
		assert.Empty(t, rec.get())
	})
}

func TestBackoffWindows(t *testing.T) {
	d := newRetryPolicy()
	d.jitter = func(w time.Duration) time.Duration { return w }
	var got []time.Duration
	for i := range 8 {
		got = append(got, d.backoff(i, backoffRange{}))
	}
	s := time.Second
	assert.Equal(t, []time.Duration{s / 2, s, 2 * s, 4 * s, 8 * s, 8 * s, 8 * s, 8 * s}, got)
	for range 1000 {
		j := fullJitter(backoffBase)
		require.True(t, j >= 0 && j <= backoffBase)
	}
}

// TestRetryBackoffOption checks that WithRetryBackoff sets the windows of
// call retries and of stream reconnections alike, per client and per call.
func TestRetryBackoffOption(t *testing.T) {
	ms := time.Millisecond
	t.Run("calls", func(t *testing.T) {
		f := &flaky{statuses: []int{503, 503, 503}}
		srv := newServer(t, f.handler)
		c, rec := newTestClient(t, srv, WithRetryBackoff(10*ms, 25*ms), WithMaxRetries(3))
		_, err := do[thing](context.Background(), c, nil, rawRequest("GET", "/x", nil))
		require.NoError(t, err)
		assert.Equal(t, []time.Duration{10 * ms, 20 * ms, 25 * ms}, rec.get())

		f.statuses = []int{503, 503, 503, 503, 503, 503, 503}
		_, err = do[thing](context.Background(), c, []Option{WithRetryBackoff(ms, ms)}, rawRequest("GET", "/x", nil))
		require.NoError(t, err)
		assert.Equal(t, []time.Duration{ms, ms, ms}, rec.get()[3:], "the call's value wins")
	})
	t.Run("stream reconnects", func(t *testing.T) {
		srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost {
				sseHeaders(w)
				writeFlush(w, frame("1-0", `{"type":"token","content":"a"}`))
				panic(http.ErrAbortHandler)
			}
			writeError(w, http.StatusServiceUnavailable, "X", "X", "later", "")
		})
		c, rec := newTestClient(t, srv, WithRetryBackoff(10*ms, 25*ms))
		s, err := c.Runs.Create(context.Background(), runReq(), WithStreamReconnects(4))
		require.NoError(t, err)
		drain(s)
		require.ErrorIs(t, s.Err(), ErrStreamInterrupted)
		assert.Equal(t, []time.Duration{10 * ms, 20 * ms, 25 * ms, 25 * ms}, rec.get())
	})
	t.Run("windows", func(t *testing.T) {
		r := backoffRange{time.Nanosecond, maxRetryAfter}
		assert.Equal(t, maxRetryAfter, r.window(MaxRetriesLimit), "no overflow")
		assert.Equal(t, backoffMax, backoffRange{}.window(1000))
	})
	t.Run("validation", func(t *testing.T) {
		for _, b := range [][2]time.Duration{{0, ms}, {-ms, ms}, {2 * ms, ms}, {ms, 2 * time.Minute}} {
			_, err := NewClient(WithAPIKey(testKey), WithRetryBackoff(b[0], b[1]))
			assert.ErrorContains(t, err, "WithRetryBackoff", "%v", b)
		}
	})
}

func TestConnectionRefused(t *testing.T) {
	base := closedServerURL(t)
	host := strings.TrimPrefix(base, "http://")
	for _, method := range []string{"GET", "POST"} {
		c, err := NewClient(WithAPIKey(testKey), WithBaseURL(base), WithHTTPClient(&http.Client{Transport: &http.Transport{}}))
		require.NoError(t, err)
		rec := &sleepRecorder{}
		c.retry.sleep = rec.sleep
		_, err = do[thing](context.Background(), c, nil, rawRequest(method, "/api/v1/agents?pageSize=1", []byte(`{}`)))
		require.Error(t, err)

		var te *TransportError
		require.True(t, errors.As(err, &te))
		assert.Equal(t, host, te.Host)
		assert.Equal(t, "/api/v1/agents", te.Path)
		assert.True(t, errors.Is(err, syscall.ECONNREFUSED), "%v", err)
		var opErr *net.OpError
		assert.True(t, errors.As(err, &opErr))
		var ue *url.Error
		assert.True(t, errors.As(err, &ue))
		assert.True(t, strings.HasPrefix(err.Error(), "modus: "+method+" "+host+"/api/v1/agents: "), err.Error())
		assert.NotContains(t, err.Error(), strings.TrimPrefix(testKey, "modus_"))
		assert.Len(t, rec.get(), 2, "%s never reached the server: retried", method)
	}
}

func TestCancelDuringBackoff(t *testing.T) {
	f := &flaky{statuses: []int{503, 503, 503}}
	srv := newServer(t, f.handler)
	c, err := NewClient(WithAPIKey(testKey), WithBaseURL(srv.URL), WithHTTPClient(srv.Client()))
	require.NoError(t, err)
	c.retry.jitter = func(time.Duration) time.Duration { return 10 * time.Second } // real sleep, long

	ctx, cancel := context.WithCancel(context.Background())
	var cancelledAt atomic.Int64
	go func() {
		for f.count() == 0 {
			time.Sleep(time.Millisecond)
		}
		time.Sleep(20 * time.Millisecond) // into the backoff
		cancelledAt.Store(time.Now().UnixNano())
		cancel()
	}()
	_, err = do[thing](ctx, c, nil, rawRequest("GET", "/x", nil))
	elapsed := time.Since(time.Unix(0, cancelledAt.Load()))
	require.Error(t, err)
	assert.ErrorIs(t, err, context.Canceled)
	var te *TransportError
	assert.True(t, errors.As(err, &te))
	assert.Contains(t, err.Error(), "503")
	assert.Less(t, elapsed, 50*time.Millisecond)
	assert.Equal(t, 1, f.count())
}

func TestPerAttemptTimeout(t *testing.T) {
	var n atomic.Int32
	done := make(chan struct{})
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body) // lets the server notice the client hanging up
		switch n.Add(1) {
		case 1: // hang until the client gives up on this attempt
			select {
			case <-r.Context().Done():
			case <-done:
			}
		default: // answer slowly but within the timeout: the body must stay readable
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"id":1,`)
			w.(http.Flusher).Flush()
			time.Sleep(50 * time.Millisecond)
			io.WriteString(w, `"name":"late"}`)
		}
	})
	t.Cleanup(func() { close(done) }) // runs before srv.Close
	c, rec := newTestClient(t, srv)
	v, err := do[thing](context.Background(), c, []Option{WithRequestTimeout(300 * time.Millisecond)}, rawRequest("GET", "/x", nil))
	require.NoError(t, err)
	assert.Equal(t, "late", v.Name)
	assert.Equal(t, int32(2), n.Load())
	assert.Len(t, rec.get(), 1)

	// A POST that timed out may have reached the server: not retried.
	n.Store(0)
	_, err = do[thing](context.Background(), c, []Option{WithRequestTimeout(100 * time.Millisecond)}, rawRequest("POST", "/x", []byte(`{}`)))
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, int32(1), n.Load())
}

func TestStreamHasNoPerAttemptTimeout(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		for i := range 5 {
			io.WriteString(w, "data: "+string(rune('a'+i))+"\n\n")
			w.(http.Flusher).Flush()
			time.Sleep(30 * time.Millisecond)
		}
	})
	c, _ := newTestClient(t, srv, WithRequestTimeout(40*time.Millisecond))
	// A stream call: the transport knows it from the call's state, not
	// from a header.
	st := &callState{cfg: c.transport.defaults.cfg, stream: true}
	resp, err := c.open(context.Background(), st, c.agentServer, rawRequest("GET", "/agent/runs/r1/stream", nil))
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err, "stream outlived the 40ms per-attempt timeout")
	assert.Equal(t, 5, strings.Count(string(body), "data: "))
}

func TestBodyWithoutGetBodyNotRetried(t *testing.T) {
	f := &flaky{statuses: []int{503}}
	srv := newServer(t, f.handler)
	c, _ := newTestClient(t, srv)
	req, err := http.NewRequest("PUT", srv.URL+"/x", io.NopCloser(strings.NewReader("{}")))
	require.NoError(t, err)
	require.Nil(t, req.GetBody)
	_, err = do[thing](context.Background(), c, nil, func(string) (*http.Request, error) { return req, nil })
	var e *Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, 503, e.StatusCode)
	assert.Equal(t, 1, f.count())
}

// A POST answered with a redirect reached the server (303 after a create is
// the usual pattern): when following the redirect then fails to connect, the
// dial error belongs to the redirect target, not to the POST, which must not
// be sent again.
func TestPOSTRedirectThenDialErrorNotRetried(t *testing.T) {
	target := closedServerURL(t)
	var posts atomic.Int32
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			posts.Add(1)
		}
		http.Redirect(w, r, target+"/created/1", http.StatusSeeOther)
	})
	c, rec := newTestClient(t, srv)
	_, err := do[thing](context.Background(), c, nil, rawRequest("POST", "/x", []byte(`{}`)))
	require.Error(t, err)
	assert.True(t, errors.Is(err, syscall.ECONNREFUSED), "%v", err)
	assert.Equal(t, int32(1), posts.Load(), "the POST reached the server once and must not be re-sent")
	assert.Empty(t, rec.get())

	// A GET in the same situation is retried as usual.
	_, err = do[thing](context.Background(), c, nil, rawRequest("GET", "/x", nil))
	require.Error(t, err)
	assert.Len(t, rec.get(), 2)
}
