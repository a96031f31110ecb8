package modus

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// hostile is server-controlled text meant to forge log lines, drive a
// terminal and reorder what a reader sees.
const hostile = "boom\r\nlevel=INFO msg=forged\x1b[2J\x1b]0;title\x07\u202eevil\xff\xfe\x00"

// assertOneLine fails unless s is valid UTF-8 without control, format or
// other non-graphic runes.
func assertOneLine(t *testing.T, s string) {
	t.Helper()
	assert.True(t, utf8.ValidString(s), "invalid UTF-8 in %q", s)
	for _, r := range s {
		if r != ' ' && !unicode.IsGraphic(r) {
			t.Errorf("non-printable rune %U in %q", r, s)
		}
	}
}

func TestErrorStringsArePrintable(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(400)
		io.WriteString(w, `{"error":{"code":"BAD_REQUEST\u001b[31m","status":"INVALID_ARGUMENT","message":"line1\nline2\u001b[2J\u202e","requestId":"req\r\n1"}}`)
	})
	c, _ := newTestClient(t, srv, WithMaxRetries(0))
	_, err := do[thing](context.Background(), c, nil, rawRequest("GET", "/x", nil))
	var e *Error
	require.True(t, errors.As(err, &e), "%v", err)
	assert.Equal(t, "line1\nline2\x1b[2J\u202e", e.Message, "the field keeps the raw text")
	assertOneLine(t, err.Error())
	assert.Contains(t, err.Error(), `line1\nline2\x1b[2J\u202e`, "escaped, not dropped")

	for _, err := range []error{
		&Error{StatusCode: 500, Code: hostile, Status: hostile, Message: hostile, RequestID: hostile},
		&TransportError{Method: "GET", Host: "h", Path: "/p", Err: errors.New(hostile)},
		&DecodeError{StatusCode: 200, ContentType: hostile, Body: []byte(hostile), Err: errors.New(hostile)},
		&StreamInterruptedError{RunID: hostile, LastEventID: hostile, Err: errors.New(hostile)},
		&StreamInterruptedError{Err: errors.New(hostile)},
		&RunError{Message: hostile, Code: hostile, RunID: hostile},
		&EventDecodeError{EventID: hostile, Data: []byte(hostile), Err: errors.New(hostile)},
	} {
		msg := err.Error()
		assertOneLine(t, msg)
		assert.NotContains(t, msg, "\n")
		assert.True(t, strings.Contains(msg, "forged"), "the text is still there: %q", msg)
	}
	assert.Equal(t, "plain ascii", printable("plain ascii"))
	assert.Equal(t, "é ü 日本", printable("é ü 日本"))

}

// Item 1: a 2xx body over the limit is a typed error, found before reading
// when Content-Length announces it and after at most limit+1 bytes when not.
func TestResponseSizeLimit(t *testing.T) {
	var written atomic.Int64
	var requests atomic.Int32
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		switch r.URL.Path {
		case "/announced":
			w.Header().Set("Content-Length", strconv.Itoa(900<<20))
			io.WriteString(w, `{"id":1,"name":"`)
		case "/chunked":
			chunk := []byte(strings.Repeat("x", 64<<10))
			io.WriteString(w, `{"id":1,"name":"`)
			for range 1600 { // 100 MiB if the client read it all
				n, err := w.Write(chunk)
				written.Add(int64(n))
				if err != nil {
					return
				}
			}
		case "/small":
			io.WriteString(w, `{"id":1,"name":"`+strings.Repeat("y", 1000)+`"}`)
		}
	})
	c, _ := newTestClient(t, srv, WithMaxResponseSize(1<<20))
	for _, path := range []string{"/announced", "/chunked"} {
		requests.Store(0)
		_, err := do[thing](context.Background(), c, nil, rawRequest("GET", path, nil))
		require.ErrorIs(t, err, ErrResponseTooLarge, path)
		var e *ResponseTooLargeError
		require.True(t, errors.As(err, &e), "%v", err)
		assert.Equal(t, int64(1<<20), e.Limit)
		assert.Equal(t, 200, e.StatusCode)
		assert.Contains(t, err.Error(), "GET ")
		assert.Equal(t, int32(1), requests.Load(), "not retried: the same answer would come back")
	}
	assert.Less(t, written.Load(), int64(40<<20), "the client stopped reading at the limit")

	v, err := do[thing](context.Background(), c, nil, rawRequest("GET", "/small", nil))
	require.NoError(t, err)
	assert.Len(t, v.Name, 1000)

	// A call can lower (or raise) the client's limit.
	_, err = do[thing](context.Background(), c, []Option{WithMaxResponseSize(100)}, rawRequest("GET", "/small", nil))
	require.ErrorIs(t, err, ErrResponseTooLarge)
	_, err = NewClient(WithAPIKey(testKey), WithMaxResponseSize(0))
	require.Error(t, err)
}

