package modus

import (
	"github.com/oapi-codegen/nullable"
	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/modus-data/modus-sdk-go/gen"
)

// The API's types under Go names. Each is an alias of the generated type in
// package gen (same type, same fields, same JSON), so values move freely
// between the two; common calls never need to import gen.
//
// Fields the API distinguishes as absent, null or set are
// Nullable[T] (github.com/oapi-codegen/nullable): build them with
// NewNullable and Null, read them with Get, IsNull and IsSpecified.

// Nullable is a field that is either absent, null or set (an alias of
// nullable.Nullable from github.com/oapi-codegen/nullable). Read one with
// its methods rather than printing it (it is a map underneath):
//
//	if title, err := item.Title.Get(); err == nil {
//		fmt.Println(title) // set
//	} else if item.Title.IsNull() {
//		fmt.Println("cleared")
//	} // !item.Title.IsSpecified(): absent
//
// Build one with NewNullable(v) or Null[T]().
type Nullable[T any] = nullable.Nullable[T]

// NewNullable returns a Nullable set to v.
func NewNullable[T any](v T) Nullable[T] { return nullable.NewNullableWithValue(v) }

// Null returns a Nullable set to null (sent as JSON null, which clears a field in an update).
func Null[T any]() Nullable[T] { return nullable.NewNullNullable[T]() }

// Ptr returns a pointer to v, for the optional fields of params and requests.
func Ptr[T any](v T) *T { return &v }

// UUID is a UUID such as a skill variation id (github.com/google/uuid's type).
type UUID = openapi_types.UUID

// Lifecycle.

// LifecycleStatus is the status of an agent or skill: draft, active or deleted.
type LifecycleStatus = gen.ResourceLifecycleStatus

// Lifecycle statuses of agents and skills.
const (
	StatusDraft   = gen.ResourceLifecycleStatusDraft
	StatusActive  = gen.ResourceLifecycleStatusActive
	StatusDeleted = gen.ResourceLifecycleStatusDeleted
)

// PendingOwnershipTransfer is an ownership transfer waiting to be accepted.
type PendingOwnershipTransfer = gen.PendingOwnershipTransferDto

// TransferOwnershipRequest names the user who should become the owner.
type TransferOwnershipRequest = gen.TransferOwnershipDto

// Agents.

// Agent is a task or workflow automation.
type Agent = gen.AgentDto

// AgentType is the kind of an agent: task or workflow.
type AgentType = gen.AgentType

// Agent types.
const (
	AgentTypeTask     = gen.AgentTypeTask
	AgentTypeWorkflow = gen.AgentTypeWorkflow
)

// AgentVariation is an agent's trigger, workflow structure and skill selection.
type AgentVariation = gen.AgentVariationDto

// AgentDeployment is the answer to a deploy: the agent and when it was deployed.
type AgentDeployment = gen.AgentDeployResponseDto

// AgentRun is one past run of an agent, with its result or error.
type AgentRun = gen.GetAutomationRunResponseDto

// AgentRunSummary is a run as agent run lists show it.
type AgentRunSummary = gen.AutomationRunListItemDto

// AgentRunCounts is the number of an agent's runs per status (AgentRunPage.Counts).
type AgentRunCounts = gen.ListAutomationRunsResponseDto_Counts

// CreateAgentRequest is the body of Agents.Create (Name and Type required).
type CreateAgentRequest = gen.CreateAgentDto

// UpdateAgentRequest is the body of Agents.Update; Nullable fields can be cleared with Null.
type UpdateAgentRequest = gen.UpdateAgentDto

// DeployAgentRequest is the body of Agents.Deploy (every field optional).
type DeployAgentRequest = gen.DeployAgentDto

// AgentListParams filters and pages Agents.List and Agents.All.
type AgentListParams = gen.ListAgentsParams

// AgentGetParams selects the variation Agents.Get shows.
type AgentGetParams = gen.GetAgentParams

// AgentUpdateParams carries the updateMask of Agents.Update.
type AgentUpdateParams = gen.UpdateAgentParams

// AgentRunListParams filters and pages Agents.Runs.List and Agents.Runs.All.
type AgentRunListParams = gen.ListAgentRunsParams

// AgentRunGetParams selects one Temporal run in Agents.Runs.Get.
type AgentRunGetParams = gen.GetAgentRunParams

// Skills.

// Skill is a configurable AI assistant of the organization.
type Skill = gen.SkillDto

// SkillVariation is a skill's model, instructions, tools and context.
type SkillVariation = gen.SkillVariationDto

