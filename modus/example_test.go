package modus_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/modus-data/modus-sdk-go/modus"
	"github.com/modus-data/modus-sdk-go/modus/modustest"
)

// These examples run against modustest, the SDK's in-memory fake of the
// Modus API, so their output is checked by go test. With the real API, make
// the client with modus.NewClient() instead of srv.Client().

// ExampleNewClient configures a client with options. Without options,
// NewClient reads the environment:
//
//	MODUS_API_KEY          API key, required (keys start with "modus_")
//	MODUS_BASE_URL         API host (default https://api.getmodus.com)
//	MODUS_AGENT_HOST       host of the run streams (default: derived from the API host)
//	MODUS_TIMEOUT          per-attempt timeout of unary calls, in seconds (default 600)
//	MODUS_MAX_RETRIES      retries of a failed request (default 2)
//	MODUS_ORGANIZATION_ID  organization id that run requests carry
//
// An option always wins over its environment variable.
func ExampleNewClient() {
	client, err := modus.NewClient(
		modus.WithAPIKey("modus_0123456789abcdef"),                       // else MODUS_API_KEY
		modus.WithBaseURL("https://api.staging.getmodus.com"),            // else MODUS_BASE_URL
		modus.WithAgentHost("agent.staging.getmodus.com"),                // else MODUS_AGENT_HOST, else derived
		modus.WithMaxRetries(3),                                          // else MODUS_MAX_RETRIES, else 2
		modus.WithRequestTimeout(30*time.Second),                         // else MODUS_TIMEOUT, else 10 min
		modus.WithHeader("X-Team", "analytics"),                          // sent with every request
		modus.WithOrganizationID("00000000-0000-0000-0000-000000000001"), // else MODUS_ORGANIZATION_ID
	)
	if err != nil {
		panic(err) // such as a missing key or a malformed URL
	}
	fmt.Println(client) // a client never prints its key
	// Output:
	// modus.Client{BaseURL: "https://api.staging.getmodus.com", AgentURL: "https://agent.staging.getmodus.com", APIKey: modus_****}
}

func ExampleAgentsService_Get() {
	srv := modustest.New()
	defer srv.Close()
	seeded := srv.SeedAgent(nil, modustest.AgentSeed{Name: "Weekly sales report", Deployed: true})
	client, err := srv.Client()
	if err != nil {
		panic(err)
	}

	ctx := context.Background()
	agent, err := client.Agents.Get(ctx, seeded.ID, nil)
	if err != nil {
		panic(err)
	}
	fmt.Println(agent.ID, agent.Name, agent.Type, agent.Status)
	// Output: 1 Weekly sales report task active
}

func ExampleAgentsService_All() {
	srv := modustest.New()
	defer srv.Close()
	for _, name := range []string{"Churn alert", "Pipeline digest", "Weekly sales report"} {
		srv.SeedAgent(nil, modustest.AgentSeed{Name: name, Deployed: true})
	}
	client, _ := srv.Client()

	// All follows the page tokens for you, fetching pages as the loop goes.
	ctx := context.Background()
	params := &modus.AgentListParams{PageSize: modus.Ptr(2)}
	for agent, err := range client.Agents.All(ctx, params) {
		if err != nil {
			panic(err) // the iterator yields an error once, then stops
		}
		fmt.Println(agent.Name)
	}
	// Output:
	// Churn alert
	// Pipeline digest
	// Weekly sales report
}

func ExampleAgentsService_List() {
	srv := modustest.New()
	defer srv.Close()
	for i := 1; i <= 5; i++ {
		srv.SeedAgent(nil, modustest.AgentSeed{Name: fmt.Sprintf("agent %d", i)})
	}
	client, _ := srv.Client()
	ctx := context.Background()

	// One page at a time: NextPageToken is "" on the last page.
	page, err := client.Agents.List(ctx, &modus.AgentListParams{PageSize: modus.Ptr(2)})
	if err != nil {
		panic(err)
	}
	for _, agent := range page.Items {
		fmt.Println(agent.Name)
	}

	// Later, perhaps in another process: resume from the saved token
	// (with the same filters; only the page size may change).
	token := page.NextPageToken
	params := &modus.AgentListParams{PageSize: modus.Ptr(3), PageToken: &token}
	for page.HasNext() {
		page, err = client.Agents.List(ctx, params)
		if err != nil {
			panic(err)
		}
		for _, agent := range page.Items {
			fmt.Println(agent.Name)
		}
		params.PageToken = &page.NextPageToken
	}
	// Output:
	// agent 1
	// agent 2
	// agent 3
	// agent 4
	// agent 5
}

