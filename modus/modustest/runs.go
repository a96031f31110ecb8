package modustest

// SSE: the three stream operations go through the generated strict server.
// Its text/event-stream response copies the Body reader to the client and
// flushes after every read, so we hand it an io.Pipe and write one whole
// frame per Write: each frame is flushed on its own. To drop a stream the
// writer closes the pipe with errDropStream; the error handler then panics
// with http.ErrAbortHandler so the client sees a broken connection rather
// than a clean end. No hand-written routing is needed.

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/modus-data/modus-sdk-go/gen"
	"github.com/modus-data/modus-sdk-go/modus/modustest/internal/server"
)

// frame is one stored SSE event and the pause before it.
type frame struct {
	id    string
	data  []byte
	pause time.Duration
}

// bytes is the frame as sent: one data: line per line of the data (CR LF,
// CR and LF all end a line in SSE).
func (f frame) bytes() []byte {
	var b strings.Builder
	b.WriteString("id: " + f.id + "\n")
	data := strings.ReplaceAll(strings.ReplaceAll(string(f.data), "\r\n", "\n"), "\r", "\n")
	for line := range strings.SplitSeq(data, "\n") {
		b.WriteString("data: " + line + "\n")
	}
	b.WriteString("\n")
	return []byte(b.String())
}

// run is a run or workflow action with all its events. The fake produces a
// run's events at once, so a run is complete as soon as it exists; streams
// replay the stored events, with the script's pauses, drops and hang.
type run struct {
	id       string
	kind     string // "run" (CreateRun) or "action" (ExecuteWorkflowAction)
	threadID string
	ms       int64
	bodyHash [32]byte
	frames   []frame
	drops    map[int]bool // Drop points not reached yet, by frame index; guarded by Server.mu
	hang     bool         // the stream stays open after the last frame
}

// add stores event as the next frame; id "" gives <start ms>-<index>.
func (r *run) add(event any, id string, pause time.Duration) {
	b, ok := event.(rawData)
	if !ok {
		b, _ = json.Marshal(event)
	}
	if id == "" {
		id = fmt.Sprintf("%d-%d", r.ms, len(r.frames))
	}
	r.frames = append(r.frames, frame{id: id, data: b, pause: pause})
}

// after returns the index of the first frame after lastID ("" or "0": all).
func (r *run) after(lastID string) (int, error) {
	if lastID == "" || lastID == "0" {
		return 0, nil
	}
	if i := slices.IndexFunc(r.frames, func(f frame) bool { return f.id == lastID }); i >= 0 {
		return i + 1, nil
	}
	msStr, seqStr, ok := strings.Cut(lastID, "-")
	ms, err1 := strconv.ParseInt(msStr, 10, 64)
	seq, err2 := strconv.ParseInt(seqStr, 10, 64)
	if !ok || err1 != nil || err2 != nil || seq < 0 {
		return 0, invalid("invalid Last-Event-ID %q", lastID)
	}
	switch {
	case ms < r.ms:
		return 0, nil
	case ms > r.ms || seq >= int64(len(r.frames)):
		return len(r.frames), nil
	}
	return int(seq) + 1, nil
}

// runSteps is what a run of CreateRun streams: the server's event script,
// else its token script, else an echo of the message word by word, then
// done.
func (st *state) runSteps(message string) []Step {
	if st.events != nil {
		return st.events
	}
	return Tokens(st.tokens(message)...)
}

// actionSteps is what a workflow action streams: the server's event
// script, else the tool call around the tokens.
func (st *state) actionSteps(tool string, input map[string]any) func(r *run) []Step {
	return func(r *run) []Step {
		if st.events != nil {
			return st.events
		}
		callID := "call_" + r.id
		steps := []Step{ToolStart(tool, callID, input)}
		steps = append(steps, Tokens(st.tokens("action "+tool)...)...)
		return append(steps, ToolEnd(tool, callID, map[string]any{"ok": true}))
	}
}

// tokens is the token script, else an echo of message word by word.
func (st *state) tokens(message string) []string {
	if len(st.words) > 0 {
		return st.words
	}
	words := strings.Fields(answer(message))
	for i := range words[1:] {
		words[i+1] = " " + words[i+1]
	}
	return words
}

