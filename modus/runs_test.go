package modus_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modus-data/modus-sdk-go/modus"
	"github.com/modus-data/modus-sdk-go/modus/modustest"
)

func fakeClient(t *testing.T, srv *modustest.Server, opts ...modus.Option) *modus.Client {
	t.Helper()
	c, err := srv.Client(opts...)
	require.NoError(t, err)
	modus.NoWaits(c)
	return c
}

func chatRequest(msg string) modus.CreateRunRequest {
	return modus.CreateRunRequest{Message: msg, SessionID: "sess_1"}
}

// A run of 1,000 tokens whose stream breaks after every k events is
// delivered whole, once and in order, by resuming with GET .../stream and
// Last-Event-ID; the POST is sent once.
func TestRunResumeAfterEveryKEvents(t *testing.T) {
	script := make([]string, 1000)
	var want strings.Builder
	for i := range script {
		script[i] = fmt.Sprintf("<%d>", i)
		want.WriteString(script[i])
	}
	for k := 1; k <= 5; k++ {
		t.Run(fmt.Sprintf("k=%d", k), func(t *testing.T) {
			srv := modustest.NewServer(t, modustest.WithRunScript(script...))
			srv.DropStreamAfter(k, 1<<30) // every stream, the POST's included
			c := fakeClient(t, srv)
			s, err := c.Runs.Create(context.Background(), chatRequest("count"), modus.WithIdempotencyKey(fmt.Sprintf("run-k%d", k)))
			require.NoError(t, err)
			var text strings.Builder
			var prevID string
			n := 0
			for ev, err := range s.All() {
				require.NoError(t, err)
				if prevID != "" {
					require.Less(t, seq(t, prevID), seq(t, ev.ID()), "in order")
				}
				prevID = ev.ID()
				if tok, ok := ev.(*modus.TokenEvent); ok {
					text.WriteString(tok.Content)
				}
				n++
			}
			require.Equal(t, 1001, n, "1000 tokens and done, each once")
			require.Equal(t, want.String(), text.String())
			assert.Equal(t, 1, srv.Requests("POST", "/agent/runs"), "the POST is never repeated")
			gets := srv.Requests("GET", "/agent/runs/run-k"+fmt.Sprint(k)+"/stream")
			assert.Equal(t, (1001+k-1)/k-1, gets, "one GET per drop")
			assert.Equal(t, "run-k"+fmt.Sprint(k), s.RunID())
		})
	}
}

func seq(t *testing.T, id string) int {
	var ms, n int
	_, err := fmt.Sscanf(id, "%d-%d", &ms, &n)
	require.NoError(t, err, id)
	return n
}

func TestRunAutoKeyResumes(t *testing.T) {
	// Without a caller key, the SDK's own key is the run id it resumes with.
	srv := modustest.NewServer(t, modustest.WithRunScript("a", "b", "c", "d"))
	srv.DropStreamAfter(2, 1)
	c := fakeClient(t, srv)
	s, err := c.Runs.Create(context.Background(), chatRequest("hi"))
	require.NoError(t, err)
	res, err := s.Collect()
	require.NoError(t, err)
	assert.Equal(t, "abcd", res.Text)
	assert.Equal(t, s.RunID(), res.Done.RunID)
	assert.NotEmpty(t, res.ThreadID)
	assert.Equal(t, 1, srv.Requests("POST", "/agent/runs"))
	assert.Equal(t, 1, srv.Requests("GET", "/agent/runs/"+res.RunID+"/stream"))
}

func TestRunIdempotencyConflict(t *testing.T) {
	srv := modustest.NewServer(t, modustest.WithRunScript("x"))
	c := fakeClient(t, srv)
	s, err := c.Runs.Create(context.Background(), chatRequest("first"), modus.WithIdempotencyKey("key-1"))
	require.NoError(t, err)
	_, err = s.Collect()
	require.NoError(t, err)

	// Same key, same body: re-attaches to the same run.
	s, err = c.Runs.Create(context.Background(), chatRequest("first"), modus.WithIdempotencyKey("key-1"))
	require.NoError(t, err)
	res, err := s.Collect()
	require.NoError(t, err)
	assert.Equal(t, "key-1", res.RunID)

	// Same key, another body: an error event, then ErrConflict.
	s, err = c.Runs.Create(context.Background(), chatRequest("second"), modus.WithIdempotencyKey("key-1"))
	require.NoError(t, err)
	var evs []modus.Event
	for s.Next() {
		evs = append(evs, s.Event())
	}
	require.Len(t, evs, 1)
	ee, ok := evs[0].(*modus.ErrorEvent)
	require.True(t, ok)
	assert.Contains(t, ee.Message, "Idempotency-Key")
	assert.Equal(t, modus.ErrorCodeConflict, ee.Code, "a conflict is found by its code, not its text")
	err = s.Err()
	assert.ErrorIs(t, err, modus.ErrConflict)
	assert.ErrorIs(t, err, modus.ErrRunFailed)
	var re *modus.RunError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, modus.ErrorCodeConflict, re.Code)
}

