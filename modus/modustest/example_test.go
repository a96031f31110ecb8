package modustest_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/modus-data/modus-sdk-go/modus"
	"github.com/modus-data/modus-sdk-go/modus/modustest"
)

// A test makes only the resume of a stream fail: the run's first stream
// breaks after one event (a Drop step), and every resume (GET
// /agent/runs/{runId}/stream) answers 503, so the client gives up with a
// *modus.StreamInterruptedError and keeps the text it had.
func ExampleServer_FailNextOn() {
	srv := modustest.New(modustest.WithRunEvents(modustest.Token("Hel"), modustest.Drop(), modustest.Token("lo")))
	defer srv.Close()
	srv.FailNextOn("GET", "/agent/runs/{runId}/stream", 100, http.StatusServiceUnavailable, 0)
	client, _ := srv.Client(modus.WithMaxRetries(0))

	stream, err := client.Runs.Create(context.Background(), modus.CreateRunRequest{Message: "Hi", SessionID: "sess_1"},
		modus.WithStreamReconnects(2))
	if err != nil {
		panic(err)
	}
	res, err := stream.Collect()
	var interrupted *modus.StreamInterruptedError
	fmt.Println(res.Text, errors.As(err, &interrupted), errors.Is(err, modus.ErrServer))
	fmt.Println("POSTs:", srv.Requests("POST", "/agent/runs"))
	fmt.Println("resumes:", srv.Requests("GET", "/agent/runs/{runId}/stream"))
	// Output:
	// Hel true true
	// POSTs: 1
	// resumes: 2
}

// DropNextOn breaks streams by route: here the run's first stream (the
// POST) and its first resume each break after one event; the client
// resumes twice and gets every event once.
func ExampleServer_DropNextOn() {
	srv := modustest.New(modustest.WithRunScript("one", " two", " three"))
	defer srv.Close()
	srv.DropNextOn("POST", "/agent/runs", 1, 1)
	srv.DropNextOn("GET", "/agent/runs/{runId}/stream", 1, 1)
	client, _ := srv.Client()

	stream, err := client.Runs.Create(context.Background(), modus.CreateRunRequest{Message: "Count", SessionID: "sess_1"})
	if err != nil {
		panic(err)
	}
	res, err := stream.Collect()
	fmt.Println(res.Text, err)
	fmt.Println("resumes:", srv.Requests("GET", "/agent/runs/{runId}/stream"))
	// Output:
	// one two three <nil>
	// resumes: 2
}

// SetLatencyOn slows one route: listing agents outlasts the caller's
// deadline while listing skills does not.
func ExampleServer_SetLatencyOn() {
	srv := modustest.New()
	defer srv.Close()
	srv.SetLatencyOn("GET", "/api/v1/agents", time.Minute)
	client, _ := srv.Client()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()

	_, err := client.Agents.List(ctx, nil)
	fmt.Println("agents:", errors.Is(err, context.DeadlineExceeded))
	_, err = client.Skills.List(context.Background(), nil)
	fmt.Println("skills:", err)
	// Output:
	// agents: true
	// skills: <nil>
}

// A scripted error event: the stream delivers the tokens before it, then
// stops with a *modus.RunError.
func ExampleServer_SetRunEvents_error() {
	srv := modustest.New()
	defer srv.Close()
	srv.SetRunEvents(modustest.Token("Looking"), modustest.Error("model overloaded"))
	client, _ := srv.Client()

	stream, err := client.Runs.Create(context.Background(), modus.CreateRunRequest{Message: "Hi", SessionID: "sess_1"})
	if err != nil {
		panic(err)
	}
	res, err := stream.Collect()
	var runErr *modus.RunError
	fmt.Println(res.Text, errors.As(err, &runErr), runErr.Message)
	// Output: Looking true model overloaded
}

// A scripted cancelled run: Collect returns an error matching
// modus.ErrRunCancelled.
func ExampleServer_SetRunEvents_cancelled() {
	srv := modustest.New(modustest.WithRunEvents(modustest.Token("Work"), modustest.Cancelled()))
	defer srv.Close()
	client, _ := srv.Client()

	stream, err := client.Runs.Create(context.Background(), modus.CreateRunRequest{Message: "Hi", SessionID: "sess_1"})
	if err != nil {
		panic(err)
	}
	res, err := stream.Collect()
	fmt.Println(res.Text, errors.Is(err, modus.ErrRunCancelled))
	// Output: Work true
}

