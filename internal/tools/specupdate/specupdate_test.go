package specupdate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/oapi-codegen/oapi-codegen/v2/pkg/codegen"
	"github.com/oapi-codegen/oapi-codegen/v2/pkg/util"
	"gopkg.in/yaml.v3"
)

// repoRoot is the repository root seen from this package's directory.
const repoRoot = "../../.."

// fixture is one file of testdata/specchange: a JSON Patch (RFC 6902: add,
// remove, replace, move) applied to the committed openapi.json, so the
// fixtures stay small and follow the spec as it grows.
type fixture struct {
	Description string    `json:"description"`
	Patch       []patchOp `json:"patch"`
	Expect      struct {
		Status  int      `json:"status"`
		Report  []string `json:"report"`  // lines (or parts of lines) the report holds
		Overlay []string `json:"overlay"` // and the overlay written
		// Build runs the real `make generate`, go build and go vet on a
		// copy of the repository (slow; skipped with -short), for changes
		// whose risk is in the generated code rather than the report.
		Build bool `json:"build"`
	} `json:"expect"`
}

type patchOp struct {
	Op    string          `json:"op"`
	Path  string          `json:"path"`
	From  string          `json:"from"`
	Value json.RawMessage `json:"value"`
}

// writeSpec writes openapi.json with the named fixture applied into dir and
// returns its path.
func writeSpec(t *testing.T, name, dir string) string {
	t.Helper()
	path, _ := writeFixture(t, name, dir, nil)
	return path
}

// writeFixture is writeSpec that also returns the fixture and lets restyle
// rewrite the document after the patch.
func writeFixture(t *testing.T, name, dir string, restyle func(map[string]any)) (string, fixture) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(repoRoot, "openapi.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	fraw, err := os.ReadFile(filepath.Join(repoRoot, "testdata/specchange", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var f fixture
	if err := json.Unmarshal(fraw, &f); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	for _, op := range f.Patch {
		if doc, err = apply(doc, op); err != nil {
			t.Fatalf("%s: %s %s: %v", name, op.Op, op.Path, err)
		}
	}
	if restyle != nil {
		restyle(doc.(map[string]any))
	}
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name+".json")
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
	return path, f
}

func apply(doc any, op patchOp) (any, error) {
	switch op.Op {
	case "add", "replace":
		var v any
		if err := json.Unmarshal(op.Value, &v); err != nil {
			return nil, err
		}
		return doc, set(doc, op.Path, v, op.Op == "add")
	case "remove":
		_, err := take(doc, op.Path)
		return doc, err
	case "move":
		v, err := take(doc, op.From)
		if err != nil {
			return nil, err
		}
		return doc, set(doc, op.Path, v, true)
	}
	return nil, fmt.Errorf("unsupported op %q", op.Op)
}

// parent walks a JSON pointer to the container of its last token.
func parent(doc any, pointer string) (any, string, error) {
	tokens := strings.Split(pointer, "/")[1:]
	for i := range tokens {
		tokens[i] = strings.ReplaceAll(strings.ReplaceAll(tokens[i], "~1", "/"), "~0", "~")
	}
	cur := doc
	for _, tok := range tokens[:len(tokens)-1] {
		switch c := cur.(type) {
		case map[string]any:
			cur = c[tok]
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i >= len(c) {
				return nil, "", fmt.Errorf("bad index %q", tok)
			}
			cur = c[i]
		}
		if cur == nil {
			return nil, "", fmt.Errorf("%q not found", tok)
		}
	}
	return cur, tokens[len(tokens)-1], nil
}

func set(doc any, pointer string, v any, add bool) error {
	p, last, err := parent(doc, pointer)
	if err != nil {
		return err
	}
	switch c := p.(type) {
	case map[string]any:
		if _, ok := c[last]; !ok && !add {
			return fmt.Errorf("%q not found", last)
		}
		c[last] = v
		return nil
	case []any:
		// Arrays are only appended to ("-") by the fixtures; the slice in
		// its parent map is replaced.
		if last != "-" {
			return errors.New("only appending to arrays is supported")
		}
		gp, key, err := parent(doc, pointer[:strings.LastIndex(pointer, "/")])
		if err != nil {
			return err
		}
		gp.(map[string]any)[key] = append(c, v)
		return nil
	}
	return fmt.Errorf("cannot set in %T", p)
}

func take(doc any, pointer string) (any, error) {
	p, last, err := parent(doc, pointer)
	if err != nil {
		return nil, err
	}
	m, ok := p.(map[string]any)
	if !ok || m[last] == nil {
		return nil, fmt.Errorf("%q not found", last)
	}
	v := m[last]
	delete(m, last)
	return v, nil
}

