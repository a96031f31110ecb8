package modus

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestOperationDescriptors checks the generated descriptors against the
// operations table (testdata/operations.json): a descriptor with the same
// method, path and host for each row, one for every operation of the spec,
// streaming and idempotence as the spec and retry.go say.
func TestOperationDescriptors(t *testing.T) {
	raw, err := os.ReadFile("../testdata/operations.json")
	require.NoError(t, err)
	var rows []struct{ Method, Host, Path, OperationID string }
	require.NoError(t, json.Unmarshal(raw, &rows))
	spec, err := os.ReadFile("../openapi.json")
	require.NoError(t, err)
	var doc struct {
		Paths map[string]map[string]json.RawMessage
	}
	require.NoError(t, json.Unmarshal(spec, &doc))
	n := 0
	for _, item := range doc.Paths {
		for method := range item {
			if method != "parameters" && method != "servers" && method != "summary" && method != "description" {
				n++
			}
		}
	}
	require.Len(t, operations, n, "one descriptor per operation of openapi.json")
	byID := map[string]*Operation{}
	for _, o := range operations {
		require.NotContains(t, byID, o.ID, "duplicate descriptor")
		byID[o.ID] = o
		assert.Equal(t, idempotentMethod(o.Method), o.Idempotent, o.ID)
	}
	for _, r := range rows {
		o := byID[r.OperationID]
		if !assert.NotNil(t, o, r.OperationID) {
			continue
		}
		assert.Equal(t, Operation{ID: r.OperationID, Method: r.Method, Path: r.Path, Host: r.Host,
			Streaming: o.Streaming, Idempotent: o.Idempotent}, *o)
	}
	assert.Equal(t, opGetAgent, byID["GetAgent"])
	for id, o := range byID {
		assert.Equal(t, id == "CreateRun" || id == "StreamRun" || id == "ExecuteWorkflowAction", o.Streaming, id)
	}
}

// seen is what a middleware saw of one attempt.
type seen struct {
	name string
	info AttemptInfo
}

type seenLog struct {
	mu  sync.Mutex
	all []seen
}

func (l *seenLog) mw(name string) Middleware {
	return func(req *http.Request, next MiddlewareNext) (*http.Response, error) {
		info, ok := AttemptOf(req)
		if !ok {
			panic("no attempt info")
		}
		l.mu.Lock()
		l.all = append(l.all, seen{name, info})
		l.mu.Unlock()
		req.Header.Add("X-Chain", name)
		return next(req)
	}
}

func (l *seenLog) get() []seen {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]seen(nil), l.all...)
}

func TestMiddlewareOrderAndRetries(t *testing.T) {
	var chains []string
	var mu sync.Mutex
	var n atomic.Int32
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		chains = append(chains, strings.Join(r.Header.Values("X-Chain"), ","))
		mu.Unlock()
		if n.Add(1) == 1 {
			writeError(w, 503, "INTERNAL_ERROR", "INTERNAL", "busy", "")
			return
		}
		w.Header().Set("X-Request-Id", "req_ok")
		w.Header().Set("X-RateLimit-Remaining", "41")
		io.WriteString(w, `{"id":42,"name":"a"}`)
	})
	log := &seenLog{}
	c, rec := newTestClient(t, srv, WithMiddleware(log.mw("client1"), log.mw("client2")))
	var meta ResponseMeta
	a, err := c.Agents.Get(context.Background(), 42, nil, WithMiddleware(log.mw("call")), WithResponseInto(&meta))
	require.NoError(t, err)
	assert.Equal(t, int64(42), a.ID)
	assert.Len(t, rec.get(), 1)

	// Client middleware first, in order, then the call's; every attempt.
	assert.Equal(t, []string{"client1,client2,call", "client1,client2,call"}, chains)
	got := log.get()
	require.Len(t, got, 6)
	for i, s := range got {
		assert.Equal(t, "GetAgent", s.info.Operation)
		assert.Equal(t, i/3+1, s.info.Attempt)
		assert.Equal(t, i >= 3, s.info.Retry())
		assert.Zero(t, s.info.Reconnect)
	}
	// Metadata of the successful answer.
	assert.Equal(t, 200, meta.StatusCode)
	assert.Equal(t, "req_ok", meta.RequestID)
	assert.Equal(t, "41", meta.Header.Get("X-RateLimit-Remaining"))
	assert.Equal(t, 2, meta.Attempts)

	// A middleware can answer by itself.
	short := func(req *http.Request, next MiddlewareNext) (*http.Response, error) {
		return &http.Response{StatusCode: 418, Header: http.Header{}, Body: io.NopCloser(strings.NewReader("teapot")), Request: req}, nil
	}
	_, err = c.Agents.Get(context.Background(), 1, nil, WithMiddleware(short))
	var e *Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, 418, e.StatusCode)
	_, err = NewClient(WithAPIKey(testKey), WithMiddleware(nil))
	require.Error(t, err)
}