// Every documented event type, an event of a type the SDK does not know,
// a pause and ids of the test's choosing; a done event ends the run.
func ExampleServer_SetRunEvents_events() {
	srv := modustest.New(modustest.WithRunEvents(
		modustest.Notice("info", "Using the sales warehouse"),
		modustest.ToolStart("sql_runner", "call_1", map[string]any{"sql": "select 1"}),
		modustest.Heartbeat(),
		modustest.Pause(10*time.Millisecond),
		modustest.ToolEnd("sql_runner", "call_1", map[string]any{"rows": 1}),
		modustest.Event("progress", map[string]any{"percent": 50}),
		modustest.Token("One row.").WithID("answer-1"),
		modustest.Done().WithID("end"),
	))
	defer srv.Close()
	client, _ := srv.Client()

	stream, err := client.Runs.Create(context.Background(), modus.CreateRunRequest{Message: "Hi", SessionID: "sess_1"})
	if err != nil {
		panic(err)
	}
	for ev, err := range stream.All() {
		if err != nil {
			panic(err)
		}
		fmt.Printf("%T\n", ev)
	}
	fmt.Println(stream.LastEventID())
	// Output:
	// *modus.NoticeEvent
	// *modus.ToolEvent
	// *modus.HeartbeatEvent
	// *modus.ToolEvent
	// *modus.UnknownEvent
	// *modus.TokenEvent
	// *modus.DoneEvent
	// end
}

// A run that never ends: the stream stays open until the caller's context
// ends.
func ExampleHang() {
	srv := modustest.New(modustest.WithRunEvents(modustest.Token("Thinking"), modustest.Hang()))
	defer srv.Close()
	client, _ := srv.Client()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()

	stream, err := client.Runs.Create(ctx, modus.CreateRunRequest{Message: "Hi", SessionID: "sess_1"})
	if err != nil {
		panic(err)
	}
	res, err := stream.Collect()
	fmt.Println(res.Text, errors.Is(err, context.DeadlineExceeded))
	// Output: Thinking true
}

// Seed methods return the client's types and fail the test themselves, so
// a test needs no error checks: pass the test's t. Outside a test, as in
// this example, tb may be nil (a seed that cannot be done then panics).
func ExampleServer_SeedAgent() {
	srv := modustest.New()
	defer srv.Close()
	agent := srv.SeedAgent(nil, modustest.AgentSeed{Name: "Weekly sales report", Deployed: true})
	skill := srv.SeedSkill(nil, modustest.SkillSeed{Name: "Support assistant"})
	srv.SeedMemory(nil, skill.ID, "Prefers answers in French", nil)
	fmt.Println(agent.Name, agent.Status, skill.Name, skill.Status)
	// Output: Weekly sales report active Support assistant draft
}

// Journal shows what the code under test sent, with the key masked.
func ExampleServer_Journal() {
	srv := modustest.New()
	defer srv.Close()
	client, _ := srv.Client()

	_, err := client.Context.CreateNote(context.Background(), modus.CreateNoteRequest{Title: "Q3", Content: "Revenue up 4%"})
	if err != nil {
		panic(err)
	}
	sent := srv.Journal("POST", "/api/v1/context/notes")[0]
	fmt.Println(sent.Status, sent.Header.Get("Authorization"), string(sent.Body))
	// Output: 201 Bearer *** {"content":"Revenue up 4%","title":"Q3"}
}

// StallNextOn makes the first stream of a run go silent after one event;
// the client's idle timeout resumes it, and the resume runs normally.
func ExampleServer_StallNextOn() {
	srv := modustest.New(modustest.WithRunScript("Hel", "lo"))
	defer srv.Close()
	srv.StallNextOn("POST", "/agent/runs", 1, 1, 0) // until the client leaves
	client, _ := srv.Client(modus.WithStreamIdleTimeout(100 * time.Millisecond))

	stream, err := client.Runs.Create(context.Background(), modus.CreateRunRequest{Message: "Hi", SessionID: "sess_1"})
	if err != nil {
		panic(err)
	}
	res, err := stream.Collect()
	fmt.Println(res.Text, err, "| reconnects:", stream.Reconnects())
	// Output: Hello <nil> | reconnects: 1
}
