// Everycall calls each of the Modus API's operations once through the
// SDK, with every optional parameter set and with nulls in the update
// bodies, and reads the fields of every answer. It shows that a program can
// build every request and read every response importing only package modus
// (never gen, never a nullable package).
//
// Without MODUS_BASE_URL it runs against an in-process fake (modustest).
// With MODUS_BASE_URL (and MODUS_API_KEY, MODUS_ORGANIZATION_ID) it runs
// against that server, such as a validating mock of openapi.json:
//
//	npx @stoplight/prism-cli@5 mock --errors -p 4010 openapi.json
//	MODUS_BASE_URL=http://127.0.0.1:4010 MODUS_API_KEY=modus_x MODUS_ORGANIZATION_ID=org go run ./examples/everycall
//
// A request the spec does not accept makes the mock answer 422, so the run
// fails. (To check the fake's answers too, put `prism proxy --errors
// openapi.json <fake URL>` in front of a modustest server.) Its test runs it
// against modustest and validates every exchange with kin-openapi.
//
// It prints one line per operation and exits non-zero if any failed.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/modus-data/modus-sdk-go/modus"
	"github.com/modus-data/modus-sdk-go/modus/modustest"
)

func main() {
	ctx := context.Background()
	var (
		client *modus.Client
		fx     fixtures
		err    error
	)
	if os.Getenv("MODUS_BASE_URL") == "" {
		srv := modustest.New()
		defer srv.Close()
		client, err = srv.Client()
		fx = fakeFixtures(srv)
	} else {
		client, err = modus.NewClient()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "everycall:", err)
		os.Exit(1)
	}
	if failed := run(ctx, client, fx, os.Stdout); failed > 0 {
		fmt.Fprintf(os.Stderr, "everycall: %d operations failed\n", failed)
		os.Exit(1)
	}
}

// fixtures seed what the API cannot create (memories, run history, items
// brought in by integrations); against a real server or a mock they are nil.
type fixtures struct {
	memory      func(skillID int64)
	agentRun    func(agentID int64)
	valuesItem  func() string // an item with an array in its content
	connection  func() string // a connection id for saved queries
	expect422Of map[string]bool
}

func fakeFixtures(srv *modustest.Server) fixtures {
	return fixtures{
		memory:   func(id int64) { srv.SeedMemory(nil, id, "likes coffee", map[string]any{"source": "chat"}) },
		agentRun: func(id int64) { srv.SeedAgentRun(nil, id, modus.RunStatusCompleted) },
		valuesItem: func() string {
			it := srv.SeedContextItem(nil, modustest.ContextItemSeed{ContextType: "salesforce_object_field",
				Content: map[string]any{"enumValues": []any{"a", "b", "c"}}, DataPath: []string{"salesforce", "Account", "Industry"}})
			return it.UID
		},
		connection: func() string { return srv.SeedConnection(nil, "warehouse", "postgres").ID.String() },
		// The API validates filters and metrics, then answers 422: it does not store them yet.
		expect422Of: map[string]bool{"CreateFilter": true, "CreateMetric": true},
	}
}

// caller runs the calls and counts failures.
type caller struct {
	w      io.Writer
	fx     fixtures
	failed int
}

// check reports one operation's outcome; what is what it read.
func (c *caller) check(op string, err error, what ...any) {
	var e *modus.Error
	switch {
	case err == nil:
		fmt.Fprintf(c.w, "ok   %-32s %v\n", op, fmt.Sprint(what...))
	case errors.As(err, &e) && e.StatusCode == 422 && c.fx.expect422Of[op]:
		fmt.Fprintf(c.w, "ok   %-32s 422 as documented (%s)\n", op, e.Code)
	default:
		c.failed++
		fmt.Fprintf(c.w, "FAIL %-32s %v\n", op, err)
	}
}

