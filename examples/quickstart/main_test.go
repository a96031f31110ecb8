package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
)

func TestRunAgainstFake(t *testing.T) {
	t.Setenv("MODUS_API_KEY", "") // use the in-process fake, whatever the environment says
	var out bytes.Buffer
	if err := run(context.Background(), &out); err != nil {
		t.Fatalf("run: %v\noutput:\n%s", err, out.String())
	}
	got := out.String()
	want := regexp.MustCompile(`^MODUS_API_KEY is not set: using an in-process fake Modus server \(modustest\)
Agents:
  #1 Weekly sales report \(active\)
Skills:
  #1 Support assistant \(active\)
Created note [0-9a-f-]{36}
Run: Echo: Hello from the Go SDK
Done: run [0-9a-f-]{36}
$`)
	if !want.MatchString(got) {
		t.Errorf("unexpected output:\n%s", got)
	}
}

func TestRunBadKey(t *testing.T) {
	t.Setenv("MODUS_API_KEY", "not-a-key")
	var out bytes.Buffer
	err := run(context.Background(), &out)
	if err == nil || !strings.Contains(err.Error(), "MODUS_API_KEY") {
		t.Fatalf("want an error naming MODUS_API_KEY, got %v", err)
	}
	if strings.Contains(err.Error(), "not-a-key") {
		t.Errorf("the error shows the key: %v", err)
	}
}
