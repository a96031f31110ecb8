package modustest_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/modus-data/modus-sdk-go/gen"
	"github.com/modus-data/modus-sdk-go/modus/modustest"
)

func TestAuth(t *testing.T) {
	srv := modustest.NewServer(t)
	if !strings.HasPrefix(srv.APIKey(), "modus_test_") {
		t.Fatalf("key %q", srv.APIKey())
	}
	resp, body := call(t, srv, "GET", "/api/v1/agents", nil, "Authorization", "")
	e := expectError(t, resp, body, http.StatusUnauthorized, "UNAUTHORIZED")
	if e.Error.Status != "UNAUTHENTICATED" {
		t.Fatalf("status %q", e.Error.Status)
	}
	resp, body = call(t, srv, "GET", "/agent/runs/x/stream", nil, "Authorization", "Bearer modus_wrong")
	expectError(t, resp, body, http.StatusUnauthorized, "UNAUTHORIZED")
	resp, body = call(t, srv, "GET", "/api/v1/agents", nil)
	expect(t, resp, body, http.StatusOK, nil)
	if resp.Header.Get("X-Request-Id") == "" {
		t.Fatal("no x-request-id")
	}
}

func TestErrorsShape(t *testing.T) {
	srv := modustest.NewServer(t)
	resp, body := call(t, srv, "GET", "/api/v1/agents/999", nil)
	expectError(t, resp, body, http.StatusNotFound, "NOT_FOUND")
	resp, body = call(t, srv, "GET", "/api/v1/nothing", nil)
	expectError(t, resp, body, http.StatusNotFound, "NOT_FOUND")
	resp, body = call(t, srv, "GET", "/api/v1/agents/abc", nil)
	expectError(t, resp, body, http.StatusBadRequest, "BAD_REQUEST")
	resp, body = call(t, srv, "POST", "/api/v1/agents", "{not json")
	expectError(t, resp, body, http.StatusBadRequest, "BAD_REQUEST")
	resp, body = call(t, srv, "POST", "/api/v1/agents", map[string]any{"name": "", "type": "task"})
	expectError(t, resp, body, http.StatusBadRequest, "VALIDATION")
}

func TestClientHelper(t *testing.T) {
	srv := modustest.NewServer(t)
	c, err := srv.Client()
	if err != nil {
		t.Fatal(err)
	}
	if c.BaseURL() != srv.URL() || c.AgentURL() != srv.URL() {
		t.Fatalf("base %q agent %q, want %q", c.BaseURL(), c.AgentURL(), srv.URL())
	}
}

func TestPagination(t *testing.T) {
	srv := modustest.NewServer(t)
	for i := range 7 {
		srv.SeedAgent(t, modustest.AgentSeed{Name: fmt.Sprintf("agent %d", i)})
	}
	var names []string
	token, pages := "", 0
	for {
		q := url.Values{"pageSize": {"3"}}
		if token != "" {
			q.Set("pageToken", token)
		}
		var page gen.ListAgentsResponseDto
		resp, body := call(t, srv, "GET", "/api/v1/agents?"+q.Encode(), nil)
		expect(t, resp, body, http.StatusOK, &page)
		pages++
		for _, a := range page.Agents {
			names = append(names, a.Name)
		}
		next, err := deref(page.NextPageToken)
		if err != nil || next == "" {
			if !strings.Contains(string(body), `"nextPageToken":null`) {
				t.Fatalf("last page: %s", body)
			}
			break
		}
		if strings.Contains(next, "3") && strings.Contains(next, "offset") {
			t.Fatalf("token not opaque: %s", next)
		}
		token = next
	}
	if pages != 3 || len(names) != 7 || names[0] != "agent 0" || names[6] != "agent 6" {
		t.Fatalf("pages %d names %v", pages, names)
	}

	checkPageTokens(t, srv)
}

