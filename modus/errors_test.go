package modus

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var allSentinels = []error{ErrBadRequest, ErrUnauthorized, ErrForbidden, ErrNotFound, ErrConflict,
	ErrUnprocessable, ErrRateLimited, ErrServer}

func TestStatusSentinels(t *testing.T) {
	for _, tc := range []struct {
		status        int
		code, status2 string
		sentinel      error
	}{
		{400, "BAD_REQUEST", "INVALID_ARGUMENT", ErrBadRequest},
		{401, "UNAUTHORIZED", "UNAUTHENTICATED", ErrUnauthorized},
		{403, "FORBIDDEN", "PERMISSION_DENIED", ErrForbidden},
		{404, "NOT_FOUND", "NOT_FOUND", ErrNotFound},
		{409, "CONFLICT", "ALREADY_EXISTS", ErrConflict},
		{422, "VALIDATION", "INVALID_ARGUMENT", ErrUnprocessable},
		{429, "RATE_LIMITED", "RESOURCE_EXHAUSTED", ErrRateLimited},
		{500, "INTERNAL_ERROR", "INTERNAL", ErrServer},
		{501, "INTERNAL_ERROR", "INTERNAL", ErrServer},
		{503, "INTERNAL_ERROR", "INTERNAL", ErrServer},
	} {
		t.Run(strconv.Itoa(tc.status), func(t *testing.T) {
			srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("X-Request-Id", "hdr_ignored")
				writeError(w, tc.status, tc.code, tc.status2, "it went wrong", "req_body")
			})
			c, _ := newTestClient(t, srv, WithMaxRetries(0))
			_, err := do[thing](context.Background(), c, nil, rawRequest("GET", "/api/v1/things/1", nil))
			require.Error(t, err)

			var e *Error
			require.True(t, errors.As(err, &e))
			assert.Equal(t, tc.status, e.StatusCode)
			assert.Equal(t, ErrorCode(tc.code), e.Code)
			assert.Equal(t, ErrorStatus(tc.status2), e.Status)
			assert.Equal(t, "it went wrong", e.Message)
			assert.Equal(t, "req_body", e.RequestID, "body wins over header")
			assert.Equal(t, map[string]any{"scope": "agents:read"}, e.Info)
			assert.Contains(t, string(e.Body), `"it went wrong"`)
			for _, s := range allSentinels {
				assert.Equal(t, s == tc.sentinel, errors.Is(err, s), "errors.Is(%d, %v)", tc.status, s)
			}
			msg := err.Error()
			for _, part := range []string{strconv.Itoa(tc.status), tc.code, "it went wrong", "req_body"} {
				assert.Contains(t, msg, part)
			}
		})
	}
}

func TestErrorOddBodies(t *testing.T) {
	for _, tc := range []struct {
		name, contentType, body string
		status                  int
		wantMsg                 string
		wantInError             []string
	}{
		{"html", "text/html", "<html><body><h1>502 Bad Gateway</h1>\n</body></html>", 502,
			"<html><body><h1>502 Bad Gateway</h1> </body></html>", []string{"502 Bad Gateway", "<h1>"}},
		{"empty", "", "", 404, "", []string{"modus: 404 Not Found"}},
		{"loose message", "application/json", `{"message":"route not found"}`, 404, "route not found", []string{"route not found"}},
		{"loose string error", "application/json", `{"error":"Forbidden"}`, 403, "Forbidden", []string{"403 Forbidden: Forbidden"}},
		{"json not an object", "application/json", `[1,2]`, 400, "[1,2]", []string{"[1,2]"}},
		{"long text", "text/plain", strings.Repeat("x", 5000), 500, strings.Repeat("x", 200) + "…", []string{"xxx…"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				if tc.contentType != "" {
					w.Header().Set("Content-Type", tc.contentType)
				}
				w.Header().Set("X-Request-Id", "req_hdr")
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.body)
			})
			c, _ := newTestClient(t, srv, WithMaxRetries(0))
			_, err := do[thing](context.Background(), c, nil, rawRequest("GET", "/x", nil))
			var e *Error
			require.True(t, errors.As(err, &e), "%v", err)
			assert.Equal(t, tc.status, e.StatusCode)
			assert.Equal(t, tc.wantMsg, e.Message)
			assert.Equal(t, "req_hdr", e.RequestID, "x-request-id header fallback")
			for _, want := range tc.wantInError {
				assert.Contains(t, err.Error(), want)
			}
			assert.Contains(t, err.Error(), "req_hdr")
		})
	}
}

