package modustest

import (
	"bytes"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// JournalBodyLimit is how many bytes of each request body the journal
// keeps.
const JournalBodyLimit = 64 << 10

// JournalLimit is how many requests the journal keeps; past it, or past
// journalBytes of bodies, the oldest are forgotten first.
const JournalLimit = 10000

// journalBytes bounds the bodies the journal holds, so that a long-running
// fake (the modusfake command) under heavy traffic stays small.
const journalBytes = 64 << 20

// maskedKey replaces the API key wherever the journal would show it.
const maskedKey = "***"

// A Request is one request the server received, as the journal keeps it:
// what a client sent, with the API key masked, and what the fake answered.
type Request struct {
	Time      time.Time // when it arrived
	RequestID string    // the X-Request-Id the fake answered
	Method    string
	// Path is the path as sent, escaped: an id holding a / shows as %2F.
	Path   string
	Query  url.Values
	Header http.Header // Authorization shows only its scheme ("Bearer ***")
	// Body is the body's first JournalBodyLimit bytes; BodySize is its
	// whole size (for a body over MaxRequestBodySize, at least the limit
	// plus one).
	Body     []byte
	BodySize int
	// Status is the status the fake answered, or 0 while no answer began
	// (a request still waiting, one whose connection was broken before
	// its headers).
	Status int
}

// journal is the record of received requests; it has its own lock, so
// that recording never waits for the state.
type journal struct {
	mu      sync.Mutex
	entries []*Request
	bytes   int // of the entries' bodies
}

// record adds a request whose body (of size bytes) has been read, masking
// key, and returns the entry, whose status is set later.
func (j *journal) record(r *http.Request, id string, body []byte, size int, key string) *Request {
	e := &Request{
		Time: time.Now().UTC(), RequestID: id, Method: r.Method, Path: r.URL.EscapedPath(),
		Query: maskQuery(r.URL.Query(), key), Header: maskHeader(r.Header, key), BodySize: size,
	}
	if key != "" {
		e.Path = strings.ReplaceAll(e.Path, key, maskedKey)
		body = bytes.ReplaceAll(body, []byte(key), []byte(maskedKey))
	}
	e.Body = bytes.Clone(body[:min(len(body), JournalBodyLimit)])
	j.mu.Lock()
	defer j.mu.Unlock()
	j.entries = append(j.entries, e)
	j.bytes += len(e.Body)
	drop := 0
	for len(j.entries)-drop > JournalLimit || j.bytes > journalBytes {
		j.bytes -= len(j.entries[drop].Body)
		drop++
	}
	j.entries = slices.Delete(j.entries, 0, drop)
	return e
}

// maskHeader copies h with the credentials hidden: the Authorization
// headers keep only their scheme, and the key is masked in every value.
func maskHeader(h http.Header, key string) http.Header {
	out := h.Clone()
	for name, vals := range out {
		for i, v := range vals {
			switch {
			case name == "Authorization" || name == "Proxy-Authorization":
				scheme, _, ok := strings.Cut(v, " ")
				if ok {
					vals[i] = scheme + " " + maskedKey
				} else {
					vals[i] = maskedKey
				}
			case key != "":
				vals[i] = strings.ReplaceAll(v, key, maskedKey)
			}
		}
	}
	return out
}

func maskQuery(q url.Values, key string) url.Values {
	for _, vals := range q {
		for i, v := range vals {
			if key != "" {
				vals[i] = strings.ReplaceAll(v, key, maskedKey)
			}
		}
	}
	return q
}

func (j *journal) setStatus(e *Request, status int) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if e.Status == 0 {
		e.Status = status
	}
}

// status is the status recorded for e (0: none yet; e nil: not recorded).
func (j *journal) status(e *Request) int {
	if e == nil {
		return 0
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	return e.Status
}

// find returns copies of the entries r matches, oldest first.
func (j *journal) find(r route) []Request {
	j.mu.Lock()
	defer j.mu.Unlock()
	var out []Request
	for _, e := range j.entries {
		if r.matches(e.Method, e.Path) {
			c := *e
			c.Query, c.Header, c.Body = cloneValues(e.Query), e.Header.Clone(), bytes.Clone(e.Body)
			out = append(out, c)
		}
	}
	return out
}

func cloneValues(v url.Values) url.Values { return url.Values(http.Header(v).Clone()) }

func (j *journal) clear() {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.entries, j.bytes = nil, 0
}

// Journal returns the requests received that match method and path
// pattern (see FailNextOn; AnyMethod and AnyPath for all), oldest first,
// in copies that are the caller's own. It holds the last JournalLimit
// requests, failed and unauthorized ones included; ResetRequestCounts
// empties it. Tests assert with it what their code sent:
//
//	reqs := srv.Journal("POST", "/api/v1/context/notes")
//	// reqs[0].Body is the JSON the code sent
func (s *Server) Journal(method, pattern string) []Request {
	r := mustRoute("Journal", method, pattern)
	return s.journal.find(r)
}
