package modus_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/modus-data/modus-sdk-go/modus"
	"github.com/modus-data/modus-sdk-go/modus/modustest"
)

// An observer sees each call start, retry and end, and each event,
// reconnection and end of a run stream: here it prints them, as an audit log
// or a metrics package would record them.
func ExampleWithObserver() {
	srv := modustest.New(modustest.WithRunScript("Hi", " there"))
	defer srv.Close()
	audit := modus.Observer{
		CallStart: func(ctx context.Context, info modus.CallInfo) context.Context {
			fmt.Println("start", info.Operation.ID, info.Operation.Method, info.Operation.Path)
			return ctx
		},
		Retry: func(ctx context.Context, info modus.RetryInfo) {
			fmt.Println("retry after attempt", info.Attempt, "HTTP", info.StatusCode)
		},
		CallEnd: func(ctx context.Context, info modus.CallInfo, res modus.CallResult) {
			fmt.Println("end", info.Operation.ID, "error:", res.Err != nil, "status", res.Meta.StatusCode)
		},
		StreamEvent: func(ctx context.Context, ev modus.Event) {
			if tok, ok := ev.(*modus.TokenEvent); ok {
				fmt.Printf("token %q\n", tok.Content)
			}
		},
		StreamEnd: func(ctx context.Context, info modus.StreamEndInfo) {
			fmt.Println("stream end, error:", info.Err != nil, "closed:", info.Closed)
		},
	}
	client, err := srv.Client(modus.WithObserver(audit))
	if err != nil {
		panic(err)
	}

	srv.FailNextOn("GET", "/api/v1/agents/{id}", 1, http.StatusServiceUnavailable, 0)
	_, err = client.Agents.Get(context.Background(), 1, nil)
	fmt.Println("not found:", errors.Is(err, modus.ErrNotFound))

	stream, err := client.Runs.Create(context.Background(), modus.CreateRunRequest{Message: "Hello", SessionID: "sess_1"})
	if err != nil {
		panic(err)
	}
	if _, err := stream.Collect(); err != nil {
		panic(err)
	}
	// Output:
	// start GetAgent GET /api/v1/agents/{id}
	// retry after attempt 1 HTTP 503
	// end GetAgent error: true status 404
	// not found: true
	// start CreateRun POST /agent/runs
	// end CreateRun error: false status 200
	// token "Hi"
	// token " there"
	// stream end, error: false closed: false
}
