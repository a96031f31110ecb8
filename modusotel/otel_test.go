package modusotel_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	semconv "go.opentelemetry.io/otel/semconv/v1.41.0"
	"go.opentelemetry.io/otel/semconv/v1.41.0/genaiconv"
	"go.opentelemetry.io/otel/semconv/v1.41.0/httpconv"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/goleak"

	"github.com/modus-data/modus-sdk-go/modus"
	"github.com/modus-data/modus-sdk-go/modus/modustest"
	"github.com/modus-data/modus-sdk-go/modusotel"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// harness is a fake server and a client instrumented with an in-memory
// span recorder and a manual metric reader; traceparents holds the header
// each attempt carried, in order.
type harness struct {
	srv    *modustest.Server
	client *modus.Client
	spans  *tracetest.SpanRecorder
	reader *sdkmetric.ManualReader

	mu          sync.Mutex
	traceparent []string
}

func newHarness(t *testing.T, opts ...modusotel.Option) *harness {
	t.Helper()
	h := &harness{srv: modustest.NewServer(t), spans: tracetest.NewSpanRecorder(), reader: sdkmetric.NewManualReader()}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(h.spans))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(h.reader))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()); _ = mp.Shutdown(context.Background()) })
	all := append([]modusotel.Option{modusotel.WithTracerProvider(tp), modusotel.WithMeterProvider(mp),
		modusotel.WithPropagators(propagation.TraceContext{})}, opts...)
	var err error
	// The recording middleware runs inside Instrument's: it sees the
	// header Instrument set.
	h.client, err = h.srv.Client(modusotel.Instrument(all...), modus.WithMiddleware(h.record))
	require.NoError(t, err)
	return h
}

func (h *harness) record(req *http.Request, next modus.MiddlewareNext) (*http.Response, error) {
	h.mu.Lock()
	h.traceparent = append(h.traceparent, req.Header.Get("Traceparent"))
	h.mu.Unlock()
	return next(req)
}

// ended returns the ended spans named name.
func (h *harness) ended(name string) []sdktrace.ReadOnlySpan {
	var out []sdktrace.ReadOnlySpan
	for _, s := range h.spans.Ended() {
		if s.Name() == name {
			out = append(out, s)
		}
	}
	return out
}

// children returns the ended spans whose parent is p, in the order they
// started.
func (h *harness) children(p sdktrace.ReadOnlySpan) []sdktrace.ReadOnlySpan {
	var out []sdktrace.ReadOnlySpan
	for _, s := range h.spans.Ended() {
		if s.Parent().SpanID() == p.SpanContext().SpanID() {
			out = append(out, s)
		}
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].StartTime().Before(out[j-1].StartTime()); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

func attrs(kvs []attribute.KeyValue) map[attribute.Key]attribute.Value {
	m := map[attribute.Key]attribute.Value{}
	for _, kv := range kvs {
		m[kv.Key] = kv.Value
	}
	return m
}

func (h *harness) metrics(t *testing.T) map[string]metricdata.Aggregation {
	t.Helper()
	var rm metricdata.ResourceMetrics
	require.NoError(t, h.reader.Collect(context.Background(), &rm))
	out := map[string]metricdata.Aggregation{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			out[m.Name] = m.Data
		}
	}
	return out
}

// histCount returns the number of values a histogram recorded in the data
// points that have all of want.
func histCount(t *testing.T, data metricdata.Aggregation, want ...attribute.KeyValue) uint64 {
	t.Helper()
	hist, ok := data.(metricdata.Histogram[float64])
	require.True(t, ok, "a float64 histogram, got %T", data)
	var n uint64
	for _, dp := range hist.DataPoints {
		if hasAll(dp.Attributes, want) {
			n += dp.Count
		}
	}
	return n
}

func sumOf(t *testing.T, data metricdata.Aggregation, want ...attribute.KeyValue) int64 {
	t.Helper()
	sum, ok := data.(metricdata.Sum[int64])
	require.True(t, ok, "an int64 sum, got %T", data)
	var n int64
	for _, dp := range sum.DataPoints {
		if hasAll(dp.Attributes, want) {
			n += dp.Value
		}
	}
	return n
}

