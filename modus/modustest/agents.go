package modustest

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/modus-data/modus-sdk-go/gen"
	"github.com/modus-data/modus-sdk-go/internal/nullable"
	"github.com/modus-data/modus-sdk-go/modus/modustest/internal/server"
)

// agent is an agent with its two variations; dto.Variation stays nil and is
// filled per view when the agent is returned.
type agent struct {
	dto gen.AgentDto
	resource[gen.AgentVariationDto]
}

func newAgent(dto gen.AgentDto) *agent {
	a := &agent{dto: dto}
	d := &a.dto
	a.lc = lifecycle{&d.Status, &d.DeletedAt, &d.UpdatedAt, &d.DraftVariationID, &d.ActiveVariationID,
		&d.HasUnpublishedChanges, &d.AccessConfig.OwnerUserID, &d.AccessConfig.OwnerEmail, &d.PendingOwnershipTransfer}
	return a
}

// view returns the agent as a response shows it (see resource.shown).
func (a *agent) view(view string, withVariation bool) gen.AgentDto {
	d := a.dto
	if withVariation {
		d.Variation = a.shown(view)
	}
	return d
}

func (a *agent) draftView() gen.AgentDto { return a.view("draft", true) }

// remove soft-deletes the agent, which also disables it.
func (a *agent) remove() {
	if a.softDelete() {
		a.dto.IsEnabled = false
	}
}

// setNullable copies a PATCH field into a variation field: null clears it.
// The variation keeps its own copy of the value.
func setNullable[T any](dst **T, src nullable.Nullable[T]) {
	if src.IsNull() {
		*dst = nil
		return
	}
	v := src.MustGet()
	*dst = &v
}

// clonePtr copies *v, so a stored variation shares nothing with a request.
func clonePtr[T any](v *T) *T {
	if v == nil {
		return nil
	}
	c := *v
	return &c
}

func slugify(name string, id int64) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			if s := b.String(); s != "" && !strings.HasSuffix(s, "-") {
				b.WriteByte('-')
			}
		}
	}
	return fmt.Sprintf("%s-%x", strings.Trim(b.String(), "-"), id)
}

// mask parses an AIP-134 updateMask against the fields the body may carry.
// With no mask every provided field is applied.
func mask(m *string, allowed ...string) (func(string) bool, error) {
	if m == nil || strings.TrimSpace(*m) == "" {
		return func(string) bool { return true }, nil
	}
	set := map[string]bool{}
	for _, f := range strings.Split(*m, ",") {
		f = strings.TrimSpace(f)
		if !slices.Contains(allowed, f) {
			return nil, invalid("updateMask: unknown field %q", f)
		}
		set[f] = true
	}
	return func(f string) bool { return set[f] }, nil
}

func (st *state) createAgent(in gen.CreateAgentDto, status gen.ResourceLifecycleStatus) (*agent, error) {
	if strings.TrimSpace(in.Name) == "" {
		return nil, invalid("name must not be empty")
	}
	if !in.Type.Valid() {
		return nil, invalid("type must be task or workflow")
	}
	if err := agentAccessError(in.AccessConfig); err != nil {
		return nil, err
	}
	st.nextAgentID++
	id := st.nextAgentID
	t := now()
	acc := gen.AgentAccessConfigDto{
		GroupPermissions: map[string]gen.AgentGroupPermissionDto{},
		SharedWith:       []gen.AgentSharedUserDto{},
		Visibility:       gen.VisibilityShared,
	}
	if in.AccessConfig != nil {
		acc = *in.AccessConfig
	}
	acc.OwnerUserID = nullable.NewNullableWithValue(DefaultUserID)
	a := newAgent(gen.AgentDto{
		AccessConfig: acc, CanManage: true, CanUse: true, CreatedAt: t, UpdatedAt: t,
		Description: in.Description, ID: id, IsEnabled: true, Name: in.Name, OrgUUID: orgUUID(),
		Slug: slugify(in.Name, id), Status: gen.ResourceLifecycleStatusDraft, Type: in.Type,
		HasUnpublishedChanges: true,
	})
	a.draft = &gen.AgentVariationDto{
		AgentSelection:    clonePtr(in.AgentSelection),
		Trigger:           clonePtr(in.Trigger),
		WorkflowStructure: clonePtr(in.WorkflowStructure),
	}
	a.dto.DraftVariationID = ptr(st.newUUID())
	st.agents[id] = a
	if status == gen.ResourceLifecycleStatusActive {
		a.deploy()
	}
	return a, nil
}

// liveAgent finds an agent that is not soft-deleted.
func (st *state) liveAgent(id int64) (*agent, error) { return lookup(st.agents, "agent", id, true) }

// agentFn is the lookup locked takes: live agents, or deleted ones too.
func (h *api) agentFn(id int64, live bool) func() (*agent, error) {
	return func() (*agent, error) { return lookup(h.state.agents, "agent", id, live) }
}

func (h *api) ListAgents(ctx context.Context, req server.ListAgentsRequestObject) (server.ListAgentsResponseObject, error) {
	p := req.Params
	h.mu.Lock()
	defer h.mu.Unlock()
	var all []gen.AgentDto
	view := ""
	if p.View != nil {
		view = string(*p.View)
	}
	withVar := p.IncludeVariation != nil && *p.IncludeVariation
	for _, id := range sortedKeys(h.state.agents) {
		a, err := h.state.liveAgent(id)
		if err != nil {
			continue
		}
		if p.Type != nil && a.dto.Type != *p.Type {
			continue
		}
		if p.Search != nil && !containsFold(a.dto.Name, *p.Search) {
			continue
		}
		all = append(all, a.view(view, withVar))
	}
	page, next, err := paginate(all, p.PageToken, p.PageSize, 25, 100, queryHash("ListAgents", p.View, p.Type, p.Search, p.IncludeVariation))
	if err != nil {
		return nil, err
	}
	return server.ListAgents200JSONResponse{Agents: nonNil(page), NextPageToken: next}, nil
}

