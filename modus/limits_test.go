package modus

// Limits as large as their type holds: sizes derived from them (a limit and
// a margin past it) must not overflow.

import (
	"context"
	"io"
	"log/slog"
	"math"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A debug-body limit as large as an int holds logs the body whole (the
// limit plus the key's reach once overflowed).
func TestDebugBodiesHugeLimit(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"ok":"visible"}`)
	})
	h := &captured{}
	c, _ := newTestClient(t, srv, WithLogger(slog.New(h)))
	_, err := do[map[string]any](context.Background(), c, []Option{WithDebugBodies(math.MaxInt)}, rawRequest("GET", "/x", nil))
	require.NoError(t, err)
	assert.Contains(t, strings.Join(h.get(), "\n"), `{"ok":"visible"}`)
}

// A response limit as large as an int64 holds reads a body of unknown
// length whole (the limit plus one once overflowed).
func TestMaxResponseSizeHugeLimit(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"ok":"yes"}`)
		w.(http.Flusher).Flush() // chunked: no Content-Length
	})
	c, _ := newTestClient(t, srv)
	v, err := do[map[string]any](context.Background(), c, []Option{WithMaxResponseSize(math.MaxInt64)}, rawRequest("GET", "/x", nil))
	require.NoError(t, err)
	assert.Equal(t, "yes", (*v)["ok"])
}
