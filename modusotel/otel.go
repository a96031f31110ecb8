// Package modusotel traces and measures a modus.Client with OpenTelemetry,
// on the HTTP client and GenAI semantic conventions.
//
//	client, err := modus.NewClient(modusotel.Instrument())
//
// gives, with the global tracer and meter providers (or those of
// WithTracerProvider and WithMeterProvider):
//
//   - a span per call: the operation (named by its operationId), a chat
//     (Agents.Chat, Skills.Chat and their ContinueChat: "chat {model}") or a
//     run (Runs.Create, ExecuteWorkflowAction, Runs.Stream: "invoke_agent",
//     from the request to the terminal event or Close);
//   - under it, a span per HTTP attempt ("{method} {url.template}"), retries
//     and stream reconnections included, with http.request.resend_count;
//   - in a run span, an event per reconnection and a child span per tool
//     call ("execute_tool {name}");
//   - the metrics http.client.request.duration,
//     gen_ai.client.operation.duration, gen_ai.client.operation.time_to_first_chunk
//     (time to the first token of a run), modus.client.retries and
//     modus.client.stream.reconnects;
//   - the trace context in the headers of every attempt, reconnections
//     included, by the propagator of WithPropagators or the global one (W3C
//     traceparent with propagation.TraceContext{}; the global propagator
//     writes nothing until otel.SetTextMapPropagator sets one).
//
// Message contents (chat and run input and output, tool arguments and
// results) are recorded only with WithMessageContent. The API key, request
// headers and bodies never are.
//
// The module builds only on the public hooks of package modus (WithObserver,
// WithMiddleware, AttemptOf), so importing modus alone never pulls
// OpenTelemetry.
package modusotel

import (
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/metric"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.41.0"
	"go.opentelemetry.io/otel/semconv/v1.41.0/genaiconv"
	"go.opentelemetry.io/otel/semconv/v1.41.0/httpconv"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/modus-data/modus-sdk-go/modus"
)

// ScopeName is the instrumentation scope of the tracer and meter.
const ScopeName = "github.com/modus-data/modus-sdk-go/modusotel"

// Option configures Instrument.
type Option func(*config)

type config struct {
	tp      trace.TracerProvider
	mp      metric.MeterProvider
	prop    propagation.TextMapPropagator
	content bool
}

// WithTracerProvider sets the provider of the tracer (default: the global
// one, otel.GetTracerProvider). A nil provider keeps the default.
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(c *config) {
		if tp != nil {
			c.tp = tp
		}
	}
}

// WithMeterProvider sets the provider of the meter (default: the global
// one, otel.GetMeterProvider). A nil provider keeps the default.
func WithMeterProvider(mp metric.MeterProvider) Option {
	return func(c *config) {
		if mp != nil {
			c.mp = mp
		}
	}
}

// WithPropagators sets the propagator that writes the trace context into
// every attempt's headers (default: the global one,
// otel.GetTextMapPropagator; set it to propagation.TraceContext{} for W3C
// traceparent). A nil propagator keeps the default.
func WithPropagators(p propagation.TextMapPropagator) Option {
	return func(c *config) {
		if p != nil {
			c.prop = p
		}
	}
}

// WithMessageContent records message contents, which the GenAI conventions
// leave out unless asked: gen_ai.input.messages and gen_ai.output.messages
// on chat and run spans, gen_ai.tool.call.arguments and
// gen_ai.tool.call.result on tool spans. They may hold personal data.
func WithMessageContent() Option {
	return func(c *config) { c.content = true }
}

// Instrument returns the modus.Option that traces and measures a client
// (pass it to modus.NewClient) or a single call (pass it to the call; it
// then adds to the client's instrumentation, if any, rather than replacing
// it). Each Instrument makes its own instruments: make one per client and
// reuse it.
func Instrument(opts ...Option) modus.Option {
	cfg := config{}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	if cfg.tp == nil {
		cfg.tp = otel.GetTracerProvider()
	}
	if cfg.mp == nil {
		cfg.mp = otel.GetMeterProvider()
	}
	if cfg.prop == nil {
		cfg.prop = otel.GetTextMapPropagator()
	}
	in := newInstrumentation(cfg)
	if in.noSpans && in.noMetrics {
		// No-op providers record nothing: what is left to do is to carry
		// the caller's context (its span context, its baggage) to the
		// server, which a no-op span would carry unchanged.
		return modus.WithMiddleware(in.propagate)
	}
	return modus.WithOptions(modus.WithObserver(in.observer()), modus.WithMiddleware(in.attempt))
}