func checkPageTokens(t *testing.T, srv *modustest.Server) {
	t.Helper()
	// A token only works with the query that made it.
	var first gen.ListAgentsResponseDto
	resp, body := call(t, srv, "GET", "/api/v1/agents?pageSize=2", nil)
	expect(t, resp, body, http.StatusOK, &first)
	tok, _ := deref(first.NextPageToken)
	resp, body = call(t, srv, "GET", "/api/v1/agents?search=agent&pageSize=2&pageToken="+url.QueryEscape(tok), nil)
	expectError(t, resp, body, http.StatusBadRequest, "VALIDATION")
	resp, body = call(t, srv, "GET", "/api/v1/agents?pageToken=garbage", nil)
	expectError(t, resp, body, http.StatusBadRequest, "VALIDATION")
	// Tokens are sealed: an edited or hand-made one is refused.
	edited := []byte(tok)
	edited[2] ^= 1
	if edited[2] == '-' || edited[2] == '_' || edited[2] > 'z' {
		edited[2] = 'A'
	}
	for _, bad := range []string{string(edited), "eyJvIjoyLCJxIjowfQ", tok + "AA"} {
		resp, body = call(t, srv, "GET", "/api/v1/agents?pageSize=2&pageToken="+url.QueryEscape(bad), nil)
		expectError(t, resp, body, http.StatusBadRequest, "VALIDATION")
	}
	resp, body = call(t, srv, "GET", "/api/v1/agents?pageSize=2&pageToken="+url.QueryEscape(tok), nil)
	expect(t, resp, body, http.StatusOK, nil)
	resp, body = call(t, srv, "GET", "/api/v1/agents?pageSize=-1", nil)
	expectError(t, resp, body, http.StatusBadRequest, "VALIDATION")

	// Larger page sizes are clamped; the default is 25.
	resp, body = call(t, srv, "GET", "/api/v1/agents?pageSize=1000", nil)
	expect(t, resp, body, http.StatusOK, &first)
	if len(first.Agents) != 7 {
		t.Fatalf("got %d", len(first.Agents))
	}
}

func TestAgentLifecycle(t *testing.T) {
	srv := modustest.NewServer(t)
	var a gen.AgentDto
	resp, body := call(t, srv, "POST", "/api/v1/agents", map[string]any{
		"name": "Daily report", "type": "task", "trigger": map[string]any{"trigger_type": "manual"},
	})
	expect(t, resp, body, http.StatusCreated, &a)
	if a.Status != gen.ResourceLifecycleStatusDraft || !a.HasUnpublishedChanges || a.ActiveVariationID != nil {
		t.Fatalf("created: %s", body)
	}
	path := fmt.Sprintf("/api/v1/agents/%d", a.ID)

	// Deploy publishes the draft.
	var dep gen.AgentDeployResponseDto
	resp, body = call(t, srv, "POST", path+"/deploy", nil)
	expect(t, resp, body, http.StatusOK, &dep)
	if dep.Agent.Status != gen.ResourceLifecycleStatusActive || dep.DeployedAt.IsZero() || dep.Agent.HasUnpublishedChanges {
		t.Fatalf("deployed: %s", body)
	}

	// Updates go to a new draft; the active view keeps the deployed trigger.
	resp, body = call(t, srv, "PATCH", path, map[string]any{"name": "Weekly report", "trigger": map[string]any{"trigger_type": "webhook"}})
	expect(t, resp, body, http.StatusOK, &a)
	if a.Name != "Weekly report" || !a.HasUnpublishedChanges {
		t.Fatalf("updated: %s", body)
	}
	trigger := func(view string) gen.TriggerDtoTriggerType {
		var got gen.AgentDto
		resp, body := call(t, srv, "GET", path+"?view="+view, nil)
		expect(t, resp, body, http.StatusOK, &got)
		if got.Variation == nil || got.Variation.Trigger == nil {
			t.Fatalf("%s view has no trigger: %s", view, body)
		}
		return got.Variation.Trigger.TriggerType
	}
	if trigger("active") != gen.TriggerDtoTriggerTypeManual || trigger("draft") != gen.TriggerDtoTriggerTypeWebhook {
		t.Fatalf("active %v draft %v", trigger("active"), trigger("draft"))
	}

	checkAgentMaskAndDelete(t, srv, path)
}

