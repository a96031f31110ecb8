package specupdate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// repoRoot is the repository root seen from this package's directory.
const repoRoot = "../../.."

// fixture is one file of testdata/specchange: a JSON Patch (RFC 6902: add,
// remove, replace, move) applied to the committed openapi.json, so the
// fixtures stay small and follow the spec as it grows.
type fixture struct {
	Description string    `json:"description"`
	Patch       []patchOp `json:"patch"`
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
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name+".json")
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
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

// compare runs Compare on the committed spec and a fixture.
func compare(t *testing.T, name string) (*Result, error) {
	t.Helper()
	dir := t.TempDir()
	return Compare(filepath.Join(repoRoot, "openapi.json"), writeSpec(t, name, dir),
		filepath.Join(repoRoot, "oapi-codegen-overlay.yaml"), dir)
}

func TestNonBreakingChangesGoThrough(t *testing.T) {
	for _, tc := range []struct {
		fixture string
		mention []string // in the report's other changes
		pins    []string // pins the overlay gains
	}{
		{"new-optional-field", []string{"color"}, nil},
		{"new-operation", []string{"/api/v1/agents/{id}/stats"}, []string{
			"$.paths['/api/v1/agents/{id}/stats'].get: operationId GetAgentStats",
			"$.paths['/api/v1/agents/{id}/stats'].get.parameters[?(@.name == 'id')].schema: integer int64",
			"$.paths['/api/v1/agents/{id}/stats'].get.responses['200'].content['application/json'].schema.properties.runCount: integer int64",
		}},
	} {
		t.Run(tc.fixture, func(t *testing.T) {
			t.Parallel()
			res, err := compare(t, tc.fixture)
			if err != nil {
				t.Fatal(err)
			}
			report := res.Markdown()
			if len(res.Breaking) > 0 {
				t.Errorf("breaking changes reported for a non-breaking update:\n%s", report)
			}
			if len(res.Other) == 0 {
				t.Errorf("the change is not reported:\n%s", report)
			}
			for _, m := range tc.mention {
				if !strings.Contains(report, m) {
					t.Errorf("report does not mention %q:\n%s", m, report)
				}
			}
			if fmt.Sprint(res.AddedPins) != fmt.Sprint(tc.pins) || len(res.DroppedPins) > 0 {
				t.Errorf("pins added %q dropped %q, want added %q:\n%s", res.AddedPins, res.DroppedPins, tc.pins, report)
			}
		})
	}
}

func TestBreakingChangesAreReported(t *testing.T) {
	for _, tc := range []struct {
		fixture string
		id      string // oasdiff rule
		where   string // operation the change is reported on
		mention string
	}{
		{"removed-operation", "api-removed-without-deprecation", "DELETE /api/v1/agents/{id}", ""},
		{"field-type-change", "response-property-type-changed", "GET /api/v1/agents/{id}", "manageDenial"},
		{"new-required-parameter", "new-required-request-parameter", "GET /api/v1/agents", "workspace"},
	} {
		t.Run(tc.fixture, func(t *testing.T) {
			t.Parallel()
			res, err := compare(t, tc.fixture)
			if err != nil {
				t.Fatal(err)
			}
			report := res.Markdown()
			found := false
			for _, c := range res.Breaking {
				found = found || c.ID == tc.id && c.Operation+" "+c.Path == tc.where && strings.Contains(c.Text, tc.mention)
			}
			if !found {
				t.Errorf("no breaking %s on %s mentioning %q in the oasdiff report:\n%s", tc.id, tc.where, tc.mention, report)
			}
			if i, j := strings.Index(report, "### Breaking"), strings.Index(report, "### Other"); i < 0 || j < i {
				t.Errorf("breaking changes do not come first:\n%s", report)
			}
		})
	}
}

