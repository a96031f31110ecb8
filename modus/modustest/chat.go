package modustest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/modus-data/modus-sdk-go/gen"
	"github.com/modus-data/modus-sdk-go/modus/modustest/internal/server"
)

// thread is a conversation of a skill or of an agent.
type thread struct {
	id       string
	ownerID  int64
	agent    bool // an agent's thread; skill threads are the ones ListConversations shows
	messages []gen.ConversationMessageDto
	created  time.Time
	updated  time.Time
	seq      int64 // orders threads by last activity when time stamps tie
}

// answer is the fake model: a deterministic echo of the message.
func answer(message string) string { return "Echo: " + message }

func checkChat(b *gen.SkillChatRequestDto) error {
	if strings.TrimSpace(b.Message) == "" {
		return invalid("message must not be empty")
	}
	if !b.Model.Valid() {
		return invalid("model %q is not supported", b.Model)
	}
	return nil
}

// chat appends one exchange to th (a new thread when th is nil).
func (st *state) chat(th *thread, ownerID int64, isAgent bool, message string) gen.SkillChatResponseDto {
	t := now()
	if th == nil {
		st.seq++
		th = &thread{id: fmt.Sprintf("thread_%d", st.seq), ownerID: ownerID, agent: isAgent, created: t}
		st.threads[th.id] = th
	}
	st.seq++
	th.seq, th.updated = st.seq, t
	text := answer(message)
	th.messages = append(th.messages,
		gen.ConversationMessageDto{Type: gen.ConversationMessageTypeHuman, Content: message, ID: ptr(fmt.Sprintf("msg_%d_h", st.seq))},
		gen.ConversationMessageDto{Type: gen.ConversationMessageTypeAi, Content: text, ID: ptr(fmt.Sprintf("msg_%d_a", st.seq))},
	)
	return gen.SkillChatResponseDto{Content: text, RunID: "run_" + st.newUUID().String(), ThreadID: th.id}
}

func (st *state) ownThread(threadID string, ownerID int64, isAgent bool) (*thread, error) {
	th, ok := st.threads[threadID]
	if !ok || th.ownerID != ownerID || th.agent != isAgent {
		return nil, notFound("thread %s not found", threadID)
	}
	return th, nil
}

func (h *api) ChatWithSkill(ctx context.Context, req server.ChatWithSkillRequestObject) (server.ChatWithSkillResponseObject, error) {
	resp, err := h.chatTurn(req.ID, "", false, req.Body)
	if err != nil {
		return nil, err
	}
	return server.ChatWithSkill200JSONResponse(resp), nil
}

func (h *api) ContinueSkillChat(ctx context.Context, req server.ContinueSkillChatRequestObject) (server.ContinueSkillChatResponseObject, error) {
	resp, err := h.chatTurn(req.ID, req.ThreadID, false, req.Body)
	if err != nil {
		return nil, err
	}
	return server.ContinueSkillChat200JSONResponse(resp), nil
}

func (h *api) ChatWithAgent(ctx context.Context, req server.ChatWithAgentRequestObject) (server.ChatWithAgentResponseObject, error) {
	resp, err := h.chatTurn(req.ID, "", true, req.Body)
	if err != nil {
		return nil, err
	}
	return server.ChatWithAgent200JSONResponse(resp), nil
}

func (h *api) ContinueAgentChat(ctx context.Context, req server.ContinueAgentChatRequestObject) (server.ContinueAgentChatResponseObject, error) {
	resp, err := h.chatTurn(req.ID, req.ThreadID, true, req.Body)
	if err != nil {
		return nil, err
	}
	return server.ContinueAgentChat200JSONResponse(resp), nil
}

