package modus

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"time"
)

// Observer holds callbacks that see the life of each call and run stream,
// as net/http/httptrace.ClientTrace does for a request: tracing, metrics
// and audit logs build on it (the modusotel module does). Any field may be
// nil. Pass one with WithObserver. AttemptEnd sees each attempt once it is
// over; to act on the request itself, use WithMiddleware and AttemptOf.
type Observer struct {
	// CallStart runs once per call (a unary call, or the opening of a run
	// stream) before its first attempt. The context it returns is the
	// parent of every attempt's request context (so spans that middleware
	// starts nest under it) and, for a run stream, of its reconnections and
	// of the Stream* callbacks. Return ctx (or nil) to add nothing.
	CallStart func(ctx context.Context, info CallInfo) context.Context
	// CallEnd runs once when the call returns (for a run stream: when it is
	// open, or failed to open), with the context CallStart returned.
	CallEnd func(ctx context.Context, info CallInfo, res CallResult)
	// Retry runs before the wait that precedes retrying a failed attempt of
	// a call.
	Retry func(ctx context.Context, info RetryInfo)
	// AttemptEnd runs after each attempt of a call, of a run stream's
	// opening and of each of its reconnections: once its answer arrived (for
	// a unary call, with its body read) or it failed. WithLogger is an
	// observer of this hook, Retry and StreamReconnect.
	AttemptEnd func(ctx context.Context, info AttemptEndInfo)
	// StreamEvent runs for each event a run stream delivers, before Next
	// returns it.
	StreamEvent func(ctx context.Context, ev Event)
	// StreamReconnect runs before each reconnection's wait, with what
	// WithOnReconnect sees.
	StreamReconnect func(ctx context.Context, info ReconnectInfo)
	// StreamEnd runs once when a run stream ends: at its terminal event
	// (after StreamEvent of that event), on a failure, or at a Close before
	// the end (on the goroutine of Close, which may be another than the
	// one of a StreamEvent still running).
	StreamEnd func(ctx context.Context, info StreamEndInfo)
}

// CallInfo describes a call, for Observer.CallStart and CallEnd.
type CallInfo struct {
	// Operation is the API operation the call makes.
	Operation Operation
	// Request is the typed request body the caller passed, such as a
	// ChatRequest or a CreateRunRequest. Set for the chat and run
	// operations today; nil for the others.
	Request any
}

// CallResult is how a call ended, for Observer.CallEnd.
type CallResult struct {
	// Err is the call's error, nil on success.
	Err error
	// Meta holds the last answer's status, headers and request id (for an
	// *Error, its status and request id); nil if no answer arrived.
	Meta *ResponseMeta
	// Value is the decoded result (a *T, such as *ChatResponse) on
	// success; nil for calls without content and for run streams.
	Value any
}

// RetryInfo describes the retry of a failed attempt, for Observer.Retry.
type RetryInfo struct {
	// Operation is the API operation the call makes.
	Operation Operation
	// Attempt is the number of the attempt that failed, from 1.
	Attempt int
	// StatusCode is the failed attempt's HTTP status, 0 when no answer
	// arrived.
	StatusCode int
	// Err is the failed attempt's *Error, or its transport error.
	Err error
	// Wait is the wait before the next attempt.
	Wait time.Duration
}

// AttemptEndInfo describes one finished attempt, for Observer.AttemptEnd.
type AttemptEndInfo struct {
	// Operation is the API operation the call makes.
	Operation Operation
	// Attempt counts the tries of the request from 1.
	Attempt int
	// Reconnect is, for a run stream, the reconnection the attempt belongs
	// to (0 for the request that opened it).
	Reconnect int
	// StatusCode and Header are the answer's, 0 and nil when none arrived.
	StatusCode int
	Header     http.Header
	// Body is the body read with the answer: a unary call's 2xx body, or an
	// error body (at most 64 KiB); nil for a stream's events. Read only.
	Body []byte
	// Err is the attempt's failure: its *Error, a transport error, ...; nil
	// for a success.
	Err error
	// Duration is how long the attempt took, its body included.
	Duration time.Duration
}

// StreamEndInfo describes how a run stream ended, for Observer.StreamEnd.
type StreamEndInfo struct {
	RunID       string // the run's id as the stream knew it (see RunStream.RunID)
	LastEventID string // the id of the last event delivered
	Reconnects  int    // reconnections tried in all
	// Err is what RunStream.Err reports: nil after a done or cancelled
	// event or a Close, a *RunError after an error event, ...
	Err error
	// Closed reports that Close was called before a terminal event arrived.
	Closed bool
}

// observed returns the state of a call that has observers, a copy of its
// own (the client's defaults are shared), with the request body kept for
// CallInfo; st itself for a call without observers.
func (c *Client) observed(st *callState, body any) *callState {
	if st == nil {
		st = c.transport.defaults
	}
	if len(st.cfg.observers) == 0 {
		return st
	}
	own := &callState{}
	*own = *st
	own.body = body
	if own.cfg.meta == nil {
		own.cfg.meta = &own.meta // for CallResult.Meta
	}
	return own
}

