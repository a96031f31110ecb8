package modusotel_test

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/metric"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	semconv "go.opentelemetry.io/otel/semconv/v1.41.0"
	"go.opentelemetry.io/otel/semconv/v1.41.0/httpconv"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/embedded"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/modus-data/modus-sdk-go/modus"
	"github.com/modus-data/modus-sdk-go/modus/modustest"
	"github.com/modus-data/modus-sdk-go/modusotel"
)

// headerLog records the trace headers each attempt carried.
type headerLog struct {
	mu                   sync.Mutex
	traceparent, baggage []string
}

func (l *headerLog) record(req *http.Request, next modus.MiddlewareNext) (*http.Response, error) {
	l.mu.Lock()
	l.traceparent = append(l.traceparent, req.Header.Get("Traceparent"))
	l.baggage = append(l.baggage, req.Header.Get("Baggage"))
	l.mu.Unlock()
	return next(req)
}

// callerContext returns a context holding a span of another (recording)
// provider and a baggage member, and the traceparent of that span.
func callerContext(t *testing.T) (context.Context, string) {
	t.Helper()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(tracetest.NewSpanRecorder()))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	ctx, span := tp.Tracer("caller").Start(context.Background(), "handler")
	t.Cleanup(func() { span.End() })
	m, err := baggage.NewMember("tenant", "acme")
	require.NoError(t, err)
	b, err := baggage.New(m)
	require.NoError(t, err)
	sc := span.SpanContext()
	return baggage.ContextWithBaggage(ctx, b), "00-" + sc.TraceID().String() + "-" + sc.SpanID().String() + "-01"
}

// With no-op providers Instrument records nothing, and every attempt, the
// retries and a run's reconnections included, still carries the caller's
// trace context and baggage (a no-op span carries its parent's span
// context); without a caller's span, no traceparent.
func TestNoopProvidersPropagate(t *testing.T) {
	for _, name := range []string{"noop tracer and meter", "noop tracer, recording meter"} {
		t.Run(name, func(t *testing.T) {
			var mp metric.MeterProvider = metricnoop.NewMeterProvider()
			reader := sdkmetric.NewManualReader()
			if name == "noop tracer, recording meter" {
				sdkmp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
				t.Cleanup(func() { _ = sdkmp.Shutdown(context.Background()) })
				mp = sdkmp
			}
			srv := modustest.NewServer(t)
			log := &headerLog{}
			client, err := srv.Client(modusotel.Instrument(modusotel.WithTracerProvider(tracenoop.NewTracerProvider()),
				modusotel.WithMeterProvider(mp),
				modusotel.WithPropagators(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))),
				modus.WithMiddleware(log.record))
			require.NoError(t, err)
			ctx, traceparent := callerContext(t)

			srv.SeedAgent(t, modustest.AgentSeed{Name: "agent one"})
			srv.FailNextOn("GET", "/api/v1/agents", 2, http.StatusServiceUnavailable, 0)
			_, err = client.Agents.List(ctx, nil)
			require.NoError(t, err)
			srv.SetRunEvents(modustest.Token("Hel"), modustest.Token("lo"))
			srv.DropNextOn("POST", "/agent/runs", 1, 1)
			srv.DropNextOn("GET", "/agent/runs/{runId}/stream", 1, 1)
			stream, err := client.Runs.Create(ctx, modus.CreateRunRequest{Message: "hi", SessionID: "sess-1"})
			require.NoError(t, err)
			res, err := stream.Collect()
			require.NoError(t, err)
			assert.Equal(t, "Hello", res.Text)
			assert.Equal(t, 2, stream.Reconnects())

			log.mu.Lock()
			assert.Len(t, log.traceparent, 6, "3 attempts of the list, the run's request and its 2 reconnections")
			for i := range log.traceparent {
				assert.Equal(t, traceparent, log.traceparent[i], "attempt %d", i)
				assert.Equal(t, "tenant=acme", log.baggage[i], "attempt %d", i)
			}
			log.traceparent, log.baggage = nil, nil
			log.mu.Unlock()

			_, err = client.Agents.List(context.Background(), nil)
			require.NoError(t, err)
			log.mu.Lock()
			assert.Equal(t, []string{""}, log.traceparent, "no caller span, no traceparent")
			log.mu.Unlock()

			if name == "noop tracer, recording meter" {
				var rm metricdata.ResourceMetrics
				require.NoError(t, reader.Collect(context.Background(), &rm))
				m := map[string]metricdata.Aggregation{}
				for _, sm := range rm.ScopeMetrics {
					for _, x := range sm.Metrics {
						m[x.Name] = x.Data
					}
				}
				dur := m[httpconv.ClientRequestDuration{}.Name()]
				assert.Equal(t, uint64(4), histCount(t, dur, opKey.String("ListAgents")))
				assert.Equal(t, int64(2), sumOf(t, m[modusotel.MetricRetries], opKey.String("ListAgents"), semconv.ErrorTypeKey.String("503")))
				assert.Equal(t, int64(2), sumOf(t, m[modusotel.MetricReconnects], opKey.String("CreateRun")))
				assert.Contains(t, m, "gen_ai.client.operation.duration")
				assert.Contains(t, m, "gen_ai.client.operation.time_to_first_chunk")
			}
		})
	}
}

