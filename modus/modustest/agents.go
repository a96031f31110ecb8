package modustest

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/modus-data/modus-sdk-go/modus/modustest/internal/server"
	"github.com/oapi-codegen/nullable"
)

// agent is an agent with its two variations; dto.Variation stays nil and is
// filled per view when the agent is returned.
type agent struct {
	dto           server.AgentDto
	draft, active *server.AgentVariationDto
}

// view returns the agent as a response shows it. view "draft" shows the
// draft, anything else the deployed variation, falling back to the draft
// before the first deploy.
func (a *agent) view(view string, withVariation bool) server.AgentDto {
	d := a.dto
	if !withVariation {
		return d
	}
	v := a.active
	if view == "draft" || v == nil {
		v = a.draft
	}
	if v != nil {
		c := *v
		d.Variation = &c
	}
	return d
}

// toMap turns a typed value into the free-form map the variation DTO holds.
func toMap(v any) map[string]any {
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return m
}

func nullableMap[T any](v *T) map[string]any {
	if v == nil {
		return nil
	}
	return toMap(v)
}

// setNullable copies a PATCH field into a variation field: null clears it.
func setNullable[T any](dst *map[string]any, src nullable.Nullable[T]) {
	if src.IsNull() {
		*dst = nil
		return
	}
	v := src.MustGet()
	*dst = toMap(v)
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

func (st *state) createAgent(in server.CreateAgentDto, status server.ResourceLifecycleStatus) (*agent, error) {
	if strings.TrimSpace(in.Name) == "" {
		return nil, invalid("name must not be empty")
	}
	if !in.Type.Valid() {
		return nil, invalid("type must be task or workflow")
	}
	st.nextAgentID++
	id := st.nextAgentID
	t := now()
	acc := server.AgentAccessConfigDto{
		GroupPermissions: map[string]server.AgentGroupPermissionDto{},
		SharedWith:       []server.AgentSharedUserDto{},
		Visibility:       server.VisibilityShared,
	}
	if in.AccessConfig != nil {
		acc = *in.AccessConfig
	}
	acc.OwnerUserID = nullable.NewNullableWithValue(DefaultUserID)
	a := &agent{dto: server.AgentDto{
		AccessConfig: acc, CanManage: true, CanUse: true, CreatedAt: t, UpdatedAt: t,
		Description: in.Description, ID: id, IsEnabled: true, Name: in.Name, OrgUUID: orgUUID(),
		Slug: slugify(in.Name, id), Status: server.ResourceLifecycleStatusDraft, Type: in.Type,
		HasUnpublishedChanges: true,
	}}
	a.draft = &server.AgentVariationDto{
		AgentSelection:    nullableMap(in.AgentSelection),
		Trigger:           nullableMap(in.Trigger),
		WorkflowStructure: nullableMap(in.WorkflowStructure),
	}
	a.dto.DraftVariationID = ptr(st.newUUID())
	st.agents[id] = a
	if status == server.ResourceLifecycleStatusActive {
		st.deployAgent(a)
	}
	return a, nil
}

func (st *state) deployAgent(a *agent) time.Time {
	t := now()
	if a.draft != nil {
		c := *a.draft
		a.active = &c
		a.dto.ActiveVariationID = a.dto.DraftVariationID
		a.dto.DraftVariationID = nil
		a.draft = nil
	}
	a.dto.Status = server.ResourceLifecycleStatusActive
	a.dto.HasUnpublishedChanges = false
	a.dto.UpdatedAt = t
	return t
}

// liveAgent finds an agent that is not soft-deleted.
func (st *state) liveAgent(id int64) (*agent, error) {
	a, ok := st.agents[id]
	if !ok || a.dto.Status == server.ResourceLifecycleStatusDeleted {
		return nil, notFound("agent %d not found", id)
	}
	return a, nil
}

func (h *api) ListAgents(ctx context.Context, req server.ListAgentsRequestObject) (server.ListAgentsResponseObject, error) {
	p := req.Params
	h.mu.Lock()
	defer h.mu.Unlock()
	var all []server.AgentDto
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
		if p.Type != nil && string(a.dto.Type) != string(*p.Type) {
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
	a, err := h.state.createAgent(*req.Body, server.ResourceLifecycleStatusDraft)
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

func (h *api) UpdateAgent(ctx context.Context, req server.UpdateAgentRequestObject) (server.UpdateAgentResponseObject, error) {
	in := req.Body
	apply, err := mask(req.Params.UpdateMask, "name", "description", "type", "accessConfig", "agentSelection", "trigger", "workflowStructure")
	if err != nil {
		return nil, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	a, err := h.state.liveAgent(req.ID)
	if err != nil {
		return nil, err
	}
	// Validate everything first: a refused PATCH must change nothing.
	if in.Name != nil && apply("name") && strings.TrimSpace(*in.Name) == "" {
		return nil, invalid("name must not be empty")
	}
	if in.Type != nil && apply("type") && !in.Type.Valid() {
		return nil, invalid("type must be task or workflow")
	}
	if a.draft == nil { // editing starts a new draft from the deployed variation
		c := *a.active
		a.draft = &c
		a.dto.DraftVariationID = ptr(h.state.newUUID())
	}
	if in.Name != nil && apply("name") {
		a.dto.Name = *in.Name
	}
	if in.Description.IsSpecified() && apply("description") {
		a.dto.Description = nil
		if !in.Description.IsNull() {
			a.dto.Description = ptr(in.Description.MustGet())
		}
	}
	if in.Type != nil && apply("type") {
		a.dto.Type = *in.Type
	}
	if in.AccessConfig != nil && apply("accessConfig") {
		owner := a.dto.AccessConfig.OwnerUserID
		a.dto.AccessConfig = *in.AccessConfig
		a.dto.AccessConfig.OwnerUserID = owner // not writable by clients
	}
	if in.AgentSelection.IsSpecified() && apply("agentSelection") {
		setNullable(&a.draft.AgentSelection, in.AgentSelection)
	}
	if in.Trigger.IsSpecified() && apply("trigger") {
		setNullable(&a.draft.Trigger, in.Trigger)
	}
	if in.WorkflowStructure.IsSpecified() && apply("workflowStructure") {
		setNullable(&a.draft.WorkflowStructure, in.WorkflowStructure)
	}
	a.dto.HasUnpublishedChanges = true
	a.dto.UpdatedAt = now()
	return server.UpdateAgent200JSONResponse(a.view("draft", true)), nil
}

func (h *api) DeployAgent(ctx context.Context, req server.DeployAgentRequestObject) (server.DeployAgentResponseObject, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	a, err := h.state.liveAgent(req.ID)
	if err != nil {
		return nil, err
	}
	t := h.state.deployAgent(a)
	return server.DeployAgent200JSONResponse{Agent: a.view("active", true), DeployedAt: t}, nil
}

func (h *api) DeleteAgent(ctx context.Context, req server.DeleteAgentRequestObject) (server.DeleteAgentResponseObject, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	a, ok := h.state.agents[req.ID]
	if !ok {
		return nil, notFound("agent %d not found", req.ID)
	}
	if a.dto.Status != server.ResourceLifecycleStatusDeleted { // deleting twice succeeds
		a.dto.Status = server.ResourceLifecycleStatusDeleted
		a.dto.DeletedAt = ptr(now())
		a.dto.IsEnabled = false
	}
	return server.DeleteAgent204Response{}, nil
}

func (h *api) UndeleteAgent(ctx context.Context, req server.UndeleteAgentRequestObject) (server.UndeleteAgentResponseObject, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	a, ok := h.state.agents[req.ID]
	if !ok {
		return nil, notFound("agent %d not found", req.ID)
	}
	if a.dto.Status == server.ResourceLifecycleStatusDeleted {
		a.dto.Status = server.ResourceLifecycleStatusDraft
		if a.active != nil {
			a.dto.Status = server.ResourceLifecycleStatusActive
		}
		a.dto.DeletedAt = nil
		a.dto.UpdatedAt = now()
	}
	return server.UndeleteAgent200JSONResponse(a.view("draft", true)), nil
}

func (h *api) RequestAgentOwnershipTransfer(ctx context.Context, req server.RequestAgentOwnershipTransferRequestObject) (server.RequestAgentOwnershipTransferResponseObject, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	a, err := h.state.liveAgent(req.ID)
	if err != nil {
		return nil, err
	}
	p, err := requestTransfer(&a.dto.PendingOwnershipTransfer, a.dto.AccessConfig.OwnerUserID, req.Body.NewOwnerUserID)
	if err != nil {
		return nil, err
	}
	a.dto.PendingOwnershipTransfer = p
	return server.RequestAgentOwnershipTransfer200JSONResponse(a.view("draft", true)), nil
}

func (h *api) AcceptAgentOwnershipTransfer(ctx context.Context, req server.AcceptAgentOwnershipTransferRequestObject) (server.AcceptAgentOwnershipTransferResponseObject, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	a, err := h.state.liveAgent(req.ID)
	if err != nil {
		return nil, err
	}
	newOwner, err := acceptTransfer(&a.dto.PendingOwnershipTransfer)
	if err != nil {
		return nil, err
	}
	a.dto.AccessConfig.OwnerUserID = nullable.NewNullableWithValue(newOwner)
	a.dto.AccessConfig.OwnerEmail = nullable.NewNullableWithValue(newOwner + "@example.com")
	a.dto.UpdatedAt = now()
	return server.AcceptAgentOwnershipTransfer200JSONResponse(a.view("draft", true)), nil
}

func (h *api) CancelAgentOwnershipTransfer(ctx context.Context, req server.CancelAgentOwnershipTransferRequestObject) (server.CancelAgentOwnershipTransferResponseObject, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	a, err := h.state.liveAgent(req.ID)
	if err != nil {
		return nil, err
	}
	if _, err := acceptTransfer(&a.dto.PendingOwnershipTransfer); err != nil {
		return nil, err
	}
	return server.CancelAgentOwnershipTransfer200JSONResponse(a.view("draft", true)), nil
}

// requestTransfer validates a transfer request and returns the pending
// transfer to store. The fake has one caller, who may act as owner and as
// recipient; it does not check who accepts.
func requestTransfer(cur **server.PendingOwnershipTransferDto, owner nullable.Nullable[string], to string) (*server.PendingOwnershipTransferDto, error) {
	var none *server.PendingOwnershipTransferDto
	if strings.TrimSpace(to) == "" {
		return none, invalid("newOwnerUserId must not be empty")
	}
	if o, err := owner.Get(); err == nil && o == to {
		return none, invalid("%s already owns it", to)
	}
	if *cur != nil {
		return none, conflict("an ownership transfer is already pending")
	}
	return &server.PendingOwnershipTransferDto{
		PendingOwnerUserID: to, PendingOwnerEmail: ptr(to + "@example.com"),
		RequestedAt: now(), RequestedByUserID: DefaultUserID,
	}, nil
}

// acceptTransfer clears the pending transfer and returns its recipient; 404
// when none is pending.
func acceptTransfer(cur **server.PendingOwnershipTransferDto) (string, error) {
	p := *cur
	if p == nil {
		return "", notFound("no ownership transfer is pending")
	}
	*cur = nil
	return p.PendingOwnerUserID, nil
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
