package modustest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// errDropStream makes a stream end like a broken connection.
var errDropStream = errors.New("modustest: stream dropped on purpose")

// AnyMethod and AnyPath match every method and every path in the route
// arguments of FailNextOn, DropNextOn, SetLatencyOn and Requests.
const (
	AnyMethod = "*"
	AnyPath   = "*"
)

// route is a method and a path pattern: a path as the spec writes it, where
// a {name} segment matches any one segment, such as
// /agent/runs/{runId}/stream; AnyMethod and AnyPath match everything.
type route struct{ method, pattern string }

func newRoute(fn, method, pattern string) route {
	if method == "" || pattern == "" || (pattern != AnyPath && !strings.HasPrefix(pattern, "/")) {
		panic(fmt.Sprintf("modustest: %s: method %q and path pattern %q: want a method or %q and a path starting with / or %q",
			fn, method, pattern, AnyMethod, AnyPath))
	}
	return route{strings.ToUpper(method), pattern}
}

func (r route) matches(method, path string) bool {
	if r.method != AnyMethod && r.method != method {
		return false
	}
	if r.pattern == AnyPath {
		return true
	}
	want, got := strings.Split(r.pattern, "/"), strings.Split(path, "/")
	if len(want) != len(got) {
		return false
	}
	for i, w := range want {
		isParam := strings.HasPrefix(w, "{") && strings.HasSuffix(w, "}")
		if (isParam && got[i] == "") || (!isParam && w != got[i]) {
			return false
		}
	}
	return true
}

// failRule answers the next n matching requests with an error.
type failRule struct {
	route
	n          int
	status     int
	retryAfter time.Duration
}

// dropRule breaks the next n matching event streams after some events.
type dropRule struct {
	route
	n      int
	events int
}

// latencyRule delays the matching requests.
type latencyRule struct {
	route
	d time.Duration
}

// faults holds the fault rules and request counters. It has its own
// mutex so that tests may flip switches while requests are in flight.
type faults struct {
	mu            sync.Mutex
	eventInterval time.Duration
	fails         []failRule
	drops         []dropRule
	latencies     []latencyRule
	total         int
	perRoute      map[string]int
}

// setRule replaces the rule of the same route in rules, or appends one;
// keep false removes it.
func setRule[R interface{ key() route }](rules []R, r R, keep bool) []R {
	for i := range rules {
		if rules[i].key() == r.key() {
			if keep {
				rules[i] = r
				return rules
			}
			return append(rules[:i], rules[i+1:]...)
		}
	}
	if keep {
		rules = append(rules, r)
	}
	return rules
}

func (r failRule) key() route    { return r.route }
func (r dropRule) key() route    { return r.route }
func (r latencyRule) key() route { return r.route }

// FailNext makes the next n requests, whatever their route, fail as
// FailNextOn(AnyMethod, AnyPath, n, status, retryAfter) describes.
func (s *Server) FailNext(n, status int, retryAfter time.Duration) {
	s.FailNextOn(AnyMethod, AnyPath, n, status, retryAfter)
}

// FailNextOn makes the next n requests that match method and path pattern
// answer with status before any other check (authentication included), in
// the API's error shape with the code the API gives that status: 400
// BAD_REQUEST, 401 UNAUTHORIZED, 403 FORBIDDEN, 404 NOT_FOUND, 409 CONFLICT,
// 422 VALIDATION, 429 RATE_LIMITED, any other INTERNAL_ERROR. The answer
// carries a Retry-After header of retryAfter rounded up to whole seconds
// ("0" for 0), which the SDK honours on the statuses it retries (408, 429,
// 500, 502, 503, 504).
//
// method is an HTTP method or AnyMethod; pattern is a path as the spec
// writes it, a {name} segment matching any one segment, such as
// "/agent/runs/{runId}/stream" or "/api/v1/agents/{id}", or AnyPath. status
// must be 400-599 and n at least 0; anything else panics. A call replaces
// the failures still pending for the same method and pattern; n = 0 clears
// them. When several rules match a request, the one set first is used.
func (s *Server) FailNextOn(method, pattern string, n, status int, retryAfter time.Duration) {
	r := newRoute("FailNextOn", method, pattern)
	if status < 400 || status > 599 || n < 0 || retryAfter < 0 {
		panic(fmt.Sprintf("modustest: FailNextOn: n %d, status %d, retryAfter %v: want n >= 0, a status 400-599 and retryAfter >= 0", n, status, retryAfter))
	}
	f := &s.faults
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fails = setRule(f.fails, failRule{r, n, status, retryAfter}, n > 0)
}

// DropStreamAfter makes the next `streams` event streams, whatever their
// route, break off after `events` events, as DropNextOn(AnyMethod, AnyPath,
// streams, events) describes. Each resume is one more stream: a client that
// resumes after every drop makes progress each time and gets the whole run
// once streams are used up.
func (s *Server) DropStreamAfter(events, streams int) {
	s.DropNextOn(AnyMethod, AnyPath, streams, events)
}

