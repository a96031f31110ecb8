package modustest

import (
	"context"
	"errors"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// errDropStream makes a stream end like a broken connection.
var errDropStream = errors.New("modustest: stream dropped on purpose")

// faults holds the fault switches and request counters. It has its own
// mutex so that tests may flip switches while requests are in flight.
type faults struct {
	mu            sync.Mutex
	latency       time.Duration
	eventInterval time.Duration
	failN         int
	failStatus    int
	retryAfter    time.Duration
	dropAfter     int
	dropTimes     int
	total         int
	perRoute      map[string]int
}

// FailNext makes the next n requests (any route, before auth) answer with
// status (such as 429 or 503) in the API's error shape, with the code the
// API gives that status (429 RATE_LIMITED, 404 NOT_FOUND, 5xx
// INTERNAL_ERROR, ...), and a Retry-After header of retryAfter, rounded up
// to whole seconds. Each call replaces the failures still pending; n = 0
// clears them.
func (s *Server) FailNext(n, status int, retryAfter time.Duration) {
	f := &s.faults
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failN, f.failStatus, f.retryAfter = n, status, retryAfter
}

// DropStreamAfter makes the next `streams` event streams (CreateRun,
// ExecuteWorkflowAction or StreamRun responses) break off after `events`
// frames, without their terminal event, as a lost connection would. The run
// itself is complete and can be resumed with StreamRun.
func (s *Server) DropStreamAfter(events, streams int) {
	f := &s.faults
	f.mu.Lock()
	defer f.mu.Unlock()
	f.dropAfter, f.dropTimes = events, streams
}

// SetLatency delays every following request by d (0 turns it off).
func (s *Server) SetLatency(d time.Duration) {
	f := &s.faults
	f.mu.Lock()
	defer f.mu.Unlock()
	f.latency = d
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

// Requests is the number of requests received for method and exact path,
// such as Requests("GET", "/api/v1/agents/1").
func (s *Server) Requests(method, path string) int {
	f := &s.faults
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.perRoute[method+" "+path]
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

// delay sleeps for the configured latency; false when ctx ended first.
func (f *faults) delay(ctx context.Context) bool {
	f.mu.Lock()
	d := f.latency
	f.mu.Unlock()
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

func (f *faults) takeFailure() *apiError {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failN <= 0 {
		return nil
	}
	f.failN--
	e := newError(f.failStatus, "injected failure")
	if f.failStatus == http.StatusTooManyRequests {
		e.msg = "rate limit exceeded (injected)"
	}
	e.retryAfter = strconv.Itoa(int(math.Ceil(f.retryAfter.Seconds())))
	return e
}

// takeDrop returns after how many events the stream starting now must
// break, or -1 to let it run to its end.
func (f *faults) takeDrop() (int, time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.dropTimes <= 0 {
		return -1, f.eventInterval
	}
	f.dropTimes--
	return f.dropAfter, f.eventInterval
}
