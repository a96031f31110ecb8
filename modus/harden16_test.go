package modus

// Issue 16, items 1-9 and 17-20: the request path under hostile input. Each
// test is named after its item.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"reflect"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"testing/iotest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// countingServer answers every request with body (200, JSON) and counts them.
func countingServer(t *testing.T, body string) (*atomic.Int32, string) {
	var n atomic.Int32
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, body)
	})
	return &n, srv.URL
}

// callWithStringIDs calls method m (a service method) with every string
// argument set to id and zero values elsewhere, and returns its error (for
// an iterator, the first one it yields).
func callWithStringIDs(m reflect.Value, id string) error {
	mt := m.Type()
	args := []reflect.Value{reflect.ValueOf(context.Background())}
	for i := 1; i < mt.NumIn(); i++ {
		in := mt.In(i)
		if mt.IsVariadic() && i == mt.NumIn()-1 {
			break
		}
		switch in.Kind() {
		case reflect.String:
			args = append(args, reflect.ValueOf(id).Convert(in))
		case reflect.Int64:
			args = append(args, reflect.ValueOf(int64(5)).Convert(in))
		default:
			args = append(args, reflect.Zero(in))
		}
	}
	out := m.Call(args)
	last := out[len(out)-1]
	if seq, ok := last.Interface().(iter.Seq2[any, error]); ok {
		for _, err := range seq {
			return err
		}
		return nil
	}
	if last.Type().Kind() == reflect.Func { // another iter.Seq2[T, error]
		var err error
		yield := reflect.MakeFunc(last.Type().In(0), func(a []reflect.Value) []reflect.Value {
			err, _ = a[1].Interface().(error)
			return []reflect.Value{reflect.ValueOf(false)}
		})
		last.Call([]reflect.Value{yield})
		return err
	}
	err, _ := last.Interface().(error)
	return err
}

// services returns every service of c, nested ones included, by name.
func services(c *Client) map[string]reflect.Value {
	out := map[string]reflect.Value{}
	var walk func(prefix string, v reflect.Value)
	walk = func(prefix string, v reflect.Value) {
		e := v.Elem()
		for i := 0; i < e.NumField(); i++ {
			f := e.Type().Field(i)
			if f.IsExported() && f.Type.Kind() == reflect.Pointer && strings.HasSuffix(f.Type.Elem().Name(), "Service") {
				out[prefix+f.Name] = e.Field(i)
				walk(prefix+f.Name+".", e.Field(i))
			}
		}
	}
	walk("", reflect.ValueOf(c))
	return out
}

// Item 1: a string path id that is empty, "." or ".." is refused before
// anything is sent, naming the argument; every method that takes one.
func TestIssue16_01_DotSegmentIDsRefused(t *testing.T) {
	n, url := countingServer(t, `{}`)
	c, err := NewClient(WithAPIKey(testKey), WithBaseURL(url), WithOrganizationID(testOrgID))
	require.NoError(t, err)
	checked := 0
	for name, svc := range services(c) {
		for i := 0; i < svc.NumMethod(); i++ {
			m, mt := svc.Method(i), svc.Type().Method(i)
			hasString := false
			for j := 1; j < m.Type().NumIn(); j++ {
				hasString = hasString || m.Type().In(j).Kind() == reflect.String
			}
			if !hasString {
				continue
			}
			checked++
			for _, id := range []string{"", ".", ".."} {
				err := callWithStringIDs(m, id)
				var ae *InvalidArgumentError
				require.Truef(t, errors.As(err, &ae), "%s.%s(%q): %v", name, mt.Name, id, err)
				assert.True(t, errors.Is(err, ErrInvalidArgument))
				assert.NotEmpty(t, ae.Argument)
				assert.Contains(t, err.Error(), ae.Argument, "the message names the argument")
			}
		}
	}
	assert.GreaterOrEqual(t, checked, 11, "every method with a string id")
	assert.Zero(t, n.Load(), "nothing sent")

	// The run id of Create comes from the body or the idempotency key, and
	// names the run in the path of every reconnection.
	_, err = c.Runs.Create(context.Background(), CreateRunRequest{Message: "m", SessionID: "s", RunID: Ptr("..")})
	assert.ErrorIs(t, err, ErrInvalidArgument)
	_, err = c.Runs.Create(context.Background(), runReq(), WithIdempotencyKey("."))
	assert.ErrorIs(t, err, ErrInvalidArgument)
	assert.Zero(t, n.Load(), "nothing sent")
}

