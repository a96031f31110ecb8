package modus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"time"

	"github.com/modus-data/modus-sdk-go/gen"
)

// resumer is the reconnection logic of a run stream, apart from the
// stream: after a drop it decides whether to try again, waits as the
// client's retry policy says, announces each attempt and dials, until a
// connection is up or it gives up. It holds no reference to the stream.
type resumer struct {
	c           *Client
	cfg         callConfig // of reconnections: see newResumer
	idleHeaders bool       // cfg.timeout is the idle timeout
	max         int        // reconnections in a row without progress
	attempts    int        // reconnections since the last progress
	total       int        // reconnections in all
	hint        time.Duration
	causes      []error // the failures met, the latest maxStreamCauses
	obs         *streamObservers

	// The reconnection under way: the run, the event it resumes after, and
	// the failure that asked for it.
	runID, lastID string
	cause         error
}

// newResumer prepares the reconnections of a stream opened with the call's
// configuration cfg. They are GETs of the same call: they keep its settings
// but not its idempotency key, and make one request each (the resumer
// retries them itself), and the call's ResponseMeta stays the first
// answer's. The idle timeout also bounds their wait for headers: a server
// that accepts the connection and never answers is as stuck as a stalled
// stream.
func newResumer(c *Client, cfg callConfig, obs *streamObservers) resumer {
	r := resumer{c: c, cfg: cfg, max: cfg.stream.maxReconnects(), obs: obs}
	r.cfg.idempotencyKey, r.cfg.maxRetries, r.cfg.meta = "", 0, nil
	if idle := cfg.stream.idleTimeout(); idle > 0 && (r.cfg.timeout <= 0 || idle < r.cfg.timeout) {
		r.cfg.timeout, r.idleHeaders = idle, true
	}
	return r
}

// progress notes an event delivered: the count of attempts starts again.
func (r *resumer) progress() { r.attempts = 0 }

// retryHint keeps the server's latest retry hint (the SSE retry field).
func (r *resumer) retryHint(d time.Duration) {
	if d > 0 {
		r.hint = d
	}
}

// resume reconnects run runID after event lastID, following a drop with
// cause. It returns the new connection, checked; or a
// *StreamInterruptedError when it gives up; or, when ctx ended, an error of
// ctx (the caller checks ctx). The drop counts as a failed attempt: the
// resumer decides, announces and waits, then hands the reconnection to the
// executor, which retries failed reconnections by the resumer's decisions
// (decide, retrying, giveUp).
func (r *resumer) resume(ctx context.Context, runID, lastID string, cause error) (*http.Response, error) {
	r.runID, r.lastID = runID, lastID
	st := &callState{cfg: r.cfg, stream: true}
	wait, ok := r.next(ctx, cause)
	if !ok {
		return nil, r.giveUp(ctx, answer{})
	}
	r.retrying(ctx, st, route{}, answer{}, 0, wait)
	if err := r.c.retry.sleep(ctx, wait); err != nil {
		return nil, err
	}
	resp, err := r.c.dialStream(ctx, st, route{op: opStreamRun}, streamRunRequest(runID, lastID), r)
	var si *StreamInterruptedError
	if err != nil && ctx.Err() == nil && !errors.As(err, &si) {
		// An answer that is not an event stream, or a request that cannot
		// be built: trying again would not change it.
		r.note(err)
		return nil, r.giveUpWith(err)
	}
	return resp, err
}

// next notes failure cause and says whether to reconnect, after what wait:
// while the run has an id, within the reconnections allowed without
// progress, and never a wait the server or the context's deadline would
// cut short (as for calls: the last failure now instead).
func (r *resumer) next(ctx context.Context, cause error) (time.Duration, bool) {
	r.note(cause)
	r.cause = cause
	if r.runID == "" || r.attempts >= r.max {
		return 0, false
	}
	wait, ok := r.wait(cause)
	return wait, ok && fitsDeadline(ctx, wait)
}

// decide is the executor's question after a failed reconnection: transient
// failures are retried as next says; others end the stream.
func (r *resumer) decide(ctx context.Context, _ *callState, _ route, a answer, _ int) (time.Duration, bool) {
	err := r.c.transport.giveUp(ctx, a) // the *Error or *TransportError of the attempt
	switch {
	case ctx.Err() != nil:
		r.cause = err
		return 0, false
	case !transient(err):
		r.note(err)
		r.cause = err
		return 0, false
	}
	return r.next(ctx, r.idleHeadersErr(err))
}

