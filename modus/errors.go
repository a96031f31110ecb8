package modus

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/modus-data/modus-sdk-go/gen"
	"github.com/modus-data/modus-sdk-go/sse"
)

// Sentinels for errors.Is. A *Error matches the one for its HTTP status:
//
//	if errors.Is(err, modus.ErrNotFound) { ... }
//
// Use errors.As with *Error for the details.
var (
	ErrBadRequest    = errors.New("modus: bad request")          // 400
	ErrUnauthorized  = errors.New("modus: unauthorized")         // 401
	ErrForbidden     = errors.New("modus: forbidden")            // 403
	ErrNotFound      = errors.New("modus: not found")            // 404
	ErrConflict      = errors.New("modus: conflict")             // 409
	ErrUnprocessable = errors.New("modus: unprocessable entity") // 422
	ErrRateLimited   = errors.New("modus: rate limited")         // 429
	ErrServer        = errors.New("modus: server error")         // any 5xx
)

// Error codes of the API (Error.Code, ErrorEvent.Code, RunError.Code).
const (
	ErrorCodeValidation    = gen.APIErrorCodeVALIDATION
	ErrorCodeBadRequest    = gen.APIErrorCodeBADREQUEST
	ErrorCodeUnauthorized  = gen.APIErrorCodeUNAUTHORIZED
	ErrorCodeForbidden     = gen.APIErrorCodeFORBIDDEN
	ErrorCodeNotFound      = gen.APIErrorCodeNOTFOUND
	ErrorCodeConflict      = gen.APIErrorCodeCONFLICT
	ErrorCodeRateLimited   = gen.APIErrorCodeRATELIMITED
	ErrorCodeInternalError = gen.APIErrorCodeINTERNALERROR
)

// Canonical status names of API errors (Error.Status).
const (
	ErrorStatusInvalidArgument   = gen.APIErrorStatusINVALIDARGUMENT
	ErrorStatusUnauthenticated   = gen.APIErrorStatusUNAUTHENTICATED
	ErrorStatusPermissionDenied  = gen.APIErrorStatusPERMISSIONDENIED
	ErrorStatusNotFound          = gen.APIErrorStatusNOTFOUND
	ErrorStatusAlreadyExists     = gen.APIErrorStatusALREADYEXISTS
	ErrorStatusResourceExhausted = gen.APIErrorStatusRESOURCEEXHAUSTED
	ErrorStatusInternal          = gen.APIErrorStatusINTERNAL
)

// maxErrorBody caps Error.Body: enough for any real error document, small
// enough that a misbehaving server cannot balloon memory.
const maxErrorBody = 64 << 10

// Error is the error for every answer outside 2xx. The fields come from the
// API's error document {"error": {code, status, message, requestId, info}};
// for a body in another shape (a proxy's HTML page, say) Message holds the
// start of the body instead.
type Error struct {
	// StatusCode is the HTTP status, such as 404.
	StatusCode int
	// Code is the Modus error code, such as ErrorCodeNotFound or
	// ErrorCodeValidation ("" when the body had none).
	Code ErrorCode
	// Status is the canonical status name, such as
	// ErrorStatusInvalidArgument ("" when the body had none).
	Status ErrorStatus
	// Message is the server's explanation.
	Message string
	// RequestID identifies the request for Modus support: from the body,
	// else from the x-request-id header.
	RequestID string
	// Info holds operation-specific details, such as missing scopes.
	Info map[string]any
	// RetryAfter is the wait the server asked for in a Retry-After header
	// (0 when there was none, or when it asked for no wait: see
	// RetryAfterSet).
	RetryAfter time.Duration
	// RetryAfterSet reports whether the answer had a valid Retry-After
	// header, which tells "Retry-After: 0" from no header.
	RetryAfterSet bool
	// Body is the raw response body, at most 64 KiB, with any copy of the
	// API key masked.
	Body []byte
}

// Error reports status, code, message and request id on one line.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("modus: ")
	b.WriteString(strconv.Itoa(e.StatusCode))
	if t := http.StatusText(e.StatusCode); t != "" {
		b.WriteByte(' ')
		b.WriteString(t)
	}
	switch {
	case e.Code != "" && e.Status != "" && string(e.Status) != string(e.Code):
		b.WriteString(" (" + string(e.Code) + ", " + string(e.Status) + ")")
	case e.Code != "":
		b.WriteString(" (" + string(e.Code) + ")")
	case e.Status != "":
		b.WriteString(" (" + string(e.Status) + ")")
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.RequestID != "" {
		b.WriteString(" [request id ")
		b.WriteString(e.RequestID)
		b.WriteByte(']')
	}
	return printable(b.String())
}

