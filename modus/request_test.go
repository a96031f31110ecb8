package modus

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modus-data/modus-sdk-go/gen"
)

// urlRecorder answers 204 and records the URL of each request.
type urlRecorder struct{ urls []string }

func (r *urlRecorder) Do(req *http.Request) (*http.Response, error) {
	r.urls = append(r.urls, req.URL.String()+" path="+req.URL.Path+" host="+req.Host)
	return &http.Response{StatusCode: 204, Body: io.NopCloser(strings.NewReader("")), Request: req}, nil
}

// A request built from the descriptor's path template (plain) has the URL
// the generated builder would make, under a base URL with a path, for ids
// that need escaping.
func TestPlainRequestMatchesGenerated(t *testing.T) {
	for _, base := range []string{"http://h:8080", "https://proxy.example/pre%20fix/v1"} {
		rec := &urlRecorder{}
		c, err := NewClient(WithAPIKey(testKey), WithBaseURL(base), WithHTTPClient(rec), WithMaxRetries(0))
		require.NoError(t, err)
		server := c.BaseURL() + "/"
		ctx := context.Background()
		var want []string
		for _, id := range []string{"a/b", "x y", "ü", "a,b;c", "%41", "...", "plain", "a?b#c"} {
			_ = c.Skills.Memories.Delete(ctx, 5, id)
			_, _ = c.Context.Get(ctx, id)
			_, _ = c.Skills.Conversations.Get(ctx, 123456789012, id)
			for _, r := range []func() (*http.Request, error){
				func() (*http.Request, error) { return gen.NewDeleteMemoryRequest(server, 5, id) },
				func() (*http.Request, error) { return gen.NewGetContextItemRequest(server, id) },
				func() (*http.Request, error) { return gen.NewGetConversationRequest(server, 123456789012, id) },
			} {
				req, err := r()
				require.NoError(t, err)
				want = append(want, req.URL.String()+" path="+req.URL.Path+" host="+req.Host)
			}
		}
		_ = c.Organization.Delete(ctx)
		_, _ = c.Agents.Get(ctx, 42, nil)
		for _, r := range []func() (*http.Request, error){
			func() (*http.Request, error) { return gen.NewDeleteOrganizationRequest(server) },
			func() (*http.Request, error) { return gen.NewGetAgentRequest(server, 42, nil) },
		} {
			req, err := r()
			require.NoError(t, err)
			want = append(want, req.URL.String()+" path="+req.URL.Path+" host="+req.Host)
		}
		assert.Equal(t, want, rec.urls, base)
	}
}
