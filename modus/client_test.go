package modus

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewClientAPIKey(t *testing.T) {
	t.Run("missing names the variable", func(t *testing.T) {
		_, err := NewClient()
		require.Error(t, err)
		assert.Contains(t, err.Error(), "MODUS_API_KEY")
	})
	t.Run("from env", func(t *testing.T) {
		t.Setenv(EnvAPIKey, testKey)
		c, err := NewClient()
		require.NoError(t, err)
		assert.Equal(t, testKey, apiKeyOf(c))
	})
	t.Run("option wins over env", func(t *testing.T) {
		t.Setenv(EnvAPIKey, "modus_from_env")
		c, err := NewClient(WithAPIKey(testKey))
		require.NoError(t, err)
		assert.Equal(t, testKey, apiKeyOf(c))
	})
	for _, bad := range []string{"sk_live_SECRETVALUE123", "modus_", "modus_has space SECRETVALUE"} {
		t.Run("bad env key not echoed "+bad[:5], func(t *testing.T) {
			t.Setenv(EnvAPIKey, bad)
			_, err := NewClient()
			require.Error(t, err)
			assert.Contains(t, err.Error(), "MODUS_API_KEY")
			assert.NotContains(t, err.Error(), "SECRETVALUE")
		})
		t.Run("bad option key not echoed "+bad[:5], func(t *testing.T) {
			_, err := NewClient(WithAPIKey(bad))
			require.Error(t, err)
			assert.NotContains(t, err.Error(), "SECRETVALUE")
		})
	}
}