// retrying counts reconnection number r.total and announces it before its
// wait: the WithOnReconnect callbacks and the observers (the logger's
// among them).
func (r *resumer) retrying(_ context.Context, st *callState, _ route, _ answer, _ int, wait time.Duration) {
	r.attempts++
	r.total++
	st.reconnect = r.total
	info := ReconnectInfo{RunID: r.runID, LastEventID: r.lastID, Attempt: r.attempts, Wait: wait, Err: r.cause}
	if f := r.cfg.onReconnect; f != nil {
		f(info)
	}
	r.obs.reconnect(info)
}

// giveUp returns the error of a stream whose reconnections stop: the
// context's error when it ended (the caller checks ctx), else a
// *StreamInterruptedError with the last cause.
func (r *resumer) giveUp(ctx context.Context, _ answer) error {
	if ctx.Err() != nil && r.cause != nil {
		return r.cause
	}
	return r.giveUpWith(r.cause)
}

// interrupted returns the context's error that ended a wait.
func (r *resumer) interrupted(_ answer, err error) error { return err }

// wait is the wait before the next reconnection after cause: the
// Retry-After of a refused reconnection, else the server's retry hint
// (capped) plus full jitter over an exponential window. As for calls, ok is
// false when Retry-After asks for more than maxRetryAfter.
func (r *resumer) wait(cause error) (time.Duration, bool) {
	var e *Error
	if errors.As(cause, &e) && e.RetryAfter > 0 {
		return e.RetryAfter, e.RetryAfter <= maxRetryAfter
	}
	return min(r.hint, maxRetryAfter) + r.c.retry.backoff(r.attempts, r.cfg.backoff), true
}

// note records a failure for StreamInterruptedError.Causes.
func (r *resumer) note(err error) {
	if len(r.causes) == maxStreamCauses {
		r.causes = append(r.causes[:0], r.causes[1:]...)
	}
	r.causes = append(r.causes, err)
}

// giveUpWith returns the error of a stream that cannot go on, cause last.
func (r *resumer) giveUpWith(cause error) *StreamInterruptedError {
	key := r.c.transport.key // both ids may come from the server
	e := &StreamInterruptedError{RunID: key.mask(r.runID), LastEventID: key.mask(r.lastID), Err: cause,
		Causes: append([]error(nil), r.causes...), key: key}
	if r.runID != "" {
		e.Attempts = r.attempts
	}
	return e
}

// idleHeadersErr marks the failure of a reconnection that got no response
// headers within the idle timeout as an idle one.
func (r *resumer) idleHeadersErr(err error) error {
	if r.idleHeaders && errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, ErrStreamIdle) {
		return fmt.Errorf("%w: %w", ErrStreamIdle, err)
	}
	return err
}

// dialStream sends a run stream's request through the executor, its
// opening (st from the call, rt the transport: calls' retries) or a
// reconnection (rt the resumer), and checks that the answer is an event
// stream: the one place where a stream dials.
func (c *Client) dialStream(ctx context.Context, st *callState, r route, build requestFunc, rt retrier) (*http.Response, error) {
	a, err := c.transport.exec(ctx, st, &r, build, func(a answer) error { return checkEventStream(a.resp, c.transport.key) }, rt)
	if err != nil {
		return nil, err
	}
	return a.resp, nil
}

// checkEventStream accepts a text/event-stream response; any other 2xx
// answer is read (a little), closed and returned as a *DecodeError
// matching ErrNotEventStream, the API key masked in what it quotes.
func checkEventStream(resp *http.Response, key apiKey) error {
	ct := resp.Header.Get("Content-Type")
	if mt, _, err := mime.ParseMediaType(ct); err == nil && mt == "text/event-stream" {
		return nil
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, decodeErrorBody))
	discard(resp)
	de := newDecodeError(resp, body, key, nil) // masks the key: the run id below comes from its body
	de.Err = fmt.Errorf("%w (HTTP %d, Content-Type %q)", ErrNotEventStream, resp.StatusCode, ct)
	if runID := jsonRawString(jsonField(de.Body, "runId")); runID != "" {
		de.Err = fmt.Errorf("%w: the server started run %q for polling (HTTP %d, JSON) instead of streaming it; use Runs.Stream to read its events",
			ErrNotEventStream, runID, resp.StatusCode)
	}
	return de
}

// jsonField returns the raw value of a top-level field of a JSON object,
// nil if body is not one or lacks it.
func jsonField(body []byte, name string) []byte {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return nil
	}
	return m[name]
}

// streamRunRequest builds the StreamRun request that reads run runID after
// event lastID ("" from its start): Runs.Stream and every reconnection.
func streamRunRequest(runID, lastID string) requestFunc {
	return func(server string) (*http.Request, error) {
		var p *gen.StreamRunParams
		if lastID != "" {
			p = &gen.StreamRunParams{LastEventID: &lastID}
		}
		return gen.NewStreamRunRequest(server, runID, p)
	}
}