// Item 2: an empty or null 2xx body where a value is due is a *DecodeError.
func TestEmptyOrNullBodyIsDecodeError(t *testing.T) {
	for _, body := range []string{"", "null", "  null\n", "\n"} {
		srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, body)
		})
		c, _ := newTestClient(t, srv)
		v, err := do[thing](context.Background(), c, nil, rawRequest("GET", "/x", nil))
		var de *DecodeError
		require.True(t, errors.As(err, &de), "body %q: %v, %v", body, v, err)
		assert.Nil(t, v)
		assert.Equal(t, 200, de.StatusCode)
		// The 204 operations return only their error.
		require.NoError(t, doNoContent(context.Background(), c, nil, rawRequest("DELETE", "/x", nil)))
	}
}

// breakBody answers with a body cut short: the connection breaks after
// the headers and the start of the body.
func breakBody(w http.ResponseWriter) {
	w.Header().Set("Content-Length", "100")
	w.WriteHeader(200)
	io.WriteString(w, `{"id":1,`)
	w.(http.Flusher).Flush()
	panic(http.ErrAbortHandler)
}

// Item 6: a body read that breaks is retried like a failed exchange, within
// the same budget, and only where a retry is safe.
func TestBrokenBodyRetried(t *testing.T) {
	var n atomic.Int32
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			breakBody(w)
		}
		io.WriteString(w, `{"id":1,"name":"ok"}`)
	})
	c, rec := newTestClient(t, srv)
	v, err := do[thing](context.Background(), c, nil, rawRequest("GET", "/x", nil))
	require.NoError(t, err)
	assert.Equal(t, "ok", v.Name)
	assert.Equal(t, int32(2), n.Load())
	assert.Equal(t, []time.Duration{backoffBase}, rec.get())

	// Every attempt breaks: the budget (2 retries) is shared.
	var m atomic.Int32
	srv = newServer(t, func(w http.ResponseWriter, r *http.Request) { m.Add(1); breakBody(w) })
	c, _ = newTestClient(t, srv)
	_, err = do[thing](context.Background(), c, nil, rawRequest("GET", "/x", nil))
	var te *TransportError
	require.True(t, errors.As(err, &te), "%v", err)
	assert.Equal(t, int32(3), m.Load())

	// A POST without an idempotency key may have acted: not retried.
	m.Store(0)
	_, err = do[thing](context.Background(), c, nil, rawRequest("POST", "/x", []byte(`{}`)))
	require.True(t, errors.As(err, &te), "%v", err)
	assert.Equal(t, int32(1), m.Load())
}

