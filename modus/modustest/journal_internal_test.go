package modustest

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
)

// The journal forgets its oldest entries past JournalLimit requests or
// journalBytes of bodies.
func TestJournalBounds(t *testing.T) {
	var j journal
	r := httptest.NewRequest("GET", "/api/v1/agents", nil)
	for i := range JournalLimit + 5 {
		j.record(r, fmt.Sprint(i), nil, 0, DefaultAPIKey)
	}
	all := j.find(route{AnyMethod, AnyPath})
	if len(all) != JournalLimit || all[0].RequestID != "5" {
		t.Fatalf("%d entries, first %s", len(all), all[0].RequestID)
	}
	j.clear()
	body := []byte(strings.Repeat("x", JournalBodyLimit))
	n := journalBytes/JournalBodyLimit + 10
	for i := range n {
		j.record(r, fmt.Sprint(i), body, len(body), DefaultAPIKey)
	}
	all = j.find(route{AnyMethod, AnyPath})
	if len(all) != journalBytes/JournalBodyLimit || all[0].RequestID != "10" || j.bytes > journalBytes {
		t.Fatalf("%d entries, first %s, %d bytes", len(all), all[0].RequestID, j.bytes)
	}
}