// SkillDeployment is the answer to a deploy: the skill and when it was deployed.
type SkillDeployment = gen.DeployResponseDto

// CreateSkillRequest is the body of Skills.Create (Name required).
type CreateSkillRequest = gen.CreateSkillDto

// UpdateSkillRequest is the body of Skills.Update.
type UpdateSkillRequest = gen.UpdateSkillDto

// DeploySkillRequest is the body of Skills.Deploy (every field optional).
type DeploySkillRequest = gen.DeploySkillDto

// MCPConfig is how a skill appears to MCP clients.
type MCPConfig = gen.SkillMCPInterfaceConfigDto

// MCPConfigRequest is the body of Skills.ApplyMCPConfig.
type MCPConfigRequest = gen.PatchSkillMCPConfigDto

// MCPConfigResponse is the MCP configuration a skill has after Skills.ApplyMCPConfig.
type MCPConfigResponse = gen.PatchSkillMCPConfigResponseDto

// ComposeContextRequest is the body of Skills.ComposeContext (Message required).
type ComposeContextRequest = gen.ComposeSkillContextRequestDto

// ComposedContext is the context a skill would retrieve for a message.
type ComposedContext = gen.ComposeSkillContextResponseDto

// SkillListParams filters and pages Skills.List and Skills.All.
type SkillListParams = gen.ListSkillsParams

// SkillGetParams selects the variation Skills.Get shows.
type SkillGetParams = gen.GetSkillParams

// SkillUpdateParams carries the updateMask of Skills.Update.
type SkillUpdateParams = gen.UpdateSkillParams

// View selects which variation of an agent or skill a read shows:
// Ptr(ViewDraft) in AgentGetParams, AgentListParams, SkillGetParams or
// SkillListParams.
type View = gen.VariationView

// Views.
const (
	ViewActive = gen.VariationViewActive // the deployed variation
	ViewDraft  = gen.VariationViewDraft  // the latest draft
)

// AgentListType is the Type filter of AgentListParams: "task" or "workflow".
type AgentListType = gen.ListAgentsParamsType

// ConversationTimeframe is the Timeframe filter of ConversationListParams,
// such as "last_7_days".
type ConversationTimeframe = gen.ListConversationsParamsTimeframe

// Chat.

// ChatRequest is the body of the chat calls of agents and skills (Message and Model required).
type ChatRequest = gen.SkillChatRequestDto

// ChatResponse is the assistant's answer and the thread to continue it in.
type ChatResponse = gen.SkillChatResponseDto

// ChatModel is the model a chat runs with.
type ChatModel = gen.SkillChatRequestDtoModel

// Chat models.
const (
	ChatModelClaudeOpus48        = gen.SkillChatRequestDtoModelClaudeOpus48
	ChatModelClaudeSonnet46      = gen.SkillChatRequestDtoModelClaudeSonnet46
	ChatModelDeepseekChatV31     = gen.SkillChatRequestDtoModelDeepseekChatV31
	ChatModelGemini31ProPreview  = gen.SkillChatRequestDtoModelGemini31ProPreview
	ChatModelGemini3FlashPreview = gen.SkillChatRequestDtoModelGemini3FlashPreview
	ChatModelGpt52               = gen.SkillChatRequestDtoModelGpt52
	ChatModelGpt55               = gen.SkillChatRequestDtoModelGpt55
	ChatModelGpt5Mini            = gen.SkillChatRequestDtoModelGpt5Mini
	ChatModelGptOss120B          = gen.SkillChatRequestDtoModelGptOss120B
	ChatModelGptOss20B           = gen.SkillChatRequestDtoModelGptOss20B
	ChatModelGrok43              = gen.SkillChatRequestDtoModelGrok43
	ChatModelGrok43Fast          = gen.SkillChatRequestDtoModelGrok43Fast
	ChatModelLlama3370BInstruct  = gen.SkillChatRequestDtoModelLlama3370BInstruct
	ChatModelLlama4Maverick      = gen.SkillChatRequestDtoModelLlama4Maverick
	ChatModelLlama4Scout         = gen.SkillChatRequestDtoModelLlama4Scout
	ChatModelMinimaxM27          = gen.SkillChatRequestDtoModelMinimaxM27
	ChatModelQwen3235BA22B2507   = gen.SkillChatRequestDtoModelQwen3235BA22B2507
	ChatModelQwen332B            = gen.SkillChatRequestDtoModelQwen332B
	ChatModelQwen3Coder          = gen.SkillChatRequestDtoModelQwen3Coder
)

// Conversations and memories.

// Conversation is a skill's conversation thread with its messages.
type Conversation = gen.ConversationDto

