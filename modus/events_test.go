package modus

import (
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
