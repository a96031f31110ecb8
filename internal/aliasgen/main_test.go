package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const genSrc = `package gen

// ThingDto A thing.
type ThingDto struct {
	// Kind Kind of thing.
	//
	// Example: big
	Kind ThingKind ` + "`json:\"kind\"`" + `

	// Note Optional note; null clears it.
	Note nullable.Nullable[string] ` + "`json:\"note,omitempty\"`" + `

	// Parts Parts of the thing (see ThingDto's kind; PartDto has no modus name).
	Parts []PartDto ` + "`json:\"parts\"`" + `
	ID    openapi_types.UUID ` + "`json:\"id\"`" + `
}

type ThingKind string

const (
	ThingKindBig   ThingKind = "big"
	ThingKindSmall ThingKind = "small"
)
`

func write(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRunDocumentsFieldsAndValues(t *testing.T) {
	dir := t.TempDir()
	genPath := write(t, dir, "client.gen.go", genSrc)
	names := write(t, dir, "aliases.txt", "# comment\nThing ThingDto is a thing.\nKind ThingKind is how big a thing is.\n")
	write(t, dir, "consts.go", "package modus\n\nconst KindBig = gen.ThingKindBig\n")
	out, _, err := run(names, genPath, dir)
	if err != nil {
		t.Fatal(err)
	}
	src := string(out)
	for _, want := range []string{
		"// Thing is a thing.",
		`//   - Kind Kind "kind": Kind of thing.`,                             // gen name -> modus name, example dropped
		`//   - Note Nullable[string] "note": Optional note; null clears it.`, // package dropped
		`//   - Parts []gen.PartDto "parts": Parts of the thing (see Thing's kind; PartDto has no modus name).`, // no modus name: marked, so the type-walk test's failure is visible here too
		`//   - ID UUID "id"`,
		"type Thing = gen.ThingDto",
		`//   - KindBig "big"`,     // the hand-written modus constant that names the value
		`//   - KindSmall "small"`, // a value without one gets a generated constant
		"type Kind = gen.ThingKind",
		"KindSmall = gen.ThingKindSmall",
	} {
		if !strings.Contains(src, want) {
			t.Errorf("output lacks %q:\n%s", want, src)
		}
	}
}

func TestRunRejectsBadTables(t *testing.T) {
	dir := t.TempDir()
	genPath := write(t, dir, "client.gen.go", genSrc)
	for name, table := range map[string]string{
		"two names":  "Thing ThingDto is a thing.\nOther ThingDto is the same.\n",
		"no summary": "Thing ThingDto\n",
	} {
		names := write(t, dir, "aliases.txt", table)
		if _, _, err := run(names, genPath, dir); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// A new enum value needs no hand edit: its constant is generated, named after
// the modus type, and a name already taken in modus gets "Value" added.
func TestNewEnumValueGetsAGeneratedConstant(t *testing.T) {
	dir := t.TempDir()
	genPath := write(t, dir, "client.gen.go", genSrc+"\nconst ThingKindHuge ThingKind = \"huge\"\n")
	names := write(t, dir, "aliases.txt", "Kind ThingKind is how big a thing is.\n")
	write(t, dir, "consts.go", "package modus\n\nconst KindBig = gen.ThingKindBig\n\nfunc KindSmall() {}\n")
	out, _, err := run(names, genPath, dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"KindHuge       = gen.ThingKindHuge", "KindSmallValue = gen.ThingKindSmall", `//   - KindHuge "huge"`} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(string(out), "KindBig =") {
		t.Errorf("a value with a hand-written constant got a second one:\n%s", out)
	}
}

// An alias whose gen type a spec update removed is skipped, not fatal: the
// rest is written, and the warning says which line to remove.
func TestGoneGenTypeIsSkipped(t *testing.T) {
	dir := t.TempDir()
	genPath := write(t, dir, "client.gen.go", genSrc)
	names := write(t, dir, "aliases.txt", "Thing ThingDto is a thing.\nCounts AutomationRunCountsDto are counts.\n")
	out, gone, err := run(names, genPath, dir)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "type Thing = gen.ThingDto") || strings.Contains(string(out), "Counts") {
		t.Errorf("want Thing and no Counts:\n%s", out)
	}
	if len(gone) != 1 || gone[0].name != "Counts" {
		t.Fatalf("gone = %v, want Counts", gone)
	}
	if w := goneWarning(names, gone[0]); !strings.Contains(w, "gen has no type AutomationRunCountsDto") ||
		!strings.Contains(w, "remove Counts from modus/aliases.txt") {
		t.Errorf("warning %q", w)
	}
}
