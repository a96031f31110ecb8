package modusotel_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/metric"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/modus-data/modus-sdk-go/modus"
	"github.com/modus-data/modus-sdk-go/modusotel"
)

// The cost of Instrument, side by side in one run:
//
//	go test -run '^$' -bench . -benchmem -count 6 ./ > bench.txt   (in modusotel/)
//	benchstat -col /otel bench.txt
//
// and, steadier on a busy machine (the figures the README gives):
//
//	go test -run '^$' -bench Interleaved -count 6 -benchtime 2000x ./
//
// otel=none is the client without Instrument; otel=noop is Instrument with
// the no-op tracer and meter providers of trace/noop and metric/noop (what
// a service pays that turns telemetry off with them); otel=recording is Instrument with the SDK's
// providers, every span sampled and recorded (not exported) and every metric
// aggregated by a manual reader; otel=global is Instrument() with the global
// providers and propagator, none of them set (what a service pays that links
// the module but configures no OpenTelemetry).

const benchKey = "modus_benchmark_key_0123456789"

// contenders returns the options of each configuration.
func contenders() []struct {
	name string
	opts []modus.Option
} {
	rec := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	with := func(tp trace.TracerProvider, mp metric.MeterProvider) []modus.Option {
		return []modus.Option{modusotel.Instrument(modusotel.WithTracerProvider(tp), modusotel.WithMeterProvider(mp),
			modusotel.WithPropagators(propagation.TraceContext{}))}
	}
	return []struct {
		name string
		opts []modus.Option
	}{
		{"none", nil},
		{"noop", with(tracenoop.NewTracerProvider(), metricnoop.NewMeterProvider())},
		{"recording", with(rec, mp)},
		{"global", []modus.Option{modusotel.Instrument()}},
	}
}

// benchInterleaved runs one op of each configuration per iteration, in an
// order that rotates, and reports each one's mean wall time and process CPU
// time (all threads: the GC and an httptest server included) and their ratios
// to otel=none: on a shared machine whose load drifts, configurations
// measured side by side see the same load, which runs one after the other do
// not, and CPU time is less sensitive than wall time to other processes.
func benchInterleaved(b *testing.B, ops []func()) {
	wall := make([]time.Duration, len(ops))
	cpu := make([]time.Duration, len(ops))
	i := 0
	for b.Loop() {
		for k := range ops {
			j := (i + k) % len(ops)
			c0, w0 := cpuTime(), time.Now()
			ops[j]()
			wall[j] += time.Since(w0)
			cpu[j] += cpuTime() - c0
		}
		i++
	}
	names := []string{"none", "noop", "recording", "global"}
	for j := range ops {
		b.ReportMetric(float64(wall[j].Nanoseconds())/float64(i), "ns/"+names[j])
		b.ReportMetric(float64(cpu[j].Nanoseconds())/float64(i), "cpu-ns/"+names[j])
		if j > 0 {
			b.ReportMetric(100*(float64(wall[j])/float64(wall[0])-1), "%more/"+names[j])
			b.ReportMetric(100*(float64(cpu[j])/float64(cpu[0])-1), "%cpu-more/"+names[j])
		}
	}
	b.ReportMetric(0, "ns/op")
}

