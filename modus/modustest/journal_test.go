package modustest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/modus-data/modus-sdk-go/modus"
	"github.com/modus-data/modus-sdk-go/modus/modustest"
)

// The journal shows what a client sent: method, escaped path, query,
// headers and body, with the key masked everywhere, and what the fake
// answered.
func TestJournalRecordsWhatWasSent(t *testing.T) {
	srv := modustest.NewServer(t)
	client, err := srv.Client(modus.WithHeader("X-Tenant", "t-1"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := client.Context.CreateNote(ctx, modus.CreateNoteRequest{Title: "Q3", Content: "Revenue up"}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.Agents.List(ctx, &modus.AgentListParams{PageSize: modus.Ptr(2)}); err != nil {
		t.Fatal(err)
	}
	// A request that shows the key where it should not, with a wrong key.
	call(t, srv, "GET", "/api/v1/agents?q="+srv.APIKey(), nil,
		"Authorization", "Bearer modus_wrong_key", "X-Echo", "key="+srv.APIKey())

	checkJournalEntries(t, srv)
	bad := srv.Journal("GET", "/api/v1/agents")[1]
	if bad.Status != http.StatusUnauthorized || bad.Header.Get("Authorization") != "Bearer ***" ||
		bad.Query.Get("q") != "***" || bad.Header.Get("X-Echo") != "key=***" {
		t.Fatalf("masked entry %+v", bad)
	}
	all := srv.Journal(modustest.AnyMethod, modustest.AnyPath)
	if len(all) != 3 || len(all) != srv.RequestCount() {
		t.Fatalf("%d entries, %d requests", len(all), srv.RequestCount())
	}
	if dump := fmt.Sprintf("%+v %s", all, all[0].Body); strings.Contains(dump, srv.APIKey()) || strings.Contains(dump, "modus_wrong_key") {
		t.Fatalf("a key shows in the journal: %s", dump)
	}
	// Entries are copies.
	all[0].Header.Set("X-Tenant", "changed")
	all[0].Body[0] = 'X'
	if again := srv.Journal("POST", "/api/v1/context/notes")[0]; again.Header.Get("X-Tenant") != "t-1" || again.Body[0] != '{' {
		t.Fatal("the journal shares memory with what it returned")
	}
	srv.ResetRequestCounts()
	if got := srv.Journal(modustest.AnyMethod, modustest.AnyPath); len(got) != 0 {
		t.Fatalf("%d entries after ResetRequestCounts", len(got))
	}
}

// checkJournalEntries checks the entries TestJournalRecordsWhatWasSent made.
func checkJournalEntries(t *testing.T, srv *modustest.Server) {
	t.Helper()
	notes := srv.Journal("POST", "/api/v1/context/notes")
	if len(notes) != 1 {
		t.Fatalf("%d notes", len(notes))
	}
	n := notes[0]
	var sent map[string]any
	if err := json.Unmarshal(n.Body, &sent); err != nil || sent["title"] != "Q3" || sent["content"] != "Revenue up" {
		t.Fatalf("body %s: %v", n.Body, err)
	}
	if n.Status != http.StatusCreated || n.RequestID == "" || n.Header.Get("X-Tenant") != "t-1" ||
		n.Header.Get("Authorization") != "Bearer ***" || n.BodySize != len(n.Body) {
		t.Fatalf("entry %+v", n)
	}
	lists := srv.Journal("GET", "/api/v1/agents")
	if len(lists) != 2 || lists[0].Query.Get("pageSize") != "2" || lists[0].Status != http.StatusOK {
		t.Fatalf("lists %+v", lists)
	}
}

// The journal keeps the first JournalBodyLimit bytes of a body and its
// whole size; the key is masked before the cut.
func TestJournalBodyCap(t *testing.T) {
	srv := modustest.NewServer(t)
	big := strings.Repeat("x", modustest.JournalBodyLimit+100)
	body := fmt.Sprintf(`{"title":"t","content":"%s %s"}`, big, srv.APIKey())
	r, b := call(t, srv, "POST", "/api/v1/context/notes", body)
	expect(t, r, b, http.StatusCreated, nil)
	e := srv.Journal("POST", "/api/v1/context/notes")[0]
	if len(e.Body) != modustest.JournalBodyLimit || e.BodySize != len(body) || !strings.HasPrefix(string(e.Body), `{"title":"t"`) {
		t.Fatalf("body of %d bytes, size %d (sent %d)", len(e.Body), e.BodySize, len(body))
	}
}