func hasAll(set attribute.Set, want []attribute.KeyValue) bool {
	for _, kv := range want {
		if v, ok := set.Value(kv.Key); !ok || v != kv.Value {
			return false
		}
	}
	return true
}

// checkNoKey fails if the API key shows anywhere in the recorded spans,
// events or metric attributes.
func (h *harness) checkNoKey(t *testing.T) {
	t.Helper()
	key := strings.ToLower(h.srv.APIKey()) // the key in any case: error codes are upper-cased
	check := func(where string, kvs []attribute.KeyValue) {
		for _, kv := range kvs {
			assert.NotContains(t, strings.ToLower(kv.Value.String()), key, "%s: %s", where, kv.Key)
			assert.NotContains(t, kv.Value.String(), "Bearer", "%s: %s", where, kv.Key)
		}
	}
	for _, s := range h.spans.Ended() {
		assert.NotContains(t, strings.ToLower(s.Name()), key)
		check(s.Name(), s.Attributes())
		assert.NotContains(t, strings.ToLower(s.Status().Description), key)
		for _, e := range s.Events() {
			check(s.Name()+" "+e.Name, e.Attributes)
		}
	}
	var rm metricdata.ResourceMetrics
	require.NoError(t, h.reader.Collect(context.Background(), &rm))
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			switch d := m.Data.(type) {
			case metricdata.Histogram[float64]:
				for _, dp := range d.DataPoints {
					check(m.Name, dp.Attributes.ToSlice())
				}
			case metricdata.Sum[int64]:
				for _, dp := range d.DataPoints {
					check(m.Name, dp.Attributes.ToSlice())
				}
			}
		}
	}
}

// checkTraceparents checks that each attempt carried the W3C traceparent of
// its own attempt span.
func (h *harness) checkTraceparents(t *testing.T, attempts []sdktrace.ReadOnlySpan) {
	t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	require.Len(t, h.traceparent, len(attempts))
	for i, a := range attempts {
		sc := a.SpanContext()
		assert.Equal(t, "00-"+sc.TraceID().String()+"-"+sc.SpanID().String()+"-01", h.traceparent[i], "attempt %d", i)
	}
}

var opKey = attribute.Key(modusotel.AttrOperation)

func TestCallRetriedTwice(t *testing.T) {
	h := newHarness(t)
	h.srv.SeedAgent(t, modustest.AgentSeed{Name: "agent one"})
	h.srv.FailNextOn("GET", "/api/v1/agents", 2, http.StatusServiceUnavailable, 0)
	size, search := 5, "agent one"
	page, err := h.client.Agents.List(context.Background(), &modus.AgentListParams{PageSize: &size, Search: &search})
	require.NoError(t, err)
	require.Len(t, page.Items, 1)

	calls := h.ended("ListAgents")
	require.Len(t, calls, 1)
	call := calls[0]
	assert.Equal(t, trace.SpanKindInternal, call.SpanKind())
	assert.Equal(t, codes.Unset, call.Status().Code)
	assert.Equal(t, "ListAgents", attrs(call.Attributes())[opKey].AsString())
	var retries int
	for _, e := range call.Events() {
		if e.Name == modusotel.EventRetry {
			retries++
			assert.Equal(t, "503", attrs(e.Attributes)[semconv.ErrorTypeKey].AsString())
		}
	}
	assert.Equal(t, 2, retries)

	attempts := h.children(call)
	require.Len(t, attempts, 3, "the attempts share the call's span")
	for i, a := range attempts {
		at := attrs(a.Attributes())
		assert.Equal(t, "GET /api/v1/agents", a.Name())
		assert.Equal(t, trace.SpanKindClient, a.SpanKind())
		assert.Equal(t, "GET", at[semconv.HTTPRequestMethodKey].AsString())
		assert.Equal(t, "/api/v1/agents", at[semconv.URLTemplateKey].AsString())
		full := at[semconv.URLFullKey].AsString()
		assert.True(t, strings.HasPrefix(full, h.srv.URL()+"/api/v1/agents?"), full)
		assert.Contains(t, full, "pageSize=REDACTED")
		assert.Contains(t, full, "search=REDACTED")
		assert.NotContains(t, full, "one")
		assert.Equal(t, "ListAgents", at[opKey].AsString())
		assert.NotEmpty(t, at[semconv.ServerAddressKey].AsString())
		assert.Positive(t, at[semconv.ServerPortKey].AsInt64())
		assert.NotEmpty(t, at[attribute.Key(modusotel.AttrRequestID)].AsString())
		resend, ok := at[semconv.HTTPRequestResendCountKey]
		assert.Equal(t, i > 0, ok, "resend count set on resends only")
		assert.Equal(t, int64(i), resend.AsInt64())
		if i < 2 {
			assert.Equal(t, int64(503), at[semconv.HTTPResponseStatusCodeKey].AsInt64())
			assert.Equal(t, "503", at[semconv.ErrorTypeKey].AsString())
			assert.Equal(t, codes.Error, a.Status().Code)
		} else {
			assert.Equal(t, int64(200), at[semconv.HTTPResponseStatusCodeKey].AsInt64())
			assert.NotContains(t, at, semconv.ErrorTypeKey)
			assert.Equal(t, codes.Unset, a.Status().Code)
		}
	}
	h.checkTraceparents(t, attempts)

	m := h.metrics(t)
	dur := m[httpconv.ClientRequestDuration{}.Name()]
	assert.Equal(t, uint64(3), histCount(t, dur, semconv.URLTemplate("/api/v1/agents"), opKey.String("ListAgents")))
	assert.Equal(t, uint64(2), histCount(t, dur, semconv.HTTPResponseStatusCode(503), semconv.ErrorTypeKey.String("503")))
	assert.Equal(t, int64(2), sumOf(t, m[modusotel.MetricRetries], opKey.String("ListAgents"), semconv.ErrorTypeKey.String("503")))
	h.checkNoKey(t)
}