// Item 1: ids with reserved characters stay one escaped segment.
func TestIssue16_01_ReservedCharsOneSegment(t *testing.T) {
	var paths []string
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		paths = append(paths, r.URL.EscapedPath())
		w.WriteHeader(http.StatusNoContent)
	})
	c, _ := newTestClient(t, srv)
	ids := []string{"a/b", "a?b", "a#b", "a%2Fb", "100%", "a\r\nb", "日本", "...", "a/../b", " "}
	for _, id := range ids {
		require.NoError(t, c.Skills.Memories.Delete(context.Background(), 5, id))
	}
	require.Len(t, paths, len(ids))
	for i, p := range paths {
		rest, ok := strings.CutPrefix(p, "/api/v1/skills/5/memories/")
		require.True(t, ok, p)
		assert.NotContains(t, rest, "/", "one segment: %s", p)
		got, err := url.PathUnescape(rest)
		require.NoError(t, err)
		assert.Equal(t, ids[i], got)
	}
}

// Item 2: WithHeader refuses every control character but tab, when the
// option is made.
func TestIssue16_02_HeaderControlCharsRefused(t *testing.T) {
	for _, v := range []string{"a\x1bb", "a\x7fb", "a\vb", "a\x01", "a\rb", "a\nb", "a\x00"} {
		_, err := NewClient(WithAPIKey(testKey), WithHeader("X-Custom", v))
		assert.Errorf(t, err, "%q", v)
		_, err = NewClient(WithAPIKey(testKey), WithUserAgent(v))
		assert.Errorf(t, err, "%q", v)
	}
	_, err := NewClient(WithAPIKey(testKey), WithHeader("X-Custom", "a\tb é"))
	assert.NoError(t, err)
	n, u := countingServer(t, `{"id":1}`)
	c, err := NewClient(WithAPIKey(testKey), WithBaseURL(u))
	require.NoError(t, err)
	_, err = c.Agents.Get(context.Background(), 1, nil, WithHeader("X-Custom", "a\x1bb"))
	assert.Error(t, err)
	assert.Zero(t, n.Load())
}

// Item 2: a request net/http refuses locally (here a middleware sets a bad
// header value) fails at once, without retries.
func TestIssue16_02_LocalRefusalNotRetried(t *testing.T) {
	n, _ := countingServer(t, `{"id":1}`)
	var attempts atomic.Int32
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) { n.Add(1) })
	c, rec := newTestClient(t, srv, WithMiddleware(func(req *http.Request, next MiddlewareNext) (*http.Response, error) {
		attempts.Add(1)
		req.Header.Set("X-Trace", "a\x1bb")
		return next(req)
	}))
	_, err := c.Agents.Get(context.Background(), 1, nil)
	var te *TransportError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, int32(1), attempts.Load(), "not retried")
	assert.Empty(t, rec.get(), "no wait")
	assert.Zero(t, n.Load())
}

