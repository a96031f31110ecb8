package modus

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
	"time"
)

// HTTPDoer sends one HTTP request. *http.Client implements it; so can a
// middleware that records or signs requests. Pass one with WithHTTPClient.
type HTTPDoer interface {
	Do(req *http.Request) (*http.Response, error)
}

// optionScope says where an Option may be used.
type optionScope uint8

const (
	scopeClient optionScope = 1 << iota // accepted by NewClient
	scopeCall                           // accepted by a single call
)

// Option configures a Client when passed to NewClient, or a single call
// when passed to an operation (the same type for both, as in openai-go, so
// that a caller can move a setting from one place to the other).
//
// Most options work in both places, and a call's value overrides the
// client's for that call only (a call's WithMiddleware runs inside the
// client's, its WithOnReconnect after the client's, and its WithHeader
// replaces only that header): WithHeader,
// WithMaxRetries, WithRetryBackoff, WithRequestTimeout, WithMaxResponseSize,
// WithStreamReconnects, WithStreamIdleTimeout, WithMaxEventSize,
// WithMiddleware, WithLogger, WithDebugBodies, WithOnReconnect and
// WithObserver. WithOptions bundles options and is valid where all of them
// are.
// Client-only options (WithAPIKey, WithBaseURL, WithAgentHost,
// WithHTTPClient, WithUserAgent, WithOrganizationID) make a call fail with
// an error, and the call-only ones, which only make sense for one request
// (WithIdempotencyKey, WithHeader("Idempotency-Key", ...),
// WithResponseInto), make NewClient fail. Options check their input and
// report a bad value as an error from NewClient or from the call; the zero
// Option does nothing.
type Option struct {
	name  string
	scope optionScope
	apply func(*settings) error
}

// settings collects what options set. NewClient uses all of it, starting
// from the defaults, with the environment read as options placed before the
// caller's (see envOptions); a call uses only the call part, starting from a
// copy of the client's.
type settings struct {
	apiKey     *string
	baseURL    string
	agentHost  string
	httpClient HTTPDoer
	userAgent  string
	orgID      *string

	call callConfig
	// timeoutSet: WithRequestTimeout was given, which beats the Timeout
	// of a *http.Client given to WithHTTPClient (the environment does not).
	timeoutSet bool
	// envErr holds a bad environment value by the option it stands for: an
	// explicit option of that name clears it, so that a variable the caller
	// overrides is never read.
	envErr map[string]error
	// headersOwned is false while call.headers is still shared with the
	// client's defaults (copy on first write, so calls without WithHeader
	// allocate nothing).
	headersOwned bool
}

// callConfig is what one request needs beyond its URL and body, built once
// per call: the client keeps the defaults, a call with options gets its own
// copy (Client.state), which travels to the transport in a *callState.
type callConfig struct {
	maxRetries     int
	backoff        backoffRange  // WithRetryBackoff; zero = the defaults
	timeout        time.Duration // per attempt; for a stream, until its headers; 0 = none
	headers        http.Header   // slices are clipped: an Add on a request never writes into them
	idempotencyKey string        // makes a POST or PATCH safe to retry
	maxBody        int64         // largest 2xx body of a unary call
	// stream holds the run-stream settings (WithStreamReconnects,
	// WithMaxEventSize, WithStreamIdleTimeout; see stream.go); zero means
	// the defaults.
	stream      streamConfig
	middleware  []Middleware // clipped: appending reallocates
	logger      *slog.Logger
	debugBodies int           // WithDebugBodies: bytes of each response body to log; 0 = none
	meta        *ResponseMeta // call only
	onReconnect func(ReconnectInfo)
	observers   []Observer // WithObserver; clipped: appending reallocates
	// hooks are what the executor notifies: observers, then the logger's
	// observer (see finish).
	hooks []Observer
}

// finish derives what the options imply, once they are all applied: the
// hooks the executor notifies, the logger's observer last (a call's
// WithLogger replaces the client's, its WithObserver adds).
func (cfg *callConfig) finish(key apiKey) {
	cfg.hooks = cfg.observers
	if cfg.logger != nil {
		cfg.hooks = append(cfg.observers[:len(cfg.observers):len(cfg.observers)], logObserver(cfg.logger, cfg.debugBodies, key))
	}
}

func optionError(name string, err error) Option {
	return Option{name: name, scope: scopeClient | scopeCall, apply: func(*settings) error { return err }}
}