func hashBody(v any) [32]byte {
	b, _ := json.Marshal(v)
	return sha256.Sum256(b)
}

// startOrResume finds the run an idempotency key names, or makes a new one
// with build. conflict is true when the key was used with another body.
func (st *state) startOrResume(kind, key string, hash [32]byte, build func(r *run)) (r *run, conflict bool) {
	if key != "" {
		if old, ok := st.idem[kind+"\x00"+key]; ok {
			return old, old.bodyHash != hash
		}
	}
	st.seq++
	id := key
	if id == "" {
		id = fmt.Sprintf("run_%d", st.seq)
	}
	if _, taken := st.runs[id]; taken { // a key reused by the other kind of run
		id = fmt.Sprintf("%s_%d", id, st.seq)
	}
	r = &run{id: id, kind: kind, threadID: fmt.Sprintf("thread_%d", st.seq), ms: time.Now().UnixMilli(),
		bodyHash: hash, drops: map[int]bool{}}
	build(r)
	st.runs[r.id] = r
	if key != "" {
		st.idem[kind+"\x00"+key] = r
	}
	return r, false
}

// wantsJSON: CreateRun answers JSON only when the client asks for it and
// not for an event stream.
func wantsJSON(accept string) bool {
	return strings.Contains(accept, "application/json") && !strings.Contains(accept, "text/event-stream")
}

// stream writes the frames of r from start on into a pipe, one Write per
// frame, pausing, dropping and hanging as the script and the fault rules
// say. The goroutine ends when the frames are written, the reader is
// closed, or ctx (the request) ends.
func (h *api) stream(ctx context.Context, r *run, start int) io.Reader {
	ri := info(ctx)
	ri.streaming = true
	sf := streamFaults{drop: ri.drop, stall: h.faults.takeStall(ri.method, ri.path), interval: h.faults.interval()}
	pr, pw := io.Pipe()
	h.streams.Add(1)
	go func() {
		defer h.streams.Done()
		pw.CloseWithError(h.write(ctx, pw, r, start, sf))
	}()
	return pr
}

// streamFaults are what the fault rules do to one stream.
type streamFaults struct {
	drop     int   // events after which the stream breaks; -1: none
	stall    stall // where and how long the stream stops
	interval time.Duration
}

// write streams r's frames from start; nil is a clean end, errDropStream a
// broken connection.
func (h *api) write(ctx context.Context, w io.Writer, r *run, start int, sf streamFaults) error {
	for i := start; i < len(r.frames); i++ {
		if i-start == sf.stall.events && !sf.stall.wait(ctx) {
			return errDropStream
		}
		if i-start == sf.drop || h.takeScriptDrop(r, i) {
			return errDropStream
		}
		wait := r.frames[i].pause
		if i > start {
			wait += sf.interval
		}
		if !sleep(ctx, wait) {
			return errDropStream
		}
		if _, err := w.Write(r.frames[i].bytes()); err != nil {
			return err
		}
	}
	if sf.stall.events >= len(r.frames)-start && !sf.stall.wait(ctx) {
		return errDropStream
	}
	if h.takeScriptDrop(r, len(r.frames)) {
		return errDropStream
	}
	if r.hang {
		<-ctx.Done()
		return errDropStream
	}
	return nil
}

// takeScriptDrop reports whether a Drop step of r's script sits before
// frame i and no stream has reached it yet.
func (h *api) takeScriptDrop(r *run, i int) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !r.drops[i] {
		return false
	}
	delete(r.drops, i)
	return true
}

// conflictRun is what a reused Idempotency-Key with another body streams:
// one error event (a 409 conflict reported inside the stream).
func conflictRun() *run {
	r := &run{ms: time.Now().UnixMilli()}
	r.play([]Step{Error("Idempotency-Key reused with a different request body")})
	return r
}