// ConversationSummary is a thread as conversation lists show it.
type ConversationSummary = gen.ConversationListItemDto

// ConversationMessage is one message of a thread.
type ConversationMessage = gen.ConversationMessageDto

// ConversationListParams filters and pages Skills.Conversations.List and All.
type ConversationListParams = gen.ListConversationsParams

// Memory is a fact a skill remembers.
type Memory = gen.MemoryDto

// MemoryListParams filters and pages Skills.Memories.List and All.
type MemoryListParams = gen.ListMemoriesParams

// SearchMemoriesRequest is the body of Skills.Memories.Search (Query required).
type SearchMemoriesRequest = gen.SearchMemoriesRequestDto

// UpdateMemoryRequest is the body of Skills.Memories.Update.
type UpdateMemoryRequest = gen.UpdateMemoryRequestDto

// MemoryUpdateParams carries the updateMask of Skills.Memories.Update.
type MemoryUpdateParams = gen.UpdateMemoryParams

// Context items.

// ContextItem is a context item: a note, link, saved query, semantic-layer
// definition or an item an integration brought in.
type ContextItem = gen.ContextItemDto

// ContextItemKind is the kind of a context item created through the API.
type ContextItemKind = gen.ContextItemKind

// Kinds of context items created through the API.
const (
	KindNote       = gen.ContextItemKindNote
	KindLink       = gen.ContextItemKindLink
	KindSavedQuery = gen.ContextItemKindSavedQuery
	KindDimension  = gen.ContextItemKindDimension
	KindFact       = gen.ContextItemKindFact
	KindMetric     = gen.ContextItemKindMetric
	KindFilter     = gen.ContextItemKindFilter
)

// CreatedContextItem is the answer to a Context.Create... call: the new item's id and kind.
type CreatedContextItem = gen.CreatedContextItemResponseDto

// UpdatedContextItem is the answer to Context.Update.
type UpdatedContextItem = gen.UpdateContextItemResponseDto

// DeletedContextItem is the answer to Context.Delete.
type DeletedContextItem = gen.DeleteContextItemResponseDto

// ContextItemLookup is the answer to Context.Lookup; Item is null when nothing matches.
type ContextItemLookup = gen.LookupContextItemResponseDto

// ContextItemRow is the item Context.Lookup found.
type ContextItemRow = gen.LookupContextItemRowDto

// ContentProjection trims the content Context.Lookup returns.
type ContentProjection = gen.ContentProjectionDto

// CreateNoteRequest is the body of Context.CreateNote (Title and Content required).
type CreateNoteRequest = gen.CreateNoteDto

// CreateLinkRequest is the body of Context.CreateLink (URL required).
type CreateLinkRequest = gen.CreateLinkDto

// CreateSavedQueryRequest is the body of Context.CreateSavedQuery (Name and ConnectionID required).
type CreateSavedQueryRequest = gen.CreateSavedQueryDto

// CreateDimensionRequest is the body of Context.CreateDimension.
type CreateDimensionRequest = gen.CreateDimensionDto

// CreateFactRequest is the body of Context.CreateFact.
type CreateFactRequest = gen.CreateFactDto

// CreateFilterRequest is the body of Context.CreateFilter.
type CreateFilterRequest = gen.CreateFilterDto

// CreateMetricRequest is the body of Context.CreateMetric.
type CreateMetricRequest = gen.CreateMetricDto

// LookupContextItemRequest is the body of Context.Lookup (ContextType and DataPath required).
type LookupContextItemRequest = gen.LookupContextItemDto

// UpdateContextItemRequest is the body of Context.Update.
type UpdateContextItemRequest = gen.UpdateContextItemDto

// ContextItemListParams filters and pages Context.List and Context.All.
type ContextItemListParams = gen.ListContextItemsParams

// ContextItemUpdateParams carries the updateMask of Context.Update.
type ContextItemUpdateParams = gen.UpdateContextItemParams

// ContextItemValuesParams selects and pages the values of Context.Values
// and Context.AllValues (ContextType and ContentKeyPath required).
type ContextItemValuesParams = gen.ListContextItemValuesParams

// Connections and usage.

// Connection is a data connection of the organization.
type Connection = gen.ConnectionDto

// ConnectionListParams filters and pages Connections.List and Connections.All.
type ConnectionListParams = gen.ListConnectionsParams

// UsageReport is the usage of a time window, per bucket and in total.
type UsageReport = gen.ListUsageResponseDto

// UsageBucket is the usage of one hour or day (and group).
type UsageBucket = gen.UsageBucketDto

// UsageTotals is the usage summed over a window.
type UsageTotals = gen.UsageTotalsDto

