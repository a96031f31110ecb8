package modus

import (
	"context"
	"iter"
	"net/http"

	"github.com/modus-data/modus-sdk-go/gen"
)

// The skill operations, with the same shape as the agent ones: ctx, path
// ids, *params (nil for none), body, options.

// Get returns a skill. params.View picks the deployed variation ("active",
// the default) or the draft; nil shows the default. A soft-deleted skill
// answers ErrNotFound.
func (s *SkillsService) Get(ctx context.Context, id int64, params *SkillGetParams, opts ...Option) (*Skill, error) {
	return call[Skill](ctx, s.c, opts, route{op: opGetSkill, ids: ids64(id), plain: params == nil}, func(server string) (*http.Request, error) {
		return gen.NewGetSkillRequest(server, id, params)
	})
}

// List returns one page of the skills the caller may use (soft-deleted ones
// are left out); see All to iterate over every page.
func (s *SkillsService) List(ctx context.Context, params *SkillListParams, opts ...Option) (*Page[Skill], error) {
	return doPage(ctx, s.c, opts, route{op: opListSkills, plain: params == nil}, func(server string) (*http.Request, error) {
		return gen.NewListSkillsRequest(server, params)
	}, func(r *gen.ListSkillsResponseDto) ([]Skill, string) { return r.Skills, nullableToken(r.NextPageToken) })
}

// All iterates over every skill List would return, page after page; params
// is never modified.
func (s *SkillsService) All(ctx context.Context, params *SkillListParams, opts ...Option) iter.Seq2[Skill, error] {
	return listAll(ctx, params, func(p *SkillListParams, t string) { p.PageToken = &t },
		func(ctx context.Context, p *SkillListParams) (*Page[Skill], error) { return s.List(ctx, p, opts...) })
}

// Create creates a skill as a draft owned by the caller; Deploy makes it active.
func (s *SkillsService) Create(ctx context.Context, body CreateSkillRequest, opts ...Option) (*Skill, error) {
	return call[Skill](ctx, s.c, opts, route{op: opCreateSkill}, func(server string) (*http.Request, error) {
		return gen.NewCreateSkillRequest(server, body)
	})
}

// Update changes a skill's draft and returns the skill with its draft.
// params.UpdateMask lists the top-level fields to write; without it every
// field set in body is written. ManagerID must be changed on its own
// (ErrUnprocessable otherwise).
func (s *SkillsService) Update(ctx context.Context, id int64, params *SkillUpdateParams, body UpdateSkillRequest, opts ...Option) (*Skill, error) {
	if err := checkUpdate("UpdateSkill", body, updateMask(params)); err != nil {
		return nil, err
	}
	return call[Skill](ctx, s.c, opts, route{op: opUpdateSkill}, func(server string) (*http.Request, error) {
		return gen.NewUpdateSkillRequest(server, id, params, body)
	})
}

// Delete soft-deletes a skill: Get and List hide it (ErrNotFound) until
// Restore brings it back. Deleting a deleted skill succeeds.
func (s *SkillsService) Delete(ctx context.Context, id int64, opts ...Option) error {
	return callNoContent(ctx, s.c, opts, route{op: opDeleteSkill, ids: ids64(id), plain: true}, func(server string) (*http.Request, error) {
		return gen.NewDeleteSkillRequest(server, id)
	})
}

// Restore undoes a soft delete and returns the skill with the status it had
// before (restoring a live skill changes nothing).
func (s *SkillsService) Restore(ctx context.Context, id int64, opts ...Option) (*Skill, error) {
	return call[Skill](ctx, s.c, opts, route{op: opUndeleteSkill, ids: ids64(id), plain: true}, func(server string) (*http.Request, error) {
		return gen.NewUndeleteSkillRequest(server, id)
	})
}

// Deploy publishes a skill's draft as its active variation.
func (s *SkillsService) Deploy(ctx context.Context, id int64, body DeploySkillRequest, opts ...Option) (*SkillDeployment, error) {
	return call[SkillDeployment](ctx, s.c, opts, route{op: opDeploySkill}, func(server string) (*http.Request, error) {
		return gen.NewDeploySkillRequest(server, id, body)
	})
}

// GetVariation returns the skill with one of its variations, current or
// past, by variation id (such as a former ActiveVariationID).
func (s *SkillsService) GetVariation(ctx context.Context, id int64, variationID UUID, opts ...Option) (*Skill, error) {
	return call[Skill](ctx, s.c, opts, route{op: opGetSkillVariation}, func(server string) (*http.Request, error) {
		return gen.NewGetSkillVariationRequest(server, id, variationID)
	})
}

