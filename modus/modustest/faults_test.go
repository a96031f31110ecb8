package modustest_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/modus-data/modus-sdk-go/gen"
	"github.com/modus-data/modus-sdk-go/modus"
	"github.com/modus-data/modus-sdk-go/modus/modustest"
)

func TestFailNextOnTargetsOneRoute(t *testing.T) {
	srv := modustest.NewServer(t)
	a := srv.SeedAgent(t, modustest.AgentSeed{Name: "a"})
	srv.FailNextOn("GET", "/api/v1/agents/{id}", 2, http.StatusConflict, 3*time.Second)

	r, body := call(t, srv, "GET", "/api/v1/agents", nil) // another path: untouched
	expect(t, r, body, http.StatusOK, nil)
	r, body = call(t, srv, "DELETE", fmt.Sprintf("/api/v1/agents/%d", a.ID), nil) // another method
	expect(t, r, body, http.StatusNoContent, nil)
	for range 2 {
		r, body = call(t, srv, "GET", fmt.Sprintf("/api/v1/agents/%d", a.ID), nil)
		expectError(t, r, body, http.StatusConflict, "CONFLICT")
		if ra := r.Header.Get("Retry-After"); ra != "3" {
			t.Fatalf("Retry-After %q", ra)
		}
	}
	r, body = call(t, srv, "GET", fmt.Sprintf("/api/v1/agents/%d", a.ID), nil) // used up: the real answer
	expectError(t, r, body, http.StatusNotFound, "NOT_FOUND")

	// A second call for the same route replaces; ClearFaults clears.
	srv.FailNextOn("get", "/api/v1/agents", 5, http.StatusTooManyRequests, 0)
	srv.FailNextOn("GET", "/api/v1/agents", 1, http.StatusTooManyRequests, 0)
	r, body = call(t, srv, "GET", "/api/v1/agents", nil)
	expectError(t, r, body, http.StatusTooManyRequests, "RATE_LIMITED")
	r, body = call(t, srv, "GET", "/api/v1/agents", nil)
	expect(t, r, body, http.StatusOK, nil)
	// A {param} segment matches one segment, not none and not two.
	srv.FailNextOn(modustest.AnyMethod, "/api/v1/agents/{id}", 1, http.StatusBadGateway, 0)
	r, body = call(t, srv, "GET", "/api/v1/agents/", nil)
	if r.StatusCode == http.StatusBadGateway {
		t.Fatalf("empty segment matched {id}: %s", body)
	}
	r, body = call(t, srv, "GET", "/api/v1/agents/1/runs", nil)
	if r.StatusCode == http.StatusBadGateway {
		t.Fatalf("two segments matched {id}: %s", body)
	}
	r, body = call(t, srv, "PATCH", "/api/v1/agents/9", map[string]any{})
	expectError(t, r, body, http.StatusBadGateway, "INTERNAL_ERROR")
}

func TestFaultArgumentsPanic(t *testing.T) {
	srv := modustest.NewServer(t)
	for name, f := range map[string]func(){
		"status 200":       func() { srv.FailNextOn("GET", "/api/v1/agents", 1, 200, 0) },
		"n 0 (was: clear)": func() { srv.FailNext(0, 0, 0) },
		"n 0 with status":  func() { srv.FailNext(0, 503, 0) },
		"drop n 0":         func() { srv.DropNextOn("GET", "/agent/runs/{runId}/stream", 0, 1) },
		"stall n 0":        func() { srv.StallNextOn("GET", "/agent/runs/{runId}/stream", 0, 1, 0) },
		"stall negative d": func() { srv.StallNextOn("GET", "/agent/runs/{runId}/stream", 1, 1, -time.Second) },
		"status 600":       func() { srv.FailNext(1, 600, 0) },
		"negative n":       func() { srv.FailNext(-1, 503, 0) },
		"relative path":    func() { srv.FailNextOn("GET", "agents", 1, 503, 0) },
		"empty method":     func() { srv.DropNextOn("", "/x", 1, 1) },
		"negative events":  func() { srv.DropStreamAfter(-1, 1) },
		"negative latency": func() { srv.SetLatencyOn("GET", "/api/v1/agents", -time.Second) },
		"negative pause":   func() { modustest.Pause(-time.Second) },
		"id on a pause":    func() { modustest.Pause(0).WithID("x") },
		"type in fields":   func() { modustest.Event("x", map[string]any{"type": "y"}) },
		"raw not JSON":     func() { modustest.RawEvent("{nope") },
		"raw not object":   func() { modustest.RawEvent(`["type"]`) },
	} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.HasPrefix(fmt.Sprint(r), "modustest: ") {
					t.Errorf("%s: recovered %v, want a modustest panic", name, r)
				}
			}()
			f()
		}()
	}
}