func TestCallNotFound(t *testing.T) {
	h := newHarness(t)
	_, err := h.client.Agents.Get(context.Background(), 404404, nil)
	require.ErrorIs(t, err, modus.ErrNotFound)

	calls := h.ended("GetAgent")
	require.Len(t, calls, 1)
	call := calls[0]
	assert.Equal(t, codes.Error, call.Status().Code)
	assert.Equal(t, "404", attrs(call.Attributes())[semconv.ErrorTypeKey].AsString())
	assert.NotEmpty(t, attrs(call.Attributes())[attribute.Key(modusotel.AttrRequestID)].AsString())
	attempts := h.children(call)
	require.Len(t, attempts, 1, "a 404 is not retried")
	a := attempts[0]
	assert.Equal(t, "GET /api/v1/agents/{id}", a.Name())
	at := attrs(a.Attributes())
	assert.Equal(t, int64(404), at[semconv.HTTPResponseStatusCodeKey].AsInt64())
	assert.Equal(t, "404", at[semconv.ErrorTypeKey].AsString())
	assert.Equal(t, h.srv.URL()+"/api/v1/agents/404404", at[semconv.URLFullKey].AsString())
	assert.Equal(t, codes.Error, a.Status().Code)
	assert.Equal(t, attrs(call.Attributes())[attribute.Key(modusotel.AttrRequestID)], at[attribute.Key(modusotel.AttrRequestID)])

	m := h.metrics(t)
	assert.Equal(t, uint64(1), histCount(t, m[httpconv.ClientRequestDuration{}.Name()], semconv.HTTPResponseStatusCode(404),
		semconv.ErrorTypeKey.String("404"), semconv.HTTPRequestMethodKey.String("GET")))
	assert.NotContains(t, m, modusotel.MetricRetries)
	h.checkTraceparents(t, attempts)
	h.checkNoKey(t)
}

// runSpan returns the one invoke_agent span and its attempt spans.
func (h *harness) runSpan(t *testing.T) (sdktrace.ReadOnlySpan, []sdktrace.ReadOnlySpan) {
	t.Helper()
	runs := h.ended("invoke_agent")
	require.Len(t, runs, 1, "exactly one run span")
	var attempts []sdktrace.ReadOnlySpan
	for _, s := range h.children(runs[0]) {
		if s.SpanKind() == trace.SpanKindClient {
			attempts = append(attempts, s)
		}
	}
	return runs[0], attempts
}

