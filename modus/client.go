package modus

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/modus-data/modus-sdk-go/gen"
)

// Defaults used when neither an option nor the environment says otherwise.
const (
	// DefaultBaseURL is the production API host.
	DefaultBaseURL = "https://api.getmodus.com"
	// DefaultMaxRetries is how many times a failed request is retried.
	DefaultMaxRetries = 2
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

	// One generated client per host: the generated code ignores the
	// per-operation servers of the spec and knows a single base URL.
	api   *gen.Client // api host: /api/v1/...
	agent *gen.Client // agent host: /agent/... (run streams)

	apiURL   string // base URLs without trailing slash, for stream clients
	agentURL string

	// doer retries and applies per-attempt timeouts; both gen clients and
	// any stream client send through it, so they share one transport.
	doer *retryDoer

	// key is a func so that fmt can never print it: fmt prints a func as
	// its address whatever the verb, whereas it prints string fields of
	// unexported structs verbatim without calling any String method.
	key       apiKey
	userAgent string
	orgID     string
	defaults  callConfig // read only after NewClient
}

// apiKey returns the API key and the ready-made Authorization value.
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
//   - Per-attempt timeout of unary calls: WithRequestTimeout, else the Timeout
//     of a *http.Client given to WithHTTPClient, else MODUS_TIMEOUT (seconds),
//     else DefaultRequestTimeout.
//   - Retries: WithMaxRetries, else MODUS_MAX_RETRIES, else DefaultMaxRetries.
//   - Organization id: WithOrganizationID, else MODUS_ORGANIZATION_ID, else none.
//
// Retries happen on connection errors and on 408, 429, 500, 502, 503 and 504,
// after an exponential backoff with full jitter (from 0.5 s, at most 8 s) or
// the server's Retry-After (when it asks for more than 60 s the error is
// returned at once, with Error.RetryAfter set). GET, HEAD, PUT and DELETE are
// retried; POST and PATCH only when they carry an Idempotency-Key or failed
// before connecting to the server.
func NewClient(opts ...Option) (*Client, error) {
	var s settings
	if err := s.applyOptions(opts, scopeClient); err != nil {
		return nil, err
	}

	if _, ok := s.call.headers["Idempotency-Key"]; ok {
		// The same key on every request would make the server treat
		// different requests as repeats of the first.
		return nil, errors.New("modus: WithHeader(\"Idempotency-Key\", ...) applies to a single call; pass it (or WithIdempotencyKey) to the call, not to NewClient")
	}

	key := ""
	if s.apiKey != nil {
		key = *s.apiKey
	} else {
		key = strings.TrimSpace(os.Getenv(EnvAPIKey))
		if key == "" {
			return nil, fmt.Errorf("modus: no API key: set %s or pass modus.WithAPIKey", EnvAPIKey)
		}
		if err := checkAPIKey(key, EnvAPIKey); err != nil {
			return nil, err
		}
	}

	baseURL := s.baseURL
	if baseURL == "" {
		baseURL = DefaultBaseURL
		if v := strings.TrimSpace(os.Getenv(EnvBaseURL)); v != "" {
			u, err := parseBaseURL(v, EnvBaseURL)
			if err != nil {
				return nil, err
			}
			baseURL = u
		}
	}

	agentURL := s.agentHost
	if agentURL == "" {
		if v := strings.TrimSpace(os.Getenv(EnvAgentHost)); v != "" {
			u, err := parseAgentHost(v, EnvAgentHost)
			if err != nil {
				return nil, err
			}
			agentURL = u
		} else {
			agentURL = deriveAgentURL(baseURL)
		}
	}

	httpClient := s.httpClient
	if httpClient == nil {
		httpClient = &http.Client{}
	}
	if hc, ok := httpClient.(*http.Client); ok {
		// A copy: the caller's client stays as it was.
		hc = withRedirectPolicy(hc)
		if hc.Timeout > 0 {
			// Keep the caller's Timeout for unary calls but off the
			// transport, where it would also end run streams.
			if !s.timeoutSet {
				s.call.timeout, s.timeoutSet = hc.Timeout, true
			}
			hc.Timeout = 0
		}
		httpClient = hc
	}

	if !s.maxRetriesSet {
		s.call.maxRetries = DefaultMaxRetries
		if v := strings.TrimSpace(os.Getenv(EnvMaxRetries)); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return nil, fmt.Errorf("modus: %s=%q: want a whole number >= 0", EnvMaxRetries, v)
			}
			s.call.maxRetries = n
		}
	}
	if !s.timeoutSet {
		s.call.timeout = DefaultRequestTimeout
		if v := strings.TrimSpace(os.Getenv(EnvTimeout)); v != "" {
			secs, err := strconv.ParseFloat(v, 64)
			if err != nil || secs < 0 || secs > 1e9 {
				return nil, fmt.Errorf("modus: %s=%q: want a number of seconds >= 0", EnvTimeout, v)
			}
			s.call.timeout = time.Duration(secs * float64(time.Second))
		}
	}

	orgID := ""
	if s.orgID != nil {
		orgID = *s.orgID
	} else {
		orgID = strings.TrimSpace(os.Getenv(EnvOrganizationID))
	}

	userAgent := s.userAgent
	if userAgent == "" {
		userAgent = "modus-go/" + Version + " go/" + runtime.Version()
	}

	doer := newRetryDoer(httpClient, s.call.maxRetries, s.call.timeout)
	doer.maxBody = s.call.maxBody
	c := &Client{
		apiURL:    baseURL,
		agentURL:  agentURL,
		doer:      doer,
		key:       newAPIKey(key),
		userAgent: userAgent,
		orgID:     orgID,
		defaults:  s.call,
	}
	var err error
	if c.api, err = gen.NewClient(baseURL, gen.WithHTTPClient(c.doer), gen.WithRequestEditorFn(c.authorize)); err != nil {
		return nil, fmt.Errorf("modus: api host: %w", err)
	}
	if c.agent, err = gen.NewClient(agentURL, gen.WithHTTPClient(c.doer), gen.WithRequestEditorFn(c.authorize)); err != nil {
		return nil, fmt.Errorf("modus: agent host: %w", err)
	}
	c.initServices()
	return c, nil
}

// authorize is the request editor every generated call runs first: auth,
// User-Agent and the client-wide headers (per-call editors run after it and
// can override them).
func (c *Client) authorize(_ context.Context, req *http.Request) error {
	_, bearer := c.key()
	req.Header.Set("Authorization", bearer)
	req.Header.Set("User-Agent", c.userAgent)
	for k, v := range c.defaults.headers {
		req.Header[k] = v // clipped slices: a later Add reallocates
	}
	return nil
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