// ApplyMCPConfig replaces how the skill appears to MCP clients and returns
// the configuration now in force.
func (s *SkillsService) ApplyMCPConfig(ctx context.Context, id int64, body MCPConfigRequest, opts ...Option) (*MCPConfigResponse, error) {
	return call[MCPConfigResponse](ctx, s.c, opts, route{op: opApplySkillMcpConfig}, func(server string) (*http.Request, error) {
		return gen.NewApplySkillMCPConfigRequest(server, id, body)
	})
}

// Chat sends a message to skill id in a new conversation thread and waits
// for the whole answer; continue with ContinueChat and the answer's
// ThreadID. Unlike Client.Runs.Create, which talks to the organization's
// Modus agent, the answer comes from this skill (its instructions, model
// and context).
func (s *SkillsService) Chat(ctx context.Context, id int64, body ChatRequest, opts ...Option) (*ChatResponse, error) {
	return call[ChatResponse](ctx, s.c, opts, route{op: opChatWithSkill, body: body}, func(server string) (*http.Request, error) {
		return gen.NewChatWithSkillRequest(server, id, body)
	})
}

// ContinueChat sends a follow-up message in an existing thread of the skill
// (ErrNotFound if the thread is not this skill's).
func (s *SkillsService) ContinueChat(ctx context.Context, id int64, threadID string, body ChatRequest, opts ...Option) (*ChatResponse, error) {
	if err := checkID("ContinueSkillChat", "threadID", threadID); err != nil {
		return nil, err
	}
	return call[ChatResponse](ctx, s.c, opts, route{op: opContinueSkillChat, body: body}, func(server string) (*http.Request, error) {
		return gen.NewContinueSkillChatRequest(server, id, threadID, body)
	})
}

// ComposeContext runs the published skill's context retrieval for a
// message, without calling a model, and returns the composed context.
func (s *SkillsService) ComposeContext(ctx context.Context, id int64, body ComposeContextRequest, opts ...Option) (*ComposedContext, error) {
	return call[ComposedContext](ctx, s.c, opts, route{op: opComposeSkillContext}, func(server string) (*http.Request, error) {
		return gen.NewComposeSkillContextRequest(server, id, body)
	})
}

// RequestOwnershipTransfer offers the skill to another user (ErrConflict if
// a transfer is already pending).
func (s *SkillsService) RequestOwnershipTransfer(ctx context.Context, id int64, body TransferOwnershipRequest, opts ...Option) (*Skill, error) {
	return call[Skill](ctx, s.c, opts, route{op: opRequestSkillOwnershipTransfer}, func(server string) (*http.Request, error) {
		return gen.NewRequestSkillOwnershipTransferRequest(server, id, body)
	})
}

// AcceptOwnershipTransfer makes the caller, the user the pending transfer
// names, the owner (ErrNotFound when none is pending).
func (s *SkillsService) AcceptOwnershipTransfer(ctx context.Context, id int64, opts ...Option) (*Skill, error) {
	return call[Skill](ctx, s.c, opts, route{op: opAcceptSkillOwnershipTransfer, ids: ids64(id), plain: true}, func(server string) (*http.Request, error) {
		return gen.NewAcceptSkillOwnershipTransferRequest(server, id)
	})
}

// CancelOwnershipTransfer withdraws a pending transfer (ErrNotFound when
// none is pending).
func (s *SkillsService) CancelOwnershipTransfer(ctx context.Context, id int64, opts ...Option) (*Skill, error) {
	return call[Skill](ctx, s.c, opts, route{op: opCancelSkillOwnershipTransfer, ids: ids64(id), plain: true}, func(server string) (*http.Request, error) {
		return gen.NewCancelSkillOwnershipTransferRequest(server, id)
	})
}

// Get returns a conversation thread with all its messages, oldest first.
// skillID only scopes the permission check (0 looks across all skills).
func (s *ConversationsService) Get(ctx context.Context, skillID int64, threadID string, opts ...Option) (*Conversation, error) {
	if err := checkID("GetConversation", "threadID", threadID); err != nil {
		return nil, err
	}
	return call[Conversation](ctx, s.c, opts, route{op: opGetConversation, ids: idsOf(skillID, threadID), plain: true}, func(server string) (*http.Request, error) {
		return gen.NewGetConversationRequest(server, skillID, threadID)
	})
}