func ExampleError() {
	srv := modustest.New()
	defer srv.Close()
	client, _ := srv.Client()

	_, err := client.Agents.Get(context.Background(), 404, nil)
	if errors.Is(err, modus.ErrNotFound) {
		fmt.Println("no such agent")
	}
	var apiErr *modus.Error
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, apiErr.Code, apiErr.RequestID)
	}
	fmt.Println(err)
	// Output:
	// no such agent
	// 404 NOT_FOUND req_modustest_000001
	// modus: 404 Not Found (NOT_FOUND): agent 404 not found [request id req_modustest_000001]
}

func ExampleContextService_CreateNote() {
	srv := modustest.New()
	defer srv.Close()
	client, _ := srv.Client()
	ctx := context.Background()

	note, err := client.Context.CreateNote(ctx, modus.CreateNoteRequest{
		Title:   "Fiscal year",
		Content: "Our fiscal year starts on February 1.",
	})
	if err != nil {
		panic(err)
	}
	item, err := client.Context.Get(ctx, note.ContextItemID)
	if err != nil {
		panic(err)
	}
	fmt.Println(note.Kind, item.ContextType, item.Content["content"])
	// Output: note note Our fiscal year starts on February 1.
}

func ExampleSkillsService_Chat() {
	srv := modustest.New() // its model answers "Echo: " + the message
	defer srv.Close()
	skill := srv.SeedSkill(nil, modustest.SkillSeed{Name: "Support assistant", Deployed: true})
	client, _ := srv.Client()
	ctx := context.Background()

	answer, err := client.Skills.Chat(ctx, skill.ID, modus.ChatRequest{
		Message: "How do I reset my password?",
		Model:   modus.ChatModelClaudeSonnet46,
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(answer.Content)

	// Continue the same thread.
	answer, err = client.Skills.ContinueChat(ctx, skill.ID, answer.ThreadID, modus.ChatRequest{
		Message: "Thanks!",
		Model:   modus.ChatModelClaudeSonnet46,
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(answer.Content)
	// Output:
	// Echo: How do I reset my password?
	// Echo: Thanks!
}

func ExampleConversationsService_Get() {
	srv := modustest.New()
	defer srv.Close()
	skill := srv.SeedSkill(nil, modustest.SkillSeed{Name: "Support assistant"})
	client, _ := srv.Client()
	ctx := context.Background()
	client.Skills.Chat(ctx, skill.ID, modus.ChatRequest{Message: "Hi", Model: modus.ChatModelGpt55})

	// Threads of a skill, most recently active first, then one in full.
	for thread, err := range client.Skills.Conversations.All(ctx, skill.ID, nil) {
		if err != nil {
			panic(err)
		}
		conv, err := client.Skills.Conversations.Get(ctx, skill.ID, thread.ThreadID)
		if err != nil {
			panic(err)
		}
		for _, msg := range conv.Messages {
			fmt.Printf("%s: %s\n", msg.Type, msg.Content)
		}
	}
	// Output:
	// human: Hi
	// ai: Echo: Hi
}

func ExampleMemoriesService_Search() {
	srv := modustest.New()
	defer srv.Close()
	skill := srv.SeedSkill(nil, modustest.SkillSeed{Name: "Support assistant"})
	srv.SeedMemory(nil, skill.ID, "Prefers answers in French", nil)
	srv.SeedMemory(nil, skill.ID, "Works in the Lyon office", nil)
	client, _ := srv.Client()

	memories, err := client.Skills.Memories.Search(context.Background(), skill.ID, modus.SearchMemoriesRequest{
		Query: "french",
	})
	if err != nil {
		panic(err)
	}
	for _, m := range memories {
		fmt.Println(m.Memory)
	}
	// Output: Prefers answers in French
}

// ExampleRunsService_Stream resumes a run's stream from another connection
// (or process) with its run id and the id of the last event seen.
func ExampleRunsService_Stream() {
	srv := modustest.New(modustest.WithRunScript("one ", "two ", "three"))
	defer srv.Close()
	client, _ := srv.Client()
	ctx := context.Background()

	stream, err := client.Runs.Create(ctx, modus.CreateRunRequest{Message: "Count to three", SessionID: "sess_1"})
	if err != nil {
		panic(err)
	}
	stream.Next() // read one event, then stop
	runID, lastEventID := stream.RunID(), stream.LastEventID()
	stream.Close()

	// The server replays what came after lastEventID.
	stream, err = client.Runs.Stream(ctx, runID, lastEventID)
	if err != nil {
		panic(err)
	}
	res, err := stream.Collect()
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Text)
	// Output: two three
}

// ExampleRunStream_reconnect shows a dropped connection resumed by the
// stream itself: the POST is never sent again, and no event is repeated.
func ExampleRunStream_reconnect() {
	srv := modustest.New(modustest.WithRunScript("Hello", ",", " world"))
	defer srv.Close()
	srv.DropStreamAfter(2, 1) // cut the first stream after two events
	client, _ := srv.Client()

	stream, err := client.Runs.Create(context.Background(), modus.CreateRunRequest{
		Message: "Say hello", SessionID: "sess_1",
	}, modus.WithStreamReconnects(3))
	if err != nil {
		panic(err)
	}
	res, err := stream.Collect()
	if err != nil {
		panic(err) // a *modus.StreamInterruptedError if it could not resume
	}
	fmt.Println(res.Text)
	fmt.Println("POSTs:", srv.Requests("POST", "/agent/runs"))
	fmt.Println("resumes:", srv.Requests("GET", "/agent/runs/"+res.RunID+"/stream"))
	// Output:
	// Hello, world
	// POSTs: 1
	// resumes: 1
}

func ExampleWithIdempotencyKey() {
	srv := modustest.New()
	defer srv.Close()
	client, _ := srv.Client()
	srv.FailNext(1, http.StatusServiceUnavailable, 0) // one 503, "Retry-After: 0"

	// A POST is retried only when it carries an idempotency key. The run
	// endpoints deduplicate on it, so every attempt is the same run.
	// Runs.Create makes a key when you give none; give your own to make
	// the run findable again, from another process say.
	stream, err := client.Runs.Create(context.Background(),
		modus.CreateRunRequest{Message: "Say hello", SessionID: "sess_1"},
		modus.WithIdempotencyKey("nightly-report-2026-11-23"))
	if err != nil {
		panic(err)
	}
	res, err := stream.Collect()
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Text, "after", srv.Requests("POST", "/agent/runs"), "attempts")
	// Output: Echo: Say hello after 2 attempts
}

func ExampleWithMaxRetries() {
	srv := modustest.New()
	defer srv.Close()
	client, _ := srv.Client() // GETs are retried twice by default
	srv.FailNext(5, http.StatusTooManyRequests, 0)

	// Options work per call too: this call is retried once only.
	_, err := client.Agents.List(context.Background(), nil, modus.WithMaxRetries(1))
	fmt.Println(errors.Is(err, modus.ErrRateLimited), srv.RequestCount())
	// Output: true 2
}

// activeAgents stands for your own code: it takes a *modus.Client.
func activeAgents(ctx context.Context, client *modus.Client) ([]string, error) {
	var names []string
	for agent, err := range client.Agents.All(ctx, nil) {
		if err != nil {
			return nil, err
		}
		if agent.Status == modus.StatusActive {
			names = append(names, agent.Name)
		}
	}
	return names, nil
}

// TestActiveAgents tests activeAgents against the fake server.
func TestActiveAgents(t *testing.T) {
	srv := modustest.NewServer(t) // closed when the test ends
	srv.SeedAgent(t, modustest.AgentSeed{Name: "Live", Deployed: true})
	srv.SeedAgent(t, modustest.AgentSeed{Name: "Draft"})
	srv.SeedAgent(t, modustest.AgentSeed{Name: "Gone", Deployed: true, Deleted: true})
	client, err := srv.Client()
	if err != nil {
		t.Fatal(err)
	}

	srv.FailNext(1, http.StatusServiceUnavailable, 0) // the SDK retries it
	names, err := activeAgents(context.Background(), client)
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != 1 || names[0] != "Live" {
		t.Errorf("got %q, want [Live]", names)
	}
	if n := srv.Requests("GET", "/api/v1/agents"); n != 2 {
		t.Errorf("got %d requests, want 2 (one retry)", n)
	}
}

// ExampleWithMiddleware adds a header to every request and times each
// attempt, naming its operation: retries and stream reconnections go
// through the middleware too.
func ExampleWithMiddleware() {
	srv := modustest.New()
	defer srv.Close()
	seeded := srv.SeedAgent(nil, modustest.AgentSeed{Name: "Weekly sales report", Deployed: true})

	// A header for a proxy in front of the API.
	proxyHeader := func(req *http.Request, next modus.MiddlewareNext) (*http.Response, error) {
		req.Header.Set("X-Proxy-Token", "t0ken")
		return next(req)
	}
	// One line per attempt (a service would record a metric or a span).
	timeAttempts := func(req *http.Request, next modus.MiddlewareNext) (*http.Response, error) {
		at, _ := modus.AttemptOf(req)
		start := time.Now()
		resp, err := next(req)
		elapsed := time.Since(start) // record it
		_ = elapsed
		if err == nil {
			fmt.Println(at.Operation, "attempt", at.Attempt, "retry:", at.Retry(), "status", resp.StatusCode)
		}
		return resp, err
	}
	client, err := srv.Client(modus.WithMiddleware(proxyHeader, timeAttempts))
	if err != nil {
		panic(err)
	}

	srv.FailNext(1, http.StatusServiceUnavailable, 0)
	agent, err := client.Agents.Get(context.Background(), seeded.ID, nil)
	if err != nil {
		panic(err)
	}
	fmt.Println(agent.Name)
	// Output:
	// GetAgent attempt 1 retry: false status 503
	// GetAgent attempt 2 retry: true status 200
	// Weekly sales report
}

// ExampleWithLogger logs attempts, retries and reconnections with log/slog.
// Records never hold the API key, headers or bodies.
func ExampleWithLogger() {
	srv := modustest.New()
	defer srv.Close()
	seeded := srv.SeedAgent(nil, modustest.AgentSeed{Name: "Weekly sales report", Deployed: true})

	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		Level: slog.LevelDebug,
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey || a.Key == "duration" {
				return slog.Attr{} // vary from run to run
			}
			return a
		},
	}))
	client, err := srv.Client(modus.WithLogger(logger))
	if err != nil {
		panic(err)
	}
	srv.FailNext(1, http.StatusServiceUnavailable, 0)
	if _, err := client.Agents.Get(context.Background(), seeded.ID, nil); err != nil {
		panic(err)
	}
	// Output:
	// level=DEBUG msg="modus: attempt" method=GET path=/api/v1/agents/{id} operation=GetAgent attempt=1 status=503 request_id=req_modustest_000002
	// level=INFO msg="modus: retry" method=GET path=/api/v1/agents/{id} operation=GetAgent attempt=1 reason="HTTP 503" wait=0s
	// level=DEBUG msg="modus: attempt" method=GET path=/api/v1/agents/{id} operation=GetAgent attempt=2 status=200 request_id=req_modustest_000003
}