func TestRunDropsTwiceThenErrorEvent(t *testing.T) {
	h := newHarness(t)
	h.srv.SetRunEvents(modustest.Token("Hel"), modustest.ToolStart("sql", "call-1", map[string]any{"q": "select 1"}),
		modustest.ToolEnd("sql", "call-1", map[string]any{"rows": 1}), modustest.Token("lo"),
		modustest.Event("error", map[string]any{"error": "model overloaded", "code": "RATE_LIMITED"}))
	h.srv.DropNextOn("POST", "/agent/runs", 1, 1)
	h.srv.DropNextOn("GET", "/agent/runs/{runId}/stream", 1, 2)

	stream, err := h.client.Runs.Create(context.Background(), modus.CreateRunRequest{Message: "secret question", SessionID: "sess-42"})
	require.NoError(t, err)
	res, err := stream.Collect()
	require.ErrorIs(t, err, modus.ErrRunFailed)
	assert.Equal(t, "Hello", res.Text)
	assert.Equal(t, 2, stream.Reconnects())

	run, attempts := h.runSpan(t)
	at := attrs(run.Attributes())
	assert.Equal(t, trace.SpanKindClient, run.SpanKind())
	assert.Equal(t, semconv.GenAIOperationNameInvokeAgent.Value, at[semconv.GenAIOperationNameKey])
	assert.Equal(t, modusotel.ProviderName, at[semconv.GenAIProviderNameKey].AsString())
	assert.Equal(t, "sess-42", at[semconv.GenAIConversationIDKey].AsString())
	assert.Equal(t, "CreateRun", at[opKey].AsString())
	assert.Equal(t, "error", at[attribute.Key(modusotel.AttrRunOutcome)].AsString())
	assert.Equal(t, "RATE_LIMITED", at[semconv.ErrorTypeKey].AsString())
	assert.Equal(t, stream.RunID(), at[attribute.Key(modusotel.AttrRunID)].AsString())
	assert.Equal(t, codes.Error, run.Status().Code)
	assert.Equal(t, "model overloaded", run.Status().Description)
	assert.Positive(t, at[semconv.GenAIResponseTimeToFirstChunkKey].AsFloat64())
	assert.NotContains(t, at, semconv.GenAIInputMessagesKey, "no contents without WithMessageContent")
	assert.NotContains(t, at, semconv.GenAIOutputMessagesKey)

	var reconnects []map[attribute.Key]attribute.Value
	for _, e := range run.Events() {
		if e.Name == modusotel.EventReconnect {
			reconnects = append(reconnects, attrs(e.Attributes))
		}
	}
	require.Len(t, reconnects, 2, "one event per reconnect")
	for i, e := range reconnects {
		assert.NotEmpty(t, e[attribute.Key(modusotel.AttrLastEventID)].AsString())
		assert.Equal(t, "connection_closed", e[semconv.ErrorTypeKey].AsString(), "cause of reconnect %d", i)
		assert.NotEmpty(t, e[attribute.Key(modusotel.AttrCause)].AsString())
	}
	assert.NotEqual(t, reconnects[0][attribute.Key(modusotel.AttrLastEventID)], reconnects[1][attribute.Key(modusotel.AttrLastEventID)])

	require.Len(t, attempts, 3)
	assert.Equal(t, "POST /agent/runs", attempts[0].Name())
	for i, a := range attempts {
		if i > 0 {
			assert.Equal(t, "GET /agent/runs/{runId}/stream", a.Name())
		}
		resend, _ := attrs(a.Attributes())[semconv.HTTPRequestResendCountKey]
		assert.Equal(t, int64(i), resend.AsInt64(), "resend count of attempt %d", i)
	}
	h.checkTraceparents(t, attempts)

	tools := h.ended("execute_tool sql")
	require.Len(t, tools, 1)
	tool := attrs(tools[0].Attributes())
	assert.Equal(t, run.SpanContext().SpanID(), tools[0].Parent().SpanID())
	assert.Equal(t, "call-1", tool[semconv.GenAIToolCallIDKey].AsString())
	assert.Equal(t, semconv.GenAIOperationNameExecuteTool.Value, tool[semconv.GenAIOperationNameKey])
	assert.NotContains(t, tool, semconv.GenAIToolCallArgumentsKey)

	m := h.metrics(t)
	invoke := semconv.GenAIOperationNameInvokeAgent
	assert.Equal(t, uint64(1), histCount(t, m[genaiconv.ClientOperationDuration{}.Name()], invoke,
		semconv.GenAIProviderNameKey.String("modus"), semconv.ErrorTypeKey.String("RATE_LIMITED")))
	assert.Equal(t, uint64(1), histCount(t, m[genaiconv.ClientOperationTimeToFirstChunk{}.Name()], invoke, opKey.String("CreateRun")))
	assert.Equal(t, int64(2), sumOf(t, m[modusotel.MetricReconnects], opKey.String("CreateRun"), semconv.ErrorTypeKey.String("connection_closed")))
	assert.Equal(t, uint64(3), histCount(t, m[httpconv.ClientRequestDuration{}.Name()]))
	h.checkNoKey(t)
}

