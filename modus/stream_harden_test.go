package modus

import (
	"context"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Tests of issue 16, items 10 to 16: run streams under hostile servers,
// callbacks and handlers.

// within fails the test when f does not return within d.
func within(t *testing.T, d time.Duration, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("%s did not return within %s", what, d)
	}
}

// Item 10: Close called from inside the reconnect callback returns at once
// and stops the stream (it used to wait for the lock Next holds).
func TestIssue16Item10CloseFromReconnectCallback(t *testing.T) {
	var gets atomic.Int32
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			gets.Add(1)
		}
		sseHeaders(w)
		writeFlush(w, frame("1-0", `{"type":"token","content":"a"}`))
		panic(http.ErrAbortHandler)
	})
	var s *RunStream
	closed := false
	c, _ := newTestClient(t, srv, WithOnReconnect(func(ReconnectInfo) {
		s.Close() // deadlocked: the test times out below
		closed = true
	}))
	var err error
	s, err = c.Runs.Create(context.Background(), runReq())
	require.NoError(t, err)
	within(t, 5*time.Second, "the stream", func() {
		assert.Len(t, drain(s), 1)
	})
	assert.True(t, closed)
	assert.NoError(t, s.Err())
	assert.Equal(t, int32(0), gets.Load(), "no reconnection after Close")
}

// Item 10: a callback that blocks does not block Close from another
// goroutine; the stream ends when the callback returns.
func TestIssue16Item10CloseWhileCallbackBlocks(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		sseHeaders(w)
		writeFlush(w, frame("1-0", `{"type":"token","content":"a"}`))
		panic(http.ErrAbortHandler)
	})
	entered, unblock := make(chan struct{}), make(chan struct{})
	c, _ := newTestClient(t, srv, WithOnReconnect(func(ReconnectInfo) {
		close(entered)
		<-unblock
	}))
	s, err := c.Runs.Create(context.Background(), runReq())
	require.NoError(t, err)
	require.True(t, s.Next())
	next := make(chan bool)
	go func() { next <- s.Next() }()
	<-entered
	within(t, 2*time.Second, "Close while the callback blocks", func() { s.Close() })
	close(unblock)
	select {
	case more := <-next:
		assert.False(t, more)
	case <-time.After(5 * time.Second):
		t.Fatal("Next did not return after Close")
	}
	assert.NoError(t, s.Err())
}

// panicHandler is a slog handler that panics on the first attempt record of
// a reconnection.
type panicHandler struct{}

func (panicHandler) Enabled(context.Context, slog.Level) bool { return true }
func (panicHandler) Handle(_ context.Context, r slog.Record) error {
	if r.Message != "modus: attempt" {
		return nil
	}
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "reconnect" && a.Value.Int64() > 0 {
			panic("handler bug")
		}
		return true
	})
	return nil
}
func (h panicHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h panicHandler) WithGroup(string) slog.Handler      { return h }

// Item 10: a log handler that panics while a reconnection's connection is
// open releases that connection; the panic reaches the caller and the
// stream is over.
func TestIssue16Item10PanickingLogHandlerReleasesConnection(t *testing.T) {
	released, stop := make(chan struct{}), make(chan struct{})
	var once sync.Once
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		sseHeaders(w)
		if r.Method == http.MethodPost {
			writeFlush(w, frame("1-0", `{"type":"token","content":"a"}`))
			panic(http.ErrAbortHandler)
		}
		writeFlush(w, frame("1-1", `{"type":"token","content":"b"}`))
		select {
		case <-r.Context().Done(): // the client let go of the connection
			once.Do(func() { close(released) })
		case <-stop:
		}
	})
	t.Cleanup(func() { close(stop) }) // runs before the server's Close
	c, _ := newTestClient(t, srv, WithLogger(slog.New(panicHandler{})))
	s, err := c.Runs.Create(context.Background(), runReq())
	require.NoError(t, err)
	require.True(t, s.Next())
	var recovered any
	func() {
		defer func() { recovered = recover() }()
		s.Next()
	}()
	require.Equal(t, "handler bug", recovered)
	select {
	case <-released:
	case <-time.After(5 * time.Second):
		t.Fatal("the reconnection's connection is still open after the panic")
	}
	assert.False(t, s.Next(), "the stream is over")
	assert.Error(t, s.Err())
	runtime.KeepAlive(s) // not the garbage collector's cleanup
}

// openPanicHandler panics on the log record of a run's opening attempt.
type openPanicHandler struct{ panicHandler }

