package overlaypins

import "testing"

func TestGoNameReadsLikeOurIDs(t *testing.T) {
	for _, tc := range []struct{ method, path, want string }{
		{"POST", "/api/v1/workflows/{id}/toggle", "ToggleWorkflow"},
		{"GET", "/api/v1/workflows", "ListWorkflows"},
		{"POST", "/api/v1/workflows", "CreateWorkflow"},
		{"GET", "/api/v1/workflows/{id}", "GetWorkflow"},
		{"PATCH", "/api/v1/workflows/{id}", "UpdateWorkflow"},
		{"DELETE", "/api/v1/workflows/{id}", "DeleteWorkflow"},
		{"GET", "/api/v1/scopes/{id}/memories", "ListScopeMemories"},
		{"POST", "/api/v1/scopes/{id}/memories/search", "SearchScopeMemories"},
		{"PUT", "/api/v1/scopes/{id}/evaluations/config", "SetScopeEvaluationsConfig"},
		{"GET", "/api/v1/users/org-members", "ListUsersOrgMembers"},
		{"POST", "/agent/v1/runs/{runId}/cancel", "CancelRun"},
		{"GET", "/api/v1/context/custom-items/{uid}", "GetContextCustomItem"},
	} {
		if got := GoName(tc.method, tc.path); got != tc.want {
			t.Errorf("GoName(%s %s) = %s, want %s", tc.method, tc.path, got, tc.want)
		}
	}
}

func TestNewControllerStyleOperationGetsReadableNamePinned(t *testing.T) {
	doc, err := Decode([]byte(`{"paths": {
		"/api/v1/workflows/{id}/toggle": {"post": {"operationId": "WorkflowsController_toggle"}},
		"/api/v1/agents/{id}/toggle": {"post": {"operationId": "AgentsController_toggle"}},
		"/api/v1/agents": {"get": {"operationId": "ListAgents"}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	existing := []Pin{{Target: "$.paths['/api/v1/agents/{id}/toggle'].post", OperationID: "ToggleWorkflow"}}
	pins, added, _ := Compute(doc, existing, "int64")
	got := map[string]string{}
	for _, p := range pins {
		got[p.Target] = p.OperationID
	}
	if got["$.paths['/api/v1/workflows/{id}/toggle'].post"] != "ToggleWorkflowToggle" ||
		got["$.paths['/api/v1/agents'].get"] != "ListAgents" || len(added) != 2 {
		t.Errorf("pins %v, added %q", got, added)
	}
}

func TestStringFormatsArePinned(t *testing.T) {
	doc, err := Decode([]byte(`{"components": {"schemas": {"A": {"properties": {
		"at": {"type": "string", "format": "date-time"}, "name": {"type": "string"}}}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	pins, _, _ := Compute(doc, nil, "int64")
	if len(pins) != 1 || pins[0] != (Pin{Target: "$.components.schemas.A.properties.at", Type: "string", Format: "date-time"}) {
		t.Fatalf("pins = %+v", pins)
	}
	// The feed drops the format: the pin stays, so Go keeps time.Time.
	doc, _ = Decode([]byte(`{"components": {"schemas": {"A": {"properties": {"at": {"type": "string"}}}}}}`))
	again, added, dropped := Compute(doc, pins, "int64")
	if len(again) != 1 || again[0] != pins[0] || len(added)+len(dropped) > 0 {
		t.Errorf("pins = %+v, added %q, dropped %q", again, added, dropped)
	}
}