// Is makes errors.Is(err, ErrNotFound) and the other sentinels match by
// HTTP status.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrBadRequest:
		return e.StatusCode == http.StatusBadRequest
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized
	case ErrForbidden:
		return e.StatusCode == http.StatusForbidden
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound
	case ErrConflict:
		return e.StatusCode == http.StatusConflict
	case ErrUnprocessable:
		return e.StatusCode == http.StatusUnprocessableEntity
	case ErrRateLimited:
		return e.StatusCode == http.StatusTooManyRequests
	case ErrServer:
		return e.StatusCode >= 500 && e.StatusCode <= 599
	}
	return false
}

// newError builds an *Error from a non-2xx response, reading at most
// maxErrorBody bytes of it. It neither drains nor closes the body. Any copy
// of the API key in the body or the request id header (a server that echoes
// the request) is masked before anything is taken from them.
func newError(resp *http.Response, key apiKey, now time.Time) *Error {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	body = key.maskBytes(body)
	e := &Error{StatusCode: resp.StatusCode, Body: body}
	if d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), now); ok {
		e.RetryAfter, e.RetryAfterSet = d, true
	}
	parseErrorBody(e, body)
	if e.RequestID == "" {
		e.RequestID = key.requestID(resp.Header)
	}
	return e
}

// parseErrorBody fills e from the API's error document, or failing that from
// the common {"message": ...} / {"error": "..."} shapes, or the raw text.
func parseErrorBody(e *Error, body []byte) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return
	}
	if trimmed[0] == '{' {
		var doc gen.ErrorResponseDto
		if json.Unmarshal(trimmed, &doc) == nil && (doc.Error.Code != "" || doc.Error.Message != "" || doc.Error.Status != "") {
			d := doc.Error
			e.Code, e.Status, e.Message, e.Info = d.Code, d.Status, d.Message, d.Info
			if d.RequestID != nil {
				e.RequestID = *d.RequestID
			}
			return
		}
		var loose struct {
			Message string `json:"message"`
			Error   any    `json:"error"`
		}
		if json.Unmarshal(trimmed, &loose) == nil {
			if s, ok := loose.Error.(string); ok && loose.Message == "" {
				loose.Message = s
			}
			if loose.Message != "" {
				e.Message = loose.Message
				return
			}
		}
	}
	e.Message = snippet(trimmed, 200)
}

// snippet returns at most n bytes of b as one printable line, for messages.
func snippet(b []byte, n int) string {
	cut := len(b) > n
	if cut {
		b = b[:n]
		for len(b) > 0 && !utf8.Valid(b) { // do not split a rune
			b = b[:len(b)-1]
		}
	}
	s := strings.Join(strings.Fields(string(b)), " ")
	if cut {
		s += "…"
	}
	return s
}

// printable makes s one printable line for an Error method: invalid UTF-8
// becomes U+FFFD, and control characters (newlines and terminal escape
// sequences included), format characters such as bidirectional overrides and
// other non-graphic runes are written as Go escapes (\x1b, \n, \u202e). Text
// from a server reaches error messages, and from there logs and terminals.
// The raw bytes stay in the error's fields.
func printable(s string) string {
	i := 0
	for i < len(s) && s[i] >= ' ' && s[i] < 0x7f {
		i++
	}
	if i == len(s) {
		return s // the common case: plain ASCII, no copy
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for _, r := range s[i:] { // invalid bytes range as utf8.RuneError
		switch {
		case r == utf8.RuneError || r == ' ' || unicode.IsGraphic(r):
			b.WriteRune(r)
		default:
			q := strconv.QuoteRuneToASCII(r) // '\x1b', '\u202e', '\n'
			b.WriteString(q[1 : len(q)-1])
		}
	}
	return b.String()
}

// parseRetryAfter reads a Retry-After value in seconds or as an HTTP date.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		if secs > 1<<31 { // absurd; avoid overflow
			secs = 1 << 31
		}
		return time.Duration(secs) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return max(t.Sub(now), 0), true
}

