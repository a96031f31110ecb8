package modustest

// The admin API: the Go API of a Server over HTTP, for services written in
// any language (the modusfake command serves it). Each handler decodes its
// JSON and calls the same functions as the Go method of the same power, so
// a fault or a seed means the same from either side.

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"
)

// AdminPrefix is where the admin API lives on every Server; the Modus API
// has no path under it.
const AdminPrefix = "/_modustest/"

// WithAdminToken makes the admin API (under AdminPrefix; see the package
// doc) require the header "Authorization: Bearer <token>" (the scheme in
// any case), except GET /_modustest/health, which tells only that the
// server is up. Without it the
// admin API is open to whoever reaches the server, which is fine for a
// server on loopback (the modusfake command requires a token elsewhere).
func WithAdminToken(token string) Option {
	return func(s *Server) { s.adminToken = token }
}

// WithLogger logs one record per request the server answers (method,
// escaped path, status, duration, request id; admin requests too), at
// Info level; never the key, headers or bodies.
func WithLogger(l *slog.Logger) Option {
	return func(s *Server) { s.logger = l }
}

// Reset forgets everything the server holds: data, run scripts, faults,
// request counts and the journal, so that ids and request ids start over.
// The key, the admin token and the event interval stay.
func (s *Server) Reset() {
	s.mu.Lock()
	s.state = newState()
	s.mu.Unlock()
	s.ClearFaults()
	s.ResetRequestCounts()
}

