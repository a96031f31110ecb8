package modus

import (
	"fmt"
	"io"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// RawJSON hands out memory the caller owns: writing to it changes neither
// the event's fields (a TokenEvent's Content shares the event's bytes) nor
// what RawJSON returns next time. The same holds for ToolEvent.Raw and
// UnknownEvent.Data, which are the caller's to modify too.
func TestRawJSONIsTheCallersCopy(t *testing.T) {
	const token = `{"type":"token","content":"Hello"}`
	var scratch []byte
	ev, err := decodeEvent("1-0", []byte(token), &scratch)
	require.NoError(t, err)
	raw := ev.RawJSON()
	for i := range raw {
		raw[i] = 'x'
	}
	assert.Equal(t, "Hello", ev.(*TokenEvent).Content)
	assert.Equal(t, token, string(ev.RawJSON()))

	const tool = `{"type":"tool_start","toolName":"sql","input":{"q":1}}`
	ev, err = decodeEvent("1-1", []byte(tool), &scratch)
	require.NoError(t, err)
	te := ev.(*ToolEvent)
	te.Raw[0] = 'x'
	assert.Equal(t, tool, string(ev.RawJSON()))

	const unknown = `{"type":"progress","runId":"r"}`
	ev, err = decodeEvent("1-2", []byte(unknown), &scratch)
	require.NoError(t, err)
	ev.(*UnknownEvent).Data[0] = 'x'
	assert.Equal(t, unknown, string(ev.RawJSON()))
}

// jsonPlain's word-at-a-time check agrees with a byte loop at every
// position of a control character or a non-ASCII byte, in strings of every
// length around its 8- and 32-byte steps.
func TestJSONPlain(t *testing.T) {
	ref := func(b []byte) bool {
		for _, c := range b {
			if c < 0x20 {
				return false
			}
		}
		return utf8.Valid(b)
	}
	for n := range 70 {
		base := make([]byte, n)
		for i := range base {
			base[i] = 'a' + byte(i%26)
		}
		assert.True(t, jsonPlain(base), "len %d", n)
		for pos := range n {
			for _, c := range []byte{0x00, 0x1f, 0x20, 0x7f, 0x80, 0xff, 0xc3} {
				b := append([]byte(nil), base...)
				b[pos] = c
				assert.Equal(t, ref(b), jsonPlain(b), "len %d, %#x at %d", n, c, pos)
			}
		}
	}
	// A two-byte rune across a word boundary, and one cut there.
	assert.True(t, jsonPlain([]byte("0123456\xc3\xa9123456789abcdef0123456789abcdef")))
	assert.False(t, jsonPlain([]byte("01234567\xc3")))
}

// Small token events come from per-stream chunks: far fewer allocations
// than events, while a larger one gets its own.
func TestTokenEventChunks(t *testing.T) {
	var d eventDecoder
	small := []byte(`{"type":"token","content":"Hello"}`)
	large := []byte(`{"type":"token","content":"` + strings.Repeat("x", tokenChunkData) + `"}`)
	allocs := testing.AllocsPerRun(10, func() {
		for range 10 * tokenChunk {
			if _, err := d.decode("1-0", small); err != nil {
				t.Fatal(err)
			}
		}
	})
	assert.LessOrEqual(t, allocs, float64(11), "small token events: one allocation per chunk")
	allocs = testing.AllocsPerRun(10, func() {
		if _, err := d.decode("1-0", large); err != nil {
			t.Fatal(err)
		}
	})
	assert.Equal(t, float64(1), allocs, "a token event over tokenChunkData bytes")
}

// Events kept by the caller stay intact while the stream reads on, across
// chunks of token events and slabs of the sse decoder.
func TestSmallTokenEventsKept(t *testing.T) {
	c, err := NewClient(WithAPIKey(testKey))
	require.NoError(t, err)
	var b strings.Builder
	n := 3*tokenChunk + 5
	for i := range n {
		fmt.Fprintf(&b, "id: 1-%d\ndata: {\"type\":\"token\",\"content\":\"t%d\"}\n\n", i, i)
	}
	b.WriteString("id: 2-0\ndata: {\"type\":\"done\",\"runId\":\"abc-123\"}\n\n")
	s := newBenchStream(c, io.NopCloser(strings.NewReader(b.String())))
	var kept []Event
	for s.Next() {
		kept = append(kept, s.Event())
	}
	require.NoError(t, s.Err())
	require.Len(t, kept, n+1)
	for i, ev := range kept[:n] {
		tok, ok := ev.(*TokenEvent)
		require.True(t, ok, "event %d: %T", i, ev)
		raw := tok.RawJSON()
		raw[0] = 'X' // the caller's copy
		assert.Equal(t, fmt.Sprintf("t%d", i), tok.Content)
		assert.Equal(t, fmt.Sprintf("1-%d", i), tok.ID())
		assert.Equal(t, fmt.Sprintf(`{"type":"token","content":"t%d"}`, i), string(tok.RawJSON()))
	}
	assert.Equal(t, "2-0", s.LastEventID())
}