func checkAgentMaskAndDelete(t *testing.T, srv *modustest.Server, path string) {
	t.Helper()
	// updateMask: only the listed fields change.
	var a gen.AgentDto
	resp, body := call(t, srv, "PATCH", path+"?updateMask=description", map[string]any{"name": "ignored", "description": "d"})
	expect(t, resp, body, http.StatusOK, &a)
	if a.Name != "Weekly report" || a.Description == nil || *a.Description != "d" {
		t.Fatalf("masked update: %s", body)
	}
	resp, body = call(t, srv, "PATCH", path+"?updateMask=bogus", map[string]any{})
	expectError(t, resp, body, http.StatusBadRequest, "VALIDATION")

	// Soft delete hides it; restore brings it back.
	resp, body = call(t, srv, "DELETE", path, nil)
	expect(t, resp, body, http.StatusNoContent, nil)
	resp, body = call(t, srv, "GET", path, nil)
	expectError(t, resp, body, http.StatusNotFound, "NOT_FOUND")
	var list gen.ListAgentsResponseDto
	resp, body = call(t, srv, "GET", "/api/v1/agents", nil)
	expect(t, resp, body, http.StatusOK, &list)
	if len(list.Agents) != 0 {
		t.Fatalf("deleted agent listed: %s", body)
	}
	resp, body = call(t, srv, "POST", path+"/restore", nil)
	expect(t, resp, body, http.StatusOK, &a)
	if a.Status != gen.ResourceLifecycleStatusActive || a.DeletedAt != nil {
		t.Fatalf("restored: %s", body)
	}
	resp, body = call(t, srv, "GET", path, nil)
	expect(t, resp, body, http.StatusOK, nil)
}

func TestSkillLifecycle(t *testing.T) {
	srv := modustest.NewServer(t)
	sk := srv.SeedSkill(t, modustest.SkillSeed{Name: "Churn", Instructions: []string{"v1"}, Deployed: true})
	path := fmt.Sprintf("/api/v1/skills/%d", sk.ID)
	var got gen.SkillDto
	resp, body := call(t, srv, "PATCH", path, map[string]any{"instructions": []string{"v2"}})
	expect(t, resp, body, http.StatusOK, &got)
	resp, body = call(t, srv, "GET", path, nil) // default view: active
	expect(t, resp, body, http.StatusOK, &got)
	if got.Variation.Instructions[0] != "v1" {
		t.Fatalf("active: %s", body)
	}
	draftID := *got.ActiveVariationID
	var dep gen.DeployResponseDto
	resp, body = call(t, srv, "POST", path+"/deploy", map[string]any{})
	expect(t, resp, body, http.StatusOK, &dep)
	if dep.Skill.Variation.Instructions[0] != "v2" {
		t.Fatalf("deployed: %s", body)
	}
	resp, body = call(t, srv, "GET", fmt.Sprintf("%s/variations/%s", path, draftID), nil)
	expect(t, resp, body, http.StatusOK, &got)
	if got.Variation.Instructions[0] != "v1" {
		t.Fatalf("old variation: %s", body)
	}
	resp, body = call(t, srv, "DELETE", path, nil)
	expect(t, resp, body, http.StatusNoContent, nil)
	resp, body = call(t, srv, "DELETE", path, nil) // deleting twice succeeds
	expect(t, resp, body, http.StatusNoContent, nil)
	resp, body = call(t, srv, "GET", path, nil)
	expectError(t, resp, body, http.StatusNotFound, "NOT_FOUND")
	resp, body = call(t, srv, "POST", path+"/restore", nil)
	expect(t, resp, body, http.StatusOK, nil)
}

func TestOwnershipTransfer(t *testing.T) {
	srv := modustest.NewServer(t)
	for _, kind := range []string{"agents", "skills"} {
		var id int64
		if kind == "agents" {
			a := srv.SeedAgent(t, modustest.AgentSeed{Name: "a"})
			id = a.ID
		} else {
			s := srv.SeedSkill(t, modustest.SkillSeed{Name: "s"})
			id = s.ID
		}
		path := fmt.Sprintf("/api/v1/%s/%d/transfer-ownership", kind, id)
		var got struct {
			AccessConfig struct {
				OwnerUserID string `json:"ownerUserId"`
			}
			PendingOwnershipTransfer *struct{ PendingOwnerUserID string } `json:"pendingOwnershipTransfer"`
		}
		resp, body := call(t, srv, "POST", path, map[string]any{"newOwnerUserId": "user_bob"})
		expect(t, resp, body, http.StatusOK, &got)
		if got.PendingOwnershipTransfer == nil || got.PendingOwnershipTransfer.PendingOwnerUserID != "user_bob" {
			t.Fatalf("%s request: %s", kind, body)
		}
		resp, body = call(t, srv, "POST", path, map[string]any{"newOwnerUserId": "user_eve"})
		expectError(t, resp, body, http.StatusConflict, "CONFLICT")
		resp, body = call(t, srv, "DELETE", path, nil)
		got.PendingOwnershipTransfer = nil // an answer without a transfer omits the field
		expect(t, resp, body, http.StatusOK, &got)
		if got.PendingOwnershipTransfer != nil {
			t.Fatalf("%s cancel: %s", kind, body)
		}
		resp, body = call(t, srv, "POST", path+"/accept", nil)
		expectError(t, resp, body, http.StatusNotFound, "NOT_FOUND")
		resp, body = call(t, srv, "POST", path, map[string]any{"newOwnerUserId": "user_bob"})
		expect(t, resp, body, http.StatusOK, nil)
		got.PendingOwnershipTransfer = nil
		resp, body = call(t, srv, "POST", path+"/accept", nil)
		expect(t, resp, body, http.StatusOK, &got)
		if got.AccessConfig.OwnerUserID != "user_bob" || got.PendingOwnershipTransfer != nil {
			t.Fatalf("%s accept: %s", kind, body)
		}
	}
}