func (openPanicHandler) Handle(_ context.Context, r slog.Record) error {
	if r.Message == "modus: attempt" {
		panic("handler bug")
	}
	return nil
}
func (h openPanicHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h openPanicHandler) WithGroup(string) slog.Handler      { return h }

// Item 10: a log handler that panics on the opening attempt of a stream,
// once its answer is there, releases that connection too.
func TestIssue16Item10PanickingLogHandlerOnOpenReleasesConnection(t *testing.T) {
	released, stop := make(chan struct{}), make(chan struct{})
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		sseHeaders(w)
		writeFlush(w, frame("1-0", `{"type":"token","content":"a"}`))
		select {
		case <-r.Context().Done():
			close(released)
		case <-stop:
		}
	})
	t.Cleanup(func() { close(stop) }) // runs before the server's Close
	c, _ := newTestClient(t, srv, WithLogger(slog.New(openPanicHandler{})))
	assert.PanicsWithValue(t, "handler bug", func() { c.Runs.Create(context.Background(), runReq()) })
	select {
	case <-released:
	case <-time.After(5 * time.Second):
		t.Fatal("the opening connection is still open after the panic")
	}
}

// Item 10: a WithOnReconnect callback that panics ends the stream; the
// panic reaches the caller and nothing is left behind (goleak).
func TestIssue16Item10PanickingCallbackEndsStream(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		sseHeaders(w)
		writeFlush(w, frame("1-0", `{"type":"token","content":"a"}`))
		panic(http.ErrAbortHandler)
	})
	c, _ := newTestClient(t, srv, WithOnReconnect(func(ReconnectInfo) { panic("callback bug") }))
	s, err := c.Runs.Create(context.Background(), runReq())
	require.NoError(t, err)
	require.True(t, s.Next())
	assert.PanicsWithValue(t, "callback bug", func() { s.Next() })
	assert.False(t, s.Next())
	assert.Error(t, s.Err())
	require.NoError(t, s.Close())
	select {
	case <-s.ctx.Done():
	default:
		t.Fatal("the stream's context is still live")
	}
}

// Item 11: bytes that trickle in without completing a frame are no
// progress: the connection is idle, and the stream resumes.
func TestIssue16Item11TrickleWithoutFrameIsIdle(t *testing.T) {
	var gets atomic.Int32
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		sseHeaders(w)
		if r.Method == http.MethodPost {
			writeFlush(w, frame("1-0", `{"type":"token","content":"a"}`))
			writeFlush(w, "data: ")
			for { // a line that never ends, a byte well within the limit
				select {
				case <-r.Context().Done():
					return
				case <-time.After(40 * time.Millisecond):
				}
				writeFlush(w, "x")
			}
		}
		gets.Add(1)
		io.WriteString(w, frame("1-1", `{"type":"token","content":"b"}`)+frame("1-2", `{"type":"done","runId":"r"}`))
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
	assert.Less(t, time.Since(start), 5*time.Second)
}

// Item 11: comments are progress: a connection that sends only heartbeat
// comments for longer than the limit in all stays up.
func TestIssue16Item11CommentsAreProgress(t *testing.T) {
	var gets atomic.Int32
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			gets.Add(1)
		}
		sseHeaders(w)
		writeFlush(w, frame("1-0", `{"type":"token","content":"a"}`))
		for range 6 {
			time.Sleep(100 * time.Millisecond)
			writeFlush(w, ": keep-alive\r\n\r\n")
		}
		writeFlush(w, frame("1-1", `{"type":"done","runId":"r"}`))
	})
	c, _ := newTestClient(t, srv, WithStreamIdleTimeout(300*time.Millisecond))
	s, err := c.Runs.Create(context.Background(), runReq())
	require.NoError(t, err)
	res, err := s.Collect()
	require.NoError(t, err)
	assert.Equal(t, "a", res.Text)
	assert.Equal(t, int32(0), gets.Load(), "no reconnection")
}

// Item 11: the frame scanner finds the end of each block whatever the
// line endings and however the bytes are cut into reads.
func TestIssue16Item11FrameScan(t *testing.T) {
	for _, tc := range []struct {
		in     string
		frames int
	}{
		{"data: a\n\n", 1},
		{"data: a\r\n\r\n", 1},
		{"data: a\r\r", 1},
		{"data: a\n\r", 1},
		{"data: a\r\n\n", 1},
		{": c\n\n: d\n\n", 2},
		{"\n\n\r\n\r\r\n", 0}, // blank lines alone end no block
		{"data: a\ndata: b\n", 0},
		{"data: a\r\ndata: b\r\n\r\nid: 1\r\r", 2},
		{"data: " + strings.Repeat("x\ry\n", 100) + "\n", 1},
	} {
		var f frameScan
		n := 0
		for i := range len(tc.in) {
			if f.completes([]byte{tc.in[i]}) {
				n++
			}
		}
		assert.Equal(t, tc.frames, n, "%q read byte by byte", tc.in)
		var whole frameScan
		assert.Equal(t, tc.frames > 0, whole.completes([]byte(tc.in)), "%q in one read", tc.in)
	}
}