// TransportError is a request that got no HTTP answer: the connection
// failed, the context ended, or a retry wait was cut short. It names the
// method and host and unwraps to the cause (a *url.Error, *net.OpError,
// context.Canceled, ...).
type TransportError struct {
	Method string // HTTP method
	Host   string // host[:port] the request was for
	Path   string // URL path, without query
	Err    error  // the cause

	key apiKey // masked in Error's text
}

// Error reads "modus: GET api.getmodus.com/api/v1/agents: <cause>".
func (e *TransportError) Error() string {
	msg := "<nil>"
	if e.Err != nil {
		msg = unwrapURLError(e.Err).Error()
	}
	return printable(e.key.mask("modus: " + e.Method + " " + e.Host + e.Path + ": " + msg))
}

// unwrapURLError drops the *url.Error layer, whose text repeats the URL.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil {
		return ue.Err
	}
	return err
}

// Unwrap returns the cause.
func (e *TransportError) Unwrap() error { return e.Err }

func newTransportError(req *http.Request, err error) *TransportError {
	te := &TransportError{Method: req.Method, Err: err}
	if req.URL != nil {
		te.Host, te.Path = req.URL.Host, req.URL.Path
	}
	return te
}

// DecodeError is a 2xx answer whose body is not the JSON the operation
// describes. It usually means a proxy answered in the API's place, or the
// API changed and the SDK needs regenerating.
type DecodeError struct {
	StatusCode  int    // HTTP status of the answer, a 2xx
	ContentType string // its Content-Type header
	Body        []byte // at most the first 1 KiB of the body
	Err         error  // the JSON error
}

// Error reports the status, the JSON error and the start of the body.
func (e *DecodeError) Error() string {
	return printable("modus: cannot decode " + strconv.Itoa(e.StatusCode) + " response (" + e.ContentType + "): " +
		e.Err.Error() + "; body: " + strconv.Quote(snippet(e.Body, 200)))
}

// Unwrap returns the JSON error.
func (e *DecodeError) Unwrap() error { return e.Err }

// newDecodeError quotes at most decodeErrorBody bytes of body, with any
// copy of the API key masked.
func newDecodeError(resp *http.Response, body []byte, key apiKey, err error) *DecodeError {
	body = key.maskHead(body, decodeErrorBody)
	return &DecodeError{StatusCode: resp.StatusCode, ContentType: resp.Header.Get("Content-Type"), Body: bytes.Clone(body), Err: err}
}

// decodeErrorBody is how much of a body a *DecodeError quotes.
const decodeErrorBody = 1024

// ErrInvalidArgument matches, through errors.Is, every *InvalidArgumentError.
var ErrInvalidArgument = errors.New("modus: invalid argument")

// InvalidArgumentError is a call refused before anything was sent, because
// one of its arguments cannot be right: a path id that is empty or a dot
// segment (URL resolution would drop it and send the request to another
// resource), an update that would change nothing, or a value sent as a
// header (Runs.Stream's lastEventID) that holds a control character.
type InvalidArgumentError struct {
	Operation string // the operationId, such as "DeleteMemory"
	Argument  string // the argument, as the method names it ("memoryID", "body")
	Reason    string // what is wrong with it, and how to fix it
}

// Error names the operation, the argument and the reason.
func (e *InvalidArgumentError) Error() string {
	return printable("modus: " + e.Operation + ": " + e.Argument + " " + e.Reason)
}

// Is reports whether target is ErrInvalidArgument.
func (e *InvalidArgumentError) Is(target error) bool { return target == ErrInvalidArgument }

// ErrResponseTooLarge matches, through errors.Is, the
// *ResponseTooLargeError of a 2xx body over the size limit.
var ErrResponseTooLarge = errors.New("modus: response body too large")

// ResponseTooLargeError is a 2xx answer of a unary call whose body is larger
// than the limit (DefaultMaxResponseSize, or WithMaxResponseSize). The body is
// not kept; when Content-Length announces it, it is not even read.
type ResponseTooLargeError struct {
	Method     string // HTTP method
	Host       string // host[:port] the request was for
	Path       string // URL path, without query
	StatusCode int    // the 2xx status
	Limit      int64  // the limit in bytes
	RequestID  string // the X-Request-Id header of the answer, for Modus support (API key masked)
}

