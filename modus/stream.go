package modus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"mime"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/modus-data/modus-sdk-go/gen"
	"github.com/modus-data/modus-sdk-go/sse"
)

// DefaultStreamReconnects is how many times in a row a run stream tries to
// reconnect after its connection drops, unless WithStreamReconnects says
// otherwise. The count starts again after every event received.
const DefaultStreamReconnects = 5

// DefaultStreamIdleTimeout is how long a run stream waits for a byte before
// it treats the connection as dropped and resumes, unless
// WithStreamIdleTimeout says otherwise. The API sends heartbeat events
// while a run is quiet; their interval is not documented, so this leaves
// room for several of them at the usual 15-30 s.
const DefaultStreamIdleTimeout = 90 * time.Second

// streamConfig holds the run-stream options; zero values mean the defaults.
type streamConfig struct {
	reconnects    int
	reconnectsSet bool
	maxEventSize  int
	idle          time.Duration
	idleSet       bool
}

func (c streamConfig) idleTimeout() time.Duration {
	if c.idleSet {
		return c.idle
	}
	return DefaultStreamIdleTimeout
}

func (c streamConfig) maxReconnects() int {
	if c.reconnectsSet {
		return c.reconnects
	}
	return DefaultStreamReconnects
}

// WithStreamReconnects sets how many times in a row a run stream reconnects
// after its connection drops before it gives up with a
// *StreamInterruptedError (0 turns resuming off). The count starts again
// after each event received, so a long run survives any number of drops as
// long as each reconnection makes progress. Default:
// DefaultStreamReconnects. Client or call.
func WithStreamReconnects(n int) Option {
	if n < 0 {
		return optionError("WithStreamReconnects", fmt.Errorf("modus: WithStreamReconnects: negative value %d", n))
	}
	return Option{name: "WithStreamReconnects", scope: scopeClient | scopeCall, apply: func(s *settings) error {
		s.call.stream.reconnects, s.call.stream.reconnectsSet = n, true
		return nil
	}}
}

// WithStreamIdleTimeout sets how long a run stream may receive no byte at
// all (no event, no heartbeat) before it treats the connection as dropped
// and resumes with Last-Event-ID, within the reconnect budget (0 turns the
// check off). A proxy that stalls silently otherwise hangs the stream until
// its context ends. Default: DefaultStreamIdleTimeout. Client or call.
func WithStreamIdleTimeout(d time.Duration) Option {
	if d < 0 {
		return optionError("WithStreamIdleTimeout", fmt.Errorf("modus: WithStreamIdleTimeout: negative duration %s", d))
	}
	return Option{name: "WithStreamIdleTimeout", scope: scopeClient | scopeCall, apply: func(s *settings) error {
		s.call.stream.idle, s.call.stream.idleSet = d, true
		return nil
	}}
}

// ErrStreamIdle matches, through errors.Is, the cause of a reconnection (or
// of the *StreamInterruptedError that ends the stream) after a connection
// sent nothing for longer than the idle timeout.
var ErrStreamIdle = errors.New("modus: run stream idle")

// WithMaxEventSize sets the largest run stream event accepted, in bytes
// (default sse.DefaultMaxEventSize, 16 MiB). A larger event stops the
// stream with an error matching ErrEventTooLarge. Client or call.
func WithMaxEventSize(n int) Option {
	if n <= 0 {
		return optionError("WithMaxEventSize", fmt.Errorf("modus: WithMaxEventSize: want a positive size, got %d", n))
	}
	return Option{name: "WithMaxEventSize", scope: scopeClient | scopeCall, apply: func(s *settings) error {
		s.call.stream.maxEventSize = n
		return nil
	}}
}

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
	RunID string
	// LastEventID is the id of the last event delivered.
	LastEventID string
	// Attempts is the number of reconnections tried since the last event.
	Attempts int
	// Err is the last failure: the read error of the dropped connection
	// (io.ErrUnexpectedEOF for a clean end without a terminal event) or
	// the error of the last reconnection.
	Err error
}

// Error explains why the stream could not go on.
func (e *StreamInterruptedError) Error() string {
	cause := "<nil>"
	if e.Err != nil {
		cause = e.Err.Error()
	}
	if e.RunID == "" {
		return printable("modus: run stream interrupted before its run id was known, cannot resume: " + cause)
	}
	after := "before any event"
	if e.LastEventID != "" {
		after = "after event " + strconv.Quote(e.LastEventID)
	}
	return printable("modus: run stream " + e.RunID + " interrupted " + after + ", gave up after " +
		strconv.Itoa(e.Attempts) + " reconnect attempts: " + cause)
}

