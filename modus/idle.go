package modus

import (
	"bytes"
	"fmt"
	"io"
	"sync/atomic"
	"time"
)

// idleBody closes a stream's body when no frame (an event or a comment,
// that is a block of lines ended by a blank line) has been completed for
// longer than limit, which ends a read blocked on a stalled connection; the
// read then fails with an error matching ErrStreamIdle and the stream
// resumes. Bytes alone are not progress: a connection that trickles a byte
// now and then but never completes a frame is idle too. It holds no
// reference to the RunStream (its timer must not keep one alive).
type idleBody struct {
	io.ReadCloser
	limit time.Duration
	start time.Time    // monotonic base of last
	last  atomic.Int64 // time since start when the latest frame was completed
	idle  atomic.Bool
	timer *time.Timer
	scan  frameScan
}

func newIdleBody(rc io.ReadCloser, limit time.Duration) *idleBody {
	b := &idleBody{ReadCloser: rc, limit: limit, start: time.Now()}
	b.timer = time.AfterFunc(limit, b.check)
	return b
}

func (b *idleBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if n > 0 && b.scan.completes(p[:n]) {
		b.last.Store(int64(time.Since(b.start)))
	}
	if err != nil && b.idle.Load() {
		err = fmt.Errorf("%w: no event or comment completed within %s", ErrStreamIdle, b.limit)
	}
	return n, err
}

// check runs on the timer: it closes the body after limit without a
// completed frame, else waits for the rest of the limit.
func (b *idleBody) check() {
	quiet := time.Since(b.start) - time.Duration(b.last.Load())
	if quiet < b.limit {
		b.timer.Reset(b.limit - quiet)
		return
	}
	b.idle.Store(true)
	_ = b.ReadCloser.Close()
}

func (b *idleBody) Close() error {
	b.timer.Stop()
	return b.ReadCloser.Close()
}

// frameScan follows the line structure of an event stream, as the sse
// framer does (lines end with CRLF, LF or CR), only to tell when a blank
// line ends a block that has lines: a frame. It looks at line endings only,
// found with bytes.IndexByte, so its cost stays small next to the framer's.
type frameScan struct {
	inLine   bool // bytes of a line have come since the last line ending
	hasLines bool // the current block has a complete line
	cr       bool // the last byte was a CR: a LF right after it ends no line
}

// completes consumes p and reports whether it completed a frame.
func (f *frameScan) completes(p []byte) bool {
	if len(p) == 0 {
		return false
	}
	if f.cr || bytes.IndexByte(p, '\r') >= 0 {
		return f.scanLines(p)
	}
	return f.scanLF(p)
}

var lflf = []byte("\n\n")

// scanLF is completes for bytes without CR, the usual case: every line ends
// with LF, so a frame ends at the first "\n\n" whose first LF ends a
// non-empty line, and the state after p depends only on its last line
// ending. No byte is visited one at a time.
func (f *frameScan) scanLF(p []byte) bool {
	if bytes.IndexByte(p, '\n') < 0 {
		f.inLine = true // inside a line, as in the middle of a large event
		return false
	}
	done := p[0] == '\n' && !f.inLine && f.hasLines // a blank line ends the block
	for from := 0; !done; {
		k := bytes.Index(p[from:], lflf)
		if k < 0 {
			break
		}
		k += from
		done = k > 0 && p[k-1] != '\n' || k == 0 && f.inLine
		from = k + 1
	}
	j := bytes.LastIndexByte(p, '\n') // found above; usually near the end
	blank := j > 0 && p[j-1] == '\n' || j == 0 && !f.inLine
	f.hasLines, f.inLine = !blank, j < len(p)-1
	return done
}

// scanLines is completes for any mix of line endings: it visits each line
// ending, looking for the next CR and the next LF once each.
func (f *frameScan) scanLines(p []byte) bool {
	done := false
	lf, cr := nextByte(p, 0, '\n'), nextByte(p, 0, '\r')
	for pos := 0; ; {
		i := lf
		if cr >= 0 && (lf < 0 || cr < lf) {
			i = cr
		}
		if i < 0 {
			if pos < len(p) {
				f.inLine, f.cr = true, false // the rest is inside a line
			}
			return done
		}
		if i > pos {
			f.inLine, f.cr = true, false
		}
		c := p[i]
		pos = i + 1
		if c == '\n' {
			lf = nextByte(p, pos, '\n')
		} else {
			cr = nextByte(p, pos, '\r')
		}
		if c == '\n' && f.cr && !f.inLine {
			f.cr = false // the LF of a CRLF
			continue
		}
		if f.inLine {
			f.hasLines = true
		} else if f.hasLines {
			f.hasLines, done = false, true // a blank line ends the block
		}
		f.inLine, f.cr = false, c == '\r'
	}
}

// nextByte returns the index of the first c in p at or after from, -1 if
// none.
func nextByte(p []byte, from int, c byte) int {
	if i := bytes.IndexByte(p[from:], c); i >= 0 {
		return from + i
	}
	return -1
}
