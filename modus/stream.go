package modus

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"github.com/modus-data/modus-sdk-go/sse"
)

// DefaultStreamReconnects is how many times in a row a run stream tries to
// reconnect after its connection drops, unless WithStreamReconnects says
// otherwise. The count starts again after every event received.
const DefaultStreamReconnects = 5

// DefaultStreamIdleTimeout is how long a run stream waits for the next
// event or comment before it treats the connection as dropped and resumes,
// unless WithStreamIdleTimeout says otherwise. The API sends heartbeat events
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
// asked, unless it asks for more than 60 s, or for more than the context's
// deadline leaves: the stream then gives up at once with that *Error. Each attempt is a single request (the client's
// retries do not multiply them). Every error ending a broken stream
// is a *StreamInterruptedError.
//
// The run id, needed to resume, comes from the first event that names it,
// else from an X-Run-Id response header, else from the request: the API uses
// the Idempotency-Key as the run id (it wins over the body's runId), and
// Create and ExecuteWorkflowAction always send one.
//
// Cancelling the context stops the stream at once, a wait or a read
// included; Err then returns the context's error. A reconnection whose wait
// would not end before the context's deadline is not waited for: the stream
// gives up at once with the last failure. A RunStream is not safe for
// concurrent use, except Close, which may be called from any goroutine, a
// WithOnReconnect callback or an Observer included, to stop a blocked Next;
// it never waits for Next. A log handler, callback, observer or middleware
// that panics inside Next ends the stream, its connection released, before
// the panic goes on. Close releases the connection; the stream does that
// by itself once Next has returned false. A stream that is dropped without
// Close is released when the garbage collector finds it unreachable, which
// may take long: do not rely on it.
type RunStream struct {
	parent context.Context // the caller's (or its observers' CallStart's)
	ctx    context.Context // parent, also cancelled by Close and at the end
	cancel context.CancelFunc
	// state holds stateClosed and stateInNext: the only thing Close and
	// Next share besides ctx, so Close never waits and Next takes no lock.
	state atomic.Uint32

	obs          *streamObservers
	maxEventSize int
	idleTimeout  time.Duration

	// The rest belongs to the goroutine of Next; Close reads a few of them,
	// only while no Next runs (see closedInfo).
	res       resumer     // reconnections
	header    http.Header // of the current connection
	dec       *sse.Decoder
	ev        Event
	err       error // the error Next ended with, once finished
	termErr   error // the error to report once the terminal event is delivered
	runID     string
	runIDFrom runIDSource
	cur       cursor // what was delivered: the resume point and the replay filter
	terminal  bool   // the terminal event was delivered
	finished  bool   // Next returns false from now on
	events    eventDecoder
}

// Bits of RunStream.state.
const (
	stateClosed uint32 = 1 << iota // Close was called
	stateInNext                    // Next is running: it finishes a stream closed meanwhile
)

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
	// The opening connection lives under dctx, which only the stream's end
	// (or a failure here, a panicking log handler or middleware included)
	// cancels.
	dctx, dcancel := context.WithCancel(ctx)
	opened := false
	defer func() {
		if !opened {
			dcancel()
		}
	}()
	resp, err := c.dialStream(dctx, st, r, build, c.transport)
	st.endCall(nil, err)
	if err != nil {
		return nil, err
	}
	opened = true
	ctx = dctx
	if cctx := st.callCtx(); cctx != nil {
		ctx = cctx // the parent of reconnections and Stream* callbacks
	}
	sctx, scancel := context.WithCancel(ctx)
	cancel := func() { scancel(); dcancel() }
	obs := &streamObservers{list: cfg.hooks, ctxs: st.ctxs, parent: ctx}
	s := &RunStream{
		parent: ctx, ctx: sctx, cancel: cancel,
		res:          newResumer(c, cfg, obs),
		obs:          obs,
		maxEventSize: cfg.stream.maxEventSize,
		idleTimeout:  cfg.stream.idleTimeout(),
		runID:        runID,
		cur:          newCursor(lastID),
	}
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
	if id := strings.TrimSpace(resp.Header.Get(runHeaderID)); usableRunID(id) && s.runIDFrom < runIDFromHeader {
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
	// Cancelling s.ctx closes the body: that is how Close stops a read.
	s.dec = sse.NewStreamDecoder(s.ctx, body, opts...)
}

