package modus

// Issue 16, items 1, 8 and 9 (round two): the API key and secrets a hostile
// server sends back never reach an error string, a ResponseMeta or a debug
// log; server-sent run ids and caller cursors are checked like caller ids.

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// keySecret is the part of testKey a leak would show (maskedKey keeps the
// "modus_" prefix).
var keySecret = strings.TrimPrefix(testKey, "modus_")

// Item 8: a server that echoes the bearer key as X-Request-Id on a 2xx over
// the size limit: neither the *ResponseTooLargeError nor the ResponseMeta
// shows the key.
func TestIssue16_08_TooLargeRequestIDMasked(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-Id", "rid "+r.Header.Get("Authorization"))
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"agents":[],"nextPageToken":"`+strings.Repeat("x", 64)+`"}`)
	})
	c, _ := newTestClient(t, srv)
	var meta ResponseMeta
	_, err := c.Agents.List(context.Background(), nil, WithMaxResponseSize(20), WithResponseInto(&meta))
	var tl *ResponseTooLargeError
	require.ErrorAs(t, err, &tl)
	assert.NotContains(t, err.Error(), keySecret)
	assert.NotContains(t, fmt.Sprintf("%+v %#v", err, err), keySecret)
	assert.Equal(t, "rid Bearer "+maskedKey, tl.RequestID)
	assert.Equal(t, "rid Bearer "+maskedKey, meta.RequestID)
}
