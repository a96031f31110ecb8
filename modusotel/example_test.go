package modusotel_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"go.opentelemetry.io/otel/exporters/stdout/stdouttrace"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/modus-data/modus-sdk-go/modus"
	"github.com/modus-data/modus-sdk-go/modus/modustest"
	"github.com/modus-data/modus-sdk-go/modusotel"
)

// A client traced with the stdout exporter. A service would give
// Instrument its own providers (or set the global ones) and export to a
// collector; here the exporter writes JSON into a buffer, of which the
// example prints each span's name, in the order the spans ended: the HTTP
// attempt that opened the run, the tool call, then the run.
func Example() {
	srv := modustest.New(modustest.WithRunEvents(
		modustest.Token("It is "),
		modustest.ToolStart("clock", "call-1", map[string]any{}),
		modustest.ToolEnd("clock", "call-1", map[string]any{"time": "noon"}),
		modustest.Token("noon."),
	))
	defer srv.Close()

	var out bytes.Buffer // os.Stdout in a real program
	exporter, err := stdouttrace.New(stdouttrace.WithWriter(&out))
	if err != nil {
		panic(err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exporter))
	defer tp.Shutdown(context.Background())

	client, err := srv.Client(modusotel.Instrument(
		modusotel.WithTracerProvider(tp),
		modusotel.WithPropagators(propagation.TraceContext{}),
	))
	if err != nil {
		panic(err)
	}
	stream, err := client.Runs.Create(context.Background(), modus.CreateRunRequest{Message: "What time is it?", SessionID: "sess_1"})
	if err != nil {
		panic(err)
	}
	res, err := stream.Collect()
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Text)

	dec := json.NewDecoder(&out)
	for {
		var span struct{ Name string }
		if dec.Decode(&span) != nil {
			break
		}
		fmt.Println(span.Name)
	}
	// Output:
	// It is noon.
	// POST /agent/runs
	// execute_tool clock
	// invoke_agent
}