// Unwrap returns the last failure.
func (e *StreamInterruptedError) Unwrap() error { return e.Err }

// Is reports whether target is ErrStreamInterrupted.
func (e *StreamInterruptedError) Is(target error) bool { return target == ErrStreamInterrupted }

// RunStream is the event stream of one run, from RunsService.Create,
// ExecuteWorkflowAction or Stream. Read it like a bufio.Scanner:
//
//	stream, err := client.Runs.Create(ctx, req)
//	if err != nil { ... }
//	defer stream.Close()
//	for stream.Next() {
//		if tok, ok := stream.Event().(*modus.TokenEvent); ok {
//			fmt.Print(tok.Content)
//		}
//	}
//	if err := stream.Err(); err != nil { ... }
//
// or with All, or Collect for the final text. The stream ends after the
// run's terminal event (done, error or cancelled), which it delivers first:
// the next call to Next returns false. Err then returns nil after a done or
// a cancelled event (Collect turns the latter into ErrRunCancelled) and a
// *RunError, matching ErrRunFailed, after an error event.
//
// When the connection drops before the terminal event (a read error, a cut
// event, or an end without terminal event), the stream reconnects by itself
// with GET /agent/runs/{runId}/stream and Last-Event-ID set to the last event
// delivered, never by sending the POST again. It waits before each attempt
// for the server's retry hint (the SSE retry field, capped at 60 s) plus a
// jittered exponential backoff (up to 0.5 s, 1 s, 2 s, ... 8 s, or as set
// by WithRetryBackoff), gives up
// after WithStreamReconnects attempts in a row without a new event (default
// DefaultStreamReconnects) and skips events the server replays, so that each
// event is delivered once, in order. Reconnections follow the rules of call
// retries: the same transient statuses (408, 429, 500, 502, 503, 504) and
// the same backoff; any other refusal (a 404 for an unknown run, a 501) ends
// the stream at once, and a 429 or 503 with Retry-After is waited for as
// asked (up to 60 s). Each attempt is a single request (the client's
// retries do not multiply them). Every error ending a broken stream
// is a *StreamInterruptedError.
//
// The run id, needed to resume, comes from the first event that names it,
// else from an X-Run-Id response header, else from the request: the API uses
// the Idempotency-Key as the run id (it wins over the body's runId), and
// Create and ExecuteWorkflowAction always send one.
//
// Cancelling the context stops the stream at once, a wait or a read
// included; Err then returns the context's error. A RunStream is not safe for
// concurrent use, except Close, which may be called from another goroutine to
// stop a blocked Next. Close releases the connection; the stream does that
// by itself once Next has returned false. A stream that is dropped without
// Close is released when the garbage collector finds it unreachable, which
// may take long: do not rely on it.
type RunStream struct {
	mu     sync.Mutex
	c      *Client
	parent context.Context // the caller's
	ctx    context.Context // parent, also cancelled by Close
	cancel context.CancelFunc
	closed atomic.Bool

	resume        callConfig  // the configuration of reconnections
	header        http.Header // of the current connection
	reconnects    int         // reconnections tried in all
	maxReconnects int
	maxEventSize  int
	idleTimeout   time.Duration

	dec     *sse.Decoder
	ev      Event
	err     error
	termErr error // the error to report once the terminal event is delivered

	runID     string
	runIDFrom runIDSource
	lastID    string // id of the last event delivered (or the caller's Last-Event-ID)
	delivered int
	skip      int    // events to skip on a connection resumed without Last-Event-ID
	filter    bool   // the next event may be a replay of one delivered (see replayed)
	seekLast  bool   // opaque ids replayed from the start: skip through lastID
	firstID   string // id of the first event delivered with one
	attempts  int    // reconnections since the last delivered event
	retryHint time.Duration

	terminal          bool // the terminal event was delivered
	finished          bool // Next returns false from now on
	scratch           []byte
	streamObservation // for WithObserver (observer.go)
}

type runIDSource uint8

const (
	runIDFromRequest runIDSource = iota
	runIDFromHeader
	runIDFromEvent
)

// runHeaderID is the response header a server may name the run in.
const runHeaderID = "X-Run-Id"

