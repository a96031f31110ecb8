package modus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modus-data/modus-sdk-go/gen"
)

func frame(id, data string) string { return "id: " + id + "\ndata: " + data + "\n\n" }

func sseHeaders(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.WriteHeader(http.StatusOK)
}

func writeFlush(w http.ResponseWriter, s string) {
	io.WriteString(w, s)
	w.(http.Flusher).Flush()
}

func runReq() CreateRunRequest {
	return CreateRunRequest{Message: "hi", SessionID: "sess_1"}
}

// drain reads a stream to its end.
func drain(s *RunStream) []Event {
	var evs []Event
	for s.Next() {
		evs = append(evs, s.Event())
	}
	return evs
}

func TestRunStreamDocumentedFrames(t *testing.T) {
	const doc = "id: 1717000000000-0\ndata: {\"type\":\"token\",\"content\":\"Hello\"}\n\nid: 1717000000001-0\ndata: {\"type\":\"done\",\"runId\":\"abc-123\"}\n\n"
	for name, body := range map[string]string{
		"LF":   doc,
		"CRLF": strings.ReplaceAll(doc, "\n", "\r\n"),
		"CR":   strings.ReplaceAll(doc, "\n", "\r"),
	} {
		t.Run(name, func(t *testing.T) {
			var got *http.Request
			var gotBody gen.AgentRunDto
			srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				got = r.Clone(context.Background())
				require.NoError(t, json.NewDecoder(r.Body).Decode(&gotBody))
				sseHeaders(w)
				io.WriteString(w, body)
			})
			c, _ := newTestClient(t, srv, WithOrganizationID("org-1"))
			s, err := c.Runs.Create(context.Background(), runReq())
			require.NoError(t, err)
			defer s.Close()
			evs := drain(s)
			require.NoError(t, s.Err())
			require.Len(t, evs, 2)
			tok := evs[0].(*TokenEvent)
			assert.Equal(t, "Hello", tok.Content)
			assert.Equal(t, "1717000000000-0", tok.ID())
			assert.Equal(t, EventTypeToken, tok.EventType())
			done := evs[1].(*DoneEvent)
			assert.Equal(t, "abc-123", done.RunID)
			assert.Equal(t, "abc-123", s.RunID())
			assert.Equal(t, "1717000000001-0", s.LastEventID())

			assert.Equal(t, http.MethodPost, got.Method)
			assert.Equal(t, "/agent/runs", got.URL.Path)
			assert.Equal(t, "text/event-stream", got.Header.Get("Accept"))
			assert.Len(t, got.Header.Get("Idempotency-Key"), 36, "a UUID")
			assert.Equal(t, "org-1", gotBody.OrganizationID)
			assert.False(t, s.Next(), "Next stays false")
		})
	}
}

func TestRunStreamFraming(t *testing.T) {
	body := ": comment\n\n" +
		"retry: 10\n\n" +
		"id: 1-0\ndata: {\"type\":\"token\",\ndata: \"content\":\"multi\\nline\"}\n\n" +
		": keep-alive\n\n" +
		frame("1-1", `{"type":"heartbeat","timestamp":1717000000500}`) +
		frame("1-2", `{"type":"progress","step":3,"runId":"r-9"}`) +
		frame("1-3", `{"type":"notice","message":"almost full","severity":"warning"}`) +
		frame("1-4", `{"type":"tool_start","toolName":"sql","toolCallId":"c1","input":{"q":"select 1"},"extra":true}`) +
		frame("1-5", `{"type":"tool_end","toolName":"sql","toolCallId":"c1","output":{"rows":1}}`) +
		frame("1-6", `{"type":"token","content":"caf\u00e9 \ud83d\ude00"}`) +
		frame("1-7", `{"type":"cancelled","runIds":["r-9"],"timestamp":5}`) +
		frame("1-8", `{"type":"token","content":"after the end"}`)
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		sseHeaders(w)
		io.WriteString(w, body)
	})
	c, _ := newTestClient(t, srv)
	s, err := c.Runs.Create(context.Background(), runReq())
	require.NoError(t, err)
	evs := drain(s)
	require.NoError(t, s.Err())
	require.Len(t, evs, 8)
	assert.Equal(t, "multi\nline", evs[0].(*TokenEvent).Content)
	assert.Equal(t, int64(1717000000500), *evs[1].(*HeartbeatEvent).Timestamp)
	u := evs[2].(*UnknownEvent)
	assert.Equal(t, EventType("progress"), u.Type)
	assert.JSONEq(t, `{"type":"progress","step":3,"runId":"r-9"}`, string(u.Data))
	assert.Equal(t, "warning", string(evs[3].(*NoticeEvent).Severity))
	ts := evs[4].(*ToolEvent)
	assert.True(t, ts.Start())
	assert.Equal(t, "sql", ts.ToolName)
	assert.Equal(t, "c1", ts.ToolCallID)
	assert.JSONEq(t, `{"q":"select 1"}`, string(ts.Input))
	assert.Contains(t, string(ts.Raw), `"extra":true`)
	// Every event keeps its data as sent, for a relay to forward as is.
	assert.Equal(t, "{\"type\":\"token\",\n\"content\":\"multi\\nline\"}", string(evs[0].RawJSON()))
	assert.Equal(t, `{"type":"heartbeat","timestamp":1717000000500}`, string(evs[1].RawJSON()))
	assert.Equal(t, `{"type":"cancelled","runIds":["r-9"],"timestamp":5}`, string(evs[7].RawJSON()))
	te := evs[5].(*ToolEvent)
	assert.Equal(t, EventTypeToolEnd, te.EventType())
	assert.JSONEq(t, `{"rows":1}`, string(te.Output))
	assert.Equal(t, "café 😀", evs[6].(*TokenEvent).Content)
	assert.Equal(t, []string{"r-9"}, evs[7].(*CancelledEvent).RunIDs)
	assert.Equal(t, "r-9", s.RunID(), "learnt from the first event naming it")
}

