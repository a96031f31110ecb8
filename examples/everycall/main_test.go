package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/modus-data/modus-sdk-go/modus/modustest"
)

// Every one of the 54 operations runs once, against the fake, without a failure.
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
	if len(ops) != 54 {
		t.Fatalf("%d distinct operations called, want 54:\n%s", len(ops), out.String())
	}
}