// variation reads an agent variation's fields, typed as Create takes them.
func variation(v *modus.AgentVariation) string {
	if v == nil {
		return "no variation"
	}
	out := "trigger <nil>"
	if t := v.Trigger; t != nil {
		out = "trigger " + string(t.TriggerType)
		if t.Schedule != nil {
			out += " " + string(t.Schedule.Frequency)
		}
	}
	if sel := v.AgentSelection; sel != nil {
		out += fmt.Sprintf(", %d skills", len(sel.Agents))
		if len(sel.Agents) > 0 {
			out += fmt.Sprintf(" (first %d)", sel.Agents[0].AgentID)
		}
	}
	if g := v.WorkflowStructure; g != nil {
		out += fmt.Sprintf(", %d nodes, %d edges", len(g.Nodes), len(g.Edges))
	}
	return out
}

func str(p *string) string {
	if p == nil {
		return "<nil>"
	}
	return *p
}

// run calls every operation and returns how many failed.
func run(ctx context.Context, client *modus.Client, fx fixtures, w io.Writer) int {
	c := &caller{w: w, fx: fx}
	agentID, skillID := agents(ctx, client, c), skills(ctx, client, c)
	contextItems(ctx, client, c)
	runs(ctx, client, c, agentID, skillID)

	conns, err := client.Connections.List(ctx, &modus.ConnectionListParams{PageSize: modus.Ptr(10), PageToken: nil, Type: modus.Ptr("postgres")})
	if err == nil {
		for _, cn := range conns.Items {
			_, _ = cn.ID, str(cn.Name)+str(cn.Type)
		}
	}
	c.check("ListConnections", err)
	since := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	usage, err := client.Usage.List(ctx, &modus.UsageParams{Since: since, Until: since.Add(48 * time.Hour), Rollup: modus.RollupDay,
		GroupBy: modus.Ptr(modus.GroupBySkill), Model: modus.Ptr("anthropic/claude-sonnet-4.6"),
		SkillID: []string{"1"}, AgentID: []string{"2"}, UserID: []string{"user_1"}, Interface: []string{"api"}})
	if err == nil {
		var buckets []modus.UsageBucket = usage.Buckets
		var totals modus.UsageTotals = usage.Totals
		c.check("ListUsage", nil, usage.Rollup, ", ", len(buckets), " buckets, ", totals.CallCount, " calls, ", totals.InputTokens+totals.OutputTokens, " tokens")
	} else {
		c.check("ListUsage", err)
	}
	c.check("DeleteOrganization", client.Organization.Delete(ctx))
	return c.failed
}

