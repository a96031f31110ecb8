package modus

import (
	"github.com/modus-data/modus-sdk-go/internal/nullable"
	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/modus-data/modus-sdk-go/gen"
)

// The API's types under Go names are aliases of the types generated in
// package gen, written with their fields' documentation into types.gen.go
// from aliases.txt (go generate). This file holds the helpers and the
// constants, which are named by hand.

//go:generate go run ../internal/aliasgen -names aliases.txt -gen ../gen/client.gen.go -o types.gen.go

// Nullable is a request field that is either absent (the zero value, left
// out of the JSON), null (sent as null: clear the field) or set. Only
// request bodies that tell "leave" from "clear" use it (UpdateAgentRequest,
// UpdateSkillRequest, UpdateContextItemRequest.Description, the access
// configs); fields that are only read are *T, nil for null. Build one with
// NewNullable(v) or Null[T](). Its methods (go doc does not list them for
// an alias):
//
//	Get() (T, error)    the value; an error when null or absent
//	MustGet() T         the value; panics when null or absent
//	IsNull() bool       sent as null
//	IsSpecified() bool  null or set, not absent
//	Set(v T), SetNull(), SetUnspecified()
//
// fmt prints its value ("null" when null, "<absent>" when absent):
//
//	req := modus.UpdateAgentRequest{Description: modus.NewNullable("v2"), Trigger: modus.Null[modus.AgentTrigger]()}
//	fmt.Println(req.Description, req.Trigger) // v2 null
type Nullable[T any] = nullable.Nullable[T]

// NewNullable returns a Nullable set to v.
func NewNullable[T any](v T) Nullable[T] { return nullable.NewNullableWithValue(v) }

// Null returns a Nullable set to null (sent as JSON null, which clears a field in an update).
func Null[T any]() Nullable[T] { return nullable.NewNullNullable[T]() }

// Ptr returns a pointer to v, for the optional fields of params and requests.
func Ptr[T any](v T) *T { return &v }

// UUID is a UUID such as a skill variation id (github.com/google/uuid's type).
type UUID = openapi_types.UUID

// Lifecycle statuses of agents and skills.
const (
	StatusDraft   = gen.ResourceLifecycleStatusDraft
	StatusActive  = gen.ResourceLifecycleStatusActive
	StatusDeleted = gen.ResourceLifecycleStatusDeleted
)

// Agent types.
const (
	AgentTypeTask     = gen.AgentTypeTask
	AgentTypeWorkflow = gen.AgentTypeWorkflow
)

// Views.
const (
	ViewActive = gen.VariationViewActive // the deployed variation
	ViewDraft  = gen.VariationViewDraft  // the latest draft
)

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

// Kinds of context items created through the API; integrations add others
// (ContextItemKind is an open set).
const (
	KindNote       = gen.ContextItemKindNote
	KindLink       = gen.ContextItemKindLink
	KindSavedQuery = gen.ContextItemKindSavedQuery
	KindDimension  = gen.ContextItemKindDimension
	KindFact       = gen.ContextItemKindFact
	KindMetric     = gen.ContextItemKindMetric
	KindFilter     = gen.ContextItemKindFilter
)

// Usage bucket sizes.
const (
	RollupHour = gen.UsageRollupHour
	RollupDay  = gen.UsageRollupDay
)

// What usage reports group by.
const (
	GroupByAll       = gen.UsageGroupByAll
	GroupBySkill     = gen.UsageGroupBySkill
	GroupByAgent     = gen.UsageGroupByAgent
	GroupByInterface = gen.UsageGroupByInterface
	GroupByModel     = gen.UsageGroupByModel
)

// Visibilities of agents and skills.
const (
	VisibilityShared  = gen.VisibilityShared
	VisibilityPrivate = gen.VisibilityPrivate
)

// Statuses of agent runs (RunStatusAllExecutions only as a list filter).
const (
	RunStatusRunning       = gen.RunStatusRunning
	RunStatusAwaitingHuman = gen.RunStatusAwaitingHuman
	RunStatusCompleted     = gen.RunStatusCompleted
	RunStatusError         = gen.RunStatusError
	RunStatusCancelled     = gen.RunStatusCancelled
	RunStatusAllExecutions = gen.RunStatusAllExecutions
)

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

