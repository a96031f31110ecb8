// Package modustest is an in-memory fake of the Modus API for tests: one
// httptest server that answers the paths of both the API host (/api/v1/...)
// and the agent host (/agent/...), with real behaviour kept in memory.
//
// Its routing, parameter parsing and models are generated from the same
// openapi.json as the client (see internal/server), so the fake cannot drift
// from the spec. It keeps agents and skills with draft and deployed
// variations, soft delete and restore, ownership transfers, context items,
// conversations, memories, connections, usage and runs; lists page with
// opaque AIP-158 tokens; errors use the API's shape; runs stream as
// Server-Sent Events that can be replayed from Last-Event-ID.
//
// Fault switches (FailNext, DropStreamAfter, SetLatency) and request
// counters let tests check retries and stream resumption:
//
//	srv := modustest.NewServer(t)
//	client, err := srv.Client()
//	srv.FailNext(1, http.StatusServiceUnavailable, 0)
//	// ... call the API through client; it retries once ...
//	if srv.RequestCount() != 2 { ... }
//
// Runs started with POST /agent/runs are chat runs: their body names no
// agent, so they are not added to any agent's run history (ListAgentRuns
// lists workflow runs). A workflow action whose automationId names an agent
// is added to that agent's history; SeedAgentRun adds runs directly.
//
// As openapi.json describes the API, GetConversation finds a thread
// whatever skill id the path holds (the id only scopes the permission
// check) and ListMemories lists at most 1000 memories. Usage buckets are
// whole UTC hours or days named by their start, so the first may start
// before since.
//
// The fake has a single caller (DefaultUserID) who may do everything; it
// does not model permissions.
package modustest