func TestRunWorkflowAction(t *testing.T) {
	srv := modustest.NewServer(t, modustest.WithRunScript("4", "2"))
	srv.DropStreamAfter(1, 2)
	c := fakeClient(t, srv)
	s, err := c.Runs.ExecuteWorkflowAction(context.Background(), modus.WorkflowActionRequest{
		SessionID:      "sess_1",
		WorkflowAction: map[string]any{"toolId": "sql_runner", "toolName": "Run SQL"},
	})
	require.NoError(t, err)
	res, err := s.Collect()
	require.NoError(t, err)
	assert.Equal(t, "42", res.Text)
	require.Len(t, res.Tools, 2)
	assert.True(t, res.Tools[0].Start())
	assert.Equal(t, "Run SQL", res.Tools[0].ToolName)
	assert.JSONEq(t, `{"toolId":"sql_runner","toolName":"Run SQL"}`, string(res.Tools[0].Input))
	assert.JSONEq(t, `{"ok":true}`, string(res.Tools[1].Output))
	assert.Equal(t, res.Tools[0].ToolCallID, res.Tools[1].ToolCallID)
	assert.Equal(t, 1, srv.Requests("POST", "/agent/workflow-actions"))
	assert.Equal(t, 2, srv.Requests("GET", "/agent/runs/"+res.RunID+"/stream"))
}

func TestRunStreamReplay(t *testing.T) {
	srv := modustest.NewServer(t, modustest.WithRunScript("a", "b", "c"))
	c := fakeClient(t, srv)
	s, err := c.Runs.Create(context.Background(), chatRequest("hi"))
	require.NoError(t, err)
	require.True(t, s.Next())
	require.True(t, s.Next())
	runID, last := s.RunID(), s.LastEventID()
	require.NoError(t, s.Close())

	s, err = c.Runs.Stream(context.Background(), runID, last)
	require.NoError(t, err)
	res, err := s.Collect()
	require.NoError(t, err)
	assert.Equal(t, "c", res.Text)

	_, err = c.Runs.Stream(context.Background(), "no-such-run", "")
	assert.ErrorIs(t, err, modus.ErrNotFound)
}

func TestRunForbiddenOrganization(t *testing.T) {
	srv := modustest.NewServer(t)
	c := fakeClient(t, srv)
	req := chatRequest("hi")
	req.OrganizationID = "someone-else"
	_, err := c.Runs.Create(context.Background(), req)
	assert.ErrorIs(t, err, modus.ErrForbidden)
}

func TestRunPOSTRetriedBeforeStream(t *testing.T) {
	srv := modustest.NewServer(t, modustest.WithRunScript("ok"))
	c := fakeClient(t, srv)
	srv.FailNext(1, http.StatusServiceUnavailable, 0)
	s, err := c.Runs.Create(context.Background(), chatRequest("hi"))
	require.NoError(t, err)
	res, err := s.Collect()
	require.NoError(t, err)
	assert.Equal(t, "ok", res.Text)
	assert.Equal(t, 2, srv.Requests("POST", "/agent/runs"), "one retry with the same key")
}

func TestRunCancelMidStream(t *testing.T) {
	srv := modustest.NewServer(t, modustest.WithRunScript("a", "b", "c", "d", "e"), modustest.WithEventInterval(time.Hour))
	c := fakeClient(t, srv)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s, err := c.Runs.Create(ctx, chatRequest("hi"))
	require.NoError(t, err)
	defer s.Close()
	require.True(t, s.Next())
	time.AfterFunc(10*time.Millisecond, cancel)
	start := time.Now()
	require.False(t, s.Next())
	assert.Less(t, time.Since(start), 5*time.Second)
	assert.True(t, errors.Is(s.Err(), context.Canceled), "%v", s.Err())
}

// ExampleRunsService_Create streams a run's tokens as they come.
func ExampleRunsService_Create() {
	srv := modustest.New(modustest.WithRunScript("Hello", ",", " world"))
	defer srv.Close()
	client, err := srv.Client()
	if err != nil {
		panic(err)
	}

	stream, err := client.Runs.Create(context.Background(), modus.CreateRunRequest{
		Message:   "Say hello",
		SessionID: "sess_1",
	})
	if err != nil {
		panic(err)
	}
	defer stream.Close()
	for stream.Next() {
		switch ev := stream.Event().(type) {
		case *modus.TokenEvent:
			fmt.Print(ev.Content)
		case *modus.DoneEvent:
			fmt.Println("\n[done]")
		}
	}
	if err := stream.Err(); err != nil {
		panic(err)
	}
	// Output:
	// Hello, world
	// [done]
}

// ExampleRunStream_Collect gathers a run's whole answer.
func ExampleRunStream_Collect() {
	srv := modustest.New(modustest.WithRunScript("4", "2"))
	defer srv.Close()
	client, _ := srv.Client()

	stream, err := client.Runs.Create(context.Background(), modus.CreateRunRequest{
		Message: "6 x 7?", SessionID: "sess_1",
	}, modus.WithIdempotencyKey("run-42"))
	if err != nil {
		panic(err)
	}
	res, err := stream.Collect()
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Text, res.RunID)
	// Output: 42 run-42
}