// chatTurn serves the four chat operations: a new thread when threadID is
// empty, else a turn on an existing thread of the same skill or agent.
func (h *api) chatTurn(ownerID int64, threadID string, isAgent bool, body *gen.SkillChatRequestDto) (gen.SkillChatResponseDto, error) {
	if err := checkChat(body); err != nil {
		return gen.SkillChatResponseDto{}, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	var err error
	if isAgent {
		_, err = h.state.liveAgent(ownerID)
	} else {
		_, err = h.state.liveSkill(ownerID)
	}
	if err != nil {
		return gen.SkillChatResponseDto{}, err
	}
	var th *thread
	if threadID != "" {
		if th, err = h.state.ownThread(threadID, ownerID, isAgent); err != nil {
			return gen.SkillChatResponseDto{}, err
		}
	}
	return h.state.chat(th, ownerID, isAgent, body.Message), nil
}

func (th *thread) summary() gen.ConversationListItemDto {
	first := ""
	if len(th.messages) > 0 {
		first = th.messages[0].Content
	}
	return gen.ConversationListItemDto{
		CreatedAt: th.created, UpdatedAt: th.updated, FirstMessage: first, MessageCount: int64(len(th.messages)),
		SkillID: th.ownerID, ThreadID: th.id, Title: ptr(first),
		UserIDs: []string{DefaultUserID},
	}
}

// skillThreads are the threads ListConversations shows for skill id (0:
// all skills) and the filters of p.
func (st *state) skillThreads(id int64, p gen.ListConversationsParams) []*thread {
	var ths []*thread
	for _, th := range st.threads {
		mine := !th.agent && (id == 0 || th.ownerID == id)
		// The fake has one user, and its threads call no tools.
		filtered := (p.UserID != nil && *p.UserID != DefaultUserID) || p.ToolName != nil
		if mine && !filtered {
			ths = append(ths, th)
		}
	}
	return ths
}

// legacyPageToken is the page token to use: token, else one that starts
// at the legacy page number page (of size items).
func legacyPageToken(token *string, page *int, size int, q uint64) (*string, error) {
	if (token != nil && *token != "") || page == nil {
		return token, nil
	}
	if *page < 0 {
		return nil, invalid("page must not be negative")
	}
	return ptr(makeToken(*page*size, q)), nil
}

// ListConversations lists a skill's threads, most recently active first;
// skill id 0 lists the threads of all skills.
func (h *api) ListConversations(ctx context.Context, req server.ListConversationsRequestObject) (server.ListConversationsResponseObject, error) {
	p := req.Params
	h.mu.Lock()
	defer h.mu.Unlock()
	if req.ID != 0 {
		if _, err := h.state.liveSkill(req.ID); err != nil {
			return nil, err
		}
	}
	ths := h.state.skillThreads(req.ID, p)
	slices.SortFunc(ths, func(a, b *thread) int { return int(b.seq - a.seq) })
	all := make([]gen.ConversationListItemDto, 0, len(ths))
	for _, th := range ths {
		s := th.summary()
		if p.IncludeTools != nil && *p.IncludeTools {
			s.ToolsUsed = []string{}
		}
		all = append(all, s)
	}
	q := queryHash("ListConversations", req.ID, p.UserID, p.ToolName, p.Timeframe, p.IncludeTools)
	size, err := pageSize(p.PageSize, 10, 100)
	if err != nil {
		return nil, err
	}
	token, err := legacyPageToken(p.PageToken, p.Page, size, q)
	if err != nil {
		return nil, err
	}
	page, next, err := paginate(all, token, &size, size, 100, q)
	if err != nil {
		return nil, err
	}
	resp := server.ListConversations200JSONResponse{
		Conversations: nonNil(page), NextPageToken: next, TotalCount: int64(len(all)), PageSize: ptr(int64(size)),
	}
	if p.Page != nil { // echoed back, as the legacy field is
		resp.Page = ptr(int64(*p.Page))
	}
	return resp, nil
}

// GetConversation returns a thread by its id whatever skill id the path
// holds: as openapi.json says, the id only scopes the permission check (0
// for all skills) and does not mean the skill owns the thread. The skill
// must exist and not be deleted; skillId in the answer is the skill (or
// agent) the thread was started with.
func (h *api) GetConversation(ctx context.Context, req server.GetConversationRequestObject) (server.GetConversationResponseObject, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if req.ID != 0 {
		if _, err := h.state.liveSkill(req.ID); err != nil {
			return nil, err
		}
	}
	th, ok := h.state.threads[req.ThreadID]
	if !ok {
		return nil, notFound("thread %s not found", req.ThreadID)
	}
	return server.GetConversation200JSONResponse{
		CreatedAt: th.created, UpdatedAt: th.updated, Messages: slices.Clone(th.messages),
		SkillID: th.ownerID, ThreadID: th.id,
	}, nil
}

// memoryUser is the metadata key ListMemories' userId filter looks at.
const memoryUser = "userId"

// ListMemories pages a skill's memories as openapi.json describes it: at
// most 1000 in all (later ones are never listed); without pageSize, limit
// or pageToken one page of up to 100, otherwise 25 a page by default;
// pageSize is clamped to 100, its legacy alias limit to 1000.
func (h *api) ListMemories(ctx context.Context, req server.ListMemoriesRequestObject) (server.ListMemoriesResponseObject, error) {
	p := req.Params
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, err := h.state.liveSkill(req.ID); err != nil {
		return nil, err
	}
	var all []gen.MemoryDto
	for _, m := range h.state.memories[req.ID] {
		if p.UserID != nil && m.Metadata[memoryUser] != *p.UserID {
			continue
		}
		all = append(all, *m)
	}
	if len(all) > 1000 {
		all = all[:1000]
	}
	def, max, size := 25, 100, p.PageSize
	if size == nil && p.Limit != nil {
		size, max = p.Limit, 1000
	}
	if p.PageToken == nil && size == nil {
		def = 100
	}
	page, next, err := paginate(all, p.PageToken, size, def, max, queryHash("ListMemories", req.ID, p.UserID))
	if err != nil {
		return nil, err
	}
	return server.ListMemories200JSONResponse{Memories: nonNil(page), NextPageToken: next}, nil
}

// SearchMemories ranks by a case-insensitive substring match instead of
// semantic similarity.
func (h *api) SearchMemories(ctx context.Context, req server.SearchMemoriesRequestObject) (server.SearchMemoriesResponseObject, error) {
	b := req.Body
	if strings.TrimSpace(b.Query) == "" {
		return nil, invalid("query must not be empty")
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, err := h.state.liveSkill(req.ID); err != nil {
		return nil, err
	}
	limit := 10
	if b.Limit != nil && *b.Limit > 0 {
		limit = *b.Limit
	}
	out := []gen.MemoryDto{}
	for _, m := range h.state.memories[req.ID] {
		if b.UserID != nil && m.Metadata[memoryUser] != *b.UserID {
			continue
		}
		if containsFold(m.Memory, b.Query) && len(out) < limit {
			out = append(out, *m)
		}
	}
	return server.SearchMemories200JSONResponse{Memories: out, NextPageToken: nil}, nil
}

func (h *api) UpdateMemory(ctx context.Context, req server.UpdateMemoryRequestObject) (server.UpdateMemoryResponseObject, error) {
	apply, err := mask(req.Params.UpdateMask, "memory", "metadata")
	if err != nil {
		return nil, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, err := h.state.liveSkill(req.ID); err != nil {
		return nil, err
	}
	i := slices.IndexFunc(h.state.memories[req.ID], func(m *gen.MemoryDto) bool { return m.ID == req.MemoryID })
	if i < 0 {
		return nil, notFound("memory %s not found", req.MemoryID)
	}
	m := h.state.memories[req.ID][i]
	if req.Body.Memory != nil && apply("memory") {
		if strings.TrimSpace(*req.Body.Memory) == "" {
			return nil, invalid("memory must not be empty")
		}
		m.Memory = *req.Body.Memory
	}
	if req.Body.Metadata != nil && apply("metadata") {
		m.Metadata = req.Body.Metadata
	}
	m.UpdatedAt = ptr(now())
	return server.UpdateMemory204Response{}, nil
}

func (h *api) DeleteMemory(ctx context.Context, req server.DeleteMemoryRequestObject) (server.DeleteMemoryResponseObject, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, err := h.state.liveSkill(req.ID); err != nil {
		return nil, err
	}
	h.state.memories[req.ID] = slices.DeleteFunc(h.state.memories[req.ID], func(m *gen.MemoryDto) bool { return m.ID == req.MemoryID })
	return server.DeleteMemory204Response{}, nil
}
