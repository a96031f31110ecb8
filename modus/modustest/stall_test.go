package modustest_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/modus-data/modus-sdk-go/modus"
	"github.com/modus-data/modus-sdk-go/modus/modustest"
)

// A stall-once fault: the first stream stops after one event and stays
// open, silent, until the client leaves; the SDK's idle timeout resumes it,
// and the resume (a stream of its own) runs normally.
func TestStallNextOnOnlyFirstStream(t *testing.T) {
	srv := modustest.NewServer(t, modustest.WithRunScript("a", "b", "c"))
	srv.StallNextOn("POST", "/agent/runs", 1, 1, 0)
	client, err := srv.Client(modus.WithStreamIdleTimeout(300 * time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	stream, err := client.Runs.Create(ctx, modus.CreateRunRequest{Message: "m", SessionID: "s"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := stream.Collect()
	if err != nil || res.Text != "abc" || stream.Reconnects() != 1 {
		t.Fatalf("text %q, err %v, reconnects %d; want abc after one resume", res.Text, err, stream.Reconnects())
	}
	// The rule is used up: the next run streams without a stall (a stall
	// would make the idle timeout resume it).
	stream, err = client.Runs.Create(ctx, modus.CreateRunRequest{Message: "m", SessionID: "s"})
	if err != nil {
		t.Fatal(err)
	}
	if res, err := stream.Collect(); err != nil || res.Text != "abc" || stream.Reconnects() != 0 {
		t.Fatalf("second run: %q, %v, %d reconnects", res.Text, err, stream.Reconnects())
	}
}

// With a duration, the stalled stream goes on after it: every event
// arrives, once, and only that stream waits.
func TestStallNextOnForDuration(t *testing.T) {
	srv := modustest.NewServer(t, modustest.WithRunScript("a", "b"))
	const stall = time.Second
	srv.StallNextOn("GET", "/agent/runs/{runId}/stream", 1, 2, stall)
	_, evs, err := stream(t, srv, "POST", "/agent/runs", runBody("x")) // another route: no stall
	if err != nil || len(evs) != 3 {
		t.Fatalf("POST: %d events, %v", len(evs), err)
	}
	runID, _ := evs[2].Data["runId"].(string)
	start := time.Now()
	_, evs, err = stream(t, srv, "GET", "/agent/runs/"+runID+"/stream", nil)
	if d := time.Since(start); err != nil || len(evs) != 3 || d < stall {
		t.Fatalf("stalled resume: %d events, %v, took %v", len(evs), err, d)
	}
	start = time.Now()
	_, evs, err = stream(t, srv, "GET", "/agent/runs/"+runID+"/stream", nil)
	if d := time.Since(start); err != nil || len(evs) != 3 || d >= stall {
		t.Fatalf("second resume: %d events, %v, took %v", len(evs), err, d)
	}
	// A stall past the last event holds the end of the stream.
	srv.StallNextOn("GET", "/agent/runs/{runId}/stream", 1, 10, stall)
	start = time.Now()
	if _, evs, err = stream(t, srv, "GET", "/agent/runs/"+runID+"/stream", nil); err != nil || len(evs) != 3 || time.Since(start) < stall {
		t.Fatalf("stall at the end: %d events, %v, took %v", len(evs), err, time.Since(start))
	}
	// Requests that are not streams leave the rule alone.
	srv.StallNextOn(modustest.AnyMethod, modustest.AnyPath, 1, 0, time.Hour)
	r, body := call(t, srv, "GET", "/api/v1/agents", nil)
	expect(t, r, body, http.StatusOK, nil)
	srv.ClearFaults()
}

// Close ends a stream stalled until the client leaves.
func TestStallEndsOnClose(t *testing.T) {
	srv := modustest.New(modustest.WithRunScript("a"))
	srv.StallNextOn("POST", "/agent/runs", 1, 0, 0)
	client, err := srv.Client()
	if err != nil {
		t.Fatal(err)
	}
	stream, err := client.Runs.Create(context.Background(), modus.CreateRunRequest{Message: "m", SessionID: "s"}, modus.WithStreamReconnects(0))
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	done := make(chan struct{})
	go func() { srv.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close waited for the stalled stream")
	}
}