func TestRunStreamErrorEvent(t *testing.T) {
	for _, tc := range []struct {
		data     string
		conflict bool
	}{
		{`{"type":"error","error":"Idempotency-Key reused with a different request body"}`, true},
		{`{"type":"error","error":"boom","code":409}`, true},
		{`{"type":"error","error":"model unavailable"}`, false},
		{`{"type":"error","message":"other shape","code":"INTERNAL_ERROR"}`, false},
	} {
		srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
			sseHeaders(w)
			io.WriteString(w, frame("1-0", `{"type":"token","content":"x"}`)+frame("1-1", tc.data))
		})
		c, _ := newTestClient(t, srv)
		s, err := c.Runs.Create(context.Background(), runReq(), WithIdempotencyKey("run-key"))
		require.NoError(t, err)
		var seen []Event
		var last error
		for ev, err := range s.All() {
			if err != nil {
				last = err
				break
			}
			seen = append(seen, ev)
		}
		require.Len(t, seen, 2, "the error event is delivered first")
		ee := seen[1].(*ErrorEvent)
		var re *RunError
		require.ErrorAs(t, last, &re)
		assert.ErrorIs(t, last, ErrRunFailed)
		assert.Equal(t, tc.conflict, errors.Is(last, ErrConflict), tc.data)
		assert.Equal(t, "run-key", re.RunID)
		assert.Equal(t, ee.Message, re.Message)
		assert.Equal(t, ee.Code, re.Code, "the event and the stream error carry the same code")
		assert.NotEmpty(t, re.Message)
		assert.Contains(t, last.Error(), re.Message)
	}
}

// TestRunStreamErrAfterTerminal pins what RunStream's doc says Err returns
// around each terminal event: nil while the event is current, then nil after
// done and cancelled, a *RunError after error, also when the caller closes
// the stream right after the terminal event instead of calling Next again.
func TestRunStreamErrAfterTerminal(t *testing.T) {
	for _, tc := range []struct {
		name, data string
		runError   bool
	}{
		{"done", `{"type":"done","runId":"abc"}`, false},
		{"cancelled", `{"type":"cancelled","runIds":["abc"]}`, false},
		{"error", `{"type":"error","error":"model unavailable"}`, true},
	} {
		for _, closeFirst := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/close=%v", tc.name, closeFirst), func(t *testing.T) {
				srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
					sseHeaders(w)
					io.WriteString(w, frame("1-0", tc.data))
				})
				c, _ := newTestClient(t, srv)
				s, err := c.Runs.Create(context.Background(), runReq())
				require.NoError(t, err)
				require.True(t, s.Next())
				assert.NoError(t, s.Err(), "nil while the terminal event is current")
				if closeFirst {
					require.NoError(t, s.Close())
				} else {
					require.False(t, s.Next())
				}
				if tc.runError {
					var re *RunError
					require.ErrorAs(t, s.Err(), &re)
					assert.Equal(t, "model unavailable", re.Message)
				} else {
					assert.NoError(t, s.Err())
				}
				assert.False(t, s.Next())
				s.Close()
			})
		}
	}
}