func TestRunCancelledAndClosed(t *testing.T) {
	t.Run("cancelled event", func(t *testing.T) {
		h := newHarness(t)
		h.srv.SetRunEvents(modustest.Token("a"), modustest.Cancelled())
		stream, err := h.client.Runs.Create(context.Background(), modus.CreateRunRequest{Message: "m", SessionID: "s"})
		require.NoError(t, err)
		_, err = stream.Collect()
		require.ErrorIs(t, err, modus.ErrRunCancelled)
		run, _ := h.runSpan(t)
		assert.Equal(t, "cancelled", attrs(run.Attributes())[attribute.Key(modusotel.AttrRunOutcome)].AsString())
		assert.Equal(t, codes.Unset, run.Status().Code, "a cancelled run is not an error of the client")
		m := h.metrics(t)
		assert.Equal(t, uint64(1), histCount(t, m[genaiconv.ClientOperationDuration{}.Name()], semconv.GenAIOperationNameInvokeAgent))
	})
	t.Run("Close before the end", func(t *testing.T) {
		h := newHarness(t)
		h.srv.SetRunEvents(modustest.Token("a"), modustest.Hang())
		stream, err := h.client.Runs.Create(context.Background(), modus.CreateRunRequest{Message: "m", SessionID: "s"})
		require.NoError(t, err)
		require.True(t, stream.Next())
		assert.Empty(t, h.ended("invoke_agent"), "the run span lasts until the end")
		require.NoError(t, stream.Close())
		run, _ := h.runSpan(t)
		assert.Equal(t, "closed", attrs(run.Attributes())[attribute.Key(modusotel.AttrRunOutcome)].AsString())
		assert.Equal(t, codes.Unset, run.Status().Code)
	})
	t.Run("context cancelled", func(t *testing.T) {
		h := newHarness(t)
		h.srv.SetRunEvents(modustest.Token("a"), modustest.Hang())
		ctx, cancel := context.WithCancel(context.Background())
		stream, err := h.client.Runs.Create(ctx, modus.CreateRunRequest{Message: "m", SessionID: "s"})
		require.NoError(t, err)
		require.True(t, stream.Next())
		cancel()
		require.False(t, stream.Next())
		require.ErrorIs(t, stream.Err(), context.Canceled)
		run, _ := h.runSpan(t)
		assert.Equal(t, "failed", attrs(run.Attributes())[attribute.Key(modusotel.AttrRunOutcome)].AsString())
		assert.Equal(t, "canceled", attrs(run.Attributes())[semconv.ErrorTypeKey].AsString())
		assert.Equal(t, codes.Error, run.Status().Code)
	})
}

