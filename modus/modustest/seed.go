package modustest

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/modus-data/modus-sdk-go/gen"
	"github.com/modus-data/modus-sdk-go/modus"
)

// The Seed methods put data into the server directly, so that a test can
// start from a known state. They return what they created as the client's
// types (modus.Agent, modus.Skill, ...), as the API would show it, in a
// copy that is the test's own (changing it leaves the server alone). A seed
// that cannot be done (a missing name, an unknown skill) fails the test
// through tb, as t.Fatalf would, so a test need not check errors; outside
// a test (an Example, a demo program) tb may be nil, and such a seed
// panics instead.

// must returns a deep copy of v, or fails tb (panics when tb is nil) when
// err is set. The copy is v as the client would decode it from an answer,
// and the caller's own: changing it leaves the server's state alone.
func must[T any](tb testing.TB, op string, v T, err error) T {
	if err == nil {
		err = jsonCopy(&v)
	}
	if err == nil {
		return v
	}
	if tb == nil {
		panic(fmt.Sprintf("modustest: %s: %v", op, err))
	}
	tb.Helper()
	tb.Fatalf("modustest: %s: %v", op, err)
	return v
}

// helper marks the caller as a test helper when tb is set.
func helper(tb testing.TB) {
	if tb != nil {
		tb.Helper()
	}
}

// AgentSeed describes an agent for SeedAgent.
type AgentSeed struct {
	Name        string          `json:"name"`        // required
	Type        modus.AgentType `json:"type"`        // default task
	Description string          `json:"description"` // optional
	Deployed    bool            `json:"deployed"`    // deploy the first variation (status active)
	Deleted     bool            `json:"deleted"`     // soft-delete it afterwards
}

// SkillSeed describes a skill for SeedSkill.
type SkillSeed struct {
	Name         string   `json:"name"`         // required
	Description  string   `json:"description"`  // optional
	Model        string   `json:"model"`        // default anthropic/claude-sonnet-4.6
	Instructions []string `json:"instructions"` // the draft's instructions
	Deployed     bool     `json:"deployed"`     // deploy the first variation (status active)
	Deleted      bool     `json:"deleted"`      // soft-delete it afterwards
}

// ContextItemSeed describes a context item for SeedContextItem. Items of
// types other than note, link and saved_query behave as integration items:
// deleting them answers 422.
type ContextItemSeed struct {
	ContextType  modus.ContextItemKind `json:"contextType"`  // required, such as modus.KindNote or "salesforce_object_field"
	Content      map[string]any        `json:"content"`      // copied; JSON shapes ([]any, float64)
	Description  string                `json:"description"`  // optional
	DataPath     []string              `json:"dataPath"`     // where the item sits, such as notes/title
	Topics       []string              `json:"topics"`       // tags the topics filter matches
	ConnectionID string                `json:"connectionId"` // source connection; empty for user items
	UserFeedback modus.UserFeedback    `json:"userFeedback"` // negative, neutral (default) or positive
}

// SeedAgent adds an agent and returns it (draft view); an empty Name or
// an unknown Type fails tb.
func (s *Server) SeedAgent(tb testing.TB, in AgentSeed) modus.Agent {
	helper(tb)
	a, err := s.seedAgent(in)
	return must(tb, "SeedAgent", a, err)
}

func (s *Server) seedAgent(in AgentSeed) (modus.Agent, error) {
	typ := in.Type
	if typ == "" {
		typ = gen.AgentTypeTask
	}
	dto := gen.CreateAgentDto{Name: in.Name, Type: typ}
	if in.Description != "" {
		dto.Description = &in.Description
	}
	return seed[*agent, modus.Agent](s, in.Deleted, func(st *state) (*agent, error) {
		return st.createAgent(dto, seedStatus(in.Deployed))
	})
}

// SeedSkill adds a skill and returns it (draft view); an empty Name fails
// tb.
func (s *Server) SeedSkill(tb testing.TB, in SkillSeed) modus.Skill {
	helper(tb)
	sk, err := s.seedSkill(in)
	return must(tb, "SeedSkill", sk, err)
}

func (s *Server) seedSkill(in SkillSeed) (modus.Skill, error) {
	dto := gen.CreateSkillDto{Name: in.Name, Instructions: in.Instructions}
	if in.Description != "" {
		dto.Description = &in.Description
	}
	if in.Model != "" {
		dto.Model = &in.Model
	}
	return seed[*skill, modus.Skill](s, in.Deleted, func(st *state) (*skill, error) {
		return st.createSkill(dto, seedStatus(in.Deployed))
	})
}

// seedStatus is the status a seed asks for: active when deployed.
func seedStatus(deployed bool) gen.ResourceLifecycleStatus {
	if deployed {
		return gen.ResourceLifecycleStatusActive
	}
	return gen.ResourceLifecycleStatusDraft
}

// seed creates an agent or a skill under the server's lock, soft-deletes
// it when asked, and returns its draft view.
func seed[R interface {
	viewer[D]
	remove()
}, D any](s *Server, deleted bool, create func(*state) (R, error)) (D, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := create(s.state)
	if err != nil {
		var zero D
		return zero, err
	}
	if deleted {
		r.remove()
	}
	return r.draftView(), nil
}