// Instrument with no-op providers adds to a call at most what any
// middleware costs (the SDK's middleware chain): no span, context or
// attribute allocations of its own.
func TestNoopProvidersAllocs(t *testing.T) {
	plain, err := modus.NewClient(modus.WithAPIKey(benchKey), modus.WithHTTPClient(getDoer{}))
	require.NoError(t, err)
	noop, err := modus.NewClient(modus.WithAPIKey(benchKey), modus.WithHTTPClient(getDoer{}),
		modusotel.Instrument(modusotel.WithTracerProvider(tracenoop.NewTracerProvider()),
			modusotel.WithMeterProvider(metricnoop.NewMeterProvider()), modusotel.WithPropagators(propagation.TraceContext{})))
	require.NoError(t, err)
	mw, err := modus.NewClient(modus.WithAPIKey(benchKey), modus.WithHTTPClient(getDoer{}),
		modus.WithMiddleware(func(req *http.Request, next modus.MiddlewareNext) (*http.Response, error) { return next(req) }))
	require.NoError(t, err)
	allocs := func(c *modus.Client) float64 {
		return testing.AllocsPerRun(200, func() {
			if _, err := c.Agents.Get(context.Background(), 42, nil); err != nil {
				t.Fatal(err)
			}
		})
	}
	base, withMiddleware := allocs(plain), allocs(mw)
	assert.Equal(t, withMiddleware, allocs(noop), "no-op Instrument against a pass-through middleware (no middleware: %v)", base)

	// Instrument() with the global providers, none set (no test here sets
	// one): the call's observed state, its record, and the call span the
	// global tracer makes (a span and a context: 3); no attempt span, no
	// span options.
	global, err := modus.NewClient(modus.WithAPIKey(benchKey), modus.WithHTTPClient(getDoer{}), modusotel.Instrument())
	require.NoError(t, err)
	assert.LessOrEqual(t, allocs(global)-withMiddleware, 5.0, "global Instrument against a pass-through middleware")
}

// countingTracer is a no-op tracer that counts the spans started (not the
// trace/noop type, which Instrument recognises up front).
type countingTracer struct {
	embedded.Tracer
	n atomic.Int64
}

// countingProvider provides its tracer.
type countingProvider struct {
	embedded.TracerProvider
	t *countingTracer
}

func (p countingProvider) Tracer(string, ...trace.TracerOption) trace.Tracer { return p.t }

func (c *countingTracer) Start(ctx context.Context, name string, opts ...trace.SpanStartOption) (context.Context, trace.Span) {
	c.n.Add(1)
	return tracenoop.Tracer{}.Start(ctx, name, opts...)
}

// Under a call span that records nothing and carries its parent's span
// context (a no-op tracer of any type, the global one before a provider is
// set), attempts and tool calls start no span: a call that retries twice, a
// run that reconnects twice and reports a tool call each start one, and
// every attempt carries the caller's traceparent.
func TestPassThroughCallStartsNoAttemptSpans(t *testing.T) {
	srv := modustest.NewServer(t)
	tracer := &countingTracer{}
	log := &headerLog{}
	client, err := srv.Client(modusotel.Instrument(modusotel.WithTracerProvider(countingProvider{t: tracer}),
		modusotel.WithPropagators(propagation.TraceContext{})), modus.WithMiddleware(log.record))
	require.NoError(t, err)
	ctx, traceparent := callerContext(t)

	srv.FailNextOn("GET", "/api/v1/agents", 2, http.StatusServiceUnavailable, 0)
	_, err = client.Agents.List(ctx, nil)
	require.NoError(t, err)
	assert.Equal(t, int64(1), tracer.n.Load(), "the call's span only")

	srv.SetRunEvents(modustest.Token("Hel"), modustest.ToolStart("sql", "call-1", nil), modustest.ToolEnd("sql", "call-1", nil))
	srv.DropNextOn("POST", "/agent/runs", 1, 1)
	srv.DropNextOn("GET", "/agent/runs/{runId}/stream", 1, 1)
	stream, err := client.Runs.Create(ctx, modus.CreateRunRequest{Message: "hi", SessionID: "sess-1"})
	require.NoError(t, err)
	_, err = stream.Collect()
	require.NoError(t, err)
	assert.Equal(t, int64(2), tracer.n.Load(), "the run's span only")

	log.mu.Lock()
	defer log.mu.Unlock()
	assert.Len(t, log.traceparent, 6)
	for i, tp := range log.traceparent {
		assert.Equal(t, traceparent, tp, "attempt %d", i)
	}
}

// A client's recording Instrument keeps its attempt spans under a call
// whose own Instrument is pass-through: each instrumentation finds its own
// call in the attempt's context.
func TestPassThroughCallInstrumentLeavesClientSpans(t *testing.T) {
	srv := modustest.NewServer(t)
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	client, err := srv.Client(modusotel.Instrument(modusotel.WithTracerProvider(tp)))
	require.NoError(t, err)
	_, err = client.Agents.Get(context.Background(), 1, nil, modusotel.Instrument(modusotel.WithTracerProvider(countingProvider{t: &countingTracer{}})))
	require.ErrorIs(t, err, modus.ErrNotFound)
	names := []string{}
	for _, s := range rec.Ended() {
		names = append(names, s.Name())
	}
	assert.ElementsMatch(t, []string{"GetAgent", "GET /api/v1/agents/{id}"}, names)
}
