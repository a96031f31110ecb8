package modus

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The facade's overhead over the same call written by hand with net/http
// and encoding/json (goal: at most +10% time, +20% allocations).
const benchBody = `{"id":42,"name":"agent-42","description":"a benchmark agent with a medium sized body","tags":["a","b","c"]}`

func benchServer(b *testing.B) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(benchBody))
	}))
	b.Cleanup(srv.Close)
	return srv
}

func BenchmarkCallFacade(b *testing.B) {
	srv := benchServer(b)
	c, err := NewClient(WithAPIKey(testKey), WithBaseURL(srv.URL), WithHTTPClient(srv.Client()))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		id := "42"
		v, err := do[thing](ctx, c, nil, func(server string) (*http.Request, error) {
			return http.NewRequest("GET", server+"api/v1/agents/"+id, nil)
		})
		if err != nil || v.ID != 42 {
			b.Fatal(err)
		}
	}
}

func BenchmarkCallHandWritten(b *testing.B) {
	srv := benchServer(b)
	hc := srv.Client()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		req, err := http.NewRequestWithContext(ctx, "GET", srv.URL+"/api/v1/agents/42", nil)
		if err != nil {
			b.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+testKey)
		req.Header.Set("User-Agent", "hand/1")
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		var v thing
		err = json.NewDecoder(resp.Body).Decode(&v)
		resp.Body.Close()
		if err != nil || v.ID != 42 {
			b.Fatal(err)
		}
	}
}

// The facade's operations against the same call written by hand, on one
// httptest server with one canned body; run them side by side with
//
//	go test -run '^$' -bench 'AgentsGet|AgentsList|Iterate' -benchmem -count 6 ./modus/ > bench.txt
//	benchstat -col /impl bench.txt

// agentJSON is the spec's example agent.
const agentJSON = `{"id":42,"slug":"customer-churn-agent-a3f","name":"Customer Churn Analyzer","status":"active","type":"task",` +
	`"orgUuid":"00000000-0000-0000-0000-000000000001","hasUnpublishedChanges":false,"isEnabled":true,` +
	`"accessConfig":{"visibility":"shared","groupPermissions":{"group_eng_uuid":{"use":true,"manage":false}},"sharedWith":[],"ownerUserId":"user_2abc","ownerEmail":"alice@example.com"},` +
	`"createdAt":"2026-05-01T10:00:00.000Z","updatedAt":"2026-05-11T10:00:00.000Z","canManage":true,"canUse":true,` +
	`"description":"Predicts churn risk for a customer given a 90-day usage window.",` +
	`"activeVariationId":"00000000-0000-4000-a000-000000000100","draftVariationId":"00000000-0000-4000-a000-000000000101",` +
	`"pendingOwnershipTransfer":{"pendingOwnerUserId":"user_2abc123def456","requestedByUserId":"user_2xyz789ghi012","requestedAt":"2026-06-05T12:00:00.000Z","pendingOwnerEmail":"newowner@example.com"},` +
	`"variation":{"trigger":{},"workflowStructure":{},"agentSelection":{}},"deletedAt":null}`

// listJSON is a page of 25 agents with a next-page token.
var listJSON = `{"agents":[` + strings.TrimSuffix(strings.Repeat(agentJSON+",", 25), ",") + `],"nextPageToken":"eyJsYXN0SWQiOjQyfQ"}`

// cannedServer answers every request with body.
func cannedServer(b *testing.B, body string) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, body)
	}))
	b.Cleanup(srv.Close)
	return srv
}

func benchClient(b *testing.B, srv *httptest.Server) *Client {
	c, err := NewClient(WithAPIKey(testKey), WithBaseURL(srv.URL), WithHTTPClient(srv.Client()))
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// handGet is the hand-written call: build, authorize, send, check, decode.
func handGet(ctx context.Context, hc *http.Client, url string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+testKey)
	req.Header.Set("User-Agent", "hand/1")
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

func BenchmarkAgentsGet(b *testing.B) {
	srv := cannedServer(b, agentJSON)
	ctx := context.Background()
	b.Run("impl=facade", func(b *testing.B) {
		c := benchClient(b, srv)
		b.ReportAllocs()
		for b.Loop() {
			a, err := c.Agents.Get(ctx, 42, nil)
			if err != nil || a.ID != 42 {
				b.Fatal(a, err)
			}
		}
	})
	b.Run("impl=nethttp", func(b *testing.B) {
		hc := srv.Client()
		b.ReportAllocs()
		for b.Loop() {
			var a Agent
			if err := handGet(ctx, hc, srv.URL+"/api/v1/agents/"+strconv.Itoa(42), &a); err != nil || a.ID != 42 {
				b.Fatal(a, err)
			}
		}
	})
}

func BenchmarkAgentsList(b *testing.B) {
	srv := cannedServer(b, listJSON)
	ctx := context.Background()
	b.Run("impl=facade", func(b *testing.B) {
		c := benchClient(b, srv)
		params := &AgentListParams{PageSize: Ptr(25)}
		b.ReportAllocs()
		for b.Loop() {
			p, err := c.Agents.List(ctx, params)
			if err != nil || len(p.Items) != 25 || p.NextPageToken == "" {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=nethttp", func(b *testing.B) {
		hc := srv.Client()
		b.ReportAllocs()
		for b.Loop() {
			var p struct {
				Agents        []Agent `json:"agents"`
				NextPageToken *string `json:"nextPageToken"`
			}
			if err := handGet(ctx, hc, srv.URL+"/api/v1/agents?pageSize="+strconv.Itoa(25), &p); err != nil || len(p.Agents) != 25 || p.NextPageToken == nil {
				b.Fatal(err)
			}
		}
	})
}

// iterItems is how many agents the iteration benchmark and test walk
// through, iterPage how many come per page.
const (
	iterItems = 100_000
	iterPage  = 100
)

// pagingServer serves iterItems small agents, iterPage a page, the token
// being the offset of the next page.
func pagingServer(tb testing.TB) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		off, _ := strconv.Atoi(r.URL.Query().Get("pageToken"))
		end := min(off+iterPage, iterItems)
		buf := make([]byte, 0, 160*iterPage)
		buf = append(buf, `{"agents":[`...)
		for i := off; i < end; i++ {
			if i > off {
				buf = append(buf, ',')
			}
			buf = fmt.Appendf(buf, `{"id":%d,"name":"agent-%d","slug":"agent-%d","status":"active","type":"task","createdAt":"2026-05-01T10:00:00.000Z","updatedAt":"2026-05-01T10:00:00.000Z"}`, i+1, i, i)
		}
		buf = append(buf, `],"nextPageToken":`...)
		if end < iterItems {
			buf = fmt.Appendf(buf, `"%d"}`, end)
		} else {
			buf = append(buf, "null}"...)
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(buf)
	}))
	tb.Cleanup(srv.Close)
	return srv
}