func TestStreamMiddlewareMetaAndReconnects(t *testing.T) {
	rs := &resumeServer{t: t, n: 4, cutEvery: 2} // drops every two events
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-Id", "req_"+r.Method)
		rs.ServeHTTP(w, r)
	})
	log := &seenLog{}
	var infos []ReconnectInfo
	c, _ := newTestClient(t, srv)
	var meta ResponseMeta
	s, err := c.Runs.Create(context.Background(), runReq(), WithMiddleware(log.mw("m")), WithResponseInto(&meta),
		WithOnReconnect(func(i ReconnectInfo) { infos = append(infos, i) }))
	require.NoError(t, err)
	assert.Equal(t, "req_POST", s.Header().Get("X-Request-Id"))
	assert.Equal(t, "req_POST", meta.RequestID)
	checkTokens(t, drain(s), 4)
	require.NoError(t, s.Err())
	assert.Equal(t, "req_GET", s.Header().Get("X-Request-Id"), "headers of the current connection")
	assert.Equal(t, 2, s.Reconnects())
	require.Len(t, infos, 2)
	assert.Equal(t, "1717000000000-1", infos[0].LastEventID)
	assert.Equal(t, 1, infos[0].Attempt)
	assert.NotEmpty(t, infos[0].RunID)
	assert.Error(t, infos[0].Err)

	got := log.get()
	require.Len(t, got, 3)
	assert.Equal(t, AttemptInfo{Operation: "CreateRun", PathTemplate: "/agent/runs", Attempt: 1}, got[0].info)
	assert.Equal(t, AttemptInfo{Operation: "StreamRun", PathTemplate: "/agent/runs/{runId}/stream", Attempt: 1, Reconnect: 1}, got[1].info)
	assert.Equal(t, AttemptInfo{Operation: "StreamRun", PathTemplate: "/agent/runs/{runId}/stream", Attempt: 1, Reconnect: 2}, got[2].info)
	assert.False(t, got[1].info.Retry(), "a reconnect is not a retry")
}

// captured is a slog handler that keeps every record as text.
type captured struct {
	mu      sync.Mutex
	records []string
}

func (h *captured) Enabled(context.Context, slog.Level) bool { return true }
func (h *captured) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *captured) WithGroup(string) slog.Handler            { return h }
func (h *captured) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Level.String() + " " + r.Message)
	r.Attrs(func(a slog.Attr) bool {
		b.WriteString(" " + a.Key + "=" + a.Value.String())
		return true
	})
	h.mu.Lock()
	h.records = append(h.records, b.String())
	h.mu.Unlock()
	return nil
}

func (h *captured) get() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.records...)
}

func TestLoggerRecords(t *testing.T) {
	var n atomic.Int32
	rs := &resumeServer{t: t, n: 2, cutEvery: 2}
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-Id", "req_x")
		if strings.HasPrefix(r.URL.Path, "/agent/") {
			rs.ServeHTTP(w, r)
			return
		}
		if n.Add(1) == 1 {
			writeError(w, 500, "INTERNAL_ERROR", "INTERNAL", "boom "+r.Header.Get("Authorization"), "")
			return
		}
		io.WriteString(w, `{"id":7,"name":"a"}`)
	})
	h := &captured{}
	c, _ := newTestClient(t, srv, WithLogger(slog.New(h)))
	_, err := c.Agents.Get(context.Background(), 7, nil)
	require.NoError(t, err)
	s, err := c.Runs.Create(context.Background(), runReq())
	require.NoError(t, err)
	_, err = s.Collect()
	require.NoError(t, err)

	recs := h.get()
	joined := strings.Join(recs, "\n")
	assert.Contains(t, joined, "DEBUG modus: attempt method=GET path=/api/v1/agents/{id} operation=GetAgent attempt=1")
	assert.Contains(t, joined, "status=500 request_id=req_x")
	assert.Contains(t, joined, "INFO modus: retry method=GET path=/api/v1/agents/{id} operation=GetAgent attempt=1 reason=HTTP 500 wait=500ms")
	assert.Contains(t, joined, "operation=GetAgent attempt=2")
	assert.Contains(t, joined, "INFO modus: reconnect run_id=")
	assert.Contains(t, joined, " last_event_id=1717000000000-1 attempt=1 wait=500ms reason=sse: truncated event")
	assert.Contains(t, joined, "operation=StreamRun attempt=1")
	secret := strings.TrimPrefix(testKey, "modus_")
	for _, r := range recs {
		assert.NotContains(t, r, secret)
		assert.NotContains(t, r, "Bearer")
	}

	// Silent by default: no logger, no records, and nothing extra to do.
	c2, _ := newTestClient(t, srv)
	assert.Nil(t, c2.transport.defaults.cfg.logger)
}

