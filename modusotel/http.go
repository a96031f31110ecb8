package modusotel

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.41.0"
	"go.opentelemetry.io/otel/semconv/v1.41.0/httpconv"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/modus-data/modus-sdk-go/modus"
)

// attempt is the middleware around every attempt: an HTTP client span named
// "{method} {url.template}", the trace context in the request's headers and
// the http.client.request.duration metric. The span ends when the response
// headers arrive (a run's events belong to the run span).
func (in *instrumentation) attempt(req *http.Request, next modus.MiddlewareNext) (*http.Response, error) {
	info, _ := modus.AttemptOf(req)
	start := time.Now()
	key := keyOf(req)
	if c := in.callOf(req.Context()); c != nil {
		c.setKey(key) // for what the call's span records of the server's answers
	}
	ctx, span := in.startAttempt(req, info)
	host, port := serverOf(req.URL)
	resend := info.Attempt - 1 + info.Reconnect
	if span.IsRecording() {
		attrs := make([]attribute.KeyValue, 0, 10)
		attrs = append(attrs,
			semconv.HTTPRequestMethodKey.String(req.Method),
			semconv.URLFull(redactedURL(req.URL)),
			semconv.ServerAddress(host),
			semconv.ServerPort(port),
			attribute.String(AttrOperation, info.Operation),
		)
		if info.PathTemplate != "" {
			attrs = append(attrs, semconv.URLTemplate(info.PathTemplate))
		}
		if resend > 0 {
			attrs = append(attrs, semconv.HTTPRequestResendCount(resend))
		}
		span.SetAttributes(attrs...)
	}
	if span.SpanContext().IsValid() {
		req = req.WithContext(ctx) // for an instrumented http.Client below
	}
	in.prop.Inject(ctx, propagation.HeaderCarrier(req.Header))

	resp, err := next(req)

	end := time.Now()
	status, errType := 0, ""
	switch {
	case err != nil:
		errType = errorType(err)
		span.SetStatus(codes.Error, errType)
	default:
		status = resp.StatusCode
		if status >= 400 {
			errType = strconv.Itoa(status)
			span.SetStatus(codes.Error, "")
		}
	}
	if span.IsRecording() {
		if status != 0 {
			span.SetAttributes(semconv.HTTPResponseStatusCode(status))
			if id := resp.Header.Get("X-Request-Id"); id != "" {
				span.SetAttributes(attribute.String(AttrRequestID, masked(key, id)))
			}
		}
		if errType != "" {
			span.SetAttributes(semconv.ErrorTypeKey.String(errType))
		}
	}
	span.End()
	in.recordAttempt(ctx, req.Method, host, port, info, status, errType, end.Sub(start))
	return resp, err
}

// startAttempt starts the span of an attempt; none with a no-op tracer or
// under a pass-through call span (the span would carry the request
// context's span context and record nothing).
func (in *instrumentation) startAttempt(req *http.Request, info modus.AttemptInfo) (context.Context, trace.Span) {
	if in.noSpans {
		return req.Context(), noSpan
	}
	if c := in.callOf(req.Context()); c != nil && c.passThrough {
		return req.Context(), noSpan
	}
	return in.tracer.Start(req.Context(), spanName(req.Method, info.PathTemplate), clientKind...)
}

// noSpan stands for the spans a no-op tracer would start: it records
// nothing, and its End does not end the parent's span.
var noSpan trace.Span = tracenoop.Span{}

// propagate is the middleware of an Instrument with no-op providers: it
// only writes the request context's trace context (a caller's span) and
// baggage into the request's headers.
func (in *instrumentation) propagate(req *http.Request, next modus.MiddlewareNext) (*http.Response, error) {
	in.prop.Inject(req.Context(), propagation.HeaderCarrier(req.Header))
	return next(req)
}

// spanNames caches the names of attempt spans, "{method} {url.template}",
// by method and template: a few dozen strings, made once each.
var spanNames sync.Map

type nameKey struct{ method, template string }

func spanName(method, template string) string {
	if template == "" {
		return method
	}
	k := nameKey{method, template}
	if n, ok := spanNames.Load(k); ok {
		return n.(string)
	}
	n := method + " " + template
	spanNames.Store(k, n)
	return n
}

