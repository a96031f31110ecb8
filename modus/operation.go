package modus

//go:generate go run ../internal/opsgen -spec ../openapi.json -overlay ../oapi-codegen-overlay.yaml -o operations.gen.go

// Operation describes one operation of the Modus API as openapi.json
// declares it. The SDK's descriptors are generated from the spec
// (operations.gen.go); middleware and observers see them to name, route
// and classify a call.
type Operation struct {
	ID         string // the operationId, e.g. "GetAgent"
	Method     string // the HTTP method, e.g. "GET"
	Path       string // the path template, e.g. "/api/v1/agents/{id}"
	Host       string // "api" or "agent": which base URL serves it
	Streaming  bool   // a successful answer is a text/event-stream
	Idempotent bool   // may be retried without an idempotency key (GET, HEAD, OPTIONS, PUT, DELETE)
}