// The case: only the resume fails. The POST's stream is cut by a
// route rule, and the resumes answer 503 while the POST route is clean.
func TestDropAndFailOnlyResumes(t *testing.T) {
	srv := modustest.NewServer(t, modustest.WithRunScript("a", "b", "c"))
	srv.DropNextOn("POST", "/agent/runs", 1, 1)
	_, evs, err := stream(t, srv, "POST", "/agent/runs", runBody("x"))
	if err == nil || len(evs) != 1 {
		t.Fatalf("POST stream: %d events, err %v; want 1 and a broken connection", len(evs), err)
	}
	srv.DropNextOn("GET", "/agent/runs/{runId}/stream", 2, 1)
	_, second, err := stream(t, srv, "POST", "/agent/runs", runBody("y")) // the POST route is clean now
	if err != nil || len(second) != 4 {
		t.Fatalf("second POST: %d events, err %v", len(second), err)
	}
	runID, _ := second[3].Data["runId"].(string)
	for i := range 2 {
		_, evs, err := stream(t, srv, "GET", "/agent/runs/"+runID+"/stream", nil)
		if err == nil || len(evs) != 1 {
			t.Fatalf("resume %d: %d events, err %v; want 1 and a broken connection", i+1, len(evs), err)
		}
	}
	_, all, err := stream(t, srv, "GET", "/agent/runs/"+runID+"/stream", nil)
	if err != nil || len(all) != 4 {
		t.Fatalf("resume 3: %d events, err %v", len(all), err)
	}
	if n := srv.Requests("GET", "/agent/runs/{runId}/stream"); n != 3 {
		t.Fatalf("Requests by pattern: %d", n)
	}
	if n := srv.Requests(modustest.AnyMethod, modustest.AnyPath); n != srv.RequestCount() {
		t.Fatalf("Requests(any, any) %d != RequestCount %d", n, srv.RequestCount())
	}
}

func TestLatencyPerRoute(t *testing.T) {
	srv := modustest.NewServer(t)
	srv.SetLatency(time.Hour)
	srv.SetLatencyOn("GET", "/api/v1/skills", time.Millisecond) // a route's own latency wins
	start := time.Now()
	r, body := call(t, srv, "GET", "/api/v1/skills", nil)
	expect(t, r, body, http.StatusOK, nil)
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("skills took %v", d)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL()+"/api/v1/agents", nil)
	if resp, err := srv.HTTPClient().Do(req); err == nil {
		resp.Body.Close()
		t.Fatal("agents answered within the global latency")
	}
	srv.SetLatency(0)
	srv.SetLatencyOn("GET", "/api/v1/skills", 0)
	r, body = call(t, srv, "GET", "/api/v1/agents", nil)
	expect(t, r, body, http.StatusOK, nil)
}

// DropNextOn with events = 0 breaks before the headers: as documented, the
// client sees a connection error, retries the POST with its idempotency
// key, and gives up with a *modus.TransportError.
func TestDropBeforeHeaders(t *testing.T) {
	srv := modustest.NewServer(t)
	srv.DropNextOn("POST", "/agent/runs", 100, 0)
	client, err := srv.Client()
	if err != nil {
		t.Fatal(err)
	}
	_, err = client.Runs.Create(context.Background(), modus.CreateRunRequest{Message: "m", SessionID: "s"})
	var te *modus.TransportError
	if !errors.As(err, &te) {
		t.Fatalf("err %v (%T), want a *modus.TransportError", err, err)
	}
	if n := srv.Requests("POST", "/agent/runs"); n != 1+modus.DefaultMaxRetries {
		t.Fatalf("%d POSTs, want %d", n, 1+modus.DefaultMaxRetries)
	}
}