func agents(ctx context.Context, client *modus.Client, c *caller) int64 {
	schedule := &modus.TriggerSchedule{Frequency: modus.ScheduleWeekly, Timezone: "UTC", TimeOfDay: modus.Ptr("09:00"),
		Weekdays: []modus.Weekday{modus.Monday}, CronDescription: modus.Ptr("Mondays at nine")}
	trigger := &modus.AgentTrigger{TriggerType: modus.TriggerTypeSchedule, Schedule: schedule}
	access := &modus.AgentAccessConfig{Visibility: modus.VisibilityShared,
		GroupPermissions: map[string]modus.AgentGroupPermission{"group_eng": {Use: true}},
		SharedWith:       []modus.AgentSharedUser{{Email: "bob@example.com", UserID: modus.Ptr("user_bob")}}}
	selection := &modus.AgentSelection{Agents: []modus.AgentSelectionEntry{{AgentID: 7, PriorityOrder: 1, Role: modus.Ptr("analyst")}},
		ModelSettings: &modus.ModelSettings{ReasoningEffort: modus.Ptr(modus.ReasoningEffortLow)}}
	graph := &modus.WorkflowStructure{Nodes: []modus.WorkflowNode{{ID: "n1", Type: modus.WorkflowNodeStart, Position: &modus.WorkflowNodePosition{X: 1, Y: 2}}},
		Edges: []modus.WorkflowEdge{}}
	a, err := client.Agents.Create(ctx, modus.CreateAgentRequest{Name: "Daily report", Type: modus.AgentTypeTask,
		Description: modus.Ptr("every morning"), Trigger: trigger, AgentSelection: selection, WorkflowStructure: graph, AccessConfig: access})
	c.check("CreateAgent", err)
	if err != nil {
		return 0
	}
	got, err := client.Agents.Get(ctx, a.ID, &modus.AgentGetParams{View: modus.Ptr(modus.ViewDraft)})
	if err == nil {
		c.check("GetAgent", nil, got.Name, " ", got.Status, " ", got.ActiveVariationID == nil, " ", got.DeletedAt == nil,
			" ", got.PendingOwnershipTransfer == nil, " ", got.ManageDenial == nil, " ", variation(got.Variation))
	} else {
		c.check("GetAgent", err)
	}
	page, err := client.Agents.List(ctx, &modus.AgentListParams{PageSize: modus.Ptr(5), View: modus.Ptr(modus.ViewActive),
		Type: modus.Ptr(modus.AgentTypeTask), Search: modus.Ptr("report"), IncludeVariation: modus.Ptr(true)})
	c.check("ListAgents", err, pageLen(page))
	up, err := client.Agents.Update(ctx, a.ID, &modus.AgentUpdateParams{UpdateMask: modus.Ptr("description,trigger,agentSelection,workflowStructure")},
		modus.UpdateAgentRequest{Description: modus.Null[string](), Trigger: modus.Null[modus.AgentTrigger](),
			AgentSelection: modus.Null[modus.AgentSelection](), WorkflowStructure: modus.Null[modus.WorkflowStructure]()})
	if err == nil {
		var v *modus.AgentVariation = up.Variation
		c.check("UpdateAgent", nil, str(up.Description), " ", v != nil)
	} else {
		c.check("UpdateAgent", err)
	}
	dep, err := client.Agents.Deploy(ctx, a.ID, modus.DeployAgentRequest{ExpectedMainShaOverride: modus.Ptr("abc123")})
	if err == nil {
		c.check("DeployAgent", nil, dep.Agent.Status, " at ", dep.DeployedAt.Format(time.RFC3339))
	} else {
		c.check("DeployAgent", err)
	}
	chat := modus.ChatRequest{Message: "hello", Model: modus.ChatModelClaudeSonnet46}
	r1, err := client.Agents.Chat(ctx, a.ID, chat)
	c.check("ChatWithAgent", err)
	if err == nil {
		r2, err := client.Agents.ContinueChat(ctx, a.ID, r1.ThreadID, chat)
		c.check("ContinueAgentChat", err, contentOf(r2))
	}
	tr, err := client.Agents.RequestOwnershipTransfer(ctx, a.ID, modus.TransferOwnershipRequest{NewOwnerUserID: "user_bob"})
	if err == nil && tr.PendingOwnershipTransfer != nil {
		c.check("RequestAgentOwnershipTransfer", nil, tr.PendingOwnershipTransfer.PendingOwnerUserID, " ", str(tr.PendingOwnershipTransfer.PendingOwnerEmail))
	} else {
		c.check("RequestAgentOwnershipTransfer", err)
	}
	_, err = client.Agents.CancelOwnershipTransfer(ctx, a.ID)
	c.check("CancelAgentOwnershipTransfer", err)
	_, _ = client.Agents.RequestOwnershipTransfer(ctx, a.ID, modus.TransferOwnershipRequest{NewOwnerUserID: "user_bob"})
	acc, err := client.Agents.AcceptOwnershipTransfer(ctx, a.ID)
	if err == nil {
		c.check("AcceptAgentOwnershipTransfer", nil, acc.AccessConfig.OwnerUserID)
	} else {
		c.check("AcceptAgentOwnershipTransfer", err)
	}
	if c.fx.agentRun != nil {
		c.fx.agentRun(a.ID)
	}
	runs, err := client.Agents.Runs.List(ctx, a.ID, &modus.AgentRunListParams{Status: modus.Ptr(modus.RunStatusAllExecutions),
		Timeframe: modus.Ptr("last_7_days"), ApprovalScope: modus.Ptr("all"), Search: modus.Ptr("report"), PageSize: modus.Ptr(5)})
	if err == nil {
		var counts modus.AgentRunCounts = runs.Counts
		c.check("ListAgentRuns", nil, len(runs.Items), " runs, all ", counts.AllExecutions != nil)
		if len(runs.Items) > 0 {
			var sum modus.AgentRunSummary = runs.Items[0]
			run, err := client.Agents.Runs.Get(ctx, a.ID, sum.ID, &modus.AgentRunGetParams{TemporalRunID: sum.TemporalRunID})
			if err == nil {
				var reason *modus.RunStatusReason = run.StatusReason
				c.check("GetAgentRun", nil, run.Status, " ", reason != nil)
			} else {
				c.check("GetAgentRun", err)
			}
		}
	} else {
		c.check("ListAgentRuns", err)
	}
	c.check("DeleteAgent", client.Agents.Delete(ctx, a.ID))
	back, err := client.Agents.Restore(ctx, a.ID)
	if err == nil {
		c.check("UndeleteAgent", nil, back.Status)
	} else {
		c.check("UndeleteAgent", err)
	}
	return a.ID
}

