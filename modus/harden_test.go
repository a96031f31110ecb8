package modus

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// hostile is server-controlled text meant to forge log lines, drive a
// terminal and reorder what a reader sees.
const hostile = "boom\r\nlevel=INFO msg=forged\x1b[2J\x1b]0;title\x07\u202eevil\xff\xfe\x00"

// assertOneLine fails unless s is valid UTF-8 without control, format or
// other non-graphic runes.
func assertOneLine(t *testing.T, s string) {
	t.Helper()
	assert.True(t, utf8.ValidString(s), "invalid UTF-8 in %q", s)
	for _, r := range s {
		if r != ' ' && !unicode.IsGraphic(r) {
			t.Errorf("non-printable rune %U in %q", r, s)
		}
	}
}

func TestErrorStringsArePrintable(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(400)
		io.WriteString(w, `{"error":{"code":"BAD_REQUEST\u001b[31m","status":"INVALID_ARGUMENT","message":"line1\nline2\u001b[2J\u202e","requestId":"req\r\n1"}}`)
	})
	c, _ := newTestClient(t, srv, WithMaxRetries(0))
	_, err := do[thing](context.Background(), c, nil, rawSend(c, "GET", "/x", nil))
	var e *Error
	require.True(t, errors.As(err, &e), "%v", err)
	assert.Equal(t, "line1\nline2\x1b[2J\u202e", e.Message, "the field keeps the raw text")
	assertOneLine(t, err.Error())
	assert.Contains(t, err.Error(), `line1\nline2\x1b[2J\u202e`, "escaped, not dropped")

	for _, err := range []error{
		&Error{StatusCode: 500, Code: hostile, Status: hostile, Message: hostile, RequestID: hostile},
		&TransportError{Method: "GET", Host: "h", Path: "/p", Err: errors.New(hostile)},
		&DecodeError{StatusCode: 200, ContentType: hostile, Body: []byte(hostile), Err: errors.New(hostile)},
		&StreamInterruptedError{RunID: hostile, LastEventID: hostile, Err: errors.New(hostile)},
		&StreamInterruptedError{Err: errors.New(hostile)},
		&RunError{Message: hostile, Code: hostile, RunID: hostile},
		&EventDecodeError{EventID: hostile, Data: []byte(hostile), Err: errors.New(hostile)},
	} {
		msg := err.Error()
		assertOneLine(t, msg)
		assert.NotContains(t, msg, "\n")
		assert.True(t, strings.Contains(msg, "forged"), "the text is still there: %q", msg)
	}
	assert.Equal(t, "plain ascii", printable("plain ascii"))
	assert.Equal(t, "é ü 日本", printable("é ü 日本"))
	
	
}