func TestRunStreamRejectsNonStream(t *testing.T) {
	t.Run("201 JSON polling answer", func(t *testing.T) {
		srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusCreated)
			io.WriteString(w, `{"runId":"abc-123","status":"running"}`)
		})
		rec := &closeRecorder{next: srv.Client()}
		c, _ := newTestClient(t, srv, WithHTTPClient(rec))
		s, err := c.Runs.Create(context.Background(), runReq())
		assert.Nil(t, s)
		require.ErrorIs(t, err, ErrNotEventStream)
		var de *DecodeError
		require.ErrorAs(t, err, &de)
		assert.Equal(t, http.StatusCreated, de.StatusCode)
		assert.Contains(t, err.Error(), `"abc-123"`)
		assert.Contains(t, err.Error(), "polling")
		assert.True(t, rec.allClosed(), "body closed")
	})
	t.Run("error status", func(t *testing.T) {
		srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
			writeError(w, http.StatusConflict, "CONFLICT", "ALREADY_EXISTS", "busy", "req_1")
		})
		rec := &closeRecorder{next: srv.Client()}
		c, _ := newTestClient(t, srv, WithHTTPClient(rec))
		_, err := c.Runs.Create(context.Background(), runReq())
		var e *Error
		require.ErrorAs(t, err, &e)
		assert.ErrorIs(t, err, ErrConflict)
		assert.Equal(t, "req_1", e.RequestID)
		assert.True(t, rec.allClosed(), "body closed")
	})
	t.Run("stream of unknown run", func(t *testing.T) {
		srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
			writeError(w, http.StatusNotFound, "NOT_FOUND", "NOT_FOUND", "run nope not found", "")
		})
		c, _ := newTestClient(t, srv)
		_, err := c.Runs.Stream(context.Background(), "nope", "")
		assert.ErrorIs(t, err, ErrNotFound)
		_, err = c.Runs.Stream(context.Background(), " ", "")
		assert.Error(t, err)
	})
}

// closeRecorder counts response bodies opened and closed.
type closeRecorder struct {
	next           HTTPDoer
	opened, closed atomic.Int32
}

func (r *closeRecorder) Do(req *http.Request) (*http.Response, error) {
	resp, err := r.next.Do(req)
	if err == nil {
		r.opened.Add(1)
		resp.Body = &countingBody{ReadCloser: resp.Body, n: &r.closed}
	}
	return resp, err
}

func (r *closeRecorder) allClosed() bool {
	return r.opened.Load() > 0 && r.opened.Load() == r.closed.Load()
}

type countingBody struct {
	io.ReadCloser
	n    *atomic.Int32
	once sync.Once
}

func (b *countingBody) Close() error {
	b.once.Do(func() { b.n.Add(1) })
	return b.ReadCloser.Close()
}

func TestRunStreamMalformedEvent(t *testing.T) {
	for _, bad := range []string{`{"type":"token","content":`, `not json`, `[1,2]`, `{"type":5}`, `{"type":"done","runId":7}`, ``} {
		srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
			sseHeaders(w)
			io.WriteString(w, frame("1-0", `{"type":"token","content":"ok"}`)+frame("1-1", bad)+frame("1-2", `{"type":"done","runId":"r"}`))
		})
		c, _ := newTestClient(t, srv)
		s, err := c.Runs.Create(context.Background(), runReq())
		require.NoError(t, err)
		evs := drain(s)
		assert.Len(t, evs, 1, bad)
		err = s.Err()
		require.ErrorIs(t, err, ErrMalformedEvent, bad)
		var de *EventDecodeError
		require.ErrorAs(t, err, &de)
		assert.Equal(t, "1-1", de.EventID)
		assert.Equal(t, bad, string(de.Data))
	}
}

func TestRunStreamEventTooLarge(t *testing.T) {
	big := `{"type":"token","content":"` + strings.Repeat("x", 4096) + `"}`
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		sseHeaders(w)
		io.WriteString(w, frame("1-0", `{"type":"token","content":"ok"}`)+frame("1-1", big)+frame("1-2", `{"type":"done","runId":"r"}`))
	})
	c, rec := newTestClient(t, srv, WithMaxEventSize(1024))
	s, err := c.Runs.Create(context.Background(), runReq())
	require.NoError(t, err)
	assert.Len(t, drain(s), 1)
	assert.ErrorIs(t, s.Err(), ErrEventTooLarge)
	assert.Empty(t, rec.get(), "no reconnection for an event that would come again")

	// The default limit (16 MiB) takes it.
	c, _ = newTestClient(t, srv)
	s, err = c.Runs.Create(context.Background(), runReq())
	require.NoError(t, err)
	assert.Len(t, drain(s), 3)
	assert.NoError(t, s.Err())
}

