package modus_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modus-data/modus-sdk-go/modus"
)

// An agent's variation reads back in the types Create and Update take: what
// was written is what is read, with no JSON round trip through a map.
func TestAgentVariationReadsAsTheWriteTypes(t *testing.T) {
	_, client, _ := newFake(t)
	ctx := context.Background()
	trigger := modus.AgentTrigger{TriggerType: modus.TriggerTypeSchedule, Schedule: &modus.TriggerSchedule{
		Frequency: modus.ScheduleWeekly, Timezone: "UTC", TimeOfDay: modus.Ptr("09:00"),
		Weekdays: []modus.Weekday{modus.Monday},
	}}
	selection := modus.AgentSelection{Model: modus.Ptr("claude-sonnet-4.6"),
		Agents: []modus.AgentSelectionEntry{{AgentID: 7, PriorityOrder: 1, Role: modus.Ptr("analyst")}}}
	graph := modus.WorkflowStructure{
		Nodes: []modus.WorkflowNode{{ID: "n1", Type: modus.WorkflowNodeStart, Data: map[string]any{"label": "go"}}},
		Edges: []modus.WorkflowEdge{{ID: "e1", Source: "n1", Target: "n1"}},
	}
	a, err := client.Agents.Create(ctx, modus.CreateAgentRequest{Name: "Typed", Type: modus.AgentTypeTask,
		Trigger: &trigger, AgentSelection: &selection, WorkflowStructure: &graph})
	require.NoError(t, err)

	got, err := client.Agents.Get(ctx, a.ID, &modus.AgentGetParams{View: modus.Ptr(modus.ViewDraft)})
	require.NoError(t, err)
	require.NotNil(t, got.Variation)
	var v *modus.AgentVariation = got.Variation
	var gotTrigger *modus.AgentTrigger = v.Trigger
	var gotSelection *modus.AgentSelection = v.AgentSelection
	var gotGraph *modus.WorkflowStructure = v.WorkflowStructure
	assert.Equal(t, &trigger, gotTrigger)
	assert.Equal(t, &selection, gotSelection)
	assert.Equal(t, &graph, gotGraph)

	// An update replaces one field and leaves the others; Null clears to nil.
	up, err := client.Agents.Update(ctx, a.ID, nil, modus.UpdateAgentRequest{
		Trigger: modus.NewNullable(modus.AgentTrigger{TriggerType: modus.TriggerTypeWebhook,
			AdditionalProperties: map[string]any{"path": "hooks/report"}}),
		WorkflowStructure: modus.Null[modus.WorkflowStructure](),
	})
	require.NoError(t, err)
	require.NotNil(t, up.Variation)
	require.NotNil(t, up.Variation.Trigger)
	assert.Equal(t, modus.TriggerTypeWebhook, up.Variation.Trigger.TriggerType)
	assert.Nil(t, up.Variation.Trigger.Schedule)
	// What a trigger type carries beyond the described fields comes back.
	assert.Equal(t, map[string]any{"path": "hooks/report"}, up.Variation.Trigger.AdditionalProperties)
	assert.Equal(t, &selection, up.Variation.AgentSelection)
	assert.Nil(t, up.Variation.WorkflowStructure)

	page, err := client.Agents.List(ctx, &modus.AgentListParams{View: modus.Ptr(modus.ViewDraft), IncludeVariation: modus.Ptr(true)})
	require.NoError(t, err)
	require.Len(t, page.Items, 1)
	require.NotNil(t, page.Items[0].Variation)
	assert.Equal(t, up.Variation, page.Items[0].Variation)
}

// Decoding a variation stays lenient: values outside the known enums and
// fields the types do not name are no error, and null reads as nil. A
// trigger keeps its unnamed fields (the API stores other trigger types'
// payloads as they come); the other three types drop fields they do not name.
func TestAgentVariationDecodesLeniently(t *testing.T) {
	var v modus.AgentVariation
	err := json.Unmarshal([]byte(`{
		"trigger": {"trigger_type": "email", "schedule": {"frequency": "yearly", "timezone": "UTC", "extra": 1}, "inbox": "a@b.c"},
		"workflowStructure": null,
		"agentSelection": {"agents": [{"agent_id": 3, "priority_order": 1, "weight": 2}], "future": true}
	}`), &v)
	require.NoError(t, err)
	require.NotNil(t, v.Trigger)
	assert.Equal(t, modus.TriggerType("email"), v.Trigger.TriggerType)
	assert.Equal(t, modus.ScheduleFrequency("yearly"), v.Trigger.Schedule.Frequency)
	assert.Equal(t, map[string]any{"inbox": "a@b.c"}, v.Trigger.AdditionalProperties, "a trigger keeps fields it does not name")
	b, err := json.Marshal(v.Trigger)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"inbox":"a@b.c"`)
	assert.Nil(t, v.WorkflowStructure)
	require.NotNil(t, v.AgentSelection)
	assert.Equal(t, int64(3), v.AgentSelection.Agents[0].AgentID)

	// Null is written back as null, as the API sends it.
	b, err = json.Marshal(modus.AgentVariation{})
	require.NoError(t, err)
	assert.JSONEq(t, `{"trigger": null, "workflowStructure": null, "agentSelection": null}`, string(b))
}
