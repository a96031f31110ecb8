package modus

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakePages serves pages keyed by token; "" is the first page.
type fakePages struct {
	pages  map[string]Page[int]
	tokens []string // tokens asked for, in order
	failAt string   // token whose fetch fails
}

func (f *fakePages) fetch(_ context.Context, token string) ([]int, string, error) {
	f.tokens = append(f.tokens, token)
	if token == f.failAt && f.failAt != "" {
		return nil, "", errors.New("boom")
	}
	p, ok := f.pages[token]
	if !ok {
		return nil, "", errors.New("unknown token " + token)
	}
	return p.Items, p.NextPageToken, nil
}

func threePages() *fakePages {
	return &fakePages{pages: map[string]Page[int]{
		"":   {Items: []int{1, 2}, NextPageToken: "t2"},
		"t2": {Items: nil, NextPageToken: "t3"}, // empty middle page: keep going
		"t3": {Items: []int{3}, NextPageToken: ""},
	}}
}

func collect(seq func(func(int, error) bool)) (items []int, errs []error) {
	for v, err := range seq {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		items = append(items, v)
	}
	return items, errs
}

func TestPaginateAllPages(t *testing.T) {
	f := threePages()
	items, errs := collect(paginate(context.Background(), f.fetch))
	assert.Equal(t, []int{1, 2, 3}, items)
	assert.Empty(t, errs)
	assert.Equal(t, []string{"", "t2", "t3"}, f.tokens)

	// Ranging again starts over.
	items, _ = collect(paginate(context.Background(), f.fetch))
	assert.Equal(t, []int{1, 2, 3}, items)
}

func TestPaginateErrorYieldedOnce(t *testing.T) {
	f := threePages()
	f.failAt = "t3"
	var got []int
	var errs []error
	for v, err := range paginate(context.Background(), f.fetch) {
		if err != nil {
			errs = append(errs, err) // no break: the iterator must stop by itself
			continue
		}
		got = append(got, v)
	}
	assert.Equal(t, []int{1, 2}, got)
	require.Len(t, errs, 1)
	assert.EqualError(t, errs[0], "boom")
	assert.Equal(t, []string{"", "t2", "t3"}, f.tokens)
}

func TestPaginateEarlyBreak(t *testing.T) {
	f := threePages()
	var got []int
	for v, err := range paginate(context.Background(), f.fetch) {
		require.NoError(t, err)
		got = append(got, v)
		if v == 1 {
			break
		}
	}
	assert.Equal(t, []int{1}, got)
	assert.Equal(t, []string{""}, f.tokens, "no page fetched after the break")
}

func TestPaginateCtxCancelledBetweenPages(t *testing.T) {
	f := threePages()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var got []int
	var errs []error
	for v, err := range paginate(ctx, f.fetch) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		got = append(got, v)
		if v == 2 {
			cancel() // end of the first page
		}
	}
	assert.Equal(t, []int{1, 2}, got)
	require.Len(t, errs, 1)
	assert.ErrorIs(t, errs[0], context.Canceled)
	assert.Equal(t, []string{""}, f.tokens)
}

func TestPaginateRepeatedToken(t *testing.T) {
	f := &fakePages{pages: map[string]Page[int]{
		"":  {Items: []int{1}, NextPageToken: "a"},
		"a": {Items: []int{2}, NextPageToken: "a"},
	}}
	items, errs := collect(paginate(context.Background(), f.fetch))
	assert.Equal(t, []int{1, 2}, items)
	require.Len(t, errs, 1)
	assert.Contains(t, errs[0].Error(), "page token")
}