// startCall runs the CallStart callbacks of a call's first request (not of
// a stream's reconnections) and returns the context its attempts use.
func (st *callState) startCall(ctx context.Context, r *route) context.Context {
	if len(st.cfg.observers) == 0 || st.reconnect > 0 || st.started {
		return ctx
	}
	st.call = CallInfo{Operation: r.operation(nil), Request: st.body}
	st.started = true
	if n := len(st.cfg.observers); n <= len(st.ctxArr) {
		st.ctxs = st.ctxArr[:n]
	} else {
		st.ctxs = make([]context.Context, n)
	}
	for i, o := range st.cfg.observers {
		if o.CallStart != nil {
			if c := o.CallStart(ctx, st.call); c != nil { // nil: adds nothing
				ctx = c
			}
		}
		st.ctxs[i] = ctx
	}
	return ctx
}

// endCall runs the CallEnd callbacks of a call that started with value v
// (a *T, nil when none) and error err.
func (st *callState) endCall(v any, err error) {
	if st == nil || !st.started {
		return
	}
	res := CallResult{Err: err}
	if err == nil {
		res.Value = v
		if st.cfg.meta.StatusCode != 0 {
			res.Meta = st.cfg.meta
		}
	} else if e := (*Error)(nil); errors.As(err, &e) {
		res.Meta = &ResponseMeta{StatusCode: e.StatusCode, RequestID: e.RequestID}
	}
	for i, o := range st.cfg.observers {
		if o.CallEnd != nil {
			o.CallEnd(st.ctxs[i], st.call, res)
		}
	}
}

// attemptEnd runs the AttemptEnd callbacks (the logger's among them) for
// attempt n, whose answer is a.
func (st *callState) attemptEnd(ctx context.Context, r *route, n int, a *answer) {
	hooks := st.cfg.hooks
	if len(hooks) == 0 {
		return
	}
	info := AttemptEndInfo{Operation: r.operation(a.req), Attempt: n, Reconnect: st.reconnect,
		Err: a.err, Duration: a.took, Body: a.body}
	if a.resp != nil {
		info.StatusCode, info.Header = a.resp.StatusCode, a.resp.Header
	}
	for i, o := range hooks {
		if o.AttemptEnd != nil {
			o.AttemptEnd(st.ctxOf(i, ctx), info)
		}
	}
}

// retrying runs the Retry callbacks (the logger's among them) before the
// wait for the retry of failed attempt n, whose answer is a.
func (st *callState) retrying(ctx context.Context, r *route, n int, a *answer, wait time.Duration) {
	hooks := st.cfg.hooks
	if len(hooks) == 0 {
		return
	}
	info := RetryInfo{Operation: r.operation(a.req), Attempt: n, Err: a.err, Wait: wait}
	var e *Error
	if errors.As(a.err, &e) {
		info.StatusCode = e.StatusCode
	}
	for i, o := range hooks {
		if o.Retry != nil {
			o.Retry(st.ctxOf(i, ctx), info)
		}
	}
}

// streamObservers are the observers of a run stream, with the contexts
// their CallStart returned. The stream and its resumer call them outside
// any lock, from the goroutine of Next, or of Close for a Close before the
// end; StreamEnd runs once whoever gets there first.
type streamObservers struct {
	list   []Observer
	ctxs   []context.Context // by observer: the context its CallStart returned
	parent context.Context   // for an observer without one
	told   atomic.Bool       // StreamEnd has run
}

func (o *streamObservers) ctx(i int) context.Context {
	if i < len(o.ctxs) {
		return o.ctxs[i]
	}
	return o.parent
}

// event runs the StreamEvent callbacks for ev.
func (o *streamObservers) event(ev Event) {
	for i, ob := range o.list {
		if ob.StreamEvent != nil {
			ob.StreamEvent(o.ctx(i), ev)
		}
	}
}

// reconnect runs the StreamReconnect callbacks.
func (o *streamObservers) reconnect(info ReconnectInfo) {
	for i, ob := range o.list {
		if ob.StreamReconnect != nil {
			ob.StreamReconnect(o.ctx(i), info)
		}
	}
}

// end runs the StreamEnd callbacks with what info returns, the first time
// only.
func (o *streamObservers) end(info func() StreamEndInfo) {
	if len(o.list) == 0 || !o.told.CompareAndSwap(false, true) {
		return
	}
	in := info()
	for i, ob := range o.list {
		if ob.StreamEnd != nil {
			ob.StreamEnd(o.ctx(i), in)
		}
	}
}

// observation is what a call with observers keeps for them.
type observation struct {
	body    any               // the typed request body, for CallInfo.Request
	started bool              // startCall ran: call and ctxs are set
	call    CallInfo          // set by startCall
	ctxs    []context.Context // by observer: the context its CallStart returned
	ctxArr  [2]context.Context
	meta    ResponseMeta // for CallResult.Meta when the caller asked for none
}

// ctxOf returns the context of observer i, else ctx (for a request made
// outside startCall, such as a stream's reconnection).
func (ob *observation) ctxOf(i int, ctx context.Context) context.Context {
	if i < len(ob.ctxs) {
		return ob.ctxs[i]
	}
	return ctx
}

// callCtx returns the context the call's attempts use: the last observer's
// (nil when the call has none).
func (ob *observation) callCtx() context.Context {
	if len(ob.ctxs) == 0 {
		return nil
	}
	return ob.ctxs[len(ob.ctxs)-1]
}
