package modus

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"time"
)

// Middleware runs around every attempt of every request the client sends:
// each try of a unary call, the request that opens a run stream and each
// reconnection of it. It may change the request, look at the response, or
// answer without calling next. AttemptOf tells which operation and which
// attempt the request is. The response it returns has not been read yet;
// the SDK reads and closes its body.
//
//	func(req *http.Request, next modus.MiddlewareNext) (*http.Response, error) {
//		req.Header.Set("X-Proxy-Token", token)
//		return next(req)
//	}
type Middleware func(req *http.Request, next MiddlewareNext) (*http.Response, error)

// MiddlewareNext sends the request on, through the remaining middleware, to
// the HTTP client.
type MiddlewareNext = func(req *http.Request) (*http.Response, error)

// WithMiddleware adds middleware, run in the order given, around every
// attempt; a call's middleware runs inside the client's. Client or call.
func WithMiddleware(mw ...Middleware) Option {
	for _, m := range mw {
		if m == nil {
			return optionError("WithMiddleware", errors.New("modus: WithMiddleware: nil middleware"))
		}
	}
	return Option{name: "WithMiddleware", scope: scopeClient | scopeCall, apply: func(s *settings) error {
		s.call.middleware = append(s.call.middleware[:len(s.call.middleware):len(s.call.middleware)], mw...)
		return nil
	}}
}

// AttemptInfo describes one attempt, for middleware (AttemptOf) and logs.
type AttemptInfo struct {
	// Operation is the operationId of the API operation, such as
	// "GetAgent" or "StreamRun" ("" for a request the SDK cannot name).
	Operation string
	// Attempt counts the tries of this request from 1; above 1 it is a
	// retry of a failed try.
	Attempt int
	// Reconnect is, for a run stream, the number of the reconnection this
	// request makes (0 for the request that opened the stream).
	Reconnect int
	// PathTemplate is the operation's path template, such as
	// "/api/v1/agents/{id}" ("" when unknown), for span names and metrics.
	PathTemplate string
}

// Retry reports whether the attempt repeats a failed try of the same request.
func (a AttemptInfo) Retry() bool { return a.Attempt > 1 }

type attemptKey struct{}

// AttemptOf returns what the SDK knows about the attempt req belongs to;
// ok is false for a request the SDK did not send. Use it in Middleware (or
// an http.RoundTripper given through WithHTTPClient): the SDK attaches the
// AttemptInfo to the context of the request it hands to the middleware,
// only when a middleware or a logger is set. It is the one thing the SDK
// puts in a request's context; the call's own settings are passed to the
// transport as arguments.
func AttemptOf(req *http.Request) (info AttemptInfo, ok bool) {
	p, ok := req.Context().Value(attemptKey{}).(*AttemptInfo)
	if !ok {
		return AttemptInfo{}, false
	}
	return *p, true
}

// ResponseMeta is what a call's final HTTP answer said besides its body: its
// status, headers (rate limits, for example) and request id. Pass one to
// WithResponseInto.
type ResponseMeta struct {
	StatusCode int
	Header     http.Header
	// RequestID is the X-Request-Id header, the id Modus support asks for.
	RequestID string
	// Attempts is how many tries the call took.
	Attempts int
}

// WithResponseInto fills *meta with the status, headers and request id of
// the call's final answer, a success included (an error answer has them in
// its *Error too). For a run stream, the answer that opened it; see also
// RunStream.Header. Call only.
func WithResponseInto(meta *ResponseMeta) Option {
	if meta == nil {
		return optionError("WithResponseInto", errors.New("modus: WithResponseInto: nil *ResponseMeta"))
	}
	return Option{name: "WithResponseInto", scope: scopeCall, apply: func(s *settings) error {
		s.call.meta = meta
		return nil
	}}
}

func (m *ResponseMeta) fill(resp *http.Response, attempts int) {
	if m == nil {
		return
	}
	*m = ResponseMeta{StatusCode: resp.StatusCode, Header: resp.Header, RequestID: resp.Header.Get("X-Request-Id"), Attempts: attempts}
}

// WithLogger makes the client log, with logger: one record per attempt at
// Debug level (method, path template, operation, status, attempt, duration,
// request id), and at Info level each decision to retry (why, wait) and
// each run stream reconnection (run id, last event id, attempt). Records
// never hold the API key, headers or bodies. Default: no logging. Client or
// call.
func WithLogger(logger *slog.Logger) Option {
	if logger == nil {
		return optionError("WithLogger", errors.New("modus: WithLogger: nil logger"))
	}
	return Option{name: "WithLogger", scope: scopeClient | scopeCall, apply: func(s *settings) error {
		s.call.logger = logger
		return nil
	}}
}

// WithDebugBodies makes the logger of WithLogger also write, at Debug
// level, the response body of each call (stream events excepted), cut to at
// most max bytes, with the API key and the values of JSON fields whose names
// look secret (token, password, secret, key, authorization) replaced by
// "***". Bodies may hold personal data: use it to debug, not in production.
// Client or call.
func WithDebugBodies(max int) Option {
	if max <= 0 {
		return optionError("WithDebugBodies", fmt.Errorf("modus: WithDebugBodies: want a positive size, got %d", max))
	}
	return Option{name: "WithDebugBodies", scope: scopeClient | scopeCall, apply: func(s *settings) error {
		s.call.debugBodies = max
		return nil
	}}
}

// secretField matches a JSON string field whose name looks secret.
var secretField = regexp.MustCompile(`(?i)("[a-z_]*(token|password|secret|key|authorization)[a-z_]*"\s*:\s*)"(?:[^"\\]|\\.)*"`)