func TestDebugBodiesRedactedAndCapped(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/v1/agents/1" {
			io.WriteString(w, `{"id":1,"name":"n","apiToken":"tok_live_123","note":"`+testKey+`"}`)
			return
		}
		writeError(w, 400, "BAD_REQUEST", "INVALID_ARGUMENT", strings.Repeat("x", 500), "")
	})
	h := &captured{}
	c, _ := newTestClient(t, srv, WithLogger(slog.New(h)), WithMaxRetries(0))
	_, err := c.Agents.Get(context.Background(), 1, nil)
	require.NoError(t, err)
	assert.NotContains(t, strings.Join(h.get(), "\n"), "modus: body", "bodies only on request")

	_, err = c.Agents.Get(context.Background(), 1, nil, WithDebugBodies(4096))
	require.NoError(t, err)
	_, err = c.Agents.Get(context.Background(), 2, nil, WithDebugBodies(100))
	require.Error(t, err)
	var bodies []string
	for _, r := range h.get() {
		if strings.Contains(r, "modus: body") {
			bodies = append(bodies, r)
		}
	}
	require.Len(t, bodies, 2)
	assert.Contains(t, bodies[0], `"apiToken":"***"`)
	assert.Contains(t, bodies[0], `"note":"modus_****"`, "the key, wherever it is")
	assert.Contains(t, bodies[0], "operation=GetAgent status=200")
	assert.NotContains(t, bodies[0], "tok_live_123")
	assert.NotContains(t, bodies[0], strings.TrimPrefix(testKey, "modus_"))
	assert.Contains(t, bodies[1], "status=400")
	assert.Contains(t, bodies[1], "cut=true")
	_, err = NewClient(WithAPIKey(testKey), WithDebugBodies(0))
	require.Error(t, err)
}

// ctxDoer records the context of each request it is handed, and answers.
type ctxDoer struct {
	ctxs []context.Context
}

func (d *ctxDoer) Do(req *http.Request) (*http.Response, error) {
	d.ctxs = append(d.ctxs, req.Context())
	return &http.Response{StatusCode: 200, Header: http.Header{}, Request: req, ContentLength: -1,
		Body: io.NopCloser(strings.NewReader(`{"id":42,"name":"a"}`))}, nil
}

// A call's settings travel to the transport as arguments, not in the
// request's context: the HTTP client gets the caller's own context with only
// the AttemptInfo added (issue 18: AttemptOf is always available, so a plain
// RoundTripper can read it too), call options or not.
func TestCallStateNotInContext(t *testing.T) {
	type key struct{}
	ctx := context.WithValue(context.Background(), key{}, "caller")
	d := &ctxDoer{}
	c, err := NewClient(WithAPIKey(testKey), WithHTTPClient(d), WithRequestTimeout(0))
	require.NoError(t, err)
	_, err = c.Agents.Get(ctx, 42, nil)
	require.NoError(t, err)
	_, err = c.Agents.Get(ctx, 42, nil, WithHeader("X-Extra", "1"), WithMaxRetries(0))
	require.NoError(t, err)
	require.Len(t, d.ctxs, 2)
	for _, got := range d.ctxs {
		ac, ok := got.(*attemptCtx)
		require.True(t, ok, "%T", got)
		assert.Equal(t, ctx, ac.Context)
		assert.Equal(t, AttemptInfo{Operation: "GetAgent", Attempt: 1, PathTemplate: "/api/v1/agents/{id}"}, ac.info)
	}
}
