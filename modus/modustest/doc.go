// Package modustest is an in-memory fake of the Modus API for tests: one
// httptest server that answers the paths of both the API host (/api/v1/...)
// and the agent host (/agent/...), with real behaviour kept in memory.
//
// Its routing, parameter parsing and models are generated from the same
// openapi.json as the client, and its models are the client's own types
// (see internal/server), so the fake cannot drift from the spec. It keeps
// agents and skills with draft and deployed variations, soft delete and
// restore, ownership transfers, context items, conversations, memories,
// connections, usage and runs; lists page with opaque AIP-158 tokens;
// errors use the API's shape; runs stream as Server-Sent Events that can be
// replayed from Last-Event-ID.
//
// # Seeding
//
// The Seed methods (SeedAgent, SeedSkill, SeedContextItem, SeedMemory,
// SeedConnection, SeedAgentRun) put data in directly and return it as the
// client's types (modus.Agent, ...). They take the test's testing.TB and
// fail the test when a seed cannot be done, so a test checks no errors:
//
//	srv := modustest.NewServer(t)
//	agent := srv.SeedAgent(t, modustest.AgentSeed{Name: "Report", Deployed: true})
//
// # Faults
//
// Each fault targets requests by method and path pattern, a path as the
// spec writes it whose {name} segments match any one segment (AnyMethod and
// AnyPath match all):
//
//	FailNextOn(method, pattern, n, status, retryAfter)  the next n matching requests answer status (400-599)
//	DropNextOn(method, pattern, n, events)              the next n matching requests break: a stream after events events, another answer is lost
//	StallNextOn(method, pattern, n, events, d)          the next n matching streams stop after events events, for d or until the client leaves
//	SetLatencyOn(method, pattern, d)                    matching requests wait d first
//
// FailNext, DropStreamAfter and SetLatency are the same for every route;
// ClearFaults removes every fault. A stream resume is a request of its own
// (GET /agent/runs/{runId}/stream), so a test can make only the resumes of
// a run fail, break or stall. Patterns match the escaped path, so an id
// holding an escaped / is one segment; a pattern that no request to the
// API could match panics.
//
// # What was received
//
// Requests and RequestCount count what was received, by route pattern too.
// Journal returns the requests themselves (method, escaped path, query,
// headers, body, the status answered) with the API key masked, so that a
// test can assert what its code sent without wrapping the HTTP client.
//
// # Runs
//
// A run (POST /agent/runs) is a chat with the organization's Modus agent,
// not with one of the user's agents: its body names no agent. By default it
// streams an echo of its message, word by word, then a done event;
// SetRunScript changes the words. SetRunEvents scripts the whole stream of
// every later run and workflow action: any of the documented events (Token,
// Done, Error, Cancelled, Notice, Heartbeat, ToolStart, ToolEnd, or Event
// for any other type), ids of the test's choosing (Step.WithID), pauses
// (Pause), a broken connection at a given point (Drop), a run that never
// ends (Hang) and data sent as given (RawEvent). A run's events are fixed
// when it starts, so a resume replays the same events.
//
// Chat runs are not added to any agent's run history (ListAgentRuns lists
// workflow runs). A workflow action whose automationId names an agent is
// added to that agent's history; SeedAgentRun adds runs directly.
//
// # Fidelity
//
// As openapi.json describes the API, GetConversation finds a thread
// whatever skill id the path holds (the id only scopes the permission
// check) and ListMemories lists at most 1000 memories. Usage is grouped by
// skill unless group_by says otherwise; group_value is the grouped value
// (skill id 1, agent id 1, interface api, the model, or "all", or the first
// value of the matching filter), org_id is the organization's org_... id,
// and buckets are whole UTC hours or days named by their start, so the
// first may start before since. Times are written as the API writes them,
// in UTC with three-digit milliseconds.
//
// # Admin API and the modusfake command
//
// Every Server also answers an admin API under AdminPrefix (/_modustest/),
// JSON in and out, with the powers of the Go API, for code that is not Go:
// seed (a SeedFile, see ParseSeedFile and LoadSeed) and reset (Reset);
// faults by route (fail, drop, stall, latency, and clearing them); run
// scripts (StepJSON); the journal and counts, filtered by method and path
// pattern. Its handlers call the same functions as the Go methods, so a
// fault or a seed means the same from either side, and bad arguments get
// the message the Go method panics with. WithAdminToken protects it. The
// command github.com/modus-data/modus-sdk-go/cmd/modusfake serves a Server
// on an address of its own (WithListener) with a request log (WithLogger);
// the README's "Testing without Go: modusfake" lists every endpoint.
//
// The fake has a single caller (DefaultUserID) who may do everything; it
// does not model permissions.
package modustest
