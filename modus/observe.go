package modus

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
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
// ok is false for a request the SDK did not send. Use it in Middleware or in
// an http.RoundTripper given through WithHTTPClient: the SDK attaches the
// AttemptInfo to the context of every request it sends, whatever the
// options. It is the one thing the SDK puts in a request's context; the
// call's own settings are passed to the executor as arguments.
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
	// RequestID is the X-Request-Id header, the id Modus support asks for,
	// with any copy of the API key masked (Header keeps what was sent).
	RequestID string
	// Attempts is how many tries the call took.
	Attempts int
}

func (m *ResponseMeta) fill(resp *http.Response, attempts int, key apiKey) {
	if m == nil {
		return
	}
	*m = ResponseMeta{StatusCode: resp.StatusCode, Header: resp.Header, RequestID: key.requestID(resp.Header), Attempts: attempts}
}

// redactBody returns at most max bytes of body for a log, with the API key
// and the values of secret-looking JSON fields masked. It cuts first (keeping
// enough beyond max to see a key that straddles the cut), so its cost
// follows max, not the size of the body.
func redactBody(body []byte, max int, key apiKey) (red []byte, cut bool) {
	head := key.headFor(body, max)
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
// client_secret, token2, Authorization, x-auth-token, bearer, session_id,
// sessionToken, ... (a name that is exactly one of secretNames is too).
var secretWords = []string{"token", "password", "passwd", "passphrase", "secret", "key", "authorization",
	"credential", "cookie", "signature", "bearer", "sessionid"}

// secretNames are short words that are secret as a whole name only ("pass"
// is, "compass" is not).
var secretNames = []string{"auth", "pass"}

// secretName reports whether a JSON field name, as it appears between the
// quotes, looks secret. An escaped name ("tok\u0065n") is unescaped first,
// which only a name with a backslash pays for.
func secretName(name []byte) bool {
	if bytes.IndexByte(name, '\\') >= 0 {
		var s string
		if json.Unmarshal(append(append([]byte{'"'}, name...), '"'), &s) == nil {
			name = []byte(s)
		}
	}
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
	for _, w := range secretNames {
		if string(norm) == w {
			return true
		}
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

// logObserver is WithLogger's observer: one Debug record per attempt (and
// its body with WithDebugBodies), one Info record per retry decision and per
// stream reconnection. A hook whose level the handler disables does nothing
// else. Text from servers and errors is made one printable line, with the
// API key masked.
func logObserver(l *slog.Logger, bodies int, key apiKey) Observer {
	lg := &logger{l: l, bodies: bodies, key: key}
	return Observer{AttemptEnd: lg.attempt, Retry: lg.retry, StreamReconnect: lg.reconnect}
}

type logger struct {
	l      *slog.Logger
	bodies int // WithDebugBodies: bytes of each body to log; 0 = none
	key    apiKey
}

func (lg *logger) attempt(ctx context.Context, info AttemptEndInfo) {
	if !lg.l.Enabled(ctx, slog.LevelDebug) {
		return
	}
	op := info.Operation
	attrs := make([]slog.Attr, 0, 8)
	attrs = append(attrs, slog.String("method", op.Method), slog.String("path", op.Path), slog.String("operation", op.ID),
		slog.Int("attempt", info.Attempt), slog.Duration("duration", info.Duration))
	if op.Streaming {
		attrs = append(attrs, slog.Int("reconnect", info.Reconnect))
	}
	if info.StatusCode != 0 {
		attrs = append(attrs, slog.Int("status", info.StatusCode), slog.String("request_id", lg.text(info.Header.Get("X-Request-Id"))))
	}
	var e *Error
	if info.Err != nil && !errors.As(info.Err, &e) {
		attrs = append(attrs, slog.String("error", lg.text(unwrapURLError(info.Err).Error())))
	}
	lg.l.LogAttrs(ctx, slog.LevelDebug, "modus: attempt", attrs...)
	if lg.bodies > 0 && info.Body != nil {
		red, cut := redactBody(info.Body, lg.bodies, lg.key)
		lg.l.LogAttrs(ctx, slog.LevelDebug, "modus: body",
			slog.String("method", op.Method), slog.String("path", op.Path), slog.String("operation", op.ID),
			slog.Int("status", info.StatusCode), slog.Int("size", len(info.Body)), slog.Bool("cut", cut),
			slog.String("body", printable(string(red))))
	}
}

func (lg *logger) retry(ctx context.Context, info RetryInfo) {
	if !lg.l.Enabled(ctx, slog.LevelInfo) {
		return
	}
	why := "HTTP " + strconv.Itoa(info.StatusCode)
	if info.StatusCode == 0 {
		why = unwrapURLError(info.Err).Error()
	}
	op := info.Operation
	lg.l.LogAttrs(ctx, slog.LevelInfo, "modus: retry",
		slog.String("method", op.Method), slog.String("path", op.Path), slog.String("operation", op.ID),
		slog.Int("attempt", info.Attempt), slog.String("reason", lg.text(why)), slog.Duration("wait", info.Wait))
}

func (lg *logger) reconnect(ctx context.Context, info ReconnectInfo) {
	if !lg.l.Enabled(ctx, slog.LevelInfo) {
		return
	}
	cause := ""
	if info.Err != nil {
		cause = lg.text(info.Err.Error())
	}
	lg.l.LogAttrs(ctx, slog.LevelInfo, "modus: reconnect",
		slog.String("run_id", printable(info.RunID)), slog.String("last_event_id", printable(info.LastEventID)),
		slog.Int("attempt", info.Attempt), slog.Duration("wait", info.Wait), slog.String("reason", cause))
}

// text makes text from a server or an error fit for a log record: one
// printable line, the API key masked.
func (lg *logger) text(s string) string { return printable(lg.key.mask(s)) }
