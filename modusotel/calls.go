package modusotel

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	semconv "go.opentelemetry.io/otel/semconv/v1.41.0"
	"go.opentelemetry.io/otel/semconv/v1.41.0/genaiconv"
	"go.opentelemetry.io/otel/trace"

	"github.com/modus-data/modus-sdk-go/modus"
)

// callKind tells the spans of calls apart.
type callKind uint8

const (
	kindPlain callKind = iota // any operation: a span named by its operationId
	kindChat                  // a buffered chat: a GenAI chat span
	kindRun                   // a run stream: a GenAI invoke_agent span
)

// chatOperations are the buffered chats.
var chatOperations = map[string]bool{
	"ChatWithAgent": true, "ContinueAgentChat": true, "ChatWithSkill": true, "ContinueSkillChat": true,
}

// call is what the observer keeps for one call. It is also the context its
// CallStart returns: the context that holds the call's span, with call
// itself as the value of its instrumentation's callKey (one allocation less
// than a context.WithValue).
type call struct {
	context.Context
	in    *instrumentation
	kind  callKind
	start time.Time
	span  trace.Span
	op    string
	model string
	// passThrough: the call's span neither records nor has a span context
	// of its own (a no-op tracer's, or the global one's before a provider
	// is set), so its attempts and tool calls start no span either.
	passThrough bool

	// A run's state: StreamEvent runs on the goroutine of Next, StreamEnd
	// may run on that of Close.
	mu       sync.Mutex
	gotToken atomic.Bool // written under mu; read without it on the hot path
	outcome  string
	tools    map[string]trace.Span // open tool spans by call id
	text     strings.Builder       // the run's output, with WithMessageContent
	ended    bool
	key      string // the API key the call's attempts carry, masked in what the server sent
}

// setKey keeps the API key of the call's first attempt that has one.
func (c *call) setKey(key string) {
	if key == "" {
		return
	}
	c.mu.Lock()
	if c.key == "" {
		c.key = key
	}
	c.mu.Unlock()
}

// mask is masked with the call's key, for callbacks that do not hold mu.
func (c *call) mask(s string) string {
	c.mu.Lock()
	key := c.key
	c.mu.Unlock()
	return masked(key, s)
}

// callKey is the key of an instrumentation's call in a context (a call
// may have two: a client's Instrument and a call's).
type callKey struct{ in *instrumentation }

// Value returns c for its callKey, else what its context holds.
func (c *call) Value(key any) any {
	if key == (callKey{c.in}) {
		return c
	}
	return c.Context.Value(key)
}

// callOf returns the call of a context CallStart returned (the callbacks
// get it as is), or of one derived from it (an attempt's).
func (in *instrumentation) callOf(ctx context.Context) *call {
	if c, ok := ctx.(*call); ok && c.in == in {
		return c
	}
	c, _ := ctx.Value(callKey{in}).(*call)
	return c
}

// observer returns the callbacks that make the call, chat and run spans.
func (in *instrumentation) observer() modus.Observer {
	return modus.Observer{
		CallStart:       in.callStart,
		CallEnd:         in.callEnd,
		Retry:           in.retry,
		StreamEvent:     in.streamEvent,
		StreamReconnect: in.streamReconnect,
		StreamEnd:       in.streamEnd,
	}
}

var (
	providerModus   = semconv.GenAIProviderNameKey.String(ProviderName)
	genaiProvider   = genaiconv.ProviderNameAttr(ProviderName)
	genaiChat       = genaiconv.OperationNameAttr(semconv.GenAIOperationNameChat.Value.AsString())
	genaiInvokeAgnt = genaiconv.OperationNameAttr(semconv.GenAIOperationNameInvokeAgent.Value.AsString())
)

