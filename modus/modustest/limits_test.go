package modustest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modus-data/modus-sdk-go/modus/modustest"
)

// Item 14: a body over the limit answers 413 in the API's error shape,
// without the server reading all of it.
func TestRequestBodyLimit(t *testing.T) {
	srv := modustest.NewServer(t)
	big := `{"name":"` + strings.Repeat("x", modustest.MaxRequestBodySize) + `"}`

	// Announced by Content-Length: refused before reading.
	resp, body := call(t, srv, "POST", "/api/v1/skills", big)
	checkTooLarge(t, resp, body)

	// Chunked, no length: refused once the limit is crossed.
	var sent atomic.Int64
	pr, pw := io.Pipe()
	go func() {
		chunk := []byte(strings.Repeat("y", 64<<10))
		pw.Write([]byte(`{"name":"`))
		for range 1024 { // 64 MiB if the server read it all
			n, err := pw.Write(chunk)
			sent.Add(int64(n))
			if err != nil {
				return
			}
		}
		pw.Close()
	}()
	req, err := http.NewRequest("POST", srv.URL()+"/api/v1/skills", pr)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+srv.APIKey())
	req.Header.Set("Content-Type", "application/json")
	resp, err = srv.HTTPClient().Do(req)
	require.NoError(t, err)
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	pr.CloseWithError(io.ErrClosedPipe) // stop the writer
	checkTooLarge(t, resp, body)
	assert.Less(t, sent.Load(), int64(48<<20), "the server stopped reading")
}

func checkTooLarge(t *testing.T, resp *http.Response, body []byte) {
	t.Helper()
	require.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode, "%s", body)
	var doc struct {
		Error struct{ Code, Status, Message, RequestID string }
	}
	require.NoError(t, json.Unmarshal(body, &doc), "%s", body)
	assert.Equal(t, "BAD_REQUEST", doc.Error.Code)
	assert.Equal(t, "INVALID_ARGUMENT", doc.Error.Status)
	assert.Contains(t, doc.Error.Message, "larger than")
	assert.NotEmpty(t, doc.Error.RequestID)
}

// Item 15: integer parameters that overflow get a 400 naming them.
func TestNumericParamsOverflow(t *testing.T) {
	srv := modustest.NewServer(t)
	resp, body := call(t, srv, "POST", "/api/v1/skills", map[string]any{"name": "s"})
	require.Less(t, resp.StatusCode, 300, "%s", body)
	var sk struct{ ID int64 }
	require.NoError(t, json.Unmarshal(body, &sk))
	conv := "/api/v1/skills/" + strconv.FormatInt(sk.ID, 10) + "/conversations"

	for _, tc := range []struct{ path, param string }{
		{conv + "?page=1844674407370955162", "page"}, // wrapped to offset 4 with a 200
		{conv + "?page=1e17", "page"},
		{conv + "?page=99999999999999999999", "page"},
		{conv + "?pageSize=9223372036854775807", "pageSize"},
		{"/api/v1/context/items/x/values?offset=9223372036854775807", "offset"},
		{"/api/v1/skills?managerId=99999999999999999999", "managerId"},
		{"/api/v1/skills/" + strconv.FormatInt(sk.ID, 10) + "/memories?limit=99999999999999999999", "limit"},
		{"/api/v1/agents/99999999999999999999", "id"},
	} {
		resp, body := call(t, srv, "GET", tc.path, nil)
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "%s: %s", tc.path, body)
		var doc struct{ Error struct{ Message string } }
		require.NoError(t, json.Unmarshal(body, &doc))
		assert.Contains(t, doc.Error.Message, tc.param, tc.path)
		assert.NotContains(t, doc.Error.Message, "pageToken", tc.path)
	}
	resp, body = call(t, srv, "GET", conv+"?page=3&pageSize=10", nil)
	assert.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
}

// numericParams must cover every integer query parameter of the spec.
func TestNumericParamsMatchSpec(t *testing.T) {
	raw, err := os.ReadFile("../../openapi.json")
	require.NoError(t, err)
	var spec struct {
		Paths map[string]map[string]json.RawMessage
	}
	require.NoError(t, json.Unmarshal(raw, &spec))
	n := 0
	for path, ops := range spec.Paths {
		for _, rawOp := range ops {
			var op struct {
				Parameters []struct {
					Name, In string
					Schema   struct{ Type string }
				}
			}
			if json.Unmarshal(rawOp, &op) != nil {
				continue
			}
			for _, p := range op.Parameters {
				if p.In == "query" && (p.Schema.Type == "integer" || p.Schema.Type == "number") {
					n++
					concrete := strings.NewReplacer("{id}", "7", "{uid}", "u1").Replace(path)
					assert.True(t, modustest.ChecksNumericParam(p.Name, concrete), "%s %s", path, p.Name)
				}
			}
		}
	}
	assert.Greater(t, n, 5)
}