func TestContextItems(t *testing.T) {
	srv := modustest.NewServer(t)
	conn := srv.SeedConnection(t, "Warehouse", "postgresql")
	var made gen.CreatedContextItemResponseDto
	resp, body := call(t, srv, "POST", "/api/v1/context/notes", map[string]any{"title": "Churn", "content": "Q3 churn notes"})
	expect(t, resp, body, http.StatusCreated, &made)
	note := made.ContextItemID
	resp, body = call(t, srv, "POST", "/api/v1/context/links", map[string]any{"url": "https://example.com/doc"})
	expect(t, resp, body, http.StatusCreated, &made)
	if made.Title == nil || *made.Title != "example.com" {
		t.Fatalf("link title: %s", body)
	}
	resp, body = call(t, srv, "POST", "/api/v1/context/saved-queries", map[string]any{"name": "q", "connectionId": conn.ID.String(), "query": "select 1"})
	expect(t, resp, body, http.StatusCreated, nil)
	resp, body = call(t, srv, "POST", "/api/v1/context/dimensions", map[string]any{"name": "region", "expr": "region", "description": "Sales region"})
	expect(t, resp, body, http.StatusCreated, &made)
	dim := made.ContextItemID
	resp, body = call(t, srv, "POST", "/api/v1/context/facts", map[string]any{"name": "amount", "expr": "amount", "description": "Deal amount"})
	expect(t, resp, body, http.StatusCreated, nil)
	resp, body = call(t, srv, "POST", "/api/v1/context/metrics", map[string]any{"name": "m", "expr": "sum(x)", "description": "d"})
	expectError(t, resp, body, http.StatusUnprocessableEntity, "VALIDATION")
	resp, body = call(t, srv, "POST", "/api/v1/context/filters", map[string]any{"name": "f", "expr": "x > 1", "description": "d"})
	expectError(t, resp, body, http.StatusUnprocessableEntity, "VALIDATION")
	sf := srv.SeedContextItem(t, modustest.ContextItemSeed{
		ContextType: "salesforce_object_field", DataPath: []string{"salesforce", "Account", "Industry"},
		Content: map[string]any{"enumValues": []string{"Banking", "Retail", "Energy", "Biotech"}, "other": 1},
	})

	// List with a filter, and get.
	var list gen.ListContextItemsResponseDto
	resp, body = call(t, srv, "GET", "/api/v1/context/items?contextTypes=note&contextTypes=link", nil)
	expect(t, resp, body, http.StatusOK, &list)
	if len(list.ContextItems) != 2 {
		t.Fatalf("filtered list: %s", body)
	}
	resp, body = call(t, srv, "GET", "/api/v1/context/items?searchQuery=REGION", nil)
	expect(t, resp, body, http.StatusOK, &list)
	if len(list.ContextItems) != 1 || list.ContextItems[0].UID != dim {
		t.Fatalf("search: %s", body)
	}

	checkItemUpdates(t, srv, note)

	checkLookupAndValues(t, srv, sf.UID)

	// Delete: user-created kinds only.
	resp, body = call(t, srv, "DELETE", "/api/v1/context/items/"+sf.UID, nil)
	expectError(t, resp, body, http.StatusUnprocessableEntity, "VALIDATION")
	resp, body = call(t, srv, "DELETE", "/api/v1/context/items/"+note, nil)
	expect(t, resp, body, http.StatusOK, nil)
	resp, body = call(t, srv, "GET", "/api/v1/context/items/"+note, nil)
	expectError(t, resp, body, http.StatusNotFound, "NOT_FOUND")
	resp, body = call(t, srv, "DELETE", "/api/v1/context/items/"+note, nil)
	expectError(t, resp, body, http.StatusNotFound, "NOT_FOUND")
}