// recordAttempt records http.client.request.duration.
func (in *instrumentation) recordAttempt(ctx context.Context, method, host string, port int, info modus.AttemptInfo, status int, errType string, d time.Duration) {
	if !in.httpDur.Enabled(ctx) {
		return
	}
	attrs := make([]attribute.KeyValue, 0, 4)
	attrs = append(attrs, attribute.String(AttrOperation, info.Operation))
	if info.PathTemplate != "" {
		attrs = append(attrs, in.httpDur.AttrURLTemplate(info.PathTemplate))
	}
	if status != 0 {
		attrs = append(attrs, in.httpDur.AttrResponseStatusCode(status))
	}
	if errType != "" {
		attrs = append(attrs, in.httpDur.AttrErrorType(httpconv.ErrorTypeAttr(errType)))
	}
	in.httpDur.Record(ctx, d.Seconds(), httpconv.RequestMethodAttr(method), host, port, attrs...)
}

// serverOf returns the host and port a URL names, the port from its scheme
// when it has none.
func serverOf(u *url.URL) (string, int) {
	if u == nil {
		return "", 0
	}
	if p := u.Port(); p != "" {
		n, _ := strconv.Atoi(p)
		return u.Hostname(), n
	}
	if u.Scheme == "http" {
		return u.Hostname(), 80
	}
	return u.Hostname(), 443
}

// redactedURL is u for url.full: without user info, and with the value of
// every query parameter replaced by REDACTED (page tokens and filters may
// say more than a trace should).
func redactedURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	if u.User == nil && u.RawQuery == "" {
		return u.String()
	}
	r := *u
	r.User = nil
	if r.RawQuery != "" {
		parts := strings.Split(r.RawQuery, "&")
		for i, p := range parts {
			if k, _, ok := strings.Cut(p, "="); ok {
				parts[i] = k + "=REDACTED"
			}
		}
		r.RawQuery = strings.Join(parts, "&")
	}
	return r.String()
}

// errorType is the error.type of a failure: an HTTP status, a run's error
// code, or a short class of the error.
func errorType(err error) string {
	var e *modus.Error
	var re *modus.RunError
	var ne net.Error
	switch {
	case errors.As(err, &e):
		return strconv.Itoa(e.StatusCode)
	case errors.As(err, &re):
		return runErrorType(re.Code)
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, modus.ErrStreamIdle):
		return "timeout"
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return "connection_closed"
	case errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return semconv.ErrorType(err).Value.AsString()
}

// runErrorType is the error.type of a run's error event: its code when it
// is one the SDK knows, else _OTHER (the code is the server's text, and an
// attribute of metrics must keep a small set of values).
func runErrorType(code modus.ErrorCode) string {
	switch code {
	case "":
		return "run_failed"
	case modus.ErrorCodeValidation, modus.ErrorCodeBadRequest, modus.ErrorCodeUnauthorized,
		modus.ErrorCodeForbidden, modus.ErrorCodeNotFound, modus.ErrorCodeConflict,
		modus.ErrorCodeRateLimited, modus.ErrorCodeInternalError:
		return string(code)
	}
	return semconv.ErrorTypeOther.Value.AsString()
}

// maskedKey stands for the API key in what is recorded.
const maskedKey = "modus_****"

// keyOf returns the API key a request carries: the token of its
// Authorization header ("" without one).
func keyOf(req *http.Request) string {
	const scheme = "bearer "
	v := req.Header.Get("Authorization")
	if len(v) <= len(scheme) || !strings.EqualFold(v[:len(scheme)], scheme) {
		return ""
	}
	return strings.TrimSpace(v[len(scheme):])
}

// masked returns s with every copy of key replaced by maskedKey. It is the
// one place for every string a server sent (request ids, event ids, error
// texts, tool names...) before it goes into a span or a metric: a server
// may echo the key.
func masked(key, s string) string {
	if key == "" || !strings.Contains(s, key) {
		return s
	}
	return strings.ReplaceAll(s, key, maskedKey)
}