// A dropped request that is not a stream is handled, and its answer lost.
func TestDropUnaryAnswer(t *testing.T) {
	srv := modustest.NewServer(t)
	srv.DropNextOn("POST", "/api/v1/agents", 1, 0)
	req, _ := http.NewRequest("POST", srv.URL()+"/api/v1/agents", strings.NewReader(`{"name":"a","type":"task"}`))
	req.Header.Set("Authorization", "Bearer "+srv.APIKey())
	req.Header.Set("Content-Type", "application/json")
	if resp, err := srv.HTTPClient().Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("answer %d, want a broken connection", resp.StatusCode)
	}
	var list gen.ListAgentsResponseDto
	r, body := call(t, srv, "GET", "/api/v1/agents", nil)
	expect(t, r, body, http.StatusOK, &list)
	if len(list.Agents) != 1 {
		t.Fatalf("the dropped POST was not handled: %s", body)
	}
	r, body = call(t, srv, "POST", "/api/v1/agents", map[string]any{"name": "b", "type": "task"}) // used up
	expect(t, r, body, http.StatusCreated, nil)
}

// Setting a route's latency again makes it the last one set, the one that
// wins when several routes match.
func TestLatencySetAgainWins(t *testing.T) {
	srv := modustest.NewServer(t)
	srv.SetLatencyOn(modustest.AnyMethod, "/api/v1/skills", time.Millisecond)
	srv.SetLatencyOn("GET", "/api/v1/skills", time.Hour)
	srv.SetLatencyOn(modustest.AnyMethod, "/api/v1/skills", 2*time.Millisecond) // now the last one set
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL()+"/api/v1/skills", nil)
	req.Header.Set("Authorization", "Bearer "+srv.APIKey())
	resp, err := srv.HTTPClient().Do(req)
	if err != nil {
		t.Fatalf("the latency set last (2ms) was not used: %v", err)
	}
	resp.Body.Close()
}

// A pattern no request could match panics instead of never firing.
func TestPatternThatCannotMatchPanics(t *testing.T) {
	srv := modustest.NewServer(t)
	for name, f := range map[string]func(){
		"trailing slash":   func() { srv.FailNextOn("GET", "/api/v1/agents/", 1, 503, 0) },
		"unknown prefix":   func() { srv.DropNextOn("GET", "/v1/agents", 1, 0) },
		"typo":             func() { srv.SetLatencyOn("GET", "/api/v1/agent/{id}", time.Second) },
		"method not there": func() { srv.FailNextOn("PATCH", "/agent/runs", 1, 503, 0) },
		"stall":            func() { srv.StallNextOn("GET", "/agent/runs/{runId}/stream/", 1, 1, 0) },
		"count":            func() { srv.Requests("GET", "/api/v2/agents") },
		"journal":          func() { srv.Journal("GET", "/agents") },
	} {
		func() {
			defer func() {
				r := recover()
				if r == nil || !strings.HasPrefix(fmt.Sprint(r), "modustest: ") || !strings.Contains(fmt.Sprint(r), "never match") {
					t.Errorf("%s: recovered %v, want a modustest panic saying it can never match", name, r)
				}
			}()
			f()
		}()
	}
	// Patterns that can match are fine: literal ids, {params} of any name,
	// HEAD for GET, a method anywhere.
	srv.FailNextOn("GET", "/api/v1/agents/7", 1, 503, 0)
	srv.FailNextOn(modustest.AnyMethod, "/api/v1/skills/{x}/memories/{y}", 1, 503, 0)
	srv.FailNextOn("HEAD", "/api/v1/agents", 1, 503, 0)
	srv.FailNextOn("DELETE", modustest.AnyPath, 1, 503, 0)
	srv.ClearFaults()
}