func checkItemUpdates(t *testing.T, srv *modustest.Server, note string) {
	t.Helper()
	// updateMask: only topics change although description is sent too.
	var item gen.ContextItemDto
	resp, body := call(t, srv, "PATCH", "/api/v1/context/items/"+note+"?updateMask=topics",
		map[string]any{"topics": []string{"q3"}, "description": "not applied"})
	expect(t, resp, body, http.StatusOK, nil)
	resp, body = call(t, srv, "GET", "/api/v1/context/items/"+note, nil)
	expect(t, resp, body, http.StatusOK, &item)
	if !slices.Equal(item.Topics, []string{"q3"}) || (item.Description == nil || *item.Description != "Churn") {
		t.Fatalf("masked update: %s", body)
	}
	resp, body = call(t, srv, "PATCH", "/api/v1/context/items/"+note, map[string]any{"description": "new", "userFeedback": "positive"})
	expect(t, resp, body, http.StatusOK, nil)
	resp, body = call(t, srv, "GET", "/api/v1/context/items/"+note, nil)
	expect(t, resp, body, http.StatusOK, &item)
	if item.Description == nil || *item.Description != "new" || item.UserFeedback != "positive" || !slices.Equal(item.Topics, []string{"q3"}) {
		t.Fatalf("unmasked update: %s", body)
	}
	resp, body = call(t, srv, "PATCH", "/api/v1/context/items/"+note, map[string]any{"content": map[string]any{"x": 1}})
	expectError(t, resp, body, http.StatusBadRequest, "VALIDATION")
}

func checkLookupAndValues(t *testing.T, srv *modustest.Server, sfUID string) {
	t.Helper()
	// Lookup and values.
	var lk gen.LookupContextItemResponseDto
	resp, body := call(t, srv, "POST", "/api/v1/context/items/lookup", map[string]any{
		"contextType": "salesforce_object_field", "dataPath": []string{"salesforce", "Account", "Industry"},
		"contentProjection": map[string]any{"fields": []string{"other"}},
	})
	expect(t, resp, body, http.StatusOK, &lk)
	if row := lk.Item; row == nil || row.UID != sfUID || len(row.Content) != 1 {
		t.Fatalf("lookup: %s", body)
	}
	resp, body = call(t, srv, "POST", "/api/v1/context/items/lookup", map[string]any{"contextType": "note", "dataPath": []string{"x"}})
	expect(t, resp, body, http.StatusOK, nil)
	if !strings.Contains(string(body), `"item":null`) {
		t.Fatalf("lookup miss: %s", body)
	}
	var vals gen.ListContextItemValuesResponseDto
	resp, body = call(t, srv, "GET", "/api/v1/context/items/"+sfUID+"/values?contextType=salesforce_object_field&contentKeyPath=enumValues&pageSize=3", nil)
	expect(t, resp, body, http.StatusOK, &vals)
	next := *vals.NextPageToken
	if len(vals.Values) != 3 || next == "" {
		t.Fatalf("values: %s", body)
	}
	resp, body = call(t, srv, "GET", "/api/v1/context/items/"+sfUID+"/values?contextType=salesforce_object_field&contentKeyPath=enumValues&pageSize=3&pageToken="+next, nil)
	expect(t, resp, body, http.StatusOK, &vals)
	if len(vals.Values) != 1 || vals.Values[0] != "Biotech" {
		t.Fatalf("values page 2: %s", body)
	}
}