// WithAPIKey sets the Modus API key (a personal access token starting with
// "modus_"). Without it NewClient reads MODUS_API_KEY. Client only.
func WithAPIKey(key string) Option {
	return Option{name: "WithAPIKey", scope: scopeClient, apply: func(s *settings) error {
		k := strings.TrimSpace(key)
		if err := checkAPIKey(k, "the key given to WithAPIKey"); err != nil {
			return err
		}
		s.apiKey = &k
		return nil
	}}
}

// WithBaseURL sets the API host, such as "https://api.staging.getmodus.com"
// or the URL of a proxy or a local fake. Default: MODUS_BASE_URL, else
// https://api.getmodus.com. It also decides the agent host when neither
// WithAgentHost nor MODUS_AGENT_HOST is given (see NewClient). Client only.
func WithBaseURL(baseURL string) Option {
	u, err := parseBaseURL(baseURL, "WithBaseURL")
	if err != nil {
		return optionError("WithBaseURL", err)
	}
	return Option{name: "WithBaseURL", scope: scopeClient, apply: func(s *settings) error {
		s.baseURL = u
		return nil
	}}
}

// WithAgentHost sets the host that serves the /agent/... operations (run
// streams), as a URL or a bare host name (then https is assumed). Default:
// MODUS_AGENT_HOST, else derived from the base URL. Client only.
func WithAgentHost(host string) Option {
	u, err := parseAgentHost(host, "WithAgentHost")
	if err != nil {
		return optionError("WithAgentHost", err)
	}
	return Option{name: "WithAgentHost", scope: scopeClient, apply: func(s *settings) error {
		s.agentHost = u
		return nil
	}}
}

// WithHTTPClient sets the HTTP client that sends requests (default: a new
// http.Client using http.DefaultTransport). The SDK adds retries on top of it.
//
// A *http.Client's Timeout would also cut off run streams, so the SDK uses a
// shallow copy without it and applies that Timeout as the per-attempt timeout
// instead (see WithRequestTimeout, which wins over it). Client only.
func WithHTTPClient(client HTTPDoer) Option {
	if client == nil {
		return optionError("WithHTTPClient", errors.New("modus: WithHTTPClient: nil client"))
	}
	return Option{name: "WithHTTPClient", scope: scopeClient, apply: func(s *settings) error {
		s.httpClient = client
		return nil
	}}
}

// WithUserAgent replaces the User-Agent header, by default
// "modus-go/<Version> go/<Go version>". Client only.
func WithUserAgent(userAgent string) Option {
	if userAgent == "" || !validHeaderValue(userAgent) {
		return optionError("WithUserAgent", errors.New("modus: WithUserAgent: empty value or value with control characters"))
	}
	return Option{name: "WithUserAgent", scope: scopeClient, apply: func(s *settings) error {
		s.userAgent = userAgent
		return nil
	}}
}

// WithOrganizationID sets the organization id that run requests carry in
// their body (default: MODUS_ORGANIZATION_ID). See Client.OrganizationID.
// Client only.
func WithOrganizationID(id string) Option {
	id = strings.TrimSpace(id)
	if id == "" {
		return optionError("WithOrganizationID", errors.New("modus: WithOrganizationID: empty id"))
	}
	return Option{name: "WithOrganizationID", scope: scopeClient, apply: func(s *settings) error {
		s.orgID = &id
		return nil
	}}
}

// WithHeader sets header key to value on every request of the client, or on
// the requests of one call. It replaces any value the SDK would set, so it can
// also override User-Agent or Authorization (for a proxy, say).
func WithHeader(key, value string) Option {
	if !validHeaderName(key) {
		return optionError("WithHeader", fmt.Errorf("modus: WithHeader: invalid header name %q", key))
	}
	if !validHeaderValue(value) {
		return optionError("WithHeader", fmt.Errorf("modus: WithHeader: value of %s contains a control character (only tab is allowed)", key))
	}
	key = textproto.CanonicalMIMEHeaderKey(key)
	if key == "Idempotency-Key" {
		// The same key on every request would make the server treat
		// different requests as repeats of the first.
		return Option{name: `WithHeader("Idempotency-Key", ...)`, scope: scopeCall, apply: func(s *settings) error {
			s.call.idempotencyKey = value
			return nil
		}}
	}
	return Option{name: "WithHeader", scope: scopeClient | scopeCall, apply: func(s *settings) error {
		s.ownHeaders()
		s.call.headers[key] = []string{value} // len == cap: clipped
		return nil
	}}
}