// Item 12: the idle timeout bounds a reconnection's wait for headers, so a
// resume to a server that never answers moves on to the next attempt.
func TestIssue16Item12IdleBoundsReconnectHeaders(t *testing.T) {
	var gets atomic.Int32
	release := make(chan struct{})
	defer close(release)
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			sseHeaders(w)
			writeFlush(w, frame("1-0", `{"type":"token","content":"a"}`))
			panic(http.ErrAbortHandler)
		}
		if gets.Add(1) == 1 {
			select { // accepts the request, never answers
			case <-r.Context().Done():
			case <-release:
			}
			return
		}
		sseHeaders(w)
		io.WriteString(w, frame("1-1", `{"type":"token","content":"b"}`)+frame("1-2", `{"type":"done","runId":"r"}`))
	})
	var causes []error
	c, _ := newTestClient(t, srv, WithStreamIdleTimeout(300*time.Millisecond),
		WithOnReconnect(func(info ReconnectInfo) { causes = append(causes, info.Err) }))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	s, err := c.Runs.Create(ctx, runReq())
	require.NoError(t, err)
	res, err := s.Collect()
	require.NoError(t, err)
	assert.Equal(t, "ab", res.Text)
	assert.Equal(t, int32(2), gets.Load())
	assert.Less(t, time.Since(start), 5*time.Second)
	require.Len(t, causes, 2)
	assert.ErrorIs(t, causes[1], ErrStreamIdle, "the header wait ran out")
	assert.ErrorIs(t, causes[1], context.DeadlineExceeded)
}

// Item 13: a stream that gives up keeps every cause: an idle connection
// followed by refused reconnections still matches ErrStreamIdle, and the
// last refusal is the *Error errors.As finds.
func TestIssue16Item13GiveUpKeepsEveryCause(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			sseHeaders(w)
			writeFlush(w, frame("1-0", `{"type":"token","content":"a"}`))
			<-r.Context().Done() // stalls
			return
		}
		writeError(w, http.StatusServiceUnavailable, "INTERNAL_ERROR", "INTERNAL", "busy", "req-9")
	})
	c, _ := newTestClient(t, srv, WithStreamIdleTimeout(200*time.Millisecond), WithStreamReconnects(2))
	s, err := c.Runs.Create(context.Background(), runReq())
	require.NoError(t, err)
	drain(s)
	err = s.Err()
	require.ErrorIs(t, err, ErrStreamInterrupted)
	assert.ErrorIs(t, err, ErrStreamIdle, "the first drop was idle")
	assert.ErrorIs(t, err, ErrServer)
	var e *Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, http.StatusServiceUnavailable, e.StatusCode)
	var se *StreamInterruptedError
	require.ErrorAs(t, err, &se)
	require.Len(t, se.Causes, 3, "the drop and two refusals")
	assert.ErrorIs(t, se.Causes[0], ErrStreamIdle)
	assert.Same(t, se.Err, se.Causes[2])
	assert.Contains(t, err.Error(), "3 failures in all, the first: modus: run stream idle")
}

// Item 13: causes stay bounded however often a long stream drops.
func TestIssue16Item13CausesBounded(t *testing.T) {
	var n atomic.Int32
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		sseHeaders(w)
		i := n.Add(1)
		if i > maxStreamCauses+10 {
			writeFlush(w, frame("9-0", `{"type":"token","content":"."}`))
			return // ends without a terminal event, reconnections refused below
		}
		writeFlush(w, "id: 1-"+strconv.Itoa(int(i))+"\ndata: {\"type\":\"token\",\"content\":\".\"}\n\n")
		panic(http.ErrAbortHandler)
	})
	c, _ := newTestClient(t, srv, WithStreamReconnects(1))
	s, err := c.Runs.Create(context.Background(), runReq())
	require.NoError(t, err)
	drain(s)
	var se *StreamInterruptedError
	require.ErrorAs(t, s.Err(), &se)
	assert.Len(t, se.Causes, maxStreamCauses)
}

