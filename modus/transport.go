package modus

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// transport is the one place where requests are sent: it sets the call's
// headers, runs the middleware around each attempt, bounds attempts with the
// per-attempt timeout, reads a unary call's 2xx body, retries by the client's
// retryPolicy, logs and fills ResponseMeta. Every operation, stream
// requests and reconnections included, goes through send: Client.open
// builds the request and hands it over with the call's *callState, as
// arguments (a call without options gets the client's defaults).
type transport struct {
	next     HTTPDoer
	retry    *retryPolicy
	key      apiKey
	agent    string     // User-Agent
	defaults *callState // read only: for calls without options
}

// callState is one call's configuration, built once by Client.state, and
// what the transport needs to know about the call besides its request.
type callState struct {
	cfg callConfig
	// stream: the request opens a run stream (its body is not read here and
	// the per-attempt timeout covers only the response headers).
	stream bool
	// reconnect is the reconnection number of a run stream's request (0 for
	// the request that started it).
	reconnect   int
	observation // for WithObserver (observer.go)
}

// send sends req, a call with state st, retrying as NewClient documents.
// The returned response is the first one not retried (which may be non-2xx:
// Client.open turns it into an *Error). The 2xx body of a unary call is read here, inside the retry
// loop and within its size limit, and handed over in memory. Errors are
// *TransportError, or *ResponseTooLargeError.
func (t *transport) send(req *http.Request, st *callState) (*http.Response, error) {
	t.setHeaders(req, st)
	ctx := req.Context()
	maxRetries := st.cfg.maxRetries
	hasBody := req.Body != nil && req.Body != http.NoBody
	if hasBody && req.GetBody == nil {
		maxRetries = 0 // the body cannot be sent twice
	}
	safe := idempotentMethod(req.Method) || st.cfg.idempotencyKey != ""
	for attempt := 0; ; attempt++ {
		areq, err := rewind(req, attempt, hasBody)
		if err != nil {
			return nil, newTransportError(req, err)
		}
		start := time.Now()
		resp, err := t.attempt(areq, st, attempt)
		t.logAttempt(st, req, attempt, resp, err, time.Since(start))
		if resp != nil {
			// Every answer that arrived, the last one winning.
			st.cfg.meta.fill(resp, attempt+1)
		}
		if err != nil {
			if !t.retryError(ctx, req, err, attempt < maxRetries && (safe || neverSent(req, err)), st, attempt) {
				return nil, t.finalError(req, err)
			}
			continue
		}
		retried, err := t.retryStatus(ctx, req, resp, attempt < maxRetries && safe, st, attempt)
		if err != nil {
			return nil, err
		}
		if !retried {
			return resp, nil
		}
	}
}

// retryStatus decides about an answer and, to retry it, discards it and
// waits; false means: return it.
func (t *transport) retryStatus(ctx context.Context, req *http.Request, resp *http.Response, allowed bool, st *callState, attempt int) (bool, error) {
	if !allowed || !retryableStatus(resp.StatusCode) {
		return false, nil
	}
	wait, ok := t.retry.retryWait(resp.Header, attempt, st.cfg.backoff)
	if !ok || !fitsDeadline(ctx, wait) {
		// The caller gets this answer as an *Error at once rather than a
		// wait that the server or the deadline would cut short.
		return false, nil
	}
	st.retrying(t.key, req, attempt, resp, nil, wait)
	discard(resp)
	t.logRetry(st, req, attempt, fmt.Sprintf("HTTP %d", resp.StatusCode), wait)
	if err := t.retry.sleep(ctx, wait); err != nil {
		return false, newTransportError(req, fmt.Errorf("%w (while waiting to retry after HTTP %d)", err, resp.StatusCode))
	}
	return true, nil
}

