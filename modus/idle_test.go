package modus

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzFrameScan checks the frame scanner, fast path included, against the
// general line-by-line scan fed a byte at a time: the same answer for each
// read, however the input is cut (cuts says where), and the same state.
func FuzzFrameScan(f *testing.F) {
	f.Add([]byte("data: a\n\n: c\r\n\r\nid: 1\r\r\n\n\n"), []byte{3, 1, 7})
	f.Add([]byte("\n\n\ndata: x\n\r\n"), []byte{1})
	f.Fuzz(func(t *testing.T, in, cuts []byte) {
		var chunked, bytewise frameScan
		for i := 0; len(in) > 0; i++ {
			n := len(in)
			if i < len(cuts) {
				n = 1 + int(cuts[i])%len(in)
			}
			want := false
			for _, c := range in[:n] {
				want = bytewise.scanLines([]byte{c}) || want
			}
			require.Equal(t, want, chunked.completes(in[:n]), "read %q", in[:n])
			require.Equal(t, bytewise, chunked, "after %q", in[:n])
			in = in[n:]
		}
	})
}