func TestNewClientPrecedence(t *testing.T) {
	t.Run("defaults", func(t *testing.T) {
		c, err := NewClient(WithAPIKey(testKey))
		require.NoError(t, err)
		assert.Equal(t, DefaultBaseURL, c.BaseURL())
		assert.Equal(t, "https://agent.getmodus.com", c.AgentURL())
		assert.Equal(t, DefaultMaxRetries, c.transport.defaults.cfg.maxRetries)
		assert.Equal(t, DefaultRequestTimeout, c.transport.defaults.cfg.timeout)
		assert.Equal(t, "", c.OrganizationID())
		assert.Equal(t, "modus-go/"+Version+" go/"+runtime.Version(), c.transport.agent)
		assert.Equal(t, DefaultBaseURL+"/", c.apiServer)
		assert.Equal(t, "https://agent.getmodus.com/", c.agentServer)
	})
	t.Run("env", func(t *testing.T) {
		t.Setenv(EnvAPIKey, testKey)
		t.Setenv(EnvBaseURL, "https://api.staging.getmodus.com/")
		t.Setenv(EnvTimeout, "1.5")
		t.Setenv(EnvMaxRetries, "5")
		t.Setenv(EnvOrganizationID, "org_env")
		c, err := NewClient()
		require.NoError(t, err)
		assert.Equal(t, "https://api.staging.getmodus.com", c.BaseURL())
		assert.Equal(t, "https://agent.staging.getmodus.com", c.AgentURL())
		assert.Equal(t, 1500*time.Millisecond, c.transport.defaults.cfg.timeout)
		assert.Equal(t, 5, c.transport.defaults.cfg.maxRetries)
		assert.Equal(t, "org_env", c.OrganizationID())

		t.Setenv(EnvTimeout, "0") // no limit
		t.Setenv(EnvMaxRetries, "100")
		c, err = NewClient()
		require.NoError(t, err)
		assert.Equal(t, time.Duration(0), c.transport.defaults.cfg.timeout)
		assert.Equal(t, MaxRetriesLimit, c.transport.defaults.cfg.maxRetries)
	})
	t.Run("env agent host", func(t *testing.T) {
		t.Setenv(EnvAPIKey, testKey)
		t.Setenv(EnvBaseURL, "https://api.staging.getmodus.com")
		t.Setenv(EnvAgentHost, "agent.example.net")
		c, err := NewClient()
		require.NoError(t, err)
		assert.Equal(t, "https://agent.example.net", c.AgentURL())
	})
	t.Run("options win", func(t *testing.T) {
		t.Setenv(EnvAPIKey, "modus_env")
		t.Setenv(EnvBaseURL, "https://api.staging.getmodus.com")
		t.Setenv(EnvAgentHost, "https://agent.staging.getmodus.com")
		t.Setenv(EnvTimeout, "1")
		t.Setenv(EnvMaxRetries, "5")
		t.Setenv(EnvOrganizationID, "org_env")
		c, err := NewClient(WithAPIKey(testKey), WithBaseURL("http://127.0.0.1:8080"),
			WithAgentHost("http://127.0.0.1:9090"), WithRequestTimeout(0), WithMaxRetries(0),
			WithOrganizationID("org_opt"), WithUserAgent("mine/1"))
		require.NoError(t, err)
		assert.Equal(t, testKey, apiKeyOf(c))
		assert.Equal(t, "http://127.0.0.1:8080", c.BaseURL())
		assert.Equal(t, "http://127.0.0.1:9090", c.AgentURL())
		assert.Equal(t, time.Duration(0), c.transport.defaults.cfg.timeout)
		assert.Equal(t, 0, c.transport.defaults.cfg.maxRetries)
		assert.Equal(t, "org_opt", c.OrganizationID())
		assert.Equal(t, "mine/1", c.transport.agent)
	})
	t.Run("bad env values name the variable", func(t *testing.T) {
		for _, tc := range []struct{ name, value string }{
			{EnvBaseURL, "ftp://x"}, {EnvBaseURL, "api.getmodus.com"}, {EnvAgentHost, "http://"},
			{EnvTimeout, "soon"}, {EnvTimeout, "-1"}, {EnvMaxRetries, "-1"}, {EnvMaxRetries, "two"},
			// Not numbers of seconds, or ones that would silently mean "no limit".
			{EnvTimeout, "NaN"}, {EnvTimeout, "nan"}, {EnvTimeout, "Inf"}, {EnvTimeout, "+Inf"}, {EnvTimeout, "-Inf"},
			{EnvTimeout, "-0.5"}, {EnvTimeout, "1e300"}, {EnvTimeout, "1e-12"}, {EnvTimeout, "0x1p-40"},
			{EnvMaxRetries, "1.5"}, {EnvMaxRetries, "2e3"}, {EnvMaxRetries, "99999999999"},
			{EnvMaxRetries, "99999999999999999999"}, {EnvMaxRetries, "+-1"}, {EnvMaxRetries, "101"},
		} {
			t.Run(tc.name+"="+tc.value, func(t *testing.T) {
				t.Setenv(EnvAPIKey, testKey)
				t.Setenv(tc.name, tc.value)
				_, err := NewClient()
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.name)
			})
		}
	})
	t.Run("http.Client timeout moves to per-attempt timeout", func(t *testing.T) {
		hc := &http.Client{Timeout: 3 * time.Second}
		c, err := NewClient(WithAPIKey(testKey), WithHTTPClient(hc))
		require.NoError(t, err)
		assert.Equal(t, 3*time.Second, c.transport.defaults.cfg.timeout)
		assert.Equal(t, time.Duration(0), c.transport.next.(*http.Client).Timeout)
		assert.Equal(t, 3*time.Second, hc.Timeout, "caller's client untouched")

		c, err = NewClient(WithAPIKey(testKey), WithHTTPClient(hc), WithRequestTimeout(time.Second))
		require.NoError(t, err)
		assert.Equal(t, time.Second, c.transport.defaults.cfg.timeout)
	})
}

