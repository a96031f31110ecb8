package modus

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/modus-data/modus-sdk-go/internal/benchstream"
	"github.com/modus-data/modus-sdk-go/sse"
)

// Run streams end to end (SSE framing, fields and the typed event) against
// the SSE decoder alone and the bare bufio framing loop, on the same bytes
// in one run, at each event size (benchstream.Sizes):
//
//	go test -run '^$' -bench Stream -benchmem -count 6 ./modus/ > stream.txt
//	benchstat -col /impl@(bufio sse e2e sse+json) stream.txt
//
// impl=bufio is benchstream.Bufio; impl=sse is sse.Decoder alone; impl=e2e
// is RunStream.Next and Event; impl=sse+json is the decoder followed by the
// obvious encoding/json decoding (a struct to read "type", then the whole
// payload into the generated type), what RunStream would cost without its
// token fast path.
func BenchmarkStream(b *testing.B) {
	for _, size := range benchstream.Sizes {
		b.Run("size="+size, func(b *testing.B) { runStreamContenders(b, benchstream.Tokens(size)) })
	}
}

func runStreamContenders(b *testing.B, ds *benchstream.Data) {
	body := func() *benchstream.ChunkReader { return &benchstream.ChunkReader{B: ds.Stream, N: ds.Chunk} }
	c, err := NewClient(WithAPIKey(testKey))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("impl=bufio-frames", func(b *testing.B) { benchstream.MeasureLoop(b, ds, benchstream.BufioFrames) })
	b.Run("impl=bufio", func(b *testing.B) { benchstream.MeasureLoop(b, ds, benchstream.Bufio) })
	b.Run("impl=sse", func(b *testing.B) {
		benchstream.Measure(b, ds.Stream, ds.Events, ds.Payload, func() int {
			d := sse.NewDecoder(body())
			n := 0
			for {
				ev, err := d.Next()
				if err == io.EOF {
					return n
				}
				if err != nil {
					b.Fatal(err)
				}
				_ = ev
				n++
			}
		})
	})
	b.Run("impl=e2e", func(b *testing.B) {
		benchstream.Measure(b, ds.Stream, ds.Events, ds.Payload, func() int {
			s := newBenchStream(c, body())
			n := 0
			for s.Next() {
				if s.Event() == nil {
					b.Fatal("nil event")
				}
				n++
			}
			if err := s.Err(); err != nil {
				b.Fatal(err)
			}
			return n
		})
	})
	b.Run("impl=sse+json", func(b *testing.B) {
		benchstream.Measure(b, ds.Stream, ds.Events, ds.Payload, func() int {
			d := sse.NewDecoder(body())
			n := 0
			for {
				ev, err := d.Next()
				if err == io.EOF {
					return n
				}
				if err != nil {
					b.Fatal(err)
				}
				var head struct {
					Type string `json:"type"`
				}
				if err := json.Unmarshal(ev.Data, &head); err != nil {
					b.Fatal(err)
				}
				var e Event
				switch head.Type {
				case "token":
					t := &TokenEvent{eventFrame: newEventFrame(ev.ID, ev.Data)}
					err, e = json.Unmarshal(ev.Data, &t.TokenRunEvent), t
				case "done":
					t := &DoneEvent{eventFrame: newEventFrame(ev.ID, ev.Data)}
					err, e = json.Unmarshal(ev.Data, &t.DoneRunEvent), t
				}
				if err != nil || e == nil {
					b.Fatal(err)
				}
				n++
			}
		})
	})
}

// newBenchStream is a RunStream over body, as Runs.Create makes it after
// the response headers, without HTTP.
func newBenchStream(c *Client, body io.ReadCloser) *RunStream {
	ctx, cancel := context.WithCancel(context.Background())
	s := &RunStream{res: resumer{c: c}, obs: &streamObservers{}, parent: context.Background(), ctx: ctx, cancel: cancel, runID: "abc-123"}
	s.attach(&http.Response{Header: http.Header{}, Body: body})
	return s
}
