package modus

// Issue 16, items 1, 8 and 9 (round two): the API key and secrets a hostile
// server sends back never reach an error string, a ResponseMeta or a debug
// log; server-sent run ids and caller cursors are checked like caller ids.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
	"time"

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

// Item 8, run errors: a server that sends the key as the run id (header and
// event), as the error event's code (which the SDK upper-cases), in its
// message and as its SSE id: no field of the *RunError, and not its text,
// shows the key, in any case.
func TestIssue16_08_RunErrorMasksEveryField(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		key := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		w.Header().Set(runHeaderID, key)
		sseHeaders(w)
		writeFlush(w, frame("1717000000000-0", `{"type":"progress","runId":"`+key+`"}`))
		writeFlush(w, frame(key, `{"type":"error","error":"denied for `+key+`","code":"`+key+`"}`))
	})
	c, _ := newTestClient(t, srv)
	s, err := c.Runs.Create(context.Background(), runReq())
	require.NoError(t, err)
	_ = drain(s)
	var re *RunError
	require.ErrorAs(t, s.Err(), &re)
	upper := strings.ToUpper(keySecret)
	text := s.Err().Error() + fmt.Sprintf(" %+v %#v", s.Err(), s.Err())
	for _, leak := range []string{keySecret, upper} {
		assert.NotContains(t, text, leak)
	}
	assert.Equal(t, maskedKey, re.RunID)
	assert.Equal(t, ErrorCode(maskedKey), re.Code)
	assert.Equal(t, maskedKey, re.EventID)
	assert.Equal(t, "denied for "+maskedKey, re.Message)
}

// maskFold masks the key whatever its case, every copy, and leaves other
// text alone.
func TestAPIKeyMaskFold(t *testing.T) {
	c, err := NewClient(WithAPIKey(testKey), WithBaseURL("http://127.0.0.1:1"))
	require.NoError(t, err)
	k := c.transport.key
	for in, want := range map[string]string{
		"":                       "",
		"plain":                  "plain",
		testKey:                  maskedKey,
		strings.ToUpper(testKey): maskedKey,
		"a " + testKey + " b " + strings.ToLower(testKey): "a " + maskedKey + " b " + maskedKey,
		testKey[:len(testKey)-1]:                          testKey[:len(testKey)-1],
	} {
		assert.Equal(t, want, k.maskFold(in), in)
	}
	assert.Equal(t, "x", apiKey(nil).maskFold("x"))
}

// Item 1, server-sent run ids: a run id header or event runId that is
// empty, "." or ".." is not learned (URL resolution would send the resume,
// with the key and Last-Event-ID, to GET /agent/stream); the stream resumes
// with the id it had.
func TestIssue16_01_ServerRunIDDotSegmentsIgnored(t *testing.T) {
	for _, tc := range []struct{ name, header, eventID, want string }{
		{"header dotdot", "..", "", "idem-1"},
		{"event dotdot", "", "..", "idem-1"},
		{"event dot keeps header", "run-h", ".", "run-h"},
		{"both", "..", "..", "idem-1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			var paths []string
			srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				paths = append(paths, r.Method+" "+r.URL.EscapedPath())
				mu.Unlock()
				if tc.header != "" {
					w.Header().Set(runHeaderID, tc.header)
				}
				sseHeaders(w)
				if r.Method == http.MethodPost {
					writeFlush(w, frame("1717000000000-0", `{"type":"progress","runId":"`+tc.eventID+`"}`))
					return // cut before the terminal event
				}
				writeFlush(w, frame("1717000000001-0", `{"type":"done","result":{}}`))
			})
			c, _ := newTestClient(t, srv)
			s, err := c.Runs.Create(context.Background(), runReq(), WithHeader("Idempotency-Key", "idem-1"))
			require.NoError(t, err)
			_ = drain(s)
			require.NoError(t, s.Err())
			mu.Lock()
			defer mu.Unlock()
			assert.Equal(t, []string{"POST /agent/runs", "GET /agent/runs/" + tc.want + "/stream"}, paths)
			assert.Equal(t, tc.want, s.RunID())
		})
	}
}