// WithMaxRetries sets how many times a failed request is retried (0 turns
// retries off, at most MaxRetriesLimit). Default: MODUS_MAX_RETRIES, else 2. See NewClient for what is
// retried.
func WithMaxRetries(n int) Option {
	if n < 0 || n > MaxRetriesLimit {
		return optionError("WithMaxRetries", fmt.Errorf("modus: WithMaxRetries: %d is not from 0 to %d", n, MaxRetriesLimit))
	}
	return Option{name: "WithMaxRetries", scope: scopeClient | scopeCall, apply: func(s *settings) error {
		s.call.maxRetries = n
		return nil
	}}
}

// WithRetryBackoff sets the backoff before retries of a call and before
// reconnections of a run stream: the wait before the first is random up to
// first, and the window doubles at each next try up to max (full jitter).
// It wants 0 < first <= max <= 1 minute. A server's Retry-After still sets
// the wait instead. Default: 0.5 s, doubling up to 8 s. Short waits make
// tests against a fake server (modustest's FailNext, say) fast; in
// production, shorter waits put more load on a server that is struggling.
// Client or call.
func WithRetryBackoff(first, max time.Duration) Option {
	if first <= 0 || max < first || max > maxRetryAfter {
		return optionError("WithRetryBackoff", fmt.Errorf("modus: WithRetryBackoff(%s, %s): want 0 < first <= max <= %s", first, max, maxRetryAfter))
	}
	return Option{name: "WithRetryBackoff", scope: scopeClient | scopeCall, apply: func(s *settings) error {
		s.call.backoff = backoffRange{first, max}
		return nil
	}}
}

// WithRequestTimeout bounds each attempt of a unary call, its body
// included (0 means no bound beyond the context). For a run stream it bounds
// only the wait for the response headers, of the first request and of each
// reconnection; the events are never cut by it: bound them with the context
// (and see WithStreamIdleTimeout). Default: the Timeout of a *http.Client
// given to WithHTTPClient, else MODUS_TIMEOUT (seconds or a Go duration), else
// DefaultRequestTimeout. Client or call.
func WithRequestTimeout(d time.Duration) Option {
	if d < 0 {
		return optionError("WithRequestTimeout", fmt.Errorf("modus: WithRequestTimeout: negative duration %s", d))
	}
	return Option{name: "WithRequestTimeout", scope: scopeClient | scopeCall, apply: func(s *settings) error {
		s.call.timeout = d
		s.timeoutSet = true
		return nil
	}}
}

// WithMaxResponseSize sets the largest 2xx body a unary call reads, in
// bytes (default DefaultMaxResponseSize, 64 MiB). A larger body is an error
// matching ErrResponseTooLarge, found without reading it when the server
// announces its length. Run streams are bounded per event instead (see
// WithMaxEventSize). Client or call.
func WithMaxResponseSize(n int64) Option {
	if n <= 0 {
		return optionError("WithMaxResponseSize", fmt.Errorf("modus: WithMaxResponseSize: want a positive size, got %d", n))
	}
	return Option{name: "WithMaxResponseSize", scope: scopeClient | scopeCall, apply: func(s *settings) error {
		s.call.maxBody = n
		return nil
	}}
}

// WithIdempotencyKey sends key as the Idempotency-Key header of one call. The
// server then treats repeats of the request as one, which also lets the SDK
// retry a POST or PATCH; every attempt carries the same key. Call only.
func WithIdempotencyKey(key string) Option {
	if key == "" || !validHeaderValue(key) {
		return optionError("WithIdempotencyKey", errors.New("modus: WithIdempotencyKey: empty key or key with control characters"))
	}
	return Option{name: "WithIdempotencyKey", scope: scopeCall, apply: func(s *settings) error {
		s.call.idempotencyKey = key
		return nil
	}}
}

// WithOptions bundles options into one, applied in order, so that a package
// can hand its users a single Option made of several (modusotel's
// Instrument, say: an observer and a middleware). It is valid where all of
// its options are: client or call, client only, or call only.
func WithOptions(opts ...Option) Option {
	scope, names := scopeClient|scopeCall, make([]string, 0, len(opts))
	for _, o := range opts {
		if o.apply != nil {
			scope &= o.scope
			names = append(names, o.name)
		}
	}
	name := "WithOptions(" + strings.Join(names, ", ") + ")"
	if scope == 0 {
		return optionError(name, fmt.Errorf("modus: %s: mixes client-only and call-only options", name))
	}
	return Option{name: name, scope: scope, apply: func(s *settings) error {
		for _, o := range opts {
			if o.apply == nil {
				continue
			}
			if err := o.apply(s); err != nil {
				return err
			}
			delete(s.envErr, o.name)
		}
		return nil
	}}
}

