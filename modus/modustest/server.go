package modustest

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modus-data/modus-sdk-go/gen"
	"github.com/modus-data/modus-sdk-go/modus"
	"github.com/modus-data/modus-sdk-go/modus/modustest/internal/server"
	openapi_types "github.com/oapi-codegen/runtime/types"
)

// DefaultAPIKey is the API key a Server accepts unless WithAPIKey sets another.
const DefaultAPIKey = "modus_test_0123456789abcdef0123456789abcdef"

// DefaultOrganizationID is the organization the fake serves; run requests
// whose organizationId is set to anything else are refused with 403.
const DefaultOrganizationID = "00000000-0000-0000-0000-000000000001"

// DefaultUserID is the user id of the caller; it owns what it creates.
const DefaultUserID = "user_modustest"

// Server is an in-memory fake of the Modus API. One HTTP server answers the
// paths of both hosts (/api/v1/... and /agent/...). All methods are safe for
// concurrent use.
type Server struct {
	ts     *httptest.Server
	apiKey string

	mu    sync.Mutex
	state *state

	faults  faults
	journal journal

	// closing ends when Close begins: latencies and stalls end with it,
	// so that no request holds Close.
	closing context.Context
	close   context.CancelFunc

	listener   net.Listener // WithListener; nil: a loopback port of httptest's
	adminToken string       // WithAdminToken
	logger     *slog.Logger // WithLogger

	// streams counts the goroutines writing event streams; Close waits
	// for them so that none outlives the server.
	streams sync.WaitGroup
}

// Option configures a Server.
type Option func(*Server)

// WithAPIKey makes the server accept key instead of DefaultAPIKey.
func WithAPIKey(key string) Option {
	return func(s *Server) { s.apiKey = key }
}

// WithLatency delays every request by d before it is handled.
func WithLatency(d time.Duration) Option {
	return func(s *Server) { s.SetLatency(d) }
}

// WithEventInterval makes streams pause d between two events, so a client
// can cancel or drop a stream while it is in flight.
func WithEventInterval(d time.Duration) Option {
	return func(s *Server) { s.faults.eventInterval = d }
}

// WithListener makes the server accept its connections on l (and take
// its URL from l's address) instead of a free loopback port; Close closes
// l. The modusfake command serves on its -addr this way.
func WithListener(l net.Listener) Option {
	return func(s *Server) { s.listener = l }
}

// New starts a Server for use outside tests; the caller must call Close.
func New(opts ...Option) *Server {
	s := &Server{apiKey: DefaultAPIKey, state: newState()}
	s.closing, s.close = context.WithCancel(context.Background())
	for _, o := range opts {
		o(s)
	}
	s.ts = httptest.NewUnstartedServer(s.handler())
	if s.listener != nil {
		s.ts.Listener.Close()
		s.ts.Listener = s.listener
	}
	s.ts.Start()
	return s
}

// NewServer starts a Server that is closed when t's test ends.
func NewServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := New(opts...)
	t.Cleanup(s.Close)
	return s
}

// URL is the base URL of the server, for modus.WithBaseURL. The agent host
// is the same URL.
func (s *Server) URL() string { return s.ts.URL }

// APIKey is the key the server accepts as a Bearer token.
func (s *Server) APIKey() string { return s.apiKey }

// OrganizationID is the organization the server's data belongs to.
func (s *Server) OrganizationID() string { return DefaultOrganizationID }

// Close shuts the server down, closing open streams, and returns once no
// goroutine of the server is left; it may be called twice.
func (s *Server) Close() {
	s.close()
	s.ts.CloseClientConnections()
	s.ts.Close()
	s.streams.Wait()
}

// HTTPClient returns an *http.Client that talks to the server.
func (s *Server) HTTPClient() *http.Client { return s.ts.Client() }

// Client returns a modus.Client for this server: base URL, API key and
// organization id set, and retry backoff cut to milliseconds (the fake
// recovers at once; a Retry-After it sends is still waited for); opts are
// applied after them and may override them.
func (s *Server) Client(opts ...modus.Option) (*modus.Client, error) {
	all := append([]modus.Option{
		modus.WithBaseURL(s.URL()),
		modus.WithAPIKey(s.APIKey()),
		modus.WithOrganizationID(s.OrganizationID()),
		modus.WithRetryBackoff(time.Millisecond, 10*time.Millisecond), // the fake needs no time to recover
	}, opts...)
	return modus.NewClient(all...)
}

// ctxKey keys the per-request values the HTTP layer hands to the handlers.
type ctxKey struct{}

// reqInfo is what strict handlers need from the raw request but cannot get
// from their generated request objects.
type reqInfo struct {
	id          string
	accept      string
	lastEventID string
	method      string
	path        string // escaped, as sent: what routes match
	streaming   bool   // a stream response has begun: errors can only cut it
	drop        int    // events after which a DropNextOn rule breaks the answer; -1: none

	journal *journal
	entry   *Request // the request's journal entry, for its status
}