func (h *api) CreateAgent(ctx context.Context, req server.CreateAgentRequestObject) (server.CreateAgentResponseObject, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	a, err := h.state.createAgent(*req.Body, gen.ResourceLifecycleStatusDraft)
	if err != nil {
		return nil, err
	}
	return server.CreateAgent201JSONResponse(a.view("draft", true)), nil
}

func (h *api) GetAgent(ctx context.Context, req server.GetAgentRequestObject) (server.GetAgentResponseObject, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	a, err := h.state.liveAgent(req.ID)
	if err != nil {
		return nil, err
	}
	view := ""
	if req.Params.View != nil {
		view = string(*req.Params.View)
	}
	return server.GetAgent200JSONResponse(a.view(view, true)), nil
}

// agentFields are the fields of an agent's PATCH body; a is nil when they
// only serve to check updateMask.
func agentFields(a *agent, in *gen.UpdateAgentDto) []field {
	return []field{
		{"name", in.Name != nil, func() { a.dto.Name = *in.Name }},
		{"description", in.Description.IsSpecified(), func() {
			a.dto.Description = nil
			if v, err := in.Description.Get(); err == nil {
				a.dto.Description = &v
			}
		}},
		{"type", in.Type != nil, func() { a.dto.Type = *in.Type }},
		{"accessConfig", in.AccessConfig != nil, func() { a.keepOwner(func() { a.dto.AccessConfig = *in.AccessConfig }) }},
		{"agentSelection", in.AgentSelection.IsSpecified(), func() { setNullable(&a.draft.AgentSelection, in.AgentSelection) }},
		{"trigger", in.Trigger.IsSpecified(), func() { setNullable(&a.draft.Trigger, in.Trigger) }},
		{"workflowStructure", in.WorkflowStructure.IsSpecified(), func() { setNullable(&a.draft.WorkflowStructure, in.WorkflowStructure) }},
	}
}

func (h *api) UpdateAgent(ctx context.Context, req server.UpdateAgentRequestObject) (server.UpdateAgentResponseObject, error) {
	in := req.Body
	selected, err := maskOf(req.Params.UpdateMask, agentFields(nil, in))
	if err != nil {
		return nil, err
	}
	d, err := locked(h, h.agentFn(req.ID, true), func(a *agent) error {
		// Validate everything first: a refused PATCH must change nothing.
		if in.Name != nil && selected("name") && strings.TrimSpace(*in.Name) == "" {
			return invalid("name must not be empty")
		}
		if in.Type != nil && selected("type") && !in.Type.Valid() {
			return invalid("type must be task or workflow")
		}
		if err := agentAccessError(in.AccessConfig); err != nil && selected("accessConfig") {
			return err
		}
		a.edit(h.state)
		patch(selected, agentFields(a, in))
		a.touch()
		return nil
	})
	return server.UpdateAgent200JSONResponse(d), err
}

func (h *api) DeployAgent(ctx context.Context, req server.DeployAgentRequestObject) (server.DeployAgentResponseObject, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	a, err := h.state.liveAgent(req.ID)
	if err != nil {
		return nil, err
	}
	t := a.deploy()
	return server.DeployAgent200JSONResponse{Agent: a.view("active", true), DeployedAt: t}, nil
}

func (h *api) DeleteAgent(ctx context.Context, req server.DeleteAgentRequestObject) (server.DeleteAgentResponseObject, error) {
	_, err := locked(h, h.agentFn(req.ID, false), func(a *agent) error { a.remove(); return nil })
	return server.DeleteAgent204Response{}, err
}

func (h *api) UndeleteAgent(ctx context.Context, req server.UndeleteAgentRequestObject) (server.UndeleteAgentResponseObject, error) {
	d, err := locked(h, h.agentFn(req.ID, false), func(a *agent) error { a.undelete(); return nil })
	return server.UndeleteAgent200JSONResponse(d), err
}

func (h *api) RequestAgentOwnershipTransfer(ctx context.Context, req server.RequestAgentOwnershipTransferRequestObject) (server.RequestAgentOwnershipTransferResponseObject, error) {
	d, err := locked(h, h.agentFn(req.ID, true), func(a *agent) error { return a.requestTransfer(req.Body.NewOwnerUserID) })
	return server.RequestAgentOwnershipTransfer200JSONResponse(d), err
}

func (h *api) AcceptAgentOwnershipTransfer(ctx context.Context, req server.AcceptAgentOwnershipTransferRequestObject) (server.AcceptAgentOwnershipTransferResponseObject, error) {
	d, err := locked(h, h.agentFn(req.ID, true), (*agent).acceptTransfer)
	return server.AcceptAgentOwnershipTransfer200JSONResponse(d), err
}

func (h *api) CancelAgentOwnershipTransfer(ctx context.Context, req server.CancelAgentOwnershipTransferRequestObject) (server.CancelAgentOwnershipTransferResponseObject, error) {
	d, err := locked(h, h.agentFn(req.ID, true), (*agent).cancelTransfer)
	return server.CancelAgentOwnershipTransfer200JSONResponse(d), err
}

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}

func sortedKeys[V any](m map[int64]V) []int64 {
	keys := make([]int64, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// nonNil makes empty lists encode as [] rather than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