func TestRenamedPathTheOverlayTargetsIsCaught(t *testing.T) {
	res, err := compare(t, "renamed-path")
	var oe *OverlayError
	if !errors.As(err, &oe) {
		var report string
		if res != nil {
			report = res.Markdown()
		}
		t.Fatalf("err = %v, want an OverlayError; report:\n%s", err, report)
	}
	const target = "$.paths['/api/v1/agents'].get.parameters[?(@.name == 'view')].schema"
	if !strings.Contains(err.Error(), target) {
		t.Errorf("error does not name the stale target %s:\n%v", target, err)
	}
	if ExitStatus(err) != ExitOverlay {
		t.Errorf("exit status %d, want %d", ExitStatus(err), ExitOverlay)
	}
}

func TestInvalidSpecIsRejected(t *testing.T) {
	_, err := compare(t, "invalid")
	var ie *InvalidSpecError
	if !errors.As(err, &ie) || ExitStatus(err) != ExitInvalidSpec {
		t.Fatalf("err = %v (status %d), want an InvalidSpecError (status %d)", err, ExitStatus(err), ExitInvalidSpec)
	}
}

// TestRunExitStatuses runs the whole update on a copy of the repository's
// spec and overlay, with the regenerate, build and test steps replaced, and
// checks each exit status and what is written.
func TestRunExitStatuses(t *testing.T) {
	ok := func(context.Context, string, io.Writer) error { return nil }
	broken := func(context.Context, string, io.Writer) error {
		return errors.New("modus/agents.go:12: undefined: gen.DeleteAgent")
	}
	for _, tc := range []struct {
		fixture      string
		build        func(context.Context, string, io.Writer) error
		test         func(context.Context, string, io.Writer) error
		want         int
		wantsWritten bool
	}{
		{"new-optional-field", ok, ok, ExitOK, true},
		{"new-operation", ok, ok, ExitOK, true},
		{"removed-operation", ok, ok, ExitBreaking, true},
		{"removed-operation", broken, ok, ExitBuild, true},
		{"new-optional-field", ok, broken, ExitTests, true},
		{"renamed-path", ok, ok, ExitOverlay, false},
		{"invalid", ok, ok, ExitInvalidSpec, false},
	} {
		t.Run(fmt.Sprintf("%s/%d", tc.fixture, tc.want), func(t *testing.T) {
			t.Parallel()
			root := t.TempDir()
			for _, f := range []string{"openapi.json", "oapi-codegen-overlay.yaml"} {
				b, err := os.ReadFile(filepath.Join(repoRoot, f))
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(root, f), b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			spec := writeSpec(t, tc.fixture, t.TempDir())
			var stdout, stderr bytes.Buffer
			status := Run(context.Background(), Options{
				Root: root, Spec: spec, Report: filepath.Join(root, "report.md"), Stdout: &stdout, Stderr: &stderr,
				Regenerate: ok, Build: tc.build, Test: tc.test,
			})
			if status != tc.want {
				t.Errorf("exit status %d, want %d\nstdout:\n%s\nstderr:\n%s", status, tc.want, &stdout, &stderr)
			}
			got, _ := os.ReadFile(filepath.Join(root, "openapi.json"))
			want, _ := os.ReadFile(spec)
			if written := bytes.Equal(got, want); written != tc.wantsWritten {
				t.Errorf("openapi.json replaced = %v, want %v\nstderr:\n%s", written, tc.wantsWritten, &stderr)
			}
			if tc.wantsWritten {
				report, _ := os.ReadFile(filepath.Join(root, "report.md"))
				if !bytes.Equal(report, stdout.Bytes()) || !bytes.HasPrefix(report, []byte("## API changes")) {
					t.Errorf("report file differs from the printed report:\n%s", report)
				}
			}
		})
	}
}

func TestRunWithoutReadableSpec(t *testing.T) {
	var stderr bytes.Buffer
	for _, spec := range []string{"", filepath.Join(t.TempDir(), "missing.json")} {
		stderr.Reset()
		if status := Run(context.Background(), Options{Root: t.TempDir(), Spec: spec, Stdout: io.Discard, Stderr: &stderr}); status != ExitUsage {
			t.Errorf("spec %q: exit status %d, want %d\n%s", spec, status, ExitUsage, &stderr)
		}
	}
}
