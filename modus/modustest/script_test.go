package modustest_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/modus-data/modus-sdk-go/modus/modustest"
)

func types(evs []sseEvent) string {
	var out []string
	for _, e := range evs {
		out = append(out, fmt.Sprint(e.Data["type"]))
	}
	return strings.Join(out, ",")
}

func TestRunEventsEveryType(t *testing.T) {
	srv := modustest.NewServer(t, modustest.WithRunEvents(
		modustest.Notice("warning", "slow"),
		modustest.ToolStart("sql", "c1", map[string]any{"q": 1}),
		modustest.Heartbeat(),
		modustest.ToolEnd("sql", "c1", nil),
		modustest.Event("progress", map[string]any{"pct": 5}),
		modustest.Token("hi").WithID("my-id"),
	))
	_, evs, err := stream(t, srv, "POST", "/agent/runs", runBody("x"))
	if err != nil {
		t.Fatal(err)
	}
	if got := types(evs); got != "notice,tool_start,heartbeat,tool_end,progress,token,done" {
		t.Fatalf("types %s", got)
	}
	if evs[0].Data["severity"] != "warning" || evs[1].Data["toolName"] != "sql" || evs[1].Data["toolCallId"] != "c1" ||
		evs[4].Data["pct"] != 5.0 || evs[5].ID != "my-id" || evs[6].Data["runId"] == nil || evs[6].Data["threadId"] == nil {
		t.Fatalf("events %v", evs)
	}
	// A resume after a test-chosen id continues after it.
	runID := evs[6].Data["runId"].(string)
	_, rest, err := stream(t, srv, "GET", "/agent/runs/"+runID+"/stream", nil, "Last-Event-ID", "my-id")
	if err != nil || types(rest) != "done" {
		t.Fatalf("resume after my-id: %v %v", rest, err)
	}
	// Workflow actions stream the script too.
	action := map[string]any{"sessionId": "s", "organizationId": modustest.DefaultOrganizationID, "workflowAction": map[string]any{"toolName": "t"}}
	_, acts, err := stream(t, srv, "POST", "/agent/workflow-actions", action)
	if err != nil || types(acts) != types(evs) {
		t.Fatalf("action %s, %v", types(acts), err)
	}
}

func TestRunEventsTerminalSteps(t *testing.T) {
	for _, c := range []struct {
		steps []modustest.Step
		want  string
	}{
		{[]modustest.Step{modustest.Token("a")}, "token,done"},
		{[]modustest.Step{modustest.Token("a"), modustest.Error("boom")}, "token,error"},
		{[]modustest.Step{modustest.Cancelled()}, "cancelled"},
		{[]modustest.Step{modustest.Done(), modustest.Token("after")}, "done,token"},
		{[]modustest.Step{modustest.Event("error", map[string]any{"error": "x", "code": "RATE_LIMITED"})}, "error"},
	} {
		srv := modustest.NewServer(t)
		srv.SetRunEvents(c.steps...)
		_, evs, err := stream(t, srv, "POST", "/agent/runs", runBody("x"))
		if err != nil || types(evs) != c.want {
			t.Fatalf("%s: got %s, %v", c.want, types(evs), err)
		}
		if c.want == "cancelled" && fmt.Sprint(evs[0].Data["runIds"]) == "[]" {
			t.Fatalf("cancelled names no run: %v", evs[0].Data)
		}
	}
	// No steps: the default echo again.
	srv := modustest.NewServer(t, modustest.WithRunEvents(modustest.Token("x")))
	srv.SetRunEvents()
	_, evs, _ := stream(t, srv, "POST", "/agent/runs", runBody("hello there"))
	if len(evs) < 2 || evs[0].Data["content"] == "x" {
		t.Fatalf("default run: %v", evs)
	}
}