// Item 3: a middleware that panics after next: the panic reaches the caller,
// and the attempt's context and connection are released (the server sees
// its request end), for a call and for a stream's opening.
func TestIssue16_03_MiddlewarePanicReleases(t *testing.T) {
	released := make(chan string, 4)
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/agent/") {
			sseHeaders(w)
		} else {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(200)
			io.WriteString(w, `{"id":1,`)
		}
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
			released <- r.URL.Path
		case <-time.After(3 * time.Second): // the fix reverted: do not hang the test
		}
	})
	panicky := WithMiddleware(func(req *http.Request, next MiddlewareNext) (*http.Response, error) {
		if _, err := next(req); err != nil {
			return nil, err
		}
		panic("middleware boom")
	})
	c, _ := newTestClient(t, srv, panicky)
	for name, call := range map[string]func(){
		"call":   func() { _, _ = c.Agents.Get(context.Background(), 1, nil) },
		"stream": func() { _, _ = c.Runs.Create(context.Background(), runReq()) },
	} {
		got := func() (r any) {
			defer func() { r = recover() }()
			call()
			return nil
		}()
		assert.Equal(t, "middleware boom", got, name)
		select {
		case p := <-released:
			t.Logf("%s: released %s", name, p)
		case <-time.After(2 * time.Second):
			t.Fatalf("%s: the request was not released after the panic", name)
		}
	}
}

// Item 4: a middleware returning (nil, nil) is an error, not a panic, and
// is not retried.
func TestIssue16_04_MiddlewareNilResponse(t *testing.T) {
	n, u := countingServer(t, `{"id":1}`)
	var attempts atomic.Int32
	c, err := NewClient(WithAPIKey(testKey), WithBaseURL(u), WithMiddleware(func(*http.Request, MiddlewareNext) (*http.Response, error) {
		attempts.Add(1)
		return nil, nil
	}))
	require.NoError(t, err)
	_, err = c.Agents.Get(context.Background(), 1, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "nil response")
	assert.Equal(t, int32(1), attempts.Load())
	assert.Zero(t, n.Load())
	// And (nil, nil) after calling next releases next's response.
	c2, err := NewClient(WithAPIKey(testKey), WithBaseURL(u), WithMiddleware(func(req *http.Request, next MiddlewareNext) (*http.Response, error) {
		_, _ = next(req)
		return nil, nil
	}))
	require.NoError(t, err)
	_, err = c2.Agents.Get(context.Background(), 1, nil)
	assert.ErrorContains(t, err, "nil response")
}

// Item 5: a middleware may answer by itself; a hand-built response with
// ContentLength 0 or -1 (or no header map) is decoded like a real one.
func TestIssue16_05_HandBuiltResponseDecoded(t *testing.T) {
	for _, cl := range []int64{0, -1} {
		c, err := NewClient(WithAPIKey(testKey), WithBaseURL("http://127.0.0.1:1"), WithMiddleware(func(req *http.Request, _ MiddlewareNext) (*http.Response, error) {
			return &http.Response{StatusCode: 200, ContentLength: cl, Request: req,
				Body: io.NopCloser(strings.NewReader(`{"id":42,"name":"cached"}`))}, nil
		}))
		require.NoError(t, err)
		a, err := c.Agents.Get(context.Background(), 42, nil)
		require.NoErrorf(t, err, "ContentLength %d", cl)
		assert.Equal(t, int64(42), a.ID)
	}
	// A nil body is an empty one.
	c, err := NewClient(WithAPIKey(testKey), WithBaseURL("http://127.0.0.1:1"), WithMiddleware(func(req *http.Request, _ MiddlewareNext) (*http.Response, error) {
		return &http.Response{StatusCode: 204}, nil
	}))
	require.NoError(t, err)
	require.NoError(t, c.Agents.Delete(context.Background(), 1))
}

var errBreakerOpen = errors.New("circuit open")

