package modustest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/modus-data/modus-sdk-go/modus/modustest/internal/server"
)

// errDropStream makes a stream end like a broken connection.
var errDropStream = errors.New("modustest: stream dropped on purpose")

// AnyMethod and AnyPath match every method and every path in the route
// arguments of FailNextOn, DropNextOn, StallNextOn, SetLatencyOn, Requests
// and Journal.
const (
	AnyMethod = "*"
	AnyPath   = "*"
)

// route is a method and a path pattern: a path as the spec writes it, where
// a {name} segment matches any one segment, such as
// /agent/runs/{runId}/stream; AnyMethod and AnyPath match everything.
type route struct{ method, pattern string }

// newRoute checks a method and pattern given to fn: a pattern that no
// request to the API could match (a trailing slash, a path outside the
// spec) is refused, since a fault set on it would silently never fire.
func newRoute(fn, method, pattern string) (route, error) {
	if method == "" || pattern == "" || (pattern != AnyPath && !strings.HasPrefix(pattern, "/")) {
		return route{}, fmt.Errorf("modustest: %s: method %q and path pattern %q: want a method or %q and a path starting with / or %q",
			fn, method, pattern, AnyMethod, AnyPath)
	}
	r := route{strings.ToUpper(method), pattern}
	if pattern == AnyPath || slices.ContainsFunc(specRoutes(), func(spec route) bool { return r.fits(spec) }) {
		return r, nil
	}
	why := "no operation of the API has this method and path"
	if len(pattern) > 1 && strings.HasSuffix(pattern, "/") {
		why = "no path of the API ends with /"
	}
	return route{}, fmt.Errorf("modustest: %s: %s %s can never match: %s (write paths as the spec does, such as /api/v1/agents/{id})",
		fn, method, pattern, why)
}

// mustRoute is newRoute for the Go methods, which panic on bad arguments.
func mustRoute(fn, method, pattern string) route {
	r, err := newRoute(fn, method, pattern)
	mustArgs(err)
	return r
}

// mustArgs panics with err, a "modustest: ..." message about a method's
// arguments; the admin API answers the same errors with 400.
func mustArgs(err error) {
	if err != nil {
		panic(err.Error())
	}
}

// specRoutes are the operations of the generated server, recorded once
// from its router: what a pattern is checked against.
var specRoutes = sync.OnceValue(func() []route {
	rec := &routeRecorder{}
	server.HandlerWithOptions(nil, server.StdHTTPServerOptions{BaseRouter: rec})
	return rec.routes
})

// routeRecorder is a server.ServeMux that only notes the patterns the
// generated router registers.
type routeRecorder struct{ routes []route }

func (m *routeRecorder) HandleFunc(pattern string, _ func(http.ResponseWriter, *http.Request)) {
	if method, path, ok := strings.Cut(pattern, " "); ok {
		m.routes = append(m.routes, route{method, path})
	}
}

func (m *routeRecorder) ServeHTTP(http.ResponseWriter, *http.Request) {}

// fits reports whether some request could match both r and the spec's
// route: a {name} segment on either side stands for any one segment. HEAD
// is served with GET.
func (r route) fits(spec route) bool {
	if r.method != AnyMethod && r.method != spec.method && !(r.method == http.MethodHead && spec.method == http.MethodGet) {
		return false
	}
	want, got := strings.Split(r.pattern, "/"), strings.Split(spec.pattern, "/")
	if len(want) != len(got) {
		return false
	}
	for i, w := range want {
		if w != got[i] && !isParam(w) && (!isParam(got[i]) || w == "") {
			return false
		}
	}
	return true
}

