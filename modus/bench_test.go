package modus

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
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
		v, err := do[thing](ctx, c, nil, func(ctx context.Context, eds ...genEditor) (*http.Response, error) {
			req, err := http.NewRequestWithContext(ctx, "GET", c.api.Server+"api/v1/agents/"+id, nil)
			if err != nil {
				return nil, err
			}
			for _, e := range c.api.RequestEditors {
				_ = e(ctx, req)
			}
			for _, e := range eds {
				_ = e(ctx, req)
			}
			return c.api.Client.Do(req)
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