// Item 6: a middleware's own error is final; an error it passes on from next
// is still a transport failure, retried.
func TestIssue16_06_MiddlewareErrorFinal(t *testing.T) {
	var attempts atomic.Int32
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {})
	c, rec := newTestClient(t, srv, WithMiddleware(func(*http.Request, MiddlewareNext) (*http.Response, error) {
		attempts.Add(1)
		return nil, errBreakerOpen
	}))
	_, err := c.Agents.Get(context.Background(), 1, nil)
	assert.ErrorIs(t, err, errBreakerOpen)
	assert.Equal(t, int32(1), attempts.Load(), "not retried")
	assert.Empty(t, rec.get())

	attempts.Store(0)
	dial := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
	c2, err := NewClient(WithAPIKey(testKey), WithHTTPClient(doerFunc(func(*http.Request) (*http.Response, error) { return nil, dial })),
		WithMiddleware(func(req *http.Request, next MiddlewareNext) (*http.Response, error) {
			attempts.Add(1)
			resp, err := next(req)
			if err != nil {
				return nil, fmt.Errorf("traced: %w", err)
			}
			return resp, nil
		}))
	require.NoError(t, err)
	c2.retry.sleep = func(ctx context.Context, _ time.Duration) error { return ctx.Err() }
	_, err = c2.Agents.Get(context.Background(), 1, nil)
	assert.ErrorIs(t, err, dial)
	assert.Equal(t, int32(3), attempts.Load(), "next's failure is retried")
}

type doerFunc func(*http.Request) (*http.Response, error)

func (f doerFunc) Do(r *http.Request) (*http.Response, error) { return f(r) }