func TestChatSpans(t *testing.T) {
	for _, content := range []bool{false, true} {
		var opts []modusotel.Option
		if content {
			opts = append(opts, modusotel.WithMessageContent())
		}
		h := newHarness(t, opts...)
		agent := h.srv.SeedAgent(t, modustest.AgentSeed{Name: "a"})
		first, err := h.client.Agents.Chat(context.Background(), agent.ID, modus.ChatRequest{Message: "hello there", Model: modus.ChatModelClaudeSonnet46})
		require.NoError(t, err)
		_, err = h.client.Agents.ContinueChat(context.Background(), agent.ID, first.ThreadID, modus.ChatRequest{Message: "and?", Model: modus.ChatModelClaudeSonnet46})
		require.NoError(t, err)

		chats := h.ended("chat claude-sonnet-4.6")
		require.Len(t, chats, 2)
		for i, c := range chats {
			at := attrs(c.Attributes())
			assert.Equal(t, trace.SpanKindClient, c.SpanKind())
			assert.Equal(t, semconv.GenAIOperationNameChat.Value, at[semconv.GenAIOperationNameKey])
			assert.Equal(t, "modus", at[semconv.GenAIProviderNameKey].AsString())
			assert.Equal(t, "claude-sonnet-4.6", at[semconv.GenAIRequestModelKey].AsString())
			assert.Equal(t, first.ThreadID, at[semconv.GenAIConversationIDKey].AsString(), "chat %d", i)
			assert.Equal(t, []string{"ChatWithAgent", "ContinueAgentChat"}[i], at[opKey].AsString())
			if content {
				assert.Contains(t, at[semconv.GenAIInputMessagesKey].AsString(), []string{"hello there", "and?"}[i])
				assert.Contains(t, at[semconv.GenAIOutputMessagesKey].AsString(), `"role":"assistant"`)
			} else {
				assert.NotContains(t, at, semconv.GenAIInputMessagesKey)
				assert.NotContains(t, at, semconv.GenAIOutputMessagesKey)
			}
			require.Len(t, h.children(c), 1)
		}
		m := h.metrics(t)
		assert.Equal(t, uint64(2), histCount(t, m[genaiconv.ClientOperationDuration{}.Name()], semconv.GenAIOperationNameChat,
			semconv.GenAIRequestModel("claude-sonnet-4.6")))
		h.checkNoKey(t)
	}
}

func TestInstrumentOnACall(t *testing.T) {
	srv := modustest.NewServer(t)
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	client, err := srv.Client()
	require.NoError(t, err)
	_, err = client.Agents.Get(context.Background(), 1, nil, modusotel.Instrument(modusotel.WithTracerProvider(tp)))
	require.ErrorIs(t, err, modus.ErrNotFound)
	_, _ = client.Agents.Get(context.Background(), 1, nil)
	names := []string{}
	for _, s := range rec.Ended() {
		names = append(names, s.Name())
	}
	assert.ElementsMatch(t, []string{"GetAgent", "GET /api/v1/agents/{id}"}, names, "only the instrumented call")
}

func TestSkillChatSpan(t *testing.T) {
	h := newHarness(t)
	skill := h.srv.SeedSkill(t, modustest.SkillSeed{Name: "s"})
	resp, err := h.client.Skills.Chat(context.Background(), skill.ID, modus.ChatRequest{Message: "hi", Model: modus.ChatModelClaudeSonnet46})
	require.NoError(t, err)
	chats := h.ended("chat claude-sonnet-4.6")
	require.Len(t, chats, 1)
	at := attrs(chats[0].Attributes())
	assert.Equal(t, "ChatWithSkill", at[opKey].AsString())
	assert.Equal(t, resp.ThreadID, at[semconv.GenAIConversationIDKey].AsString())
	assert.Equal(t, resp.RunID, at[semconv.GenAIResponseIDKey].AsString())
}

