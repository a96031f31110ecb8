package modustest

import (
	"context"
	"time"

	"github.com/modus-data/modus-sdk-go/gen"
	"github.com/modus-data/modus-sdk-go/modus/modustest/internal/server"
)

func (h *api) ListConnections(ctx context.Context, req server.ListConnectionsRequestObject) (server.ListConnectionsResponseObject, error) {
	p := req.Params
	h.mu.Lock()
	defer h.mu.Unlock()
	var all []gen.ConnectionDto
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

// identityOrgID is the organization's identity-provider id, the org_... form
// usage answers name it by (the UUID, DefaultOrganizationID, is what run
// requests carry).
const identityOrgID = "org_modustest"

// usageSource is where the fake's usage comes from: one skill, one agent,
// one interface and one model. A filter on a dimension names its source.
func usageSource(p gen.ListUsageParams) map[gen.UsageGroupBy]string {
	first := func(vals []string, def string) string {
		if len(vals) > 0 {
			return vals[0]
		}
		return def
	}
	return map[gen.UsageGroupBy]string{
		gen.UsageGroupByAll:       "all",
		gen.UsageGroupBySkill:     first(p.SkillID, "1"),
		gen.UsageGroupByAgent:     first(p.AgentID, "1"),
		gen.UsageGroupByInterface: first(p.Interface, "api"),
		gen.UsageGroupByModel:     derefOr(p.Model, "claude-sonnet-4.6"),
	}
}

// usageWindow checks a usage query and returns its window and bucket size.
func usageWindow(p gen.ListUsageParams) (since, until time.Time, step time.Duration, err error) {
	if !p.Rollup.Valid() {
		return since, until, 0, invalid("rollup must be hour or day")
	}
	if p.GroupBy != nil && !p.GroupBy.Valid() {
		return since, until, 0, invalid("group_by %q is not supported", *p.GroupBy)
	}
	since, until = p.Since.UTC(), p.Until.UTC()
	if !until.After(since) {
		return since, until, 0, invalid("until must be after since")
	}
	step = time.Hour
	if p.Rollup == gen.UsageRollupDay {
		step = 24 * time.Hour
	}
	if until.Sub(since)/step > maxUsageBuckets {
		return since, until, 0, invalid("the window holds more than %d buckets", maxUsageBuckets)
	}
	return since, until, step, nil
}

// ListUsage answers deterministic numbers: each bucket's count depends only
// on its start time, so the same window always gives the same answer.
// Buckets are whole UTC hours or days and bucket is the start of each, as
// a date_trunc rollup gives it: when since falls inside an hour or day, the
// first bucket starts before since (it holds the usage from since on).
// The fake's counts are the same for a partial bucket as for a whole one.
// Rows are grouped by skill unless group_by says otherwise, as the spec's
// default; group_value is the grouped dimension's value (see usageSource)
// and model is set only when grouping by model.
func (h *api) ListUsage(ctx context.Context, req server.ListUsageRequestObject) (server.ListUsageResponseObject, error) {
	p := req.Params
	since, until, step, err := usageWindow(p)
	if err != nil {
		return nil, err
	}
	groupBy := gen.UsageGroupBySkill
	if p.GroupBy != nil {
		groupBy = *p.GroupBy
	}
	value := usageSource(p)[groupBy]
	resp := gen.ListUsageResponseDto{
		Buckets: []gen.UsageBucketDto{}, OrgID: identityOrgID, GroupBy: ptr(gen.UsageGroupBy(groupBy)),
		Rollup: gen.UsageRollup(p.Rollup), Since: since, Until: until,
	}
	var credits float64
	for b := since.Truncate(step); b.Before(until); b = b.Add(step) {
		calls := 1 + b.Unix()/int64(step.Seconds())%5
		c := float64(calls) * 0.125
		bucket := gen.UsageBucketDto{
			Bucket: b.Format(timeLayout), CallCount: calls, Credits: ptr(c),
			InputTokens: calls * 4000, OutputTokens: calls * 500, GroupValue: ptr(value),
		}
		if groupBy == gen.UsageGroupByModel {
			bucket.Model = ptr(value)
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

// DeleteOrganization forgets all data; the run scripts stay.
func (h *api) DeleteOrganization(ctx context.Context, req server.DeleteOrganizationRequestObject) (server.DeleteOrganizationResponseObject, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	fresh := newState()
	fresh.seq, fresh.words, fresh.events = h.state.seq, h.state.words, h.state.events
	h.state = fresh
	return server.DeleteOrganization204Response{}, nil
}
