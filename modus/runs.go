package modus

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/google/uuid"

	"github.com/modus-data/modus-sdk-go/gen"
)

// Create starts an agent chat run (POST /agent/runs on the agent host) and
// returns its event stream; see RunStream for reading, resuming and
// closing it.
//
// A run talks to the organization's Modus agent (the assistant), not to one
// of your agents: the request names no agent, and there is no agent id to
// set. req.SessionID is an id you choose that ties the turns of one
// conversation together: send the same one for a follow-up. To chat with
// one of your own agents or skills, use Client.Agents.Chat or
// Client.Skills.Chat, which answer in one piece; a run is for a streamed,
// resumable answer from the organization's agent.
//
// The request carries an Idempotency-Key: the one given with
// WithIdempotencyKey, else req.RunID, else a new random UUID. Every attempt
// of the POST sends the same key, so a retried POST re-attaches to the run
// it started instead of starting another, and the key is the run's id for
// resuming. A key reused with a different body makes the server answer with
// an error event; the stream then ends with a *RunError matching
// ErrConflict. An empty req.OrganizationID is filled with the client's
// OrganizationID (WithOrganizationID or MODUS_ORGANIZATION_ID); the API
// requires one, so Create fails before sending anything when neither is set.
//
// An answer other than an event stream is an error before any event: a
// *Error for an error status, a *DecodeError matching ErrNotEventStream for
// a 2xx in another format (such as the 201 JSON answer for polling clients).
func (r *RunsService) Create(ctx context.Context, req CreateRunRequest, opts ...Option) (*RunStream, error) {
	var err error
	if req.OrganizationID, err = r.organizationID("Create", req.OrganizationID); err != nil {
		return nil, err
	}
	return r.c.startRun(ctx, opCreateRun, opts, req.RunID, req, func(server string) (*http.Request, error) {
		return gen.NewCreateRunRequest(server, nil, req)
	})
}

// ExecuteWorkflowAction runs one workflow action step (POST
// /agent/workflow-actions on the agent host) and returns its event stream.
// Idempotency key, organization id, errors and resuming work as for Create.
func (r *RunsService) ExecuteWorkflowAction(ctx context.Context, req WorkflowActionRequest, opts ...Option) (*RunStream, error) {
	var err error
	if req.OrganizationID, err = r.organizationID("ExecuteWorkflowAction", req.OrganizationID); err != nil {
		return nil, err
	}
	return r.c.startRun(ctx, opExecuteWorkflowAction, opts, req.RunID, req, func(server string) (*http.Request, error) {
		return gen.NewExecuteWorkflowActionRequest(server, nil, req)
	})
}

// organizationID returns the run body's organization id: the request's, else
// the client's. The API requires it, so a missing one fails here, with a
// message saying how to set it, rather than as a 400 from the server.
func (r *RunsService) organizationID(op, fromRequest string) (string, error) {
	if fromRequest != "" {
		return fromRequest, nil
	}
	if id := r.c.OrganizationID(); id != "" {
		return id, nil
	}
	return "", fmt.Errorf("modus: Runs.%s: no organization id: set the request's OrganizationID, WithOrganizationID or %s", op, EnvOrganizationID)
}

// Stream attaches to a run already started (GET /agent/runs/{runId}/stream):
// the server replays the run's events after lastEventID ("" for all of them)
// and then sends new ones until the terminal event. Use it to watch a run
// from another process, or to resume a stream that gave up, with the
// RunID and LastEventID of the old one. Events the server replays at or
// before lastEventID are skipped. When lastEventID is the run's last event
// (a browser that saw done and reconnects), the server has nothing more and
// closes at once: the stream then ends without events, and Err matches
// ErrRunEnded.
func (r *RunsService) Stream(ctx context.Context, runID, lastEventID string, opts ...Option) (*RunStream, error) {
	if strings.TrimSpace(runID) == "" {
		runID = "" // blank: refused as empty
	}
	if err := checkID("StreamRun", "runID", runID); err != nil {
		return nil, err
	}
	cfg, err := r.c.config(opts)
	if err != nil {
		return nil, err
	}
	return r.c.startStream(ctx, cfg, route{op: opStreamRun}, streamRunRequest(runID, lastEventID), runID, lastEventID)
}

// startRun sends the POST of Create or ExecuteWorkflowAction with its
// Idempotency-Key and opens the stream.
func (c *Client) startRun(ctx context.Context, op *Operation, opts []Option, bodyRunID *string, body any, build requestFunc) (*RunStream, error) {
	cfg, err := c.config(opts)
	if err != nil {
		return nil, err
	}
	// The key is chosen here, once per call, because the stream needs it
	// too: the API uses it as the run id, the one a dropped stream resumes
	// with. Every attempt of the POST carries it.
	if cfg.idempotencyKey == "" && bodyRunID != nil {
		cfg.idempotencyKey = strings.TrimSpace(*bodyRunID)
	}
	if cfg.idempotencyKey == "" {
		cfg.idempotencyKey = uuid.NewString()
	}
	// The key names the run in the path of every reconnection.
	if err := checkID(op.ID, "run id (RunID or the idempotency key)", cfg.idempotencyKey); err != nil {
		return nil, err
	}
	return c.startStream(ctx, cfg, route{op: op, body: body}, build, cfg.idempotencyKey, "")
}