func isParam(seg string) bool { return strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") }

// matches reports whether a request matches r. path is the request's
// escaped path, so that an id holding an escaped / stays one segment; a
// literal segment of the pattern matches the segment escaped or not.
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
		switch {
		case isParam(w):
			if got[i] == "" {
				return false
			}
		case w != got[i]:
			if u, err := url.PathUnescape(got[i]); err != nil || u != w {
				return false
			}
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

// dropRule breaks the next n matching requests (a stream after events
// events).
type dropRule struct {
	route
	n      int
	events int
}

// stallRule stops the next n matching event streams after events events,
// for d (0: until the client leaves).
type stallRule struct {
	route
	n      int
	events int
	d      time.Duration
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
	stalls        []stallRule
	latencies     []latencyRule
	total         int
	perRoute      map[string]int // by method and escaped path
}

// setRule removes the rule of the same route from rules and, when keep,
// appends r: rules stay in the order they were last set.
func setRule[R interface{ key() route }](rules []R, r R, keep bool) []R {
	rules = slices.DeleteFunc(rules, func(old R) bool { return old.key() == r.key() })
	if keep {
		rules = append(rules, r)
	}
	return rules
}

func (r failRule) key() route    { return r.route }
func (r dropRule) key() route    { return r.route }
func (r stallRule) key() route   { return r.route }
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
// "/agent/runs/{runId}/stream" or "/api/v1/agents/{id}", or AnyPath. A
// literal segment matches an id as sent or unescaped, and an id holding an
// escaped / is one segment. A pattern that no operation of the API could
// match (a trailing slash, a typo, a method the path does not serve)
// panics, as do a status outside 400-599, n < 1 or retryAfter < 0. A call
// replaces the failures still pending for the same method and pattern;
// ClearFaults removes them all. When several rules match a request, the
// one set first is used (a call for the same method and pattern sets it
// anew).
func (s *Server) FailNextOn(method, pattern string, n, status int, retryAfter time.Duration) {
	mustArgs(s.faults.failNextOn(method, pattern, n, status, retryAfter))
}

func (f *faults) failNextOn(method, pattern string, n, status int, retryAfter time.Duration) error {
	r, err := newRoute("FailNextOn", method, pattern)
	if err != nil {
		return err
	}
	if status < 400 || status > 599 || n < 1 || retryAfter < 0 {
		return fmt.Errorf("modustest: FailNextOn: n %d, status %d, retryAfter %v: want n >= 1, a status 400-599 and retryAfter >= 0 (ClearFaults clears)", n, status, retryAfter)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fails = setRule(f.fails, failRule{r, n, status, retryAfter}, true)
	return nil
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
// n must be at least 1 and events at least 0 (else it panics); a call
// replaces the drops still pending for the same method and pattern.
func (s *Server) DropNextOn(method, pattern string, n, events int) {
	mustArgs(s.faults.dropNextOn(method, pattern, n, events))
}

func (f *faults) dropNextOn(method, pattern string, n, events int) error {
	r, err := newRoute("DropNextOn", method, pattern)
	if err != nil {
		return err
	}
	if n < 1 || events < 0 {
		return fmt.Errorf("modustest: DropNextOn: n %d, events %d: want n >= 1 and events >= 0 (ClearFaults clears)", n, events)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.drops = setRule(f.drops, dropRule{r, n, events}, true)
	return nil
}

// StallNextOn makes the next n event streams that match method and path
// pattern (see FailNextOn) stop after `events` events and send nothing for
// d, then go on as usual; with d = 0 they stay silent until the client
// leaves or the server closes. The connection stays open meanwhile, as a
// stalled upstream's does: this is what an idle timeout is for. Only
// streams use the rule up (CreateRun, ExecuteWorkflowAction and StreamRun),
// so StallNextOn("GET", "/agent/runs/{runId}/stream", 1, 0, 0) stalls the
// first resume of a run while the resume after it streams normally. n must
// be at least 1, events and d at least 0 (else it panics); a call replaces
// the stalls still pending for the same method and pattern.
func (s *Server) StallNextOn(method, pattern string, n, events int, d time.Duration) {
	mustArgs(s.faults.stallNextOn(method, pattern, n, events, d))
}

func (f *faults) stallNextOn(method, pattern string, n, events int, d time.Duration) error {
	r, err := newRoute("StallNextOn", method, pattern)
	if err != nil {
		return err
	}
	if n < 1 || events < 0 || d < 0 {
		return fmt.Errorf("modustest: StallNextOn: n %d, events %d, d %v: want n >= 1, events >= 0 and d >= 0", n, events, d)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stalls = setRule(f.stalls, stallRule{r, n, events, d}, true)
	return nil
}

// SetLatency delays every following request by d (0 turns it off), as
// SetLatencyOn(AnyMethod, AnyPath, d).
func (s *Server) SetLatency(d time.Duration) {
	s.SetLatencyOn(AnyMethod, AnyPath, d)
}

// SetLatencyOn delays the following requests that match method and path
// pattern (see FailNextOn) by d before they are handled; a request whose
// client leaves during the delay is not handled, and Close cuts the delay
// short. A route's own latency replaces the one of AnyMethod, AnyPath for
// its requests; when several routes match, the one set last is used. d = 0
// removes the route's latency; d < 0 panics.
func (s *Server) SetLatencyOn(method, pattern string, d time.Duration) {
	mustArgs(s.faults.setLatencyOn(method, pattern, d))
}

func (f *faults) setLatencyOn(method, pattern string, d time.Duration) error {
	r, err := newRoute("SetLatencyOn", method, pattern)
	if err != nil {
		return err
	}
	if d < 0 {
		return fmt.Errorf("modustest: SetLatencyOn: negative latency %v", d)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.latencies = setRule(f.latencies, latencyRule{r, d}, d > 0)
	return nil
}

// ClearFaults removes every pending failure, drop and stall and every
// latency, of all routes. The event interval, the run scripts, the request
// counts and the journal stay.
func (s *Server) ClearFaults() { s.faults.clear() }

func (f *faults) clear() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fails, f.drops, f.stalls, f.latencies = nil, nil, nil, nil
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
	n, err := s.faults.requests(method, pattern)
	mustArgs(err)
	return n
}

func (f *faults) requests(method, pattern string) (int, error) {
	r, err := newRoute("Requests", method, pattern)
	if err != nil {
		return 0, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for key, count := range f.perRoute {
		m, p, _ := strings.Cut(key, " ")
		if r.matches(m, p) {
			n += count
		}
	}
	return n, nil
}

// ResetRequestCounts sets all request counters back to zero and empties
// the journal.
func (s *Server) ResetRequestCounts() {
	f := &s.faults
	f.mu.Lock()
	f.total, f.perRoute = 0, nil
	f.mu.Unlock()
	s.journal.clear()
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

// latency is the delay of a request's route.
func (f *faults) latency(method, path string) time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	var fallback time.Duration
	for i := len(f.latencies) - 1; i >= 0; i-- {
		switch l := f.latencies[i]; {
		case l.route == anyRoute:
			fallback = l.d
		case l.matches(method, path):
			return l.d
		}
	}
	return fallback
}

// sleep waits d; false when ctx ended first.
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
	i := slices.IndexFunc(f.fails, func(r failRule) bool { return r.matches(method, path) })
	if i < 0 {
		return nil
	}
	r := &f.fails[i]
	e := newError(r.status, "injected failure")
	if r.status == http.StatusTooManyRequests {
		e.msg = "rate limit exceeded (injected)"
	}
	e.retryAfter = strconv.Itoa(int(math.Ceil(r.retryAfter.Seconds())))
	if r.n--; r.n == 0 {
		f.fails = slices.Delete(f.fails, i, i+1)
	}
	return e
}

// takeDrop uses up one drop of the first rule that matches and returns
// after how many events the answer must break, or -1 to let it be.
func (f *faults) takeDrop(method, path string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	i := slices.IndexFunc(f.drops, func(r dropRule) bool { return r.matches(method, path) })
	if i < 0 {
		return -1
	}
	events := f.drops[i].events
	if f.drops[i].n--; f.drops[i].n == 0 {
		f.drops = slices.Delete(f.drops, i, i+1)
	}
	return events
}

// stall is where and for how long a stream stops: after events events,
// for d (0: until the client leaves); events < 0: never.
type stall struct {
	events int
	d      time.Duration
}

// takeStall uses up one stall of the first rule that matches a stream.
func (f *faults) takeStall(method, path string) stall {
	f.mu.Lock()
	defer f.mu.Unlock()
	i := slices.IndexFunc(f.stalls, func(r stallRule) bool { return r.matches(method, path) })
	if i < 0 {
		return stall{events: -1}
	}
	st := stall{f.stalls[i].events, f.stalls[i].d}
	if f.stalls[i].n--; f.stalls[i].n == 0 {
		f.stalls = slices.Delete(f.stalls, i, i+1)
	}
	return st
}

// wait holds the stream for the stall; false when it must end (the client
// left, or d is 0).
func (st stall) wait(ctx context.Context) bool {
	if st.d == 0 {
		<-ctx.Done()
		return false
	}
	return sleep(ctx, st.d)
}

// interval is the pause between the events of a stream.
func (f *faults) interval() time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.eventInterval
}