// Item 12: a wait that cannot end before the deadline is not started; the
// last answer comes back at once as an *Error.
func TestRetryRespectsDeadline(t *testing.T) {
	var n atomic.Int32
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.Header().Set("Retry-After", r.URL.Query().Get("ra"))
		writeError(w, 503, "INTERNAL_ERROR", "INTERNAL", "busy", "")
	})
	c, rec := newTestClient(t, srv, WithMaxRetries(3))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, err := do[thing](ctx, c, nil, rawRequest("GET", "/x?ra=30", nil))
	var e *Error
	require.True(t, errors.As(err, &e), "%v", err)
	assert.Equal(t, 503, e.StatusCode)
	assert.Equal(t, 30*time.Second, e.RetryAfter)
	assert.Equal(t, int32(1), n.Load(), "no retry that the deadline would cut")
	assert.Empty(t, rec.get(), "no wait started")

	// A backoff too long for the deadline is not started either.
	n.Store(0)
	short, cancel2 := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel2()
	_, err = do[thing](short, c, nil, rawRequest("GET", "/x", nil))
	require.True(t, errors.As(err, &e), "%v", err)
	assert.Equal(t, int32(1), n.Load())

	// "Retry-After: 0" and no header are told apart.
	c, _ = newTestClient(t, srv, WithMaxRetries(0))
	_, err = do[thing](context.Background(), c, nil, rawRequest("GET", "/x?ra=0", nil))
	require.True(t, errors.As(err, &e))
	assert.True(t, e.RetryAfterSet)
	assert.Zero(t, e.RetryAfter)
	_, err = do[thing](context.Background(), c, nil, rawRequest("GET", "/x", nil))
	require.True(t, errors.As(err, &e))
	assert.False(t, e.RetryAfterSet)
}

// Item 7: the per-attempt timeout bounds the wait for a stream's headers,
// never its body.
func TestStreamHeaderTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("x") == "" && strings.HasSuffix(r.URL.Path, "/silent/stream") {
			select { // never answers
			case <-r.Context().Done():
			case <-release:
			}
			return
		}
		sseHeaders(w)
		w.(http.Flusher).Flush()
		time.Sleep(600 * time.Millisecond) // slower than the timeout, after the headers
		writeFlush(w, frame("1-0", `{"type":"done","runId":"slow"}`))
	})
	defer close(release)
	c, _ := newTestClient(t, srv, WithRequestTimeout(300*time.Millisecond), WithMaxRetries(0))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	_, err := c.Runs.Stream(ctx, "silent", "")
	require.Error(t, err)
	assert.Less(t, time.Since(start), 3*time.Second, "the header wait was bounded")
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	var te *TransportError
	assert.True(t, errors.As(err, &te), "%v", err)
	assert.NoError(t, ctx.Err())

	s, err := c.Runs.Stream(ctx, "slow", "")
	require.NoError(t, err)
	defer s.Close()
	evs := drain(s)
	require.NoError(t, s.Err())
	require.Len(t, evs, 1)
}

// Item 4: a redirect loop is not retried, nor is any redirect the policy
// refuses; the caller's own CheckRedirect still decides.
func TestRedirectLoopNotRetried(t *testing.T) {
	var n atomic.Int32
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		http.Redirect(w, r, "/loop", http.StatusFound)
	})
	c, rec := newTestClient(t, srv)
	_, err := do[thing](context.Background(), c, nil, rawRequest("GET", "/loop", nil))
	require.ErrorContains(t, err, "stopped after 10 redirects")
	var te *TransportError
	require.True(t, errors.As(err, &te), "%v", err)
	assert.Equal(t, int32(10), n.Load(), "one round of redirects, not one per attempt")
	assert.Empty(t, rec.get())

	n.Store(0)
	var policyCalls atomic.Int32
	mine := errors.New("my policy says no")
	hc := srv.Client()
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { policyCalls.Add(1); return mine }
	c2, _ := newTestClient(t, srv, WithHTTPClient(hc))
	_, err = do[thing](context.Background(), c2, nil, rawRequest("GET", "/loop", nil))
	require.ErrorIs(t, err, mine)
	assert.Equal(t, int32(1), n.Load())
	assert.Equal(t, int32(1), policyCalls.Load(), "the caller's CheckRedirect is kept")
	assert.NotNil(t, hc.CheckRedirect, "the caller's client is not modified")
}

