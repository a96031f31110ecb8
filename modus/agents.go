package modus

import (
	"context"
	"iter"
	"net/http"

	"github.com/modus-data/modus-sdk-go/gen"
)

// The agent operations. Every method follows one shape: ctx, then path ids,
// then query params as a pointer (nil for none), then the body, then
// per-call options.

// Get returns an agent. params.View picks the deployed variation ("active",
// the default) or the draft; nil shows the default. A soft-deleted agent
// answers ErrNotFound.
func (s *AgentsService) Get(ctx context.Context, id int64, params *AgentGetParams, opts ...Option) (*Agent, error) {
	return call[Agent](ctx, s.c, opts, route{op: opGetAgent, ids: ids64(id), plain: params == nil}, func(server string) (*http.Request, error) {
		return gen.NewGetAgentRequest(server, id, params)
	})
}

// List returns one page of the agents the caller can use (soft-deleted ones
// are left out). Pass the page's NextPageToken as params.PageToken to get
// the next page, or use All.
func (s *AgentsService) List(ctx context.Context, params *AgentListParams, opts ...Option) (*Page[Agent], error) {
	return doPage(ctx, s.c, opts, route{op: opListAgents, plain: params == nil}, func(server string) (*http.Request, error) {
		return gen.NewListAgentsRequest(server, params)
	}, func(r *gen.ListAgentsResponseDto) ([]Agent, string) { return r.Agents, nullableToken(r.NextPageToken) })
}

// All iterates over every agent List would return, page after page,
// starting at params.PageToken if set; params is never modified.
func (s *AgentsService) All(ctx context.Context, params *AgentListParams, opts ...Option) iter.Seq2[Agent, error] {
	return listAll(ctx, params, func(p *AgentListParams, t string) { p.PageToken = &t },
		func(ctx context.Context, p *AgentListParams) (*Page[Agent], error) { return s.List(ctx, p, opts...) })
}

// Create creates an agent as a draft (status "draft") owned by the caller;
// Deploy makes it active.
func (s *AgentsService) Create(ctx context.Context, body CreateAgentRequest, opts ...Option) (*Agent, error) {
	return call[Agent](ctx, s.c, opts, route{op: opCreateAgent}, func(server string) (*http.Request, error) {
		return gen.NewCreateAgentRequest(server, body)
	})
}

// Update changes an agent's draft and returns the agent with its draft.
// params.UpdateMask lists the top-level fields to write (comma-separated);
// without it every field set in body is written. Nullable fields set to
// Null are cleared.
func (s *AgentsService) Update(ctx context.Context, id int64, params *AgentUpdateParams, body UpdateAgentRequest, opts ...Option) (*Agent, error) {
	if err := checkUpdate("UpdateAgent", body, updateMask(params)); err != nil {
		return nil, err
	}
	return call[Agent](ctx, s.c, opts, route{op: opUpdateAgent}, func(server string) (*http.Request, error) {
		return gen.NewUpdateAgentRequest(server, id, params, body)
	})
}

// Delete soft-deletes an agent: it disappears from Get and List (which
// answer ErrNotFound) until Restore brings it back. Deleting a deleted
// agent succeeds.
func (s *AgentsService) Delete(ctx context.Context, id int64, opts ...Option) error {
	return callNoContent(ctx, s.c, opts, route{op: opDeleteAgent, ids: ids64(id), plain: true}, func(server string) (*http.Request, error) {
		return gen.NewDeleteAgentRequest(server, id)
	})
}

// Restore undoes a soft delete and returns the agent, with the status it
// had before (restoring a live agent changes nothing).
func (s *AgentsService) Restore(ctx context.Context, id int64, opts ...Option) (*Agent, error) {
	return call[Agent](ctx, s.c, opts, route{op: opUndeleteAgent, ids: ids64(id), plain: true}, func(server string) (*http.Request, error) {
		return gen.NewUndeleteAgentRequest(server, id)
	})
}

// Deploy publishes an agent's draft as its active variation.
func (s *AgentsService) Deploy(ctx context.Context, id int64, body DeployAgentRequest, opts ...Option) (*AgentDeployment, error) {
	return call[AgentDeployment](ctx, s.c, opts, route{op: opDeployAgent}, func(server string) (*http.Request, error) {
		return gen.NewDeployAgentRequest(server, id, body)
	})
}

