package modus

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Retry tuning. Full jitter spreads clients that failed together; the caps
// keep a long outage from turning into minutes of silent waiting.
const (
	backoffBase   = 500 * time.Millisecond
	backoffMax    = 8 * time.Second
	maxRetryAfter = 60 * time.Second // a longer Retry-After is returned to the caller, not slept
	maxDrain      = 64 << 10         // drain at most this much of a discarded body to reuse its connection
)

// retryDoer sends requests through the caller's HTTP client, retrying
// transient failures and bounding each attempt of a unary call. It is the
// gen.HttpRequestDoer of both generated clients and of run streams.
//
// Settings come from the *callConfig in the request context when the call
// had options, else from the client's defaults stored here.
type retryDoer struct {
	next       HTTPDoer
	maxRetries int
	timeout    time.Duration
	maxBody    int64 // 2xx body limit of unary calls; 0 = DefaultMaxResponseSize

	// Injectable for tests.
	sleep  func(ctx context.Context, d time.Duration) error // returns ctx.Err() if ctx ends first
	jitter func(max time.Duration) time.Duration            // uniform in [0, max]
	now    func() time.Time
}

func newRetryDoer(next HTTPDoer, maxRetries int, timeout time.Duration) *retryDoer {
	return &retryDoer{
		next:       next,
		maxRetries: maxRetries,
		timeout:    timeout,
		sleep:      sleepCtx,
		jitter:     fullJitter,
		now:        time.Now,
	}
}

// attemptPlan is what Do decides once per request.
type attemptPlan struct {
	maxRetries int
	timeout    time.Duration // per attempt; for a stream, until its headers
	maxBody    int64
	stream     bool
	safe       bool // may be sent again after reaching the server
	hasBody    bool
}

func (d *retryDoer) plan(req *http.Request) attemptPlan {
	p := attemptPlan{maxRetries: d.maxRetries, timeout: d.timeout, maxBody: d.maxBody}
	if cfg, ok := req.Context().Value(callKey{}).(*callConfig); ok {
		p.maxRetries, p.timeout, p.maxBody = cfg.maxRetries, cfg.timeout, cfg.maxBody
	}
	if p.maxBody <= 0 {
		p.maxBody = DefaultMaxResponseSize
	}
	p.stream = isStreamRequest(req)
	p.hasBody = req.Body != nil && req.Body != http.NoBody
	if p.hasBody && req.GetBody == nil {
		p.maxRetries = 0 // the body cannot be sent twice
	}
	p.safe = retriesFreely(req)
	return p
}

// Do sends req, retrying as NewClient documents. The returned response is
// the first one not retried (which may be non-2xx: the caller turns it into
// an *Error). The 2xx body of a unary call is read here, inside the retry
// loop and within its size limit, and handed over in memory; a stream's body
// is left to the caller, and closing it releases the attempt. Errors are
// *TransportError, or *ResponseTooLargeError.
func (d *retryDoer) Do(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	p := d.plan(req)
	for attempt := 0; ; attempt++ {
		areq := req
		if attempt > 0 && p.hasBody {
			body, err := req.GetBody()
			if err != nil {
				return nil, newTransportError(req, fmt.Errorf("rewinding request body for retry: %w", err))
			}
			r := *req // shallow: only Body differs between attempts
			r.Body = body
			areq = &r
		}
		resp, err := d.send(areq, p)
		canRetry := attempt < p.maxRetries
		if err != nil {
			var tooLarge *ResponseTooLargeError
			if errors.As(err, &tooLarge) {
				return nil, err
			}
			if ctx.Err() != nil || !canRetry || !retryableError(err) || !(p.safe || neverSent(req, err)) {
				return nil, newTransportError(req, err)
			}
			wait := d.backoff(attempt)
			if !fitsDeadline(ctx, wait) {
				return nil, newTransportError(req, err)
			}
			if werr := d.sleep(ctx, wait); werr != nil {
				return nil, newTransportError(req, fmt.Errorf("%w (while waiting to retry after: %v)", werr, unwrapURLError(err)))
			}
			continue
		}
		if !canRetry || !p.safe || !retryableStatus(resp.StatusCode) {
			return resp, nil
		}
		wait, ok := d.retryWait(resp, attempt)
		if !ok || !fitsDeadline(ctx, wait) {
			// The caller gets this answer as an *Error at once rather than
			// a wait cut short by its deadline.
			return resp, nil
		}
		discard(resp)
		if werr := d.sleep(ctx, wait); werr != nil {
			return nil, newTransportError(req, fmt.Errorf("%w (while waiting to retry after HTTP %d)", werr, resp.StatusCode))
		}
	}
}

