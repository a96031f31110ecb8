package modus

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// Defaults used when neither an option nor the environment says otherwise.
const (
	// DefaultBaseURL is the production API host.
	DefaultBaseURL = "https://api.getmodus.com"
	// DefaultMaxRetries is how many times a failed request is retried.
	DefaultMaxRetries = 2
	// MaxRetriesLimit is the largest retry count WithMaxRetries and
	// MODUS_MAX_RETRIES accept: with waits of up to 8 s each, more would
	// turn an outage into a silent wait of a quarter of an hour or longer.
	MaxRetriesLimit = 100
	// DefaultRequestTimeout bounds each attempt of a unary call. It is long
	// because chat calls wait for a model; the context bounds the whole call.
	DefaultRequestTimeout = 10 * time.Minute
)

// Environment variables read by NewClient (the names the official Modus SDKs use).
const (
	EnvAPIKey         = "MODUS_API_KEY"
	EnvBaseURL        = "MODUS_BASE_URL"
	EnvAgentHost      = "MODUS_AGENT_HOST"
	EnvTimeout        = "MODUS_TIMEOUT"
	EnvMaxRetries     = "MODUS_MAX_RETRIES"
	EnvOrganizationID = "MODUS_ORGANIZATION_ID"
)

// Client calls the Modus API. Create it with NewClient; it is safe for
// concurrent use and should be shared, so that connections are reused.
//
// Printing a Client (with any verb) shows its hosts, never the API key.
type Client struct {
	// Agents: agents, their chat and their run history.
	Agents *AgentsService
	// Skills: skills, their chat, context, conversations and memories.
	Skills *SkillsService
	// Context: context items.
	Context *ContextService
	// Runs: streamed agent runs and workflow actions (agent host).
	Runs *RunsService
	// Connections: data connections.
	Connections *ConnectionsService
	// Usage: usage buckets.
	Usage *UsageService
	// Organization: organization-wide operations.
	Organization *OrganizationService

	apiURL   string // base URLs without trailing slash, as given
	agentURL string

	// The same with a trailing slash, the server argument of the generated
	// request builders (which resolve "./api/v1/..." against it): unary
	// calls go to the API host, run streams to the agent host.
	apiServer   string
	agentServer string

	// transport sends every request (see transport); it holds the API
	// key, the User-Agent and the client's defaults.
	transport *transport
	retry     *retryPolicy // shared by call retries and stream reconnects

	orgID string
}

// apiKey returns the API key and the ready-made Authorization value. It is
// a func so that fmt can never print it: fmt prints a func as its address
// whatever the verb, whereas it prints string fields of unexported structs
// verbatim without calling any String method.
type apiKey func() (key, bearer string)

func newAPIKey(key string) apiKey {
	bearer := "Bearer " + key
	return func() (string, string) { return key, bearer }
}

const maskedKey = "modus_****"

// String masks the key.
func (apiKey) String() string { return maskedKey }

// GoString masks the key.
func (apiKey) GoString() string { return maskedKey }

// Format masks the key whatever the verb.
func (apiKey) Format(f fmt.State, _ rune) { io.WriteString(f, maskedKey) }

// bearerHeader returns the Authorization header's value, ready to put on
// each request without allocating (clipped: an Add reallocates). A func, as
// apiKey is, so that fmt never prints it.
type bearerHeader func() []string

func newBearerHeader(bearer string) bearerHeader {
	v := []string{bearer}
	return func() []string { return v }
}

// maskBytes returns b with every copy of the key replaced by maskedKey, and
// every JSON string that holds the key once unescaped replaced by "***": for
// text a server sends back, which may echo the key, escaped ("modus\u005f...")
// or not. b itself when it holds none (no copy). A nil apiKey masks nothing.
func (k apiKey) maskBytes(b []byte) []byte {
	if k == nil {
		return b
	}
	key, _ := k()
	if key == "" {
		return b
	}
	if bytes.Contains(b, []byte(key)) {
		b = bytes.ReplaceAll(b, []byte(key), []byte(maskedKey))
	}
	return maskEscapedKey(b, key)
}

// maskHead returns at most n bytes of b with the key masked (maskBytes). It
// masks before it cuts, looking as far past n as a copy of the key may
// reach (reach), so that no part of a key straddling the cut is left, and
// it looks no further, so that its cost follows n, not the size of b.
func (k apiKey) maskHead(b []byte, n int) []byte {
	b = k.maskBytes(k.headFor(b, n))
	return b[:min(len(b), n)]
}

