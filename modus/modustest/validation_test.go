package modustest_test

import (
	"net/http"
	"testing"

	"github.com/modus-data/modus-sdk-go/modus/modustest"
)

// A body with several missing fields always names the first one in the
// order of the spec's required list: the answer does not depend on map
// iteration.
func TestValidationNamesFirstFieldInSpecOrder(t *testing.T) {
	srv := modustest.NewServer(t)
	for _, c := range []struct {
		path string
		body any
		want string
	}{
		{"/api/v1/context/notes", map[string]any{"title": " ", "content": ""}, "title must not be empty"},
		{"/api/v1/context/saved-queries", map[string]any{"name": "", "connectionId": ""}, "name must not be empty"},
		{"/api/v1/context/dimensions", map[string]any{"name": "", "expr": "", "description": ""}, "name must not be empty"},
		{"/api/v1/context/facts", map[string]any{"name": "n", "expr": "", "description": ""}, "description must not be empty"},
		{"/api/v1/context/filters", map[string]any{"name": "n", "expr": "", "description": "d"}, "expr must not be empty"},
		{"/agent/runs", map[string]any{"message": "", "sessionId": "", "organizationId": ""}, "message must not be empty"},
		{"/agent/runs", map[string]any{"message": "m", "sessionId": "", "organizationId": ""}, "sessionId must not be empty"},
		{"/agent/workflow-actions", map[string]any{"sessionId": "", "organizationId": ""}, "organizationId must not be empty"},
	} {
		for range 20 {
			r, body := call(t, srv, "POST", c.path, c.body)
			e := expectError(t, r, body, http.StatusBadRequest, "VALIDATION")
			if e.Error.Message != c.want {
				t.Fatalf("POST %s: %q, want %q", c.path, e.Error.Message, c.want)
			}
		}
	}
}
