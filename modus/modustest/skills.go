package modustest

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/modus-data/modus-sdk-go/modus/modustest/internal/server"
	"github.com/oapi-codegen/nullable"
	openapi_types "github.com/oapi-codegen/runtime/types"
)

// defaultModel is the organization default a skill gets without a model.
const defaultModel = "anthropic/claude-sonnet-4.6"

// skill is a skill with its draft and deployed variations and every
// variation it ever had (for GetSkillVariation).
type skill struct {
	dto           server.SkillDto
	draft, active *server.SkillVariationDto
	history       map[openapi_types.UUID]server.SkillVariationDto
	managerID     *int64
	mcp           server.SkillMCPInterfaceConfigDto
}

func (s *skill) view(view string, withVariation bool) server.SkillDto {
	d := s.dto
	if !withVariation {
		return d
	}
	v := s.active
	if view == "draft" || v == nil {
		v = s.draft
	}
	if v != nil {
		c := *v
		d.Variation = &c
	}
	return d
}

// snapshot records the current draft under its variation id.
func (s *skill) snapshot() {
	if id := s.dto.DraftVariationID; id != nil && s.draft != nil {
		s.history[*id] = *s.draft
	}
}

func toolsetMap(t *server.ToolsetDto) map[string]any {
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

func (st *state) createSkill(in server.CreateSkillDto, status server.ResourceLifecycleStatus) (*skill, error) {
	if strings.TrimSpace(in.Name) == "" {
		return nil, invalid("name must not be empty")
	}
	st.nextSkillID++
	id := st.nextSkillID
	t := now()
	acc := server.AccessConfigDto{
		GroupPermissions: map[string]server.GroupPermissionDto{},
		Guardrails:       []string{},
		SharedWith:       []server.SharedUserDto{},
		Visibility:       server.VisibilityShared,
	}
	if in.AccessConfig != nil {
		acc = *in.AccessConfig
	}
	acc.OwnerUserID = nullable.NewNullableWithValue(DefaultUserID)
	s := &skill{
		dto: server.SkillDto{
			AccessConfig: acc, CreatedAt: t, UpdatedAt: t, ID: id, Name: in.Name, OrgUUID: orgUUID(),
			Slug: slugify(in.Name, id), Status: server.ResourceLifecycleStatusDraft, HasUnpublishedChanges: true,
		},
		history: map[openapi_types.UUID]server.SkillVariationDto{},
	}
	if in.Description != nil {
		s.dto.Description = ptr(*in.Description)
	}
	v := server.SkillVariationDto{
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
	if status == server.ResourceLifecycleStatusActive {
		st.deploySkill(s)
	}
	return s, nil
}

func (st *state) deploySkill(s *skill) time.Time {
	t := now()
	if s.draft != nil {
		s.snapshot()
		c := *s.draft
		s.active = &c
		s.dto.ActiveVariationID = s.dto.DraftVariationID
		s.dto.DraftVariationID = nil
		s.draft = nil
	}
	s.dto.Status = server.ResourceLifecycleStatusActive
	s.dto.HasUnpublishedChanges = false
	s.dto.UpdatedAt = t
	return t
}

func (st *state) liveSkill(id int64) (*skill, error) {
	s, ok := st.skills[id]
	if !ok || s.dto.Status == server.ResourceLifecycleStatusDeleted {
		return nil, notFound("skill %d not found", id)
	}
	return s, nil
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
	var all []server.SkillDto
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
	s, err := h.state.createSkill(*req.Body, server.ResourceLifecycleStatusDraft)
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

func (h *api) UpdateSkill(ctx context.Context, req server.UpdateSkillRequestObject) (server.UpdateSkillResponseObject, error) {
	in := req.Body
	apply, err := mask(req.Params.UpdateMask, "accessConfig", "connectionSet", "contextSelections", "description",
		"evaluations", "expectedOutput", "instructions", "interfaces", "managerId", "model", "name",
		"supervisionSubordinateDescriptions", "toolset")
	if err != nil {
		return nil, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	s, err := h.state.liveSkill(req.ID)
	if err != nil {
		return nil, err
	}
	draftFields := in.AccessConfig != nil || in.ConnectionSet != nil || in.ContextSelections != nil ||
		in.Description != nil || in.Evaluations != nil || in.ExpectedOutput != nil || in.Instructions != nil ||
		in.Interfaces != nil || in.Model.IsSpecified() || in.Name != nil ||
		in.SupervisionSubordinateDescriptions != nil || in.Toolset != nil
	if in.ManagerID.IsSpecified() && apply("managerId") {
		if draftFields {
			return nil, unprocessable("managerId cannot be changed together with other fields")
		}
		s.managerID = nil
		if m, err := in.ManagerID.Get(); err == nil {
			if _, err := h.state.liveSkill(m); err != nil || m == s.dto.ID {
				return nil, unprocessable("manager skill %d not found", m)
			}
			s.managerID = &m
		}
		s.dto.UpdatedAt = now()
		return server.UpdateSkill200JSONResponse(s.view("draft", true)), nil
	}
	// Validate before the first write: a refused PATCH must change nothing.
	if in.Name != nil && apply("name") && strings.TrimSpace(*in.Name) == "" {
		return nil, invalid("name must not be empty")
	}
	if s.draft == nil {
		c := *s.active
		s.draft = &c
		s.dto.DraftVariationID = ptr(h.state.newUUID())
	}
	v := s.draft
	if in.Name != nil && apply("name") {
		s.dto.Name = *in.Name
	}
	if in.Description != nil && apply("description") {
		s.dto.Description = ptr(*in.Description)
	}
	if in.AccessConfig != nil && apply("accessConfig") {
		owner := s.dto.AccessConfig.OwnerUserID
		s.dto.AccessConfig = *in.AccessConfig
		s.dto.AccessConfig.OwnerUserID = owner
	}
	if in.ConnectionSet != nil && apply("connectionSet") {
		v.ConnectionSet = in.ConnectionSet
	}
	if in.ContextSelections != nil && apply("contextSelections") {
		v.ContextSelections = in.ContextSelections
	}
	if in.Evaluations != nil && apply("evaluations") {
		v.Evaluations = in.Evaluations
	}
	if in.ExpectedOutput != nil && apply("expectedOutput") {
		v.ExpectedOutput = *in.ExpectedOutput
	}
	if in.Instructions != nil && apply("instructions") {
		v.Instructions = in.Instructions
	}
	if in.Interfaces != nil && apply("interfaces") {
		v.Interfaces = in.Interfaces
	}
	if in.Model.IsSpecified() && apply("model") {
		v.Model = defaultModel
		if m, err := in.Model.Get(); err == nil {
			v.Model = m
		}
	}
	if in.SupervisionSubordinateDescriptions != nil && apply("supervisionSubordinateDescriptions") {
		v.SupervisionSubordinateDescriptions = in.SupervisionSubordinateDescriptions
	}
	if in.Toolset != nil && apply("toolset") {
		v.Toolset = toolsetMap(in.Toolset)
	}
	s.snapshot()
	s.dto.HasUnpublishedChanges = true
	s.dto.UpdatedAt = now()
	return server.UpdateSkill200JSONResponse(s.view("draft", true)), nil
}

func (h *api) DeploySkill(ctx context.Context, req server.DeploySkillRequestObject) (server.DeploySkillResponseObject, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	s, err := h.state.liveSkill(req.ID)
	if err != nil {
		return nil, err
	}
	t := h.state.deploySkill(s)
	return server.DeploySkill200JSONResponse{Skill: s.view("active", true), DeployedAt: t}, nil
}

func (h *api) DeleteSkill(ctx context.Context, req server.DeleteSkillRequestObject) (server.DeleteSkillResponseObject, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	s, ok := h.state.skills[req.ID]
	if !ok {
		return nil, notFound("skill %d not found", req.ID)
	}
	if s.dto.Status != server.ResourceLifecycleStatusDeleted {
		s.dto.Status = server.ResourceLifecycleStatusDeleted
		s.dto.DeletedAt = ptr(now())
	}
	return server.DeleteSkill204Response{}, nil
}

func (h *api) UndeleteSkill(ctx context.Context, req server.UndeleteSkillRequestObject) (server.UndeleteSkillResponseObject, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	s, ok := h.state.skills[req.ID]
	if !ok {
		return nil, notFound("skill %d not found", req.ID)
	}
	if s.dto.Status == server.ResourceLifecycleStatusDeleted {
		s.dto.Status = server.ResourceLifecycleStatusDraft
		if s.active != nil {
			s.dto.Status = server.ResourceLifecycleStatusActive
		}
		s.dto.DeletedAt = nil
		s.dto.UpdatedAt = now()
	}
	return server.UndeleteSkill200JSONResponse(s.view("draft", true)), nil
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
	h.mu.Lock()
	defer h.mu.Unlock()
	s, err := h.state.liveSkill(req.ID)
	if err != nil {
		return nil, err
	}
	p, err := requestTransfer(&s.dto.PendingOwnershipTransfer, s.dto.AccessConfig.OwnerUserID, req.Body.NewOwnerUserID)
	if err != nil {
		return nil, err
	}
	s.dto.PendingOwnershipTransfer = p
	return server.RequestSkillOwnershipTransfer200JSONResponse(s.view("draft", true)), nil
}

func (h *api) AcceptSkillOwnershipTransfer(ctx context.Context, req server.AcceptSkillOwnershipTransferRequestObject) (server.AcceptSkillOwnershipTransferResponseObject, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	s, err := h.state.liveSkill(req.ID)
	if err != nil {
		return nil, err
	}
	newOwner, err := acceptTransfer(&s.dto.PendingOwnershipTransfer)
	if err != nil {
		return nil, err
	}
	s.dto.AccessConfig.OwnerUserID = nullable.NewNullableWithValue(newOwner)
	s.dto.AccessConfig.OwnerEmail = nullable.NewNullableWithValue(newOwner + "@example.com")
	s.dto.UpdatedAt = now()
	return server.AcceptSkillOwnershipTransfer200JSONResponse(s.view("draft", true)), nil
}

func (h *api) CancelSkillOwnershipTransfer(ctx context.Context, req server.CancelSkillOwnershipTransferRequestObject) (server.CancelSkillOwnershipTransferResponseObject, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	s, err := h.state.liveSkill(req.ID)
	if err != nil {
		return nil, err
	}
	if _, err := acceptTransfer(&s.dto.PendingOwnershipTransfer); err != nil {
		return nil, err
	}
	return server.CancelSkillOwnershipTransfer200JSONResponse(s.view("draft", true)), nil
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