// heapWatch samples the heap while items go by; peak is the largest
// HeapAlloc seen above the level at start (with gc, after a collection,
// so that it counts live memory only).
type heapWatch struct {
	base, peak uint64
	gc         bool
}

func newHeapWatch(gc bool) *heapWatch {
	w := &heapWatch{gc: gc}
	w.base = w.read()
	return w
}

func (w *heapWatch) read() uint64 {
	if w.gc {
		runtime.GC()
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

func (w *heapWatch) sample() {
	if h := w.read(); h > w.base && h-w.base > w.peak {
		w.peak = h - w.base
	}
}

// iterateFacade walks every agent with Agents.All, sampling the heap
// every 1000 items; it returns the sum of the ids as a check.
func iterateFacade(ctx context.Context, c *Client, w *heapWatch) (int64, error) {
	var sum int64
	n := 0
	for a, err := range c.Agents.All(ctx, &AgentListParams{PageSize: Ptr(iterPage)}) {
		if err != nil {
			return 0, err
		}
		sum += a.ID
		if n++; n%1000 == 0 {
			w.sample()
		}
	}
	return sum, nil
}

// iterateHand is the same walk written by hand.
func iterateHand(ctx context.Context, hc *http.Client, base string, w *heapWatch) (int64, error) {
	var sum int64
	n := 0
	token := ""
	for {
		url := base + "/api/v1/agents?pageSize=" + strconv.Itoa(iterPage)
		if token != "" {
			url += "&pageToken=" + token
		}
		var p struct {
			Agents        []Agent `json:"agents"`
			NextPageToken *string `json:"nextPageToken"`
		}
		if err := handGet(ctx, hc, url, &p); err != nil {
			return 0, err
		}
		for _, a := range p.Agents {
			sum += a.ID
			if n++; n%1000 == 0 {
				w.sample()
			}
		}
		if p.NextPageToken == nil || *p.NextPageToken == "" {
			return sum, nil
		}
		token = *p.NextPageToken
	}
}

const iterSum = int64(iterItems) * (iterItems + 1) / 2

func BenchmarkIterate(b *testing.B) {
	srv := pagingServer(b)
	ctx := context.Background()
	run := func(b *testing.B, walk func(w *heapWatch) (int64, error)) {
		b.ReportAllocs()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		w := newHeapWatch(false)
		for b.Loop() {
			sum, err := walk(w)
			if err != nil || sum != iterSum {
				b.Fatal(sum, err)
			}
		}
		runtime.ReadMemStats(&after)
		items := float64(b.N) * iterItems
		b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/items, "B/item")
		b.ReportMetric(float64(after.Mallocs-before.Mallocs)/items, "allocs/item")
		b.ReportMetric(float64(w.peak), "peak-heap-B")
	}
	b.Run("impl=facade", func(b *testing.B) {
		c := benchClient(b, srv)
		run(b, func(w *heapWatch) (int64, error) { return iterateFacade(ctx, c, w) })
	})
	b.Run("impl=nethttp", func(b *testing.B) {
		hc := srv.Client()
		run(b, func(w *heapWatch) (int64, error) { return iterateHand(ctx, hc, srv.URL, w) })
	})
}

// TestIterateMemoryBounded walks 100k agents through All and checks that
// the live heap never grows by more than a few pages' worth: All keeps one
// page at a time, never the whole list.
func TestIterateMemoryBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("walks 100k items")
	}
	srv := pagingServer(t)
	c, err := NewClient(WithAPIKey(testKey), WithBaseURL(srv.URL), WithHTTPClient(srv.Client()))
	require.NoError(t, err)
	w := newHeapWatch(true)
	sum, err := iterateFacade(context.Background(), c, w)
	require.NoError(t, err)
	require.Equal(t, iterSum, sum)
	// One page of 100 agents decodes to ~100 KB; the 100k items would need
	// ~100 MB if they were kept.
	t.Logf("peak live heap growth while iterating %d items: %d bytes", iterItems, w.peak)
	require.Less(t, w.peak, uint64(2<<20))
}