func TestAgentHostDerivation(t *testing.T) {
	for _, tc := range []struct{ base, agent string }{
		{"https://api.getmodus.com", "https://agent.getmodus.com"},
		{"https://api.getmodus.com/", "https://agent.getmodus.com"},
		{"https://API.GetModus.com", "https://agent.getmodus.com"},
		{"https://api.staging.getmodus.com", "https://agent.staging.getmodus.com"},
		{"https://api.dev.eu.getmodus.com:8443", "https://agent.dev.eu.getmodus.com:8443"},
		{"http://127.0.0.1:4010", "http://127.0.0.1:4010"},
		{"http://localhost:8080/modus", "http://localhost:8080/modus"},
		{"https://proxy.corp.example/modus-api", "https://proxy.corp.example/modus-api"},
		{"https://modus.example.com", "https://modus.example.com"},
		{"https://getmodus.com", "https://getmodus.com"},
		{"https://api.getmodus.com.evil.example", "https://api.getmodus.com.evil.example"},
		{"https://www.getmodus.com", "https://www.getmodus.com"},
	} {
		t.Run(tc.base, func(t *testing.T) {
			c, err := NewClient(WithAPIKey(testKey), WithBaseURL(tc.base))
			require.NoError(t, err)
			assert.Equal(t, tc.agent, c.AgentURL())
		})
	}
}

func TestOptionValidation(t *testing.T) {
	for _, tc := range []struct {
		name string
		opt  Option
		want string
	}{
		{"negative retries", WithMaxRetries(-1), "WithMaxRetries"},
		{"huge retries", WithMaxRetries(MaxRetriesLimit + 1), "WithMaxRetries"},
		{"negative timeout", WithRequestTimeout(-time.Second), "WithRequestTimeout"},
		{"bad URL", WithBaseURL("://nope"), "WithBaseURL"},
		{"no scheme", WithBaseURL("api.getmodus.com"), "https://"},
		{"URL with query", WithBaseURL("https://x.example/?a=b"), "WithBaseURL"},
		{"URL with user", WithBaseURL("https://u:p@x.example"), "WithBaseURL"},
		{"bad agent host", WithAgentHost("https://"), "WithAgentHost"},
		{"nil http client", WithHTTPClient(nil), "WithHTTPClient"},
		{"empty user agent", WithUserAgent(""), "WithUserAgent"},
		{"empty header name", WithHeader("", "v"), "WithHeader"},
		{"bad header name", WithHeader("X Bad", "v"), "WithHeader"},
		{"header injection", WithHeader("X-Ok", "a\r\nX-Evil: 1"), "WithHeader"},
		{"empty org", WithOrganizationID(" "), "WithOrganizationID"},
		{"idempotency key on client", WithIdempotencyKey("k"), "single call"},
		{"idempotency key header on client", WithHeader("idempotency-key", "k"), "single call"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewClient(WithAPIKey(testKey), tc.opt)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	t.Run("zero option is ignored", func(t *testing.T) {
		_, err := NewClient(WithAPIKey(testKey), Option{})
		require.NoError(t, err)
	})
}

func TestClientOnlyOptionOnCall(t *testing.T) {
	calls := 0
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) { calls++ })
	c, _ := newTestClient(t, srv)
	for _, opt := range []Option{WithAPIKey(testKey), WithBaseURL("https://x.example"), WithAgentHost("x.example"),
		WithHTTPClient(http.DefaultClient), WithUserAgent("x"), WithOrganizationID("o")} {
		_, err := do[thing](context.Background(), c, []Option{opt}, rawRequest("GET", "/x", nil))
		require.Error(t, err)
		assert.Contains(t, err.Error(), opt.name)
		assert.Contains(t, err.Error(), "NewClient")
	}
	_, err := do[thing](context.Background(), c, []Option{WithMaxRetries(-3)}, rawRequest("GET", "/x", nil))
	assert.ErrorContains(t, err, "WithMaxRetries: -3 is not from 0")
	assert.Equal(t, 0, calls, "no request sent for a bad option")
}