// Item 7: AttemptOf and the logs name the operation of an id holding an
// escaped "/".
func TestIssue16_07_OperationOfEscapedSlash(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"uid":"x"}`)
	})
	var ops []string
	h := &captured{}
	c, _ := newTestClient(t, srv, WithLogger(slog.New(h)), WithMiddleware(func(req *http.Request, next MiddlewareNext) (*http.Response, error) {
		info, _ := AttemptOf(req)
		ops = append(ops, info.Operation)
		return next(req)
	}))
	require.NoError(t, c.Skills.Memories.Delete(context.Background(), 5, "a/b"))
	_, err := c.Context.Get(context.Background(), "x/y/z")
	require.NoError(t, err)
	assert.Equal(t, []string{"DeleteMemory", "GetContextItem"}, ops)
	joined := strings.Join(h.get(), "\n")
	assert.Contains(t, joined, "path=/api/v1/skills/{id}/memories/{memoryId} operation=DeleteMemory")
	assert.Contains(t, joined, "path=/api/v1/context/items/{uid} operation=GetContextItem")
}

// Item 8: the API key is in no error string and no log record, even when a
// server (or a proxy) echoes it: error bodies, request ids, undecodable
// bodies, transport errors, and the reason a stream reconnects.
func TestIssue16_08_KeyMaskedEverywhere(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		w.Header().Set("X-Request-Id", "rid-"+auth)
		switch {
		case strings.HasPrefix(r.URL.Path, "/agent/"):
			sseHeaders(w)
			writeFlush(w, frame("1717000000000-0", `{"type":"token","content":"a"}`))
		case r.URL.Path == "/api/v1/agents/2":
			io.WriteString(w, `not json `+auth)
		default:
			writeError(w, 400, "BAD_REQUEST", "INVALID_ARGUMENT", "bad key "+auth, "")
		}
	})
	h := &captured{}
	proxy := doerFunc(func(req *http.Request) (*http.Response, error) {
		auth := req.Header.Get("Authorization")
		switch {
		case req.Method == http.MethodGet && strings.HasSuffix(req.URL.Path, "/stream"):
			return nil, errors.New("proxy refused " + auth)
		case req.URL.Path == "/agent/runs":
			// One event, then a cut whose error quotes the request.
			body := io.MultiReader(strings.NewReader(frame("1717000000000-0", `{"type":"token","content":"a"}`)),
				iotest.ErrReader(errors.New("proxy cut "+auth)))
			return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"text/event-stream"}},
				Body: io.NopCloser(body), Request: req}, nil
		}
		return srv.Client().Do(req)
	})
	c, _ := newTestClient(t, srv, WithHTTPClient(proxy), WithLogger(slog.New(h)), WithDebugBodies(1<<10), WithStreamReconnects(2))
	secret := strings.TrimPrefix(testKey, "modus_")
	var errs []error
	_, err := c.Agents.Get(context.Background(), 1, nil)
	errs = append(errs, err)
	var e *Error
	require.ErrorAs(t, err, &e)
	assert.NotContains(t, string(e.Body), secret)
	assert.NotContains(t, e.RequestID, secret)
	_, err = c.Agents.Get(context.Background(), 2, nil)
	errs = append(errs, err)
	s, err := c.Runs.Create(context.Background(), runReq())
	require.NoError(t, err)
	_ = drain(s)
	errs = append(errs, s.Err())
	for _, err := range errs {
		require.Error(t, err)
		assert.NotContains(t, err.Error(), secret)
		assert.NotContains(t, fmt.Sprintf("%+v %#v", err, err), secret)
	}
	recs := h.get()
	assert.Contains(t, strings.Join(recs, "\n"), "modus: reconnect")
	for _, r := range recs {
		assert.NotContains(t, r, secret)
	}
}

// Item 9: debug bodies are cut to n bytes before they are redacted, so a
// huge body costs about n on top of the call, not its size again.
func TestIssue16_09_DebugBodiesCutFirst(t *testing.T) {
	body := []byte(`{"id":1,"name":"` + strings.Repeat("x", 16<<20) + `","token":"t"}`)
	answer := WithMiddleware(func(req *http.Request, _ MiddlewareNext) (*http.Response, error) {
		return &http.Response{StatusCode: 200, ContentLength: int64(len(body)), Request: req, Header: http.Header{},
			Body: io.NopCloser(bytes.NewReader(body))}, nil
	})
	h := &captured{}
	c, err := NewClient(WithAPIKey(testKey), WithBaseURL("http://127.0.0.1:1"), WithLogger(slog.New(h)), answer)
	require.NoError(t, err)
	measure := func(opts ...Option) (uint64, time.Duration) {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		start := time.Now()
		_, err := c.Agents.Get(context.Background(), 1, nil, opts...)
		took := time.Since(start)
		runtime.ReadMemStats(&after)
		require.NoError(t, err)
		return after.TotalAlloc - before.TotalAlloc, took
	}
	plainAlloc, plainTime := measure()
	debugAlloc, debugTime := measure(WithDebugBodies(100))
	t.Logf("call alone: %d B, %s; with debug bodies: %d B, %s", plainAlloc, plainTime, debugAlloc, debugTime)
	assert.Less(t, int64(debugAlloc)-int64(plainAlloc), int64(256<<10), "the log costs about n, not the body")
	assert.Contains(t, strings.Join(h.get(), "\n"), "cut=true")
}

// Item 9: secret fields are redacted whatever the shape of their name and
// the type of their value, also when the cut falls inside one.
func TestIssue16_09_DebugBodiesRedactAnyShape(t *testing.T) {
	body := `{"api-key":"s1","apiKey":"s2","token2":31337,"client_secret":{"a":"s4","b":[1,2]},` +
		`"Authorization":["s5","s6"],"nested":{"password":4242,"x-auth-token":"s7"},"auth":"s8","ok":"visible",` +
		`"refresh_token":"s9long"}`
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, body)
	})
	h := &captured{}
	c, _ := newTestClient(t, srv, WithLogger(slog.New(h)))
	var out map[string]any
	_, err := do[map[string]any](context.Background(), c, []Option{WithDebugBodies(4096)}, rawRequest("GET", "/x", nil))
	require.NoError(t, err)
	cut := strings.Index(body, "s9long") + 3 // the cut falls inside the last secret
	_, err = do[map[string]any](context.Background(), c, []Option{WithDebugBodies(cut)}, rawRequest("GET", "/x", nil))
	require.NoError(t, err)
	_ = out
	var bodies []string
	for _, r := range h.get() {
		if strings.Contains(r, "modus: body") {
			bodies = append(bodies, r)
		}
	}
	require.Len(t, bodies, 2)
	for _, b := range bodies {
		for _, s := range []string{"s1", "s2", "31337", "s4", "s5", "s6", "4242", "s7", "s8", "s9"} {
			assert.NotContains(t, b, s)
		}
		assert.Contains(t, b, `"ok":"visible"`)
	}
	assert.Contains(t, bodies[0], `"api-key":"***","apiKey":"***","token2":"***","client_secret":"***","Authorization":"***"`)
}

// Item 17: WithResponseInto is filled by every answer that arrived: an
// error status, and a 2xx over the size limit (whose error carries the
// request id).
func TestIssue16_17_ResponseMetaOnEveryAnswer(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-Id", "rid"+r.URL.Path)
		if r.URL.Path == "/big" {
			io.WriteString(w, strings.Repeat("x", 100))
			return
		}
		writeError(w, 404, "NOT_FOUND", "NOT_FOUND", "no", "")
	})
	c, _ := newTestClient(t, srv)
	var meta ResponseMeta
	_, err := do[thing](context.Background(), c, []Option{WithResponseInto(&meta)}, rawRequest("GET", "/missing", nil))
	require.ErrorIs(t, err, ErrNotFound)
	assert.Equal(t, 404, meta.StatusCode)
	assert.Equal(t, "rid/missing", meta.RequestID)
	assert.Equal(t, 1, meta.Attempts)

	meta = ResponseMeta{}
	_, err = do[thing](context.Background(), c, []Option{WithResponseInto(&meta), WithMaxResponseSize(10)}, rawRequest("GET", "/big", nil))
	var tl *ResponseTooLargeError
	require.ErrorAs(t, err, &tl)
	assert.Equal(t, "rid/big", tl.RequestID)
	assert.Contains(t, err.Error(), "rid/big")
	assert.Equal(t, 200, meta.StatusCode)
	assert.Equal(t, "rid/big", meta.RequestID)
}

// Item 17: with an iterator, the ResponseMeta holds, while the loop body
// runs, the answer of the page the current item came from.
func TestIssue16_17_ResponseMetaPerPage(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		tok := r.URL.Query().Get("pageToken")
		w.Header().Set("X-Request-Id", "page-"+tok)
		w.Header().Set("Content-Type", "application/json")
		switch tok {
		case "":
			io.WriteString(w, `{"agents":[{"id":1},{"id":2}],"nextPageToken":"b"}`)
		case "b":
			io.WriteString(w, `{"agents":[{"id":3}],"nextPageToken":null}`)
		}
	})
	c, _ := newTestClient(t, srv)
	var meta ResponseMeta
	got := map[int64]string{}
	for a, err := range c.Agents.All(context.Background(), nil, WithResponseInto(&meta)) {
		require.NoError(t, err)
		got[a.ID] = meta.RequestID
	}
	assert.Equal(t, map[int64]string{1: "page-", 2: "page-", 3: "page-b"}, got)
}

// Item 18: a 2xx body over the limit without Content-Length costs at most
// about the limit in allocations (it used to peak at 3.5 times).
func TestIssue16_18_OversizeBodyMemory(t *testing.T) {
	const limit = 8 << 20
	chunk := bytes.Repeat([]byte("x"), 64<<10)
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i < (limit+limit/2)/len(chunk); i++ {
			if _, err := w.Write(chunk); err != nil {
				return
			}
			w.(http.Flusher).Flush() // chunked: no Content-Length
		}
	})
	c, _ := newTestClient(t, srv, WithMaxResponseSize(limit), WithMaxRetries(0))
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := do[thing](context.Background(), c, nil, rawRequest("GET", "/x", nil))
	runtime.ReadMemStats(&after)
	require.ErrorIs(t, err, ErrResponseTooLarge)
	allocated := after.TotalAlloc - before.TotalAlloc
	t.Logf("allocated %.2f× the limit", float64(allocated)/limit)
	assert.Less(t, allocated, uint64(limit*3/2), "allocations (an upper bound of the peak) stay near the limit")

	// Under the limit, the body still decodes.
	srv2 := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"id":7,"name":"`))
		w.(http.Flusher).Flush()
		w.Write(bytes.Repeat([]byte("n"), 5000))
		w.Write([]byte(`"}`))
	})
	c2, _ := newTestClient(t, srv2)
	v, err := do[thing](context.Background(), c2, nil, rawRequest("GET", "/x", nil))
	require.NoError(t, err)
	assert.Equal(t, int64(7), v.ID)
	assert.Len(t, v.Name, 5000)
}