func skills(ctx context.Context, client *modus.Client, c *caller) int64 {
	// GroupPermissions and SharedWith are required: a nil map or slice would be sent as null.
	access := &modus.SkillAccessConfig{Visibility: modus.VisibilityPrivate, Guardrails: []string{"no PII"},
		GroupPermissions: map[string]modus.SkillGroupPermission{"group_eng": {Use: true, Manage: false}},
		SharedWith:       []modus.SkillSharedUser{{Email: "bob@example.com", Permission: modus.Ptr(modus.SharePermissionUse)}}}
	s, err := client.Skills.Create(ctx, modus.CreateSkillRequest{Name: "Churn analyst", Description: modus.Ptr("explains churn"),
		Model: modus.Ptr("anthropic/claude-sonnet-4.6"), Instructions: []string{"Be concise."}, ExpectedOutput: modus.Ptr("a paragraph"),
		Toolset: &modus.Toolset{Tools: []modus.ToolsetTool{{ID: "sql_runner", Enabled: modus.Ptr(true)}}}, AccessConfig: access})
	c.check("CreateSkill", err)
	if err != nil {
		return 0
	}
	got, err := client.Skills.Get(ctx, s.ID, &modus.SkillGetParams{View: modus.Ptr(modus.ViewDraft)})
	c.check("GetSkill", err, nameOf(got))
	page, err := client.Skills.List(ctx, &modus.SkillListParams{PageSize: modus.Ptr(5), View: modus.Ptr(modus.ViewDraft),
		Search: modus.Ptr("churn"), ManagerID: modus.Ptr(int64(1)), IncludeVariation: modus.Ptr(true)})
	c.check("ListSkills", err, pageLen(page))
	up, err := client.Skills.Update(ctx, s.ID, &modus.SkillUpdateParams{UpdateMask: modus.Ptr("model,description")},
		modus.UpdateSkillRequest{Model: modus.Null[string](), Description: modus.Ptr("explains churn well")})
	c.check("UpdateSkill", err, nameOf(up))
	// The API changes a skill's manager only on its own.
	up, err = client.Skills.Update(ctx, s.ID, nil, modus.UpdateSkillRequest{ManagerID: modus.Null[int64]()})
	c.check("UpdateSkill", err, nameOf(up))
	dep, err := client.Skills.Deploy(ctx, s.ID, modus.DeploySkillRequest{ExpectedMainShaOverride: modus.Ptr("abc123")})
	if err == nil && dep.Skill.ActiveVariationID != nil {
		c.check("DeploySkill", nil, dep.Skill.Status)
		v, err := client.Skills.GetVariation(ctx, s.ID, *dep.Skill.ActiveVariationID)
		if err == nil && v.Variation != nil {
			var sv *modus.SkillVariation = v.Variation
			c.check("GetSkillVariation", nil, sv.Instructions)
		} else {
			c.check("GetSkillVariation", err)
		}
	} else {
		c.check("DeploySkill", err)
	}
	mcp, err := client.Skills.ApplyMCPConfig(ctx, s.ID, modus.MCPConfigRequest{Config: modus.MCPConfig{CoreTools: map[string]any{"search": true},
		MCPToolExposure: map[string]any{"mode": "all"}}})
	c.check("PatchSkillMcpConfig", err, mcp != nil)
	chat := modus.ChatRequest{Message: "why do customers churn?", Model: modus.ChatModelClaudeSonnet46}
	r1, err := client.Skills.Chat(ctx, s.ID, chat)
	c.check("ChatWithSkill", err)
	if err == nil {
		r2, err := client.Skills.ContinueChat(ctx, s.ID, r1.ThreadID, chat)
		c.check("ContinueSkillChat", err, contentOf(r2))
		conv, err := client.Skills.Conversations.Get(ctx, s.ID, r1.ThreadID)
		if err == nil {
			var msgs []modus.ConversationMessage = conv.Messages
			c.check("GetConversation", nil, len(msgs), " messages")
		} else {
			c.check("GetConversation", err)
		}
	}
	convs, err := client.Skills.Conversations.List(ctx, s.ID, &modus.ConversationListParams{PageSize: modus.Ptr(5), UserID: modus.Ptr("user_1"),
		ToolName: modus.Ptr("sql_runner"), Timeframe: modus.Ptr(modus.ConversationTimeframe("last_7_days")), IncludeTools: modus.Ptr(true)})
	if err == nil {
		for _, cv := range convs.Items {
			var summary modus.ConversationSummary = cv
			_ = str(summary.Title)
		}
	}
	c.check("ListConversations", err)
	composed, err := client.Skills.ComposeContext(ctx, s.ID, modus.ComposeContextRequest{Message: "explain churn", Limit: modus.Ptr(5)})
	c.check("ComposeSkillContext", err, composed != nil)
	if c.fx.memory != nil {
		c.fx.memory(s.ID)
	}
	mems, err := client.Skills.Memories.List(ctx, s.ID, &modus.MemoryListParams{PageSize: modus.Ptr(5), UserID: modus.Ptr("user_1")}) // Limit is deprecated
	c.check("ListMemories", err, pageLen(mems))
	found, err := client.Skills.Memories.Search(ctx, s.ID, modus.SearchMemoriesRequest{Query: "coffee", Limit: modus.Ptr(5), UserID: modus.Ptr("user_1")})
	c.check("SearchMemories", err, len(found), " found")
	found, err = client.Skills.Memories.Search(ctx, s.ID, modus.SearchMemoriesRequest{Query: "coffee"})
	c.check("SearchMemories", err, len(found), " found")
	if len(found) > 0 {
		var m modus.Memory = found[0]
		c.check("UpdateMemory", client.Skills.Memories.Update(ctx, s.ID, m.ID, &modus.MemoryUpdateParams{UpdateMask: modus.Ptr("memory,metadata")},
			modus.UpdateMemoryRequest{Memory: modus.Ptr("likes tea"), Metadata: map[string]any{"source": "edit"}}))
		c.check("DeleteMemory", client.Skills.Memories.Delete(ctx, s.ID, m.ID))
	}
	tr, err := client.Skills.RequestOwnershipTransfer(ctx, s.ID, modus.TransferOwnershipRequest{NewOwnerUserID: "user_bob"})
	c.check("RequestSkillOwnershipTransfer", err, nameOf(tr))
	_, err = client.Skills.CancelOwnershipTransfer(ctx, s.ID)
	c.check("CancelSkillOwnershipTransfer", err)
	_, _ = client.Skills.RequestOwnershipTransfer(ctx, s.ID, modus.TransferOwnershipRequest{NewOwnerUserID: "user_bob"})
	acc, err := client.Skills.AcceptOwnershipTransfer(ctx, s.ID)
	c.check("AcceptSkillOwnershipTransfer", err, nameOf(acc))
	c.check("DeleteSkill", client.Skills.Delete(ctx, s.ID))
	back, err := client.Skills.Restore(ctx, s.ID)
	c.check("UndeleteSkill", err, nameOf(back))
	return s.ID
}

