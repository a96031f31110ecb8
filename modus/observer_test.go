package modus

import (
	"context"
	"io"
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type obsKey struct{}

// obsLog records what an Observer sees, as strings in order, and checks that
// every callback and every attempt gets the context CallStart returned.
type obsLog struct {
	t      *testing.T
	name   string
	seq    *seqLog // shared by the observers of one test, to check their order
	starts []CallInfo
	ends   []CallResult
	retry  []RetryInfo
	events []Event
	recons []ReconnectInfo
	sends  []StreamEndInfo
}

type seqLog struct {
	mu  sync.Mutex
	log []string
}

func (l *obsLog) add(s string) {
	l.seq.mu.Lock()
	defer l.seq.mu.Unlock()
	l.seq.log = append(l.seq.log, l.name+":"+s)
}

func newObsLogs(t *testing.T, names ...string) []*obsLog {
	seq := &seqLog{}
	var ls []*obsLog
	for _, n := range names {
		ls = append(ls, &obsLog{t: t, name: n, seq: seq})
	}
	return ls
}

func (l *obsLog) checkCtx(ctx context.Context) {
	assert.Equal(l.t, l.name, ctx.Value(obsKey{}), "the context CallStart returned")
}

func (l *obsLog) observer() Observer {
	return Observer{
		CallStart: func(ctx context.Context, info CallInfo) context.Context {
			l.add("start " + info.Operation.ID)
			l.starts = append(l.starts, info)
			return context.WithValue(ctx, obsKey{}, l.name)
		},
		CallEnd: func(ctx context.Context, info CallInfo, res CallResult) {
			l.checkCtx(ctx)
			l.add("end " + info.Operation.ID)
			l.ends = append(l.ends, res)
		},
		Retry: func(ctx context.Context, info RetryInfo) {
			l.checkCtx(ctx)
			l.add("retry")
			l.retry = append(l.retry, info)
		},
		StreamEvent: func(ctx context.Context, ev Event) {
			l.checkCtx(ctx)
			l.add("event " + ev.ID())
			l.events = append(l.events, ev)
		},
		StreamReconnect: func(ctx context.Context, info ReconnectInfo) {
			l.checkCtx(ctx)
			l.add("reconnect")
			l.recons = append(l.recons, info)
		},
		StreamEnd: func(ctx context.Context, info StreamEndInfo) {
			l.checkCtx(ctx)
			l.add("streamend")
			l.sends = append(l.sends, info)
		},
	}
}

// attemptLog is a middleware recording each attempt's AttemptInfo and the
// observer value of its context.
type attemptLog struct {
	mu    sync.Mutex
	infos []AttemptInfo
	ctxs  []any
}

func (a *attemptLog) mw(req *http.Request, next MiddlewareNext) (*http.Response, error) {
	info, _ := AttemptOf(req)
	a.mu.Lock()
	a.infos = append(a.infos, info)
	a.ctxs = append(a.ctxs, req.Context().Value(obsKey{}))
	a.mu.Unlock()
	return next(req)
}

func TestObserverCallRetries(t *testing.T) {
	n := 0
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if n++; n <= 2 {
			writeError(w, http.StatusServiceUnavailable, "INTERNAL_ERROR", "INTERNAL", "busy", "req-503")
			return
		}
		w.Header().Set("X-Request-Id", "req-ok")
		io.WriteString(w, `{"id":1,"name":"a"}`)
	})
	ls := newObsLogs(t, "client", "call")
	client, call := ls[0], ls[1]
	var atts attemptLog
	c, _ := newTestClient(t, srv, WithObserver(client.observer()), WithMiddleware(atts.mw))

	a, err := c.Agents.Get(context.Background(), 1, nil, WithObserver(call.observer()))
	require.NoError(t, err)
	assert.Equal(t, "a", a.Name)

	for _, l := range []*obsLog{client, call} {
		require.Len(t, l.starts, 1, l.name)
		op := l.starts[0].Operation
		assert.Equal(t, Operation{ID: "GetAgent", Method: "GET", Path: "/api/v1/agents/{id}", Host: "api", Idempotent: true}, op)
		assert.Nil(t, l.starts[0].Request)
		require.Len(t, l.retry, 2, l.name)
		for i, ri := range l.retry {
			assert.Equal(t, i+1, ri.Attempt)
			assert.Equal(t, http.StatusServiceUnavailable, ri.StatusCode)
			assert.ErrorIs(t, ri.Err, ErrServer)
			assert.Equal(t, "GetAgent", ri.Operation.ID)
			assert.Positive(t, ri.Wait)
		}
		require.Len(t, l.ends, 1)
		res := l.ends[0]
		assert.NoError(t, res.Err)
		assert.Same(t, a, res.Value)
		require.NotNil(t, res.Meta)
		assert.Equal(t, ResponseMeta{StatusCode: 200, Header: res.Meta.Header, RequestID: "req-ok", Attempts: 3}, *res.Meta)
	}
	assert.Equal(t, []string{"client:start GetAgent", "call:start GetAgent", "client:retry", "call:retry",
		"client:retry", "call:retry", "client:end GetAgent", "call:end GetAgent"}, client.seq.log,
		"a call's observer runs after the client's")
	// The call's CallStart wraps the client's: attempts see the call's value.
	assert.Equal(t, []any{"call", "call", "call"}, atts.ctxs)
	for i, info := range atts.infos {
		assert.Equal(t, AttemptInfo{Operation: "GetAgent", PathTemplate: "/api/v1/agents/{id}", Attempt: i + 1}, info)
	}
}