// startStream sends the first request of a stream, with the call's
// configuration cfg, and wraps its response.
func (c *Client) startStream(ctx context.Context, cfg callConfig, r route, build requestFunc, runID, lastID string) (*RunStream, error) {
	st := c.observed(&callState{cfg: cfg, stream: true}, r.body)
	resp, err := c.openStream(ctx, st, r, build)
	if err == nil {
		err = checkEventStream(resp)
	}
	st.endCall(nil, err)
	if err != nil {
		return nil, err
	}
	if cctx := st.callCtx(); cctx != nil {
		ctx = cctx // the parent of reconnections and Stream* callbacks
	}
	// Reconnections are GETs of the same call: they keep its settings but
	// not its idempotency key, and make one request each (this stream
	// retries them itself), and the call's ResponseMeta stays the first
	// answer's.
	resume := cfg
	resume.idempotencyKey, resume.maxRetries, resume.meta = "", 0, nil
	sctx, cancel := context.WithCancel(ctx)
	s := &RunStream{
		c: c, parent: ctx, ctx: sctx, cancel: cancel,
		resume:        resume,
		maxReconnects: cfg.stream.maxReconnects(),
		maxEventSize:  cfg.stream.maxEventSize,
		idleTimeout:   cfg.stream.idleTimeout(),
		runID:         runID,
		lastID:        lastID,
		filter:        lastID != "",
	}
	s.obsCtxs = st.ctxs
	s.attach(resp)
	// A stream its caller forgets (not read to the end, not closed, its
	// context never cancelled) would hold its connection for ever: once
	// the stream is unreachable, cancelling its context closes the body.
	// Nothing the connection keeps alive (decoder, idle timer, transport)
	// refers to s. Close is still the way to release it on time.
	runtime.AddCleanup(s, func(cancel context.CancelFunc) { cancel() }, cancel)
	return s, nil
}