// Error names the request and the limit.
func (e *ResponseTooLargeError) Error() string {
	rid := ""
	if e.RequestID != "" {
		rid = " [request id " + e.RequestID + "]"
	}
	return printable("modus: " + e.Method + " " + e.Host + e.Path + ": HTTP " + strconv.Itoa(e.StatusCode) +
		" body larger than the limit of " + strconv.FormatInt(e.Limit, 10) + " bytes (see WithMaxResponseSize)" + rid)
}

// Is reports whether target is ErrResponseTooLarge.
func (e *ResponseTooLargeError) Is(target error) bool { return target == ErrResponseTooLarge }

func newResponseTooLargeError(req *http.Request, resp *http.Response, limit int64, key apiKey) *ResponseTooLargeError {
	e := &ResponseTooLargeError{Method: req.Method, StatusCode: resp.StatusCode, Limit: limit, RequestID: key.requestID(resp.Header)}
	if req.URL != nil {
		e.Host, e.Path = req.URL.Host, req.URL.Path
	}
	return e
}

// redirectError is a redirect refused by the redirect policy.
type redirectError struct{ err error }

func (e *redirectError) Error() string { return e.err.Error() }
func (e *redirectError) Unwrap() error { return e.err }

// middlewareError is an error a middleware returned without it coming from
// next: the middleware's decision, which a retry would only repeat.
type middlewareError struct{ err error }

func (e *middlewareError) Error() string { return e.err.Error() }
func (e *middlewareError) Unwrap() error { return e.err }

// unsendableError is a request the HTTP client refused before sending it.
type unsendableError struct {
	why string
	err error
}

func (e *unsendableError) Error() string { return e.err.Error() + " (" + e.why + ")" }
func (e *unsendableError) Unwrap() error { return e.err }

// ErrStreamInterrupted matches, through errors.Is, the
// *StreamInterruptedError of a run stream that broke and could not be
// resumed.
var ErrStreamInterrupted = errors.New("modus: run stream interrupted")

// StreamInterruptedError reports a run stream whose connection ended before
// the run's terminal event and that could not be resumed: its run id was
// not known yet, the reconnect attempts ran out, or a reconnection was
// refused (such as a 404 for an unknown run). Events delivered before it
// were complete and in order; resume later with RunsService.Stream(ctx,
// RunID, LastEventID).
type StreamInterruptedError struct {
	// RunID is the run's id, "" when the stream broke before it was known.
	// Like LastEventID, it comes from the server, so a copy of the API key
	// in it is masked.
	RunID string
	// LastEventID is the id of the last event delivered.
	LastEventID string
	// Attempts is the number of reconnections tried since the last event.
	Attempts int
	// Err is the last failure: the read error of the dropped connection
	// (io.ErrUnexpectedEOF for a clean end without a terminal event) or
	// the error of the last reconnection.
	Err error
	// Causes are the failures the stream met, oldest first, Err last: each
	// dropped connection and each failed reconnection, also those it
	// recovered from (the latest maxStreamCauses of them). errors.Is and
	// errors.As look at all of them, Err first, so errors.Is(err,
	// ErrStreamIdle) holds if any connection went idle.
	Causes []error

	key apiKey // masked in Error's text: a cause may quote a proxy that echoed it
}

// maxStreamCauses bounds StreamInterruptedError.Causes, and so the memory
// of a long stream that drops again and again.
const maxStreamCauses = 64

// Error explains why the stream could not go on.
func (e *StreamInterruptedError) Error() string {
	cause := "<nil>"
	if e.Err != nil {
		cause = e.Err.Error()
	}
	if n := len(e.Causes); n > 1 && e.Causes[0] != nil && e.Causes[0] != e.Err {
		cause += " (" + strconv.Itoa(n) + " failures in all, the first: " + e.Causes[0].Error() + ")"
	}
	if e.RunID == "" {
		return printable(e.key.mask("modus: run stream interrupted before its run id was known, cannot resume: " + cause))
	}
	after := "before any event"
	if e.LastEventID != "" {
		after = "after event " + strconv.Quote(e.LastEventID)
	}
	return printable(e.key.mask("modus: run stream " + e.RunID + " interrupted " + after + ", gave up after " +
		strconv.Itoa(e.Attempts) + " reconnect attempts: " + cause))
}