func TestErrorBodyCapped(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(400)
		io.WriteString(w, strings.Repeat("y", 200<<10))
	})
	c, _ := newTestClient(t, srv)
	_, err := do[thing](context.Background(), c, nil, rawRequest("GET", "/x", nil))
	var e *Error
	require.True(t, errors.As(err, &e))
	assert.Len(t, e.Body, 64<<10)
}

func TestErrorRetryAfterField(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "7")
		writeError(w, 429, "RATE_LIMITED", "RESOURCE_EXHAUSTED", "slow down", "")
	})
	c, _ := newTestClient(t, srv, WithMaxRetries(0))
	_, err := do[thing](context.Background(), c, nil, rawRequest("GET", "/x", nil))
	var e *Error
	require.True(t, errors.As(err, &e))
	assert.Equal(t, 7*time.Second, e.RetryAfter)
	assert.True(t, errors.Is(err, ErrRateLimited))
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"", 0, false},
		{"0", 0, true},
		{"12", 12 * time.Second, true},
		{" 3 ", 3 * time.Second, true},
		{"-1", 0, false},
		{"soon", 0, false},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0, true},
	} {
		got, ok := parseRetryAfter(tc.in, now)
		assert.Equal(t, tc.ok, ok, tc.in)
		assert.Equal(t, tc.want, got, tc.in)
	}
}

func TestDecode(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ok":
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"id": 9007199254740993, "name": "big"}`)
		case "/chunked":
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"id": 1,`)
			w.(http.Flusher).Flush()
			io.WriteString(w, ` "name": "chunks"}`)
		case "/nocontent":
			w.WriteHeader(http.StatusNoContent)
		case "/html":
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, "<html>captive portal</html>")
		case "/wrongshape":
			io.WriteString(w, `{"id": "nine"}`)
		}
	})
	c, _ := newTestClient(t, srv)
	ctx := context.Background()

	v, err := do[thing](ctx, c, nil, rawRequest("GET", "/ok", nil))
	require.NoError(t, err)
	assert.Equal(t, thing{ID: 9007199254740993, Name: "big"}, *v, "int64 ids survive")

	v, err = do[thing](ctx, c, nil, rawRequest("GET", "/chunked", nil))
	require.NoError(t, err)
	assert.Equal(t, "chunks", v.Name)

	// An operation whose success carries a body does not turn a 204 into
	// a zero value; the 204 operations use doNoContent.
	_, err = do[thing](ctx, c, nil, rawRequest("DELETE", "/nocontent", nil))
	var empty *DecodeError
	require.True(t, errors.As(err, &empty), "%v", err)
	assert.Equal(t, http.StatusNoContent, empty.StatusCode)
	require.NoError(t, doNoContent(ctx, c, nil, rawRequest("DELETE", "/nocontent", nil)))
	require.NoError(t, doNoContent(ctx, c, nil, rawRequest("GET", "/ok", nil)))

	for _, path := range []string{"/html", "/wrongshape"} {
		_, err = do[thing](ctx, c, nil, rawRequest("GET", path, nil))
		var de *DecodeError
		require.True(t, errors.As(err, &de), "%v", err)
		assert.Equal(t, 200, de.StatusCode)
		assert.NotEmpty(t, de.Body)
		assert.Contains(t, err.Error(), "200")
		var je interface{ Error() string }
		assert.True(t, errors.As(err, &je))
	}
	_, err = do[thing](ctx, c, nil, rawRequest("GET", "/html", nil))
	assert.Contains(t, err.Error(), "captive portal")
	var se *json.SyntaxError
	assert.True(t, errors.As(err, &se))
}