func contextItems(ctx context.Context, client *modus.Client, c *caller) {
	note, err := client.Context.CreateNote(ctx, modus.CreateNoteRequest{Title: "Fiscal year", Content: "Starts in February."})
	if err != nil {
		c.check("CreateNote", err)
		return
	}
	c.check("CreateNote", nil, note.ContextItemID, " ", str(note.Title))
	link, err := client.Context.CreateLink(ctx, modus.CreateLinkRequest{URL: "https://example.com", Title: modus.Ptr("Example"),
		IsCrawl: modus.Ptr(true), PageLimit: modus.Ptr(int64(5))})
	c.check("CreateLink", err, createdTitle(link))
	connID := "conn_1"
	if c.fx.connection != nil {
		connID = c.fx.connection()
	}
	_, err = client.Context.CreateSavedQuery(ctx, modus.CreateSavedQueryRequest{Name: "Active users", ConnectionID: connID,
		Description: modus.Ptr("daily actives"), Path: []string{"queries"}, Query: modus.Ptr("select 1")})
	c.check("CreateSavedQuery", err)
	_, err = client.Context.CreateDimension(ctx, modus.CreateDimensionRequest{Name: "region", Description: "sales region", Expr: "region",
		DataType: modus.Ptr("string"), SampleValues: modus.Ptr("EU, US"), Synonyms: []string{"area"}, Unique: modus.Ptr(false)})
	c.check("CreateDimension", err)
	_, err = client.Context.CreateFact(ctx, modus.CreateFactRequest{Name: "amount", Description: "order amount", Expr: "amount",
		AccessModifier: modus.Ptr("public"), Aggregation: modus.Ptr("sum"), DataType: modus.Ptr("number"), Synonyms: []string{"total"}})
	c.check("CreateFact", err)
	_, err = client.Context.CreateFilter(ctx, modus.CreateFilterRequest{Name: "eu", Description: "EU only", Expr: "region = 'EU'", Synonyms: []string{"europe"}})
	c.check("CreateFilter", err)
	_, err = client.Context.CreateMetric(ctx, modus.CreateMetricRequest{Name: "revenue", Description: "sum of amounts", Expr: "sum(amount)",
		AccessModifier: modus.Ptr("public"), Format: modus.Ptr("currency")})
	c.check("CreateMetric", err)

	item, err := client.Context.Get(ctx, note.ContextItemID)
	if err == nil {
		var kind modus.ContextItemKind = item.ContextType
		var verdict modus.UserFeedback = item.UserFeedback
		c.check("GetContextItem", nil, kind, " ", verdict, " ", str(item.Description), " ", item.LastUpdateMetadata == nil)
	} else {
		c.check("GetContextItem", err)
	}
	page, err := client.Context.List(ctx, &modus.ContextItemListParams{PageSize: modus.Ptr(5), ContextTypes: []modus.ContextItemKind{modus.KindNote, "salesforce_object_field"},
		VerificationStatuses: []modus.UserFeedback{modus.FeedbackNeutral, modus.FeedbackPositive}, SearchQuery: modus.Ptr("fiscal"), Topics: []string{"finance"}})
	if err == nil {
		c.check("ListContextItems", nil, len(page.Items), " items, total ", page.TotalCount != nil)
	} else {
		c.check("ListContextItems", err)
	}
	found, err := client.Context.Lookup(ctx, modus.LookupContextItemRequest{ContextType: modus.KindNote, DataPath: []string{"notes", "Fiscal year"},
		ContentProjection: &modus.ContentProjection{Fields: []string{"title"}, Arrays: map[string][]string{"rows": {"id"}}}})
	if err == nil {
		var row *modus.ContextItemRow = found.Item
		c.check("LookupContextItem", nil, row != nil)
	} else {
		c.check("LookupContextItem", err)
	}
	// No match is not an error: Item is nil.
	miss, err := client.Context.Lookup(ctx, modus.LookupContextItemRequest{ContextType: modus.KindNote, DataPath: []string{"nowhere"}})
	if err == nil {
		c.check("LookupContextItem", nil, miss.Item == nil)
	} else {
		c.check("LookupContextItem", err)
	}
	uid := note.ContextItemID
	if c.fx.valuesItem != nil {
		uid = c.fx.valuesItem()
	}
	vals, err := client.Context.Values(ctx, uid, &modus.ContextItemValuesParams{ContextType: "salesforce_object_field", ContentKeyPath: "enumValues",
		PageSize: modus.Ptr(2), Offset: modus.Ptr(0), SearchQuery: modus.Ptr("a"), DataPathPrefix: []string{"salesforce"}})
	c.check("ListContextItemValues", err, pageLen(vals))
	// No updateMask: Update derives it; Null clears the description and an
	// empty list the topics.
	upd, err := client.Context.Update(ctx, note.ContextItemID, nil, modus.UpdateContextItemRequest{Description: modus.Null[string](),
		Topics: []string{}, UserFeedback: modus.Ptr(modus.FeedbackPositive), Content: map[string]any{"title": "Fiscal year", "content": "February"},
		ContextType: modus.Ptr(modus.KindNote)})
	if err == nil {
		var u modus.UpdatedContextItem = *upd
		c.check("UpdateContextItem", nil, u.UID)
	} else {
		c.check("UpdateContextItem", err)
	}
	del, err := client.Context.Delete(ctx, note.ContextItemID)
	if err == nil {
		var d modus.DeletedContextItem = *del
		c.check("DeleteContextItem", nil, d.ContextType)
	} else {
		c.check("DeleteContextItem", err)
	}
}