// UsageParams selects the window of Usage.List (Since, Until and Rollup required).
type UsageParams = gen.ListUsageParams

// UsageRollup is the bucket size of a usage report.
type UsageRollup = gen.ListUsageParamsRollup

// UsageGroupBy is the GroupBy of UsageParams, such as "model" or "skill".
type UsageGroupBy = gen.ListUsageParamsGroupBy

// Usage bucket sizes.
const (
	RollupHour = gen.ListUsageParamsRollupHour
	RollupDay  = gen.ListUsageParamsRollupDay
)

// Nested types of agents, skills, conversations and runs, so that building
// a request never needs package gen.

// AgentTrigger says what starts an agent (schedule, event, manual).
type AgentTrigger = gen.TriggerDto

// AgentSelection picks the sub-agents a workflow agent may call.
type AgentSelection = gen.AgentSelectionDto

// WorkflowStructure is the node and edge graph of a workflow agent.
type WorkflowStructure = gen.WorkflowStructureDto

// AgentAccessConfig says who may use and manage an agent.
type AgentAccessConfig = gen.AgentAccessConfigDto

// AgentSharedUser is a user an agent is shared with.
type AgentSharedUser = gen.AgentSharedUserDto

// AgentGroupPermission is a group's rights on an agent.
type AgentGroupPermission = gen.AgentGroupPermissionDto

// SkillAccessConfig says who may use and manage a skill.
type SkillAccessConfig = gen.AccessConfigDto

// SkillSharedUser is a user a skill is shared with.
type SkillSharedUser = gen.SharedUserDto

// SkillGroupPermission is a group's rights on a skill.
type SkillGroupPermission = gen.GroupPermissionDto

// Toolset is the set of tools a skill variation enables.
type Toolset = gen.ToolsetDto

// ModelSettings tunes the model of a skill or agent.
type ModelSettings = gen.ModelSettingsDto

// ReasoningEffort is how hard a reasoning model thinks (ReasoningEffortLow, ...).
type ReasoningEffort = gen.ReasoningEffort

// Reasoning efforts.
const (
	ReasoningEffortNone    = gen.ReasoningEffortNone
	ReasoningEffortMinimal = gen.ReasoningEffortMinimal
	ReasoningEffortLow     = gen.ReasoningEffortLow
	ReasoningEffortMedium  = gen.ReasoningEffortMedium
	ReasoningEffortHigh    = gen.ReasoningEffortHigh
	ReasoningEffortXhigh   = gen.ReasoningEffortXhigh
	ReasoningEffortMax     = gen.ReasoningEffortMax
)

// ConversationMessageType is who wrote a conversation message.
type ConversationMessageType = gen.ConversationMessageType

// Conversation message authors.
const (
	MessageHuman   = gen.ConversationMessageTypeHuman
	MessageAI      = gen.ConversationMessageTypeAi
	MessageSystem  = gen.ConversationMessageTypeSystem
	MessageTool    = gen.ConversationMessageTypeTool
	MessageUnknown = gen.ConversationMessageTypeUnknown
)

// ContextItemFeedback is a user's verdict on a context item, as read.
type ContextItemFeedback = gen.ContextItemDtoUserFeedback

// UpdateContextItemFeedback is a user's verdict on a context item, as set
// by Context.Update (FeedbackPositive, ...).
type UpdateContextItemFeedback = gen.UpdateContextItemDtoUserFeedback

// Verdicts to set with Context.Update.
const (
	FeedbackPositive = gen.UpdateContextItemDtoUserFeedbackPositive
	FeedbackNeutral  = gen.UpdateContextItemDtoUserFeedbackNeutral
	FeedbackNegative = gen.UpdateContextItemDtoUserFeedbackNegative
)

// RunAction is the kind of run CreateRunRequest.Action asks for (RunActionChat).
type RunAction = gen.AgentRunDtoAction

// RunActionChat is the chat run action.
const RunActionChat = gen.AgentRunDtoActionChat

// WorkflowActionSource says what triggered a workflow action.
type WorkflowActionSource = gen.WorkflowActionSource

// Workflow action sources.
const (
	WorkflowActionSourceAutomation = gen.WorkflowActionSourceAutomation
	WorkflowActionSourceAgent      = gen.WorkflowActionSourceAgent
	WorkflowActionSourceAPI        = gen.WorkflowActionSourceAPI
	WorkflowActionSourceOther      = gen.WorkflowActionSourceOther
)

// AgentRunSource says where a run's detail came from (live or history).
type AgentRunSource = gen.AutomationRunSource
