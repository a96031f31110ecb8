package modustest

import (
	"context"
	"fmt"
	"strings"

	"github.com/modus-data/modus-sdk-go/gen"
	"github.com/modus-data/modus-sdk-go/internal/nullable"
	"github.com/modus-data/modus-sdk-go/modus/modustest/internal/server"
	openapi_types "github.com/oapi-codegen/runtime/types"
)

// defaultModel is the organization default a skill gets without a model.
const defaultModel = "anthropic/claude-sonnet-4.6"

// skill is a skill with its draft and deployed variations and every
// variation it ever had (for GetSkillVariation).
type skill struct {
	dto gen.SkillDto
	resource[gen.SkillVariationDto]
	history   map[openapi_types.UUID]gen.SkillVariationDto
	managerID *int64
	mcp       gen.SkillMCPInterfaceConfigDto
}

func newSkill(dto gen.SkillDto) *skill {
	s := &skill{dto: dto, history: map[openapi_types.UUID]gen.SkillVariationDto{}}
	d := &s.dto
	s.lc = lifecycle{&d.Status, &d.DeletedAt, &d.UpdatedAt, &d.DraftVariationID, &d.ActiveVariationID,
		&d.HasUnpublishedChanges, &d.AccessConfig.OwnerUserID, &d.AccessConfig.OwnerEmail, &d.PendingOwnershipTransfer}
	return s
}

// view returns the skill as a response shows it (see resource.shown).
func (s *skill) view(view string, withVariation bool) gen.SkillDto {
	d := s.dto
	if withVariation {
		d.Variation = s.shown(view)
	}
	return d
}

func (s *skill) draftView() gen.SkillDto { return s.view("draft", true) }

// remove soft-deletes the skill.
func (s *skill) remove() { s.softDelete() }

// snapshot records the current draft under its variation id.
func (s *skill) snapshot() {
	if id := s.dto.DraftVariationID; id != nil && s.draft != nil {
		s.history[*id] = *s.draft
	}
}

func toolsetMap(t *gen.ToolsetDto) map[string]any {
	m := map[string]any{}
	if t == nil {
		return m
	}
	for _, tool := range t.Tools {
		e := map[string]any{"enabled": tool.Enabled == nil || *tool.Enabled}
		if tool.Config != nil {
			e["config"] = tool.Config
		}
		m[tool.ID] = e
	}
	return m
}

func (st *state) createSkill(in gen.CreateSkillDto, status gen.ResourceLifecycleStatus) (*skill, error) {
	if strings.TrimSpace(in.Name) == "" {
		return nil, invalid("name must not be empty")
	}
	st.nextSkillID++
	id := st.nextSkillID
	t := now()
	acc := gen.AccessConfigDto{
		GroupPermissions: map[string]gen.GroupPermissionDto{},
		Guardrails:       []string{},
		SharedWith:       []gen.SharedUserDto{},
		Visibility:       gen.VisibilityShared,
	}
	if in.AccessConfig != nil {
		acc = *in.AccessConfig
	}
	acc.OwnerUserID = nullable.NewNullableWithValue(DefaultUserID)
	s := newSkill(gen.SkillDto{
		AccessConfig: acc, CreatedAt: t, UpdatedAt: t, ID: id, Name: in.Name, OrgUUID: orgUUID(),
		Slug: slugify(in.Name, id), Status: gen.ResourceLifecycleStatusDraft, HasUnpublishedChanges: true,
	})
	if in.Description != nil {
		s.dto.Description = ptr(*in.Description)
	}
	v := gen.SkillVariationDto{
		ConnectionSet: nonNil(in.ConnectionSet), ContextSelections: nonNil(in.ContextSelections),
		Evaluations: []map[string]any{}, Instructions: nonNil(in.Instructions), Interfaces: nonNil(in.Interfaces),
		Model: defaultModel, SupervisionSubordinateDescriptions: map[string]string{},
		SupervisionSubordinateIDs: []string{}, Toolset: toolsetMap(in.Toolset),
	}
	if in.Model != nil {
		v.Model = *in.Model
	}
	if in.ExpectedOutput != nil {
		v.ExpectedOutput = *in.ExpectedOutput
	}
	s.draft = &v
	s.dto.DraftVariationID = ptr(st.newUUID())
	s.snapshot()
	st.skills[id] = s
	if status == gen.ResourceLifecycleStatusActive {
		s.snapshot()
		s.deploy()
	}
	return s, nil
}

// liveSkill finds a skill that is not soft-deleted.
func (st *state) liveSkill(id int64) (*skill, error) { return lookup(st.skills, "skill", id, true) }

// skillFn is the lookup locked takes: live skills, or deleted ones too.
func (h *api) skillFn(id int64, live bool) func() (*skill, error) {
	return func() (*skill, error) { return lookup(h.state.skills, "skill", id, live) }
}

