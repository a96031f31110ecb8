package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/modus-data/modus-sdk-go/modus"
	"github.com/modus-data/modus-sdk-go/modus/modustest"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fake is a running modusfake process.
type fake struct {
	cmd            *exec.Cmd
	base, key, org string
	stderr         *bytes.Buffer
	waited         chan error
	adminTokenHead string
}

// buildCommand builds modusfake into a temporary directory, with the go
// command that runs the test and no network.
func buildCommand(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the command")
	}
	if runtime.GOOS == "windows" {
		t.Skip("sends SIGTERM")
	}
	bin := filepath.Join(t.TempDir(), "modusfake")
	// go test puts the go command that runs it first on PATH.
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "GOPROXY=off") // the test's own build fetched every module already
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// start runs bin with args and reads the four lines it prints.
func start(t *testing.T, bin string, args ...string) *fake {
	t.Helper()
	f := &fake{cmd: exec.Command(bin, args...), stderr: &bytes.Buffer{}, waited: make(chan error, 1)}
	f.cmd.Stderr = f.stderr
	out, err := f.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := f.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { f.waited <- f.cmd.Wait() }()
	t.Cleanup(func() {
		_ = f.cmd.Process.Kill()
		<-f.waited
	})
	vars := map[string]string{}
	sc := bufio.NewScanner(out)
	for len(vars) < 4 && sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), "=")
		vars[k] = v
	}
	if vars["MODUS_BASE_URL"] == "" || vars["MODUS_AGENT_HOST"] != vars["MODUS_BASE_URL"] || vars["MODUS_API_KEY"] == "" ||
		vars["MODUS_ORGANIZATION_ID"] != modustest.DefaultOrganizationID {
		t.Fatalf("printed %v; stderr %s", vars, f.stderr)
	}
	go func() { _, _ = io.Copy(io.Discard, out) }()
	f.base, f.key, f.org = vars["MODUS_BASE_URL"], vars["MODUS_API_KEY"], vars["MODUS_ORGANIZATION_ID"]
	return f
}

// admin calls the admin API and decodes its JSON answer into v.
func (f *fake) admin(t *testing.T, method, path, body string, want int, v any) {
	t.Helper()
	req, _ := http.NewRequest(method, f.base+path, strings.NewReader(body))
	if f.adminTokenHead != "" {
		req.Header.Set("Authorization", f.adminTokenHead)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s: %d, want %d: %s", method, path, resp.StatusCode, want, b)
	}
	if v != nil {
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("%s %s: %v: %s", method, path, err, b)
		}
	}
}

const e2eSeed = `{
  "agents": [{"name": "Weekly report", "deployed": true}, {"name": "Draft one"}],
  "runScript": ["Hel", "lo", "!"]
}`

