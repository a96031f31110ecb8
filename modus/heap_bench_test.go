package modus

import (
	"context"
	"flag"
	"net/http"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
)

var heapBench = flag.Bool("heapbench", false, "run BenchmarkLargeBodyHeap (60 MiB bodies; left out of make bench)")

// bigList is a JSON list body of about size bytes, in the shape of the
// API's list answers.
func bigList(size int) []byte {
	var b strings.Builder
	b.Grow(size + 256)
	b.WriteString(`{"items":[`)
	name := strings.Repeat("n", 200)
	for i := 0; b.Len() < size-300; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"id":` + strconv.Itoa(i) + `,"name":"` + name + `"}`)
	}
	b.WriteString(`]}`)
	return []byte(b.String())
}

// BenchmarkLargeBodyHeap measures the heap a unary call needs for a 2xx body
// just under the default limit (60 MiB of 64 MiB), as a ratio to the body
// size: "peak/body" is every byte the call allocated with the garbage
// collector off (an upper bound of its peak live heap), "kept/body" what
// stays reachable with the decoded result. The server is in the same
// process but writes a prepared slice. Run:
//
//	go test -run '^$' -bench LargeBodyHeap -benchtime 3x ./modus/ -heapbench
func BenchmarkLargeBodyHeap(b *testing.B) {
	if !*heapBench {
		b.Skip("needs -heapbench")
	}
	body := bigList(60 << 20)
	type list struct{ Items []thing }
	for _, mode := range []string{"content-length", "chunked"} {
		b.Run(mode, func(b *testing.B) {
			srv := newServer(b, func(w http.ResponseWriter, r *http.Request) {
				if mode == "content-length" {
					w.Header().Set("Content-Length", strconv.Itoa(len(body)))
				}
				w.Write(body)
			})
			c, err := NewClient(WithAPIKey(testKey), WithBaseURL(srv.URL), WithHTTPClient(srv.Client()))
			if err != nil {
				b.Fatal(err)
			}
			var peak, kept float64
			for b.Loop() {
				runtime.GC()
				var m0, m1, m2 runtime.MemStats
				runtime.ReadMemStats(&m0)
				old := debug.SetGCPercent(-1)
				v, err := do[list](context.Background(), c, nil, rawRequest("GET", "/x", nil))
				runtime.ReadMemStats(&m1)
				debug.SetGCPercent(old)
				if err != nil {
					b.Fatal(err)
				}
				runtime.GC()
				runtime.ReadMemStats(&m2)
				runtime.KeepAlive(v)
				peak = max(peak, float64(m1.TotalAlloc-m0.TotalAlloc)/float64(len(body)))
				kept = max(kept, (float64(m2.HeapAlloc)-float64(m0.HeapAlloc))/float64(len(body)))
			}
			b.ReportMetric(peak, "peak/body")
			b.ReportMetric(kept, "kept/body")
		})
	}
}
