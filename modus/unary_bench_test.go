package modus

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"testing"
)

// BenchmarkUnary is the small GET of the speed table: Agents.Get through the
// facade against the same call written by hand with net/http and
// encoding/json (handGet), on one httptest server with a small body, under
// three settings: the defaults; a no-op middleware and a logger whose
// handler is disabled; and WithResponseInto. make bench prints the
// facade ÷ hand-written ratio of each (benchstat -col /impl -row /settings).
func BenchmarkUnary(b *testing.B) {
	srv := cannedServer(b, benchBody)
	ctx := context.Background()
	noop := func(req *http.Request, next MiddlewareNext) (*http.Response, error) { return next(req) }
	quiet := slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelError}))
	var meta ResponseMeta
	for _, s := range []struct {
		name   string
		client []Option // given to NewClient
		call   []Option // given to each call
	}{
		{name: "default"},
		{name: "middleware+logger", client: []Option{WithMiddleware(noop), WithLogger(quiet)}},
		{name: "responseinto", call: []Option{WithResponseInto(&meta)}},
	} {
		b.Run("settings="+s.name+"/impl=facade", func(b *testing.B) {
			c, err := NewClient(append([]Option{WithAPIKey(testKey), WithBaseURL(srv.URL), WithHTTPClient(srv.Client())}, s.client...)...)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				a, err := c.Agents.Get(ctx, 42, nil, s.call...)
				if err != nil || a.ID != 42 {
					b.Fatal(a, err)
				}
			}
		})
		b.Run("settings="+s.name+"/impl=nethttp", func(b *testing.B) {
			hc := srv.Client()
			b.ReportAllocs()
			for b.Loop() {
				var a Agent
				if err := handGet(ctx, hc, srv.URL+"/api/v1/agents/42", &a); err != nil || a.ID != 42 {
					b.Fatal(a, err)
				}
			}
		})
	}
}
