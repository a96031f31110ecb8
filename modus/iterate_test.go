package modus_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modus-data/modus-sdk-go/modus"
	"github.com/modus-data/modus-sdk-go/modus/modustest"
)

// seedAgents adds n agents named agent-0 ... agent-(n-1).
func seedAgents(t *testing.T, srv *modustest.Server, n int) []string {
	t.Helper()
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("agent-%d", i)
		srv.SeedAgent(t, modustest.AgentSeed{Name: names[i]})
	}
	return names
}

func agentNames(t *testing.T, seq func(func(modus.Agent, error) bool)) []string {
	t.Helper()
	var names []string
	for _, a := range collect(t, seq) {
		names = append(names, a.Name)
	}
	return names
}

func TestAllFollowsPages(t *testing.T) {
	srv, client, _ := newFake(t)
	want := seedAgents(t, srv, 7)
	srv.ResetRequestCounts()

	got := agentNames(t, client.Agents.All(context.Background(), &modus.AgentListParams{PageSize: modus.Ptr(2)}))
	assert.Equal(t, want, got)
	assert.Equal(t, 4, srv.Requests("GET", "/api/v1/agents"), "7 items in pages of 2")

	// Each range starts again from the first page.
	seq := client.Agents.All(context.Background(), &modus.AgentListParams{PageSize: modus.Ptr(3)})
	assert.Equal(t, want, agentNames(t, seq))
	assert.Equal(t, want, agentNames(t, seq))
}

func TestAllDoesNotMutateParams(t *testing.T) {
	srv, client, _ := newFake(t)
	want := seedAgents(t, srv, 5)
	ctx := context.Background()

	params := &modus.AgentListParams{PageSize: modus.Ptr(2), IncludeVariation: modus.Ptr(true)}
	before := *params
	assert.Equal(t, want, agentNames(t, client.Agents.All(ctx, params)))
	assert.Equal(t, before, *params)
	assert.Nil(t, params.PageToken)
	assert.Equal(t, 2, *params.PageSize)

	// A token the caller put in params resumes from there, and stays as it was.
	first, err := client.Agents.List(ctx, params)
	require.NoError(t, err)
	token := first.NextPageToken
	resume := &modus.AgentListParams{PageSize: modus.Ptr(2), IncludeVariation: modus.Ptr(true), PageToken: &token}
	assert.Equal(t, want[2:], agentNames(t, client.Agents.All(ctx, resume)))
	assert.Equal(t, token, *resume.PageToken)
}

func TestAllStopsOnErrorAndBreak(t *testing.T) {
	srv, client, _ := newFake(t)
	seedAgents(t, srv, 6)
	ctx := context.Background()
	params := &modus.AgentListParams{PageSize: modus.Ptr(2)}

	var items, errs int
	for _, err := range client.Agents.All(ctx, params) {
		if err != nil {
			errs++
			assert.ErrorIs(t, err, modus.ErrServer)
			continue
		}
		items++
		if items == 1 {
			srv.FailNext(1, http.StatusInternalServerError, 0) // the next page fails
		}
	}
	assert.Equal(t, 2, items)
	assert.Equal(t, 1, errs, "the error is yielded once, then the iteration ends")

	srv.ResetRequestCounts()
	n := 0
	for _, err := range client.Agents.All(ctx, params) {
		require.NoError(t, err)
		if n++; n == 3 {
			break
		}
	}
	assert.Equal(t, 2, srv.Requests("GET", "/api/v1/agents"), "no page is fetched after break")

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	errs = 0
	for _, err := range client.Agents.All(cancelled, params) {
		assert.ErrorIs(t, err, context.Canceled)
		errs++
	}
	assert.Equal(t, 1, errs, "a cancelled context ends the iteration with its error")
}

// The API may answer an empty page that still has a next-page token.
func TestAllThroughEmptyPages(t *testing.T) {
	pages := map[string]string{
		"":   `{"agents":[],"nextPageToken":"t1"}`,
		"t1": `{"agents":[{"id":1,"name":"one"}],"nextPageToken":"t2"}`,
		"t2": `{"agents":[],"nextPageToken":"t3"}`,
		"t3": `{"agents":[{"id":3,"name":"three"}],"nextPageToken":null}`,
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := pages[r.URL.Query().Get("pageToken")]
		if !ok {
			http.Error(w, `{"error":{"code":"VALIDATION","message":"bad token"}}`, http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, body)
	}))
	t.Cleanup(srv.Close)
	client, err := modus.NewClient(modus.WithAPIKey(modustest.DefaultAPIKey), modus.WithBaseURL(srv.URL), modus.WithHTTPClient(srv.Client()))
	require.NoError(t, err)

	assert.Equal(t, []string{"one", "three"}, agentNames(t, client.Agents.All(context.Background(), nil)))
	first, err := client.Agents.List(context.Background(), nil)
	require.NoError(t, err)
	assert.Empty(t, first.Items)
	assert.Equal(t, "t1", first.NextPageToken)
	assert.True(t, first.HasNext())
}
