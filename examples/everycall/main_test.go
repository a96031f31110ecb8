package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/modus-data/modus-sdk-go/modus/modustest"
)

// tableSize is the number of operations the SDK serves: the rows of the
// operations table (testdata/operations.json).
func tableSize(t *testing.T) int {
	t.Helper()
	raw, err := os.ReadFile("../../testdata/operations.json")
	if err != nil {
		t.Fatal(err)
	}
	var rows []json.RawMessage
	if err := json.Unmarshal(raw, &rows); err != nil {
		t.Fatal(err)
	}
	return len(rows)
}

// Every operation of the table runs once, against the fake, without a failure.
func TestEveryCall(t *testing.T) {
	srv := modustest.NewServer(t)
	client, err := srv.Client()
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if failed := run(context.Background(), client, fakeFixtures(srv), &out); failed != 0 {
		t.Fatalf("%d operations failed:\n%s", failed, out.String())
	}
	ops := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		if f := strings.Fields(line); len(f) > 1 && f[0] == "ok" {
			ops[f[1]] = true
		}
	}
	if want := tableSize(t); len(ops) != want {
		t.Fatalf("%d distinct operations called, want %d (testdata/operations.json):\n%s", len(ops), want, out.String())
	}
}