// Next advances to the next event, which Event then returns. It returns
// false at the end of the stream: after the terminal event, on an error
// (see Err), after Close, or when the context ends. It blocks while waiting
// for events and while reconnecting.
func (s *RunStream) Next() bool {
	if s.state.Or(stateInNext)&stateClosed != 0 {
		s.ev = nil
		s.leave()
		return false
	}
	left := false
	defer func() {
		if !left {
			// A log handler, a callback, an observer or a middleware
			// panicked: release the connection before the panic goes on.
			s.ev = nil
			if !s.finished {
				s.finish(errStreamPanicked)
			}
			s.leave()
		}
	}()
	ev := s.next()
	s.ev = ev // written once per call: a pointer write costs a barrier while the GC marks
	if ev != nil && len(s.obs.list) > 0 {
		s.obs.event(ev)
	}
	left = true
	s.leave()
	return ev != nil
}

// errStreamPanicked ends a stream whose Next was left by a panic.
var errStreamPanicked = errors.New("modus: run stream stopped by a panic in a log handler, callback, observer or middleware")

// leave ends a call of Next: it finishes the stream if Close came meanwhile
// (Close left that to Next), and tells the observers of the end, once.
func (s *RunStream) leave() {
	if s.state.And(^stateInNext)&stateClosed != 0 && !s.finished {
		// After the terminal event the stream has ended already: keep its
		// error (the *RunError of an error event), as Next would.
		s.finish(s.termErr)
	}
	if s.finished || s.terminal {
		s.obs.end(s.endInfo)
	}
}

// endInfo describes the end of the stream, for Observer.StreamEnd.
func (s *RunStream) endInfo() StreamEndInfo {
	err := s.termErr
	if s.finished {
		err = s.err
	}
	return StreamEndInfo{RunID: s.runID, LastEventID: s.cur.last, Reconnects: s.res.total, Err: err,
		Closed: s.state.Load()&stateClosed != 0 && !s.terminal}
}

// next returns the next event that is not a replay, nil at the end.
func (s *RunStream) next() Event {
	if s.finished {
		return nil
	}
	if s.terminal {
		s.finish(s.termErr)
		return nil
	}
	for {
		id, data, err := s.dec.NextData()
		if err != nil {
			if !s.recover(err) {
				return nil
			}
			continue
		}
		if !s.cur.accept(id) {
			continue // a replay of an event delivered
		}
		ev, err := s.events.decode(id, data)
		if err != nil {
			s.finish(err)
			return nil
		}
		s.res.progress()
		if _, ok := ev.(*TokenEvent); !ok {
			s.observe(ev) // token events (most of a stream) neither name the run nor end it
		}
		return ev
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
		// The event keeps what the server sent; the error, which ends up in
		// logs, never shows the API key even when the server echoed it.
		s.end(newRunError(e, s.runID, s.res.c.transport.key))
	case *UnknownEvent:
		s.learnRunID(e.runID)
	}
}

func (s *RunStream) learnRunID(id string) {
	if usableRunID(id) && s.runIDFrom < runIDFromEvent {
		s.runID, s.runIDFrom = id, runIDFromEvent
	}
}

// usableRunID reports whether a run id the server sent can name the run in
// a resume's path, by the check made of caller ids: "", "." or ".." would
// send the resume, with the key and Last-Event-ID, to another resource. An
// unusable id is not learned; the stream keeps the one it had, and with
// none it cannot resume (StreamInterruptedError says so).
func usableRunID(id string) bool { return checkID("StreamRun", "runID", id) == nil }

// end records the terminal event: the connection is released now, and the
// next call to Next returns false with err.
func (s *RunStream) end(err error) {
	s.terminal, s.termErr = true, err
	s.release()
}