func TestRunEventsPauseDropHang(t *testing.T) {
	srv := modustest.NewServer(t, modustest.WithRunEvents(
		modustest.Token("a"), modustest.Pause(50*time.Millisecond), modustest.Token("b"), modustest.Drop(), modustest.Token("c"),
	))
	start := time.Now()
	_, evs, err := stream(t, srv, "POST", "/agent/runs", runBody("x"))
	if err == nil || types(evs) != "token,token" {
		t.Fatalf("first stream: %s, err %v; want two tokens and a broken connection", types(evs), err)
	}
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Fatalf("no pause: %v", d)
	}
	// The drop happens once: the same run replayed (same Idempotency-Key) passes it.
	key := "run-key"
	_, first, err := stream(t, srv, "POST", "/agent/runs", runBody("y"), "Idempotency-Key", key)
	if err == nil || types(first) != "token,token" {
		t.Fatalf("keyed run: %s %v", types(first), err)
	}
	_, again, err := stream(t, srv, "GET", "/agent/runs/"+key+"/stream", nil, "Last-Event-ID", first[1].ID)
	if err != nil || types(again) != "token,done" || again[0].Data["content"] != "c" {
		t.Fatalf("resume past the drop: %v %v", again, err)
	}

	// Hang: the stream stays open until the client goes away.
	srv.SetRunEvents(modustest.Token("a"), modustest.Hang())
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "POST", srv.URL()+"/agent/runs", strings.NewReader(`{"message":"m","sessionId":"s","organizationId":"`+modustest.DefaultOrganizationID+`"}`))
	req.Header.Set("Authorization", "Bearer "+srv.APIKey())
	req.Header.Set("Content-Type", "application/json")
	resp, err := srv.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	start = time.Now()
	hung, err := readEvents(resp.Body)
	if err == nil || types(hung) != "token" || time.Since(start) < 50*time.Millisecond {
		t.Fatalf("hang: %s after %v, err %v", types(hung), time.Since(start), err)
	}
}

// fakeTB records a Fatalf and stops the goroutine, as testing.T does.
type fakeTB struct {
	testing.TB
	msg string
}

func (f *fakeTB) Helper() {}
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	runtime.Goexit() // as t.FailNow does
}

func TestSeedFailsTheTest(t *testing.T) {
	srv := modustest.NewServer(t)
	for name, seed := range map[string]func(tb testing.TB){
		"agent without name": func(tb testing.TB) { srv.SeedAgent(tb, modustest.AgentSeed{}) },
		"skill without name": func(tb testing.TB) { srv.SeedSkill(tb, modustest.SkillSeed{}) },
		"item without type":  func(tb testing.TB) { srv.SeedContextItem(tb, modustest.ContextItemSeed{}) },
		"memory of no skill": func(tb testing.TB) { srv.SeedMemory(tb, 99, "m", nil) },
		"run of no agent":    func(tb testing.TB) { srv.SeedAgentRun(tb, 99, "completed") },
		"metadata not JSON":  func(tb testing.TB) { srv.SeedMemory(tb, 1, "m", map[string]any{"f": func() {}}) },
		"feedback not known": func(tb testing.TB) {
			srv.SeedContextItem(tb, modustest.ContextItemSeed{ContextType: "note", UserFeedback: "meh"})
		},
	} {
		tb := &fakeTB{}
		done := make(chan struct{})
		go func() { defer close(done); seed(tb) }()
		<-done
		if !strings.HasPrefix(tb.msg, "modustest: Seed") {
			t.Errorf("%s: Fatalf %q", name, tb.msg)
		}
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.HasPrefix(fmt.Sprint(r), "modustest: Seed") {
					t.Errorf("%s with a nil tb: recovered %v", name, r)
				}
			}()
			seed(nil)
		}()
	}
}

// RawEvent sends its data as given, one data: line per line whatever the
// line ends, and its type decides whether the run ends.
func TestRawEventLines(t *testing.T) {
	srv := modustest.NewServer(t, modustest.WithRunEvents(
		modustest.RawEvent("{\r\n \"type\": \"token\",\r \"content\": \"a\"\n}").WithID("1"),
		modustest.RawEvent(`{"type":"error","message":"boom"}`),
	))
	req, _ := http.NewRequest("POST", srv.URL()+"/agent/runs", strings.NewReader(`{"message":"m","sessionId":"s","organizationId":"`+modustest.DefaultOrganizationID+`"}`))
	req.Header.Set("Authorization", "Bearer "+srv.APIKey())
	req.Header.Set("Content-Type", "application/json")
	resp, err := srv.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	want := "id: 1\ndata: {\ndata:  \"type\": \"token\",\ndata:  \"content\": \"a\"\ndata: }\n\n"
	if !strings.HasPrefix(string(body), want) || strings.Count(string(body), "\n\n") != 2 || strings.Contains(string(body), `"done"`) {
		t.Fatalf("stream %q, want it to start with %q and end after the error event", body, want)
	}
}
