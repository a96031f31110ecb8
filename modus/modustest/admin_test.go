package modustest_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/modus-data/modus-sdk-go/modus/modustest"
)

// adminCall sends a request to the admin API with token (none when "")
// and returns the status and body.
func adminCall(t *testing.T, srv *modustest.Server, token, method, path, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, srv.URL()+path, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := srv.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func adminOK(t *testing.T, srv *modustest.Server, method, path, body string, want int) string {
	t.Helper()
	status, b := adminCall(t, srv, "tok", method, path, body)
	if status != want {
		t.Fatalf("%s %s: %d, want %d: %s", method, path, status, want, b)
	}
	return b
}

// The admin API drives the same code as the Go API: a fault set over HTTP
// behaves as the Go call, and bad arguments get the Go panic's message.
func TestAdminFaultsAreTheGoFaults(t *testing.T) {
	srv := modustest.NewServer(t, modustest.WithAdminToken("tok"))
	if status, _ := adminCall(t, srv, "", "GET", "/_modustest/counts", ""); status != http.StatusUnauthorized {
		t.Fatalf("no token: %d", status)
	}
	if status, _ := adminCall(t, srv, srv.APIKey(), "GET", "/_modustest/counts", ""); status != http.StatusUnauthorized {
		t.Fatalf("the API key opened the admin API: %d", status)
	}
	adminOK(t, srv, "POST", "/_modustest/faults", `{"kind":"fail","method":"GET","path":"/api/v1/agents","n":2,"status":429,"retryAfter":"1500ms"}`, http.StatusNoContent)
	for range 2 {
		r, body := call(t, srv, "GET", "/api/v1/agents", nil)
		expectError(t, r, body, http.StatusTooManyRequests, "RATE_LIMITED")
		if r.Header.Get("Retry-After") != "2" {
			t.Fatalf("Retry-After %q", r.Header.Get("Retry-After"))
		}
	}
	r, body := call(t, srv, "GET", "/api/v1/agents", nil)
	expect(t, r, body, http.StatusOK, nil)

	adminOK(t, srv, "POST", "/_modustest/faults", `{"kind":"latency","path":"/api/v1/skills","duration":"1h"}`, http.StatusNoContent)
	adminOK(t, srv, "POST", "/_modustest/faults", `{"kind":"drop","method":"POST","path":"/agent/runs","n":1,"events":1}`, http.StatusNoContent)
	adminOK(t, srv, "DELETE", "/_modustest/faults", "", http.StatusNoContent)
	r, body = call(t, srv, "GET", "/api/v1/skills", nil) // the hour of latency is gone
	expect(t, r, body, http.StatusOK, nil)

	// The same bad arguments: the Go API panics with the message the admin
	// API answers.
	for _, c := range []struct {
		json   string
		goCall func()
	}{
		{`{"kind":"fail","path":"/api/v1/agents/","n":1,"status":503}`, func() { srv.FailNextOn(modustest.AnyMethod, "/api/v1/agents/", 1, 503, 0) }},
		{`{"kind":"fail","n":0,"status":503}`, func() { srv.FailNext(0, 503, 0) }},
		{`{"kind":"drop","n":1,"events":-1}`, func() { srv.DropNextOn(modustest.AnyMethod, modustest.AnyPath, 1, -1) }},
		{`{"kind":"stall","n":1,"duration":"-1s"}`, func() { srv.StallNextOn(modustest.AnyMethod, modustest.AnyPath, 1, 0, -time.Second) }},
		{`{"kind":"latency","method":"PATCH","path":"/agent/runs","duration":"1s"}`, func() { srv.SetLatencyOn("PATCH", "/agent/runs", time.Second) }},
	} {
		got := adminOK(t, srv, "POST", "/_modustest/faults", c.json, http.StatusBadRequest)
		var e struct{ Error string }
		_ = json.Unmarshal([]byte(got), &e)
		if p := recovered(c.goCall); e.Error != p {
			t.Errorf("%s: admin %q, Go panic %q", c.json, e.Error, p)
		}
	}
	for _, bad := range []string{`{"kind":"explode"}`, `{"kind":"latency","duration":5}`, `{"kind":"fail","bogus":1}`, `not json`} {
		adminOK(t, srv, "POST", "/_modustest/faults", bad, http.StatusBadRequest)
	}
}

func recovered(f func()) (msg string) {
	defer func() { msg = fmt.Sprint(recover()) }()
	f()
	return ""
}

// Seed, scripted runs, journal, counts and reset over the admin API; its
// own requests are neither counted nor journaled.
func TestAdminSeedScriptJournalReset(t *testing.T) {
	srv := modustest.NewServer(t, modustest.WithAdminToken("tok"))
	got := adminOK(t, srv, "POST", "/_modustest/seed", `{"agents":[{"name":"A","deployed":true}]}`, http.StatusOK)
	var res modustest.SeedResult
	if err := json.Unmarshal([]byte(got), &res); err != nil || len(res.Agents) != 1 || res.Agents[0].Name != "A" {
		t.Fatalf("seed answer %s: %v", got, err)
	}
	got = adminOK(t, srv, "POST", "/_modustest/seed", "{\n\"skills\": [{}]}", http.StatusBadRequest)
	if !strings.Contains(got, "request body:2: skills[0].name: must not be empty") {
		t.Fatalf("bad seed: %s", got)
	}

	adminOK(t, srv, "PUT", "/_modustest/run-script", `{"events":[{"token":"x","id":"e1"},{"error":"boom"}]}`, http.StatusNoContent)
	_, evs, _ := stream(t, srv, "POST", "/agent/runs", runBody("m"))
	if len(evs) != 2 || evs[0].ID != "e1" || evs[1].Data["type"] != "error" {
		t.Fatalf("scripted run %+v", evs)
	}
	adminOK(t, srv, "PUT", "/_modustest/run-script", `{"tokens":["a","b"]}`, http.StatusNoContent)
	_, evs, _ = stream(t, srv, "POST", "/agent/runs", runBody("m"))
	if len(evs) != 3 || evs[1].Data["content"] != "b" {
		t.Fatalf("token script %+v", evs)
	}
	adminOK(t, srv, "PUT", "/_modustest/run-script", `{"events":[{"token":"a","drop":true}]}`, http.StatusBadRequest)

	checkAdminJournal(t, srv)
	checkAdminReset(t, srv)
}

// checkAdminJournal reads the two runs of TestAdminSeedScriptJournalReset
// from the journal and the counts, then empties them.
func checkAdminJournal(t *testing.T, srv *modustest.Server) {
	t.Helper()
	got := adminOK(t, srv, "GET", "/_modustest/journal?method=POST&path=/agent/runs", "", http.StatusOK)
	var j struct {
		Requests []struct {
			Body    string
			Status  int
			Headers map[string][]string
		}
	}
	if err := json.Unmarshal([]byte(got), &j); err != nil || len(j.Requests) != 2 || !strings.Contains(j.Requests[0].Body, `"message":"m"`) ||
		j.Requests[0].Status != 200 || j.Requests[0].Headers["Authorization"][0] != "Bearer ***" || strings.Contains(got, srv.APIKey()) {
		t.Fatalf("journal %s: %v", got, err)
	}
	adminOK(t, srv, "GET", "/_modustest/journal?path=/nope", "", http.StatusBadRequest)
	got = adminOK(t, srv, "GET", "/_modustest/counts?method=POST&path=/agent/runs", "", http.StatusOK)
	if strings.Join(strings.Fields(got), "") != `{"matching":2,"total":2}` {
		t.Fatalf("counts %s", got)
	}
	adminOK(t, srv, "DELETE", "/_modustest/journal", "", http.StatusNoContent)
	if n := srv.RequestCount(); n != 0 {
		t.Fatalf("%d requests after DELETE journal", n)
	}

}

// checkAdminReset resets the server of TestAdminSeedScriptJournalReset.
func checkAdminReset(t *testing.T, srv *modustest.Server) {
	t.Helper()
	adminOK(t, srv, "POST", "/_modustest/reset", "", http.StatusNoContent)
	r, body := call(t, srv, "GET", "/api/v1/agents", nil)
	if expect(t, r, body, http.StatusOK, nil); strings.Contains(string(body), `"A"`) {
		t.Fatalf("agents after reset: %s", body)
	}
	_, evs, _ := stream(t, srv, "POST", "/agent/runs", runBody("hi there"))
	if len(evs) != 4 || evs[0].Data["content"] != "Echo:" {
		t.Fatalf("run after reset (the echo again): %+v", evs)
	}
	adminOK(t, srv, "GET", "/_modustest/nope", "", http.StatusNotFound)
	if got := adminOK(t, srv, "GET", "/_modustest/reset", "", http.StatusNotFound); !strings.Contains(got, "GET /_modustest/reset") {
		t.Fatalf("wrong method: %s", got)
	}
}

// With an admin token, health still answers without it (a readiness probe
// has none), and the scheme of Authorization is case-insensitive.
func TestAdminHealthOpenAndBearerAnyCase(t *testing.T) {
	srv := modustest.NewServer(t, modustest.WithAdminToken("tok"))
	if status, body := adminCall(t, srv, "", "GET", "/_modustest/health", ""); status != http.StatusOK || !strings.Contains(body, `"ok": true`) {
		t.Fatalf("health without a token: %d %s", status, body)
	}
	for _, auth := range []string{"bearer tok", "BEARER tok", "Bearer  tok"} {
		req, _ := http.NewRequest("GET", srv.URL()+"/_modustest/counts", nil)
		req.Header.Set("Authorization", auth)
		resp, err := srv.HTTPClient().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("Authorization %q: %d, want 200", auth, resp.StatusCode)
		}
	}
	for _, auth := range []string{"", "tok", "Basic tok", "Bearer", "Bearer tok2", "Bearertok"} {
		req, _ := http.NewRequest("GET", srv.URL()+"/_modustest/counts", nil)
		req.Header.Set("Authorization", auth)
		resp, err := srv.HTTPClient().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("Authorization %q: %d, want 401", auth, resp.StatusCode)
		}
	}
}
