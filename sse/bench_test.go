package sse

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	r3 "github.com/r3labs/sse/v2"

	"github.com/modus-data/modus-sdk-go/internal/benchstream"
)

// BenchmarkDecode runs every contender over the same bytes at each event
// size (benchstream.Sizes), so benchstat can compare them side by side:
//
//	go test -run '^$' -bench Decode -benchmem -count 6 ./sse/ > sse.txt
//	benchstat -col /impl@(bufio decoder decoder-http r3labs-reader) sse.txt
//
// impl=bufio is the bare bufio framing loop (benchstream.Bufio); impl=decoder
// is Decoder over an in-memory body; impl=decoder-http the same over a local
// HTTP server; impl=r3labs-reader is r3labs' EventStreamReader, the tests'
// oracle, at the sizes where it finishes in reasonable time (its cost grows
// with the square of the event size).
func BenchmarkDecode(b *testing.B) {
	for _, size := range benchstream.Sizes {
		b.Run("size="+size, func(b *testing.B) { runContenders(b, benchstream.Tokens(size)) })
	}
}

func runContenders(b *testing.B, ds *benchstream.Data) {
	chunked := func() io.Reader { return &benchstream.ChunkReader{B: ds.Stream, N: ds.Chunk} }
	measure := func(b *testing.B, decode func() int) {
		benchstream.Measure(b, ds.Stream, ds.Events, ds.Payload, decode)
	}
	b.Run("impl=bufio-frames", func(b *testing.B) { benchstream.MeasureLoop(b, ds, benchstream.BufioFrames) })
	b.Run("impl=bufio", func(b *testing.B) { benchstream.MeasureLoop(b, ds, benchstream.Bufio) })
	b.Run("impl=decoder", func(b *testing.B) {
		measure(b, func() int { return decodeCount(b, NewDecoder(chunked())) })
	})

	// Over HTTP, against the same local server.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Content-Length", strconv.Itoa(len(ds.Stream)))
		for s := ds.Stream; len(s) > 0; {
			n, err := w.Write(s[:min(len(s), ds.Chunk)])
			if err != nil {
				return
			}
			s = s[n:]
		}
	}))
	tr := &http.Transport{}
	defer func() { srv.Close(); tr.CloseIdleConnections() }()
	hc := &http.Client{Transport: tr}
	b.Run("impl=decoder-http", func(b *testing.B) {
		measure(b, func() int {
			req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, srv.URL, nil)
			resp, err := hc.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			d := NewStreamDecoder(context.Background(), resp.Body)
			defer d.Close()
			return decodeCount(b, d)
		})
	})
	if ds.Payload/ds.Events <= 2<<10 {
		b.Run("impl=r3labs-reader", func(b *testing.B) {
			measure(b, func() int { return r3Count(b, r3.NewEventStreamReader(chunked(), 32<<20)) })
		})
	}
}

func decodeCount(b *testing.B, d *Decoder) int {
	n := 0
	for {
		_, err := d.Next()
		if err == io.EOF {
			return n
		}
		if err != nil {
			b.Fatal(err)
		}
		n++
	}
}

func r3Count(b *testing.B, r *r3.EventStreamReader) int {
	n := 0
	for {
		_, err := r.ReadEvent()
		if err == io.EOF {
			return n
		}
		if err != nil {
			b.Fatal(err)
		}
		n++
	}
}
