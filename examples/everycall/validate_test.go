package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/modus-data/modus-sdk-go/modus"
	"github.com/modus-data/modus-sdk-go/modus/modustest"
)

// Every request the SDK sends and every answer of modustest, over every
// operation of the table, validates against openapi.json with kin-openapi's
// openapi3filter. kin-openapi reads nullable beside allOf loosely; the
// stricter dev-time check with Stoplight Prism is in main.go's doc comment.
func TestEveryCallValidatesAgainstTheSpec(t *testing.T) {
	srv := modustest.NewServer(t)
	v := newValidator(t, "../../openapi.json", srv.URL(), srv.HTTPClient().Transport)
	client, err := srv.Client(modus.WithHTTPClient(&http.Client{Transport: v}), modus.WithMaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if failed := run(context.Background(), client, fakeFixtures(srv), &out); failed != 0 {
		t.Fatalf("%d operations failed:\n%s", failed, out.String())
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	for _, p := range v.problems {
		t.Error(p)
	}
	if v.exchanges < tableSize(t) {
		t.Fatalf("only %d exchanges validated", v.exchanges)
	}
	t.Logf("%d exchanges validated, %d problems", v.exchanges, len(v.problems))
}

// validator is a RoundTripper that validates each request and its answer.
type validator struct {
	next      http.RoundTripper
	router    routers.Router
	mu        sync.Mutex
	exchanges int
	problems  []string
}

func newValidator(t *testing.T, specPath, baseURL string, next http.RoundTripper) *validator {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromFile(specPath)
	if err != nil {
		t.Fatal(err)
	}
	// Route by path on the fake's URL: every host of the spec is the fake.
	doc.Servers = openapi3.Servers{{URL: baseURL}}
	for _, item := range doc.Paths.Map() {
		item.Servers = nil
		for _, op := range item.Operations() {
			op.Servers = nil
		}
	}
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return &validator{next: next, router: router}
}

func (v *validator) problem(format string, args ...any) {
	v.mu.Lock()
	v.problems = append(v.problems, fmt.Sprintf(format, args...))
	v.mu.Unlock()
}

func (v *validator) RoundTrip(req *http.Request) (*http.Response, error) {
	where := req.Method + " " + req.URL.Path
	var reqBody []byte
	if req.Body != nil {
		reqBody, _ = io.ReadAll(req.Body)
		req.Body.Close()
		req.Body = io.NopCloser(bytes.NewReader(reqBody))
	}
	route, params, err := v.router.FindRoute(req)
	if err != nil {
		v.problem("%s: no operation: %v", where, err)
		return v.next.RoundTrip(req)
	}
	check := req.Clone(req.Context())
	check.Body = io.NopCloser(bytes.NewReader(reqBody))
	in := &openapi3filter.RequestValidationInput{Request: check, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true}}
	if err := openapi3filter.ValidateRequest(req.Context(), in); err != nil {
		v.problem("%s: request: %v", where, err)
	}
	resp, err := v.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	var body []byte
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		in.Options.ExcludeResponseBody = true // frames are checked by the stream tests
	} else {
		body, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(body))
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header,
		Body: io.NopCloser(bytes.NewReader(body)), Options: in.Options}
	if err := openapi3filter.ValidateResponse(req.Context(), out); err != nil {
		v.problem("%s: response %d: %v", where, resp.StatusCode, err)
	}
	v.mu.Lock()
	v.exchanges++
	v.mu.Unlock()
	return resp, nil
}