func TestChatConversationsMemories(t *testing.T) {
	srv := modustest.NewServer(t)
	sk := srv.SeedSkill(t, modustest.SkillSeed{Name: "s", Deployed: true})
	path := fmt.Sprintf("/api/v1/skills/%d", sk.ID)
	msg := map[string]any{"message": "hello", "model": "claude-sonnet-4.6"}
	var ans gen.SkillChatResponseDto
	resp, body := call(t, srv, "POST", path+"/chat", msg)
	expect(t, resp, body, http.StatusOK, &ans)
	if ans.Content != "Echo: hello" || ans.ThreadID == "" || ans.RunID == "" {
		t.Fatalf("chat: %s", body)
	}
	resp, body = call(t, srv, "POST", path+"/conversations/"+ans.ThreadID+"/chat", msg)
	expect(t, resp, body, http.StatusOK, nil)
	resp, body = call(t, srv, "POST", path+"/conversations/nope/chat", msg)
	expectError(t, resp, body, http.StatusNotFound, "NOT_FOUND")
	resp, body = call(t, srv, "POST", path+"/chat", map[string]any{"message": "x", "model": "nope"})
	expectError(t, resp, body, http.StatusBadRequest, "VALIDATION")

	var convs gen.ListConversationsResponseDto
	resp, body = call(t, srv, "GET", path+"/conversations", nil)
	expect(t, resp, body, http.StatusOK, &convs)
	if len(convs.Conversations) != 1 || convs.Conversations[0].MessageCount != 4 || convs.TotalCount != 1 {
		t.Fatalf("conversations: %s", body)
	}
	var conv gen.ConversationDto
	resp, body = call(t, srv, "GET", "/api/v1/skills/0/conversations/"+ans.ThreadID, nil)
	expect(t, resp, body, http.StatusOK, &conv)
	if len(conv.Messages) != 4 {
		t.Fatalf("conversation: %s", body)
	}

	a := srv.SeedAgent(t, modustest.AgentSeed{Name: "a", Deployed: true})
	apath := fmt.Sprintf("/api/v1/agents/%d", a.ID)
	resp, body = call(t, srv, "POST", apath+"/chat", msg)
	expect(t, resp, body, http.StatusOK, &ans)
	resp, body = call(t, srv, "POST", apath+"/conversations/"+ans.ThreadID+"/chat", msg)
	expect(t, resp, body, http.StatusOK, nil)
	resp, body = call(t, srv, "POST", apath+"/conversations/thread_x/chat", msg)
	expectError(t, resp, body, http.StatusNotFound, "NOT_FOUND")

	m1 := srv.SeedMemory(t, sk.ID, "Prefers bullet points", map[string]any{"userId": "u1"})
	srv.SeedMemory(t, sk.ID, "Works in finance", map[string]any{"userId": "u2"})
	var mems gen.ListMemoriesResponseDto
	resp, body = call(t, srv, "GET", path+"/memories?userId=u2", nil)
	expect(t, resp, body, http.StatusOK, &mems)
	if len(mems.Memories) != 1 || mems.Memories[0].Memory != "Works in finance" {
		t.Fatalf("memories: %s", body)
	}
	resp, body = call(t, srv, "POST", path+"/memories/search", map[string]any{"query": "BULLET"})
	expect(t, resp, body, http.StatusOK, &mems)
	if len(mems.Memories) != 1 || mems.Memories[0].ID != m1.ID {
		t.Fatalf("search: %s", body)
	}
	resp, body = call(t, srv, "PATCH", path+"/memories/"+m1.ID+"?updateMask=memory", map[string]any{"memory": "Prefers tables", "metadata": map[string]any{}})
	expect(t, resp, body, http.StatusNoContent, nil)
	resp, body = call(t, srv, "GET", path+"/memories?userId=u1", nil)
	expect(t, resp, body, http.StatusOK, &mems)
	if len(mems.Memories) != 1 || mems.Memories[0].Memory != "Prefers tables" {
		t.Fatalf("after update: %s", body)
	}
	resp, body = call(t, srv, "DELETE", path+"/memories/"+m1.ID, nil)
	expect(t, resp, body, http.StatusNoContent, nil)
	resp, body = call(t, srv, "DELETE", path+"/memories/"+m1.ID, nil)
	expect(t, resp, body, http.StatusNoContent, nil)
}

