package modus

import (
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Context.Update clears fields the way agents and skills do (Null, an empty
// list): it derives updateMask from the fields set and never sends a null.
func TestContextUpdateDerivesMask(t *testing.T) {
	for _, tc := range []struct {
		name     string
		params   *ContextItemUpdateParams
		body     UpdateContextItemRequest
		wantMask string // "" for no updateMask parameter
		wantBody string
	}{
		{"set", nil, UpdateContextItemRequest{Description: NewNullable("d"), UserFeedback: Ptr(FeedbackPositive)},
			"description,userFeedback", `{"description":"d","userFeedback":"positive"}`},
		{"clear", nil, UpdateContextItemRequest{Description: Null[string](), Topics: []string{}},
			"description,topics", `{"topics":[]}`},
		{"content with its type", nil, UpdateContextItemRequest{Content: map[string]any{"k": 1}, ContextType: Ptr(KindNote)},
			"content", `{"content":{"k":1},"contextType":"note"}`},
		{"caller's mask wins", &ContextItemUpdateParams{UpdateMask: Ptr("topics")},
			UpdateContextItemRequest{Description: Null[string]()}, "topics", `{}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var gotMask, gotBody string
			var hasMask bool
			srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				gotMask, hasMask = r.URL.Query().Get("updateMask"), r.URL.Query().Has("updateMask")
				b, _ := io.ReadAll(r.Body)
				gotBody = string(b)
				w.Header().Set("Content-Type", "application/json")
				io.WriteString(w, `{"uid":"u"}`)
			})
			c, _ := newTestClient(t, srv)
			var before ContextItemUpdateParams
			if tc.params != nil {
				before = *tc.params
			}
			_, err := c.Context.Update(context.Background(), "u", tc.params, tc.body)
			require.NoError(t, err)
			assert.Equal(t, tc.wantMask != "", hasMask)
			assert.Equal(t, tc.wantMask, gotMask)
			assert.JSONEq(t, tc.wantBody, gotBody)
			if tc.params != nil {
				assert.Equal(t, before, *tc.params, "params not modified")
			}
		})
	}
	// Issue 16 item 19: a body that sets nothing, without a mask, is refused
	// (TestIssue16_19_EmptyUpdateRefused covers every update).
}
