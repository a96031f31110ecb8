package modus

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"time"
)

// Retry tuning. Full jitter spreads clients that failed together; the caps
// keep a long outage from turning into minutes of silent waiting.
const (
	backoffBase   = 500 * time.Millisecond
	backoffMax    = 8 * time.Second
	maxRetryAfter = 60 * time.Second // a longer Retry-After is returned to the caller, not slept
)

// retryPolicy is the one retry policy of the SDK: which failures are
// transient, how long to wait before the next try, and the wait itself. Calls
// (transport.exec) and run stream reconnections (RunStream.reconnect) both use
// the client's.
type retryPolicy struct {
	// Injectable for tests.
	sleep  func(ctx context.Context, d time.Duration) error // returns ctx.Err() if ctx ends first
	jitter func(max time.Duration) time.Duration            // uniform in [0, max]
	now    func() time.Time
}

func newRetryPolicy() *retryPolicy {
	return &retryPolicy{sleep: sleepCtx, jitter: fullJitter, now: time.Now}
}

// backoffRange is the first and the largest backoff window, set by
// WithRetryBackoff; the zero value means backoffBase and backoffMax.
type backoffRange struct{ first, max time.Duration }

// window is the backoff window before retry number attempt+1: first,
// doubled at each attempt, capped at max.
func (r backoffRange) window(attempt int) time.Duration {
	if r.max <= 0 {
		r = backoffRange{backoffBase, backoffMax}
	}
	w := r.first
	for i := 0; i < attempt && w < r.max; i++ { // first > 0: ends within 63 doublings
		w *= 2
	}
	return min(w, r.max)
}

// backoff is the wait before retry number attempt+1 of a call, or before
// reconnection number attempt+1 of a run stream: full jitter over an
// exponentially growing, capped window (r, the call's WithRetryBackoff).
func (p *retryPolicy) backoff(attempt int, r backoffRange) time.Duration {
	return p.jitter(r.window(attempt))
}

// transient reports whether a failed call or reconnection may succeed
// later: the statuses of retryableStatus, and transport failures that
// retryableError does not rule out.
func transient(err error) bool {
	var e *Error
	if errors.As(err, &e) {
		return retryableStatus(e.StatusCode)
	}
	var te *TransportError
	return errors.As(err, &te) && retryableError(te.Err)
}

// fitsDeadline reports whether a wait of d ends before ctx's deadline: a
// retry that cannot start in time is not waited for.
func fitsDeadline(ctx context.Context, d time.Duration) bool {
	dl, ok := ctx.Deadline()
	return !ok || time.Until(dl) > d
}

// idempotentMethod reports whether a request with this method may be sent
// again after it may have reached the server. A request with an idempotency
// key may too (the server deduplicates it): see callConfig.idempotencyKey.
func idempotentMethod(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodOptions:
		return true
	}
	return false
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
		!errors.As(err, &hostErr) && !errors.As(err, &invErr) && !isFinal(err)
}

// isFinal reports an error that no retry can change: one a middleware made
// itself, or a request net/http refused to send.
func isFinal(err error) bool {
	var mwErr *middlewareError
	var unsendErr *unsendableError
	return errors.As(err, &mwErr) || errors.As(err, &unsendErr)
}

// unsendable says why net/http refuses to send req ("" if it would not):
// an invalid method, URL, header name or header value.
func unsendable(req *http.Request) string {
	if !validHeaderName(req.Method) {
		return "invalid method"
	}
	if req.URL == nil || req.URL.Host == "" || (req.URL.Scheme != "http" && req.URL.Scheme != "https") {
		return "invalid URL"
	}
	for k, vs := range req.Header {
		if !validHeaderName(k) {
			return "invalid header name"
		}
		for _, v := range vs {
			if !validHeaderValue(v) {
				return "control character in the value of header " + k
			}
		}
	}
	return ""
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