// logBody writes a response body at Debug level when WithDebugBodies asks
// for it.
func (t *transport) logBody(ctx context.Context, st *callState, resp *http.Response, body []byte) {
	l, max := st.cfg.logger, st.cfg.debugBodies
	if l == nil || max <= 0 || !l.Enabled(ctx, slog.LevelDebug) {
		return
	}
	key, _ := t.key()
	red := secretField.ReplaceAll(bytes.ReplaceAll(body, []byte(key), []byte(maskedKey)), []byte(`$1"***"`))
	cut := len(red) > max
	if cut {
		red = red[:max]
	}
	method, path, op := describe(resp.Request)
	l.LogAttrs(ctx, slog.LevelDebug, "modus: body",
		slog.String("method", method), slog.String("path", path), slog.String("operation", op),
		slog.Int("status", resp.StatusCode), slog.Int("size", len(body)), slog.Bool("cut", cut),
		slog.String("body", printable(string(red))))
}

// ReconnectInfo describes a run stream reconnection, for WithOnReconnect.
type ReconnectInfo struct {
	RunID       string        // the run being resumed
	LastEventID string        // the stream resumes after this event
	Attempt     int           // reconnections since the last event, from 1
	Wait        time.Duration // how long the stream waits before it
	Err         error         // why: the drop, or the failed reconnection before
}

// WithOnReconnect calls f each time a run stream is about to reconnect,
// before its wait, from the goroutine reading the stream (a relay can tell
// its own clients). It adds to the callbacks already set, as WithMiddleware
// does: a call's f runs after the client's. f may call the stream's Close.
// Client or call.
func WithOnReconnect(f func(ReconnectInfo)) Option {
	if f == nil {
		return optionError("WithOnReconnect", errors.New("modus: WithOnReconnect: nil func"))
	}
	return Option{name: "WithOnReconnect", scope: scopeClient | scopeCall, apply: func(s *settings) error {
		if prev := s.call.onReconnect; prev != nil {
			s.call.onReconnect = func(info ReconnectInfo) { prev(info); f(info) }
		} else {
			s.call.onReconnect = f
		}
		return nil
	}}
}

func (t *transport) logAttempt(st *callState, req *http.Request, attempt int, resp *http.Response, err error, d time.Duration) {
	l := st.cfg.logger
	if l == nil || !l.Enabled(req.Context(), slog.LevelDebug) {
		return
	}
	method, path, op := describe(req)
	attrs := []slog.Attr{
		slog.String("method", method), slog.String("path", path), slog.String("operation", op),
		slog.Int("attempt", attempt+1), slog.Duration("duration", d),
	}
	if st.stream {
		attrs = append(attrs, slog.Int("reconnect", st.reconnect))
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", printable(unwrapURLError(err).Error())))
	} else {
		attrs = append(attrs, slog.Int("status", resp.StatusCode), slog.String("request_id", printable(resp.Header.Get("X-Request-Id"))))
	}
	l.LogAttrs(req.Context(), slog.LevelDebug, "modus: attempt", attrs...)
}

func (t *transport) logRetry(st *callState, req *http.Request, attempt int, why string, wait time.Duration) {
	l := st.cfg.logger
	if l == nil {
		return
	}
	method, path, op := describe(req)
	l.LogAttrs(req.Context(), slog.LevelInfo, "modus: retry",
		slog.String("method", method), slog.String("path", path), slog.String("operation", op),
		slog.Int("attempt", attempt+1), slog.String("reason", printable(why)), slog.Duration("wait", wait))
}

func logReconnect(ctx context.Context, l *slog.Logger, info ReconnectInfo) {
	if l == nil {
		return
	}
	cause := ""
	if info.Err != nil {
		cause = printable(info.Err.Error())
	}
	l.LogAttrs(ctx, slog.LevelInfo, "modus: reconnect",
		slog.String("run_id", printable(info.RunID)), slog.String("last_event_id", printable(info.LastEventID)),
		slog.Int("attempt", info.Attempt), slog.Duration("wait", info.Wait), slog.String("reason", cause))
}

// describe returns the method, the path template (no ids, no query) and the
// operationId of a request.
func describe(req *http.Request) (method, path, op string) {
	if req == nil {
		return "", "", ""
	}
	if o := matchOperation(req); o != nil {
		return req.Method, o.Path, o.ID
	}
	return req.Method, "", ""
}

func operationOf(req *http.Request) string {
	if o := matchOperation(req); o != nil {
		return o.ID
	}
	return ""
}

// matchOperation finds the operation of req by method and path, nil when
// none matches; the path may carry a prefix (a base URL with a path, such as
// a proxy's). Where templates overlap, the one with more literal segments wins.
func matchOperation(req *http.Request) *Operation {
	if req.URL == nil {
		return nil
	}
	path := req.URL.Path
	var best *Operation
	for _, o := range operations {
		if o.Method == req.Method && matchPath(path, o.Path) &&
			(best == nil || strings.Count(o.Path, "{") < strings.Count(best.Path, "{")) {
			best = o
		}
	}
	return best
}

// matchPath reports whether path ends with template, where a {param}
// segment matches any one non-empty segment.
func matchPath(path, template string) bool {
	for template != "" {
		ti := strings.LastIndexByte(template, '/')
		pi := strings.LastIndexByte(path, '/')
		if ti < 0 || pi < 0 {
			return false
		}
		tseg, pseg := template[ti+1:], path[pi+1:]
		if pseg == "" || (tseg != pseg && !(strings.HasPrefix(tseg, "{") && strings.HasSuffix(tseg, "}"))) {
			return false
		}
		template, path = template[:ti], path[:pi]
	}
	return true
}