// Item 2, the resume cursor of Runs.Stream: a lastEventID holding a control
// character is refused before anything is sent, naming the parameter, as a
// WithHeader value is (net/http refused it later, as a *TransportError).
func TestIssue16_02_LastEventIDControlCharsRefused(t *testing.T) {
	n, url := countingServer(t, `{}`)
	c, err := NewClient(WithAPIKey(testKey), WithBaseURL(url), WithMaxRetries(0))
	require.NoError(t, err)
	for _, id := range []string{"a\x1bb", "a\x7f", "a\vb", "a\nb", "a\x00"} {
		s, err := c.Runs.Stream(context.Background(), "r1", id)
		assert.Nil(t, s)
		var ia *InvalidArgumentError
		require.ErrorAs(t, err, &ia, "%q", id)
		assert.Equal(t, "lastEventID", ia.Argument)
		assert.Equal(t, "StreamRun", ia.Operation)
	}
	assert.Zero(t, n.Load(), "nothing sent")
}

// Item 9, names: a secret field whose name is JSON-escaped is redacted as
// its plain spelling would be, and bearer, session ids and tokens, and
// pass/passwd count as secret names; look-alikes do not.
func TestIssue16_09_DebugBodiesRedactEscapedAndMoreNames(t *testing.T) {
	body := `{"tok\u0065n":"S17","\u0041pi_Key":"S18","bearer":"S19","session_id":"S20","sessionToken":"S21",` +
		`"pass":"S22","passwd":"S23","p\u0061ss":"S24","Pass\"word":"S25","compass":"visible","ok":"visible"}`
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, body)
	})
	h := &captured{}
	c, _ := newTestClient(t, srv, WithLogger(slog.New(h)))
	_, err := do[map[string]any](context.Background(), c, []Option{WithDebugBodies(4096)}, rawRequest("GET", "/x", nil))
	require.NoError(t, err)
	var logged string
	for _, r := range h.get() {
		if strings.Contains(r, "modus: body") {
			logged = r
		}
	}
	require.NotEmpty(t, logged)
	for i := 17; i <= 25; i++ {
		assert.NotContains(t, logged, fmt.Sprintf("S%d", i))
	}
	assert.Contains(t, logged, `"compass":"visible","ok":"visible"`)
}