func TestHeadersAndPerCallOptions(t *testing.T) {
	type seen struct{ auth, ua, team, trace, idem string }
	var got []seen
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		got = append(got, seen{r.Header.Get("Authorization"), r.Header.Get("User-Agent"), r.Header.Get("X-Team"),
			r.Header.Get("X-Trace"), r.Header.Get("Idempotency-Key")})
		w.WriteHeader(http.StatusNoContent)
	})
	c, _ := newTestClient(t, srv, WithHeader("x-team", "core"))
	ctx := context.Background()

	require.NoError(t, doNoContent(ctx, c, nil, rawRequest("GET", "/a", nil)))
	require.NoError(t, doNoContent(ctx, c, []Option{WithHeader("X-Trace", "t1"), WithHeader("X-Team", "other"),
		WithIdempotencyKey("idem-1")}, rawRequest("POST", "/b", []byte(`{}`))))
	require.NoError(t, doNoContent(ctx, c, nil, rawRequest("GET", "/d", nil)))

	require.Len(t, got, 3)
	ua := "modus-go/" + Version + " go/" + runtime.Version()
	assert.Equal(t, seen{"Bearer " + testKey, ua, "core", "", ""}, got[0])
	assert.Equal(t, seen{"Bearer " + testKey, ua, "other", "t1", "idem-1"}, got[1])
	assert.Equal(t, seen{"Bearer " + testKey, ua, "core", "", ""}, got[2], "per-call settings do not stick to the client")
}

// TestKeyNeverShown prints the client and the errors it makes with every
// verb and checks the key is never there.
func TestKeyNeverShown(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/err":
			writeError(w, 401, "UNAUTHORIZED", "UNAUTHENTICATED", "bad token", "req_1")
		case "/bad":
			w.Write([]byte("not json"))
		}
	})
	c, _ := newTestClient(t, srv, WithMaxRetries(0))
	var values []any
	values = append(values, c, *c, c.transport, *c.transport, c.transport.key, WithAPIKey(testKey)) // *c: fmt walks the fields of a copy

	ctx := context.Background()
	_, err := do[thing](ctx, c, nil, rawRequest("GET", "/err", nil))
	require.Error(t, err)
	values = append(values, err)
	_, err = do[thing](ctx, c, nil, rawRequest("GET", "/bad", nil))
	require.Error(t, err)
	values = append(values, err)

	down, err := NewClient(WithAPIKey(testKey), WithBaseURL(closedServerURL(t)), WithMaxRetries(0),
		WithHTTPClient(&http.Client{Transport: &http.Transport{}}))
	require.NoError(t, err)
	_, err = do[thing](ctx, down, nil, rawRequest("GET", "/x", nil))
	require.Error(t, err)
	values = append(values, err, down)

	secret := strings.TrimPrefix(testKey, "modus_")
	for i, v := range values {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
			out := fmt.Sprintf(verb, v)
			assert.NotContains(t, out, secret, "value %d with %s: %s", i, verb, out)
			assert.NotContains(t, strings.ToLower(out), strings.ToLower(fmt.Sprintf("%x", secret)), "value %d hex", i)
		}
	}
	assert.Contains(t, fmt.Sprintf("%+v", c), "modus_****")
	var me *Error
	require.True(t, errors.As(values[6].(error), &me))
}

func apiKeyOf(c *Client) string {
	k, _ := c.transport.key()
	return k
}

// A redirect to another host must not carry the API key: http.Client drops
// Authorization on a cross-host redirect, and the SDK's request editor runs
// once per call, before the client, so it cannot put it back.
func TestKeyNotSentAcrossRedirect(t *testing.T) {
	var leaked atomic.Value
	other := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		leaked.Store(r.Header.Get("Authorization"))
		io.WriteString(w, `{"id":1}`)
	})
	otherURL := strings.Replace(other.URL, "127.0.0.1", "localhost", 1)
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "Bearer "+testKey, r.Header.Get("Authorization"))
		http.Redirect(w, r, otherURL+"/elsewhere", http.StatusFound)
	})
	c, _ := newTestClient(t, srv)
	_, err := do[thing](context.Background(), c, nil, rawRequest("GET", "/a", nil))
	require.NoError(t, err)
	assert.Equal(t, "", leaked.Load())
}
