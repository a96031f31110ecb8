package modustest_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/modus-data/modus-sdk-go/gen"
	"github.com/modus-data/modus-sdk-go/modus/modustest"
)

func TestRunStreamAndReplay(t *testing.T) {
	srv := modustest.NewServer(t, modustest.WithRunScript("Hel", "lo", "!"))
	a := srv.SeedAgent(t, modustest.AgentSeed{Name: "a", Deployed: true})
	resp, evs, err := stream(t, srv, "POST", "/agent/runs", runBody("hi"))
	if err != nil {
		t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("content type %q", ct)
	}
	if len(evs) != 4 || evs[0].Data["content"] != "Hel" || evs[3].Data["type"] != "done" {
		t.Fatalf("events %v", evs)
	}
	for i, ev := range evs {
		if !strings.HasSuffix(ev.ID, fmt.Sprintf("-%d", i)) {
			t.Fatalf("id %q", ev.ID)
		}
	}
	runID, _ := evs[3].Data["runId"].(string)
	if runID == "" || evs[3].Data["threadId"] == nil {
		t.Fatalf("done %v", evs[3].Data)
	}

	_, rest, err := stream(t, srv, "GET", "/agent/runs/"+runID+"/stream", nil, "Last-Event-ID", evs[1].ID)
	if err != nil || len(rest) != 2 || rest[0].ID != evs[2].ID || rest[1].Data["type"] != "done" {
		t.Fatalf("replay %v %v", rest, err)
	}
	_, all, _ := stream(t, srv, "GET", "/agent/runs/"+runID+"/stream", nil, "Last-Event-ID", "0")
	if len(all) != 4 {
		t.Fatalf("replay from 0: %d", len(all))
	}
	r, body := call(t, srv, "GET", "/agent/runs/nope/stream", nil)
	expectError(t, r, body, http.StatusNotFound, "NOT_FOUND")

	checkJSONRun(t, srv)

	checkAgentHistory(t, srv, a.ID, runID)
}

func checkJSONRun(t *testing.T, srv *modustest.Server) {
	t.Helper()
	// Accept: application/json answers 201 with the polling body.
	var created gen.CreateRunResponseDto
	r, body := call(t, srv, "POST", "/agent/runs", runBody("hi"), "Accept", "application/json")
	expect(t, r, body, http.StatusCreated, &created)
	if created.RunID == "" || created.Status == "" {
		t.Fatalf("json run: %s", body)
	}
}

func checkAgentHistory(t *testing.T, srv *modustest.Server, agentID int64, runID string) {
	t.Helper()
	// Chat runs name no agent, so they are in no agent's history; a workflow
	// action with automationId is in its agent's.
	var runs gen.ListAutomationRunsResponseDto
	r, body := call(t, srv, "GET", fmt.Sprintf("/api/v1/agents/%d/runs", agentID), nil)
	expect(t, r, body, http.StatusOK, &runs)
	if len(runs.Runs) != 0 || *runs.Counts.AllExecutions != 0 {
		t.Fatalf("agent runs after chat runs: %s", body)
	}
	action := map[string]any{"sessionId": "s", "organizationId": modustest.DefaultOrganizationID,
		"automationId": fmt.Sprint(agentID), "workflowAction": map[string]any{"toolName": "sql_runner"}}
	_, acts, err := stream(t, srv, "POST", "/agent/workflow-actions", action)
	if err != nil || len(acts) == 0 {
		t.Fatalf("action: %v %v", acts, err)
	}
	actionID, _ := acts[len(acts)-1].Data["runId"].(string)
	r, body = call(t, srv, "GET", fmt.Sprintf("/api/v1/agents/%d/runs", agentID), nil)
	expect(t, r, body, http.StatusOK, &runs)
	if len(runs.Runs) != 1 || *runs.Counts.Completed != 1 || runs.Runs[0].WorkflowID != actionID {
		t.Fatalf("agent runs: %s", body)
	}
	r, body = call(t, srv, "GET", fmt.Sprintf("/api/v1/agents/%d/runs/%s", agentID, actionID), nil)
	expect(t, r, body, http.StatusOK, nil)
	r, body = call(t, srv, "GET", fmt.Sprintf("/api/v1/agents/%d/runs/%s", agentID, runID), nil)
	expectError(t, r, body, http.StatusNotFound, "NOT_FOUND")
	srv.SeedAgentRun(t, agentID, "running")
	r, body = call(t, srv, "GET", fmt.Sprintf("/api/v1/agents/%d/runs?status=running", agentID), nil)
	expect(t, r, body, http.StatusOK, &runs)
	if len(runs.Runs) != 1 || *runs.Counts.AllExecutions != 2 {
		t.Fatalf("running: %s", body)
	}
}