// resumeServer serves a run of n token events and a done event. POST and
// GET answers break off (abort, or a clean end when clean is set) after
// cutEvery events; a GET resumes after its Last-Event-ID unless replayAll.
type resumeServer struct {
	t         *testing.T
	n         int
	cutEvery  int
	clean     bool
	replayAll bool
	retry     string // retry field sent first, if set

	mu      sync.Mutex
	posts   int
	gets    int
	lastIDs []string
	keys    []string
}

func (rs *resumeServer) id(i int) string { return fmt.Sprintf("1717000000000-%d", i) }

func (rs *resumeServer) frames() []string {
	var fs []string
	for i := range rs.n {
		fs = append(fs, frame(rs.id(i), fmt.Sprintf(`{"type":"token","content":"t%d "}`, i)))
	}
	return append(fs, frame(rs.id(rs.n), `{"type":"done","runId":"run-1","threadId":"th-1"}`))
}

func (rs *resumeServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := 0
	rs.mu.Lock()
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/agent/runs":
		rs.posts++
		rs.keys = append(rs.keys, r.Header.Get("Idempotency-Key"))
	case r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/stream"):
		rs.gets++
		last := r.Header.Get("Last-Event-ID")
		rs.lastIDs = append(rs.lastIDs, last)
		if last != "" && !rs.replayAll {
			_, seq, _ := strings.Cut(last, "-")
			n, _ := strconv.Atoi(seq)
			start = n + 1
		}
	default:
		rs.mu.Unlock()
		http.NotFound(w, r)
		return
	}
	rs.mu.Unlock()
	sseHeaders(w)
	if rs.retry != "" {
		writeFlush(w, "retry: "+rs.retry+"\n\n")
	}
	fs := rs.frames()
	for i, sent := start, 0; i < len(fs); i, sent = i+1, sent+1 {
		if rs.cutEvery > 0 && sent == rs.cutEvery {
			if rs.clean {
				return
			}
			writeFlush(w, "id: x\ndata: {\"type\":\"tok") // a cut event
			panic(http.ErrAbortHandler)
		}
		writeFlush(w, fs[i])
	}
}

func (rs *resumeServer) counts() (posts, gets int, lastIDs []string) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return rs.posts, rs.gets, append([]string(nil), rs.lastIDs...)
}

func checkTokens(t *testing.T, evs []Event, n int) {
	t.Helper()
	require.Len(t, evs, n+1)
	for i, ev := range evs[:n] {
		require.Equal(t, fmt.Sprintf("t%d ", i), ev.(*TokenEvent).Content)
		require.Equal(t, fmt.Sprintf("1717000000000-%d", i), ev.ID())
	}
	require.IsType(t, &DoneEvent{}, evs[n])
}

func TestRunStreamResume(t *testing.T) {
	for _, tc := range []struct {
		name  string
		clean bool
	}{{"abort", false}, {"clean EOF", true}} {
		t.Run(tc.name, func(t *testing.T) {
			rs := &resumeServer{t: t, n: 10, cutEvery: 3, clean: tc.clean, retry: "1500"}
			srv := newServer(t, rs.ServeHTTP)
			c, rec := newTestClient(t, srv)
			s, err := c.Runs.Create(context.Background(), runReq(), WithHeader("X-Trace", "abc"))
			require.NoError(t, err)
			evs := drain(s)
			require.NoError(t, s.Err())
			checkTokens(t, evs, 10)

			posts, gets, lastIDs := rs.counts()
			assert.Equal(t, 1, posts, "the POST is never repeated")
			assert.Equal(t, 3, gets)
			assert.Equal(t, []string{"1717000000000-2", "1717000000000-5", "1717000000000-8"}, lastIDs)
			// The retry hint (1.5 s) plus the whole jitter window (0.5 s).
			assert.Equal(t, []time.Duration{2 * time.Second, 2 * time.Second, 2 * time.Second}, rec.get())
			assert.Equal(t, "run-1", s.RunID())
		})
	}
}