// ownHeaders makes call.headers private to these settings before a write.
func (s *settings) ownHeaders() {
	if s.headersOwned {
		return
	}
	h := make(http.Header, len(s.call.headers)+1)
	for k, v := range s.call.headers {
		h[k] = v // the slices are never written to, only replaced
	}
	s.call.headers = h
	s.headersOwned = true
}

// applyOptions applies opts in order, refusing those not allowed in scope.
func (s *settings) applyOptions(opts []Option, scope optionScope) error {
	for _, o := range opts {
		if o.apply == nil {
			continue
		}
		if o.scope&scope == 0 {
			if scope == scopeCall {
				return fmt.Errorf("modus: %s configures the client; pass it to NewClient, not to a call", o.name)
			}
			return fmt.Errorf("modus: %s applies to a single call; pass it to the call, not to NewClient", o.name)
		}
		if err := o.apply(s); err != nil {
			return err
		}
		delete(s.envErr, o.name)
	}
	return nil
}

// checkAPIKey rejects keys that cannot be right. The message describes the
// key without quoting it: an error may end up in a log.
func checkAPIKey(key, source string) error {
	if !strings.HasPrefix(key, "modus_") || len(key) == len("modus_") {
		return fmt.Errorf("modus: %s does not hold a Modus API key: keys start with \"modus_\" (the value, not shown, has %d characters)", source, len(key))
	}
	if strings.ContainsFunc(key, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return fmt.Errorf("modus: %s contains spaces or control characters", source)
	}
	return nil
}