// Item 8, a run answered with JSON instead of an event stream: the
// *DecodeError quotes the body and the run id it holds with the key masked.
func TestIssue16_08_NotEventStreamMasksKey(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		key := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"runId":"`+key+`","echo":"`+key+`"}`)
	})
	c, _ := newTestClient(t, srv)
	_, err := c.Runs.Create(context.Background(), runReq())
	require.ErrorIs(t, err, ErrNotEventStream)
	assert.NotContains(t, err.Error(), keySecret)
	assert.NotContains(t, fmt.Sprintf("%+v %#v", err, err), keySecret)
	var de *DecodeError
	require.ErrorAs(t, err, &de)
	assert.NotContains(t, string(de.Body), keySecret)
}

// Item 8, stream ends: Runs.Stream after the run's last event, on a server
// that sends the key as the run id header and has nothing more: the
// ErrRunEnded error masks it.
func TestIssue16_08_RunEndedMasksKey(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set(runHeaderID, strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
		sseHeaders(w) // and nothing after the caller's last event id
	})
	c, _ := newTestClient(t, srv)
	s, err := c.Runs.Stream(context.Background(), "r1", "1717000000000-0")
	require.NoError(t, err)
	_ = drain(s)
	require.ErrorIs(t, s.Err(), ErrRunEnded)
	assert.NotContains(t, s.Err().Error(), keySecret)
	assert.NotContains(t, fmt.Sprintf("%+v", s.Err()), keySecret)
}

// Item 8, an event over the size limit after one whose SSE id is the key:
// the error names the last id with the key masked.
func TestIssue16_08_EventTooLargeMasksKey(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		key := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		sseHeaders(w)
		writeFlush(w, frame(key, `{"type":"token","content":"a"}`))
		writeFlush(w, frame("1717000000001-0", `{"type":"token","content":"`+strings.Repeat("x", 4096)+`"}`))
	})
	c, _ := newTestClient(t, srv, WithMaxEventSize(1024))
	s, err := c.Runs.Create(context.Background(), runReq())
	require.NoError(t, err)
	_ = drain(s)
	require.Error(t, s.Err())
	assert.Contains(t, s.Err().Error(), maskedKey)
	assert.NotContains(t, s.Err().Error(), keySecret)
}

// escapeEach writes every byte of s as a JSON \u escape: a server that
// echoes the key this way hides it from a plain search.
func escapeEach(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		fmt.Fprintf(&b, `\u%04x`, s[i])
	}
	return b.String()
}

// unescapeU turns every \uXXXX of s back into its byte, as a reader of the
// text (or a JSON decoder) would.
func unescapeU(s string) string {
	return regexp.MustCompile(`\\u([0-9a-fA-F]{4})`).ReplaceAllStringFunc(s, func(m string) string {
		n, _ := strconv.ParseUint(m[2:], 16, 16)
		return string(rune(n))
	})
}

// The key echoed with JSON escapes, in an error body, a body that does not
// decode, a JSON answer to a run and a debug-logged body: no error string,
// quoted body or log line shows it, escaped or not.
func TestEscapedKeyMaskedEverywhere(t *testing.T) {
	esc := escapeEach(testKey)
	half := escapeEach(testKey[:5]) + testKey[5:] // mixed: some bytes escaped
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/error":
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"error":{"code":"BAD","message":"bad key `+esc+`","status":"INVALID"},"echo":"`+half+`"}`)
		case "/undecodable":
			io.WriteString(w, `{"echo":"`+esc+`", oops}`)
		case "/logged":
			io.WriteString(w, `{"echo":"`+esc+`","n":1,"`+half+`":2}`)
		default: // a run answered with JSON
			io.WriteString(w, `{"runId":"r1","echo":"`+esc+`"}`)
		}
	})
	h := &captured{}
	c, _ := newTestClient(t, srv, WithLogger(slog.New(h)))
	ctx := context.Background()
	shown := func(what, s string) {
		t.Helper()
		assert.NotContains(t, unescapeU(s), keySecret, what)
	}

	_, err := do[map[string]any](ctx, c, nil, rawRequest("GET", "/error", nil))
	var e *Error
	require.ErrorAs(t, err, &e)
	shown("*Error", fmt.Sprintf("%v %+v %#v", err, err, err))
	shown("Error.Body", string(e.Body))

	_, err = do[map[string]any](ctx, c, nil, rawRequest("GET", "/undecodable", nil))
	var de *DecodeError
	require.ErrorAs(t, err, &de)
	shown("*DecodeError", fmt.Sprintf("%v %+v %#v", err, err, err))
	shown("DecodeError.Body", string(de.Body))

	_, err = do[map[string]any](ctx, c, []Option{WithDebugBodies(4096)}, rawRequest("GET", "/logged", nil))
	require.NoError(t, err)

	_, err = c.Runs.Create(ctx, runReq())
	require.ErrorIs(t, err, ErrNotEventStream)
	require.ErrorAs(t, err, &de)
	shown("not an event stream", fmt.Sprintf("%v %+v %#v", err, err, err))
	shown("its body", string(de.Body))

	records := h.get()
	require.NotEmpty(t, records)
	for _, r := range records {
		shown("log record", r)
	}
	assert.Contains(t, strings.Join(records, "\n"), `"n":1`, "the rest of the logged body stays")
}