// Item 14: an event without id at the start of a resumed connection (a
// heartbeat, say) is delivered but leaves the replay filter on: the replay
// after it is skipped, with numeric and with opaque ids.
func TestIssue16Item14IDLessEventKeepsReplayFilter(t *testing.T) {
	for name, ids := range map[string][]string{
		"numeric": {"1-0", "1-1", "1-2", "1-3"},
		"opaque":  {"evt_a", "evt_b", "evt_c", "evt_done"},
	} {
		t.Run(name, func(t *testing.T) {
			srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				sseHeaders(w)
				a, b := frame(ids[0], `{"type":"token","content":"a"}`), frame(ids[1], `{"type":"token","content":"b"}`)
				if r.Method == http.MethodPost {
					writeFlush(w, a+b)
					panic(http.ErrAbortHandler)
				}
				assert.Equal(t, ids[1], r.Header.Get("Last-Event-ID"))
				// Replays the run from its start, after an id-less heartbeat.
				io.WriteString(w, "data: {\"type\":\"heartbeat\"}\n\n"+a+b+
					frame(ids[2], `{"type":"token","content":"c"}`)+frame(ids[3], `{"type":"done","runId":"r"}`))
			})
			c, _ := newTestClient(t, srv)
			s, err := c.Runs.Create(context.Background(), runReq())
			require.NoError(t, err)
			var types []EventType
			var text strings.Builder
			for s.Next() {
				types = append(types, s.Event().EventType())
				if tok, ok := s.Event().(*TokenEvent); ok {
					text.WriteString(tok.Content)
				}
			}
			require.NoError(t, s.Err())
			assert.Equal(t, "abc", text.String())
			assert.Equal(t, []EventType{"token", "token", "heartbeat", "token", "done"}, types)
			assert.Equal(t, ids[3], s.LastEventID())
		})
	}
}

// Item 14: a stray older numeric id does not move the cursor back: the
// resume asks for what follows the newest event delivered.
func TestIssue16Item14StrayOlderIDKeepsCursor(t *testing.T) {
	var lastIDs []string
	var mu sync.Mutex
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		sseHeaders(w)
		if r.Method == http.MethodPost {
			writeFlush(w, frame("1-5", `{"type":"token","content":"a"}`)+frame("1-2", `{"type":"notice","message":"stray","severity":"info"}`))
			panic(http.ErrAbortHandler)
		}
		mu.Lock()
		lastIDs = append(lastIDs, r.Header.Get("Last-Event-ID"))
		mu.Unlock()
		io.WriteString(w, frame("1-6", `{"type":"token","content":"b"}`)+frame("1-7", `{"type":"done","runId":"r"}`))
	})
	c, _ := newTestClient(t, srv)
	s, err := c.Runs.Create(context.Background(), runReq())
	require.NoError(t, err)
	var seen []string
	for s.Next() {
		seen = append(seen, s.LastEventID())
	}
	require.NoError(t, s.Err())
	assert.Equal(t, []string{"1-5", "1-5", "1-6", "1-7"}, seen)
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []string{"1-5"}, lastIDs)
}

// Item 15: a reconnection whose Retry-After wait would outlast the
// context's deadline is not waited for: the last *Error comes back at once.
func TestIssue16Item15RetryAfterRespectsDeadline(t *testing.T) {
	var gets atomic.Int32
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			sseHeaders(w)
			writeFlush(w, frame("1-0", `{"type":"token","content":"a"}`))
			panic(http.ErrAbortHandler)
		}
		gets.Add(1)
		w.Header().Set("Retry-After", "30")
		writeError(w, http.StatusServiceUnavailable, "INTERNAL_ERROR", "INTERNAL", "busy", "")
	})
	c, rec := newTestClient(t, srv)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s, err := c.Runs.Create(ctx, runReq())
	require.NoError(t, err)
	drain(s)
	err = s.Err()
	require.ErrorIs(t, err, ErrStreamInterrupted)
	var e *Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, 30*time.Second, e.RetryAfter)
	assert.Equal(t, int32(1), gets.Load(), "no second reconnection")
	assert.Equal(t, []time.Duration{backoffBase}, rec.get(), "the first backoff only: the 30 s wait was not started")
	assert.NoError(t, ctx.Err())
}

