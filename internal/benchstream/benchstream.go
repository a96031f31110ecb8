// Package benchstream holds what the stream benchmarks of package sse and
// package modus share: the streams at each event size, a reader that feeds
// a body in fixed-size chunks, the bare bufio loop they are measured
// against, and the per-event measurement, so both report the same metrics
// the same way over the same bytes.
// Only benchmarks import it.
package benchstream

import (
	"bufio"
	"bytes"
	"io"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// ChunkReader returns at most N bytes of B per Read, like a network body.
// Close does nothing, so it can stand in for an http.Response body.
type ChunkReader struct {
	B []byte
	N int
}

// Read copies at most N bytes of what is left.
func (c *ChunkReader) Read(p []byte) (int, error) {
	if len(c.B) == 0 {
		return 0, io.EOF
	}
	k := copy(p[:min(len(p), c.N)], c.B)
	c.B = c.B[k:]
	return k, nil
}

// Close does nothing.
func (c *ChunkReader) Close() error { return nil }

// Measure runs decode once per iteration over a stream of len(stream)
// bytes holding events events and payload bytes of event data, fails if
// decode does not count every event, and reports events/s, allocs/event
// and bytes allocated per byte of event data (B/payloadB).
func Measure(b *testing.B, stream []byte, events, payload int, decode func() int) {
	b.SetBytes(int64(len(stream)))
	b.ReportAllocs()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	for b.Loop() {
		if n := decode(); n != events {
			b.Fatalf("got %d events, want %d", n, events)
		}
	}
	runtime.ReadMemStats(&m1)
	ev := float64(b.N) * float64(events)
	b.ReportMetric(ev/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(m1.Mallocs-m0.Mallocs)/ev, "allocs/event")
	b.ReportMetric(float64(m1.TotalAlloc-m0.TotalAlloc)/(float64(b.N)*float64(payload)), "B/payloadB")
}

// MeasureLoop measures one of the bare loops (Bufio, BufioFrames) over ds
// read in its chunks.
func MeasureLoop(b *testing.B, ds *Data, loop func(io.Reader) (int, error)) {
	Measure(b, ds.Stream, ds.Events, ds.Payload, func() int {
		n, err := loop(&ChunkReader{B: ds.Stream, N: ds.Chunk})
		if err != nil {
			b.Fatal(err)
		}
		return n
	})
}

// Sizes names the event sizes the stream benchmarks run at, smallest first:
// small token events ({"type":"token","content":"Hello"}), then token events
// whose JSON payload is about 1 KiB, 1 MiB, 4 MiB and 16 MiB (64 bytes short
// of it, so that the event's lines fit the default 16 MiB limit).
// "16MiB-alone" is a stream of one 16 MiB event: the first large event of a
// stream, which finds no buffer sized for it yet.
var Sizes = []string{"small", "1KiB", "1MiB", "4MiB", "16MiB", "16MiB-alone"}

// Data is a run stream of token events of one size, ending with a done
// event.
type Data struct {
	Stream  []byte
	Events  int // including the done event
	Payload int // bytes of event data
	Chunk   int // bytes per Read
}

// DoneFrame is the event that ends every stream of Tokens.
const DoneFrame = "id: 1717000000001-0\ndata: {\"type\":\"done\",\"runId\":\"abc-123\"}\n\n"

var (
	tokensMu sync.Mutex
	tokens   = map[string]*Data{}
)

// Tokens returns the stream of the named size (one of Sizes): 100k small
// events read in 4 KiB chunks, or, for the larger sizes, 32 MiB of events
// (64 MiB of 16 MiB ones, four events) read in 16 KiB chunks. Streams are
// built once per process.
func Tokens(size string) *Data {
	tokensMu.Lock()
	defer tokensMu.Unlock()
	if d := tokens[size]; d != nil {
		return d
	}
	n, count, chunk := 0, 0, 16<<10
	switch size {
	case "small":
		count, chunk = 100_000, 4<<10
	case "1KiB":
		n, count = 1<<10, 32<<10
	case "1MiB":
		n, count = 1<<20, 32
	case "4MiB":
		n, count = 4<<20, 8
	case "16MiB":
		n, count = 16<<20-64, 4
	case "16MiB-alone":
		n, count = 16<<20-64, 1
	default:
		panic("benchstream: unknown size " + size)
	}
	content := "Hello"
	if n > 0 {
		content = strings.Repeat("abcdefgh", (n-len(`{"type":"token","content":""}`))/8)
	}
	data := `{"type":"token","content":"` + content + `"}`
	var b strings.Builder
	b.Grow(count*(len(data)+32) + len(DoneFrame))
	for i := range count {
		b.WriteString("id: 1717000000000-" + strconv.Itoa(i) + "\ndata: " + data + "\n\n")
	}
	b.WriteString(DoneFrame)
	d := &Data{Stream: []byte(b.String()), Events: count + 1, Payload: count*len(data) +
		len(`{"type":"done","runId":"abc-123"}`), Chunk: chunk}
	tokens[size] = d
	return d
}

// Bufio is the bare bufio framing loop the decoders are measured against:
// LF line endings only, id, event and data fields, the data copied out of
// the reader's buffer and the id kept as a string, as a minimal correct
// client would do. It returns the number of events.
func Bufio(r io.Reader) (int, error) {
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
			return n, nil
		}
		if err != nil {
			return n, err
		}
		line = line[:len(line)-1]
		if len(line) == 0 {
			if hasData {
				ev := event{id: id, typ: typ, data: bytes.Clone(data)}
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

// BufioFrames is the barest framing loop: bufio lines, a count of the
// blocks they make, nothing parsed or copied. It bounds what any decoder
// can do with a bufio.Reader. It returns the number of blocks.
func BufioFrames(r io.Reader) (int, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	n, inBlock := 0, false
	for {
		line, err := br.ReadSlice('\n')
		for err == bufio.ErrBufferFull {
			line, err = br.ReadSlice('\n')
			inBlock = true
		}
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		switch {
		case len(line) > 1:
			inBlock = true
		case inBlock:
			n, inBlock = n+1, false
		}
	}
}

type event struct {
	id, typ string
	data    []byte
}
