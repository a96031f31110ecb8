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
// ctx (the caller checks ctx).
func (r *resumer) resume(ctx context.Context, runID, lastID string, cause error) (*http.Response, error) {
	for {
		r.note(cause)
		if runID == "" || r.attempts >= r.max {
			return nil, r.giveUp(runID, lastID, cause)
		}
		wait, ok := r.wait(cause)
		if !ok || !fitsDeadline(ctx, wait) {
			// As for calls: the last failure now rather than a wait the
			// server or the deadline would cut short.
			return nil, r.giveUp(runID, lastID, cause)
		}
		r.attempts++
		r.total++
		r.announce(ctx, ReconnectInfo{RunID: runID, LastEventID: lastID, Attempt: r.attempts, Wait: wait, Err: cause})
		if err := r.c.retry.sleep(ctx, wait); err != nil {
			return nil, err
		}
		st := &callState{cfg: r.cfg, stream: true, reconnect: r.total}
		resp, err := r.c.dialStream(ctx, st, streamRunRequest(runID, lastID))
		switch {
		case err == nil:
			return resp, nil
		case ctx.Err() != nil:
			return nil, err
		case !transient(err):
			r.note(err)
			return nil, r.giveUp(runID, lastID, err)
		}
		cause = r.idleHeadersErr(err)
	}
}

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

// announce tells of a reconnection before its wait: the log, the
// WithOnReconnect callbacks and the observers, in that order.
func (r *resumer) announce(ctx context.Context, info ReconnectInfo) {
	logReconnect(ctx, r.cfg.logger, info)
	if f := r.cfg.onReconnect; f != nil {
		f(info)
	}
	r.obs.reconnect(info)
}

// note records a failure for StreamInterruptedError.Causes.
func (r *resumer) note(err error) {
	if len(r.causes) == maxStreamCauses {
		r.causes = append(r.causes[:0], r.causes[1:]...)
	}
	r.causes = append(r.causes, err)
}

// giveUp returns the error of a stream that cannot go on, cause last.
func (r *resumer) giveUp(runID, lastID string, cause error) *StreamInterruptedError {
	e := &StreamInterruptedError{RunID: runID, LastEventID: lastID, Err: cause, Causes: append([]error(nil), r.causes...)}
	if runID != "" {
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

// dialStream sends a run stream's request, its opening (st from the call)
// or a reconnection, and checks that the answer is an event stream: the one
// place where a stream dials.
func (c *Client) dialStream(ctx context.Context, st *callState, build requestFunc) (*http.Response, error) {
	resp, err := c.open(ctx, st, c.agentServer, build)
	if err != nil {
		return nil, err
	}
	if err := checkEventStream(resp); err != nil {
		return nil, err
	}
	return resp, nil
}

// checkEventStream accepts a text/event-stream response; any other 2xx
// answer is read (a little), closed and returned as a *DecodeError
// matching ErrNotEventStream.
func checkEventStream(resp *http.Response) error {
	ct := resp.Header.Get("Content-Type")
	if mt, _, err := mime.ParseMediaType(ct); err == nil && mt == "text/event-stream" {
		return nil
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
	discard(resp)
	cause := fmt.Errorf("%w (HTTP %d, Content-Type %q)", ErrNotEventStream, resp.StatusCode, ct)
	if runID := jsonRawString(jsonField(body, "runId")); runID != "" {
		cause = fmt.Errorf("%w: the server started run %q for polling (HTTP %d, JSON) instead of streaming it; use Runs.Stream to read its events",
			ErrNotEventStream, runID, resp.StatusCode)
	}
	return newDecodeError(resp, body, cause)
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
