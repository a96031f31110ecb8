package modus

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// requestFunc builds one call's request for the host server (a base URL
// ending in "/"): a generated request builder with its arguments bound,
//
//	func(server string) (*http.Request, error) {
//		return gen.NewGetAgentRequest(server, id, params)
//	}
//
// or one as it is when it takes none (gen.NewDeleteOrganizationRequest).
type requestFunc func(server string) (*http.Request, error)

// route is what a call site knows about its request, handed to the
// executor: the operation's descriptor and how to build the request. A
// request that is its path alone (no query, no body) is built from the
// descriptor's path template and the client's parsed base URL (plain); any
// other by the generated builder. The executor builds it afresh for each
// attempt, so that what a middleware changes stays with that attempt.
//
// The generated builder travels beside the route, not in it: a closure
// held in a struct that observers see would escape to the heap on every
// call.
type route struct {
	op    *Operation // the generated descriptor; nil for a request the SDK cannot name (tests)
	ids   [2]string  // the path parameters in template order, not escaped (plain only)
	plain bool       // build from op.Path and ids, not with the generated builder
	body  any        // the typed request body, for observers (CallInfo.Request)
	agent bool       // without op: the request goes to the agent host
}

// ids64 is the path parameters of an operation with a numeric id.
func ids64(id int64) [2]string { return [2]string{strconv.FormatInt(id, 10)} }

// idsOf is the path parameters of an operation with a numeric id and a
// string one.
func idsOf(id int64, s string) [2]string { return [2]string{strconv.FormatInt(id, 10), s} }

// operation is the descriptor of r, with only the method when r has none.
func (r *route) operation(req *http.Request) Operation {
	if r.op != nil {
		return *r.op
	}
	if req != nil {
		return Operation{Method: req.Method}
	}
	return Operation{}
}

// idempotent reports whether r's request may be sent again after it may
// have reached the server (see Operation.Idempotent).
func (r *route) idempotent(req *http.Request) bool {
	if r.op != nil {
		return r.op.Idempotent
	}
	return idempotentMethod(req.Method)
}

// baseURL is a client's base URL, parsed once: the parts a plain request
// takes, and the server string the generated builders take.
type baseURL struct {
	scheme, host, path, rawPath string // path without trailing slash
	server                      string // the URL with a trailing slash
}

func newBaseURL(raw string) (baseURL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return baseURL{}, err
	}
	return baseURL{scheme: u.Scheme, host: u.Host, path: strings.TrimSuffix(u.Path, "/"),
		rawPath: strings.TrimSuffix(u.EscapedPath(), "/"), server: raw + "/"}, nil
}

// newRequest builds route r's request with context ctx: plain, or with the
// generated builder build.
// Authorization and User-Agent come from the transport, then the call's own
// headers (which may override them), its idempotency key, and the media type
// of a stream.
func (t *transport) newRequest(ctx context.Context, st *callState, r *route, build requestFunc) (*http.Request, error) {
	b := &t.api
	if (r.op != nil && r.op.Host == "agent") || r.agent {
		b = &t.agentBase
	}
	var req *http.Request
	var err error
	if r.plain && r.op != nil {
		req, err = b.plainRequest(ctx, r.op, &r.ids)
	} else if req, err = build(b.server); err == nil {
		req = req.WithContext(ctx) // the one copy: gen builds with Background
	}
	if err != nil {
		// A parameter the builder cannot put in a URL or a body.
		return nil, fmt.Errorf("modus: cannot send request: %w", err)
	}
	h := req.Header
	h["Authorization"], h["User-Agent"] = t.bearer(), t.ua // clipped, shared: never written to
	for k, v := range st.cfg.headers {
		h[k] = v // clipped slices: a later Add reallocates
	}
	if st.cfg.idempotencyKey != "" {
		h.Set("Idempotency-Key", st.cfg.idempotencyKey)
	}
	if st.stream {
		h["Accept"] = acceptEventStream
	}
	return req, nil
}

var acceptEventStream = []string{"text/event-stream"}

// plainRequest builds the request of operation op, which has no query and no
// body, from its path template: each {param} becomes the next of ids,
// escaped into one segment as the generated builders escape it.
func (b *baseURL) plainRequest(ctx context.Context, op *Operation, ids *[2]string) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, op.Method, "", nil)
	if err != nil {
		return nil, err
	}
	path, raw := expandPath(b, op.Path, ids)
	*req.URL = url.URL{Scheme: b.scheme, Host: b.host, Path: path, RawPath: raw}
	req.Host = b.host
	return req, nil
}

// expandPath returns the path of template under base b with its parameters
// set to ids: unescaped, and escaped when that differs ("" otherwise, as
// url.URL.RawPath keeps it).
func expandPath(b *baseURL, template string, ids *[2]string) (path, rawPath string) {
	escaped := b.rawPath != b.path
	for _, v := range ids {
		escaped = escaped || url.PathEscape(v) != v // no copy when nothing is escaped
	}
	path = expand(b.path, template, ids, false)
	if escaped {
		rawPath = expand(b.rawPath, template, ids, true)
	}
	return path, rawPath
}

// expand writes prefix, then template with its {param}s replaced by ids in
// order, escaped or not.
func expand(prefix, template string, ids *[2]string, escape bool) string {
	var sb strings.Builder
	sb.Grow(len(prefix) + len(template) + 3*(len(ids[0])+len(ids[1])))
	sb.WriteString(prefix)
	for i := 0; ; i++ {
		open := strings.IndexByte(template, '{')
		if open < 0 || i >= len(ids) {
			sb.WriteString(template)
			return sb.String()
		}
		sb.WriteString(template[:open])
		if escape {
			sb.WriteString(url.PathEscape(ids[i]))
		} else {
			sb.WriteString(ids[i])
		}
		template = template[open+strings.IndexByte(template[open:], '}')+1:]
	}
}
