// Package modus is the Go client for the Modus API: skills, agents, context
// items, conversations, memories and streamed agent runs.
//
// Create a client once and share it; it is safe for concurrent use:
//
//	client, err := modus.NewClient() // reads MODUS_API_KEY and friends
//	if err != nil { ... }
//
// Every operation returns (result, error). A non-2xx answer is a *Error that
// works with errors.Is and the sentinels (ErrNotFound, ErrRateLimited, ...);
// a failure to reach the server is a *TransportError naming the host.
// Transient failures are retried with jittered exponential backoff, and list
// operations come as iterators that follow page tokens.
//
// Options are shared between the client and single calls: most work on
// both (WithHeader, WithMaxRetries, WithRequestTimeout, WithMaxResponseSize,
// the stream options, WithMiddleware, WithLogger, ...; see Option for the
// full list), a call's value winning for that call; client-only options
// (WithAPIKey, WithBaseURL, ...) make a call fail, and the call-only
// WithIdempotencyKey and WithResponseInto make NewClient fail, because a
// fixed key or result holder for every request is never right.
//
// Runs and chat: a run (client.Runs.Create) talks to the organization's
// Modus agent, the assistant of the whole organization; its request names no
// agent or skill. Its SessionID, an id the caller chooses, ties the turns of
// one conversation together, and OrganizationID (WithOrganizationID or
// MODUS_ORGANIZATION_ID) must be the API key's organization. To talk to one
// of your own agents or skills, use client.Agents.Chat or
// client.Skills.Chat (and ContinueChat with the answer's ThreadID): those
// answer in one piece, while a run streams and can be resumed.
//
// Run streams: client.Runs.Create, ExecuteWorkflowAction and Stream return
// a *RunStream of typed events (a sealed Event interface: *TokenEvent,
// *DoneEvent, *ErrorEvent, *ToolEvent, ..., and *UnknownEvent for types this
// SDK does not know). Read it with Next/Event/Err, with All, or gather the
// answer with Collect. A dropped connection is resumed by itself with
// GET /agent/runs/{runId}/stream and Last-Event-ID, never by sending the
// POST again, and every event is delivered once, in order; see RunStream.
//
// Types: Agent, Skill, ContextItem, CreateAgentRequest and the other request,
// response and params types are aliases of the types generated into package
// gen from the API's OpenAPI description; each alias's documentation lists
// the type's fields with their JSON names and meaning (go doc modus Agent),
// and every type the API leads to has a name here, so programs never need
// to import gen.
//
// Optional request fields are pointers (set them with Ptr); fields that an
// update can clear are Nullable (NewNullable, Null).
package modus