// DropNextOn breaks the connection of the next n requests that match
// method and path pattern (see FailNextOn) and get past authentication and
// FailNextOn, as a lost connection would.
//
// An event stream (the answers of CreateRun, POST /agent/runs;
// ExecuteWorkflowAction, POST /agent/workflow-actions; and StreamRun, the
// resume, GET /agent/runs/{runId}/stream) breaks off after `events` events,
// without its terminal event; the run itself is complete and can be resumed
// with StreamRun. So DropNextOn("GET", "/agent/runs/{runId}/stream", n, 1)
// breaks only resumes. With events = 0 the connection breaks before the
// answer's headers reach the client: the client sees a connection error
// (for a run's POST, the SDK retries it with the same idempotency key, and
// gives up with a *modus.TransportError when its retries are used up).
//
// Any other request is handled (an agent is created, say) and its answer
// is lost: the connection breaks before it, whatever events is. Go's
// http.Transport may itself send a GET again (and a request with an
// Idempotency-Key header) whose connection broke before any answer; each
// such attempt uses up one of the n.
//
// n and events must be at least 0 (else it panics); a call replaces the
// drops still pending for the same method and pattern, and n = 0 clears
// them.
func (s *Server) DropNextOn(method, pattern string, n, events int) {
	r := newRoute("DropNextOn", method, pattern)
	if n < 0 || events < 0 {
		panic(fmt.Sprintf("modustest: DropNextOn: n %d, events %d: want both >= 0", n, events))
	}
	f := &s.faults
	f.mu.Lock()
	defer f.mu.Unlock()
	f.drops = setRule(f.drops, dropRule{r, n, events}, n > 0)
}

// SetLatency delays every following request by d (0 turns it off), as
// SetLatencyOn(AnyMethod, AnyPath, d).
func (s *Server) SetLatency(d time.Duration) {
	s.SetLatencyOn(AnyMethod, AnyPath, d)
}

// SetLatencyOn delays the following requests that match method and path
// pattern (see FailNextOn) by d before they are handled; a request whose
// context ends during the delay is not handled. A route's own latency
// replaces the one of AnyMethod, AnyPath for its requests; when several
// routes match, the one set last is used. d = 0 removes the route's
// latency; d < 0 panics.
func (s *Server) SetLatencyOn(method, pattern string, d time.Duration) {
	r := newRoute("SetLatencyOn", method, pattern)
	if d < 0 {
		panic(fmt.Sprintf("modustest: SetLatencyOn: negative latency %v", d))
	}
	f := &s.faults
	f.mu.Lock()
	defer f.mu.Unlock()
	f.latencies = setRule(f.latencies, latencyRule{r, d}, d > 0)
}

// SetEventInterval makes streams pause d between events (0 turns it off).
func (s *Server) SetEventInterval(d time.Duration) {
	f := &s.faults
	f.mu.Lock()
	defer f.mu.Unlock()
	f.eventInterval = d
}

// RequestCount is the number of requests the server has received, failed
// and unauthorized ones included.
func (s *Server) RequestCount() int {
	f := &s.faults
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.total
}

// Requests is the number of requests received that match method and path
// pattern (see FailNextOn), such as Requests("GET", "/api/v1/agents/1") or
// Requests("GET", "/agent/runs/{runId}/stream").
func (s *Server) Requests(method, pattern string) int {
	r := newRoute("Requests", method, pattern)
	f := &s.faults
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for key, count := range f.perRoute {
		m, p, _ := strings.Cut(key, " ")
		if r.matches(m, p) {
			n += count
		}
	}
	return n
}

// ResetRequestCounts sets all request counters back to zero.
func (s *Server) ResetRequestCounts() {
	f := &s.faults
	f.mu.Lock()
	defer f.mu.Unlock()
	f.total, f.perRoute = 0, nil
}

func (f *faults) count(method, path string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.total++
	if f.perRoute == nil {
		f.perRoute = map[string]int{}
	}
	f.perRoute[method+" "+path]++
}

// anyRoute is the route of FailNext, DropStreamAfter and SetLatency.
var anyRoute = route{AnyMethod, AnyPath}

// delay sleeps for the latency of the request's route; false when ctx
// ended first.
func (f *faults) delay(ctx context.Context, method, path string) bool {
	f.mu.Lock()
	var d, fallback time.Duration
	for i := len(f.latencies) - 1; i >= 0 && d == 0; i-- {
		switch l := f.latencies[i]; {
		case l.route == anyRoute:
			fallback = l.d
		case l.matches(method, path):
			d = l.d
		}
	}
	f.mu.Unlock()
	if d == 0 {
		d = fallback
	}
	return sleep(ctx, d)
}

func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// takeFailure uses up one failure of the first rule that matches.
func (f *faults) takeFailure(method, path string) *apiError {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.fails {
		r := &f.fails[i]
		if !r.matches(method, path) {
			continue
		}
		e := newError(r.status, "injected failure")
		if r.status == http.StatusTooManyRequests {
			e.msg = "rate limit exceeded (injected)"
		}
		e.retryAfter = strconv.Itoa(int(math.Ceil(r.retryAfter.Seconds())))
		if r.n--; r.n == 0 {
			f.fails = append(f.fails[:i], f.fails[i+1:]...)
		}
		return e
	}
	return nil
}

// takeDrop uses up one drop of the first rule that matches and returns
// after how many events the answer must break, or -1 to let it be.
func (f *faults) takeDrop(method, path string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.drops {
		r := &f.drops[i]
		if !r.matches(method, path) {
			continue
		}
		events := r.events
		if r.n--; r.n == 0 {
			f.drops = append(f.drops[:i], f.drops[i+1:]...)
		}
		return events
	}
	return -1
}

// interval is the pause between the events of a stream.
func (f *faults) interval() time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.eventInterval
}