// headFor returns the start of b that masking needs to see to cut it at n
// safely: n bytes and reach more (b whole when shorter; no overflow for any
// n).
func (k apiKey) headFor(b []byte, n int) []byte {
	if r := k.reach(); len(b)-n > r {
		return b[:n+r]
	}
	return b
}

// reach is how many bytes a copy of the key may take in a text: 6 per byte
// when each is escaped ("\u006d...").
func (k apiKey) reach() int {
	if k == nil {
		return 0
	}
	key, _ := k()
	return len(`\u0000`) * len(key)
}

// maskEscapedKey replaces with "***" every JSON string of b (JSON or the
// start of it) that has an escape and holds key once unescaped. A string cut
// short by the end of b is read as far as it goes. b itself when there is
// none.
func maskEscapedKey(b []byte, key string) []byte {
	if bytes.IndexByte(b, '\\') < 0 {
		return b
	}
	var out []byte
	last := 0
	for i := 0; i < len(b); i++ {
		if b[i] != '"' {
			continue
		}
		end, closed := stringEnd(b, i)
		if tok := b[i:end]; bytes.IndexByte(tok, '\\') >= 0 && strings.Contains(unescapeJSONString(tok, closed), key) {
			out = append(append(out, b[last:i]...), `"***"`...)
			last = end
		}
		i = end - 1
	}
	if out == nil {
		return b
	}
	return append(out, b[last:]...)
}

// unescapeJSONString returns the text of the JSON string tok (with its
// quotes; without the closing one unless closed), "" if it is not one. An
// escape cut short at the end of an unclosed string is left out.
func unescapeJSONString(tok []byte, closed bool) string {
	var s string
	if closed {
		if json.Unmarshal(tok, &s) != nil {
			return ""
		}
		return s
	}
	if json.Unmarshal(append(bytes.Clone(tok), '"'), &s) == nil {
		return s
	}
	if i := bytes.LastIndexByte(tok, '\\'); i > 0 && json.Unmarshal(append(bytes.Clone(tok[:i]), '"'), &s) == nil {
		return s
	}
	return ""
}

// requestID returns h's X-Request-Id with any copy of the key masked: the
// one place the SDK reads it, for errors and ResponseMeta alike, since a
// server that echoes the request may put the key there.
func (k apiKey) requestID(h http.Header) string { return k.mask(h.Get("X-Request-Id")) }