// BenchmarkGet is a small GET (Agents.Get) against an httptest server.
func BenchmarkGet(b *testing.B) {
	const body = `{"id":42,"name":"agent-42","description":"a benchmark agent with a medium sized body"}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Request-Id", "req-1")
		io.WriteString(w, body)
	}))
	defer srv.Close()
	for _, c := range contenders() {
		b.Run("otel="+c.name, func(b *testing.B) {
			client, err := modus.NewClient(append([]modus.Option{modus.WithAPIKey(benchKey), modus.WithBaseURL(srv.URL),
				modus.WithHTTPClient(srv.Client())}, c.opts...)...)
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if a, err := client.Agents.Get(ctx, 42, nil); err != nil || a.ID != 42 {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkGetInterleaved is BenchmarkGet with the configurations
// interleaved (see benchInterleaved).
func BenchmarkGetInterleaved(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Request-Id", "req-1")
		io.WriteString(w, `{"id":42,"name":"agent-42","description":"a benchmark agent with a medium sized body"}`)
	}))
	defer srv.Close()
	var ops []func()
	for _, c := range contenders() {
		client, err := modus.NewClient(append([]modus.Option{modus.WithAPIKey(benchKey), modus.WithBaseURL(srv.URL),
			modus.WithHTTPClient(srv.Client())}, c.opts...)...)
		if err != nil {
			b.Fatal(err)
		}
		ops = append(ops, func() {
			if a, err := client.Agents.Get(context.Background(), 42, nil); err != nil || a.ID != 42 {
				b.Fatal(err)
			}
		})
	}
	benchInterleaved(b, ops)
}

// BenchmarkGetInMemoryInterleaved is the small GET answered from memory,
// without a network round trip: the SDK's own cost and Instrument's, the
// strictest comparison.
func BenchmarkGetInMemoryInterleaved(b *testing.B) {
	var ops []func()
	for _, c := range contenders() {
		client, err := modus.NewClient(append([]modus.Option{modus.WithAPIKey(benchKey), modus.WithHTTPClient(getDoer{})}, c.opts...)...)
		if err != nil {
			b.Fatal(err)
		}
		ops = append(ops, func() {
			if a, err := client.Agents.Get(context.Background(), 42, nil); err != nil || a.ID != 42 {
				b.Fatal(err)
			}
		})
	}
	benchInterleaved(b, ops)
}

// BenchmarkGetInMemory is the small GET answered from memory, one
// configuration per sub-benchmark (for profiles).
func BenchmarkGetInMemory(b *testing.B) {
	for _, c := range contenders() {
		b.Run("otel="+c.name, func(b *testing.B) {
			client, err := modus.NewClient(append([]modus.Option{modus.WithAPIKey(benchKey), modus.WithHTTPClient(getDoer{})}, c.opts...)...)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if a, err := client.Agents.Get(context.Background(), 42, nil); err != nil || a.ID != 42 {
					b.Fatal(err)
				}
			}
		})
	}
}

// getDoer answers every request with the same small JSON body, from memory.
type getDoer struct{}

const getBody = `{"id":42,"name":"agent-42","description":"a benchmark agent with a medium sized body"}`

func (getDoer) Do(req *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}, "X-Request-Id": {"req-1"}},
		Body: io.NopCloser(strings.NewReader(getBody)), ContentLength: int64(len(getBody)), Request: req}, nil
}

// BenchmarkStreamSmallInterleaved is BenchmarkStreamSmall with the
// configurations interleaved (see benchInterleaved).
func BenchmarkStreamSmallInterleaved(b *testing.B) {
	doer, req := smallStream()
	var ops []func()
	for _, c := range contenders() {
		client, err := modus.NewClient(append([]modus.Option{modus.WithAPIKey(benchKey), modus.WithHTTPClient(doer)}, c.opts...)...)
		if err != nil {
			b.Fatal(err)
		}
		ops = append(ops, func() { readRun(b, client, req) })
	}
	benchInterleaved(b, ops)
}

// smallStream is a doer answering with 1000 small token events and a done
// event, and the request of the run.
func smallStream() (streamDoer, modus.CreateRunRequest) {
	var buf strings.Builder
	for i := range 1000 {
		fmt.Fprintf(&buf, "id: 1717000000000-%d\ndata: {\"type\":\"token\",\"content\":\"Hello\"}\n\n", i)
	}
	buf.WriteString("id: 1717000000001-0\ndata: {\"type\":\"done\",\"runId\":\"run-1\"}\n\n")
	return streamDoer{stream: []byte(buf.String())}, modus.CreateRunRequest{Message: "hi", SessionID: "sess-1", OrganizationID: "org"}
}

// readRun starts a run and reads it to its end.
func readRun(b *testing.B, client *modus.Client, req modus.CreateRunRequest) {
	s, err := client.Runs.Create(context.Background(), req)
	if err != nil {
		b.Fatal(err)
	}
	n := 0
	for s.Next() {
		n++
	}
	if err := s.Err(); err != nil || n != 1001 {
		b.Fatal(n, err)
	}
}

// streamDoer answers every request with the same event stream, from
// memory: the cost measured is the SDK's and the instrumentation's, not the
// network's.
type streamDoer struct{ stream []byte }

func (d streamDoer) Do(req *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"text/event-stream"}},
		Body: io.NopCloser(bytes.NewReader(d.stream)), Request: req}, nil
}

// BenchmarkStreamSmall is a run (Runs.Create) of 1000 small token events
// and its done event, read to its end.
func BenchmarkStreamSmall(b *testing.B) {
	doer, req := smallStream()
	for _, c := range contenders() {
		b.Run("otel="+c.name, func(b *testing.B) {
			client, err := modus.NewClient(append([]modus.Option{modus.WithAPIKey(benchKey), modus.WithHTTPClient(doer)}, c.opts...)...)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				readRun(b, client, req)
			}
		})
	}
}
