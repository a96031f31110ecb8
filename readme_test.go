// This file is in package openapi_test because openapi_test.go already
// holds the root directory's test package; it tests README.md, not the spec.
package openapi_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// readmeSources are the files whose code is compiled and run by tests
// (Example functions with // Output: lines, and the quickstart); every Go
// snippet of README.md must be copied from one of them.
var readmeSources = []string{
	"modus/example_test.go",
	"modus/runs_test.go",
	"modus/modustest/example_test.go",
	"modusotel/example_test.go",
	"examples/quickstart/main.go",
}

var goBlock = regexp.MustCompile("(?ms)^```go\n(.*?)^```")

// TestReadmeSnippetsAreCompiled checks that the lines of each ```go block of
// README.md appear in order and contiguously (ignoring indentation) in one
// of readmeSources, so that the README shows only code that compiles and
// runs.
func TestReadmeSnippetsAreCompiled(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	sources := map[string][]string{}
	for _, path := range readmeSources {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		sources[path] = normalizedLines(string(b))
	}
	blocks := goBlock.FindAllStringSubmatch(string(readme), -1)
	if len(blocks) == 0 {
		t.Fatal("README.md has no ```go blocks")
	}
	for i, m := range blocks {
		snippet := normalizedLines(m[1])
		if len(snippet) == 0 {
			t.Errorf("go block %d is empty", i+1)
			continue
		}
		found := false
		for _, path := range readmeSources {
			if containsRun(sources[path], snippet) {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("go block %d of README.md (starting %q) is not a contiguous excerpt of any of %v; copy it from a compiled example",
				i+1, snippet[0], readmeSources)
		}
	}
}

// normalizedLines splits s into lines without leading or trailing blanks,
// dropping leading and trailing empty lines.
func normalizedLines(s string) []string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSpace(l)
	}
	for len(lines) > 0 && lines[0] == "" {
		lines = lines[1:]
	}
	for len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// containsRun reports whether want occurs as a contiguous run of lines in have.
func containsRun(have, want []string) bool {
	for i := 0; i+len(want) <= len(have); i++ {
		match := true
		for j, w := range want {
			if have[i+j] != w {
				match = false
				break
			}
		}
		if match {
			return true
		}
	}
	return false
}

// TestAddOperationStepsNameEveryFile walks CONTRIBUTING.md's "Adding an
// operation" steps: every file they name exists, and they name every file an
// operation touches: each file `make generate` writes (every committed
// *.gen.go and the overlay) and each hand-written one.
func TestAddOperationStepsNameEveryFile(t *testing.T) {
	raw, err := os.ReadFile("CONTRIBUTING.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(raw), "### Adding an operation\n")
	if !ok {
		t.Fatal(`CONTRIBUTING.md has no "### Adding an operation" section`)
	}
	if i := strings.Index(section, "\n#"); i >= 0 {
		section = section[:i]
	}
	named := map[string]bool{}
	for _, m := range regexp.MustCompile("`([A-Za-z0-9_./-]+\\.(?:go|json|yaml|txt|md))`").FindAllStringSubmatch(section, -1) {
		named[m[1]] = true
		if _, err := os.Stat(m[1]); err != nil {
			t.Errorf("the steps name %s, which does not exist", m[1])
		}
	}
	want := []string{"openapi.json", "oapi-codegen-overlay.yaml", "modus/aliases.txt",
		"testdata/operations.json", "examples/everycall/main.go", "CHANGELOG.md"}
	err = filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") && path != "." || d.Name() == "testdata" || d.Name() == "bin") {
			return filepath.SkipDir
		}
		if strings.HasSuffix(path, ".gen.go") {
			want = append(want, filepath.ToSlash(path))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range want {
		if !named[f] {
			t.Errorf("the steps do not name %s", f)
		}
	}
	for _, gone := range []string{"-update-operations", "internal/cmd/overlaypins", "operations_table"} {
		if strings.Contains(section, gone) {
			t.Errorf("the steps still mention %s", gone)
		}
	}
	if strings.Count(section, "make generate") == 0 || !strings.Contains(section, "make test") {
		t.Error("the steps must regenerate with make generate and end with make test")
	}
}

// TestWorkflowActionsArePinned: every action a workflow uses is pinned by a
// full commit SHA, with its tag in a comment, and the update workflow's header
// names the repository setting it needs.
func TestWorkflowActionsArePinned(t *testing.T) {
	files, err := filepath.Glob(".github/workflows/*.yml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no workflows: %v", err)
	}
	uses := regexp.MustCompile(`(?m)^\s*(?:-\s+)?uses:\s*(\S+)(.*)$`)
	pinned := regexp.MustCompile(`^[\w.-]+/[\w./-]+@[0-9a-f]{40}$`)
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range uses.FindAllStringSubmatch(string(raw), -1) {
			if !pinned.MatchString(m[1]) || !regexp.MustCompile(`#\s*v\d`).MatchString(m[2]) {
				t.Errorf("%s: %s%s is not pinned by commit SHA with its tag in a comment", f, m[1], m[2])
			}
		}
	}
	raw, err := os.ReadFile(".github/workflows/update-spec.yml")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), "Allow GitHub Actions to create and approve pull") {
		t.Error("update-spec.yml's header does not name the repository setting it needs")
	}
}