// Periods a conversation list can be limited to (ConversationListParams.Timeframe).
const (
	TimeframeLastDay    = gen.ListConversationsParamsTimeframeLastDay
	TimeframeLast7Days  = gen.ListConversationsParamsTimeframeLast7Days
	TimeframeLast30Days = gen.ListConversationsParamsTimeframeLast30Days
	TimeframeThisWeek   = gen.ListConversationsParamsTimeframeThisWeek
	TimeframeThisMonth  = gen.ListConversationsParamsTimeframeThisMonth
)

// Conversation message authors.
const (
	MessageHuman   = gen.ConversationMessageTypeHuman
	MessageAI      = gen.ConversationMessageTypeAi
	MessageSystem  = gen.ConversationMessageTypeSystem
	MessageTool    = gen.ConversationMessageTypeTool
	MessageUnknown = gen.ConversationMessageTypeUnknown
)

// User verdicts on context items, as read, set and filtered on.
const (
	FeedbackPositive = gen.UserFeedbackPositive
	FeedbackNeutral  = gen.UserFeedbackNeutral
	FeedbackNegative = gen.UserFeedbackNegative
)

// Where the detail of an agent run came from (AgentRunSource).
const (
	AgentRunSourceHistory   = gen.AutomationRunSourceHistory
	AgentRunSourceLiveQuery = gen.AutomationRunSourceLiveQuery
)

// RunActionChat is the chat run action.
const RunActionChat = gen.AgentRunDtoActionChat

// Workflow action sources.
const (
	WorkflowActionSourceAutomation = gen.WorkflowActionSourceAutomation
	WorkflowActionSourceAgent      = gen.WorkflowActionSourceAgent
	WorkflowActionSourceAPI        = gen.WorkflowActionSourceAPI
	WorkflowActionSourceOther      = gen.WorkflowActionSourceOther
)

// Kinds of agent triggers.
const (
	TriggerTypeSchedule = gen.TriggerDtoTriggerTypeSchedule
	TriggerTypeWebhook  = gen.TriggerDtoTriggerTypeWebhook
	TriggerTypeAPI      = gen.TriggerDtoTriggerTypeAPI
	TriggerTypeSlack    = gen.TriggerDtoTriggerTypeSlack
	TriggerTypeManual   = gen.TriggerDtoTriggerTypeManual
)

// How often a schedule trigger fires.
const (
	ScheduleHourly  = gen.TriggerScheduleDtoFrequencyHourly
	ScheduleDaily   = gen.TriggerScheduleDtoFrequencyDaily
	ScheduleWeekly  = gen.TriggerScheduleDtoFrequencyWeekly
	ScheduleMonthly = gen.TriggerScheduleDtoFrequencyMonthly
	ScheduleCustom  = gen.TriggerScheduleDtoFrequencyCustom
)

// Days of a weekly schedule.
const (
	Monday    = gen.TriggerScheduleDtoWeekdaysMonday
	Tuesday   = gen.TriggerScheduleDtoWeekdaysTuesday
	Wednesday = gen.TriggerScheduleDtoWeekdaysWednesday
	Thursday  = gen.TriggerScheduleDtoWeekdaysThursday
	Friday    = gen.TriggerScheduleDtoWeekdaysFriday
	Saturday  = gen.TriggerScheduleDtoWeekdaysSaturday
	Sunday    = gen.TriggerScheduleDtoWeekdaysSunday
)

// Kinds of workflow nodes.
const (
	WorkflowNodeStart         = gen.WorkflowNodeTypeStart
	WorkflowNodeAction        = gen.WorkflowNodeTypeAction
	WorkflowNodeCondition     = gen.WorkflowNodeTypeCondition
	WorkflowNodeAgent         = gen.WorkflowNodeTypeAgent
	WorkflowNodeHumanApproval = gen.WorkflowNodeTypeHumanApproval
)

// What a user an agent or skill is shared with may do.
const (
	SharePermissionUse    = gen.SharedUserPermissionUse
	SharePermissionManage = gen.SharedUserPermissionManage
)

// Why the caller cannot manage an agent.
const (
	ManageDenialNotOwner         = gen.AgentDtoManageDenialNotOwner
	ManageDenialNeedsGroupManage = gen.AgentDtoManageDenialNeedsGroupManage
)

// Severities of notices in a run stream.
const (
	NoticeInfo    = gen.NoticeRunEventSeverityInfo
	NoticeWarning = gen.NoticeRunEventSeverityWarning
)

// RunStatusReasonApprovalTimeout says a run stopped waiting for a human approval.
const RunStatusReasonApprovalTimeout = gen.RunStatusReasonApprovalTimeout