func TestUsageConnectionsOrganization(t *testing.T) {
	srv := modustest.NewServer(t)
	var u gen.ListUsageResponseDto
	q := "/api/v1/usage?since=2026-05-01T00:00:00Z&until=2026-05-02T00:00:00Z&rollup=hour"
	resp, body := call(t, srv, "GET", q, nil)
	expect(t, resp, body, http.StatusOK, &u)
	if len(u.Buckets) != 24 || u.Totals.CallCount == 0 {
		t.Fatalf("usage: %d buckets", len(u.Buckets))
	}
	_, body2 := call(t, srv, "GET", q, nil)
	if string(body) != string(body2) {
		t.Fatal("usage is not deterministic")
	}
	resp, body = call(t, srv, "GET", strings.Replace(q, "hour", "day", 1), nil)
	expect(t, resp, body, http.StatusOK, &u)
	if len(u.Buckets) != 1 {
		t.Fatalf("daily: %s", body)
	}
	resp, body = call(t, srv, "GET", "/api/v1/usage?since=2026-05-02T00:00:00Z&until=2026-05-01T00:00:00Z&rollup=day", nil)
	expectError(t, resp, body, http.StatusBadRequest, "VALIDATION")

	srv.SeedConnection(t, "A", "postgresql")
	srv.SeedConnection(t, "B", "snowflake")
	var cs gen.ListConnectionsResponseDto
	resp, body = call(t, srv, "GET", "/api/v1/connections?type=snowflake", nil)
	expect(t, resp, body, http.StatusOK, &cs)
	if len(cs.Connections) != 1 {
		t.Fatalf("connections: %s", body)
	}

	srv.SeedAgent(t, modustest.AgentSeed{Name: "a"})
	resp, body = call(t, srv, "DELETE", "/api/v1/users/organization", nil)
	expect(t, resp, body, http.StatusNoContent, nil)
	var list gen.ListAgentsResponseDto
	resp, body = call(t, srv, "GET", "/api/v1/agents", nil)
	expect(t, resp, body, http.StatusOK, &list)
	if len(list.Agents) != 0 {
		t.Fatalf("after org delete: %s", body)
	}
}

func TestFailNext(t *testing.T) {
	for status, code := range map[int][2]string{
		http.StatusTooManyRequests:    {"RATE_LIMITED", "RESOURCE_EXHAUSTED"},
		http.StatusServiceUnavailable: {"INTERNAL_ERROR", "INTERNAL"},
		http.StatusNotFound:           {"NOT_FOUND", "NOT_FOUND"},
		http.StatusConflict:           {"CONFLICT", "ALREADY_EXISTS"},
		http.StatusBadRequest:         {"BAD_REQUEST", "INVALID_ARGUMENT"},
	} {
		srv := modustest.NewServer(t)
		srv.FailNext(2, status, 1500*time.Millisecond)
		for range 2 {
			resp, body := call(t, srv, "GET", "/api/v1/agents", nil)
			if resp.Header.Get("Retry-After") != "2" {
				t.Fatalf("status %d retry-after %q", resp.StatusCode, resp.Header.Get("Retry-After"))
			}
			if e := expectError(t, resp, body, status, code[0]); e.Error.Status != code[1] {
				t.Fatalf("status %d: error status %q, want %q", status, e.Error.Status, code[1])
			}
		}
		resp, body := call(t, srv, "GET", "/api/v1/agents", nil)
		expect(t, resp, body, http.StatusOK, nil)
		if srv.RequestCount() != 3 || srv.Requests("GET", "/api/v1/agents") != 3 {
			t.Fatalf("counted %d", srv.RequestCount())
		}
		srv.ResetRequestCounts()
		if srv.RequestCount() != 0 {
			t.Fatal("reset")
		}
	}
}

func TestLatency(t *testing.T) {
	srv := modustest.NewServer(t, modustest.WithLatency(30*time.Millisecond))
	start := time.Now()
	call(t, srv, "GET", "/api/v1/agents", nil)
	if d := time.Since(start); d < 30*time.Millisecond {
		t.Fatalf("took %v", d)
	}
	srv.SetLatency(0)
}