func info(ctx context.Context) *reqInfo {
	if ri, ok := ctx.Value(ctxKey{}).(*reqInfo); ok {
		return ri
	}
	return &reqInfo{drop: -1}
}

// handler builds the chain: request id, journal and counting, injected
// faults, auth, then the generated router around our strict
// implementation.
func (s *Server) handler() http.Handler {
	strict := server.NewStrictHandlerWithOptions(server.Complete((*api)(s)), nil, strictOptions())
	mux := http.NewServeMux()
	// Anything the spec does not route gets the API's 404 shape.
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, notFound("no route for %s %s", r.Method, r.URL.Path))
	})
	router := server.HandlerWithOptions(strict, server.StdHTTPServerOptions{
		BaseRouter: mux,
		ErrorHandlerFunc: func(w http.ResponseWriter, r *http.Request, err error) {
			writeError(w, r, badRequest("%v", err))
		},
	})
	admin := s.adminHandler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		if strings.HasPrefix(r.URL.Path, AdminPrefix) {
			rec := &statusRecorder{ResponseWriter: w}
			admin.ServeHTTP(rec, r)
			s.logRequest(r, rec.status, "", start)
			return
		}
		ctx, cancel := context.WithCancel(r.Context())
		defer cancel()
		defer context.AfterFunc(s.closing, cancel)()
		ri := &reqInfo{
			id:          s.nextRequestID(),
			accept:      r.Header.Get("Accept"),
			lastEventID: strings.TrimSpace(r.Header.Get("Last-Event-ID")),
			method:      r.Method,
			path:        r.URL.EscapedPath(),
			drop:        -1,
			journal:     &s.journal,
		}
		r = r.WithContext(context.WithValue(ctx, ctxKey{}, ri))
		w.Header().Set("X-Request-Id", ri.id)
		defer func() { s.logRequest(r, s.journal.status(ri.entry), ri.id, start) }()
		s.serve(answerWriter{w, ri}, r, router)
	})
}

// logRequest writes the WithLogger record of a request.
func (s *Server) logRequest(r *http.Request, status int, requestID string, start time.Time) {
	if s.logger == nil {
		return
	}
	path := strings.ReplaceAll(r.URL.EscapedPath(), s.apiKey, maskedKey)
	attrs := []slog.Attr{slog.String("method", r.Method), slog.String("path", path),
		slog.Int("status", status), slog.Duration("duration", time.Since(start))}
	if requestID != "" {
		attrs = append(attrs, slog.String("request_id", requestID))
	}
	s.logger.LogAttrs(context.Background(), slog.LevelInfo, "modustest: request", attrs...)
}

// statusRecorder notes the status of an admin answer for the log.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (w *statusRecorder) WriteHeader(status int) {
	w.status = status
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusRecorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// serve records a request and answers it: faults first, then the checks,
// then router.
func (s *Server) serve(w answerWriter, r *http.Request, router http.Handler) {
	ri := w.ri
	// The body is read first: the journal keeps it, and net/http notices a
	// client that leaves only once the body is read, so a request delayed
	// by SetLatencyOn ends with its client.
	body, size, err := readBody(r)
	ri.entry = s.journal.record(r, ri.id, body, size, s.apiKey)
	s.faults.count(r.Method, ri.path)
	if err != nil {
		writeError(w, r, badRequest("reading the request body: %v", err))
		return
	}
	if !sleep(r.Context(), s.faults.latency(r.Method, ri.path)) {
		return
	}
	if ae := s.faults.takeFailure(r.Method, ri.path); ae != nil {
		writeError(w, r, ae)
		return
	}
	if !s.authorized(r) {
		writeError(w, r, newError(http.StatusUnauthorized, "missing or invalid API key"))
		return
	}
	if ae := checkRequest(r, size); ae != nil { // limits.go
		writeError(w, r, ae)
		return
	}
	ri.drop = s.faults.takeDrop(r.Method, ri.path)
	router.ServeHTTP(w, r)
}

// strictOptions write the strict server's errors in the API's shape: a
// handler's *apiError as it says, an operation without a handler as 501.
func strictOptions() server.StrictHTTPServerOptions {
	return server.StrictHTTPServerOptions{
		RequestErrorHandlerFunc: func(w http.ResponseWriter, r *http.Request, err error) {
			writeError(w, r, requestError(err))
		},
		ResponseErrorHandlerFunc: func(w http.ResponseWriter, r *http.Request, err error) {
			if errors.Is(err, errDropStream) || info(r.Context()).streaming {
				// Ends the response without the terminating chunk: the client
				// sees a broken connection, not a clean end of stream.
				panic(http.ErrAbortHandler)
			}
			var ae *apiError
			var ni *server.NotImplementedError
			switch {
			case errors.As(err, &ni):
				ae = newError(http.StatusNotImplemented, "%v", err)
			case !errors.As(err, &ae):
				ae = newError(http.StatusInternalServerError, "%v", err)
			}
			writeError(w, r, ae)
		},
	}
}