// maskEscapedKey masks a JSON string holding the key once unescaped, also
// cut short, and leaves everything else byte for byte; a body without a
// backslash is returned as it is, uncopied.
func TestMaskEscapedKey(t *testing.T) {
	key := "modus_abc"
	esc := escapeEach(key)
	for _, tc := range []struct{ in, want string }{
		{`{"a":"` + esc + `","b":"x\n"}`, `{"a":"***","b":"x\n"}`},
		{`["` + esc + ` and more", 2]`, `["***", 2]`},
		{`{"` + esc + `":1}`, `{"***":1}`},
		{`{"a":"` + esc, `{"a":"***"`},             // cut after the key
		{`{"a":"` + esc + `\u00`, `{"a":"***"`},    // cut inside an escape after it
		{`{"a":"` + esc[:20], `{"a":"` + esc[:20]}, // only part of the key
		{`{"a":"modus\u005fab"}`, `{"a":"modus\u005fab"}`},
		{`not json \u006d "\x" "` + esc + `"`, `not json \u006d "\x" "***"`},
	} {
		assert.Equal(t, tc.want, string(maskEscapedKey([]byte(tc.in), key)), tc.in)
	}
	plain := []byte(`{"a":"b"}`)
	assert.Same(t, &plain[0], &maskEscapedKey(plain, key)[0])
}

// A debug body cut where an escaped key straddles the cut shows no part of
// the key's secret (the cut is made after masking, far enough past it).
func TestDebugBodyEscapedKeyAtCut(t *testing.T) {
	key := newAPIKey(testKey)
	esc := escapeEach(testKey)
	body := []byte(`{"pad":"` + strings.Repeat("x", 40) + `","echo":"` + esc + `"}`)
	for max := 40; max < len(body); max++ {
		red, _ := redactBody(body, max, key)
		// Any complete escape of a secret byte that survives the cut is a
		// leak; the prefix "modus_" is not secret.
		assert.NotContains(t, unescapeU(string(red)), testKey[len("modus_"):len("modus_")+2], "max %d: %s", max, red)
	}
}

// FuzzMaskBytes: whatever a server sends, what maskBytes returns holds the
// key neither as it is nor in a JSON string that decodes to it, and
// maskHead's cut of it neither.
func FuzzMaskBytes(f *testing.F) {
	f.Add([]byte(`{"a":"`+escapeEach(testKey)+`"}`), 10)
	f.Add([]byte(`"`+testKey+`" "\u006d`), 3)
	f.Fuzz(func(t *testing.T, b []byte, n int) {
		key := newAPIKey(testKey)
		for _, out := range [][]byte{key.maskBytes(b), key.maskHead(b, max(n, 0))} {
			if bytes.Contains(out, []byte(testKey)) {
				t.Fatalf("raw key in %q", out)
			}
			for i := 0; i < len(out); i++ {
				if out[i] != '"' {
					continue
				}
				end, closed := stringEnd(out, i)
				if strings.Contains(unescapeJSONString(out[i:end], closed), testKey) {
					t.Fatalf("escaped key in %q", out)
				}
				i = end - 1
			}
		}
	})
}

// A server that names the run and an event by the API key, then drops: the
// *StreamInterruptedError shows the key in no field, so neither its text
// nor %#v does.
func TestStreamInterruptedFieldsMaskKey(t *testing.T) {
	proxy := doerFunc(func(req *http.Request) (*http.Response, error) {
		key := strings.TrimPrefix(req.Header.Get("Authorization"), "Bearer ")
		if req.Method == http.MethodGet {
			return nil, errors.New("refused")
		}
		body := io.MultiReader(strings.NewReader(frame(key, `{"type":"token","content":"a"}`)),
			iotest.ErrReader(errors.New("cut")))
		return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"text/event-stream"}, runHeaderID: {key}},
			Body: io.NopCloser(body), Request: req}, nil
	})
	c, err := NewClient(WithAPIKey(testKey), WithOrganizationID(testOrgID), WithHTTPClient(proxy), WithStreamReconnects(1), WithRetryBackoff(time.Millisecond, time.Millisecond))
	require.NoError(t, err)
	s, err := c.Runs.Create(context.Background(), runReq())
	require.NoError(t, err)
	_ = drain(s)
	var si *StreamInterruptedError
	require.ErrorAs(t, s.Err(), &si)
	assert.NotContains(t, si.RunID+" "+si.LastEventID, keySecret)
	assert.NotContains(t, fmt.Sprintf("%v %+v %#v", si, si, si), keySecret)
	assert.Equal(t, maskedKey, si.RunID)
}