// Item 15: as for calls, a Retry-After over the 60 s cap is not slept
// either, deadline or not.
func TestIssue16Item15RetryAfterOverCap(t *testing.T) {
	var gets atomic.Int32
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			sseHeaders(w)
			writeFlush(w, frame("1-0", `{"type":"token","content":"a"}`))
			panic(http.ErrAbortHandler)
		}
		gets.Add(1)
		w.Header().Set("Retry-After", "3600")
		writeError(w, http.StatusTooManyRequests, "RATE_LIMITED", "RESOURCE_EXHAUSTED", "slow down", "")
	})
	c, rec := newTestClient(t, srv)
	s, err := c.Runs.Create(context.Background(), runReq())
	require.NoError(t, err)
	drain(s)
	var e *Error
	require.ErrorAs(t, s.Err(), &e)
	assert.Equal(t, time.Hour, e.RetryAfter)
	assert.Equal(t, int32(1), gets.Load())
	assert.Equal(t, []time.Duration{backoffBase}, rec.get(), "the hour was not slept")
}

// Item 16: a call's WithOnReconnect adds to the client's, which runs first.
func TestIssue16Item16CallOnReconnectAddsToClients(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		sseHeaders(w)
		if r.Method == http.MethodPost {
			writeFlush(w, frame("1-0", `{"type":"token","content":"a"}`))
			panic(http.ErrAbortHandler)
		}
		io.WriteString(w, frame("1-1", `{"type":"done","runId":"r"}`))
	})
	var calls []string
	c, _ := newTestClient(t, srv, WithOnReconnect(func(ReconnectInfo) { calls = append(calls, "client") }))
	s, err := c.Runs.Create(context.Background(), runReq(), WithOnReconnect(func(ReconnectInfo) { calls = append(calls, "call") }))
	require.NoError(t, err)
	_, err = s.Collect()
	require.NoError(t, err)
	assert.Equal(t, []string{"client", "call"}, calls)

	// Two on the client both run too.
	calls = nil
	c, _ = newTestClient(t, srv, WithOnReconnect(func(ReconnectInfo) { calls = append(calls, "one") }),
		WithOnReconnect(func(ReconnectInfo) { calls = append(calls, "two") }))
	s, err = c.Runs.Create(context.Background(), runReq())
	require.NoError(t, err)
	_, err = s.Collect()
	require.NoError(t, err)
	assert.Equal(t, []string{"one", "two"}, calls)
}

// Issue 18 item 3: Next takes no lock, so Close from another goroutine at
// any moment (before, during or between calls of Next) must still stop the
// stream, release its connection and tell StreamEnd exactly once, with the
// race detector watching.
func TestRunStreamCloseRacesNext(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		sseHeaders(w)
		for i := 0; ; i++ {
			if r.Context().Err() != nil {
				return
			}
			writeFlush(w, frame("1-"+strconv.Itoa(i), `{"type":"token","content":"x"}`))
			if i%50 == 49 {
				time.Sleep(time.Millisecond)
			}
		}
	})
	var ends atomic.Int32
	c, _ := newTestClient(t, srv, WithObserver(Observer{StreamEnd: func(context.Context, StreamEndInfo) { ends.Add(1) }}))
	for i := range 40 {
		ends.Store(0)
		s, err := c.Runs.Create(context.Background(), runReq())
		require.NoError(t, err)
		delay := time.Duration(i%8) * 500 * time.Microsecond
		closed := make(chan struct{})
		go func() {
			defer close(closed)
			time.Sleep(delay)
			s.Close()
		}()
		n := 0
		within(t, 5*time.Second, "Next after Close", func() {
			for s.Next() {
				assert.NotNil(t, s.Event())
				n++
			}
		})
		<-closed
		assert.NoError(t, s.Err())
		assert.False(t, s.Next())
		assert.Nil(t, s.Event())
		assert.Equal(t, int32(1), ends.Load(), "StreamEnd once (run %d, %d events)", i, n)
	}
}

// Item 11: the frame scanner (with its fast path for reads without CR)
// gives the same answer for each read however the bytes are cut, and ends
// in the same state, as the general line-by-line scan fed a byte at a time.
func TestIssue16Item11FrameScanAnyCut(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 4000 {
		alphabet := []byte("ab:\r\n\n")
		if round%2 == 0 {
			alphabet = []byte("ab:\n\n") // the fast path only
		}
		in := make([]byte, rng.IntN(40))
		for i := range in {
			in[i] = alphabet[rng.IntN(len(alphabet))]
		}
		var chunked, bytewise frameScan
		for p := in; len(p) > 0; {
			n := 1 + rng.IntN(len(p))
			want := false
			for _, c := range p[:n] {
				want = bytewise.scanLines([]byte{c}) || want
			}
			require.Equal(t, want, chunked.completes(p[:n]), "%q, read %q", in, p[:n])
			p = p[n:]
		}
		require.Equal(t, bytewise, chunked)
	}
}
