package modustest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/modus-data/modus-sdk-go/gen"
	"github.com/modus-data/modus-sdk-go/modus/modustest/internal/server"
)

// An operation the fake has no handler for (a new one in openapi.json)
// answers 501 in the API's error shape, through the same strict options the
// fake uses.
func TestOperationWithoutHandlerAnswers501(t *testing.T) {
	strict := server.NewStrictHandlerWithOptions(server.Complete(struct{}{}), nil, strictOptions())
	h := server.HandlerWithOptions(strict, server.StdHTTPServerOptions{BaseRouter: http.NewServeMux()})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/agents/42", nil))
	if rec.Code != http.StatusNotImplemented {
		t.Fatalf("status %d, want 501: %s", rec.Code, rec.Body)
	}
	var body gen.ErrorResponseDto
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("not the API's error shape: %v: %s", err, rec.Body)
	}
	if body.Error.Code != gen.APIErrorCodeINTERNALERROR || body.Error.Message == "" {
		t.Errorf("error body %+v", body.Error)
	}
}
