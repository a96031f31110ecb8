package sse

import (
	"bytes"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// chunkReader returns at most n bytes per Read.
type chunkReader struct {
	s string
	n int
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(c.s) == 0 {
		return 0, io.EOF
	}
	k := copy(p[:min(len(p), c.n)], c.s)
	c.s = c.s[k:]
	return k, nil
}

// Events of every size, from a few bytes to several times the small
// buffer, in any order and however the stream is cut, come out whole, and
// stay whole while later events are read (large events keep the framer's
// former buffer, small ones share slabs).
func TestEventsOfMixedSizes(t *testing.T) {
	sizes := []int{10, 70 << 10, 200 << 10, 200 << 10, 0, 3000, 300 << 10, 1<<20 + 5, 5, 130 << 10, 2047, 2049, 64<<10 - 30}
	var lf strings.Builder
	var want []Event
	for i, n := range sizes {
		data := strings.Repeat(string(rune('a'+i)), n)
		id := fmt.Sprintf("%d", i*7919)
		if i == 6 { // several data lines
			data = data[:n/3] + "\n" + data[:n/3] + "\n" + data[:n/3]
		}
		fmt.Fprintf(&lf, "id: %s\n", id)
		for _, line := range strings.Split(data, "\n") {
			fmt.Fprintf(&lf, "data: %s\n", line)
		}
		lf.WriteString("\n")
		want = append(want, ev(id, "message", data))
	}
	streams := map[string]string{"lf": lf.String(), "crlf": strings.ReplaceAll(lf.String(), "\n", "\r\n")}
	for name, stream := range streams {
		for _, chunk := range []int{1000, 4096, 70000, 1 << 30} {
			t.Run(fmt.Sprintf("%s/%d", name, chunk), func(t *testing.T) {
				evs, err := readAll(NewDecoder(&chunkReader{s: stream, n: chunk}))
				require.Equal(t, io.EOF, err)
				require.Len(t, evs, len(want))
				for i := range want {
					assert.Equal(t, want[i].ID, evs[i].ID, "event %d", i)
					assert.True(t, bytes.Equal(want[i].Data, evs[i].Data), "event %d: %d bytes", i, len(evs[i].Data))
				}
				// Each event's data is its own: filling one changes no other.
				for i := range evs {
					for j := range evs[i].Data {
						evs[i].Data[j] = 'X'
					}
					evs[i].Data = append(evs[i].Data, 'Y')
				}
				for i := range want {
					assert.Equal(t, want[i].ID, evs[i].ID, "event %d", i)
					assert.Equal(t, len(want[i].Data)+1, len(evs[i].Data), "event %d", i)
				}
			})
		}
	}
}

// A block that fills a large buffer is handed to the decoder (owned) and
// the event keeps that memory; the next large block starts in one buffer of
// the last one's size instead of doubling its way up from the small buffer.
func TestLargeBlockHandedOff(t *testing.T) {
	const n = 1 << 20
	var s strings.Builder
	for i := range 4 {
		fmt.Fprintf(&s, "id: %d\ndata: %s\n\n", i, strings.Repeat("x", n))
	}
	stream := s.String()
	fr := newScanFramer(&chunkReader{s: stream, n: 16 << 10}, DefaultMaxEventSize, 0)
	for i := range 4 {
		var m0, m1 runtime.MemStats
		runtime.ReadMemStats(&m0)
		b, err := fr.ReadEvent()
		runtime.ReadMemStats(&m1)
		require.NoError(t, err)
		assert.True(t, b.owned, "block %d", i)
		assert.False(t, b.cr, "block %d", i)
		assert.Equal(t, "data: ", string(b.b[b.last:b.last+6]), "block %d", i)
		assert.LessOrEqual(t, len(fr.buf), smallBuf, "back to the small buffer after block %d", i)
		if i > 0 {
			// One buffer of the hinted size, no doubling.
			assert.LessOrEqual(t, m1.Mallocs-m0.Mallocs, uint64(2), "block %d", i)
			assert.Less(t, m1.TotalAlloc-m0.TotalAlloc, uint64(n+n/4+smallBuf), "block %d", i)
		}
	}

	// The decoder keeps the handed-off memory as the event's data.
	d := NewDecoder(&chunkReader{s: stream, n: 16 << 10})
	for range 4 {
		e, err := d.Next()
		require.NoError(t, err)
		require.Len(t, e.Data, n)
		assert.Equal(t, len(e.Data), cap(e.Data), "an append must not reach past the event")
	}
}

// Small events cost no allocation of their own: the id and the data are
// carved from the decoder's slab.
func TestSmallEventsCarvedFromSlab(t *testing.T) {
	var s strings.Builder
	for i := range 1000 {
		fmt.Fprintf(&s, "id: 1717000000000-%d\ndata: {\"type\":\"token\",\"content\":\"Hello\"}\n\n", i)
	}
	stream := s.String()
	d := NewDecoder(strings.NewReader(stream))
	_, err := d.Next() // the first buffers
	require.NoError(t, err)
	// AllocsPerRun calls the function twice (a warm-up, then the run).
	allocs := testing.AllocsPerRun(1, func() {
		for range 450 {
			if _, err := d.Next(); err != nil {
				t.Fatal(err)
			}
		}
	})
	assert.Less(t, allocs/450, 0.05, "allocations per event")
}
