package modus

import (
	"context"
	"fmt"
	"iter"
)

// Page is one page of a list operation. Pass NextPageToken as the page token
// of the next call to resume where this page ended; it is "" on the last
// page (the API's null and absent tokens also read as "").
type Page[T any] struct {
	// Items are the page's items; a page may be empty and still have a next one.
	Items []T `json:"items"`
	// NextPageToken resumes the list after this page; "" on the last page.
	NextPageToken string `json:"nextPageToken"`
}

// HasNext reports whether another page follows.
func (p *Page[T]) HasNext() bool { return p != nil && p.NextPageToken != "" }

// AgentRunPage is one page of an agent's run history (AgentRunsService.List)
// with the per-status counts the API sends beside it.
type AgentRunPage struct {
	Page[AgentRunSummary]
	// Counts is the number of runs per status for the whole filtered
	// history, not only this page.
	Counts AgentRunCounts
}

// ConversationPage is one page of threads (ConversationsService.List) with
// the count the API sends beside it.
type ConversationPage struct {
	Page[ConversationSummary]
	// TotalCount is the number of threads in the scanned window that match
	// the filters (not a global total).
	TotalCount int64
}

// ContextItemPage is one page of context items (ContextService.List) with
// the count the API sends beside it.
type ContextItemPage struct {
	Page[ContextItem]
	// TotalCount is the approximate number of matching items, nil when the
	// server did not compute it.
	TotalCount *int64
}

// fetchFunc fetches the page at pageToken ("" for the first page).
type fetchFunc[T any] func(ctx context.Context, pageToken string) (items []T, nextPageToken string, err error)

// paginate returns an iterator over every item of a list, fetching pages as
// the caller ranges: it follows the next-page token until it is empty, goes
// on through empty pages, stops with an error at a token it has already
// followed (a server bug that would loop forever), checks ctx before each
// page, yields an error once (with the zero T) and then stops, and stops
// fetching when the loop breaks.
// Each range over the iterator starts again from the first page.
//
// fetch must not modify the caller's params; listAll, which every All
// method uses, gives it a copy with the token set (see withPageToken).
func paginate[T any](ctx context.Context, fetch fetchFunc[T]) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		token := ""
		var seen map[string]struct{} // tokens followed so far, to catch cycles
		for {
			if err := ctx.Err(); err != nil {
				yield(zero, err)
				return
			}
			items, next, err := fetch(ctx, token)
			if err != nil {
				yield(zero, err)
				return
			}
			for _, item := range items {
				if !yield(item, nil) {
					return
				}
			}
			if next == "" {
				return
			}
			if _, again := seen[next]; again || next == token {
				// A server bug would otherwise make this loop forever.
				yield(zero, fmt.Errorf("modus: the server returned page token %q, which names a page already fetched; stopping", next))
				return
			}
			if seen == nil {
				seen = make(map[string]struct{})
			}
			seen[next], token = struct{}{}, next
		}
	}
}

// doPage sends a list call and returns its page: extract picks the items
// and the next-page token out of the decoded response R (use nullableToken
// for the API's nullable token), as in AgentsService.List.
func doPage[R, T any](ctx context.Context, c *Client, opts []Option, rt route, build requestFunc, extract func(*R) ([]T, string)) (*Page[T], error) {
	r, err := call[R](ctx, c, opts, rt, build)
	if err != nil {
		return nil, err
	}
	items, next := extract(r)
	return &Page[T]{Items: items, NextPageToken: next}, nil
}

// withPageToken returns a copy of params (a new zero P when params is nil)
// with the page token set by set when token is not "". The caller's struct
// is never modified. The copy is shallow: wrappers must not modify
// slices or maps inside it.
func withPageToken[P any](params *P, token string, set func(p *P, token string)) *P {
	p := new(P)
	if params != nil {
		*p = *params
	}
	if token != "" {
		set(p, token)
	}
	return p
}

// nullableToken turns the API's nullable nextPageToken into a string, null
// and absent being "".
func nullableToken(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// listAll is the body of every All method: it pages through a list with
// paginate, calling the service's page method with a copy of params that
// carries the page token (set stores it), so the caller's params are never
// modified.
func listAll[P, T any](ctx context.Context, params *P, set func(p *P, token string), page func(context.Context, *P) (*Page[T], error)) iter.Seq2[T, error] {
	return paginate(ctx, func(ctx context.Context, token string) ([]T, string, error) {
		p, err := page(ctx, withPageToken(params, token, set))
		if err != nil {
			return nil, "", err
		}
		return p.Items, p.NextPageToken, nil
	})
}