func (in *instrumentation) callStart(ctx context.Context, info modus.CallInfo) context.Context {
	c := &call{in: in, start: time.Now(), op: info.Operation.ID}
	name, kind := info.Operation.ID, internalKind
	switch {
	case info.Operation.Streaming:
		c.kind, kind, name = kindRun, clientKind, semconv.GenAIOperationNameInvokeAgent.Value.AsString()
	case chatOperations[info.Operation.ID]:
		c.kind, kind, name = kindChat, clientKind, semconv.GenAIOperationNameChat.Value.AsString()
		if req, ok := info.Request.(modus.ChatRequest); ok && req.Model != "" {
			c.model = string(req.Model)
			name += " " + c.model
		}
	case name == "":
		name = "modus " + info.Operation.Method
	}
	if in.noSpans {
		c.Context, c.span, c.passThrough = ctx, noSpan, true // a no-op span adds nothing to ctx
	} else {
		c.Context, c.span = in.tracer.Start(ctx, name, kind...)
		c.passThrough = !c.span.IsRecording() && c.span.SpanContext().Equal(trace.SpanContextFromContext(ctx))
	}
	if c.span.IsRecording() {
		c.span.SetAttributes(in.callAttrs(c, info)...)
	}
	return c
}

// The span kind options, made once and passed as slices (each call would
// allocate an option, and a variadic argument list, which escapes through
// the Tracer interface). Read only.
var (
	internalKind = []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindInternal)}
	clientKind   = []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindClient)}
)

// callAttrs returns the attributes a call span starts with.
func (in *instrumentation) callAttrs(c *call, info modus.CallInfo) []attribute.KeyValue {
	attrs := make([]attribute.KeyValue, 0, 6)
	attrs = append(attrs, attribute.String(AttrOperation, info.Operation.ID))
	switch c.kind {
	case kindRun:
		attrs = append(attrs, semconv.GenAIOperationNameInvokeAgent, providerModus, semconv.GenAIRequestStream(true))
		if session := sessionOf(info.Request); session != "" {
			attrs = append(attrs, semconv.GenAIConversationID(session))
		}
	case kindChat:
		attrs = append(attrs, semconv.GenAIOperationNameChat, providerModus)
		if c.model != "" {
			attrs = append(attrs, semconv.GenAIRequestModel(c.model))
		}
	}
	if in.content {
		if msg := messageOf(info.Request); msg != "" {
			attrs = append(attrs, semconv.GenAIInputMessagesKey.String(messagesJSON("user", msg, "")))
		}
	}
	return attrs
}

func (in *instrumentation) callEnd(ctx context.Context, info modus.CallInfo, res modus.CallResult) {
	c := in.callOf(ctx)
	if c == nil {
		return
	}
	if res.Meta != nil && res.Meta.RequestID != "" && c.span.IsRecording() {
		c.span.SetAttributes(attribute.String(AttrRequestID, c.mask(res.Meta.RequestID)))
	}
	if c.kind == kindRun && res.Err == nil {
		return // the run span ends with the stream (streamEnd)
	}
	errType := ""
	if res.Err != nil {
		errType = errorType(res.Err)
		if c.span.IsRecording() { // the error's text is made only for a span that keeps it
			c.span.SetStatus(codes.Error, c.mask(res.Err.Error()))
			c.span.SetAttributes(semconv.ErrorTypeKey.String(errType))
		}
	}
	if c.kind == kindChat {
		if r, ok := res.Value.(*modus.ChatResponse); ok {
			c.span.SetAttributes(semconv.GenAIConversationID(c.mask(r.ThreadID)), semconv.GenAIResponseID(c.mask(r.RunID)))
			if in.content {
				c.span.SetAttributes(semconv.GenAIOutputMessagesKey.String(messagesJSON("assistant", c.mask(r.Content), "stop")))
			}
		}
	}
	if c.kind != kindPlain {
		in.recordOperation(c, errType)
	}
	c.span.End()
}