// ExampleWithResponseInto reads the request id and headers of a successful
// call.
func ExampleWithResponseInto() {
	srv := modustest.New()
	defer srv.Close()
	seeded := srv.SeedAgent(nil, modustest.AgentSeed{Name: "Weekly sales report", Deployed: true})
	client, err := srv.Client()
	if err != nil {
		panic(err)
	}

	var meta modus.ResponseMeta
	_, err = client.Agents.Get(context.Background(), seeded.ID, nil, modus.WithResponseInto(&meta))
	if err != nil {
		panic(err)
	}
	fmt.Println(meta.StatusCode, meta.RequestID, meta.Header.Get("Content-Type"))
	// Output: 200 req_modustest_000002 application/json
}

// ExampleWithOnReconnect tells a relay's own clients that a run stream is
// reconnecting.
func ExampleWithOnReconnect() {
	srv := modustest.New()
	defer srv.Close()
	srv.DropStreamAfter(2, 1) // cut the first stream after two events
	client, err := srv.Client()
	if err != nil {
		panic(err)
	}

	stream, err := client.Runs.Create(context.Background(),
		modus.CreateRunRequest{Message: "Say hello", SessionID: "sess_1"},
		modus.WithOnReconnect(func(r modus.ReconnectInfo) {
			fmt.Println("reconnecting after event", r.LastEventID != "", "attempt", r.Attempt)
		}))
	if err != nil {
		panic(err)
	}
	res, err := stream.Collect()
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Text, "| reconnects:", stream.Reconnects())
	// Output:
	// reconnecting after event true attempt 1
	// Echo: Say hello | reconnects: 1
}