func runs(ctx context.Context, client *modus.Client, c *caller, agentID, skillID int64) {
	stream, err := client.Runs.Create(ctx, modus.CreateRunRequest{Message: "Hello", SessionID: "everycall",
		Action: modus.Ptr(modus.RunActionChat), FileThreadID: modus.Ptr("thread_files"), RunID: modus.Ptr("6f1c2b8e-0000-4000-8000-000000000001")})
	c.check("CreateRun", collect(stream, err))
	wf, err := client.Runs.ExecuteWorkflowAction(ctx, modus.WorkflowActionRequest{SessionID: "everycall", WorkflowAction: map[string]any{"type": "run"},
		AutomationID: modus.Ptr(fmt.Sprint(agentID)), FileThreadID: modus.Ptr("thread_files"), PreviousOutputs: []map[string]any{{"skill": skillID}},
		RunID: modus.Ptr("6f1c2b8e-0000-4000-8000-000000000002"), Source: modus.Ptr(modus.WorkflowActionSourceAPI), UserTimezone: modus.Ptr("UTC")})
	c.check("ExecuteWorkflowAction", collect(wf, err))
	again, err := client.Runs.Stream(ctx, "6f1c2b8e-0000-4000-8000-000000000001", "")
	c.check("StreamRun", collect(again, err))
}