// Unwrap returns the failures, the last one (Err) first, then the others
// from the latest to the oldest.
func (e *StreamInterruptedError) Unwrap() []error {
	errs := make([]error, 0, len(e.Causes)+1)
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	for i := len(e.Causes) - 1; i >= 0; i-- {
		if c := e.Causes[i]; c != nil && c != e.Err {
			errs = append(errs, c)
		}
	}
	return errs
}

// Is reports whether target is ErrStreamInterrupted.
func (e *StreamInterruptedError) Is(target error) bool { return target == ErrStreamInterrupted }

// ErrStreamIdle matches, through errors.Is, the cause of a reconnection
// after a connection completed no event or comment for longer than the idle
// timeout, or a reconnection got no response headers within it; and the
// *StreamInterruptedError of a stream that gave up after any such failure.
var ErrStreamIdle = errors.New("modus: run stream idle")

// ErrEventTooLarge matches, through errors.Is, the error of a run stream
// that received an event over its size limit (see WithMaxEventSize).
var ErrEventTooLarge = sse.ErrEventTooLarge

// ErrNotEventStream matches, through errors.Is, the error returned when a
// stream operation is answered 2xx with something other than an event
// stream, such as CreateRun's 201 JSON answer meant for polling clients.
var ErrNotEventStream = errors.New("modus: response is not an event stream")

// ErrRunEnded matches, through errors.Is, the error of a stream opened with
// RunsService.Stream after the run's last event (its done event, say): the
// server had nothing after the given Last-Event-ID and closed the
// connection, which it does once a run has ended. No event is delivered;
// Next returns false at once, without reconnecting.
var ErrRunEnded = errors.New("modus: run already ended")

// ErrRunCancelled matches the error Collect returns for a run that ended
// with a cancelled event.
var ErrRunCancelled = errors.New("modus: run cancelled")

// ErrMalformedEvent matches, through errors.Is, the *EventDecodeError of an
// event whose data is not a run event's JSON.
var ErrMalformedEvent = errors.New("modus: malformed run event")

// EventDecodeError is a run stream event whose data is not valid JSON, not
// a JSON object, or does not fit its type's shape. The stream stops there:
// the event is neither skipped nor guessed at.
type EventDecodeError struct {
	// EventID is the SSE id of the event.
	EventID string
	// Data is the start of the event's data, at most 1 KiB.
	Data []byte
	// Err is the JSON error.
	Err error
}

// Error names the event and quotes the start of its data.
func (e *EventDecodeError) Error() string {
	return printable("modus: malformed run event " + strconv.Quote(e.EventID) + ": " + e.Err.Error() +
		"; data: " + strconv.Quote(snippet(e.Data, 200)))
}

// Unwrap returns the JSON error.
func (e *EventDecodeError) Unwrap() error { return e.Err }

// Is reports whether target is ErrMalformedEvent.
func (e *EventDecodeError) Is(target error) bool { return target == ErrMalformedEvent }

// ErrRunFailed matches, through errors.Is, the *RunError of a run that
// ended with an error event.
var ErrRunFailed = errors.New("modus: run failed")

// RunError is the error a run stream ends with after delivering an
// *ErrorEvent. errors.Is(err, ErrRunFailed) is true for every RunError, and
// errors.Is(err, ErrConflict) when the run was refused because its
// Idempotency-Key was already used with a different request body.
type RunError struct {
	// Message is the server's description of the failure.
	Message string
	// Code is the error event's Code (ErrorEvent.Code): ErrorCodeConflict
	// when the run was refused because its Idempotency-Key was already used
	// with a different body.
	Code ErrorCode
	// RunID is the run's id, when the stream knows it.
	RunID string
	// EventID is the SSE id of the error event.
	EventID string
}

// Error reads "modus: run <id> failed: <message> (<code>)".
func (e *RunError) Error() string {
	var b strings.Builder
	b.WriteString("modus: run ")
	if e.RunID != "" {
		b.WriteString(e.RunID + " ")
	}
	b.WriteString("failed")
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.Code != "" {
		b.WriteString(" (" + string(e.Code) + ")")
	}
	return printable(b.String())
}

// Is matches ErrRunFailed, and ErrConflict for an idempotency conflict.
func (e *RunError) Is(target error) bool {
	switch target {
	case ErrRunFailed:
		return true
	case ErrConflict:
		return e.Code == ErrorCodeConflict
	}
	return false
}

// newRunError is the error of error event ev. Every string in it came from
// the server and ends up in logs: each has the API key masked, whatever its
// case (the code is upper-cased).