// adminHandler serves the admin API under AdminPrefix:
//
//	GET    /_modustest/health       {"ok": true}
//	POST   /_modustest/seed         a SeedFile; answers the SeedResult
//	POST   /_modustest/reset        Reset
//	POST   /_modustest/faults       a faultJSON: FailNextOn, DropNextOn, StallNextOn or SetLatencyOn
//	DELETE /_modustest/faults       ClearFaults
//	PUT    /_modustest/run-script   {"tokens": [...]} SetRunScript, {"events": [StepJSON...]} SetRunEvents
//	GET    /_modustest/journal      ?method=&path= Journal, as {"requests": [...]}
//	DELETE /_modustest/journal      ResetRequestCounts
//	GET    /_modustest/counts       ?method=&path= {"total": RequestCount, "matching": Requests}
func (s *Server) adminHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /_modustest/health", func(w http.ResponseWriter, r *http.Request) {
		adminJSON(w, http.StatusOK, map[string]bool{"ok": true})
	})
	mux.HandleFunc("POST /_modustest/seed", s.adminSeed)
	mux.HandleFunc("POST /_modustest/reset", func(w http.ResponseWriter, r *http.Request) {
		s.Reset()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("POST /_modustest/faults", s.adminFault)
	mux.HandleFunc("DELETE /_modustest/faults", func(w http.ResponseWriter, r *http.Request) {
		s.ClearFaults()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("PUT /_modustest/run-script", s.adminRunScript)
	mux.HandleFunc("GET /_modustest/journal", s.adminJournal)
	mux.HandleFunc("DELETE /_modustest/journal", func(w http.ResponseWriter, r *http.Request) {
		s.ResetRequestCounts()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /_modustest/counts", s.adminCounts)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		adminError(w, http.StatusNotFound, fmt.Errorf("no admin route %s %s (see the README, \"Testing without Go: modusfake\")", r.Method, r.URL.Path))
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// health tells only that the server is up: readiness probes (curl
		// --retry, a container's healthcheck) need no token.
		if s.adminToken != "" && r.URL.Path != AdminPrefix+"health" {
			if subtle.ConstantTimeCompare([]byte(bearerToken(r.Header.Get("Authorization"))), []byte(s.adminToken)) != 1 {
				adminError(w, http.StatusUnauthorized, errors.New("missing or wrong admin token (Authorization: Bearer <the -admin-token>)"))
				return
			}
		}
		r.Body = http.MaxBytesReader(w, r.Body, MaxRequestBodySize)
		mux.ServeHTTP(w, r)
	})
}

// bearerToken returns the token of an Authorization value with the Bearer
// scheme, whose name is case-insensitive (RFC 9110); "" for any other.
func bearerToken(h string) string {
	scheme, tok, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(tok)
}

func adminJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

func adminError(w http.ResponseWriter, status int, err error) {
	adminJSON(w, status, map[string]string{"error": err.Error()})
}

// decodeAdmin reads a JSON body into v, refusing unknown fields.
func decodeAdmin(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("modustest: admin: body: %w", err)
	}
	return nil
}

func (s *Server) adminSeed(w http.ResponseWriter, r *http.Request) {
	f, err := readSeed("request body", r.Body)
	if err != nil {
		adminError(w, http.StatusBadRequest, err)
		return
	}
	res, err := s.LoadSeed(f)
	if err != nil {
		adminError(w, http.StatusUnprocessableEntity, err)
		return
	}
	adminJSON(w, http.StatusOK, res)
}

// faultJSON is a fault as POST /_modustest/faults takes it. kind is fail
// (n, status, retryAfter), drop (n, events), stall (n, events, duration)
// or latency (duration; "0s" removes it); method and path default to any.
type faultJSON struct {
	Kind       string       `json:"kind"`
	Method     string       `json:"method"`
	Path       string       `json:"path"`
	N          int          `json:"n"`
	Status     int          `json:"status"`
	RetryAfter jsonDuration `json:"retryAfter"`
	Events     int          `json:"events"`
	Duration   jsonDuration `json:"duration"`
}

func (s *Server) adminFault(w http.ResponseWriter, r *http.Request) {
	var f faultJSON
	err := decodeAdmin(r, &f)
	if err == nil {
		err = s.setFault(f)
	}
	if err != nil {
		adminError(w, http.StatusBadRequest, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// setFault sets f through the functions behind FailNextOn, DropNextOn,
// StallNextOn and SetLatencyOn.
func (s *Server) setFault(f faultJSON) error {
	method, path := f.Method, f.Path
	if method == "" {
		method = AnyMethod
	}
	if path == "" {
		path = AnyPath
	}
	switch f.Kind {
	case "fail":
		return s.faults.failNextOn(method, path, f.N, f.Status, time.Duration(f.RetryAfter))
	case "drop":
		return s.faults.dropNextOn(method, path, f.N, f.Events)
	case "stall":
		return s.faults.stallNextOn(method, path, f.N, f.Events, time.Duration(f.Duration))
	case "latency":
		return s.faults.setLatencyOn(method, path, time.Duration(f.Duration))
	}
	return fmt.Errorf("modustest: admin: fault kind %q: want fail, drop, stall or latency", f.Kind)
}

func (s *Server) adminRunScript(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Tokens []string   `json:"tokens"`
		Events []StepJSON `json:"events"`
	}
	if err := decodeAdmin(r, &body); err != nil {
		adminError(w, http.StatusBadRequest, err)
		return
	}
	steps, err := stepsOf(body.Events)
	if err != nil {
		adminError(w, http.StatusBadRequest, err)
		return
	}
	s.SetRunScript(body.Tokens...)
	s.SetRunEvents(steps...)
	w.WriteHeader(http.StatusNoContent)
}

// routeOf reads the method and path filters of a query (default: any).
func routeOf(r *http.Request, fn string) (route, error) {
	method, path := r.URL.Query().Get("method"), r.URL.Query().Get("path")
	if method == "" {
		method = AnyMethod
	}
	if path == "" {
		path = AnyPath
	}
	return newRoute(fn, method, path)
}

// journalJSON is a Request as the admin API shows it: the body as text.
type journalJSON struct {
	Time      time.Time           `json:"time"`
	RequestID string              `json:"requestId"`
	Method    string              `json:"method"`
	Path      string              `json:"path"`
	Query     map[string][]string `json:"query"`
	Header    map[string][]string `json:"headers"`
	Body      string              `json:"body"`
	BodySize  int                 `json:"bodySize"`
	Status    int                 `json:"status"`
}

func (s *Server) adminJournal(w http.ResponseWriter, r *http.Request) {
	rt, err := routeOf(r, "journal")
	if err != nil {
		adminError(w, http.StatusBadRequest, err)
		return
	}
	out := []journalJSON{}
	for _, e := range s.journal.find(rt) {
		out = append(out, journalJSON{e.Time, e.RequestID, e.Method, e.Path, e.Query, e.Header, string(e.Body), e.BodySize, e.Status})
	}
	adminJSON(w, http.StatusOK, map[string]any{"requests": out})
}

func (s *Server) adminCounts(w http.ResponseWriter, r *http.Request) {
	rt, err := routeOf(r, "counts")
	if err != nil {
		adminError(w, http.StatusBadRequest, err)
		return
	}
	n, err := s.faults.requests(rt.method, rt.pattern)
	if err != nil {
		adminError(w, http.StatusBadRequest, err)
		return
	}
	adminJSON(w, http.StatusOK, map[string]int{"total": s.RequestCount(), "matching": n})
}