func TestRunStreamReplayedEventsSkipped(t *testing.T) {
	// The server ignores Last-Event-ID and replays from the start, without
	// dropping again: every event still comes once.
	var gets atomic.Int32
	rs := &resumeServer{n: 6}
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		fs := rs.frames()
		sseHeaders(w)
		if r.Method == http.MethodPost {
			writeFlush(w, fs[0]+fs[1]+fs[2])
			panic(http.ErrAbortHandler)
		}
		gets.Add(1)
		assert.Equal(t, "1717000000000-2", r.Header.Get("Last-Event-ID"))
		io.WriteString(w, strings.Join(fs, ""))
	})
	c, _ := newTestClient(t, srv)
	s, err := c.Runs.Create(context.Background(), runReq())
	require.NoError(t, err)
	checkTokens(t, drain(s), 6)
	require.NoError(t, s.Err())
	assert.Equal(t, int32(1), gets.Load())
}

func TestRunStreamResumeWithoutIDs(t *testing.T) {
	// No id fields: the resume has no Last-Event-ID, the server replays
	// everything and the events already delivered are skipped by count.
	body := func(from, to int) string {
		var b strings.Builder
		for i := from; i < to; i++ {
			fmt.Fprintf(&b, "data: {\"type\":\"token\",\"content\":\"t%d \"}\n\n", i)
		}
		return b.String()
	}
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		sseHeaders(w)
		if r.Method == http.MethodPost {
			io.WriteString(w, body(0, 3))
			return
		}
		assert.Empty(t, r.Header.Get("Last-Event-ID"))
		io.WriteString(w, body(0, 5)+"data: {\"type\":\"done\",\"runId\":\"r\"}\n\n")
	})
	c, _ := newTestClient(t, srv)
	s, err := c.Runs.Create(context.Background(), runReq())
	require.NoError(t, err)
	res, err := s.Collect()
	require.NoError(t, err)
	assert.Equal(t, "t0 t1 t2 t3 t4 ", res.Text)
}

func TestRunStreamBoundedReconnects(t *testing.T) {
	for _, n := range []int{-1, 0, 2} {
		var gets atomic.Int32
		srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
			sseHeaders(w)
			if r.Method == http.MethodPost {
				writeFlush(w, frame("1-0", `{"type":"token","content":"a"}`))
				panic(http.ErrAbortHandler)
			}
			gets.Add(1)
			panic(http.ErrAbortHandler) // keeps dropping, no progress
		})
		var opts []Option
		want := DefaultStreamReconnects
		if n >= 0 {
			opts, want = []Option{WithStreamReconnects(n)}, n
		}
		c, rec := newTestClient(t, srv, opts...)
		s, err := c.Runs.Create(context.Background(), runReq(), WithIdempotencyKey("k1"))
		require.NoError(t, err)
		assert.Len(t, drain(s), 1)
		err = s.Err()
		require.ErrorIs(t, err, ErrStreamInterrupted)
		var se *StreamInterruptedError
		require.ErrorAs(t, err, &se)
		assert.Equal(t, "k1", se.RunID)
		assert.Equal(t, "1-0", se.LastEventID)
		assert.Equal(t, want, se.Attempts)
		assert.Contains(t, err.Error(), "k1")
		assert.Equal(t, int32(want), gets.Load())
		// Exponential backoff, full window as jitter (0.5 s, 1 s, 2 s, ...).
		waits := rec.get()
		require.Len(t, waits, want)
		for i, w := range waits {
			assert.Equal(t, backoffBase<<i, w)
		}
	}
}

func TestRunStreamRefusedReconnect(t *testing.T) {
	var gets atomic.Int32
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			sseHeaders(w)
			writeFlush(w, frame("1-0", `{"type":"token","content":"a"}`))
			return // clean end without terminal event
		}
		gets.Add(1)
		writeError(w, http.StatusNotFound, "NOT_FOUND", "NOT_FOUND", "run not found", "")
	})
	c, _ := newTestClient(t, srv)
	s, err := c.Runs.Create(context.Background(), runReq())
	require.NoError(t, err)
	assert.Len(t, drain(s), 1)
	assert.ErrorIs(t, s.Err(), ErrStreamInterrupted)
	assert.ErrorIs(t, s.Err(), ErrNotFound)
	assert.Equal(t, int32(1), gets.Load())
}

func TestRunStreamUnknownRunIDCannotResume(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		sseHeaders(w)
		writeFlush(w, frame("1-0", `{"type":"token","content":"a"}`))
	})
	c, _ := newTestClient(t, srv)
	s, err := c.startStream(context.Background(), callConfig{},
		route{agent: true}, rawRequest(http.MethodGet, "/agent/whatever", nil), "", "")
	require.NoError(t, err)
	assert.Len(t, drain(s), 1)
	require.ErrorIs(t, s.Err(), ErrStreamInterrupted)
	assert.ErrorIs(t, s.Err(), io.ErrUnexpectedEOF)
	assert.Contains(t, s.Err().Error(), "cannot resume")
}