// fitsDeadline reports whether a wait of d ends before ctx's deadline: a
// retry that cannot start in time is not waited for.
func fitsDeadline(ctx context.Context, d time.Duration) bool {
	dl, ok := ctx.Deadline()
	return !ok || time.Until(dl) > d
}

// send makes one attempt under its timeout. For a unary call it reads a 2xx
// body into memory (a broken read is then an error of the attempt, retried
// like any other); for a stream the timeout covers only the wait for the
// response headers.
func (d *retryDoer) send(req *http.Request, p attemptPlan) (*http.Response, error) {
	if p.stream {
		return d.sendStream(req, p.timeout)
	}
	cancel := context.CancelFunc(func() {})
	if p.timeout > 0 {
		var actx context.Context
		actx, cancel = context.WithTimeout(req.Context(), p.timeout)
		req = req.WithContext(actx)
	}
	resp, err := d.next.Do(req)
	if err != nil {
		cancel()
		return nil, err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		// The caller reads the error body under this attempt's context:
		// cancel only when it is done with it.
		resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
		return resp, nil
	}
	body, err := readBody(resp, p.maxBody)
	resp.Body.Close()
	cancel()
	if err != nil {
		if errors.Is(err, ErrResponseTooLarge) {
			return nil, newResponseTooLargeError(req, resp.StatusCode, p.maxBody)
		}
		return nil, fmt.Errorf("reading response body: %w", err)
	}
	bb := &bufferedBody{buf: body}
	bb.Reset(body)
	resp.Body = bb
	return resp, nil
}

// sendStream sends a stream request whose response headers must arrive
// within timeout (0: no bound). The body, a run's events, may then last as
// long as the caller's context.
func (d *retryDoer) sendStream(req *http.Request, timeout time.Duration) (*http.Response, error) {
	actx, cancel := context.WithCancel(req.Context())
	var timer *time.Timer
	if timeout > 0 {
		timer = time.AfterFunc(timeout, cancel)
	}
	resp, err := d.next.Do(req.WithContext(actx))
	if timer != nil && !timer.Stop() && req.Context().Err() == nil {
		if err == nil {
			resp.Body.Close()
		}
		cancel()
		return nil, fmt.Errorf("no response headers within %s: %w", timeout, context.DeadlineExceeded)
	}
	if err != nil {
		cancel()
		return nil, err
	}
	resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

// bufferedBody is a unary response body already read into memory; do takes
// buf from it without copying.
type bufferedBody struct {
	bytes.Reader // one allocation with the struct
	buf          []byte
}

func (*bufferedBody) Close() error { return nil }

// backoff is the wait before retry number attempt+1 of a call, or before
// reconnection number attempt+1 of a run stream: full jitter over an
// exponentially growing, capped window. It is the one backoff of the SDK.
func (d *retryDoer) backoff(attempt int) time.Duration {
	window := backoffMax
	if attempt < 5 {
		window = min(backoffBase<<attempt, backoffMax)
	}
	return d.jitter(window)
}

// retryWait returns how long to wait before retrying resp, honouring
// Retry-After; ok is false when the server asks for more than maxRetryAfter
// (the caller then gets the error, with Error.RetryAfter, and decides).
func (d *retryDoer) retryWait(resp *http.Response, attempt int) (time.Duration, bool) {
	if ra, ok := parseRetryAfter(resp.Header.Get("Retry-After"), d.now()); ok {
		if ra > maxRetryAfter {
			return 0, false
		}
		return ra, true
	}
	return d.backoff(attempt), true
}

// retriesFreely reports whether req may be sent again after it may have
// reached the server: idempotent methods, or any request with an
// Idempotency-Key (the server deduplicates those).
func retriesFreely(req *http.Request) bool {
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodOptions:
		return true
	}
	return req.Header.Get("Idempotency-Key") != ""
}