// parseBaseURL checks a base URL and returns it without trailing slash.
func parseBaseURL(raw, source string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return "", fmt.Errorf("modus: %s: invalid URL: %w", source, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", fmt.Errorf("modus: %s: URL %q must start with https:// (or http://)", source, raw)
	}
	if u.Host == "" {
		return "", fmt.Errorf("modus: %s: URL %q has no host", source, raw)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("modus: %s: URL must not carry credentials, a query or a fragment", source)
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// parseAgentHost accepts a URL or a bare host[:port] (https assumed).
func parseAgentHost(raw, source string) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw != "" && !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	return parseBaseURL(raw, source)
}

// validHeaderValue reports whether s may be a header value: no control
// character but horizontal tab (RFC 9110 field-value; net/http refuses
// the others when sending).
func validHeaderValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

// validHeaderName reports whether s is an RFC 9110 token.
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// WithMiddleware adds middleware, run in the order given, around every
// attempt; a call's middleware runs inside the client's. Client or call.
func WithMiddleware(mw ...Middleware) Option {
	for _, m := range mw {
		if m == nil {
			return optionError("WithMiddleware", errors.New("modus: WithMiddleware: nil middleware"))
		}
	}
	return Option{name: "WithMiddleware", scope: scopeClient | scopeCall, apply: func(s *settings) error {
		s.call.middleware = append(s.call.middleware[:len(s.call.middleware):len(s.call.middleware)], mw...)
		return nil
	}}
}

// WithResponseInto fills *meta with the status, headers and request id of
// the call's last answer: a success, an error status (which its *Error also
// describes), a 2xx over the size limit, or the last of several tries. It is
// left alone when no answer arrived. For a run stream, the answer that
// opened it; see also RunStream.Header. With an All iterator, every page
// fills it, each page being fetched as the loop reaches it: inside the loop
// body it describes the page the current item came from, and after the loop
// the last page fetched. Call only.
func WithResponseInto(meta *ResponseMeta) Option {
	if meta == nil {
		return optionError("WithResponseInto", errors.New("modus: WithResponseInto: nil *ResponseMeta"))
	}
	return Option{name: "WithResponseInto", scope: scopeCall, apply: func(s *settings) error {
		s.call.meta = meta
		return nil
	}}
}

// WithLogger makes the client log, with logger: one record per attempt at
// Debug level (method, path template, operation, status, attempt, duration,
// request id), and at Info level each decision to retry (why, wait) and
// each run stream reconnection (run id, last event id, attempt). Records
// never hold the API key, headers or bodies. Default: no logging. Client or
// call.
func WithLogger(logger *slog.Logger) Option {
	if logger == nil {
		return optionError("WithLogger", errors.New("modus: WithLogger: nil logger"))
	}
	return Option{name: "WithLogger", scope: scopeClient | scopeCall, apply: func(s *settings) error {
		s.call.logger = logger
		return nil
	}}
}

// WithDebugBodies makes the logger of WithLogger also write, at Debug
// level, the response body of each call (stream events excepted), cut to at
// most max bytes, with the API key and the values of JSON fields whose names
// look secret (token, password, secret, key, authorization) replaced by
// "***". Bodies may hold personal data: use it to debug, not in production.
// Client or call.
func WithDebugBodies(max int) Option {
	if max <= 0 {
		return optionError("WithDebugBodies", fmt.Errorf("modus: WithDebugBodies: want a positive size, got %d", max))
	}
	return Option{name: "WithDebugBodies", scope: scopeClient | scopeCall, apply: func(s *settings) error {
		s.call.debugBodies = max
		return nil
	}}
}

// WithOnReconnect calls f each time a run stream is about to reconnect,
// before its wait, from the goroutine reading the stream (a relay can tell
// its own clients). It adds to the callbacks already set, as WithMiddleware
// does: a call's f runs after the client's. f may call the stream's Close.
// Client or call.
func WithOnReconnect(f func(ReconnectInfo)) Option {
	if f == nil {
		return optionError("WithOnReconnect", errors.New("modus: WithOnReconnect: nil func"))
	}
	return Option{name: "WithOnReconnect", scope: scopeClient | scopeCall, apply: func(s *settings) error {
		if prev := s.call.onReconnect; prev != nil {
			s.call.onReconnect = func(info ReconnectInfo) { prev(info); f(info) }
		} else {
			s.call.onReconnect = f
		}
		return nil
	}}
}

// WithObserver adds the callbacks of o to those already set: a call's
// observers run after the client's, never instead of them. Callbacks run on
// the goroutine of the call or of RunStream.Next, must not block for long,
// and never run under a lock that Close needs. Client or call.
func WithObserver(o Observer) Option {
	return Option{name: "WithObserver", scope: scopeClient | scopeCall, apply: func(s *settings) error {
		s.call.observers = append(s.call.observers[:len(s.call.observers):len(s.call.observers)], o)
		return nil
	}}
}

// WithStreamReconnects sets how many times in a row a run stream reconnects
// after its connection drops before it gives up with a
// *StreamInterruptedError (0 turns resuming off). The count starts again
// after each event received, so a long run survives any number of drops as
// long as each reconnection makes progress. Default:
// DefaultStreamReconnects. Client or call.
func WithStreamReconnects(n int) Option {
	if n < 0 {
		return optionError("WithStreamReconnects", fmt.Errorf("modus: WithStreamReconnects: negative value %d", n))
	}
	return Option{name: "WithStreamReconnects", scope: scopeClient | scopeCall, apply: func(s *settings) error {
		s.call.stream.reconnects, s.call.stream.reconnectsSet = n, true
		return nil
	}}
}

// WithStreamIdleTimeout sets how long a run stream may go without
// progress before it treats the connection as dropped and resumes with
// Last-Event-ID, within the reconnect budget (0 turns the check off).
// Progress is a complete event or comment (a heartbeat): bytes that
// trickle in without completing one do not count, so a single event that
// takes longer than this to arrive counts as idle too. The same limit
// bounds a reconnection's wait for its response headers (as does
// WithRequestTimeout, whichever is shorter). A proxy that stalls silently
// otherwise hangs the stream until its context ends. Default:
// DefaultStreamIdleTimeout. Client or call.
func WithStreamIdleTimeout(d time.Duration) Option {
	if d < 0 {
		return optionError("WithStreamIdleTimeout", fmt.Errorf("modus: WithStreamIdleTimeout: negative duration %s", d))
	}
	return Option{name: "WithStreamIdleTimeout", scope: scopeClient | scopeCall, apply: func(s *settings) error {
		s.call.stream.idle, s.call.stream.idleSet = d, true
		return nil
	}}
}

// WithMaxEventSize sets the largest run stream event accepted, in bytes
// (default sse.DefaultMaxEventSize, 16 MiB). A larger event stops the
// stream with an error matching ErrEventTooLarge. Client or call.
func WithMaxEventSize(n int) Option {
	if n <= 0 {
		return optionError("WithMaxEventSize", fmt.Errorf("modus: WithMaxEventSize: want a positive size, got %d", n))
	}
	return Option{name: "WithMaxEventSize", scope: scopeClient | scopeCall, apply: func(s *settings) error {
		s.call.stream.maxEventSize = n
		return nil
	}}
}