func TestRunStreamRunIDFromHeader(t *testing.T) {
	var path atomic.Value
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			w.Header().Set("X-Run-Id", "srv-run")
			sseHeaders(w)
			writeFlush(w, frame("1-0", `{"type":"token","content":"a"}`))
			return
		}
		path.Store(r.URL.Path)
		sseHeaders(w)
		io.WriteString(w, frame("1-1", `{"type":"done","runId":"srv-run"}`))
	})
	c, _ := newTestClient(t, srv)
	s, err := c.Runs.Create(context.Background(), runReq())
	require.NoError(t, err)
	assert.Equal(t, "srv-run", s.RunID())
	assert.Len(t, drain(s), 2)
	assert.Equal(t, "/agent/runs/srv-run/stream", path.Load())
}

func TestRunStreamIdempotencyKeyChoice(t *testing.T) {
	keys := make(chan string, 10)
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		keys <- r.Header.Get("Idempotency-Key")
		sseHeaders(w)
		io.WriteString(w, frame("1-0", `{"type":"done","runId":"r"}`))
	})
	c, _ := newTestClient(t, srv)
	create := func(req CreateRunRequest, opts ...Option) string {
		s, err := c.Runs.Create(context.Background(), req, opts...)
		require.NoError(t, err)
		drain(s)
		return <-keys
	}
	assert.Equal(t, "mine", create(runReq(), WithIdempotencyKey("mine")))
	assert.Equal(t, "hdr", create(runReq(), WithHeader("Idempotency-Key", "hdr")))
	withRunID := runReq()
	withRunID.RunID = ptrTo("run_5b0c")
	assert.Equal(t, "run_5b0c", create(withRunID))
	assert.Equal(t, "mine", create(withRunID, WithIdempotencyKey("mine")))
	a, b := create(runReq()), create(runReq())
	assert.NotEqual(t, a, b, "a new key per call")

	_, err := c.Runs.Create(context.Background(), runReq(), WithAPIKey(testKey))
	assert.ErrorContains(t, err, "NewClient")
}

func ptrTo[T any](v T) *T { return &v }

func TestRunStreamPOSTRetriedWithSameKey(t *testing.T) {
	var keys []string
	var mu sync.Mutex
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		keys = append(keys, r.Header.Get("Idempotency-Key"))
		n := len(keys)
		mu.Unlock()
		if n == 1 {
			writeError(w, http.StatusServiceUnavailable, "INTERNAL_ERROR", "INTERNAL", "busy", "")
			return
		}
		sseHeaders(w)
		io.WriteString(w, frame("1-0", `{"type":"done","runId":"r"}`))
	})
	c, _ := newTestClient(t, srv)
	s, err := c.Runs.Create(context.Background(), runReq())
	require.NoError(t, err)
	drain(s)
	require.Len(t, keys, 2)
	assert.Equal(t, keys[0], keys[1])
}

func TestRunStreamStreamLastEventID(t *testing.T) {
	var seen atomic.Value
	rs := &resumeServer{n: 5}
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		seen.Store(r.Header.Get("Last-Event-ID"))
		assert.Equal(t, "/agent/runs/run-1/stream", r.URL.Path)
		sseHeaders(w)
		io.WriteString(w, strings.Join(rs.frames(), "")) // replays all
	})
	c, _ := newTestClient(t, srv)
	s, err := c.Runs.Stream(context.Background(), "run-1", "1717000000000-2")
	require.NoError(t, err)
	evs := drain(s)
	require.NoError(t, s.Err())
	assert.Equal(t, "1717000000000-2", seen.Load())
	require.Len(t, evs, 3, "events up to the given id are skipped")
	assert.Equal(t, "t3 ", evs[0].(*TokenEvent).Content)
	assert.Equal(t, "run-1", s.RunID())
}