// Item 5: Authorization is dropped on a redirect to another origin, here
// the same host name on another port, and kept on the same origin.
func TestAuthorizationDroppedOnOtherOrigin(t *testing.T) {
	var got atomic.Value
	other := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		got.Store(r.Header.Get("Authorization"))
		io.WriteString(w, `{"id":1}`)
	})
	var same atomic.Value
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/away":
			http.Redirect(w, r, other.URL+"/x", http.StatusFound) // 127.0.0.1, another port
		case "/here":
			http.Redirect(w, r, "/landed", http.StatusFound)
		case "/landed":
			same.Store(r.Header.Get("Authorization"))
			io.WriteString(w, `{"id":2}`)
		}
	})
	c, _ := newTestClient(t, srv)
	_, err := do[thing](context.Background(), c, nil, rawRequest("GET", "/away", nil))
	require.NoError(t, err)
	assert.Equal(t, "", got.Load(), "the key went to another port")
	_, err = do[thing](context.Background(), c, nil, rawRequest("GET", "/here", nil))
	require.NoError(t, err)
	assert.Equal(t, "Bearer "+testKey, same.Load())

	assert.True(t, sameOrigin(mustURL("https://a.example"), mustURL("HTTPS://A.example:443/x")))
	assert.False(t, sameOrigin(mustURL("https://a.example"), mustURL("http://a.example")))
	assert.False(t, sameOrigin(mustURL("https://a.example"), mustURL("https://sub.a.example")))
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

// Item 10: stream reconnections and call retries share one list of
// transient statuses and one backoff.
func TestReconnectsUseRetryPolicy(t *testing.T) {
	for _, status := range []int{400, 404, 408, 429, 500, 501, 502, 503, 504, 505} {
		var gets atomic.Int32
		srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost {
				sseHeaders(w)
				writeFlush(w, frame("1-0", `{"type":"token","content":"a"}`))
				panic(http.ErrAbortHandler)
			}
			gets.Add(1)
			writeError(w, status, "X", "X", "no", "")
		})
		c, rec := newTestClient(t, srv, WithStreamReconnects(3))
		s, err := c.Runs.Create(context.Background(), runReq())
		require.NoError(t, err)
		drain(s)
		require.ErrorIs(t, s.Err(), ErrStreamInterrupted)
		want := int32(1)
		if retryableStatus(status) {
			want = 3
		}
		assert.Equal(t, want, gets.Load(), "HTTP %d", status)
		// The same waits as a call's retries (jitter = whole window here).
		for i, w := range rec.get() {
			assert.Equal(t, c.retry.backoff(i, backoffRange{}), w, "HTTP %d, wait %d", status, i)
		}
	}
}

// Item 8: a connection that sends nothing for longer than the idle timeout
// is treated as dropped and resumed with Last-Event-ID.
func TestStreamIdleResumes(t *testing.T) {
	var gets atomic.Int32
	var lastID atomic.Value
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		sseHeaders(w)
		if r.Method == http.MethodPost {
			writeFlush(w, frame("1-0", `{"type":"token","content":"a"}`))
			<-r.Context().Done() // a proxy that stalls silently
			return
		}
		gets.Add(1)
		lastID.Store(r.Header.Get("Last-Event-ID"))
		writeFlush(w, frame("1-1", `{"type":"token","content":"b"}`))
		writeFlush(w, ": heartbeat comment\n\n")
		time.Sleep(150 * time.Millisecond) // quiet, but less than the limit
		writeFlush(w, frame("1-2", `{"type":"done","runId":"r"}`))
	})
	c, _ := newTestClient(t, srv, WithStreamIdleTimeout(300*time.Millisecond))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	s, err := c.Runs.Create(ctx, runReq())
	require.NoError(t, err)
	res, err := s.Collect()
	require.NoError(t, err)
	assert.Equal(t, "ab", res.Text)
	assert.Equal(t, int32(1), gets.Load())
	assert.Equal(t, "1-0", lastID.Load())
	assert.Less(t, time.Since(start), 5*time.Second)

	// Turned off, and a stream that gives up reports why.
	_, err = NewClient(WithAPIKey(testKey), WithStreamIdleTimeout(-1))
	require.Error(t, err)
	c, _ = newTestClient(t, srv, WithStreamIdleTimeout(100*time.Millisecond), WithStreamReconnects(0))
	s, err = c.Runs.Create(ctx, runReq())
	require.NoError(t, err)
	drain(s)
	require.ErrorIs(t, s.Err(), ErrStreamIdle)
	require.ErrorIs(t, s.Err(), ErrStreamInterrupted)
}