// The end-to-end test: build the command, start it on a free port,
// seed through the admin API, break the resume route, run a stream through
// the Go SDK, read the journal, and stop the process with SIGTERM while a
// stream is open.
func TestModusfakeEndToEnd(t *testing.T) {
	f := start(t, buildCommand(t), "-addr", "127.0.0.1:0", "-log", "json")
	defer http.DefaultClient.CloseIdleConnections()

	var seeded modustest.SeedResult
	f.admin(t, "POST", "/_modustest/seed", e2eSeed, http.StatusOK, &seeded)
	if len(seeded.Agents) != 2 || seeded.Agents[0].ID != 1 {
		t.Fatalf("seeded %+v", seeded)
	}
	// The run's POST breaks after one event; its first resume answers 503.
	f.admin(t, "POST", "/_modustest/faults", `{"kind":"drop","method":"POST","path":"/agent/runs","n":1,"events":1}`, http.StatusNoContent, nil)
	f.admin(t, "POST", "/_modustest/faults", `{"kind":"fail","method":"GET","path":"/agent/runs/{runId}/stream","n":1,"status":503}`, http.StatusNoContent, nil)

	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	client, err := modus.NewClient(modus.WithBaseURL(f.base), modus.WithAPIKey(f.key), modus.WithHTTPClient(&http.Client{Transport: tr}),
		modus.WithOrganizationID(f.org), modus.WithRetryBackoff(time.Millisecond, 10*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	page, err := client.Agents.List(ctx, nil)
	if err != nil || len(page.Items) != 2 || page.Items[0].Name != "Weekly report" {
		t.Fatalf("agents %+v, %v", page, err)
	}
	stream, err := client.Runs.Create(ctx, modus.CreateRunRequest{Message: "Hi", SessionID: "sess_1"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := stream.Collect()
	if err != nil || res.Text != "Hello!" || stream.Reconnects() != 2 { // the 503, then the resume that worked
		t.Fatalf("run %q, %v, %d reconnects", res.Text, err, stream.Reconnects())
	}

	checkJournal(t, f)

	stopWithStreamOpen(ctx, t, f, client)
	checkLogs(t, f)
}

// stopWithStreamOpen sends SIGTERM while a run that never ends is open:
// the process exits at once, and the stream ends with an error.
func stopWithStreamOpen(ctx context.Context, t *testing.T, f *fake, client *modus.Client) {
	t.Helper()
	f.admin(t, "PUT", "/_modustest/run-script", `{"events":[{"token":"still"},{"hang":true}]}`, http.StatusNoContent, nil)
	open, err := client.Runs.Create(ctx, modus.CreateRunRequest{Message: "Hi", SessionID: "sess_2"}, modus.WithStreamReconnects(0))
	if err != nil {
		t.Fatal(err)
	}
	defer open.Close()
	if !open.Next() {
		t.Fatalf("no first event: %v", open.Err())
	}
	began := time.Now()
	if err := f.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-f.waited:
		f.waited <- err // for the cleanup
		if err != nil {
			t.Fatalf("exit: %v; stderr %s", err, f.stderr)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("still running 5 s after SIGTERM")
	}
	t.Logf("stopped %v after SIGTERM", time.Since(began).Round(time.Millisecond))
	for open.Next() {
	}
	if open.Err() == nil {
		t.Fatal("the open stream ended cleanly; want an error (the server went away)")
	}
}

// checkJournal reads the journal with filters: the resumes, with the
// status each got and the key masked.
func checkJournal(t *testing.T, f *fake) {
	t.Helper()
	var j struct {
		Requests []struct {
			Method, Path string
			Status       int
			Headers      map[string][]string
		}
	}
	f.admin(t, "GET", "/_modustest/journal?method=GET&path=/agent/runs/{runId}/stream", "", http.StatusOK, &j)
	if len(j.Requests) != 2 || j.Requests[0].Status != 503 || j.Requests[1].Status != 200 {
		t.Fatalf("resumes in the journal: %+v", j.Requests)
	}
	if auth := j.Requests[0].Headers["Authorization"]; len(auth) != 1 || auth[0] != "Bearer ***" {
		t.Fatalf("Authorization in the journal: %q", auth)
	}
	var raw json.RawMessage
	f.admin(t, "GET", "/_modustest/journal", "", http.StatusOK, &raw)
	if strings.Contains(string(raw), f.key) {
		t.Fatal("the key shows in the journal")
	}
	var counts struct{ Total, Matching int }
	f.admin(t, "GET", "/_modustest/counts?method=POST&path=/agent/runs", "", http.StatusOK, &counts)
	if counts.Matching != 1 || counts.Total != 4 { // list, POST, two resumes
		t.Fatalf("counts %+v", counts)
	}
}

// checkLogs reads the JSON request log: one record per request, no key.
func checkLogs(t *testing.T, f *fake) {
	t.Helper()
	logs := f.stderr.String()
	if strings.Contains(logs, f.key) {
		t.Fatal("the key shows in the log")
	}
	n := 0
	for _, line := range strings.Split(logs, "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) == nil && rec["msg"] == "modustest: request" {
			n++
		}
	}
	if n < 8 {
		t.Fatalf("%d request records in the log:\n%s", n, logs)
	}
}

// A non-loopback address without -admin-token is refused before anything
// listens; loopback needs no token.
func TestRefusesExposedAdminWithoutToken(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0", "192.0.2.1:4010", "[::]:0"} {
		err := run(context.Background(), []string{"-addr", addr}, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "-admin-token") {
			t.Errorf("-addr %s: %v, want a refusal naming -admin-token", addr, err)
		}
	}
	for _, addr := range []string{"127.0.0.1:1", "localhost:1", "[::1]:1"} {
		if err := checkExposure(addr, ""); err != nil {
			t.Errorf("-addr %s: %v", addr, err)
		}
	}
	if err := checkExposure("0.0.0.0:1", "tok"); err != nil {
		t.Error(err)
	}
}

// run serves on a free loopback port until its context ends, printing the
// four lines; the admin API then needs the token it was given.
func TestRunInProcess(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	errc := make(chan error, 1)
	go func() {
		errc <- run(ctx, []string{"-addr", "127.0.0.1:0", "-admin-token", "s3cret", "-log", "off"}, pw, io.Discard)
		pw.Close()
	}()
	sc := bufio.NewScanner(pr)
	var lines []string
	for len(lines) < 4 && sc.Scan() {
		lines = append(lines, sc.Text())
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	base := strings.TrimPrefix(lines[0], "MODUS_BASE_URL=")
	f := &fake{base: base}
	f.admin(t, "GET", "/_modustest/counts", "", http.StatusUnauthorized, nil)
	f.adminTokenHead = "Bearer s3cret"
	f.admin(t, "GET", "/_modustest/counts", "", http.StatusOK, nil)
	http.DefaultClient.CloseIdleConnections()
	cancel()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}

// A bad seed file stops the command with its path, line and field.
func TestBadSeedFileRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "seed.json")
	if err := os.WriteFile(path, []byte("{\n  \"agents\": [\n    {\"name\": \"\"}\n  ]\n}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	err := run(context.Background(), []string{"-addr", "127.0.0.1:0", "-seed", path}, io.Discard, io.Discard)
	var se *modustest.SeedError
	if !errors.As(err, &se) || se.Line != 3 || se.Field != "agents[0].name" || !strings.HasPrefix(err.Error(), path+":3: agents[0].name:") {
		t.Fatalf("err %v", err)
	}
}

func TestVersionAndFlags(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-version"}, &out, io.Discard); err != nil || !strings.HasPrefix(out.String(), "modusfake ") {
		t.Fatalf("%q, %v", out.String(), err)
	}
	if err := run(context.Background(), []string{"-log", "xml"}, io.Discard, io.Discard); err == nil {
		t.Fatal("-log xml accepted")
	}
	if err := run(context.Background(), []string{"extra"}, io.Discard, io.Discard); err == nil {
		t.Fatal("an argument accepted")
	}
}
