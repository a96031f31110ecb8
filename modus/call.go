package modus

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
)

// requestFunc builds one call's request for the host server (a base URL
// ending in "/"): a generated request builder with its arguments bound,
//
//	func(server string) (*http.Request, error) {
//		return gen.NewGetAgentRequest(server, id, params)
//	}
//
// or one as it is when it takes none (gen.NewDeleteOrganizationRequest).
// Client.open gives the request its context and hands it, with the call's
// *callState, to the transport; nothing travels in the context.
type requestFunc func(server string) (*http.Request, error)

// DefaultMaxResponseSize is the largest 2xx body a unary call accepts unless
// WithMaxResponseSize says otherwise: far above any real answer, far below
// what would hurt a service that a broken proxy or server feeds endlessly.
const DefaultMaxResponseSize = 64 << 20

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
	RequestID  string // the X-Request-Id header of the answer, for Modus support
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

func newResponseTooLargeError(req *http.Request, resp *http.Response, limit int64) *ResponseTooLargeError {
	e := &ResponseTooLargeError{Method: req.Method, StatusCode: resp.StatusCode, Limit: limit, RequestID: resp.Header.Get("X-Request-Id")}
	if req.URL != nil {
		e.Host, e.Path = req.URL.Host, req.URL.Path
	}
	return e
}

// errEmptyBody is the cause of the *DecodeError for an empty or null 2xx
// body where the operation returns a value.
var errEmptyBody = errors.New("empty or null body where the operation returns a value")

// do sends a call and decodes its 2xx JSON body into a new T. A non-2xx
// answer is an *Error, an empty, null or undecodable 2xx body a
// *DecodeError, a body over the size limit a *ResponseTooLargeError, a
// failed exchange a *TransportError. Operations whose success carries no
// body use doNoContent. opts are the caller's per-call options, passed as
// they came.
func do[T any](ctx context.Context, c *Client, opts []Option, build requestFunc) (*T, error) {
	return doBody[T](ctx, c, opts, nil, build)
}

// doBody is do for a call whose typed request body observers see
// (CallInfo.Request).
func doBody[T any](ctx context.Context, c *Client, opts []Option, body any, build requestFunc) (*T, error) {
	st, err := c.state(opts)
	if err != nil {
		return nil, err
	}
	st = c.observed(st, body)
	v, err := fetch[T](ctx, c, st, build)
	if v == nil {
		st.endCall(nil, err) // not a typed nil in CallResult.Value
	} else {
		st.endCall(v, err)
	}
	return v, err
}

// fetch sends a call with state st and decodes its body, for doBody.
func fetch[T any](ctx context.Context, c *Client, st *callState, build requestFunc) (*T, error) {
	resp, err := c.open(ctx, st, c.apiServer, build)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var body []byte
	if b, ok := resp.Body.(*bufferedBody); ok {
		body = b.buf // read by the retry loop
	} else if body, err = readBody(resp, DefaultMaxResponseSize); err != nil {
		return nil, newTransportError(resp.Request, err)
	}
	if t := bytes.TrimSpace(body); len(t) == 0 || string(t) == "null" {
		return nil, newDecodeError(resp, c.transport.key.maskBytes(body), errEmptyBody)
	}
	v := new(T)
	if err := json.Unmarshal(body, v); err != nil {
		return nil, newDecodeError(resp, c.transport.key.maskBytes(body), err)
	}
	return v, nil
}

// doNoContent sends a call whose success carries no body we use (DELETE,
// 204), returning only its error.
func doNoContent(ctx context.Context, c *Client, opts []Option, build requestFunc) error {
	st, err := c.state(opts)
	if err != nil {
		return err
	}
	st = c.observed(st, nil)
	resp, err := c.open(ctx, st, c.apiServer, build)
	if err == nil {
		discard(resp)
	}
	st.endCall(nil, err)
	return err
}

// state builds a call's configuration, once: the client's defaults with the
// call's options applied. A call without options gets nil and the transport
// uses the defaults, so the common call allocates nothing here.
func (c *Client) state(opts []Option) (*callState, error) {
	if len(opts) == 0 {
		return nil, nil
	}
	cfg, err := c.config(opts)
	if err != nil {
		return nil, err
	}
	return &callState{cfg: cfg}, nil
}

// config applies a call's options to a copy of the client's defaults.
func (c *Client) config(opts []Option) (callConfig, error) {
	s := settings{call: c.transport.defaults.cfg}
	if err := s.applyOptions(opts, scopeCall); err != nil {
		return callConfig{}, err
	}
	return s.call, nil
}

// open builds a call's request for host server and sends it with state st
// (nil: the client's defaults), returning its 2xx response, for streams and
// for do. The caller must close the body. Any other answer becomes an *Error
// (its body read and closed here).
func (c *Client) open(ctx context.Context, st *callState, server string, build requestFunc) (*http.Response, error) {
	req, err := build(server)
	if err != nil {
		// A parameter the builder cannot put in a URL or a body.
		return nil, fmt.Errorf("modus: cannot send request: %w", err)
	}
	if st == nil {
		st = c.transport.defaults
	}
	ctx = st.startCall(ctx, req)
	resp, err := c.transport.send(req.WithContext(ctx), st)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		e := newError(resp, c.transport.key)
		discard(resp)
		c.transport.logBody(ctx, st, resp, e.Body)
		return nil, e
	}
	if b, ok := resp.Body.(*bufferedBody); ok {
		c.transport.logBody(ctx, st, resp, b.buf)
	}
	return resp, nil
}

// readBody reads a whole response body of at most limit bytes (else an
// error matching ErrResponseTooLarge, found before reading when
// Content-Length says so). A known length is read into one buffer of that
// size, the body's only copy before decoding. A length of 0 is taken as
// unknown unless the body is http.NoBody, as net/http makes it: a response a
// middleware builds by hand may leave ContentLength unset.
func readBody(resp *http.Response, limit int64) ([]byte, error) {
	n := resp.ContentLength
	if n > limit {
		return nil, ErrResponseTooLarge
	}
	if n > 0 || (n == 0 && resp.Body == http.NoBody) {
		// Bounded by limit: a lying Content-Length costs at most that.
		buf := make([]byte, n)
		if _, err := io.ReadFull(resp.Body, buf); err != nil {
			return nil, err
		}
		return buf, nil
	}
	return readUnknown(resp.Body, limit)
}

// readUnknown reads a body of unknown length, of at most limit bytes, into
// chunks that double in size and are never copied while reading, then joins
// them once. Memory peaks at twice the body (the chunks and the joined copy),
// and a body over the limit costs at most limit+1 bytes, where growing one
// buffer would copy it at every step and peak at 3.5 times the limit.
func readUnknown(r io.Reader, limit int64) ([]byte, error) {
	const first, most = 512, 4 << 20
	var chunks [][]byte
	var total int64
	size := int64(first)
	for {
		buf := make([]byte, min(size, limit+1-total))
		n, err := io.ReadFull(r, buf)
		chunks = append(chunks, buf[:n])
		total += int64(n)
		if total > limit {
			return nil, ErrResponseTooLarge
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			break
		}
		if err != nil {
			return nil, err
		}
		size = min(size*2, most)
	}
	if len(chunks) == 1 {
		return chunks[0], nil
	}
	out := make([]byte, 0, total)
	for _, c := range chunks {
		out = append(out, c...)
	}
	return out, nil
}
