package modustest

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/modus-data/modus-sdk-go/modus"
	"github.com/modus-data/modus-sdk-go/modus/modustest/internal/server"
)

// The Seed methods put data into the server directly, so that a test can
// start from a known state. They return what they created as the client's
// types (modus.Agent, modus.Skill, ...), as the API would show it.

// AgentSeed describes an agent for SeedAgent.
type AgentSeed struct {
	Name        string          // required
	Type        modus.AgentType // default task
	Description string          // optional
	Deployed    bool            // deploy the first variation (status active)
	Deleted     bool            // soft-delete it afterwards
}

// SkillSeed describes a skill for SeedSkill.
type SkillSeed struct {
	Name         string   // required
	Description  string   // optional
	Model        string   // default anthropic/claude-sonnet-4.6
	Instructions []string // the draft's instructions
	Deployed     bool     // deploy the first variation (status active)
	Deleted      bool     // soft-delete it afterwards
}

// ContextItemSeed describes a context item for SeedContextItem. Items of
// types other than note, link and saved_query behave as integration items:
// deleting them answers 422.
type ContextItemSeed struct {
	ContextType  string         // required, such as note or salesforce_object_field
	Content      map[string]any // copied; JSON shapes ([]any, float64)
	Description  string         // optional
	DataPath     []string       // where the item sits, such as notes/title
	Topics       []string       // tags the topics filter matches
	ConnectionID string         // source connection; empty for user items
	UserFeedback string         // negative, neutral (default) or positive
}

// SeedAgent adds an agent and returns it (draft view).
func (s *Server) SeedAgent(in AgentSeed) (modus.Agent, error) {
	typ := server.AgentType(in.Type)
	if typ == "" {
		typ = server.AgentTypeTask
	}
	dto := server.CreateAgentDto{Name: in.Name, Type: typ}
	if in.Description != "" {
		dto.Description = &in.Description
	}
	status := server.ResourceLifecycleStatusDraft
	if in.Deployed {
		status = server.ResourceLifecycleStatusActive
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a, err := s.state.createAgent(dto, status)
	if err != nil {
		return modus.Agent{}, err
	}
	if in.Deleted {
		a.dto.Status, a.dto.DeletedAt = server.ResourceLifecycleStatusDeleted, ptr(now())
	}
	return convert[modus.Agent](a.view("draft", true))
}

// SeedSkill adds a skill and returns it (draft view).
func (s *Server) SeedSkill(in SkillSeed) (modus.Skill, error) {
	dto := server.CreateSkillDto{Name: in.Name, Instructions: in.Instructions}
	if in.Description != "" {
		dto.Description = &in.Description
	}
	if in.Model != "" {
		dto.Model = &in.Model
	}
	status := server.ResourceLifecycleStatusDraft
	if in.Deployed {
		status = server.ResourceLifecycleStatusActive
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sk, err := s.state.createSkill(dto, status)
	if err != nil {
		return modus.Skill{}, err
	}
	if in.Deleted {
		sk.dto.Status, sk.dto.DeletedAt = server.ResourceLifecycleStatusDeleted, ptr(now())
	}
	return convert[modus.Skill](sk.view("draft", true))
}

// SeedContextItem adds a context item of any type and returns it.
func (s *Server) SeedContextItem(in ContextItemSeed) (modus.ContextItem, error) {
	if in.ContextType == "" {
		return modus.ContextItem{}, fmt.Errorf("modustest: SeedContextItem: ContextType is required")
	}
	fb := server.UserFeedback(in.UserFeedback)
	if fb == "" {
		fb = server.UserFeedbackNeutral
	}
	if !fb.Valid() {
		return modus.ContextItem{}, fmt.Errorf("modustest: SeedContextItem: invalid UserFeedback %q", in.UserFeedback)
	}
	// A JSON round trip gives content the shapes decoding would ([]any, float64).
	var content map[string]any
	if in.Content != nil {
		c, err := convert[map[string]any](in.Content)
		if err != nil {
			return modus.ContextItem{}, err
		}
		content = c
	}
	var desc, conn *string
	if in.Description != "" {
		desc = &in.Description
	}
	if in.ConnectionID != "" {
		conn = &in.ConnectionID
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	it := s.state.addItem(in.ContextType, content, desc, slices.Clone(in.DataPath), conn)
	it.Topics = append([]string{}, in.Topics...)
	it.UserFeedback = fb
	return convert[modus.ContextItem](*it)
}

// SeedMemory adds a memory to a skill. metadata["userId"] is what the
// userId filters of ListMemories and SearchMemories match.
func (s *Server) SeedMemory(skillID int64, memory string, metadata map[string]any) (modus.Memory, error) {
	// A deep copy: the caller may go on changing its map.
	var meta map[string]any
	if metadata != nil {
		var err error
		if meta, err = convert[map[string]any](metadata); err != nil {
			return modus.Memory{}, fmt.Errorf("modustest: SeedMemory: metadata: %w", err)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.state.liveSkill(skillID); err != nil {
		return modus.Memory{}, fmt.Errorf("modustest: SeedMemory: skill %d does not exist", skillID)
	}
	t := now()
	m := &server.MemoryDto{ID: "mem_" + s.state.newUUID().String(), Memory: memory, Metadata: meta,
		CreatedAt: &t, UpdatedAt: &t, Hash: ptr(fmt.Sprintf("%x", hashBody(memory))[:16])}
	s.state.memories[skillID] = append(s.state.memories[skillID], m)
	return convert[modus.Memory](*m)
}

// SeedConnection adds an integration connection (type such as postgresql).
func (s *Server) SeedConnection(name, typ string) modus.Connection {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := server.ConnectionDto{ID: s.state.newUUID(), Name: ptr(name), Type: ptr(typ)}
	s.state.connections = append(s.state.connections, c)
	out, _ := convert[modus.Connection](c)
	return out
}

// SeedAgentRun adds a run summary to an agent's history, with a status
// such as running, awaiting_human, completed, error or cancelled.
func (s *Server) SeedAgentRun(agentID int64, status string) (modus.AgentRun, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, err := s.state.liveAgent(agentID)
	if err != nil {
		return modus.AgentRun{}, fmt.Errorf("modustest: SeedAgentRun: agent %d does not exist", agentID)
	}
	ar := s.state.addAgentRun(a, status, "seeded run", "manual", now().Add(-time.Minute), "")
	return convert[modus.AgentRun](*ar)
}

// SetRunScript sets the tokens every later run streams before its done
// event; no tokens restores the default echo of the message.
func (s *Server) SetRunScript(tokens ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.state.script = append([]string(nil), tokens...)
}

// convert moves a value between the server's and the client's generated
// types, which share their JSON shape.
func convert[T any](v any) (T, error) {
	var out T
	b, err := json.Marshal(v)
	if err == nil {
		err = json.Unmarshal(b, &out)
	}
	return out, err
}