func TestIdempotency(t *testing.T) {
	srv := modustest.NewServer(t, modustest.WithRunScript("a", "b", "c"))
	_, first, _ := stream(t, srv, "POST", "/agent/runs", runBody("hi"), "Idempotency-Key", "key-1")
	if len(first) != 4 || first[3].Data["runId"] != "key-1" {
		t.Fatalf("first %v", first)
	}
	// Same key, same body: the same run, resumed after Last-Event-ID.
	_, again, _ := stream(t, srv, "POST", "/agent/runs", runBody("hi"), "Idempotency-Key", "key-1", "Last-Event-ID", first[0].ID)
	if len(again) != 3 || again[0].ID != first[1].ID {
		t.Fatalf("resumed %v", again)
	}
	// Same key, other body: a 409 reported as an error event.
	_, conflict, _ := stream(t, srv, "POST", "/agent/runs", runBody("other"), "Idempotency-Key", "key-1")
	if len(conflict) != 1 || conflict[0].Data["type"] != "error" || !strings.Contains(conflict[0].Data["error"].(string), "Idempotency-Key") {
		t.Fatalf("conflict %v", conflict)
	}

	// Workflow actions stream and resume the same way.
	body := map[string]any{"sessionId": "s", "organizationId": modustest.DefaultOrganizationID,
		"workflowAction": map[string]any{"toolName": "sql_runner"}}
	_, acts, _ := stream(t, srv, "POST", "/agent/workflow-actions", body, "Idempotency-Key", "act-1")
	if len(acts) != 6 || acts[0].Data["type"] != "tool_start" || acts[5].Data["type"] != "done" {
		t.Fatalf("action %v", acts)
	}
	_, acts2, _ := stream(t, srv, "POST", "/agent/workflow-actions", body, "Idempotency-Key", "act-1", "Last-Event-ID", acts[4].ID)
	if len(acts2) != 1 || acts2[0].Data["type"] != "done" {
		t.Fatalf("action resumed %v", acts2)
	}
	body["sessionId"] = "other"
	_, acts3, _ := stream(t, srv, "POST", "/agent/workflow-actions", body, "Idempotency-Key", "act-1")
	if len(acts3) != 1 || acts3[0].Data["type"] != "error" {
		t.Fatalf("action conflict %v", acts3)
	}
}

func TestDropStreamAndResume(t *testing.T) {
	tokens := make([]string, 1000)
	for i := range tokens {
		tokens[i] = fmt.Sprintf("t%d ", i)
	}
	srv := modustest.NewServer(t, modustest.WithRunScript(tokens...))
	srv.DropStreamAfter(300, 2)

	_, part, err := stream(t, srv, "POST", "/agent/runs", runBody("long"), "Idempotency-Key", "long-1")
	if err == nil || !errors.Is(err, io.ErrUnexpectedEOF) && !strings.Contains(err.Error(), "EOF") {
		t.Fatalf("dropped stream ended with %v", err)
	}
	if len(part) != 300 {
		t.Fatalf("got %d events before the drop", len(part))
	}
	// The second stream is dropped too, then streams run to the end.
	_, part2, err := stream(t, srv, "GET", "/agent/runs/long-1/stream", nil, "Last-Event-ID", part[299].ID)
	if err == nil || len(part2) != 300 || part2[0].ID != strings.TrimSuffix(part[299].ID, "-299")+"-300" {
		t.Fatalf("second drop: %d events, err %v", len(part2), err)
	}
	_, rest, err := stream(t, srv, "GET", "/agent/runs/long-1/stream", nil, "Last-Event-ID", part2[299].ID)
	if err != nil || len(rest) != 401 || rest[400].Data["type"] != "done" {
		t.Fatalf("rest: %d events, err %v", len(rest), err)
	}
}

func TestStreamCancelDoesNotLeak(t *testing.T) {
	srv := modustest.NewServer(t, modustest.WithRunScript("a", "b", "c", "d"), modustest.WithEventInterval(time.Minute))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "POST", srv.URL()+"/agent/runs", strings.NewReader(`{"message":"x","sessionId":"s","organizationId":"`+modustest.DefaultOrganizationID+`"}`))
	req.Header.Set("Authorization", "Bearer "+srv.APIKey())
	resp, err := srv.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	// The first frame arrives at once (flushed), the second only after a minute.
	buf := make([]byte, 256)
	n, err := resp.Body.Read(buf)
	if err != nil || !strings.Contains(string(buf[:n]), `"content":"a"`) {
		t.Fatalf("first frame %q, %v", buf[:n], err)
	}
	start := time.Now()
	cancel()
	if _, err := io.ReadAll(resp.Body); !errors.Is(err, context.Canceled) {
		t.Fatalf("read after cancel: %v", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatal("cancel took too long")
	}
}

// Close returns only when the goroutines of open streams have ended.
func TestCloseEndsStreams(t *testing.T) {
	srv := modustest.New(modustest.WithRunScript("a", "b", "c"), modustest.WithEventInterval(time.Hour))
	req, _ := http.NewRequest("POST", srv.URL()+"/agent/runs", strings.NewReader(`{"message":"x","sessionId":"s","organizationId":"`+modustest.DefaultOrganizationID+`"}`))
	req.Header.Set("Authorization", "Bearer "+srv.APIKey())
	resp, err := srv.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	buf := make([]byte, 64)
	if _, err := resp.Body.Read(buf); err != nil { // the first frame: the stream is open
		t.Fatal(err)
	}
	srv.Close()
	stacks := make([]byte, 1<<20)
	stacks = stacks[:runtime.Stack(stacks, true)]
	if bytes.Contains(stacks, []byte("modustest.(*api).stream")) {
		t.Fatalf("a stream goroutine outlived Close:\n%s", stacks)
	}
	srv.Close() // a second Close is harmless
}
