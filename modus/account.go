package modus

import (
	"context"
	"iter"
	"net/http"

	"github.com/modus-data/modus-sdk-go/gen"
)

// The organization-wide operations: connections, usage, deletion.

// List returns one page of the data connections the caller can use.
func (s *ConnectionsService) List(ctx context.Context, params *ConnectionListParams, opts ...Option) (*Page[Connection], error) {
	return doPage(ctx, s.c, opts, route{op: opListConnections, plain: params == nil}, func(server string) (*http.Request, error) {
		return gen.NewListConnectionsRequest(server, params)
	}, func(r *gen.ListConnectionsResponseDto) ([]Connection, string) {
		return r.Connections, nullableToken(r.NextPageToken)
	})
}

// All iterates over every connection List would return, page after page;
// params is never modified.
func (s *ConnectionsService) All(ctx context.Context, params *ConnectionListParams, opts ...Option) iter.Seq2[Connection, error] {
	return listAll(ctx, params, func(p *ConnectionListParams, t string) { p.PageToken = &t },
		func(ctx context.Context, p *ConnectionListParams) (*Page[Connection], error) {
			return s.List(ctx, p, opts...)
		})
}

// List returns the organization's LLM calls and tokens in hourly or daily
// buckets for the window [Since, Until), and their totals. params is
// required (Since, Until and Rollup). The report comes whole: it does not page.
func (s *UsageService) List(ctx context.Context, params *UsageParams, opts ...Option) (*UsageReport, error) {
	return call[UsageReport](ctx, s.c, opts, route{op: opListUsage, plain: params == nil}, func(server string) (*http.Request, error) {
		return gen.NewListUsageRequest(server, params)
	})
}

// Delete permanently deletes everything Modus holds for the caller's
// active organization. It cannot be undone.
func (s *OrganizationService) Delete(ctx context.Context, opts ...Option) error {
	return callNoContent(ctx, s.c, opts, route{op: opDeleteOrganization, plain: true}, gen.NewDeleteOrganizationRequest)
}
