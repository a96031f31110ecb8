package modus

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// FuzzErrorResponse feeds arbitrary error answers to newError: whatever the
// body, status and headers, it must not panic, must keep the status, must
// cap the body, and must still say something useful.
func FuzzErrorResponse(f *testing.F) {
	f.Add(404, []byte(`{"error":{"code":"NOT_FOUND","status":"NOT_FOUND","message":"Agent not found.","requestId":"req_1"}}`), "", "")
	f.Add(429, []byte(`{"error":{"code":"RATE_LIMITED","status":"RESOURCE_EXHAUSTED","message":"slow down"}}`), "3", "req_2")
	f.Add(503, []byte("<html><body>Service Unavailable</body></html>"), "Wed, 21 Oct 2015 07:28:00 GMT", "")
	f.Add(400, []byte(`{"message":"bad thing"}`), "", "")
	f.Add(500, []byte(`{"error":"boom"}`), "-1", "")
	f.Add(502, []byte{}, "", "req_3")
	f.Add(422, []byte(`{"error":{"code":"VALIDATION","info":{"field":["a",1,null]}}}`), "", "")
	f.Add(401, []byte("\xff\xfe not utf-8 \x00"), "9999999999999999999", "")
	f.Fuzz(func(t *testing.T, status int, body []byte, retryAfter, requestID string) {
		if status < 100 || status > 999 {
			status = 400 + (status%200+200)%200 // keep it an HTTP-looking status
		}
		h := http.Header{}
		h.Set("Retry-After", retryAfter)
		h.Set("X-Request-Id", requestID)
		e := newError(&http.Response{StatusCode: status, Header: h, Body: io.NopCloser(bytes.NewReader(body))}, nil, time.Now())

		if e.StatusCode != status {
			t.Fatalf("StatusCode = %d, want %d", e.StatusCode, status)
		}
		if len(e.Body) > maxErrorBody || !bytes.HasPrefix(body, e.Body) {
			t.Fatalf("Body is not a capped prefix of the answer (%d bytes of %d)", len(e.Body), len(body))
		}
		if e.RetryAfter < 0 {
			t.Fatalf("negative RetryAfter %v", e.RetryAfter)
		}
		msg := e.Error()
		if !strings.HasPrefix(msg, "modus: "+strconv.Itoa(status)) {
			t.Fatalf("Error() = %q does not start with the status", msg)
		}
		if len(bytes.TrimSpace(e.Body)) > 0 && e.Message == "" && e.Code == "" && e.Status == "" {
			t.Fatalf("non-empty body %q gave no message, code or status", e.Body)
		}
		for sentinel, want := range map[error]bool{
			ErrNotFound:    status == 404,
			ErrRateLimited: status == 429,
			ErrServer:      status >= 500 && status <= 599,
			ErrConflict:    status == 409,
		} {
			if errors.Is(e, sentinel) != want {
				t.Fatalf("errors.Is(%d, %v) = %v", status, sentinel, !want)
			}
		}
	})
}