// retryableStatus is the one list of transient statuses, for call retries
// and stream reconnections alike.
func retryableStatus(code int) bool {
	switch code {
	case http.StatusRequestTimeout, http.StatusTooManyRequests, http.StatusInternalServerError,
		http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// retryableError is false for failures that a retry cannot fix: bad
// certificates and redirects refused by the redirect policy (a loop would
// only loop again).
func retryableError(err error) bool {
	var (
		redirErr *redirectError
		certErr  *tls.CertificateVerificationError
		authErr  x509.UnknownAuthorityError
		hostErr  x509.HostnameError
		invErr   x509.CertificateInvalidError
	)
	return !errors.As(err, &redirErr) && !errors.As(err, &certErr) && !errors.As(err, &authErr) &&
		!errors.As(err, &hostErr) && !errors.As(err, &invErr)
}

// maxRedirects is net/http's default limit, kept when the caller's
// http.Client has no CheckRedirect of its own.
const maxRedirects = 10

// withRedirectPolicy returns a shallow copy of hc whose CheckRedirect first
// drops the Authorization header on a redirect to another origin (scheme,
// host or port: net/http itself compares host names only, so it would send
// the key to another port, over plain http, or to a subdomain), then applies
// the caller's own CheckRedirect, or net/http's default limit. An error from
// either is marked so that the retry loop does not send the request again.
func withRedirectPolicy(hc *http.Client) *http.Client {
	c := *hc
	next := hc.CheckRedirect
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) > 0 && !sameOrigin(req.URL, via[0].URL) {
			req.Header.Del("Authorization")
		}
		var err error
		switch {
		case next != nil:
			err = next(req, via)
		case len(via) >= maxRedirects:
			err = fmt.Errorf("stopped after %d redirects", maxRedirects)
		}
		if err != nil && !errors.Is(err, http.ErrUseLastResponse) {
			return &redirectError{err}
		}
		return err
	}
	return &c
}

// sameOrigin compares scheme, host and port (default ports made explicit).
func sameOrigin(a, b *url.URL) bool {
	return strings.EqualFold(a.Scheme, b.Scheme) && strings.EqualFold(a.Hostname(), b.Hostname()) &&
		portOf(a) == portOf(b)
}

func portOf(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if strings.EqualFold(u.Scheme, "https") {
		return "443"
	}
	return "80"
}

// redirectError is a redirect refused by the redirect policy.
type redirectError struct{ err error }

func (e *redirectError) Error() string { return e.err.Error() }
func (e *redirectError) Unwrap() error { return e.err }

// neverSent reports whether err happened before a connection existed (DNS
// lookup or dial), so no byte of the request reached the server and even a
// POST without an idempotency key can be sent again.
//
// A failure while following a redirect does not count: the request that was
// redirected did reach the server (which may have acted on it, as with a
// 303 after a create). http.Client reports it as a *url.Error naming the URL
// it failed on, which is then not req's.
func neverSent(req *http.Request, err error) bool {
	var ue *url.Error
	if errors.As(err, &ue) && req.URL != nil && ue.URL != req.URL.Redacted() && ue.URL != req.URL.String() {
		return false
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return true
	}
	var opErr *net.OpError
	return errors.As(err, &opErr) && opErr.Op == "dial"
}

func isStreamRequest(req *http.Request) bool {
	return strings.Contains(req.Header.Get("Accept"), "text/event-stream")
}

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

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func fullJitter(window time.Duration) time.Duration {
	if window <= 0 {
		return 0
	}
	return rand.N(window + 1)
}