// collect reads a run stream to its end, looking at every event's fields.
func collect(s *modus.RunStream, err error) error {
	if err != nil {
		return err
	}
	for ev, err := range s.All() {
		if err != nil {
			return err
		}
		var t modus.EventType = ev.EventType()
		switch ev := ev.(type) {
		case *modus.TokenEvent:
			_ = ev.Content
		case *modus.DoneEvent:
			_ = ev.RunID + str(ev.ThreadID)
		case *modus.ErrorEvent:
			var code modus.ErrorCode = ev.Code
			_ = ev.Message + string(code)
		case *modus.NoticeEvent:
			var sev modus.NoticeSeverity = ev.Severity
			_ = sev
		case *modus.ToolEvent, *modus.CancelledEvent, *modus.HeartbeatEvent, *modus.UnknownEvent:
		}
		_ = t
	}
	return nil
}

func pageLen[T any](p *modus.Page[T]) string {
	if p == nil {
		return ""
	}
	return fmt.Sprintf("%d items, more: %v", len(p.Items), p.HasNext())
}

func contentOf(r *modus.ChatResponse) string {
	if r == nil {
		return ""
	}
	return r.Content
}

func nameOf(s *modus.Skill) string {
	if s == nil {
		return ""
	}
	return s.Name + " (" + string(s.Status) + ")"
}

func createdTitle(c *modus.CreatedContextItem) string {
	if c == nil {
		return ""
	}
	return str(c.Title)
}