// retryError decides about a failed attempt and waits before the retry;
// false means: return the error.
func (t *transport) retryError(ctx context.Context, req *http.Request, err error, allowed bool, st *callState, attempt int) bool {
	var tooLarge *ResponseTooLargeError
	if errors.As(err, &tooLarge) || !allowed || ctx.Err() != nil || !retryableError(err) {
		return false
	}
	wait := t.retry.backoff(attempt, st.cfg.backoff)
	if !fitsDeadline(ctx, wait) {
		return false
	}
	st.retrying(t.key, req, attempt, nil, err, wait)
	t.logRetry(st, req, attempt, unwrapURLError(err).Error(), wait)
	return t.retry.sleep(ctx, wait) == nil
}

// finalError wraps the error that ends a call. Its text masks the API key,
// should a proxy or a middleware have echoed it into the cause.
func (t *transport) finalError(req *http.Request, err error) error {
	var tooLarge *ResponseTooLargeError
	if errors.As(err, &tooLarge) {
		return err
	}
	if cerr := req.Context().Err(); cerr != nil && !errors.Is(err, cerr) {
		err = fmt.Errorf("%w (while waiting to retry after: %v)", cerr, unwrapURLError(err))
	}
	te := newTransportError(req, err)
	te.key = t.key
	return te
}

// rewind returns the request for attempt number attempt: req itself, or a
// shallow copy with a fresh body.
func rewind(req *http.Request, attempt int, hasBody bool) (*http.Request, error) {
	if attempt == 0 || !hasBody {
		return req, nil
	}
	body, err := req.GetBody()
	if err != nil {
		return nil, fmt.Errorf("rewinding request body for retry: %w", err)
	}
	r := *req // shallow: only Body differs between attempts
	r.Body = body
	return &r, nil
}

// setHeaders puts the call's headers on req, once per call: auth and
// User-Agent, the client's and the call's own headers (which may override
// both), the idempotency key, and the media type of a stream.
func (t *transport) setHeaders(req *http.Request, st *callState) {
	_, bearer := t.key()
	req.Header.Set("Authorization", bearer)
	req.Header.Set("User-Agent", t.agent)
	for k, v := range st.cfg.headers {
		req.Header[k] = v // clipped slices: a later Add reallocates
	}
	if st.cfg.idempotencyKey != "" {
		req.Header.Set("Idempotency-Key", st.cfg.idempotencyKey)
	}
	if st.stream {
		req.Header.Set("Accept", "text/event-stream")
	}
}

// attempt makes one attempt through the middleware, under its timeout. For a
// unary call it reads a 2xx body into memory (a broken read is then an error
// of the attempt, retried like any other); for a stream the timeout covers
// only the wait for the response headers. A response that arrived comes back
// even with an error (a 2xx over the size limit), for ResponseMeta.
func (t *transport) attempt(req *http.Request, st *callState, attempt int) (*http.Response, error) {
	if len(st.cfg.middleware) > 0 || st.cfg.logger != nil {
		var info *AttemptInfo
		if o := matchOperation(req); o != nil {
			info = &AttemptInfo{Operation: o.ID, PathTemplate: o.Path, Attempt: attempt + 1, Reconnect: st.reconnect}
		} else {
			info = &AttemptInfo{Attempt: attempt + 1, Reconnect: st.reconnect}
		}
		// A deep copy: what a middleware changes stays with this attempt.
		req = req.Clone(context.WithValue(req.Context(), attemptKey{}, info))
	}
	if st.stream {
		return t.sendStream(req, st)
	}
	cancel := context.CancelFunc(func() {})
	if st.cfg.timeout > 0 {
		var actx context.Context
		actx, cancel = context.WithTimeout(req.Context(), st.cfg.timeout)
		req = req.WithContext(actx)
	}
	handedOver := false
	defer func() {
		// Also when a middleware panics: the panic goes on to the caller,
		// the attempt's context and connection do not stay behind.
		if !handedOver {
			cancel()
		}
	}()
	resp, err := t.roundTrip(req, st.cfg.middleware)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		// The caller reads the error body under this attempt's context:
		// cancel only when it is done with it.
		resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
		handedOver = true
		return resp, nil
	}
	body, err := readBody(resp, st.cfg.maxBody)
	resp.Body.Close()
	resp.Body = http.NoBody
	if err != nil {
		if errors.Is(err, ErrResponseTooLarge) {
			return resp, newResponseTooLargeError(req, resp, st.cfg.maxBody)
		}
		return nil, fmt.Errorf("reading response body: %w", err)
	}
	bb := &bufferedBody{buf: body}
	bb.Reset(body)
	resp.Body = bb
	return resp, nil
}

