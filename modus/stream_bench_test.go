package modus

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"

	"github.com/modus-data/modus-sdk-go/internal/benchstream"
	"github.com/modus-data/modus-sdk-go/sse"
)

// Run streams end to end (SSE framing, fields and the typed event) against
// the SSE decoder alone, on the same bytes in one run:
//
//	go test -run '^$' -bench Stream -benchmem -count 6 ./modus/ | benchstat -col /impl -
//
// impl=sse is sse.Decoder alone; impl=e2e is RunStream.Next and Event;
// impl=sse+json is the decoder followed by the obvious encoding/json decoding
// (a struct to read "type", then the whole payload into the generated type),
// what RunStream would cost without its token fast path.
type streamData struct {
	stream  []byte
	events  int // including the final done event
	payload int // bytes of event data
	chunk   int // bytes per Read
}

var (
	streamSmallOnce, streamLargeOnce sync.Once
	streamSmall, streamLarge         streamData
)

const doneFrame = "id: 1717000000001-0\ndata: {\"type\":\"done\",\"runId\":\"abc-123\"}\n\n"

// 100k small token events read in 4 KiB chunks.
func streamSmallData() *streamData {
	streamSmallOnce.Do(func() {
		var buf bytes.Buffer
		const data = `{"type":"token","content":"Hello"}`
		for i := range 100_000 {
			fmt.Fprintf(&buf, "id: 1717000000000-%d\ndata: %s\n\n", i, data)
			streamSmall.payload += len(data)
		}
		buf.WriteString(doneFrame)
		streamSmall.stream, streamSmall.events, streamSmall.chunk = buf.Bytes(), 100_001, 4096
	})
	return &streamSmall
}

// 16 token events of 1 MiB and 2 of 4 MiB (a huge content), in 16 KiB chunks.
func streamLargeData() *streamData {
	streamLargeOnce.Do(func() {
		var buf bytes.Buffer
		add := func(i, n int) {
			fmt.Fprintf(&buf, "id: 1717000000000-%d\ndata: ", i)
			start := buf.Len()
			buf.WriteString(`{"type":"token","content":"`)
			buf.Write(bytes.Repeat([]byte("abcdefgh"), (n-len(`{"type":"token","content":""}`))/8))
			buf.WriteString(`"}`)
			streamLarge.payload += buf.Len() - start
			buf.WriteString("\n\n")
		}
		for i := range 16 {
			add(i, 1<<20)
		}
		add(16, 4<<20)
		add(17, 4<<20)
		buf.WriteString(doneFrame)
		streamLarge.stream, streamLarge.events, streamLarge.chunk = buf.Bytes(), 19, 16<<10
	})
	return &streamLarge
}

func BenchmarkStreamSmall(b *testing.B) { runStreamContenders(b, streamSmallData()) }
func BenchmarkStreamLarge(b *testing.B) { runStreamContenders(b, streamLargeData()) }

func runStreamContenders(b *testing.B, ds *streamData) {
	body := func() *benchstream.ChunkReader { return &benchstream.ChunkReader{B: ds.stream, N: ds.chunk} }
	c, err := NewClient(WithAPIKey(testKey))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("impl=sse", func(b *testing.B) {
		benchstream.Measure(b, ds.stream, ds.events, ds.payload, func() int {
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
		benchstream.Measure(b, ds.stream, ds.events, ds.payload, func() int {
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
		benchstream.Measure(b, ds.stream, ds.events, ds.payload, func() int {
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