// Item 19: an update that sets nothing, without a mask, is refused before
// sending, with a message that says how to clear a field.
func TestIssue16_19_EmptyUpdateRefused(t *testing.T) {
	n, u := countingServer(t, `{"id":1,"uid":"u"}`)
	c, err := NewClient(WithAPIKey(testKey), WithBaseURL(u))
	require.NoError(t, err)
	ctx := context.Background()
	_, e1 := c.Agents.Update(ctx, 1, nil, UpdateAgentRequest{Description: nil})
	_, e2 := c.Skills.Update(ctx, 1, &SkillUpdateParams{}, UpdateSkillRequest{})
	e3 := c.Skills.Memories.Update(ctx, 1, "m", nil, UpdateMemoryRequest{})
	_, e4 := c.Context.Update(ctx, "u", nil, UpdateContextItemRequest{})
	for _, err := range []error{e1, e2, e3, e4} {
		require.ErrorIs(t, err, ErrInvalidArgument)
		assert.Contains(t, err.Error(), "Null")
		assert.Contains(t, err.Error(), "body")
	}
	assert.Zero(t, n.Load())
	// A mask, or a field set (null included), is sent.
	_, err = c.Agents.Update(ctx, 1, &AgentUpdateParams{UpdateMask: Ptr("description")}, UpdateAgentRequest{})
	require.NoError(t, err)
	_, err = c.Agents.Update(ctx, 1, nil, UpdateAgentRequest{Description: Null[string]()})
	require.NoError(t, err)
	assert.Equal(t, int32(2), n.Load())
}

