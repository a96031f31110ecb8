package modus

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// transport is the executor: the one place where requests are sent, for
// unary calls, the request that opens a run stream and each reconnection of
// it. exec reads top to bottom: attempt, classify, then decode, wait or
// return.
type transport struct {
	next   HTTPDoer
	retry  *retryPolicy
	key    apiKey
	bearer bearerHeader // the Authorization header's value, built once (a func: fmt never prints it)
	agent  string       // User-Agent
	ua     []string     // agent as a header value

	api, agentBase baseURL    // parsed once per client
	defaults       *callState // read only: for calls without options
}

// callState is one call's configuration, built once by Client.state, and
// what the executor needs to know about the call besides its route.
type callState struct {
	cfg callConfig
	// stream: the request opens a run stream (its 2xx body is handed over
	// open, and the per-attempt timeout covers only the response headers).
	stream bool
	// reconnect is the reconnection number of a run stream's request (0 for
	// the request that started it).
	reconnect   int
	observation // for WithObserver (observer.go)
}

// answer is what one attempt got: the request sent, the response (its
// headers; for a unary call its body is already read into body), and the
// attempt's failure: a transport error, a *ResponseTooLargeError, or the
// *Error of an answer outside 2xx.
type answer struct {
	req     *http.Request
	resp    *http.Response
	body    []byte // a unary 2xx body, or an error body (at most maxErrorBody)
	err     error
	took    time.Duration
	oneShot bool // the request has a body that cannot be sent again
}

// exec sends route r's request (see newRequest for build) with call state
// st, retrying as rt decides, and returns the answer it settled on: for a
// unary call, a 2xx whose body decode (if not nil) has decoded; for a
// stream, an open 2xx response that decode has checked. rt is the
// transport itself for calls (NewClient documents their retries), a run
// stream's resumer for its reconnections. Errors: what rt.giveUp makes of
// the last failure (for calls: a non-2xx answer is its *Error, a failed
// exchange a *TransportError, a 2xx over the size limit a
// *ResponseTooLargeError); what decode returns, as it is.
func (t *transport) exec(ctx context.Context, st *callState, r *route, build requestFunc, decode func(answer) error, rt retrier) (answer, error) {
	ctx = st.startCall(ctx, r)
	for n := 1; ; n++ {
		// Attempt: build the request afresh, send it through the
		// middleware, read a unary body or an error body.
		a, err := t.attempt(ctx, st, r, build, n)
		if err != nil {
			return answer{}, err // the request cannot be built
		}
		if a.resp != nil {
			st.cfg.meta.fill(a.resp, n) // every answer that arrived, the last one winning
		}
		st.attemptEnd(ctx, r, n, &a)

		// Classify: a success is decoded and returned.
		if a.err == nil {
			if decode != nil {
				if err := decode(a); err != nil {
					return answer{}, err
				}
			}
			return a, nil
		}

		// Wait, or return the failure.
		// (By value: a pointer handed to an interface would move the
		// answer and the route to the heap on every call.)
		wait, retry := rt.decide(ctx, st, *r, a, n)
		if !retry {
			return answer{}, rt.giveUp(ctx, a)
		}
		rt.retrying(ctx, st, *r, a, n, wait)
		if err := t.retry.sleep(ctx, wait); err != nil {
			return answer{}, rt.interrupted(a, err)
		}
	}
}

// attempt makes attempt number n of route r: it builds the request under
// the attempt's context (its per-attempt timeout and AttemptInfo), sends
// it through the middleware, and for a unary call reads the body (a 2xx
// within the size limit, an error body up to maxErrorBody) and releases
// the attempt. A stream's 2xx body is handed over open, released when it is
// closed. An error is returned only when the request cannot be built.
func (t *transport) attempt(ctx context.Context, st *callState, r *route, build requestFunc, n int) (a answer, err error) {
	actx, cancel, timer := attemptContext(ctx, st, r, n)
	handedOver := false
	defer func() {
		// Also when a middleware panics: the panic goes on to the caller,
		// the attempt's context and connection do not stay behind.
		if !handedOver {
			cancel()
		}
	}()
	req, err := t.newRequest(actx, st, r, build)
	if err != nil {
		return answer{}, err
	}
	a.req = req
	a.oneShot = req.Body != nil && req.Body != http.NoBody && req.GetBody == nil
	start := time.Now()
	a.resp, a.err = t.roundTrip(req, st.cfg.middleware)
	if timer != nil && !timer.Stop() && ctx.Err() == nil {
		// A stream's response headers came too late.
		if a.err == nil {
			a.resp.Body.Close()
		}
		a.resp, a.err = nil, fmt.Errorf("no response headers within %s: %w", st.cfg.timeout, context.DeadlineExceeded)
	}
	a.took = time.Since(start)
	switch {
	case a.err != nil:
	case a.resp.StatusCode < 200 || a.resp.StatusCode > 299:
		e := newError(a.resp, t.key, t.retry.now())
		discard(a.resp)
		a.body, a.err = e.Body, e
	case st.stream:
		a.resp.Body = &cancelOnClose{ReadCloser: a.resp.Body, cancel: cancel}
		handedOver = true
	default:
		a.body, a.err = readBody(a.resp, st.cfg.maxBody)
		a.resp.Body.Close()
		a.resp.Body = http.NoBody
		if errors.Is(a.err, ErrResponseTooLarge) {
			a.err = newResponseTooLargeError(req, a.resp, st.cfg.maxBody)
		} else if a.err != nil {
			a.err = fmt.Errorf("reading response body: %w", a.err)
		}
	}
	return a, nil
}