// List returns one page of a skill's threads, most recently active first;
// skillID 0 lists the caller's recent threads across all skills. The legacy
// params.Page is ignored once a page token is set.
func (s *ConversationsService) List(ctx context.Context, skillID int64, params *ConversationListParams, opts ...Option) (*ConversationPage, error) {
	r, err := call[gen.ListConversationsResponseDto](ctx, s.c, opts, route{op: opListConversations, ids: ids64(skillID), plain: params == nil}, func(server string) (*http.Request, error) {
		return gen.NewListConversationsRequest(server, skillID, params)
	})
	if err != nil {
		return nil, err
	}
	return &ConversationPage{Page: Page[ConversationSummary]{Items: r.Conversations, NextPageToken: nullableToken(r.NextPageToken)}, TotalCount: r.TotalCount}, nil
}

// All iterates over every thread List would return, page after page;
// params is never modified.
func (s *ConversationsService) All(ctx context.Context, skillID int64, params *ConversationListParams, opts ...Option) iter.Seq2[ConversationSummary, error] {
	return listAll(ctx, params, func(p *ConversationListParams, t string) { p.PageToken = &t },
		func(ctx context.Context, p *ConversationListParams) (*Page[ConversationSummary], error) {
			page, err := s.List(ctx, skillID, p, opts...)
			if err != nil {
				return nil, err
			}
			return &page.Page, nil
		})
}

// List returns one page of a skill's memories. Without PageToken or
// PageSize the API returns up to 100 at once; otherwise 25 a page.
func (s *MemoriesService) List(ctx context.Context, skillID int64, params *MemoryListParams, opts ...Option) (*Page[Memory], error) {
	return doPage(ctx, s.c, opts, route{op: opListMemories, ids: ids64(skillID), plain: params == nil}, func(server string) (*http.Request, error) {
		return gen.NewListMemoriesRequest(server, skillID, params)
	}, func(r *gen.ListMemoriesResponseDto) ([]Memory, string) {
		return r.Memories, nullableToken(r.NextPageToken)
	})
}

// All iterates over every memory of a skill, page after page; params is
// never modified.
func (s *MemoriesService) All(ctx context.Context, skillID int64, params *MemoryListParams, opts ...Option) iter.Seq2[Memory, error] {
	return listAll(ctx, params, func(p *MemoryListParams, t string) { p.PageToken = &t },
		func(ctx context.Context, p *MemoryListParams) (*Page[Memory], error) {
			return s.List(ctx, skillID, p, opts...)
		})
}

// Search returns the memories of a skill that best match a query, at most
// body.Limit of them (default 10). It does not page.
func (s *MemoriesService) Search(ctx context.Context, skillID int64, body SearchMemoriesRequest, opts ...Option) ([]Memory, error) {
	r, err := call[gen.ListMemoriesResponseDto](ctx, s.c, opts, route{op: opSearchMemories}, func(server string) (*http.Request, error) {
		return gen.NewSearchMemoriesRequest(server, skillID, body)
	})
	if err != nil {
		return nil, err
	}
	return r.Memories, nil
}

// Update changes a memory's text or metadata. params.UpdateMask lists the
// fields to write; without it every field set in body is written.
func (s *MemoriesService) Update(ctx context.Context, skillID int64, memoryID string, params *MemoryUpdateParams, body UpdateMemoryRequest, opts ...Option) error {
	if err := checkID("UpdateMemory", "memoryID", memoryID); err != nil {
		return err
	}
	if err := checkUpdate("UpdateMemory", body, updateMask(params)); err != nil {
		return err
	}
	return callNoContent(ctx, s.c, opts, route{op: opUpdateMemory}, func(server string) (*http.Request, error) {
		return gen.NewUpdateMemoryRequest(server, skillID, memoryID, params, body)
	})
}

// Delete deletes a memory; deleting one that is already gone succeeds.
func (s *MemoriesService) Delete(ctx context.Context, skillID int64, memoryID string, opts ...Option) error {
	if err := checkID("DeleteMemory", "memoryID", memoryID); err != nil {
		return err
	}
	return callNoContent(ctx, s.c, opts, route{op: opDeleteMemory, ids: idsOf(skillID, memoryID), plain: true}, func(server string) (*http.Request, error) {
		return gen.NewDeleteMemoryRequest(server, skillID, memoryID)
	})
}