// Run ids come from Idempotency-Keys and may hold a /: sent escaped, it
// stays one segment, so {runId} faults fire, counts and the journal see
// the request.
func TestFaultsMatchEscapedSlash(t *testing.T) {
	srv := modustest.NewServer(t, modustest.WithRunScript("a", "b"))
	_, evs, err := stream(t, srv, "POST", "/agent/runs", runBody("x"), "Idempotency-Key", "tenant/42")
	if err != nil || len(evs) != 3 {
		t.Fatalf("POST: %d events, %v", len(evs), err)
	}
	if id := evs[2].Data["runId"]; id != "tenant/42" {
		t.Fatalf("run id %v", id)
	}
	path := "/agent/runs/tenant%2F42/stream"
	srv.FailNextOn("GET", "/agent/runs/{runId}/stream", 1, http.StatusServiceUnavailable, 0)
	r, body := call(t, srv, "GET", path, nil)
	expectError(t, r, body, http.StatusServiceUnavailable, "INTERNAL_ERROR")
	srv.DropNextOn("GET", "/agent/runs/{runId}/stream", 1, 1)
	if _, evs, err := stream(t, srv, "GET", path, nil); err == nil || len(evs) != 1 {
		t.Fatalf("dropped resume: %d events, %v", len(evs), err)
	}
	if _, evs, err := stream(t, srv, "GET", path, nil); err != nil || len(evs) != 3 {
		t.Fatalf("resume: %d events, %v", len(evs), err)
	}
	for _, pattern := range []string{"/agent/runs/{runId}/stream", path} {
		if n := srv.Requests("GET", pattern); n != 3 {
			t.Errorf("Requests(GET, %s) = %d, want 3", pattern, n)
		}
	}
	if n := srv.Requests("GET", "/agent/runs/tenant/stream"); n != 0 { // a literal is one segment
		t.Errorf("another id counted %d", n)
	}
	reqs := srv.Journal("GET", "/agent/runs/{runId}/stream")
	if len(reqs) != 3 || reqs[0].Path != path || reqs[0].Status != 503 || reqs[2].Status != 200 {
		t.Fatalf("journal %+v", reqs)
	}
}

// ClearFaults removes every kind of fault on every route.
func TestClearFaults(t *testing.T) {
	srv := modustest.NewServer(t, modustest.WithRunScript("a"))
	srv.FailNextOn("GET", "/api/v1/agents", 5, http.StatusServiceUnavailable, 0)
	srv.FailNext(5, http.StatusBadGateway, 0)
	srv.DropNextOn("POST", "/agent/runs", 5, 0)
	srv.StallNextOn("POST", "/agent/runs", 5, 0, 0)
	srv.SetLatency(time.Hour)
	srv.SetLatencyOn("GET", "/api/v1/skills", time.Hour)
	srv.ClearFaults()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, p := range []string{"/api/v1/agents", "/api/v1/skills"} {
		req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL()+p, nil)
		req.Header.Set("Authorization", "Bearer "+srv.APIKey())
		resp, err := srv.HTTPClient().Do(req)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", p, resp.StatusCode)
		}
	}
	if _, evs, err := stream(t, srv, "POST", "/agent/runs", runBody("x")); err != nil || len(evs) != 2 {
		t.Fatalf("run: %d events, %v", len(evs), err)
	}
}

// A request held by SetLatencyOn whose client leaves is not handled (a
// POST with a body included: the fake reads the body first, so net/http
// notices the client leaving), and Close does not wait out the latency.
func TestLatencyEndsWithClientAndClose(t *testing.T) {
	srv := modustest.New()
	srv.SetLatencyOn("POST", "/api/v1/agents", 300*time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "POST", srv.URL()+"/api/v1/agents", strings.NewReader(`{"name":"a","type":"task"}`))
	req.Header.Set("Authorization", "Bearer "+srv.APIKey())
	req.Header.Set("Content-Type", "application/json")
	if resp, err := srv.HTTPClient().Do(req); err == nil {
		resp.Body.Close()
		t.Fatal("answered within the latency")
	}
	time.Sleep(600 * time.Millisecond) // past the latency
	srv.ClearFaults()
	client, err := srv.Client()
	if err != nil {
		t.Fatal(err)
	}
	page, err := client.Agents.List(context.Background(), nil)
	if err != nil || len(page.Items) != 0 {
		t.Fatalf("the POST whose client left was handled: %v, %v", page, err)
	}

	// One client has left, one still waits: Close returns at once.
	srv.SetLatency(time.Hour)
	ctx2, cancel2 := context.WithCancel(context.Background())
	errc := make(chan error, 2)
	for _, c := range []context.Context{ctx2, context.Background()} {
		req, _ := http.NewRequestWithContext(c, "POST", srv.URL()+"/api/v1/agents", strings.NewReader(`{"name":"b","type":"task"}`))
		req.Header.Set("Authorization", "Bearer "+srv.APIKey())
		go func() {
			resp, err := srv.HTTPClient().Do(req)
			if err == nil {
				resp.Body.Close()
			}
			errc <- err
		}()
	}
	for srv.RequestCount() < 4 {
		time.Sleep(time.Millisecond)
	}
	cancel2()
	<-errc
	start := time.Now()
	srv.Close()
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("Close took %v", d)
	}
	<-errc
}
