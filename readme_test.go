// This file is in package openapi_test because openapi_test.go already
// holds the root directory's test package; it tests README.md, not the spec.
package openapi_test

import (
	"os"
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