// SeedContextItem adds a context item of any type and returns it; an
// empty ContextType, an unknown UserFeedback or Content that is not JSON
// fails tb.
func (s *Server) SeedContextItem(tb testing.TB, in ContextItemSeed) modus.ContextItem {
	helper(tb)
	it, err := s.seedContextItem(in)
	return must(tb, "SeedContextItem", it, err)
}

func (s *Server) seedContextItem(in ContextItemSeed) (modus.ContextItem, error) {
	if in.ContextType == "" {
		return modus.ContextItem{}, fmt.Errorf("ContextType is required")
	}
	fb := in.UserFeedback
	if fb == "" {
		fb = gen.UserFeedbackNeutral
	}
	if !fb.Valid() {
		return modus.ContextItem{}, fmt.Errorf("invalid UserFeedback %q", in.UserFeedback)
	}
	// A JSON round trip gives content the shapes decoding would ([]any, float64).
	var content map[string]any
	if in.Content != nil {
		c, err := jsonMap(in.Content)
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
	return *it, nil
}

// SeedMemory adds a memory to a skill and returns it. metadata["userId"] is
// what the userId filters of ListMemories and SearchMemories match. A skill
// that does not exist (or is deleted), or metadata that is not JSON, fails
// tb.
func (s *Server) SeedMemory(tb testing.TB, skillID int64, memory string, metadata map[string]any) modus.Memory {
	helper(tb)
	m, err := s.seedMemory(skillID, memory, metadata)
	return must(tb, "SeedMemory", m, err)
}

func (s *Server) seedMemory(skillID int64, memory string, metadata map[string]any) (modus.Memory, error) {
	// A deep copy: the caller may go on changing its map.
	var meta map[string]any
	if metadata != nil {
		var err error
		if meta, err = jsonMap(metadata); err != nil {
			return modus.Memory{}, fmt.Errorf("metadata: %w", err)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.state.liveSkill(skillID); err != nil {
		return modus.Memory{}, fmt.Errorf("skill %d does not exist", skillID)
	}
	t := now()
	m := &gen.MemoryDto{ID: "mem_" + s.state.newUUID().String(), Memory: memory, Metadata: meta,
		CreatedAt: &t, UpdatedAt: &t, Hash: ptr(fmt.Sprintf("%x", hashBody(memory))[:16])}
	s.state.memories[skillID] = append(s.state.memories[skillID], m)
	return *m, nil
}

// SeedConnection adds an integration connection (typ such as postgresql)
// and returns it. It cannot fail; it takes tb like the other Seed methods.
func (s *Server) SeedConnection(tb testing.TB, name, typ string) modus.Connection {
	helper(tb)
	return must(tb, "SeedConnection", s.seedConnection(name, typ), nil)
}

func (s *Server) seedConnection(name, typ string) modus.Connection {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := gen.ConnectionDto{ID: s.state.newUUID(), Name: ptr(name), Type: ptr(typ)}
	s.state.connections = append(s.state.connections, c)
	return c
}

// SeedConversation adds a conversation with skill skillID and returns its
// summary: one exchange per message, each answered as a chat would be (an
// echo). A skill that does not exist (or is deleted), or no messages,
// fails tb.
func (s *Server) SeedConversation(tb testing.TB, skillID int64, messages ...string) modus.ConversationSummary {
	helper(tb)
	c, err := s.seedConversation(skillID, messages)
	return must(tb, "SeedConversation", c, err)
}

func (s *Server) seedConversation(skillID int64, messages []string) (modus.ConversationSummary, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.state.liveSkill(skillID); err != nil {
		return modus.ConversationSummary{}, fmt.Errorf("skill %d does not exist", skillID)
	}
	if len(messages) == 0 {
		return modus.ConversationSummary{}, fmt.Errorf("a conversation needs at least one message")
	}
	var th *thread
	for _, m := range messages {
		resp := s.state.chat(th, skillID, false, m)
		th = s.state.threads[resp.ThreadID]
	}
	return th.summary(), nil
}

// SeedAgentRun adds a run summary to an agent's history and returns it,
// with a status such as running, awaiting_human, completed, error or
// cancelled. An agent that does not exist (or is deleted) fails tb.
func (s *Server) SeedAgentRun(tb testing.TB, agentID int64, status modus.RunStatus) modus.AgentRun {
	helper(tb)
	ar, err := s.seedAgentRun(agentID, status)
	return must(tb, "SeedAgentRun", ar, err)
}

func (s *Server) seedAgentRun(agentID int64, status modus.RunStatus) (modus.AgentRun, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, err := s.state.liveAgent(agentID)
	if err != nil {
		return modus.AgentRun{}, fmt.Errorf("agent %d does not exist", agentID)
	}
	return *s.state.addAgentRun(a, status, "seeded run", "manual", now().Add(-time.Minute), ""), nil
}

// jsonCopy replaces *v with a copy of it decoded from its JSON.
func jsonCopy[T any](v *T) error {
	b, err := json.Marshal(*v)
	if err != nil {
		return err
	}
	var out T
	if err := json.Unmarshal(b, &out); err != nil {
		return err
	}
	*v = out
	return nil
}

// jsonMap returns m as JSON would decode it: a deep copy whose numbers are
// float64 and whose lists are []any, as the API's answers hold them.
func jsonMap(m map[string]any) (map[string]any, error) {
	b, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	var out map[string]any
	err = json.Unmarshal(b, &out)
	return out, err
}