// Item 9: exactly once with opaque event ids, whether the server resumes
// after the last id, replays from it, or replays the run from its start.
func TestOpaqueIDsExactlyOnce(t *testing.T) {
	ids := []string{"evt_q", "evt_a", "evt_z", "evt_c", "evt_m", "evt_b"}
	frames := func(from int) string {
		var b strings.Builder
		for i := from; i < len(ids); i++ {
			b.WriteString(frame(ids[i], fmt.Sprintf(`{"type":"token","content":"t%d "}`, i)))
		}
		return b.String() + frame("evt_done", `{"type":"done","runId":"r"}`)
	}
	for name, resume := range map[string]func(last string) int{
		"after last": func(last string) int { return slices.Index(ids, last) + 1 },
		"from last":  func(last string) int { return slices.Index(ids, last) },
		"from start": func(string) int { return 0 },
	} {
		t.Run(name, func(t *testing.T) {
			var gets atomic.Int32
			srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				sseHeaders(w)
				if r.Method == http.MethodPost {
					writeFlush(w, frame(ids[0], `{"type":"token","content":"t0 "}`)+
						frame(ids[1], `{"type":"token","content":"t1 "}`)+frame(ids[2], `{"type":"token","content":"t2 "}`))
					panic(http.ErrAbortHandler)
				}
				if gets.Add(1) == 1 {
					io.WriteString(w, frames(resume(r.Header.Get("Last-Event-ID"))))
				}
			})
			c, _ := newTestClient(t, srv)
			s, err := c.Runs.Create(context.Background(), runReq())
			require.NoError(t, err)
			res, err := s.Collect()
			require.NoError(t, err)
			assert.Equal(t, "t0 t1 t2 t3 t4 t5 ", res.Text)
		})
	}
}

// Item 11: resuming at or after a run's terminal event ends at once with
// ErrRunEnded, after one request.
func TestStreamAfterTerminalEvent(t *testing.T) {
	var gets atomic.Int32
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		gets.Add(1)
		sseHeaders(w)
		if r.Header.Get("Last-Event-ID") == "1-0" {
			// Replays the last event, as some servers do, then ends.
			io.WriteString(w, frame("1-0", `{"type":"done","runId":"r"}`))
		}
	})
	c, rec := newTestClient(t, srv)
	for _, last := range []string{"1-1", "1-0"} {
		gets.Store(0)
		s, err := c.Runs.Stream(context.Background(), "r", last)
		require.NoError(t, err)
		assert.Empty(t, drain(s))
		require.ErrorIs(t, s.Err(), ErrRunEnded)
		assert.NotErrorIs(t, s.Err(), ErrStreamInterrupted)
		assert.Contains(t, s.Err().Error(), last)
		assert.Equal(t, int32(1), gets.Load())
		assert.Empty(t, rec.get(), "no reconnect waits")
	}
	// Without a Last-Event-ID an empty stream is still a drop.
	s, err := c.Runs.Stream(context.Background(), "r", "", WithStreamReconnects(1))
	require.NoError(t, err)
	drain(s)
	require.ErrorIs(t, s.Err(), ErrStreamInterrupted)
}

// Item 13: a stream its caller forgets releases its connection once it is
// unreachable.
func TestForgottenStreamReleased(t *testing.T) {
	released := make(chan struct{})
	stop := make(chan struct{})
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		sseHeaders(w)
		writeFlush(w, frame("1-0", `{"type":"token","content":"a"}`))
		select {
		case <-r.Context().Done(): // the client closed the connection
			close(released)
		case <-stop:
		}
	})
	t.Cleanup(func() { close(stop) }) // runs before the server's Close
	c, _ := newTestClient(t, srv, WithStreamIdleTimeout(0))
	func() {
		s, err := c.Runs.Create(context.Background(), runReq())
		require.NoError(t, err)
		require.True(t, s.Next())
		// forgotten: no Close, no cancel, not read to the end
	}()
	deadline := time.After(5 * time.Second)
	for {
		runtime.GC()
		select {
		case <-released:
			return
		case <-time.After(20 * time.Millisecond):
		case <-deadline:
			t.Fatal("the forgotten stream still holds its connection")
		}
	}
}