func TestRunStreamCancel(t *testing.T) {
	release := make(chan struct{})
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		sseHeaders(w)
		writeFlush(w, frame("1-0", `{"type":"token","content":"a"}`))
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	defer close(release)

	t.Run("context", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		c, _ := newTestClient(t, srv)
		s, err := c.Runs.Create(ctx, runReq())
		require.NoError(t, err)
		require.True(t, s.Next())
		time.AfterFunc(20*time.Millisecond, cancel)
		start := time.Now()
		assert.False(t, s.Next())
		assert.Less(t, time.Since(start), 5*time.Second)
		assert.ErrorIs(t, s.Err(), context.Canceled)
		assert.Nil(t, s.Event())
		require.NoError(t, s.Close())
		require.NoError(t, s.Close())
	})
	t.Run("close from another goroutine", func(t *testing.T) {
		c, _ := newTestClient(t, srv)
		s, err := c.Runs.Create(context.Background(), runReq())
		require.NoError(t, err)
		require.True(t, s.Next())
		time.AfterFunc(20*time.Millisecond, func() { s.Close() })
		assert.False(t, s.Next())
		assert.NoError(t, s.Err())
	})
	t.Run("during a reconnect wait", func(t *testing.T) {
		drop := newServer(t, func(w http.ResponseWriter, r *http.Request) {
			sseHeaders(w)
			writeFlush(w, frame("1-0", `{"type":"token","content":"a"}`))
			panic(http.ErrAbortHandler)
		})
		c, _ := newTestClient(t, drop)
		c.retry.sleep = sleepCtx // a real wait (up to 0.5 s)
		c.retry.jitter = func(time.Duration) time.Duration { return time.Hour }
		ctx, cancel := context.WithCancel(context.Background())
		s, err := c.Runs.Create(ctx, runReq())
		require.NoError(t, err)
		require.True(t, s.Next())
		time.AfterFunc(20*time.Millisecond, cancel)
		assert.False(t, s.Next())
		assert.ErrorIs(t, s.Err(), context.Canceled)
	})
	t.Run("break out of All", func(t *testing.T) {
		c, _ := newTestClient(t, srv)
		s, err := c.Runs.Create(context.Background(), runReq())
		require.NoError(t, err)
		for range s.All() {
			break
		}
		assert.False(t, s.Next())
	})
}

func TestRunStreamCollect(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		sseHeaders(w)
		io.WriteString(w, frame("1-0", `{"type":"token","content":"Hel"}`)+
			frame("1-1", `{"type":"notice","message":"n1","severity":"info"}`)+
			frame("1-2", `{"type":"tool_start","toolName":"t"}`)+
			frame("1-3", `{"type":"token","content":"lo"}`)+
			frame("1-4", `{"type":"done","runId":"abc","threadId":"th"}`))
	})
	c, _ := newTestClient(t, srv)
	s, err := c.Runs.Create(context.Background(), runReq())
	require.NoError(t, err)
	res, err := s.Collect()
	require.NoError(t, err)
	assert.Equal(t, "Hello", res.Text)
	assert.Equal(t, "abc", res.RunID)
	assert.Equal(t, "th", res.ThreadID)
	assert.Equal(t, "abc", res.Done.RunID)
	require.Len(t, res.Notices, 1)
	assert.Equal(t, "n1", res.Notices[0].Message)
	assert.Len(t, res.Tools, 1)
	assert.Equal(t, "1-4", res.LastEventID)

	cancelled := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		sseHeaders(w)
		io.WriteString(w, frame("1-0", `{"type":"token","content":"x"}`)+frame("1-1", `{"type":"cancelled","runIds":["abc"]}`))
	})
	c, _ = newTestClient(t, cancelled)
	s, err = c.Runs.Create(context.Background(), runReq())
	require.NoError(t, err)
	res, err = s.Collect()
	assert.ErrorIs(t, err, ErrRunCancelled)
	assert.Equal(t, "x", res.Text)
	assert.NotNil(t, res.Cancelled)
}

func TestIDAfter(t *testing.T) {
	for _, tc := range []struct {
		id, last string
		want     bool
	}{
		{"1-0", "", true},
		{"1-0", "1-0", false},
		{"1-1", "1-0", true},
		{"1-10", "1-9", true},
		{"1-9", "1-10", false},
		{"2-0", "1-99", true},
		{"1-99", "2-0", false},
		{"10", "9", true},
		{"abc", "abd", true},
		{"abc", "abc", false},
	} {
		assert.Equal(t, tc.want, idAfter(tc.id, tc.last), "%q after %q", tc.id, tc.last)
	}
}

func TestStreamOptionsValidate(t *testing.T) {
	_, err := NewClient(WithAPIKey(testKey), WithStreamReconnects(-1))
	assert.Error(t, err)
	_, err = NewClient(WithAPIKey(testKey), WithMaxEventSize(0))
	assert.Error(t, err)
	c, err := NewClient(WithAPIKey(testKey), WithStreamReconnects(7), WithMaxEventSize(99))
	require.NoError(t, err)
	assert.Equal(t, 7, c.transport.defaults.cfg.stream.maxReconnects())
	assert.Equal(t, 99, c.transport.defaults.cfg.stream.maxEventSize)
}

