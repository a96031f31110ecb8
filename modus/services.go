package modus

// The API's groups, as fields of Client. Each service is a thin set of
// methods over gen's request builders; the methods live in one file per group
// (agents.go, skills.go, context.go, runs.go, account.go).

// AgentsService calls the agent operations: CRUD, deploy, soft delete and
// restore, ownership transfer, chat and run history. Use Client.Agents.
type AgentsService struct {
	c *Client
	// Runs lists and reads an agent's past runs.
	Runs *AgentRunsService
}

// AgentRunsService reads the run history of an agent. Use Client.Agents.Runs.
type AgentRunsService struct{ c *Client }

// SkillsService calls the skill operations: CRUD, variations, deploy, soft
// delete and restore, ownership transfer, MCP config, chat and context
// composition. Use Client.Skills.
type SkillsService struct {
	c *Client
	// Conversations reads a skill's conversation threads.
	Conversations *ConversationsService
	// Memories lists, searches, edits and deletes a skill's memories.
	Memories *MemoriesService
}

// ConversationsService reads skill conversations. Use Client.Skills.Conversations.
type ConversationsService struct{ c *Client }

// MemoriesService manages skill memories. Use Client.Skills.Memories.
type MemoriesService struct{ c *Client }

// ContextService creates, reads, updates and deletes context items (notes,
// links, saved queries and semantic-layer definitions). Use Client.Context.
type ContextService struct{ c *Client }

// RunsService starts agent runs and workflow actions and streams their
// events from the agent host. Use Client.Runs.
type RunsService struct{ c *Client }

// ConnectionsService lists the organization's data connections. Use Client.Connections.
type ConnectionsService struct{ c *Client }

// UsageService reads usage buckets. Use Client.Usage.
type UsageService struct{ c *Client }

// OrganizationService holds organization-wide operations. Use Client.Organization.
type OrganizationService struct{ c *Client }

// initServices wires the service fields; NewClient calls it last.
func (c *Client) initServices() {
	c.Agents = &AgentsService{c: c, Runs: &AgentRunsService{c: c}}
	c.Skills = &SkillsService{c: c, Conversations: &ConversationsService{c: c}, Memories: &MemoriesService{c: c}}
	c.Context = &ContextService{c: c}
	c.Runs = &RunsService{c: c}
	c.Connections = &ConnectionsService{c: c}
	c.Usage = &UsageService{c: c}
	c.Organization = &OrganizationService{c: c}
}