// attemptContext returns the context of attempt n: ctx bounded by the
// per-attempt timeout, carrying the AttemptInfo (AttemptOf). For a stream the
// timeout covers only the wait for the response headers: a timer, which the
// caller stops once they arrived, cancels the context.
func attemptContext(ctx context.Context, st *callState, r *route, n int) (context.Context, context.CancelFunc, *time.Timer) {
	cancel := context.CancelFunc(func() {})
	var timer *time.Timer
	switch timeout := st.cfg.timeout; {
	case st.stream:
		ctx, cancel = context.WithCancel(ctx)
		if timeout > 0 {
			timer = time.AfterFunc(timeout, cancel)
		}
	case timeout > 0:
		ctx, cancel = context.WithTimeout(ctx, timeout)
	}
	a := &attemptCtx{Context: ctx, info: AttemptInfo{Attempt: n, Reconnect: st.reconnect}}
	if st.reconnect > 0 {
		a.info.Attempt = 1 // each reconnection is a request of its own
	}
	if r.op != nil {
		a.info.Operation, a.info.PathTemplate = r.op.ID, r.op.Path
	}
	return a, cancel, timer
}

// attemptCtx carries an attempt's AttemptInfo: one allocation, where
// context.WithValue and the info would be two.
type attemptCtx struct {
	context.Context
	info AttemptInfo
}

func (c *attemptCtx) Value(key any) any {
	if key == (attemptKey{}) {
		return &c.info
	}
	return c.Context.Value(key)
}

// retrier decides about the retries of a request, for exec: the transport
// for calls, a run stream's resumer for its reconnections.
type retrier interface {
	// decide returns the wait before retrying after failed answer a of
	// attempt n, or false to stop.
	decide(ctx context.Context, st *callState, r route, a answer, n int) (time.Duration, bool)
	// retrying tells of the retry before its wait.
	retrying(ctx context.Context, st *callState, r route, a answer, n int, wait time.Duration)
	// giveUp returns the error of a request that stops at answer a.
	giveUp(ctx context.Context, a answer) error
	// interrupted returns the error of a request whose wait before a retry
	// after answer a ended with the context (err).
	interrupted(a answer, err error) error
}

// decide says whether failed attempt n of a call is retried, and after what
// wait: within the retry budget (none for a body that cannot be sent
// again), transient failures only, a POST or PATCH only with an idempotency
// key or when it never reached the server, the server's Retry-After when it
// sent one (more than maxRetryAfter is returned to the caller), and never a
// wait the context's deadline would cut.
func (t *transport) decide(ctx context.Context, st *callState, r route, a answer, n int) (time.Duration, bool) {
	safe := st.cfg.idempotencyKey != "" || r.idempotent(a.req)
	var wait time.Duration
	var e *Error
	switch {
	case n > st.cfg.maxRetries || a.oneShot:
		return 0, false
	case errors.As(a.err, &e):
		if !safe || !retryableStatus(e.StatusCode) || (e.RetryAfterSet && e.RetryAfter > maxRetryAfter) {
			return 0, false
		}
		wait = t.retry.backoff(n-1, st.cfg.backoff)
		if e.RetryAfterSet {
			wait = e.RetryAfter
		}
	default:
		var tooLarge *ResponseTooLargeError
		if errors.As(a.err, &tooLarge) || ctx.Err() != nil || !retryableError(a.err) || !(safe || neverSent(a.req, a.err)) {
			return 0, false
		}
		wait = t.retry.backoff(n-1, st.cfg.backoff)
	}
	return wait, fitsDeadline(ctx, wait)
}

// retrying runs the Retry hooks of a call before its wait.
func (t *transport) retrying(ctx context.Context, st *callState, r route, a answer, n int, wait time.Duration) {
	st.retrying(ctx, &r, n, &a, wait)
}

// giveUp is the error that ends a call at answer a: its *Error or
// *ResponseTooLargeError as they are, else a *TransportError, which masks
// the API key should a proxy or a middleware have echoed it into the cause.
func (t *transport) giveUp(ctx context.Context, a answer) error {
	var e *Error
	var tooLarge *ResponseTooLargeError
	if errors.As(a.err, &e) || errors.As(a.err, &tooLarge) {
		return a.err
	}
	err := a.err
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		err = fmt.Errorf("%w (while waiting to retry after: %v)", cerr, unwrapURLError(err))
	}
	return t.transportError(a.req, err)
}

// interrupted is the error of a call whose wait before a retry of answer a
// ended with the context.
func (t *transport) interrupted(a answer, err error) error {
	var e *Error
	if errors.As(a.err, &e) {
		return t.transportError(a.req, fmt.Errorf("%w (while waiting to retry after HTTP %d)", err, e.StatusCode))
	}
	return t.transportError(a.req, fmt.Errorf("%w (while waiting to retry after: %v)", err, unwrapURLError(a.err)))
}

func (t *transport) transportError(req *http.Request, err error) *TransportError {
	te := newTransportError(req, err)
	te.key = t.key
	return te
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

// maxDrain is how much of a discarded body is drained, so that its
// connection can be reused.
const maxDrain = 64 << 10

// discard drains a little of a response we will not use, so that its
// connection can be reused, and closes it.
func discard(resp *http.Response) {
	_, _ = io.CopyN(io.Discard, resp.Body, maxDrain)
	_ = resp.Body.Close()
}

// cancelOnClose ends an attempt's context when the body is closed.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelOnClose) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}