// finish ends the stream with err (nil for a clean end).
func (s *RunStream) finish(err error) {
	s.finished, s.err = true, err
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
	case s.state.Load()&stateClosed != 0:
		s.finish(nil)
		return false
	case s.parent.Err() != nil:
		s.finish(s.parent.Err())
		return false
	case errors.Is(err, sse.ErrEventTooLarge):
		s.finish(fmt.Errorf("modus: run stream, after event %q: %w", s.res.c.transport.key.mask(s.cur.last), err))
		return false
	}
	if err == io.EOF {
		if s.cur.delivered == 0 && s.cur.last != "" {
			// Resumed after the last id, the server closed at once with
			// nothing new, as it does when the run ended at or before it.
			key := s.res.c.transport.key // the ids came from the server
			s.finish(fmt.Errorf("%w: run %s has no event after %q", ErrRunEnded, key.mask(s.runID), key.mask(s.cur.last)))
			return false
		}
		err = io.ErrUnexpectedEOF // the stream ended without a terminal event
	}
	s.res.retryHint(s.dec.Retry())
	s.dec.Close()
	s.dec = nil
	resp, err := s.res.resume(s.ctx, s.runID, s.cur.last, err)
	if err != nil {
		if s.ctx.Err() != nil {
			err = s.stopErr()
		}
		s.finish(err)
		return false
	}
	s.attach(resp)
	s.cur.resume()
	return true
}

// stopErr is the error of a stream stopped by its context: nil after Close,
// else the caller's context error.
func (s *RunStream) stopErr() error {
	if s.state.Load()&stateClosed != 0 {
		return nil
	}
	if err := s.parent.Err(); err != nil {
		return err
	}
	return s.ctx.Err()
}

// Header returns the response headers of the stream's current connection
// (the one that opened it, or the latest reconnection).
func (s *RunStream) Header() http.Header { return s.header }

// Reconnects returns how many reconnections the stream has tried so far, in
// all (see WithOnReconnect to hear of each as it happens).
func (s *RunStream) Reconnects() int { return s.res.total }

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
	if s.finished {
		return s.err
	}
	if s.state.Load()&stateClosed != 0 {
		return s.termErr // Next finishes the stream with it
	}
	return nil
}

// LastEventID returns the id of the last event delivered that carried one
// (or the id given to Stream before any): pass it to RunsService.Stream to
// resume later.
func (s *RunStream) LastEventID() string { return s.cur.last }

// RunID returns the run's id as far as the stream knows it: from the first
// event that named it, an X-Run-Id response header, or the request (for
// Create and ExecuteWorkflowAction, the Idempotency-Key).
func (s *RunStream) RunID() string { return s.runID }

// Close stops the stream and releases its connection. It may be called
// more than once, and from any goroutine, a callback included, to stop a
// blocked Next, which then returns false; it never waits for Next. Err
// keeps any error that ended the stream before, including the *RunError of
// an error event delivered before Close.
func (s *RunStream) Close() error {
	old := s.state.Or(stateClosed)
	if old&stateClosed != 0 {
		return nil
	}
	// Cancelling closes the body (the decoder watches s.ctx) and stops a
	// pending read, wait or request. A Next that is running finishes the
	// stream when it leaves; otherwise the next Next does, and the end is
	// told here.
	s.cancel()
	if old&stateInNext == 0 {
		s.obs.end(s.closedInfo)
	}
	return nil
}

// closedInfo describes a stream closed while live, for Observer.StreamEnd:
// fields that only Next writes, read while no Next runs.
func (s *RunStream) closedInfo() StreamEndInfo {
	return StreamEndInfo{RunID: s.runID, LastEventID: s.cur.last, Reconnects: s.res.total, Closed: true}
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
	res.Text, res.RunID, res.LastEventID = text.String(), s.runID, s.cur.last
	if err := s.Err(); err != nil {
		return res, err
	}
	if res.Cancelled != nil {
		return res, fmt.Errorf("%w (event %q)", ErrRunCancelled, res.Cancelled.ID())
	}
	return res, nil
}