// maskFold is mask ignoring case: for text the SDK changed the case of
// (an error event's code is upper-cased) or that a server may have.
func (k apiKey) maskFold(s string) string {
	if k == nil {
		return s
	}
	key, _ := k()
	if key == "" || len(s) < len(key) {
		return s
	}
	var b strings.Builder
	last := 0
	for i := 0; i+len(key) <= len(s); {
		if strings.EqualFold(s[i:i+len(key)], key) {
			b.WriteString(s[last:i])
			b.WriteString(maskedKey)
			i += len(key)
			last = i
			continue
		}
		i++
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// mask is maskBytes for a string.
func (k apiKey) mask(s string) string {
	if k == nil {
		return s
	}
	key, _ := k()
	if key == "" || !strings.Contains(s, key) {
		return s
	}
	return strings.ReplaceAll(s, key, maskedKey)
}

// NewClient returns a client configured by opts, then by the environment
// (read here only), then by defaults:
//
//   - API key: WithAPIKey, else MODUS_API_KEY; required, must start with "modus_".
//   - API host: WithBaseURL, else MODUS_BASE_URL, else https://api.getmodus.com.
//   - Agent host (run streams): WithAgentHost, else MODUS_AGENT_HOST, else
//     derived from the API host: api.getmodus.com gives agent.getmodus.com and
//     api.<env>.getmodus.com gives agent.<env>.getmodus.com; any other host
//     (a proxy, a local fake) is used for both, so that traffic meant for it
//     never goes to production.
//   - Per-attempt timeout of unary calls, and of a run stream's wait for its
//     response headers (never its events): WithRequestTimeout, else the
//     Timeout of a *http.Client given to WithHTTPClient, else MODUS_TIMEOUT
//     (seconds, fractions allowed, or a Go duration such as 1m30s; 0 for none), else DefaultRequestTimeout.
//   - Retries: WithMaxRetries, else MODUS_MAX_RETRIES, else DefaultMaxRetries.
//   - Organization id: WithOrganizationID, else MODUS_ORGANIZATION_ID, else none.
//
// Retries happen on connection errors and on 408, 429, 500, 502, 503 and 504,
// after an exponential backoff with full jitter (from 0.5 s, at most 8 s;
// see WithRetryBackoff) or the server's Retry-After (when it asks for more
// than 60 s the error is returned at once, with Error.RetryAfter set). GET, HEAD, OPTIONS, PUT and DELETE are
// retried; POST and PATCH only when they carry an Idempotency-Key or failed
// before connecting to the server.
func NewClient(opts ...Option) (*Client, error) {
	s := settings{call: callConfig{maxRetries: DefaultMaxRetries, timeout: DefaultRequestTimeout, maxBody: DefaultMaxResponseSize}}
	if err := s.applyOptions(append(envOptions(), opts...), scopeClient); err != nil {
		return nil, err
	}
	if err := s.check(); err != nil {
		return nil, err
	}
	retry := newRetryPolicy()
	key := newAPIKey(*s.apiKey)
	_, bearer := key()
	t := &transport{next: s.client(), retry: retry, key: key, bearer: newBearerHeader(bearer), agent: s.userAgent, ua: []string{s.userAgent}}
	var err error
	if t.api, err = newBaseURL(s.baseURL); err != nil {
		return nil, err
	}
	if t.agentBase, err = newBaseURL(s.agentHost); err != nil {
		return nil, err
	}
	s.call.finish(key)
	t.defaults = &callState{cfg: s.call}
	c := &Client{apiURL: s.baseURL, agentURL: s.agentHost, apiServer: s.baseURL + "/", agentServer: s.agentHost + "/",
		transport: t, retry: retry, orgID: *s.orgID}
	c.initServices()
	return c, nil
}

// envOptions reads the environment as options, which NewClient places
// before the caller's so that an explicit option wins. A bad value becomes
// an error only if no explicit option replaces it (settings.envErr).
func envOptions() []Option {
	return []Option{
		envOption(EnvAPIKey, "WithAPIKey", func(v string) Option {
			if err := checkAPIKey(v, EnvAPIKey); err != nil {
				return optionError("", err)
			}
			return WithAPIKey(v)
		}),
		envOption(EnvBaseURL, "WithBaseURL", func(v string) Option {
			u, err := parseBaseURL(v, EnvBaseURL)
			return envSet(err, func(s *settings) { s.baseURL = u })
		}),
		envOption(EnvAgentHost, "WithAgentHost", func(v string) Option {
			u, err := parseAgentHost(v, EnvAgentHost)
			return envSet(err, func(s *settings) { s.agentHost = u })
		}),
		envOption(EnvMaxRetries, "WithMaxRetries", func(v string) Option {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || n > MaxRetriesLimit {
				err = fmt.Errorf("modus: %s=%q: want a whole number from 0 to %d", EnvMaxRetries, v, MaxRetriesLimit)
			}
			return envSet(err, func(s *settings) { s.call.maxRetries = n })
		}),
		envOption(EnvTimeout, "WithRequestTimeout", func(v string) Option {
			d, err := parseTimeoutSeconds(v)
			// Unlike WithRequestTimeout, it gives way to an http.Client's Timeout.
			return envSet(err, func(s *settings) { s.call.timeout = d })
		}),
		envOption(EnvOrganizationID, "WithOrganizationID", func(v string) Option { return WithOrganizationID(v) }),
	}
}

// parseTimeoutSeconds reads MODUS_TIMEOUT: a decimal number of seconds,
// fractions allowed, or a Go duration ("30s", "1m30s"); 0 means no limit.
// NaN, infinities, negative values, values beyond maxTimeout and positive
// values under a nanosecond are refused, since each would otherwise end up
// meaning "no limit" without a word.
func parseTimeoutSeconds(v string) (time.Duration, error) {
	bad := fmt.Errorf("modus: %s=%q: want a number of seconds or a duration such as 30s or 1m30s, from 0 (no limit) to %s", EnvTimeout, v, maxTimeout)
	secs, err := strconv.ParseFloat(v, 64)
	if err != nil {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 || d > maxTimeout {
			return 0, bad
		}
		return d, nil
	}
	// !(secs >= 0) also catches NaN, which compares false with everything.
	if !(secs >= 0) || secs > maxTimeout.Seconds() {
		return 0, bad
	}
	d := time.Duration(secs * float64(time.Second))
	if secs > 0 && d <= 0 {
		return 0, fmt.Errorf("modus: %s=%q: a timeout under a nanosecond; use 0 for no limit", EnvTimeout, v)
	}
	return d, nil
}

// maxTimeout (about 31 years) keeps MODUS_TIMEOUT well within a time.Duration.
const maxTimeout = 1e9 * time.Second

// envOption turns variable name into an option through mk when it is set.
// Its error is kept aside under the name of the option it stands for.
func envOption(name, option string, mk func(v string) Option) Option {
	v := strings.TrimSpace(os.Getenv(name))
	if v == "" {
		return Option{}
	}
	o := mk(v)
	return Option{name: "env " + name, scope: scopeClient, apply: func(s *settings) error {
		if err := o.apply(s); err != nil {
			if s.envErr == nil {
				s.envErr = map[string]error{}
			}
			s.envErr[option] = err
		}
		return nil
	}}
}

// envSet is the option of an environment value: set, or err.
func envSet(err error, set func(*settings)) Option {
	if err != nil {
		return optionError("", err)
	}
	return Option{scope: scopeClient, apply: func(s *settings) error { set(s); return nil }}
}

// check reports what NewClient cannot go on without, once the options and
// the environment are applied, and fills in the remaining defaults.
func (s *settings) check() error {
	for _, name := range []string{"WithAPIKey", "WithBaseURL", "WithAgentHost", "WithMaxRetries", "WithRequestTimeout", "WithOrganizationID"} {
		if err := s.envErr[name]; err != nil {
			return err
		}
	}
	if s.apiKey == nil {
		return fmt.Errorf("modus: no API key: set %s or pass modus.WithAPIKey", EnvAPIKey)
	}
	if s.baseURL == "" {
		s.baseURL = DefaultBaseURL
	}
	if s.agentHost == "" {
		s.agentHost = deriveAgentURL(s.baseURL)
	}
	if s.userAgent == "" {
		s.userAgent = "modus-go/" + Version + " go/" + runtime.Version()
	}
	if s.orgID == nil {
		s.orgID = new(string)
	}
	return nil
}

// client returns the HTTP client to send with: a copy of a *http.Client
// with the SDK's redirect policy and its Timeout moved to the per-attempt
// timeout of the defaults (it would also end run streams) unless
// WithRequestTimeout was given; any other HTTPDoer as it is.
func (s *settings) client() HTTPDoer {
	if s.httpClient == nil {
		s.httpClient = &http.Client{}
	}
	hc, ok := s.httpClient.(*http.Client)
	if !ok {
		return s.httpClient
	}
	hc = withRedirectPolicy(hc)
	if hc.Timeout > 0 && !s.timeoutSet {
		s.call.timeout = hc.Timeout
	}
	hc.Timeout = 0
	return hc
}

// BaseURL returns the API host URL the client sends requests to.
func (c *Client) BaseURL() string { return c.apiURL }

// AgentURL returns the agent host URL the client sends run requests to.
func (c *Client) AgentURL() string { return c.agentURL }

// OrganizationID returns the organization id set by WithOrganizationID or
// MODUS_ORGANIZATION_ID ("" if none). Run requests carry it in their body.
func (c *Client) OrganizationID() string { return c.orgID }

// String describes the client without its API key.
func (c *Client) String() string {
	if c == nil {
		return "modus.Client(nil)"
	}
	return fmt.Sprintf("modus.Client{BaseURL: %q, AgentURL: %q, APIKey: %s}", c.apiURL, c.agentURL, maskedKey)
}

// GoString describes the client without its API key.
func (c *Client) GoString() string { return c.String() }

// Format prints String for every verb, so that no verb (%+v, %#v, ...) can
// walk into the fields and print the key.
func (c *Client) Format(f fmt.State, _ rune) { io.WriteString(f, c.String()) }

// deriveAgentURL maps a Modus API host to its agent host and leaves any
// other URL alone (a proxy or fake serves both hosts' paths).
func deriveAgentURL(baseURL string) string {
	u, err := url.Parse(baseURL)
	if err != nil {
		return baseURL
	}
	host := strings.ToLower(u.Hostname())
	const suffix = ".getmodus.com"
	switch {
	case host == "api.getmodus.com":
		host = "agent.getmodus.com"
	case strings.HasPrefix(host, "api.") && strings.HasSuffix(host, suffix) && len(host) > len("api.")+len(suffix):
		host = "agent." + strings.TrimPrefix(host, "api.")
	default:
		return baseURL
	}
	if p := u.Port(); p != "" {
		host += ":" + p
	}
	u.Host = host
	return strings.TrimRight(u.String(), "/")
}