// attach starts decoding resp, a checked event stream.
func (s *RunStream) attach(resp *http.Response) {
	s.header = resp.Header
	if id := strings.TrimSpace(resp.Header.Get(runHeaderID)); id != "" && s.runIDFrom < runIDFromHeader {
		s.runID, s.runIDFrom = id, runIDFromHeader
	}
	var opts []sse.Option
	if s.maxEventSize > 0 {
		opts = append(opts, sse.WithMaxEventSize(s.maxEventSize))
	}
	body := resp.Body
	if s.idleTimeout > 0 {
		body = newIdleBody(body, s.idleTimeout)
	}
	s.dec = sse.NewStreamDecoder(s.ctx, body, opts...)
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

// Next advances to the next event, which Event then returns. It returns
// false at the end of the stream: after the terminal event, on an error
// (see Err), after Close, or when the context ends. It blocks while waiting
// for events and while reconnecting.
func (s *RunStream) Next() bool {
	s.mu.Lock()
	ok := s.next()
	ev := s.ev
	end, ended := s.takeEnd()
	s.mu.Unlock()
	if ok && len(s.resume.observers) > 0 {
		s.notifyEvent(ev) // outside the lock: Close must not wait for callbacks
	}
	s.flushEnd(end, ended)
	return ok
}

// next is Next under the stream's lock.
func (s *RunStream) next() bool {
	s.ev = nil
	if s.finished {
		return false
	}
	if s.terminal {
		s.finish(s.termErr)
		return false
	}
	for {
		raw, err := s.dec.Next()
		if err != nil {
			if !s.recover(err) {
				return false
			}
			continue
		}
		if s.skip > 0 {
			s.skip--
			continue
		}
		if s.replayed(raw.ID) {
			continue
		}
		ev, err := decodeEvent(raw.ID, raw.Data, &s.scratch)
		if err != nil {
			s.finish(err)
			return false
		}
		s.ev, s.attempts = ev, 0
		if s.firstID == "" {
			s.firstID = raw.ID
		}
		if raw.ID != "" {
			// An event without id (none yet on a resumed connection) keeps
			// the cursor, as an EventSource keeps its last event id across
			// reconnections: resetting it would resume from the start.
			s.lastID = raw.ID
		}
		s.delivered++
		s.observe(ev)
		return true
	}
}

// observe learns the run id from an event and ends the stream after a
// terminal one.
func (s *RunStream) observe(ev Event) {
	switch e := ev.(type) {
	case *DoneEvent:
		s.learnRunID(e.RunID)
		s.end(nil)
	case *CancelledEvent:
		if len(e.RunIDs) == 1 {
			s.learnRunID(e.RunIDs[0])
		}
		s.end(nil)
	case *ErrorEvent:
		s.end(newRunError(e, s.runID))
	case *UnknownEvent:
		s.learnRunID(e.runID)
	}
}

func (s *RunStream) learnRunID(id string) {
	if id != "" && s.runIDFrom < runIDFromEvent {
		s.runID, s.runIDFrom = id, runIDFromEvent
	}
}

// end records the terminal event: the connection is released now, and the
// next call to Next returns false with err.
func (s *RunStream) end(err error) {
	s.terminal, s.termErr = true, err
	s.markEnd(err)
	s.release()
}

// finish ends the stream with err (nil for a clean end).
func (s *RunStream) finish(err error) {
	s.finished, s.err = true, err
	s.markEnd(err)
	s.release()
}

func (s *RunStream) release() {
	if s.dec != nil {
		s.dec.Close()
		s.dec = nil
	}
	s.cancel()
}

// recover handles a decoder error: the end of the stream, or a reconnection
// (true: read on).
func (s *RunStream) recover(err error) bool {
	switch {
	case s.closed.Load():
		s.finish(nil)
		return false
	case s.parent.Err() != nil:
		s.finish(s.parent.Err())
		return false
	case errors.Is(err, sse.ErrEventTooLarge):
		s.finish(fmt.Errorf("modus: run stream, after event %q: %w", s.lastID, err))
		return false
	}
	if err == io.EOF {
		if s.delivered == 0 && s.lastID != "" {
			// Resumed after lastID, the server closed at once with nothing
			// new, as it does when the run ended at or before that event.
			s.finish(fmt.Errorf("%w: run %s has no event after %q", ErrRunEnded, s.runID, s.lastID))
			return false
		}
		err = io.ErrUnexpectedEOF // the stream ended without a terminal event
	}
	return s.reconnect(err)
}

// reconnect resumes the run after a dropped connection; false when it gave
// up (the stream is then finished).
func (s *RunStream) reconnect(cause error) bool {
	if h := s.dec.Retry(); h > 0 {
		s.retryHint = h
	}
	s.dec.Close()
	s.dec = nil
	if s.runID == "" {
		s.finish(&StreamInterruptedError{LastEventID: s.lastID, Err: cause})
		return false
	}
	for {
		if s.attempts >= s.maxReconnects {
			s.finish(&StreamInterruptedError{RunID: s.runID, LastEventID: s.lastID, Attempts: s.attempts, Err: cause})
			return false
		}
		s.attempts++
		s.reconnects++
		resp, err := s.redial(cause)
		switch {
		case err == nil:
			s.resumed(resp)
			return true
		case s.ctx.Err() != nil:
			s.finish(s.stopErr())
			return false
		case !transient(err):
			s.finish(&StreamInterruptedError{RunID: s.runID, LastEventID: s.lastID, Attempts: s.attempts, Err: err})
			return false
		}
		cause = err
	}
}

// redial announces reconnection number s.attempts (log, WithOnReconnect),
// waits for its turn and sends it.
func (s *RunStream) redial(cause error) (*http.Response, error) {
	wait := s.reconnectWait()
	var e *Error
	if errors.As(cause, &e) && e.RetryAfter > 0 {
		wait = min(e.RetryAfter, maxRetryAfter)
	}
	info := ReconnectInfo{RunID: s.runID, LastEventID: s.lastID, Attempt: s.attempts, Wait: wait, Err: cause}
	if f := s.resume.onReconnect; f != nil {
		f(info)
	}
	s.notifyReconnect(info)
	if err := s.c.retry.sleep(s.ctx, wait); err != nil {
		return nil, err
	}
	resp, err := s.c.openStream(s.ctx, &callState{cfg: s.resume, stream: true, reconnect: s.reconnects}, route{op: opStreamRun}, streamRunRequest(s.runID, s.lastID))
	if err == nil {
		err = checkEventStream(resp)
	}
	return resp, err
}

// resumed starts reading a new connection of the stream.
func (s *RunStream) resumed(resp *http.Response) {
	s.attach(resp)
	s.seekLast = false
	if s.lastID != "" {
		s.filter = true
	} else {
		// Without Last-Event-ID the server replays the run from its
		// start: skip what was delivered.
		s.skip = s.delivered
	}
}

// stopErr is the error of a stream stopped by its context: nil after Close,
// else the caller's context error.
func (s *RunStream) stopErr() error {
	if s.closed.Load() {
		return nil
	}
	if err := s.parent.Err(); err != nil {
		return err
	}
	return s.ctx.Err()
}

// reconnectWait is the wait before reconnection number s.attempts: the
// server's retry hint (capped) plus full jitter over an exponential window.
func (s *RunStream) reconnectWait() time.Duration {
	return min(s.retryHint, maxRetryAfter) + s.c.retry.backoff(s.attempts-1, s.resume.backoff)
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

// replayed reports whether an event of a resumed connection is one
// delivered already, to be skipped. Ids of the "<ms>-<seq>" form are
// compared as numbers: everything up to lastID is a replay. Opaque ids have
// no order, so the first event of the connection decides: lastID itself
// means the server replays from it (skip it), the first id this stream
// delivered means it replays the run from its start (skip through lastID),
// anything else is new. This keeps memory flat (no set of delivered ids);
// what it cannot recognise is a replay that starts at some other delivered
// event, or a server that ignores the Last-Event-ID given to Stream on the
// first connection.
func (s *RunStream) replayed(id string) bool {
	if s.seekLast {
		s.seekLast = id != s.lastID
		return true
	}
	if !s.filter {
		return false
	}
	if numericID(id) && numericID(s.lastID) {
		if !idAfter(id, s.lastID) {
			return true
		}
		s.filter = false
		return false
	}
	s.filter = false
	switch {
	case id == s.lastID:
		return true
	case id != "" && id == s.firstID:
		s.seekLast = true
		return true
	}
	return false
}

func numericID(id string) bool {
	_, _, ok := splitEventID(id)
	return ok
}

// idleBody closes a stream's body when no byte has come for longer than
// limit, which ends a read blocked on a stalled connection; the read then
// fails with an error matching ErrStreamIdle and the stream resumes. It
// holds no reference to the RunStream (its timer must not keep one alive).
type idleBody struct {
	io.ReadCloser
	limit time.Duration
	start time.Time    // monotonic base of last
	last  atomic.Int64 // time since start of the last read that returned bytes
	idle  atomic.Bool
	timer *time.Timer
}

func newIdleBody(rc io.ReadCloser, limit time.Duration) *idleBody {
	b := &idleBody{ReadCloser: rc, limit: limit, start: time.Now()}
	b.timer = time.AfterFunc(limit, b.check)
	return b
}

func (b *idleBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if n > 0 {
		b.last.Store(int64(time.Since(b.start)))
	}
	if err != nil && b.idle.Load() {
		err = fmt.Errorf("%w: no byte for %s", ErrStreamIdle, b.limit)
	}
	return n, err
}

// check runs on the timer: it closes the body after limit without bytes,
// else waits for the rest of the limit.
func (b *idleBody) check() {
	quiet := time.Since(b.start) - time.Duration(b.last.Load())
	if quiet < b.limit {
		b.timer.Reset(b.limit - quiet)
		return
	}
	b.idle.Store(true)
	_ = b.ReadCloser.Close()
}

func (b *idleBody) Close() error {
	b.timer.Stop()
	return b.ReadCloser.Close()
}

// idAfter reports whether event id comes after last. Ids of the form
// "<ms>-<seq>" (or plain numbers) are compared as numbers; other ids can only
// be told apart from last itself.
func idAfter(id, last string) bool {
	if last == "" {
		return true
	}
	if id == last {
		return false
	}
	am, as, aok := splitEventID(id)
	bm, bs, bok := splitEventID(last)
	if aok && bok {
		return am > bm || am == bm && as > bs
	}
	return true
}

func splitEventID(id string) (ms, seq uint64, ok bool) {
	a, b, cut := strings.Cut(id, "-")
	ms, err := strconv.ParseUint(a, 10, 64)
	if err != nil {
		return 0, 0, false
	}
	if cut {
		if seq, err = strconv.ParseUint(b, 10, 64); err != nil {
			return 0, 0, false
		}
	}
	return ms, seq, true
}

// Header returns the response headers of the stream's current connection
// (the one that opened it, or the latest reconnection).
func (s *RunStream) Header() http.Header { return s.header }

// Reconnects returns how many reconnections the stream has tried so far, in
// all (see WithOnReconnect to hear of each as it happens).
func (s *RunStream) Reconnects() int { return s.reconnects }

// Event returns the event Next moved to, nil after Next returned false.
func (s *RunStream) Event() Event { return s.ev }

// Err returns the error that ended the stream, once Next has returned false
// (or Close was called): nil while it runs, even while the terminal event is
// the current one, and nil after a done or a cancelled event (a cancelled
// run is not an error of the stream; Collect reports it as ErrRunCancelled)
// or a Close before the end. After an error event it is a *RunError (also
// when Close follows the event); after a drop that could not be resumed a
// *StreamInterruptedError; for a stream opened after the run's last event an
// error matching ErrRunEnded; after the context ended the context's error.
func (s *RunStream) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// LastEventID returns the id of the last event delivered that carried one
// (or the id given to Stream before any): pass it to RunsService.Stream to
// resume later.
func (s *RunStream) LastEventID() string { return s.lastID }

// RunID returns the run's id as far as the stream knows it: from the first
// event that named it, an X-Run-Id response header, or the request (for
// Create and ExecuteWorkflowAction, the Idempotency-Key).
func (s *RunStream) RunID() string { return s.runID }

// Close stops the stream and releases its connection. It may be called
// more than once, and from another goroutine to stop a blocked Next, which
// then returns false; Err keeps any error that ended the stream before,
// including the *RunError of an error event delivered before Close.
func (s *RunStream) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	s.cancel() // unblocks a pending read or wait
	s.mu.Lock()
	if !s.finished {
		// After the terminal event the stream has ended already: keep
		// its error (the *RunError of an error event), as Next would.
		s.finish(s.termErr)
	}
	end, ended := s.takeEnd()
	s.mu.Unlock()
	s.flushEnd(end, ended)
	return nil
}

// All returns an iterator over the events. After the last event it yields
// the stream's error, if any, as (nil, err). It closes the stream when the
// loop ends, also on break.
//
//	for ev, err := range stream.All() {
//		if err != nil { return err }
//		...
//	}
func (s *RunStream) All() iter.Seq2[Event, error] {
	return func(yield func(Event, error) bool) {
		defer s.Close()
		for s.Next() {
			if !yield(s.ev, nil) {
				return
			}
		}
		if err := s.Err(); err != nil {
			yield(nil, err)
		}
	}
}

// ErrRunCancelled matches the error Collect returns for a run that ended
// with a cancelled event.
var ErrRunCancelled = errors.New("modus: run cancelled")

// RunResult is what Collect gathers from a run stream.
type RunResult struct {
	// Text is the content of all token events, concatenated.
	Text string
	// RunID is the run's id as the stream knew it at its end (see
	// RunStream.RunID).
	RunID string
	// ThreadID is the conversation thread of the run, "" if none.
	ThreadID string
	// Done is the done event; nil if the run did not finish successfully.
	Done *DoneEvent
	// Cancelled is the cancelled event, if the run was cancelled.
	Cancelled *CancelledEvent
	// Notices are the notice events, in order.
	Notices []*NoticeEvent
	// Tools are the tool_start and tool_end events, in order.
	Tools []*ToolEvent
	// LastEventID is the id of the last event delivered that carried one
	// (see RunStream.LastEventID): the one to resume after.
	LastEventID string
}

// Collect reads the stream to its end and closes it. It returns the text
// and the done event; for a run that failed or was cancelled, or a stream
// that broke, it returns what was gathered so far together with the error
// (a *RunError, an error matching ErrRunCancelled, ...).
func (s *RunStream) Collect() (*RunResult, error) {
	defer s.Close()
	res := &RunResult{}
	var text strings.Builder
	for s.Next() {
		switch e := s.ev.(type) {
		case *TokenEvent:
			text.WriteString(e.Content)
		case *DoneEvent:
			res.Done = e
			if e.ThreadID != nil {
				res.ThreadID = *e.ThreadID
			}
		case *CancelledEvent:
			res.Cancelled = e
		case *NoticeEvent:
			res.Notices = append(res.Notices, e)
		case *ToolEvent:
			res.Tools = append(res.Tools, e)
		}
	}
	res.Text, res.RunID, res.LastEventID = text.String(), s.runID, s.lastID
	if err := s.Err(); err != nil {
		return res, err
	}
	if res.Cancelled != nil {
		return res, fmt.Errorf("%w (event %q)", ErrRunCancelled, res.Cancelled.ID())
	}
	return res, nil
}
