package sse

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"

	r3 "github.com/r3labs/sse/v2"
	"gopkg.in/cenkalti/backoff.v1"

	"github.com/modus-data/modus-sdk-go/internal/benchstream"
)

// Both data sets are decoded by every contender in one run, so benchstat
// can compare them side by side.
type dataset struct {
	stream  []byte
	blocks  [][]byte // each event with its blank line, for pre-split feeding
	events  int
	payload int // bytes of event data
	chunk   int // bytes per Read
}

var (
	smallOnce, largeOnce sync.Once
	small, large         dataset
)

func smallData() *dataset {
	smallOnce.Do(func() {
		var buf bytes.Buffer
		for i := range 100_000 {
			start := buf.Len()
			fmt.Fprintf(&buf, "id: 1717000000000-%d\ndata: {\"type\":\"token\",\"content\":\"Hello\"}\n\n", i)
			small.blocks = append(small.blocks, buf.Bytes()[start:])
			small.payload += len(`{"type":"token","content":"Hello"}`)
		}
		small.stream, small.events, small.chunk = buf.Bytes(), 100_000, 4096
	})
	return &small
}

func largeData() *dataset {
	largeOnce.Do(func() {
		var buf bytes.Buffer
		add := func(n int) {
			start := buf.Len()
			buf.WriteString("data: ")
			buf.Write(bytes.Repeat([]byte("abcdefgh"), n/8))
			buf.WriteString("\n\n")
			large.blocks = append(large.blocks, buf.Bytes()[start:])
			large.payload += n
			large.events++
		}
		for range 16 {
			add(1 << 20)
		}
		add(4 << 20)
		add(4 << 20)
		large.stream, large.chunk = buf.Bytes(), 16<<10
	})
	return &large
}

// blockReader hands out one whole event per Read (as much as fits): the
// best r3labs' scanner can be fed, with the splitting done for free.
type blockReader struct {
	blocks [][]byte
	cur    []byte
}

func (r *blockReader) Read(p []byte) (int, error) {
	if len(r.cur) == 0 {
		if len(r.blocks) == 0 {
			return 0, io.EOF
		}
		r.cur, r.blocks = r.blocks[0], r.blocks[1:]
	}
	n := copy(p, r.cur)
	r.cur = r.cur[n:]
	return n, nil
}

func BenchmarkSmall(b *testing.B) { runContenders(b, smallData()) }
func BenchmarkLarge(b *testing.B) { runContenders(b, largeData()) }

func runContenders(b *testing.B, ds *dataset) {
	chunked := func() io.Reader { return &benchstream.ChunkReader{B: ds.stream, N: ds.chunk} }
	max := 8 << 20
	b.Run("impl=decoder", func(b *testing.B) {
		benchstream.Measure(b, ds.stream, ds.events, ds.payload, func() int { return decodeCount(b, NewDecoder(chunked())) })
	})
	b.Run("impl=decoder-r3framing", func(b *testing.B) {
		benchstream.Measure(b, ds.stream, ds.events, ds.payload, func() int { return decodeCount(b, NewDecoder(chunked(), withFraming(framingR3labs))) })
	})
	b.Run("impl=r3labs-reader", func(b *testing.B) {
		benchstream.Measure(b, ds.stream, ds.events, ds.payload, func() int { return r3Count(b, r3.NewEventStreamReader(chunked(), max)) })
	})
	b.Run("impl=r3labs-reader-bufio1M", func(b *testing.B) {
		benchstream.Measure(b, ds.stream, ds.events, ds.payload, func() int {
			return r3Count(b, r3.NewEventStreamReader(bufio.NewReaderSize(chunked(), 1<<20), max))
		})
	})
	b.Run("impl=r3labs-reader-blocks", func(b *testing.B) {
		benchstream.Measure(b, ds.stream, ds.events, ds.payload, func() int { return r3Count(b, r3.NewEventStreamReader(&blockReader{blocks: ds.blocks}, max)) })
	})
	b.Run("impl=bufio-ref", func(b *testing.B) {
		benchstream.Measure(b, ds.stream, ds.events, ds.payload, func() int { return refCount(b, chunked()) })
	})

	// Over HTTP, against the same local server.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Content-Length", strconv.Itoa(len(ds.stream)))
		for s := ds.stream; len(s) > 0; {
			n, err := w.Write(s[:min(len(s), ds.chunk)])
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
		benchstream.Measure(b, ds.stream, ds.events, ds.payload, func() int {
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
	b.Run("impl=r3labs-client", func(b *testing.B) {
		benchstream.Measure(b, ds.stream, ds.events, ds.payload, func() int {
			c := r3.NewClient(srv.URL, r3.ClientMaxBufferSize(max))
			c.Connection = hc
			c.ReconnectStrategy = &backoff.StopBackOff{}
			n := 0
			if err := c.SubscribeRaw(func(*r3.Event) { n++ }); err != nil {
				b.Fatal(err)
			}
			return n
		})
	})
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

// refCount is the plain bufio reference: LF line endings only, id, event
// and data fields, data copied out, as a minimal correct client would.
func refCount(b *testing.B, r io.Reader) int {
	br := bufio.NewReaderSize(r, 64<<10)
	var long, data []byte
	var id, typ string
	hasData, n := false, 0
	for {
		line, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			long = append(long[:0], line...)
			for err == bufio.ErrBufferFull {
				line, err = br.ReadSlice('\n')
				long = append(long, line...)
			}
			line = long
		}
		if err == io.EOF {
			return n
		}
		if err != nil {
			b.Fatal(err)
		}
		line = line[:len(line)-1]
		if len(line) == 0 {
			if hasData {
				ev := Event{ID: id, Type: typ, Data: bytes.Clone(data)}
				_ = ev
				n++
			}
			data, hasData, typ = data[:0], false, "message"
			continue
		}
		name, value, _ := bytes.Cut(line, []byte(":"))
		value = bytes.TrimPrefix(value, []byte(" "))
		switch string(name) {
		case "id":
			id = string(value)
		case "event":
			typ = string(value)
		case "data":
			if hasData {
				data = append(data, '\n')
			}
			data, hasData = append(data, value...), true
		}
	}
}