func (h *api) ListSkills(ctx context.Context, req server.ListSkillsRequestObject) (server.ListSkillsResponseObject, error) {
	p := req.Params
	h.mu.Lock()
	defer h.mu.Unlock()
	view := "active"
	if p.View != nil {
		view = string(*p.View)
	}
	withVar := p.IncludeVariation != nil && *p.IncludeVariation
	var all []gen.SkillDto
	for _, id := range sortedKeys(h.state.skills) {
		s, err := h.state.liveSkill(id)
		if err != nil {
			continue
		}
		if p.Search != nil && !containsFold(s.dto.Name, *p.Search) {
			continue
		}
		if p.ManagerID != nil && (s.managerID == nil || *s.managerID != *p.ManagerID) {
			continue
		}
		all = append(all, s.view(view, withVar))
	}
	page, next, err := paginate(all, p.PageToken, p.PageSize, 25, 100, queryHash("ListSkills", p.View, p.Search, p.ManagerID, p.IncludeVariation))
	if err != nil {
		return nil, err
	}
	return server.ListSkills200JSONResponse{Skills: nonNil(page), NextPageToken: next}, nil
}

func (h *api) CreateSkill(ctx context.Context, req server.CreateSkillRequestObject) (server.CreateSkillResponseObject, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	s, err := h.state.createSkill(*req.Body, gen.ResourceLifecycleStatusDraft)
	if err != nil {
		return nil, err
	}
	return server.CreateSkill201JSONResponse(s.view("draft", true)), nil
}

func (h *api) GetSkill(ctx context.Context, req server.GetSkillRequestObject) (server.GetSkillResponseObject, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	s, err := h.state.liveSkill(req.ID)
	if err != nil {
		return nil, err
	}
	view := "active"
	if req.Params.View != nil {
		view = string(*req.Params.View)
	}
	return server.GetSkill200JSONResponse(s.view(view, true)), nil
}

// skillFields are the fields of a skill's PATCH body; s is nil when they
// only serve to check updateMask. managerId is applied on its own (see
// setManager).
func skillFields(s *skill, in *gen.UpdateSkillDto) []field {
	return []field{
		{"accessConfig", in.AccessConfig != nil, func() { s.keepOwner(func() { s.dto.AccessConfig = *in.AccessConfig }) }},
		{"connectionSet", in.ConnectionSet != nil, func() { s.draft.ConnectionSet = in.ConnectionSet }},
		{"contextSelections", in.ContextSelections != nil, func() { s.draft.ContextSelections = in.ContextSelections }},
		{"description", in.Description != nil, func() { s.dto.Description = ptr(*in.Description) }},
		{"evaluations", in.Evaluations != nil, func() { s.draft.Evaluations = in.Evaluations }},
		{"expectedOutput", in.ExpectedOutput != nil, func() { s.draft.ExpectedOutput = *in.ExpectedOutput }},
		{"instructions", in.Instructions != nil, func() { s.draft.Instructions = in.Instructions }},
		{"interfaces", in.Interfaces != nil, func() { s.draft.Interfaces = in.Interfaces }},
		{"managerId", in.ManagerID.IsSpecified(), func() {}},
		{"model", in.Model.IsSpecified(), func() { s.draft.Model = derefOr(nullablePtr(in.Model), defaultModel) }},
		{"name", in.Name != nil, func() { s.dto.Name = *in.Name }},
		{"supervisionSubordinateDescriptions", in.SupervisionSubordinateDescriptions != nil, func() {
			s.draft.SupervisionSubordinateDescriptions = in.SupervisionSubordinateDescriptions
		}},
		{"toolset", in.Toolset != nil, func() { s.draft.Toolset = toolsetMap(in.Toolset) }},
	}
}

// nullablePtr is the value of n, or nil when it is null or not set.
func nullablePtr[T any](n nullable.Nullable[T]) *T {
	if v, err := n.Get(); err == nil {
		return &v
	}
	return nil
}

func (h *api) UpdateSkill(ctx context.Context, req server.UpdateSkillRequestObject) (server.UpdateSkillResponseObject, error) {
	in := req.Body
	selected, err := maskOf(req.Params.UpdateMask, skillFields(nil, in))
	if err != nil {
		return nil, err
	}
	d, err := locked(h, h.skillFn(req.ID, true), func(s *skill) error {
		if in.ManagerID.IsSpecified() && selected("managerId") {
			return h.state.setManager(s, in)
		}
		// Validate before the first write: a refused PATCH must change nothing.
		if in.Name != nil && selected("name") && strings.TrimSpace(*in.Name) == "" {
			return invalid("name must not be empty")
		}
		s.edit(h.state)
		patch(selected, skillFields(s, in))
		s.snapshot()
		s.touch()
		return nil
	})
	return server.UpdateSkill200JSONResponse(d), err
}