// Item 20: MODUS_TIMEOUT takes Go durations too, and its error prints the
// limit as a duration.
func TestIssue16_20_TimeoutDurations(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(2 * time.Second):
		}
	})
	t.Setenv(EnvTimeout, "50ms")
	c, _ := newTestClient(t, srv, WithMaxRetries(0))
	start := time.Now()
	_, err := c.Agents.Get(context.Background(), 1, nil)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), time.Second)

	for _, v := range []string{"1m30s", "2.5", "0", "1h"} {
		t.Setenv(EnvTimeout, v)
		_, err := NewClient(WithAPIKey(testKey))
		assert.NoErrorf(t, err, "%s", v)
	}
	for _, v := range []string{"-1s", "NaN", "1e12", "30 s", "forever"} {
		t.Setenv(EnvTimeout, v)
		_, err := NewClient(WithAPIKey(testKey))
		require.Errorf(t, err, "%s", v)
		assert.NotContains(t, err.Error(), "e+")
		assert.Contains(t, err.Error(), "277777h46m40s")
	}
}

// Item 8, run errors: an error event whose message echoes the key ends the
// stream with a *RunError whose text masks it; the event itself is left as
// the server sent it.
func TestIssue16_08_RunErrorMasksKey(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		sseHeaders(w)
		writeFlush(w, frame("1717000000000-0", `{"type":"error","error":"denied for `+r.Header.Get("Authorization")+`"}`))
	})
	c, _ := newTestClient(t, srv)
	s, err := c.Runs.Create(context.Background(), runReq())
	require.NoError(t, err)
	_ = drain(s)
	secret := strings.TrimPrefix(testKey, "modus_")
	var re *RunError
	require.ErrorAs(t, s.Err(), &re)
	assert.Contains(t, re.Message, "denied for")
	assert.NotContains(t, s.Err().Error(), secret)
	assert.NotContains(t, fmt.Sprintf("%+v %#v", s.Err(), s.Err()), secret)
}