// recordOperation records gen_ai.client.operation.duration for a chat or a
// run that ended.
func (in *instrumentation) recordOperation(c *call, errType string) {
	ctx := c.Context
	if !in.opDur.Enabled(ctx) {
		return
	}
	op := genaiChat
	if c.kind == kindRun {
		op = genaiInvokeAgnt
	}
	attrs := make([]attribute.KeyValue, 0, 3)
	attrs = append(attrs, attribute.String(AttrOperation, c.op))
	if c.model != "" {
		attrs = append(attrs, in.opDur.AttrRequestModel(c.model))
	}
	if errType != "" {
		attrs = append(attrs, in.opDur.AttrErrorType(genaiconv.ErrorTypeAttr(errType)))
	}
	in.opDur.Record(ctx, time.Since(c.start).Seconds(), op, genaiProvider, attrs...)
}

func (in *instrumentation) retry(ctx context.Context, info modus.RetryInfo) {
	cause := errorType(info.Err) // the status of an *Error, else the class of the failure
	if in.retries.Enabled(ctx) {
		in.retries.Add(ctx, 1, metricAttrs(info.Operation.ID, cause))
	}
	if c := in.callOf(ctx); c != nil && c.span.IsRecording() {
		attrs := []attribute.KeyValue{attribute.Int(AttrAttempt, info.Attempt), semconv.ErrorTypeKey.String(cause)}
		if info.StatusCode != 0 {
			attrs = append(attrs, semconv.HTTPResponseStatusCode(info.StatusCode))
		}
		c.span.AddEvent(EventRetry, trace.WithAttributes(attrs...))
	}
}