// An event without an id field on a resumed connection (a heartbeat, say)
// must not erase the resume cursor: the next reconnection still sends the
// last id seen, as an EventSource keeps its last event id across
// reconnections.
func TestRunStreamIDLessEventKeepsCursor(t *testing.T) {
	var gets atomic.Int32
	var lastIDs []string
	var mu sync.Mutex
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		sseHeaders(w)
		if r.Method == http.MethodPost {
			writeFlush(w, frame("1717000000000-0", `{"type":"token","content":"a"}`)+frame("1717000000000-1", `{"type":"token","content":"b"}`))
			panic(http.ErrAbortHandler)
		}
		mu.Lock()
		lastIDs = append(lastIDs, r.Header.Get("Last-Event-ID"))
		mu.Unlock()
		if gets.Add(1) == 1 {
			writeFlush(w, "data: {\"type\":\"heartbeat\"}\n\n")
			panic(http.ErrAbortHandler)
		}
		io.WriteString(w, frame("1717000000000-2", `{"type":"token","content":"c"}`)+frame("1717000000000-3", `{"type":"done","runId":"r"}`))
	})
	c, _ := newTestClient(t, srv)
	s, err := c.Runs.Create(context.Background(), runReq())
	require.NoError(t, err)
	var types []EventType
	for s.Next() {
		types = append(types, s.Event().EventType())
		if s.Event().EventType() == EventTypeHeartbeat {
			assert.Equal(t, "1717000000000-1", s.LastEventID(), "cursor kept after an event without id")
		}
	}
	require.NoError(t, s.Err())
	assert.Equal(t, []EventType{"token", "token", "heartbeat", "token", "done"}, types)
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []string{"1717000000000-1", "1717000000000-1"}, lastIDs)
}

// decodeEvent's fast path makes a TokenEvent's Content share the bytes of
// the event's data (unsafe.String), and every event keeps that data as its
// RawJSON. That is only sound while the data is never reused or written to:
// hold every Content and RawJSON of a long stream, whose reads go through
// the same buffers again and again, and check each one once the stream has
// ended.
func TestTokenContentNotOverwrittenByLaterEvents(t *testing.T) {
	const n = 2000
	want := make([]string, n)
	wantRaw := make([]string, n+1)
	var body strings.Builder
	for i := range n {
		want[i] = strings.Repeat(string(rune('a'+i%26)), 1+i%97)
		wantRaw[i] = fmt.Sprintf("{\"type\":\"token\",\"content\":%q}", want[i])
		fmt.Fprintf(&body, "id: 1-%d\ndata: %s\n\n", i, wantRaw[i])
	}
	wantRaw[n] = `{"type":"done","runId":"r"}`
	fmt.Fprintf(&body, "id: 1-%d\ndata: %s\n\n", n, wantRaw[n])
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		sseHeaders(w)
		io.WriteString(w, body.String())
	})
	c, _ := newTestClient(t, srv)
	s, err := c.Runs.Create(context.Background(), runReq())
	require.NoError(t, err)
	var got []string
	var raws []json.RawMessage
	var ids []string
	for s.Next() {
		raws = append(raws, s.Event().RawJSON())
		ids = append(ids, s.Event().ID())
		if tok, ok := s.Event().(*TokenEvent); ok {
			got = append(got, tok.Content)
		}
	}
	require.NoError(t, s.Err())
	require.Equal(t, want, got)
	require.Len(t, raws, n+1)
	for i, raw := range raws {
		require.Equal(t, wantRaw[i], string(raw), "event %d", i)
		require.Equal(t, fmt.Sprintf("1-%d", i), ids[i])
	}
}

// The API requires an organization id on run bodies: without one from the
// request or the client, Create and ExecuteWorkflowAction fail before
// sending anything, naming the variable that sets it.
func TestRunsNeedOrganizationID(t *testing.T) {
	var hits atomic.Int32
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) { hits.Add(1) })
	c, err := NewClient(WithAPIKey(testKey), WithBaseURL(srv.URL))
	require.NoError(t, err)

	_, err = c.Runs.Create(context.Background(), CreateRunRequest{Message: "hi", SessionID: "s"})
	assert.ErrorContains(t, err, EnvOrganizationID)
	_, err = c.Runs.ExecuteWorkflowAction(context.Background(), WorkflowActionRequest{SessionID: "s"})
	assert.ErrorContains(t, err, EnvOrganizationID)
	assert.Zero(t, hits.Load(), "nothing may be sent without an organization id")
}