// sendStream sends a stream request whose response headers must arrive
// within the per-attempt timeout (0: no bound). The body, a run's events,
// may then last as long as the caller's context.
func (t *transport) sendStream(req *http.Request, st *callState) (*http.Response, error) {
	actx, cancel := context.WithCancel(req.Context())
	var timer *time.Timer
	if timeout := st.cfg.timeout; timeout > 0 {
		timer = time.AfterFunc(timeout, cancel)
	}
	handedOver := false
	defer func() {
		if !handedOver { // an error, or a panicking middleware
			cancel()
		}
	}()
	resp, err := t.roundTrip(req.WithContext(actx), st.cfg.middleware)
	if timer != nil && !timer.Stop() && req.Context().Err() == nil {
		if err == nil {
			resp.Body.Close()
		}
		return nil, fmt.Errorf("no response headers within %s: %w", st.cfg.timeout, context.DeadlineExceeded)
	}
	if err != nil {
		return nil, err
	}
	resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
	handedOver = true
	return resp, nil
}

// roundTrip sends req through the middleware, the first one outermost, to
// the HTTP client, and checks what the middleware returned as net/http's
// Client checks a RoundTripper: a nil response without an error is an
// error, a response next with an error is closed, a nil body is empty. An
// error that a middleware makes itself (rather than passing on next's) is
// final: a circuit breaker that says no is not retried.
func (t *transport) roundTrip(req *http.Request, mw []Middleware) (*http.Response, error) {
	if len(mw) == 0 {
		return t.do(req)
	}
	var last exchange // what the HTTP client last answered
	returned := false
	defer func() {
		if !returned && last.resp != nil { // a middleware panicked
			last.resp.Body.Close()
		}
	}()
	resp, err := t.chain(req, mw, &last)
	returned = true
	switch {
	case err != nil:
		closeBodies(resp, last.resp)
		if last.err == nil || !errors.Is(err, last.err) {
			err = &middlewareError{err}
		}
		return nil, err
	case resp == nil:
		closeBodies(last.resp)
		return nil, &middlewareError{errors.New("middleware returned a nil response and a nil error")}
	case resp.Body == nil:
		resp.Body = http.NoBody
	}
	return resp, nil
}

// chain runs mw around the HTTP client, recording its last answer in last.
func (t *transport) chain(req *http.Request, mw []Middleware, last *exchange) (*http.Response, error) {
	if len(mw) == 0 {
		last.resp, last.err = t.do(req)
		return last.resp, last.err
	}
	return mw[0](req, func(r *http.Request) (*http.Response, error) {
		return t.chain(r, mw[1:], last)
	})
}

// exchange is the HTTP client's last answer inside a middleware chain.
type exchange struct {
	resp *http.Response
	err  error
}

// do hands req to the HTTP client. A request that net/http refuses before
// sending anything (a header value with a control character that a
// middleware set, say) fails the same way every time, so its error is
// marked final.
func (t *transport) do(req *http.Request) (*http.Response, error) {
	resp, err := t.next.Do(req)
	if err != nil && req.Context().Err() == nil {
		if why := unsendable(req); why != "" {
			return nil, &unsendableError{why: why, err: err}
		}
	}
	return resp, err
}

func closeBodies(resps ...*http.Response) {
	for _, r := range resps {
		if r != nil && r.Body != nil {
			r.Body.Close()
		}
	}
}

// bufferedBody is a unary response body already read into memory; do takes
// buf from it without copying.
type bufferedBody struct {
	bytes.Reader // one allocation with the struct
	buf          []byte
}

func (*bufferedBody) Close() error { return nil }