func TestObserverChatRequestAnd404(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/v1/agents/7/chat" {
			io.WriteString(w, `{"content":"hello","runId":"r1","threadId":"th1"}`)
			return
		}
		writeError(w, http.StatusNotFound, "NOT_FOUND", "NOT_FOUND", "no such agent", "req-404")
	})
	l := newObsLogs(t, "client")[0]
	c, _ := newTestClient(t, srv, WithObserver(l.observer()))

	req := ChatRequest{Message: "hi", Model: "gpt"}
	resp, err := c.Agents.Chat(context.Background(), 7, req)
	require.NoError(t, err)
	_, err = c.Agents.Get(context.Background(), 8, nil)
	require.ErrorIs(t, err, ErrNotFound)
	err = c.Agents.Delete(context.Background(), 8)
	require.ErrorIs(t, err, ErrNotFound)

	require.Len(t, l.starts, 3)
	assert.Equal(t, "ChatWithAgent", l.starts[0].Operation.ID)
	assert.Equal(t, req, l.starts[0].Request, "the typed body the caller passed")
	assert.Same(t, resp, l.ends[0].Value)
	for _, res := range l.ends[1:] {
		assert.ErrorIs(t, res.Err, ErrNotFound)
		assert.Nil(t, res.Value, "no typed nil")
		require.NotNil(t, res.Meta)
		assert.Equal(t, 404, res.Meta.StatusCode)
		assert.Equal(t, "req-404", res.Meta.RequestID)
	}
	assert.Equal(t, "DeleteAgent", l.starts[2].Operation.ID)
	assert.Empty(t, l.retry)
}

func TestObserverRunStreamReconnects(t *testing.T) {
	rs := &resumeServer{t: t, n: 10, cutEvery: 3}
	srv := newServer(t, rs.ServeHTTP)
	l := newObsLogs(t, "client")[0]
	var atts attemptLog
	var onReconnect int
	c, _ := newTestClient(t, srv, WithObserver(l.observer()), WithMiddleware(atts.mw),
		WithOnReconnect(func(ReconnectInfo) { onReconnect++ }))
	s, err := c.Runs.Create(context.Background(), runReq())
	require.NoError(t, err)
	require.Equal(t, []string{"client:start CreateRun", "client:end CreateRun"}, l.seq.log, "CallEnd once the stream is open")
	assert.Equal(t, Operation{ID: "CreateRun", Method: "POST", Path: "/agent/runs", Host: "agent", Streaming: true}, l.starts[0].Operation)
	assert.Equal(t, runReq().Message, l.starts[0].Request.(CreateRunRequest).Message)
	assert.NoError(t, l.ends[0].Err)
	assert.Nil(t, l.ends[0].Value)

	var delivered []Event
	for s.Next() {
		delivered = append(delivered, s.Event())
		if _, ok := s.Event().(*DoneEvent); ok {
			require.Len(t, l.sends, 1, "StreamEnd runs at the terminal event, before Next returns it")
		}
	}
	require.NoError(t, s.Err())
	require.NoError(t, s.Close())
	assert.Equal(t, delivered, l.events, "StreamEvent sees each delivered event once")
	require.Len(t, l.recons, 3)
	assert.Equal(t, 3, onReconnect)
	assert.Equal(t, "1717000000000-2", l.recons[0].LastEventID)
	require.Len(t, l.sends, 1, "StreamEnd runs once")
	assert.Equal(t, StreamEndInfo{RunID: "run-1", LastEventID: "1717000000000-10", Reconnects: 3}, l.sends[0])
	assert.Equal(t, "client:streamend", l.seq.log[len(l.seq.log)-1])
	// The reconnections run under the call's context too.
	require.Len(t, atts.ctxs, 4)
	for i, v := range atts.ctxs {
		assert.Equal(t, "client", v)
		assert.Equal(t, i, atts.infos[i].Reconnect)
	}
	assert.Equal(t, "/agent/runs/{runId}/stream", atts.infos[3].PathTemplate)
}