// copyRoot copies the files update-spec reads into a fresh repository root.
func copyRoot(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	for _, f := range []string{"openapi.json", "oapi-codegen-overlay.yaml", FixupsFile} {
		b, err := os.ReadFile(filepath.Join(repoRoot, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// copyRepo copies the repository's files (tracked and not ignored, as
// check-generated does) into a fresh root, for the real generate and build.
func copyRepo(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("git", "-C", repoRoot, "ls-files", "-co", "--exclude-standard", "-z").Output()
	if err != nil {
		t.Fatalf("git ls-files: %v", err)
	}
	root := t.TempDir()
	for _, f := range strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00") {
		b, err := os.ReadFile(filepath.Join(repoRoot, f))
		if errors.Is(err, fs.ErrNotExist) {
			continue // deleted in the work tree
		}
		if err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(root, f)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

var (
	ok     Step = func(context.Context, string, io.Writer) error { return nil }
	broken Step = func(_ context.Context, _ string, log io.Writer) error {
		fmt.Fprintln(log, "modus/agents.go:12: undefined: gen.NewDeleteAgentRequest")
		return errors.New("exit status 1")
	}
	noGoAPI = func(context.Context, string, string, bool) (string, error) { return "", nil }
)

// update runs the whole update on a copy of the repository's files with the
// regenerate, build and test steps replaced.
func update(t *testing.T, root, spec string, build, test Step) (status int, report string) {
	t.Helper()
	return updateWith(t, root, spec, ok, build, test)
}

// updateWith is update with the regenerate step given too; a nil step is
// the real one.
func updateWith(t *testing.T, root, spec string, regenerate, build, test Step) (status int, report string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	status = Run(context.Background(), Options{
		Root: root, Spec: spec, Report: filepath.Join(root, "report.md"), FullReport: filepath.Join(root, "full.md"),
		Stdout: &stdout, Stderr: &stderr, Regenerate: regenerate, Build: build, Test: test, GoAPI: noGoAPI,
	})
	raw, err := os.ReadFile(filepath.Join(root, "report.md"))
	if err != nil {
		t.Fatalf("no report written (status %d): %v\n%s", status, err, &stderr)
	}
	if !bytes.Equal(raw, stdout.Bytes()) {
		t.Errorf("the report file differs from the printed report")
	}
	return status, string(raw)
}

// TestFixtures runs every fixture of testdata/specchange through the whole
// update and checks its exit status, report lines and overlay. The steps
// after the files are written are stubbed, except for a fixture with
// expect.build, which gets the real regenerate and build (go test stays
// stubbed: the fake answers 501 for a new operation until its handler is
// written, and the tests cover only the committed operations).
func TestFixtures(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(repoRoot, "testdata/specchange/*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".json")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			spec, f := writeFixture(t, name, t.TempDir(), nil)
			root, generateAndBuild := copyRoot(t), ok
			if f.Expect.Build {
				if testing.Short() {
					t.Skip("builds a copy of the repository")
				}
				root, generateAndBuild = copyRepo(t), nil
			}
			status, report := updateWith(t, root, spec, generateAndBuild, generateAndBuild, ok)
			if status != f.Expect.Status {
				t.Errorf("exit status %d, want %d (%s)\n%s", status, f.Expect.Status, f.Description, report)
			}
			for _, want := range f.Expect.Report {
				if !strings.Contains(report, want) {
					t.Errorf("report lacks %q:\n%s", want, report)
				}
			}
			overlay, _ := os.ReadFile(filepath.Join(root, "oapi-codegen-overlay.yaml"))
			for _, want := range f.Expect.Overlay {
				if !strings.Contains(string(overlay), want) {
					t.Errorf("overlay lacks %q", want)
				}
			}
			written, _ := os.ReadFile(filepath.Join(root, "openapi.json"))
			committed, _ := os.ReadFile(filepath.Join(repoRoot, "openapi.json"))
			if wrote := !bytes.Equal(written, committed); wrote != (status != ExitInvalidSpec && status != ExitOverlay && status != ExitUsage) {
				t.Errorf("openapi.json written = %v with exit status %d", wrote, status)
			}
		})
	}
}

// TestBuildAndTestFailuresCarryTheirOutput: exits 5 and 6 put the tail of
// the failing command's output in the report.
func TestBuildAndTestFailuresCarryTheirOutput(t *testing.T) {
	for _, tc := range []struct {
		build, test Step
		want        int
	}{{broken, ok, ExitBuild}, {ok, broken, ExitTests}} {
		root := copyRoot(t)
		status, report := update(t, root, writeSpec(t, "removed-operation", t.TempDir()), tc.build, tc.test)
		if status != tc.want || !strings.Contains(report, "### Failure") || !strings.Contains(report, "undefined: gen.NewDeleteAgentRequest") {
			t.Errorf("status %d (want %d); report:\n%s", status, tc.want, report)
		}
	}
}

// TestUnreadableSpecStillReports: exit 1 writes a report that says what to do.
func TestUnreadableSpecStillReports(t *testing.T) {
	for _, spec := range []string{"", filepath.Join(t.TempDir(), "missing.json")} {
		root := copyRoot(t)
		status, report := update(t, root, spec, ok, ok)
		if status != ExitUsage || !strings.Contains(report, "### What to do") {
			t.Errorf("spec %q: exit status %d, want %d; report:\n%s", spec, status, ExitUsage, report)
		}
	}
}

// publishedStyle rewrites a spec as Modus publishes it: every numeric value a
// plain number, no string formats, Controller-style operationIds.
func publishedStyle(doc map[string]any) {
	var walk func(v any, key string)
	walk = func(v any, key string) {
		switch x := v.(type) {
		case map[string]any:
			if ty, _ := x["type"].(string); key != "properties" && (ty == "integer" || ty == "number" || ty == "string") {
				if ty != "string" {
					x["type"] = "number"
				}
				delete(x, "format")
			}
			for k, c := range x {
				walk(c, k)
			}
		case []any:
			for _, c := range x {
				walk(c, "")
			}
		}
	}
	walk(doc, "")
	for _, item := range doc["paths"].(map[string]any) {
		for method, op := range item.(map[string]any) {
			if o, ok := op.(map[string]any); ok && o["operationId"] != nil {
				o["operationId"] = "ApiController_" + method + "_" + o["operationId"].(string)
			}
		}
	}
}

// TestPublishedStyleRoundTrip: our own openapi.json in the published style,
// with one array missing its items and one stale example, goes through with
// exit 0 and changes nothing but openapi.json; the generator then writes the
// committed gen/ byte for byte.
func TestPublishedStyleRoundTrip(t *testing.T) {
	root := copyRoot(t)
	dir := t.TempDir()
	spec, _ := writeFixture(t, "missing-items", dir, func(doc map[string]any) {
		publishedStyle(doc)
		// A stale example: the agent example's name becomes a number.
		ex := doc["paths"].(map[string]any)["/api/v1/agents/{id}"].(map[string]any)["get"].(map[string]any)["responses"].(map[string]any)["200"].(map[string]any)["content"].(map[string]any)["application/json"].(map[string]any)["example"].(map[string]any)
		ex["name"] = 42
	})
	status, report := update(t, root, spec, ok, ok)
	if status != ExitOK {
		t.Fatalf("exit status %d, want 0:\n%s", status, report)
	}
	for _, want := range []string{"applied `$.components.schemas.ConversationMessageDto", "`/paths/~1api~1v1~1agents~1{id}/get/responses/200/content/application~1json/example` contradicts its schema"} {
		if !strings.Contains(report, want) {
			t.Errorf("report lacks %q:\n%s", want, report)
		}
	}
	overlay, _ := os.ReadFile(filepath.Join(root, "oapi-codegen-overlay.yaml"))
	committed, _ := os.ReadFile(filepath.Join(repoRoot, "oapi-codegen-overlay.yaml"))
	if !bytes.Equal(overlay, committed) {
		t.Errorf("the overlay changed: the published style needs no new pin")
	}
	for _, cfg := range []string{"oapi-codegen.yaml", "modus/modustest/internal/server/oapi-codegen.yaml"} {
		code, output := generate(t, root, cfg)
		want, err := os.ReadFile(filepath.Join(repoRoot, output))
		if err != nil {
			t.Fatal(err)
		}
		if code != string(want) {
			t.Errorf("%s from the published-style spec differs from the committed file", output)
		}
	}
}

// TestReferenceSpecReport compares the later-generation spec Modus publishes
// (../shared/modus-api/reference) without building: the report is capped,
// grouped, and names the paths added and removed.
func TestReferenceSpecReport(t *testing.T) {
	ref := filepath.Join(repoRoot, "../shared/modus-api/reference/modus-public-openapi.json")
	raw, err := os.ReadFile(ref)
	if err != nil {
		t.Skipf("no reference spec: %v", err)
	}
	res, err := Compare(repoRoot, raw, t.TempDir())
	if err != nil {
		t.Fatalf("Compare: %v (status %d)", err, ExitStatus(err))
	}
	res.Report.Status = ExitBreaking
	capped := res.Report.Markdown(ReportLimit)
	if len(capped) > ReportLimit {
		t.Errorf("report is %d bytes, over %d", len(capped), ReportLimit)
	}
	full := res.Report.Markdown(0)
	for _, want := range []string{"### Operations added", "### Operations removed", "`DELETE /api/v1/agents/{id}` (DeleteAgent)", "### Fixups applied", "### Schema changes"} {
		if !strings.Contains(capped, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if !strings.Contains(full, "`POST /api/v1/workflows/{id}/toggle` as ToggleWorkflow") {
		t.Errorf("full report lacks the Go name of the new toggle operation")
	}
	if n := strings.Count(full, "error/code"); n > 3 {
		t.Errorf("the error envelope's change is listed %d times, want it grouped", n)
	}

	// The whole update on a copy of the repository, with the real generate
	// and build: aliases whose gen type is gone do not stop generation, and
	// the report names the Go API changes, or the files that do not build.
	t.Run("generate and build", func(t *testing.T) {
		if testing.Short() {
			t.Skip("builds a copy of the repository")
		}
		status, report := updateWith(t, copyRepo(t), ref, nil, nil, ok)
		if status != ExitBreaking && status != ExitBuild {
			t.Fatalf("exit status %d, want %d or %d:\n%s", status, ExitBreaking, ExitBuild, report)
		}
		if strings.Contains(report, "`make generate` failed") {
			t.Errorf("aliasgen stopped make generate:\n%s", report)
		}
		if !strings.Contains(report, "- remove AgentRunCounts from modus/aliases.txt (the spec dropped gen.AutomationRunCountsDto).") {
			t.Errorf("What to do lacks the alias to remove:\n%s", report)
		}
		_, goAPI, found := strings.Cut(report, "### Go API")
		if !found {
			t.Fatalf("no Go API section:\n%s", report)
		}
		goAPI, _, _ = strings.Cut(goAPI, "\n### ")
		if status == ExitBuild {
			if !strings.Contains(report, "`go build and go vet` failed") {
				t.Errorf("status 5 from another step than the build:\n%s", report)
			}
			files := regexp.MustCompile(`modus/[\w/]+\.go`).FindAllString(goAPI, -1)
			if !strings.Contains(goAPI, "the failing files: ") || len(files) == 0 {
				t.Fatalf("the Go API section names no failing file:%s", goAPI)
			}
			_, fix, _ := strings.Cut(report, "\n- Fix ")
			fix, _, _ = strings.Cut(fix, "\n")
			for _, f := range files {
				if !strings.Contains(fix, f) {
					t.Errorf("%s: not in What to do's %q", f, fix)
				}
			}
		} else if strings.Contains(goAPI, "Not available") {
			t.Errorf("the packages build but the Go API section is %s", goAPI)
		}
	})
}

// generatorConfig is the config file as oapi-codegen's command reads it.
type generatorConfig struct {
	codegen.Configuration `yaml:",inline"`
	Output                string `yaml:"output"`
}

// generate runs the generator in-process on root's openapi.json and overlay
// with the repository's config cfg, and returns the code and the config's
// output path.
func generate(t *testing.T, root, cfgPath string) (code, output string) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(repoRoot, cfgPath))
	if err != nil {
		t.Fatal(err)
	}
	var cfg generatorConfig
	if err := yaml.Unmarshal(raw, &cfg); err != nil {
		t.Fatalf("%s: %v", cfgPath, err)
	}
	cfg.Configuration = cfg.UpdateDefaults()
	version := "v2.8.2"
	cfg.NoVCSVersionOverride = &version
	swagger, err := util.LoadSwaggerWithOverlay(filepath.Join(root, "openapi.json"), util.LoadSwaggerWithOverlayOpts{
		Path: filepath.Join(root, "oapi-codegen-overlay.yaml"), Strict: true, AllowRemoteRefsFrom: []string{},
	})
	if err != nil {
		t.Fatal(err)
	}
	code, err = codegen.Generate(swagger, cfg.Configuration)
	if err != nil {
		t.Fatal(err)
	}
	code = strings.Replace(code, "// Code generated by github.com/modus-data/modus-sdk-go/internal/tools version",
		"// Code generated by github.com/oapi-codegen/oapi-codegen/v2 version", 1)
	return code, cfg.Output
}