func (s *Server) authorized(r *http.Request) bool {
	h := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(h, "Bearer ")
	return ok && subtle.ConstantTimeCompare([]byte(tok), []byte(s.apiKey)) == 1
}

func (s *Server) nextRequestID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.state.seq++
	return fmt.Sprintf("req_modustest_%06d", s.state.seq)
}

// api is the Server seen as the generated StrictServerInterface; a distinct
// type keeps the operation methods out of Server's documented API. An
// operation it has no method for answers 501 (server.Complete), so a new
// operation in openapi.json builds before its handler is written.
type api Server

// state is everything the fake remembers; guarded by Server.mu.
type state struct {
	seq         int64 // request ids, uuids and other counters
	nextAgentID int64
	nextSkillID int64
	words       []string // token script (SetRunScript)
	events      []Step   // event script (SetRunEvents)

	agents      map[int64]*agent
	skills      map[int64]*skill
	items       map[string]*gen.ContextItemDto
	itemOrder   []string
	threads     map[string]*thread
	memories    map[int64][]*gen.MemoryDto
	connections []gen.ConnectionDto
	runs        map[string]*run
	idem        map[string]*run
	agentRuns   []*gen.AutomationRunDto
}

func newState() *state {
	return &state{
		agents:   map[int64]*agent{},
		skills:   map[int64]*skill{},
		items:    map[string]*gen.ContextItemDto{},
		threads:  map[string]*thread{},
		memories: map[int64][]*gen.MemoryDto{},
		runs:     map[string]*run{},
		idem:     map[string]*run{},
	}
}

// newUUID returns a fresh, deterministic version-4-shaped UUID.
func (st *state) newUUID() openapi_types.UUID {
	st.seq++
	var u openapi_types.UUID
	n := st.seq
	for i := 15; i >= 8 && n > 0; i-- {
		u[i] = byte(n)
		n >>= 8
	}
	u[6] = 0x40
	u[8] |= 0x80
	return u
}

func orgUUID() openapi_types.UUID {
	var u openapi_types.UUID
	u[15] = 1
	return u
}

// now is the time stamps use: UTC, millisecond precision like the API.
func now() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }

// timeLayout is how the API writes a time: UTC, always three digits of
// milliseconds (2026-05-01T10:00:00.000Z).
const timeLayout = "2006-01-02T15:04:05.000Z"

// jsonTime matches a JSON string that is a UTC RFC 3339 time as
// encoding/json writes a time.Time: as few fraction digits as the value
// needs (…:17Z, …:17.2Z, …:29.77Z).
var jsonTime = regexp.MustCompile(`"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z"`)

// fixTimes rewrites the times of a JSON answer in timeLayout. A string
// value that merely looks like a time is rewritten too; the fake accepts
// that for the sake of one place that covers every generated time field.
func fixTimes(b []byte) []byte {
	return jsonTime.ReplaceAllFunc(b, func(m []byte) []byte {
		sub := jsonTime.FindSubmatch(m)
		frac := (string(sub[2]) + "000")[:3]
		return []byte(`"` + string(sub[1]) + "." + frac + `Z"`)
	})
}

// answerWriter passes an answer through, writing the times of JSON answers
// in timeLayout (the generated handlers write a JSON answer with one Write,
// json.Encoder's, so no time is split between two writes), and losing an
// answer that is not an event stream when a DropNextOn rule took the
// request: the request is handled, but the connection breaks before its
// answer.
type answerWriter struct {
	http.ResponseWriter
	ri *reqInfo
}

func (w answerWriter) WriteHeader(status int) {
	w.dropUnary()
	w.ri.journal.setStatus(w.ri.entry, status)
	w.ResponseWriter.WriteHeader(status)
	if w.ri.streaming && w.ri.drop != 0 {
		// A stream's headers go out at once, as the API's do, so that a
		// stream paused or stalled before its first event is open but
		// silent; a drop before any event breaks it before its headers.
		w.Flush()
	}
}

// dropUnary breaks the connection (http.ErrAbortHandler) when a drop rule
// took a request whose answer is not a stream; streams break in stream.
func (w answerWriter) dropUnary() {
	if w.ri.drop >= 0 && !w.ri.streaming {
		panic(http.ErrAbortHandler)
	}
}

func (w answerWriter) Write(b []byte) (int, error) {
	w.dropUnary()
	w.ri.journal.setStatus(w.ri.entry, http.StatusOK) // kept when WriteHeader came first
	if !strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") {
		return w.ResponseWriter.Write(b)
	}
	if _, err := w.ResponseWriter.Write(fixTimes(b)); err != nil {
		return 0, err
	}
	return len(b), nil
}

// Flush keeps event streams flowing through the wrapper.
func (w answerWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w answerWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func ptr[T any](v T) *T { return &v }