// A PATCH refused with 400 must leave the resource as it was.
func TestRefusedUpdateChangesNothing(t *testing.T) {
	srv := modustest.NewServer(t)
	a := srv.SeedAgent(t, modustest.AgentSeed{Name: "agent", Deployed: true})
	sk := srv.SeedSkill(t, modustest.SkillSeed{Name: "skill", Deployed: true})
	for _, tc := range []struct {
		path string
		body map[string]any
	}{
		{fmt.Sprintf("/api/v1/agents/%d", a.ID), map[string]any{"name": "renamed", "type": "bogus"}},
		{fmt.Sprintf("/api/v1/agents/%d", a.ID), map[string]any{"name": " "}},
		{fmt.Sprintf("/api/v1/skills/%d", sk.ID), map[string]any{"name": ""}},
	} {
		resp, before := call(t, srv, "GET", tc.path+"?view=draft", nil)
		expect(t, resp, before, http.StatusOK, nil)
		resp, body := call(t, srv, "PATCH", tc.path, tc.body)
		expectError(t, resp, body, http.StatusBadRequest, "VALIDATION")
		resp, after := call(t, srv, "GET", tc.path+"?view=draft", nil)
		expect(t, resp, after, http.StatusOK, nil)
		if string(before) != string(after) {
			t.Fatalf("PATCH %s %v was refused but changed\n%s\ninto\n%s", tc.path, tc.body, before, after)
		}
	}
}

// The server keeps its own copy of what a Seed method is given.
func TestSeedCopiesInput(t *testing.T) {
	srv := modustest.NewServer(t)
	sk := srv.SeedSkill(t, modustest.SkillSeed{Name: "s"})
	meta := map[string]any{"userId": "u1"}
	srv.SeedMemory(t, sk.ID, "m", meta)
	meta["userId"] = "changed"
	var mems gen.ListMemoriesResponseDto
	resp, body := call(t, srv, "GET", fmt.Sprintf("/api/v1/skills/%d/memories?userId=u1", sk.ID), nil)
	expect(t, resp, body, http.StatusOK, &mems)
	if len(mems.Memories) != 1 {
		t.Fatalf("memory metadata aliased the caller's map: %s", body)
	}

	path := []string{"notes", "a"}
	it := srv.SeedContextItem(t, modustest.ContextItemSeed{ContextType: "note", DataPath: path})
	path[1] = "changed"
	var got gen.ContextItemDto
	resp, body = call(t, srv, "GET", "/api/v1/context/items/"+it.UID, nil)
	expect(t, resp, body, http.StatusOK, &got)
	if !slices.Equal(got.DataPath, []string{"notes", "a"}) {
		t.Fatalf("dataPath aliased the caller's slice: %s", body)
	}
}

// What a Seed method returns is the test's own: changing it leaves the
// server's state alone.
func TestSeedReturnsCopies(t *testing.T) {
	srv := modustest.NewServer(t)
	sk := srv.SeedSkill(t, modustest.SkillSeed{Name: "s"})
	m := srv.SeedMemory(t, sk.ID, "m", map[string]any{"userId": "u1"})
	m.Metadata["userId"] = "changed"
	var mems gen.ListMemoriesResponseDto
	resp, body := call(t, srv, "GET", fmt.Sprintf("/api/v1/skills/%d/memories?userId=u1", sk.ID), nil)
	expect(t, resp, body, http.StatusOK, &mems)
	if len(mems.Memories) != 1 {
		t.Fatalf("the returned memory's metadata is the server's: %s", body)
	}

	it := srv.SeedContextItem(t, modustest.ContextItemSeed{ContextType: "note", DataPath: []string{"notes", "a"},
		Topics: []string{"t"}, Content: map[string]any{"title": "a"}})
	it.Content["title"], it.DataPath[1], it.Topics[0] = "changed", "changed", "changed"
	var got gen.ContextItemDto
	resp, body = call(t, srv, "GET", "/api/v1/context/items/"+it.UID, nil)
	expect(t, resp, body, http.StatusOK, &got)
	if got.Content["title"] != "a" || !slices.Equal(got.DataPath, []string{"notes", "a"}) || !slices.Equal(got.Topics, []string{"t"}) {
		t.Fatalf("the returned item shares the server's content, dataPath or topics: %s", body)
	}

	a := srv.SeedAgent(t, modustest.AgentSeed{Name: "a"})
	a.AccessConfig.GroupPermissions["g"] = gen.AgentGroupPermissionDto{Use: true}
	var agent gen.AgentDto
	resp, body = call(t, srv, "GET", fmt.Sprintf("/api/v1/agents/%d", a.ID), nil)
	expect(t, resp, body, http.StatusOK, &agent)
	if len(agent.AccessConfig.GroupPermissions) != 0 {
		t.Fatalf("the returned agent shares the server's access config: %s", body)
	}
}

// deref returns *p, or an error when p is nil (a missing page token).
func deref(p *string) (string, error) {
	if p == nil {
		return "", errors.New("nil")
	}
	return *p, nil
}