func TestRunMessageContentOptIn(t *testing.T) {
	h := newHarness(t, modusotel.WithMessageContent())
	h.srv.SetRunEvents(modustest.Token("Hel"), modustest.ToolStart("sql", "call-1", map[string]any{"q": "select 1"}),
		modustest.ToolEnd("sql", "call-1", map[string]any{"rows": 1}), modustest.Token("lo"))
	stream, err := h.client.Runs.Create(context.Background(), modus.CreateRunRequest{Message: "secret question", SessionID: "s"})
	require.NoError(t, err)
	_, err = stream.Collect()
	require.NoError(t, err)
	run, _ := h.runSpan(t)
	at := attrs(run.Attributes())
	assert.Equal(t, `[{"role":"user","parts":[{"type":"text","content":"secret question"}]}]`, at[semconv.GenAIInputMessagesKey].AsString())
	assert.Equal(t, `[{"role":"assistant","parts":[{"type":"text","content":"Hello"}],"finish_reason":"stop"}]`, at[semconv.GenAIOutputMessagesKey].AsString())
	assert.Equal(t, "done", at[attribute.Key(modusotel.AttrRunOutcome)].AsString())
	assert.Equal(t, codes.Unset, run.Status().Code)
	tools := h.ended("execute_tool sql")
	require.Len(t, tools, 1)
	tool := attrs(tools[0].Attributes())
	assert.JSONEq(t, `{"q":"select 1"}`, tool[semconv.GenAIToolCallArgumentsKey].AsString())
	assert.JSONEq(t, `{"rows":1}`, tool[semconv.GenAIToolCallResultKey].AsString())
	h.checkNoKey(t)
}

// TestServerEchoingKeyNotRecorded runs calls and a run against a server
// that echoes the API key in X-Request-Id and in an error event's code,
// message and tool name: no span name, attribute, event, status or metric
// attribute may hold it, and error.type of the run is _OTHER.
func TestServerEchoingKeyNotRecorded(t *testing.T) {
	h := &harness{srv: modustest.NewServer(t), spans: tracetest.NewSpanRecorder(), reader: sdkmetric.NewManualReader()}
	key := h.srv.APIKey()
	target, err := url.Parse(h.srv.URL())
	require.NoError(t, err)
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.ModifyResponse = func(resp *http.Response) error {
		resp.Header.Set("X-Request-Id", "req-"+strings.TrimPrefix(resp.Request.Header.Get("Authorization"), "Bearer "))
		return nil
	}
	echo := httptest.NewServer(proxy)
	t.Cleanup(echo.Close)
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(h.spans))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(h.reader))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()); _ = mp.Shutdown(context.Background()) })
	h.client, err = h.srv.Client(modus.WithBaseURL(echo.URL),
		modusotel.Instrument(modusotel.WithTracerProvider(tp), modusotel.WithMeterProvider(mp), modusotel.WithMessageContent()))
	require.NoError(t, err)

	h.srv.SeedAgent(t, modustest.AgentSeed{Name: "a"})
	_, err = h.client.Agents.List(context.Background(), nil)
	require.NoError(t, err)
	_, err = h.client.Agents.Get(context.Background(), 404404, nil)
	require.ErrorIs(t, err, modus.ErrNotFound)

	h.srv.SetRunEvents(modustest.Token("a "+key), modustest.ToolStart("sql"+key, "call-"+key, map[string]any{"q": key}),
		modustest.ToolEnd("sql"+key, "call-"+key, map[string]any{"rows": key}),
		modustest.Event("error", map[string]any{"error": "bad key " + key, "code": key}))
	h.srv.DropNextOn("GET", "/agent/runs/{runId}/stream", 1, 1)
	stream, err := h.client.Runs.Create(context.Background(), modus.CreateRunRequest{Message: "m", SessionID: "s"})
	require.NoError(t, err)
	_, err = stream.Collect()
	require.ErrorIs(t, err, modus.ErrRunFailed)

	run, attempts := h.runSpan(t)
	assert.Equal(t, "_OTHER", attrs(run.Attributes())[semconv.ErrorTypeKey].AsString(), "an unknown code is not an attribute value")
	assert.Equal(t, "req-modus_****", attrs(run.Attributes())[attribute.Key(modusotel.AttrRequestID)].AsString())
	require.NotEmpty(t, attempts)
	assert.Equal(t, "req-modus_****", attrs(attempts[0].Attributes())[attribute.Key(modusotel.AttrRequestID)].AsString())
	m := h.metrics(t)
	assert.Equal(t, uint64(1), histCount(t, m[genaiconv.ClientOperationDuration{}.Name()], semconv.ErrorTypeOther))
	h.checkNoKey(t)
}