// instrumentation holds one Instrument's tracer and instruments.
type instrumentation struct {
	tracer     trace.Tracer
	prop       propagation.TextMapPropagator
	content    bool
	httpDur    httpconv.ClientRequestDuration
	opDur      genaiconv.ClientOperationDuration
	firstChunk genaiconv.ClientOperationTimeToFirstChunk
	retries    metric.Int64Counter
	reconnects metric.Int64Counter

	// noSpans: the tracer is the no-op one of trace/noop, whose spans
	// record nothing and carry their parent's span context: calls and
	// attempts start none and keep their parent's context. noMetrics: the
	// meter is the no-op one of metric/noop. (The global providers are
	// neither: they delegate to whatever is set later.)
	noSpans, noMetrics bool
}

func newInstrumentation(cfg config) *instrumentation {
	in := &instrumentation{
		tracer: cfg.tp.Tracer(ScopeName, trace.WithInstrumentationVersion(modus.Version),
			trace.WithSchemaURL(semconv.SchemaURL)),
		prop:    cfg.prop,
		content: cfg.content,
	}
	meter := cfg.mp.Meter(ScopeName, metric.WithInstrumentationVersion(modus.Version),
		metric.WithSchemaURL(semconv.SchemaURL))
	_, in.noSpans = in.tracer.(tracenoop.Tracer)
	_, in.noMetrics = meter.(metricnoop.Meter)
	var err error
	// An instrument that cannot be made is reported to the OTel error
	// handler and replaced by a no-op one (the constructors return one).
	if in.httpDur, err = httpconv.NewClientRequestDuration(meter); err != nil {
		otel.Handle(err)
	}
	if in.opDur, err = genaiconv.NewClientOperationDuration(meter); err != nil {
		otel.Handle(err)
	}
	if in.firstChunk, err = genaiconv.NewClientOperationTimeToFirstChunk(meter); err != nil {
		otel.Handle(err)
	}
	if in.retries, err = meter.Int64Counter(MetricRetries, metric.WithUnit("{retry}"),
		metric.WithDescription("Retries of failed call attempts, by operation and cause (error.type).")); err != nil {
		otel.Handle(err)
	}
	if in.reconnects, err = meter.Int64Counter(MetricReconnects, metric.WithUnit("{reconnect}"),
		metric.WithDescription("Run stream reconnections, by operation and cause (error.type).")); err != nil {
		otel.Handle(err)
	}
	return in
}

// The names this package adds where the semantic conventions have none.
const (
	// MetricRetries counts retries of failed call attempts, with the
	// attributes modus.operation and error.type (the cause: an HTTP status
	// or an error class).
	MetricRetries = "modus.client.retries"
	// MetricReconnects counts run stream reconnections, with the
	// attributes modus.operation and error.type (the cause of each).
	MetricReconnects = "modus.client.stream.reconnects"

	// AttrOperation is the operationId of the API operation, such as
	// "GetAgent".
	AttrOperation = "modus.operation"
	// AttrRequestID is the X-Request-Id of an answer, the id Modus support
	// asks for.
	AttrRequestID = "modus.request_id"
	// AttrRunID is a run's id.
	AttrRunID = "modus.run.id"
	// AttrRunOutcome is how a run span ended: "done", "error",
	// "cancelled" (the run was cancelled), "closed" (Close before the
	// terminal event), "failed" (the stream broke or its context ended).
	AttrRunOutcome = "modus.run.outcome"
	// AttrLastEventID is the id of the last event a run stream delivered.
	AttrLastEventID = "modus.run.last_event_id"
	// AttrReconnects is how many reconnections a run stream tried.
	AttrReconnects = "modus.run.reconnects"
	// AttrCause is the message of the error that caused a reconnection or
	// a retry.
	AttrCause = "modus.cause"
	// AttrAttempt is the number of the attempt a retry event follows, or
	// of a reconnection.
	AttrAttempt = "modus.attempt"

	// EventReconnect is the span event of a run stream reconnection.
	EventReconnect = "modus.reconnect"
	// EventRetry is the span event of a call's retry.
	EventRetry = "modus.retry"

	// ProviderName is the gen_ai.provider.name of Modus.
	ProviderName = "modus"
)