// ExampleEvent_RawJSON forwards a run's events as they came, the way a relay
// passes them on to its own clients: each event's id and its JSON as sent,
// one data: line per line of it (a server may spread an event's JSON over
// several lines; a single "data: %s" line would cut the event).
func ExampleEvent_RawJSON() {
	srv := modustest.New(modustest.WithRunEvents(
		modustest.RawEvent("{\n  \"type\": \"token\",\n  \"content\": \"Hi\"\n}").WithID("ev-1"),
	))
	defer srv.Close()
	client, err := srv.Client()
	if err != nil {
		panic(err)
	}

	stream, err := client.Runs.Create(context.Background(),
		modus.CreateRunRequest{Message: "Hi", SessionID: "sess_1"})
	if err != nil {
		panic(err)
	}
	defer stream.Close()
	var relay strings.Builder // the relay's client connection
	for stream.Next() {
		ev := stream.Event()
		fmt.Fprintf(&relay, "id: %s\n", ev.ID())
		for line := range strings.SplitSeq(string(ev.RawJSON()), "\n") {
			fmt.Fprintf(&relay, "data: %s\n", line)
		}
		relay.WriteString("\n")
	}
	if err := stream.Err(); err != nil {
		panic(err)
	}
	frames := strings.SplitAfter(relay.String(), "\n\n")
	fmt.Print(frames[0]) // the token event; then done
	// Output:
	// id: ev-1
	// data: {
	// data:   "type": "token",
	// data:   "content": "Hi"
	// data: }
}
