package modus

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// Issue 18 item 2: AttemptOf is always set, so a plain RoundTripper (no
// middleware, no logger) can read the operation of each request.
func TestIssue18_02_AttemptOfInPlainRoundTripper(t *testing.T) {
	var seen []AttemptInfo
	rt := roundTripFunc(func(req *http.Request) (*http.Response, error) {
		info, ok := AttemptOf(req)
		require.True(t, ok)
		seen = append(seen, info)
		status := 200
		if len(seen) == 1 {
			status = 503
		}
		return &http.Response{StatusCode: status, Header: http.Header{}, Request: req,
			Body: io.NopCloser(strings.NewReader(`{"id":1,"name":"a"}`))}, nil
	})
	c, err := NewClient(WithAPIKey(testKey), WithHTTPClient(&http.Client{Transport: rt}))
	require.NoError(t, err)
	c.retry.sleep = func(ctx context.Context, _ time.Duration) error { return ctx.Err() }
	_, err = c.Agents.Get(context.Background(), 1, nil)
	require.NoError(t, err)
	assert.Equal(t, []AttemptInfo{
		{Operation: "GetAgent", Attempt: 1, PathTemplate: "/api/v1/agents/{id}"},
		{Operation: "GetAgent", Attempt: 2, PathTemplate: "/api/v1/agents/{id}"},
	}, seen)
}

// disabledHandler is a slog handler disabled at every level; Handle must
// never run.
type disabledHandler struct{ t *testing.T }

func (disabledHandler) Enabled(context.Context, slog.Level) bool { return false }
func (h disabledHandler) Handle(context.Context, slog.Record) error {
	h.t.Error("a disabled handler was asked to handle a record")
	return nil
}
func (h disabledHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h disabledHandler) WithGroup(string) slog.Handler      { return h }

// Issue 18 item 6: a logger whose handler is disabled costs a call nothing:
// not one allocation more than no logger at all.
func TestIssue18_06_DisabledLoggerCostsNothing(t *testing.T) {
	d := &ctxDoer{}
	plain, err := NewClient(WithAPIKey(testKey), WithHTTPClient(d))
	require.NoError(t, err)
	logged, err := NewClient(WithAPIKey(testKey), WithHTTPClient(d), WithLogger(slog.New(disabledHandler{t})), WithDebugBodies(1<<10))
	require.NoError(t, err)
	ctx := context.Background()
	allocs := func(c *Client) float64 {
		return testing.AllocsPerRun(200, func() {
			d.ctxs = d.ctxs[:0]
			if _, err := c.Agents.Get(ctx, 42, nil); err != nil {
				t.Fatal(err)
			}
		})
	}
	assert.Equal(t, allocs(plain), allocs(logged))
}