// setManager re-parents a skill (managerId null: no manager). It must be
// the only field of its PATCH.
func (st *state) setManager(s *skill, in *gen.UpdateSkillDto) error {
	for _, f := range skillFields(nil, in) {
		if f.set && f.name != "managerId" {
			return unprocessable("managerId cannot be changed together with other fields")
		}
	}
	s.managerID = nil
	if m, err := in.ManagerID.Get(); err == nil {
		if _, err := st.liveSkill(m); err != nil || m == s.dto.ID {
			return unprocessable("manager skill %d not found", m)
		}
		s.managerID = &m
	}
	s.dto.UpdatedAt = now()
	return nil
}

func (h *api) DeploySkill(ctx context.Context, req server.DeploySkillRequestObject) (server.DeploySkillResponseObject, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	s, err := h.state.liveSkill(req.ID)
	if err != nil {
		return nil, err
	}
	s.snapshot()
	t := s.deploy()
	return server.DeploySkill200JSONResponse{Skill: s.view("active", true), DeployedAt: t}, nil
}

func (h *api) DeleteSkill(ctx context.Context, req server.DeleteSkillRequestObject) (server.DeleteSkillResponseObject, error) {
	_, err := locked(h, h.skillFn(req.ID, false), func(s *skill) error { s.remove(); return nil })
	return server.DeleteSkill204Response{}, err
}

func (h *api) UndeleteSkill(ctx context.Context, req server.UndeleteSkillRequestObject) (server.UndeleteSkillResponseObject, error) {
	d, err := locked(h, h.skillFn(req.ID, false), func(s *skill) error { s.undelete(); return nil })
	return server.UndeleteSkill200JSONResponse(d), err
}

func (h *api) GetSkillVariation(ctx context.Context, req server.GetSkillVariationRequestObject) (server.GetSkillVariationResponseObject, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	s, err := h.state.liveSkill(req.ID)
	if err != nil {
		return nil, err
	}
	v, ok := s.history[req.VariationUID]
	if !ok {
		return nil, notFound("variation %s of skill %d not found", req.VariationUID, req.ID)
	}
	d := s.dto
	d.Variation = &v
	return server.GetSkillVariation200JSONResponse(d), nil
}

func (h *api) ApplySkillMCPConfig(ctx context.Context, req server.ApplySkillMCPConfigRequestObject) (server.ApplySkillMCPConfigResponseObject, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	s, err := h.state.liveSkill(req.ID)
	if err != nil {
		return nil, err
	}
	s.mcp = req.Body.Config
	return server.ApplySkillMCPConfig200JSONResponse{Config: s.mcp}, nil
}

func (h *api) RequestSkillOwnershipTransfer(ctx context.Context, req server.RequestSkillOwnershipTransferRequestObject) (server.RequestSkillOwnershipTransferResponseObject, error) {
	d, err := locked(h, h.skillFn(req.ID, true), func(s *skill) error { return s.requestTransfer(req.Body.NewOwnerUserID) })
	return server.RequestSkillOwnershipTransfer200JSONResponse(d), err
}

func (h *api) AcceptSkillOwnershipTransfer(ctx context.Context, req server.AcceptSkillOwnershipTransferRequestObject) (server.AcceptSkillOwnershipTransferResponseObject, error) {
	d, err := locked(h, h.skillFn(req.ID, true), (*skill).acceptTransfer)
	return server.AcceptSkillOwnershipTransfer200JSONResponse(d), err
}

func (h *api) CancelSkillOwnershipTransfer(ctx context.Context, req server.CancelSkillOwnershipTransferRequestObject) (server.CancelSkillOwnershipTransferResponseObject, error) {
	d, err := locked(h, h.skillFn(req.ID, true), (*skill).cancelTransfer)
	return server.CancelSkillOwnershipTransfer200JSONResponse(d), err
}

// ComposeSkillContext answers with the context items whose text contains a
// word of the message, as markdown; no model is involved, as in the API.
func (h *api) ComposeSkillContext(ctx context.Context, req server.ComposeSkillContextRequestObject) (server.ComposeSkillContextResponseObject, error) {
	if strings.TrimSpace(req.Body.Message) == "" {
		return nil, invalid("message must not be empty")
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, err := h.state.liveSkill(req.ID); err != nil {
		return nil, err
	}
	limit := 25
	if req.Body.Limit != nil && *req.Body.Limit > 0 {
		limit = *req.Body.Limit
	}
	var b strings.Builder
	b.WriteString("## Retrieved Context\n")
	n := 0
	for _, uid := range h.state.itemOrder {
		it := h.state.items[uid]
		text := itemText(it)
		for _, w := range strings.Fields(req.Body.Message) {
			if len(w) > 3 && containsFold(text, w) && n < limit {
				fmt.Fprintf(&b, "\n### %s\n\n%s\n", strings.Join(it.DataPath, "/"), text)
				n++
				break
			}
		}
	}
	return server.ComposeSkillContext200JSONResponse{
		Context: b.String(), ContextItems: []map[string]any{}, OriginalCount: int64(len(h.state.items)),
		SessionID: fmt.Sprintf("api-skill-%d-%s", req.ID, h.state.newUUID()),
	}, nil
}