// Chat sends a message to agent id, one of your agents, in a new
// conversation thread and waits for the whole answer; continue the thread
// with ContinueChat and the answer's ThreadID. The API has no streamed chat
// with one of your agents: Client.Runs streams, but a run talks to the
// organization's Modus agent, not to agent id.
func (s *AgentsService) Chat(ctx context.Context, id int64, body ChatRequest, opts ...Option) (*ChatResponse, error) {
	return call[ChatResponse](ctx, s.c, opts, route{op: opChatWithAgent, body: body}, func(server string) (*http.Request, error) {
		return gen.NewChatWithAgentRequest(server, id, body)
	})
}

// ContinueChat sends a follow-up message in an existing thread of the agent
// (ErrNotFound if the thread is not this agent's).
func (s *AgentsService) ContinueChat(ctx context.Context, id int64, threadID string, body ChatRequest, opts ...Option) (*ChatResponse, error) {
	if err := checkID("ContinueAgentChat", "threadID", threadID); err != nil {
		return nil, err
	}
	return call[ChatResponse](ctx, s.c, opts, route{op: opContinueAgentChat, body: body}, func(server string) (*http.Request, error) {
		return gen.NewContinueAgentChatRequest(server, id, threadID, body)
	})
}

// RequestOwnershipTransfer offers the agent to another user; the agent
// shows it in PendingOwnershipTransfer until accepted or cancelled
// (ErrConflict if one is already pending).
func (s *AgentsService) RequestOwnershipTransfer(ctx context.Context, id int64, body TransferOwnershipRequest, opts ...Option) (*Agent, error) {
	return call[Agent](ctx, s.c, opts, route{op: opRequestAgentOwnershipTransfer}, func(server string) (*http.Request, error) {
		return gen.NewRequestAgentOwnershipTransferRequest(server, id, body)
	})
}

// AcceptOwnershipTransfer makes the caller, the user the pending transfer
// names, the owner (ErrNotFound when none is pending).
func (s *AgentsService) AcceptOwnershipTransfer(ctx context.Context, id int64, opts ...Option) (*Agent, error) {
	return call[Agent](ctx, s.c, opts, route{op: opAcceptAgentOwnershipTransfer, ids: ids64(id), plain: true}, func(server string) (*http.Request, error) {
		return gen.NewAcceptAgentOwnershipTransferRequest(server, id)
	})
}

// CancelOwnershipTransfer withdraws a pending transfer (ErrNotFound when
// none is pending).
func (s *AgentsService) CancelOwnershipTransfer(ctx context.Context, id int64, opts ...Option) (*Agent, error) {
	return call[Agent](ctx, s.c, opts, route{op: opCancelAgentOwnershipTransfer, ids: ids64(id), plain: true}, func(server string) (*http.Request, error) {
		return gen.NewCancelAgentOwnershipTransferRequest(server, id)
	})
}

// Get returns one past run of an agent, by run id or workflow id;
// params.TemporalRunID picks one Temporal run when the workflow has several.
func (s *AgentRunsService) Get(ctx context.Context, agentID int64, runID string, params *AgentRunGetParams, opts ...Option) (*AgentRun, error) {
	if err := checkID("GetAgentRun", "runID", runID); err != nil {
		return nil, err
	}
	return call[AgentRun](ctx, s.c, opts, route{op: opGetAgentRun, ids: idsOf(agentID, runID), plain: params == nil}, func(server string) (*http.Request, error) {
		return gen.NewGetAgentRunRequest(server, agentID, runID, params)
	})
}

// List returns one page of an agent's runs, newest first, with the
// per-status counts of the whole filtered history (AgentRunPage.Counts).
func (s *AgentRunsService) List(ctx context.Context, agentID int64, params *AgentRunListParams, opts ...Option) (*AgentRunPage, error) {
	r, err := call[gen.ListAutomationRunsResponseDto](ctx, s.c, opts, route{op: opListAgentRuns, ids: ids64(agentID), plain: params == nil}, func(server string) (*http.Request, error) {
		return gen.NewListAgentRunsRequest(server, agentID, params)
	})
	if err != nil {
		return nil, err
	}
	return &AgentRunPage{Page: Page[AgentRunSummary]{Items: r.Runs, NextPageToken: nullableToken(r.NextPageToken)}, Counts: r.Counts}, nil
}

// All iterates over every run of an agent that List would return, page
// after page; params is never modified.
func (s *AgentRunsService) All(ctx context.Context, agentID int64, params *AgentRunListParams, opts ...Option) iter.Seq2[AgentRunSummary, error] {
	return listAll(ctx, params, func(p *AgentRunListParams, t string) { p.PageToken = &t },
		func(ctx context.Context, p *AgentRunListParams) (*Page[AgentRunSummary], error) {
			page, err := s.List(ctx, agentID, p, opts...)
			if err != nil {
				return nil, err
			}
			return &page.Page, nil
		})
}
