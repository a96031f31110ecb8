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

// completes consumes p and reports whether it completed a frame. Each byte
// is looked at a bounded number of times, whatever the mix of CR and LF.
func (f *frameScan) completes(p []byte) bool {
	done := false
	lf := -2 // index of the next LF at or after pos; -1: none in p; -2: not looked for
	for pos := 0; pos < len(p); {
		if lf != -1 && lf < pos {
			if lf = bytes.IndexByte(p[pos:], '\n'); lf >= 0 {
				lf += pos
			}
		}
		end := len(p)
		if lf >= 0 {
			end = lf
		}
		i := bytes.IndexByte(p[pos:end], '\r')
		if i >= 0 {
			i += pos
		} else if i = lf; i < 0 {
			f.inLine, f.cr = true, false // the rest is inside a line
			return done
		}
		if i > pos {
			f.inLine, f.cr = true, false
		}
		c := p[i]
		pos = i + 1
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
	return done
}