// startRun finds the run an idempotency key (the header, else the body's
// runId) names, or starts one of kind with steps, and returns it with the
// index of the first frame to stream after the request's Last-Event-ID. A
// key reused with another body gives conflictRun.
func (h *api) startRun(ctx context.Context, kind string, header, runID *string, body any, steps func(r *run) []Step) (*run, int, bool, error) {
	key := deref(header)
	if key == "" {
		key = deref(runID)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	r, conflicted := h.state.startOrResume(kind, key, hashBody(body), func(r *run) { r.play(steps(r)) })
	if conflicted {
		return conflictRun(), 0, true, nil
	}
	start, err := r.after(info(ctx).lastEventID)
	return r, start, false, err
}

func checkOrg(id string) error {
	if id == "" {
		return invalid("organizationId is required")
	}
	if id != DefaultOrganizationID {
		return forbidden("organizationId %q does not match the token's organization", id)
	}
	return nil
}

// CreateRun starts a chat run and streams its events (or answers 201 with
// the run id when the client accepts only JSON). The body names no agent, so
// the run is not added to any agent's history: ListAgentRuns shows workflow
// runs (in the API, Temporal's), not these chat runs, which live only on the
// agent host and are read back with StreamRun. Use SeedAgentRun, or
// ExecuteWorkflowAction with automationId, to give an agent a history.
func (h *api) CreateRun(ctx context.Context, req server.CreateRunRequestObject) (server.CreateRunResponseObject, error) {
	b := req.Body
	if err := required("message", b.Message, "sessionId", b.SessionID, "organizationId", b.OrganizationID); err != nil {
		return nil, err
	}
	if b.Action != nil && !b.Action.Valid() {
		return nil, invalid("action must be chat")
	}
	if err := checkOrg(b.OrganizationID); err != nil {
		return nil, err
	}
	steps := func(*run) []Step { return h.state.runSteps(b.Message) }
	r, start, conflicted, err := h.startRun(ctx, "run", req.Params.IdempotencyKey, b.RunID, b, steps)
	if err != nil {
		return nil, err
	}
	if wantsJSON(info(ctx).accept) {
		if conflicted {
			return nil, conflict("Idempotency-Key reused with a different request body")
		}
		return server.CreateRun201JSONResponse{RunID: r.id, Status: "running"}, nil
	}
	return server.CreateRun200TextEventStreamResponse{Body: h.stream(ctx, r, start)}, nil
}

// ExecuteWorkflowAction runs one workflow action and streams its events,
// with the same idempotency and resume rules as CreateRun. When the body's
// automationId names a live agent, the run is added to that agent's
// history (ListAgentRuns, GetAgentRun); otherwise it is in no history.
func (h *api) ExecuteWorkflowAction(ctx context.Context, req server.ExecuteWorkflowActionRequestObject) (server.ExecuteWorkflowActionResponseObject, error) {
	b := req.Body
	if err := required("organizationId", b.OrganizationID, "sessionId", b.SessionID); err != nil {
		return nil, err
	}
	if b.WorkflowAction == nil {
		return nil, invalid("workflowAction is required")
	}
	if err := checkOrg(b.OrganizationID); err != nil {
		return nil, err
	}
	tool, _ := b.WorkflowAction["toolName"].(string)
	if tool == "" {
		tool, _ = b.WorkflowAction["toolId"].(string)
	}
	steps := func(r *run) []Step {
		if b.AutomationID != nil {
			if agentID, err := strconv.ParseInt(*b.AutomationID, 10, 64); err == nil {
				h.state.recordAgentRun(agentID, r, "workflow action "+tool, "api")
			}
		}
		return h.state.actionSteps(tool, b.WorkflowAction)(r)
	}
	r, start, _, err := h.startRun(ctx, "action", req.Params.IdempotencyKey, b.RunID, b, steps)
	if err != nil {
		return nil, err
	}
	return server.ExecuteWorkflowAction200TextEventStreamResponse{Body: h.stream(ctx, r, start)}, nil
}

func (h *api) StreamRun(ctx context.Context, req server.StreamRunRequestObject) (server.StreamRunResponseObject, error) {
	h.mu.Lock()
	r, ok := h.state.runs[req.RunID]
	start, err := 0, error(nil)
	if ok {
		start, err = r.after(strings.TrimSpace(deref(req.Params.LastEventID)))
	}
	h.mu.Unlock()
	if !ok {
		return nil, notFound("run %s not found", req.RunID)
	}
	if err != nil {
		return nil, err
	}
	return server.StreamRun200TextEventStreamResponse{Body: h.stream(ctx, r, start)}, nil
}

// recordAgentRun adds the run summary ListAgentRuns shows to the history of
// agent agentID; nothing is recorded when that agent does not exist or is
// deleted.
func (st *state) recordAgentRun(agentID int64, r *run, summary, trigger string) {
	a, err := st.liveAgent(agentID)
	if err != nil {
		return
	}
	t := time.UnixMilli(r.ms).UTC()
	st.addAgentRun(a, gen.RunStatusCompleted, summary, trigger, t, r.id)
}

func (st *state) addAgentRun(a *agent, status gen.RunStatus, summary, trigger string, started time.Time, workflowID string) *gen.AutomationRunDto {
	temporal := st.newUUID().String()
	if workflowID == "" {
		st.seq++
		workflowID = fmt.Sprintf("wf_%d_run_%d", a.dto.ID, st.seq)
	}
	ar := &gen.AutomationRunDto{
		AgentID: a.dto.ID, AgentName: a.dto.Name, AgentType: a.dto.Type, ID: workflowID + ":" + temporal,
		Source: gen.AutomationRunSourceHistory, StartedAt: &started, Status: status, Summary: &summary,
		TemporalRunID: &temporal, TriggerType: &trigger, WorkflowID: workflowID,
	}
	if status != gen.RunStatusRunning && status != gen.RunStatusAwaitingHuman {
		end := started.Add(42 * time.Millisecond)
		ar.EndedAt, ar.DurationMs = &end, ptr(int64(42))
	} else {
		ar.Source = gen.AutomationRunSourceLiveQuery
	}
	st.agentRuns = append(st.agentRuns, ar)
	return ar
}

func (h *api) ListAgentRuns(ctx context.Context, req server.ListAgentRunsRequestObject) (server.ListAgentRunsResponseObject, error) {
	p := req.Params
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, err := h.state.liveAgent(req.ID); err != nil {
		return nil, err
	}
	counts := map[string]int64{}
	var all []gen.AutomationRunListItemDto
	for i := len(h.state.agentRuns) - 1; i >= 0; i-- { // newest first
		ar := h.state.agentRuns[i]
		if ar.AgentID != req.ID {
			continue
		}
		if p.Search != nil && !containsFold(ar.AgentName, *p.Search) {
			continue
		}
		counts[string(ar.Status)]++
		counts["all_executions"]++
		if p.Status != nil && *p.Status != "all_executions" && *p.Status != ar.Status {
			continue
		}
		all = append(all, gen.AutomationRunListItemDto{
			AgentID: ar.AgentID, AgentName: ar.AgentName, AgentType: ar.AgentType, DurationMs: ar.DurationMs,
			EndedAt: ar.EndedAt, ID: ar.ID, StartedAt: ar.StartedAt, Status: ar.Status, Summary: ar.Summary,
			TemporalRunID: ar.TemporalRunID, TriggerType: ar.TriggerType, WorkflowID: ar.WorkflowID,
		})
	}
	page, next, err := paginate(all, p.PageToken, p.PageSize, 25, 100,
		queryHash("ListAgentRuns", req.ID, p.Status, p.Timeframe, p.ApprovalScope, p.Search))
	if err != nil {
		return nil, err
	}
	c := gen.AutomationRunCountsDto{
		AllExecutions: ptr(counts["all_executions"]), AwaitingHuman: ptr(counts["awaiting_human"]),
		Completed: ptr(counts["completed"]), Error: ptr(counts["error"]), Running: ptr(counts["running"]),
	}
	return server.ListAgentRuns200JSONResponse{Runs: nonNil(page), NextPageToken: next, Counts: c}, nil
}

func (h *api) GetAgentRun(ctx context.Context, req server.GetAgentRunRequestObject) (server.GetAgentRunResponseObject, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, err := h.state.liveAgent(req.ID); err != nil {
		return nil, err
	}
	for _, ar := range h.state.agentRuns {
		if ar.AgentID != req.ID || (ar.ID != req.RunID && ar.WorkflowID != req.RunID) {
			continue
		}
		if t := req.Params.TemporalRunID; t != nil && *t != deref(ar.TemporalRunID) {
			continue
		}
		return server.GetAgentRun200JSONResponse(*ar), nil
	}
	return nil, notFound("run %s of agent %d not found", req.RunID, req.ID)
}
