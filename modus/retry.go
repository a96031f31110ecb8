package modus

import (
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

// Do sends req, retrying as NewClient documents. The returned response is
// the first one not retried (which may be non-2xx: the caller turns it into
// an *Error); closing its body releases the per-attempt timeout. Errors are
// *TransportError.
func (d *retryDoer) Do(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	maxRetries, timeout := d.maxRetries, d.timeout
	if cfg, ok := ctx.Value(callKey{}).(*callConfig); ok {
		maxRetries, timeout = cfg.maxRetries, cfg.timeout
	}
	if isStreamRequest(req) {
		timeout = 0 // a stream lives as long as its context, not an attempt
	}
	hasBody := req.Body != nil && req.Body != http.NoBody
	if hasBody && req.GetBody == nil {
		maxRetries = 0 // the body cannot be sent twice
	}
	safe := retriesFreely(req)

	for attempt := 0; ; attempt++ {
		areq := req
		if attempt > 0 && hasBody {
			body, err := req.GetBody()
			if err != nil {
				return nil, newTransportError(req, fmt.Errorf("rewinding request body for retry: %w", err))
			}
			r := *req // shallow: only Body differs between attempts
			r.Body = body
			areq = &r
		}
		var cancel context.CancelFunc
		if timeout > 0 {
			var actx context.Context
			actx, cancel = context.WithTimeout(ctx, timeout)
			areq = areq.WithContext(actx)
		}

		resp, err := d.next.Do(areq)
		canRetry := attempt < maxRetries
		if err != nil {
			if cancel != nil {
				cancel()
			}
			if ctx.Err() != nil || !canRetry || !retryableError(err) || !(safe || neverSent(req, err)) {
				return nil, newTransportError(req, err)
			}
			if werr := d.sleep(ctx, d.backoff(attempt)); werr != nil {
				return nil, newTransportError(req, fmt.Errorf("%w (while waiting to retry after: %v)", werr, unwrapURLError(err)))
			}
			continue
		}

		if canRetry && safe && retryableStatus(resp.StatusCode) {
			if wait, ok := d.retryWait(resp, attempt); ok {
				discard(resp)
				if cancel != nil {
					cancel()
				}
				if werr := d.sleep(ctx, wait); werr != nil {
					return nil, newTransportError(req, fmt.Errorf("%w (while waiting to retry after HTTP %d)", werr, resp.StatusCode))
				}
				continue
			}
		}
		if cancel != nil {
			// The caller still has to read the body under this attempt's
			// context: cancel only when it is done with it.
			resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
		}
		return resp, nil
	}
}

// backoff is the wait before retry number attempt+1: full jitter over an
// exponentially growing, capped window.
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

func retryableStatus(code int) bool {
	switch code {
	case http.StatusRequestTimeout, http.StatusTooManyRequests, http.StatusInternalServerError,
		http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// retryableError is false for failures that a retry cannot fix.
func retryableError(err error) bool {
	var (
		certErr *tls.CertificateVerificationError
		authErr x509.UnknownAuthorityError
		hostErr x509.HostnameError
		invErr  x509.CertificateInvalidError
	)
	return !errors.As(err, &certErr) && !errors.As(err, &authErr) && !errors.As(err, &hostErr) && !errors.As(err, &invErr)
}

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