// A server that cycles through tokens (a → b → a) would make the iterator
// fetch forever: it must stop with one error once a token comes back.
func TestPaginateTokenCycle(t *testing.T) {
	f := &fakePages{pages: map[string]Page[int]{
		"":  {Items: []int{1}, NextPageToken: "a"},
		"a": {Items: []int{2}, NextPageToken: "b"},
		"b": {Items: []int{3}, NextPageToken: "a"},
	}}
	var items []int
	var errs []error
	for v, err := range paginate(context.Background(), f.fetch) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		items = append(items, v)
		if len(items) > 10 {
			break // the bug: the cycle never ends
		}
	}
	assert.Equal(t, []int{1, 2, 3}, items)
	require.Len(t, errs, 1)
	assert.Contains(t, errs[0].Error(), "page token")
	assert.Equal(t, []string{"", "a", "b"}, f.tokens)
}

// tokenOf turns a *string token into a string, nil being "".
func tokenOf(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

type listParams struct {
	PageSize  *int
	PageToken *string
}

type listResponse struct {
	Things        []thing `json:"things"`
	NextPageToken *string `json:"nextPageToken"`
}

// TestPaginateOverHTTP wires paginate, doPage and withPageToken the way the
// generated list wrappers will, against a server that ends with a null token.
func TestPaginateOverHTTP(t *testing.T) {
	pages := map[string]string{
		"":   `{"things":[{"id":1},{"id":2}],"nextPageToken":"p2"}`,
		"p2": `{"things":[],"nextPageToken":"p3"}`,
		"p3": `{"things":[{"id":3}],"nextPageToken":null}`,
	}
	var seen []string
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		tok := r.URL.Query().Get("pageToken")
		seen = append(seen, tok)
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(pages[tok]))
	})
	c, _ := newTestClient(t, srv)

	listPage := func(ctx context.Context, p *listParams, opts ...Option) (*Page[thing], error) {
		path := "/api/v1/things?pageSize=2"
		if p.PageToken != nil {
			path += "&pageToken=" + *p.PageToken
		}
		return doPage(ctx, c, opts, route{}, rawRequest("GET", path, nil),
			func(r *listResponse) ([]thing, string) { return r.Things, tokenOf(r.NextPageToken) })
	}
	size := 2
	params := &listParams{PageSize: &size}
	list := paginate(context.Background(), func(ctx context.Context, token string) ([]thing, string, error) {
		page, err := listPage(ctx, withPageToken(params, token, func(p *listParams, t string) { p.PageToken = &t }))
		if err != nil {
			return nil, "", err
		}
		return page.Items, page.NextPageToken, nil
	})
	var ids []int64
	for v, err := range list {
		require.NoError(t, err)
		ids = append(ids, v.ID)
	}
	assert.Equal(t, []int64{1, 2, 3}, ids)
	assert.Equal(t, []string{"", "p2", "p3"}, seen)
	assert.Nil(t, params.PageToken, "caller's params untouched")

	// Page-level call for resuming.
	page, err := listPage(context.Background(), withPageToken(params, "p2", func(p *listParams, t string) { p.PageToken = &t }))
	require.NoError(t, err)
	assert.Empty(t, page.Items)
	assert.True(t, page.HasNext())
	assert.Equal(t, "p3", page.NextPageToken)
	last, err := listPage(context.Background(), withPageToken(params, page.NextPageToken, func(p *listParams, t string) { p.PageToken = &t }))
	require.NoError(t, err)
	assert.False(t, last.HasNext())
	assert.False(t, (*Page[int])(nil).HasNext())
	b, _ := json.Marshal(last)
	assert.JSONEq(t, `{"items":[{"id":3,"name":""}],"nextPageToken":""}`, string(b))
}

func TestWithPageToken(t *testing.T) {
	set := func(p *listParams, t string) { p.PageToken = &t }
	p := withPageToken[listParams](nil, "", set)
	assert.Equal(t, &listParams{}, p)

	start := "resume"
	orig := &listParams{PageToken: &start}
	first := withPageToken(orig, "", set)
	assert.Equal(t, "resume", *first.PageToken, "first page keeps the caller's token")
	next := withPageToken(orig, "n2", set)
	assert.Equal(t, "n2", *next.PageToken)
	assert.Equal(t, "resume", *orig.PageToken)
	assert.NotSame(t, orig, next)
}