func (in *instrumentation) streamEvent(ctx context.Context, ev modus.Event) {
	c := in.callOf(ctx)
	if c == nil {
		return
	}
	if _, ok := ev.(*modus.TokenEvent); ok && !in.content && c.gotToken.Load() {
		return // the common event: nothing to do after the first token
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ended {
		return
	}
	switch e := ev.(type) {
	case *modus.TokenEvent:
		if !c.gotToken.Load() {
			c.gotToken.Store(true)
			d := time.Since(c.start).Seconds()
			c.span.SetAttributes(semconv.GenAIResponseTimeToFirstChunk(d))
			if in.firstChunk.Enabled(c.Context) {
				in.firstChunk.Record(c.Context, d, genaiInvokeAgnt, genaiProvider, attribute.String(AttrOperation, c.op))
			}
		}
		if in.content {
			c.text.WriteString(e.Content)
		}
	case *modus.ToolEvent:
		in.toolEvent(c, e)
	case *modus.DoneEvent:
		c.outcome = "done"
	case *modus.CancelledEvent:
		c.outcome = "cancelled"
	case *modus.ErrorEvent:
		c.outcome = "error"
	}
}

// toolEvent starts a tool span at tool_start and ends it at the matching
// tool_end (a tool_end without start gets a span of its own).
func (in *instrumentation) toolEvent(c *call, e *modus.ToolEvent) {
	key := e.ToolCallID
	if key == "" {
		key = "name:" + e.ToolName
	}
	if e.Start() {
		span := in.startTool(c, e)
		if in.content && len(e.Input) > 0 {
			span.SetAttributes(semconv.GenAIToolCallArgumentsKey.String(masked(c.key, string(e.Input))))
		}
		if c.tools == nil {
			c.tools = map[string]trace.Span{}
		}
		if old := c.tools[key]; old != nil {
			old.End() // a second start for the same call
		}
		c.tools[key] = span
		return
	}
	span := c.tools[key]
	if span == nil {
		span = in.startTool(c, e)
	}
	delete(c.tools, key)
	if in.content && len(e.Output) > 0 {
		span.SetAttributes(semconv.GenAIToolCallResultKey.String(masked(c.key, string(e.Output))))
	}
	span.End()
}

// startTool starts the span of a tool call, a child of the run's (c.mu
// held).
func (in *instrumentation) startTool(c *call, e *modus.ToolEvent) trace.Span {
	if c.passThrough {
		return noSpan
	}
	name := masked(c.key, e.ToolName)
	_, span := in.tracer.Start(c.Context, "execute_tool "+name, internalKind...)
	if span.IsRecording() {
		span.SetAttributes(semconv.GenAIOperationNameExecuteTool, providerModus, semconv.GenAIToolName(name))
		if e.ToolCallID != "" {
			span.SetAttributes(semconv.GenAIToolCallID(masked(c.key, e.ToolCallID)))
		}
	}
	return span
}

func (in *instrumentation) streamReconnect(ctx context.Context, info modus.ReconnectInfo) {
	cause := errorType(info.Err)
	if in.reconnects.Enabled(ctx) {
		op := ""
		if c := in.callOf(ctx); c != nil {
			op = c.op
		}
		in.reconnects.Add(ctx, 1, metricAttrs(op, cause))
	}
	if c := in.callOf(ctx); c != nil && c.span.IsRecording() {
		attrs := []attribute.KeyValue{
			attribute.String(AttrLastEventID, c.mask(info.LastEventID)),
			attribute.Int(AttrAttempt, info.Attempt),
			semconv.ErrorTypeKey.String(cause),
		}
		if info.Err != nil {
			attrs = append(attrs, attribute.String(AttrCause, c.mask(info.Err.Error())))
		}
		c.span.AddEvent(EventReconnect, trace.WithAttributes(attrs...))
	}
}

func (in *instrumentation) streamEnd(ctx context.Context, info modus.StreamEndInfo) {
	c := in.callOf(ctx)
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ended {
		return
	}
	c.ended = true
	for _, span := range c.tools {
		span.End() // tool calls the run never reported as finished
	}
	outcome, errType := c.outcome, ""
	var re *modus.RunError
	switch {
	case info.Closed:
		outcome = "closed"
	case errors.As(info.Err, &re):
		outcome, errType = "error", errorType(re)
		c.span.SetStatus(codes.Error, masked(c.key, re.Message))
	case info.Err != nil:
		outcome, errType = "failed", errorType(info.Err)
		c.span.SetStatus(codes.Error, masked(c.key, info.Err.Error()))
	}
	if c.span.IsRecording() {
		attrs := []attribute.KeyValue{
			attribute.String(AttrRunOutcome, outcome),
			attribute.String(AttrLastEventID, masked(c.key, info.LastEventID)),
			attribute.Int(AttrReconnects, info.Reconnects),
		}
		if info.RunID != "" {
			attrs = append(attrs, attribute.String(AttrRunID, masked(c.key, info.RunID)))
		}
		if errType != "" {
			attrs = append(attrs, semconv.ErrorTypeKey.String(errType))
		}
		if in.content && c.text.Len() > 0 {
			finish := outcome
			if finish == "done" {
				finish = "stop" // the conventions' name for a natural end
			}
			attrs = append(attrs, semconv.GenAIOutputMessagesKey.String(messagesJSON("assistant", masked(c.key, c.text.String()), finish)))
		}
		c.span.SetAttributes(attrs...)
	}
	in.recordOperation(c, errType)
	c.span.End()
}

// metricAttrs is the attributes of the retry and reconnect counters.
func metricAttrs(op, cause string) metric.AddOption {
	return metric.WithAttributes(attribute.String(AttrOperation, op), semconv.ErrorTypeKey.String(cause))
}

// sessionOf returns the session id of a run request.
func sessionOf(req any) string {
	switch r := req.(type) {
	case modus.CreateRunRequest:
		return r.SessionID
	case modus.WorkflowActionRequest:
		return r.SessionID
	}
	return ""
}

// messageOf returns the user's message of a chat or run request.
func messageOf(req any) string {
	switch r := req.(type) {
	case modus.ChatRequest:
		return r.Message
	case modus.CreateRunRequest:
		return r.Message
	}
	return ""
}

// messagesJSON is one message in the GenAI conventions' JSON shape, for
// gen_ai.input.messages and gen_ai.output.messages.
func messagesJSON(role, text, finish string) string {
	type part struct {
		Type    string `json:"type"`
		Content string `json:"content"`
	}
	type message struct {
		Role         string `json:"role"`
		Parts        []part `json:"parts"`
		FinishReason string `json:"finish_reason,omitempty"`
	}
	b, _ := json.Marshal([]message{{Role: role, Parts: []part{{Type: "text", Content: text}}, FinishReason: finish}})
	return string(b)
}
