package modustest

import (
	"context"
	"time"

	"github.com/modus-data/modus-sdk-go/modus/modustest/internal/server"
)

func (h *api) ListConnections(ctx context.Context, req server.ListConnectionsRequestObject) (server.ListConnectionsResponseObject, error) {
	p := req.Params
	h.mu.Lock()
	defer h.mu.Unlock()
	var all []server.ConnectionDto
	for _, c := range h.state.connections {
		if p.Type != nil && (c.Type == nil || *c.Type != *p.Type) {
			continue
		}
		all = append(all, c)
	}
	page, next, err := paginate(all, p.PageToken, p.PageSize, 25, 100, queryHash("ListConnections", p.Type))
	if err != nil {
		return nil, err
	}
	return server.ListConnections200JSONResponse{Connections: nonNil(page), NextPageToken: next}, nil
}

// maxUsageBuckets bounds a usage window so a typo cannot allocate forever.
const maxUsageBuckets = 10000

// ListUsage answers deterministic numbers: each bucket's count depends only
// on its start time, so the same window always gives the same answer.
// Buckets are whole UTC hours or days and bucket is the start of each, as
// a date_trunc rollup gives it: when since falls inside an hour or day, the
// first bucket starts before since (it holds the usage from since on).
// The fake's counts are the same for a partial bucket as for a whole one.
func (h *api) ListUsage(ctx context.Context, req server.ListUsageRequestObject) (server.ListUsageResponseObject, error) {
	p := req.Params
	if !p.Rollup.Valid() {
		return nil, invalid("rollup must be hour or day")
	}
	if p.GroupBy != nil && !p.GroupBy.Valid() {
		return nil, invalid("group_by %q is not supported", *p.GroupBy)
	}
	since, until := p.Since.UTC(), p.Until.UTC()
	if !until.After(since) {
		return nil, invalid("until must be after since")
	}
	step := time.Hour
	if p.Rollup == server.UsageRollupDay {
		step = 24 * time.Hour
	}
	if until.Sub(since)/step > maxUsageBuckets {
		return nil, invalid("the window holds more than %d buckets", maxUsageBuckets)
	}
	model := "claude-sonnet-4.6"
	if p.Model != nil {
		model = *p.Model
	}
	resp := server.ListUsageResponseDto{
		Buckets: []server.UsageBucketDto{}, OrgID: DefaultOrganizationID,
		Rollup: server.UsageRollup(p.Rollup), Since: since, Until: until,
	}
	if p.GroupBy != nil {
		resp.GroupBy = ptr(server.UsageGroupBy(*p.GroupBy))
	}
	var credits float64
	for b := since.Truncate(step); b.Before(until); b = b.Add(step) {
		calls := 1 + b.Unix()/int64(step.Seconds())%5
		c := float64(calls) * 0.125
		bucket := server.UsageBucketDto{
			Bucket: b.Format("2006-01-02T15:04:05.000Z"), CallCount: calls, Credits: ptr(c),
			InputTokens: calls * 4000, OutputTokens: calls * 500, Model: ptr(model),
		}
		if p.GroupBy != nil {
			bucket.GroupValue = ptr(model)
		}
		resp.Buckets = append(resp.Buckets, bucket)
		resp.Totals.CallCount += bucket.CallCount
		resp.Totals.InputTokens += bucket.InputTokens
		resp.Totals.OutputTokens += bucket.OutputTokens
		credits += c
	}
	resp.Totals.Credits = &credits
	return server.ListUsage200JSONResponse(resp), nil
}

// DeleteOrganization forgets all data; the run script stays.
func (h *api) DeleteOrganization(ctx context.Context, req server.DeleteOrganizationRequestObject) (server.DeleteOrganizationResponseObject, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	fresh := newState()
	fresh.seq, fresh.script = h.state.seq, h.state.script
	h.state = fresh
	return server.DeleteOrganization204Response{}, nil
}
