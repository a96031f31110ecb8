// Package benchstream holds what the stream benchmarks of package sse and
// package modus share: a reader that feeds a body in fixed-size chunks, and
// the per-event measurement, so both report the same metrics the same way.
// Only benchmarks import it.
package benchstream

import (
	"io"
	"runtime"
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
