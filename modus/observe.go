package modus

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
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
// the call's last answer: a success, an error status (which its *Error also
// describes), a 2xx over the size limit, or the last of several tries. It is
// left alone when no answer arrived. For a run stream, the answer that
// opened it; see also RunStream.Header. With an All iterator, every page
// fills it, each page being fetched as the loop reaches it: inside the loop
// body it describes the page the current item came from, and after the loop
// the last page fetched. Call only.
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

// logBody writes a response body at Debug level when WithDebugBodies asks
// for it.
func (t *transport) logBody(ctx context.Context, st *callState, resp *http.Response, body []byte) {
	l, max := st.cfg.logger, st.cfg.debugBodies
	if l == nil || max <= 0 || !l.Enabled(ctx, slog.LevelDebug) {
		return
	}
	red, cut := redactBody(body, max, t.key)
	method, path, op := describe(resp.Request)
	l.LogAttrs(ctx, slog.LevelDebug, "modus: body",
		slog.String("method", method), slog.String("path", path), slog.String("operation", op),
		slog.Int("status", resp.StatusCode), slog.Int("size", len(body)), slog.Bool("cut", cut),
		slog.String("body", printable(string(red))))
}

// redactBody returns at most max bytes of body for a log, with the API key
// and the values of secret-looking JSON fields masked. It cuts first (keeping
// enough beyond max to see a key that straddles the cut), so its cost
// follows max, not the size of the body.
func redactBody(body []byte, max int, key apiKey) (red []byte, cut bool) {
	k, _ := key()
	head := body[:min(len(body), max+len(k))]
	red = redactSecrets(key.maskBytes(head))
	return red[:min(len(red), max)], len(body) > max
}

// redactSecrets returns a copy of b, JSON or the start of it, where the value
// of every field whose name looks secret (see secretName), whatever its type,
// is replaced by "***". A value cut short by the end of b is masked too.
func redactSecrets(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); {
		if b[i] != '"' {
			out = append(out, b[i])
			i++
			continue
		}
		end, closed := stringEnd(b, i)
		out = append(out, b[i:end]...)
		colon := skipSpace(b, end)
		if !closed || colon >= len(b) || b[colon] != ':' || !secretName(b[i+1:end-1]) {
			i = end
			continue
		}
		v := skipSpace(b, colon+1)
		out = append(out, b[end:v]...)
		out = append(out, `"***"`...)
		i = valueEnd(b, v)
	}
	return out
}

// secretWords are what a field name holds, once lower-cased and stripped of
// everything but letters, when its value is a secret: apiKey, api-key,
// client_secret, token2, Authorization, x-auth-token, ...
var secretWords = []string{"token", "password", "passwd", "secret", "key", "authorization", "credential", "cookie", "signature"}

// secretName reports whether a JSON field name looks secret.
func secretName(name []byte) bool {
	var buf [64]byte
	norm := buf[:0]
	for _, c := range name {
		switch {
		case c >= 'a' && c <= 'z':
			norm = append(norm, c)
		case c >= 'A' && c <= 'Z':
			norm = append(norm, c+'a'-'A')
		}
	}
	if string(norm) == "auth" {
		return true
	}
	for _, w := range secretWords {
		if bytes.Contains(norm, []byte(w)) {
			return true
		}
	}
	return false
}

// stringEnd returns the index just past the JSON string starting at b[i]
// (a '"'), and whether it is closed before the end of b.
func stringEnd(b []byte, i int) (int, bool) {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1, true
		}
	}
	return len(b), false
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// valueEnd returns the index just past the JSON value starting at b[i]:
// a string, an object or array (nesting and strings inside followed), or a
// number or literal; len(b) when b ends first.
func valueEnd(b []byte, i int) int {
	if i >= len(b) {
		return i
	}
	switch b[i] {
	case '"':
		end, _ := stringEnd(b, i)
		return end
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				end, _ := stringEnd(b, j)
				j = end - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return j + 1
				}
			}
		}
		return len(b)
	}
	j := i
	for j < len(b) && strings.IndexByte(",}] \t\r\n", b[j]) < 0 {
		j++
	}
	return j
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
// its own clients). Client or call.
func WithOnReconnect(f func(ReconnectInfo)) Option {
	if f == nil {
		return optionError("WithOnReconnect", errors.New("modus: WithOnReconnect: nil func"))
	}
	return Option{name: "WithOnReconnect", scope: scopeClient | scopeCall, apply: func(s *settings) error {
		s.call.onReconnect = f
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
	if resp != nil {
		attrs = append(attrs, slog.Int("status", resp.StatusCode), slog.String("request_id", t.logText(resp.Header.Get("X-Request-Id"))))
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", t.logText(unwrapURLError(err).Error())))
	}
	l.LogAttrs(req.Context(), slog.LevelDebug, "modus: attempt", attrs...)
}

func (t *transport) logRetry(st *callState, req *http.Request, attempt int, why string, wait time.Duration) {
	l := st.cfg.logger
	if l == nil || !l.Enabled(req.Context(), slog.LevelInfo) {
		return
	}
	method, path, op := describe(req)
	l.LogAttrs(req.Context(), slog.LevelInfo, "modus: retry",
		slog.String("method", method), slog.String("path", path), slog.String("operation", op),
		slog.Int("attempt", attempt+1), slog.String("reason", t.logText(why)), slog.Duration("wait", wait))
}

// logReconnect logs a run stream's reconnection at Info level.
func (t *transport) logReconnect(ctx context.Context, l *slog.Logger, info ReconnectInfo) {
	if l == nil || !l.Enabled(ctx, slog.LevelInfo) {
		return
	}
	cause := ""
	if info.Err != nil {
		cause = t.logText(info.Err.Error())
	}
	l.LogAttrs(ctx, slog.LevelInfo, "modus: reconnect",
		slog.String("run_id", printable(info.RunID)), slog.String("last_event_id", printable(info.LastEventID)),
		slog.Int("attempt", info.Attempt), slog.Duration("wait", info.Wait), slog.String("reason", cause))
}

// logText makes text from a server or an error fit for a log record: one
// printable line, the API key masked.
func (t *transport) logText(s string) string { return printable(t.key.mask(s)) }

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
	// The escaped path: an id holding an escaped "/" stays one segment.
	path := req.URL.EscapedPath()
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