func TestObserverRunStreamEnds(t *testing.T) {
	for _, tc := range []struct {
		name   string
		last   string // the final frame
		closed bool   // Close from inside StreamEvent after the first event
		check  func(t *testing.T, info StreamEndInfo)
	}{
		{"error event", `{"type":"error","error":"boom","code":"INTERNAL_ERROR"}`, false, func(t *testing.T, info StreamEndInfo) {
			assert.ErrorIs(t, info.Err, ErrRunFailed)
			assert.False(t, info.Closed)
		}},
		{"cancelled", `{"type":"cancelled","runIds":["run-c"]}`, false, func(t *testing.T, info StreamEndInfo) {
			assert.NoError(t, info.Err)
			assert.False(t, info.Closed)
			assert.Equal(t, "run-c", info.RunID)
		}},
		{"closed", `{"type":"done","runId":"x"}`, true, func(t *testing.T, info StreamEndInfo) {
			assert.NoError(t, info.Err)
			assert.True(t, info.Closed, "Close before the terminal event")
			assert.Equal(t, "1-0", info.LastEventID)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				sseHeaders(w)
				writeFlush(w, frame("1-0", `{"type":"token","content":"x"}`))
				writeFlush(w, frame("1-1", tc.last))
			})
			l := newObsLogs(t, "client")[0]
			var s *RunStream
			obs := l.observer()
			if tc.closed {
				inner := obs.StreamEvent
				obs.StreamEvent = func(ctx context.Context, ev Event) {
					inner(ctx, ev)
					s.Close() // would deadlock if callbacks ran under the stream's lock
				}
			}
			c, _ := newTestClient(t, srv)
			var err error
			s, err = c.Runs.Create(context.Background(), runReq(), WithObserver(obs))
			require.NoError(t, err)
			drain(s)
			s.Close()
			require.Len(t, l.sends, 1)
			tc.check(t, l.sends[0])
			assert.Equal(t, l.sends[0].Err, s.Err(), "what Err reports")
		})
	}
}

func TestObserverStreamOpenFails(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "NOT_FOUND", "NOT_FOUND", "no run", "req-1")
	})
	l := newObsLogs(t, "client")[0]
	c, _ := newTestClient(t, srv, WithObserver(l.observer()))
	_, err := c.Runs.Stream(context.Background(), "run-9", "")
	require.ErrorIs(t, err, ErrNotFound)
	assert.Equal(t, []string{"client:start StreamRun", "client:end StreamRun"}, l.seq.log, "no StreamEnd for a stream never opened")
	assert.ErrorIs(t, l.ends[0].Err, ErrNotFound)
}

func TestWithOptions(t *testing.T) {
	var got []string
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.Header.Get("X-A"), r.Header.Get("X-B"))
		io.WriteString(w, `{"id":1}`)
	})
	l := newObsLogs(t, "bundled")[0]
	bundle := WithOptions(WithHeader("X-A", "1"), Option{}, WithObserver(l.observer()), WithHeader("X-A", "2"))
	c, _ := newTestClient(t, srv, bundle)
	_, err := c.Agents.Get(context.Background(), 1, nil, WithOptions(WithHeader("X-B", "call")))
	require.NoError(t, err)
	assert.Equal(t, []string{"2", "call"}, got, "applied in order, on the client and on a call")
	assert.Len(t, l.starts, 1)

	// Valid where all its options are.
	_, err = c.Agents.Get(context.Background(), 1, nil, WithOptions(WithHeader("X-B", "x"), WithUserAgent("ua")))
	assert.ErrorContains(t, err, "WithOptions(WithHeader, WithUserAgent) configures the client")
	_, err = NewClient(WithAPIKey(testKey), WithOptions(WithResponseInto(&ResponseMeta{})))
	assert.ErrorContains(t, err, "applies to a single call")
	_, err = NewClient(WithAPIKey(testKey), WithOptions(WithUserAgent("ua"), WithIdempotencyKey("k")))
	assert.ErrorContains(t, err, "mixes client-only and call-only options")
	// An option in a bundle overrides a bad environment value as it would alone.
	t.Setenv(EnvMaxRetries, "x")
	_, err = NewClient(WithAPIKey(testKey), WithOptions(WithMaxRetries(1)))
	assert.NoError(t, err)
}

func TestObserverCloseFromStreamReconnect(t *testing.T) {
	rs := &resumeServer{t: t, n: 10, cutEvery: 3}
	srv := newServer(t, rs.ServeHTTP)
	l := newObsLogs(t, "client")[0]
	var s *RunStream
	obs := l.observer()
	inner := obs.StreamReconnect
	obs.StreamReconnect = func(ctx context.Context, info ReconnectInfo) {
		inner(ctx, info)
		s.Close() // would deadlock if the callback ran under the stream's lock
	}
	c, _ := newTestClient(t, srv, WithObserver(obs))
	var err error
	s, err = c.Runs.Create(context.Background(), runReq())
	require.NoError(t, err)
	assert.Len(t, drain(s), 3)
	require.NoError(t, s.Err())
	require.Len(t, l.recons, 1)
	require.Len(t, l.sends, 1)
	assert.True(t, l.sends[0].Closed)
	assert.NoError(t, l.sends[0].Err)
	_, gets, _ := rs.counts()
	assert.Zero(t, gets, "no reconnection after Close")
}

func TestObserverCallStartNilContext(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, `{"id":1}`) })
	var ends int
	c, _ := newTestClient(t, srv, WithObserver(Observer{
		CallStart: func(context.Context, CallInfo) context.Context { return nil },
		CallEnd: func(ctx context.Context, _ CallInfo, res CallResult) {
			assert.NotNil(t, ctx)
			ends++
		},
	}))
	_, err := c.Agents.Get(context.Background(), 1, nil)
	require.NoError(t, err)
	assert.Equal(t, 1, ends)
}
