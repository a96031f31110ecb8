package sse

import (
	"bytes"
	"io"
	"unsafe"
)

// framer splits a stream into blocks: the lines of one event, without the
// blank line that ends it. At the end it returns io.EOF, the read error, a
// truncation error or an *EventTooLargeError. It is the seam between the
// decoder and the framing code: the tests run r3labs' reader behind it as
// an oracle (r3oracle_test.go).
type framer interface {
	ReadEvent() (*block, error)
}

// block is one event's lines. The block and, unless owned, b are valid
// until the next ReadEvent.
type block struct {
	b []byte
	// last is the offset in b of its last line, -1 if unknown.
	last int
	// cr is false when b holds no CR (every line ends with LF alone).
	cr bool
	// lines is the number of lines in b, 0 if unknown.
	lines int
	// owned: the framer gave b's memory away and never touches it again,
	// so the event may keep it instead of copying it.
	owned bool
	// lent: b is a small block in the small buffer, which the framer never
	// writes over once it lent a block from it: the event may keep b
	// instead of copying it (and so keeps that buffer alive).
	lent bool
}

// Buffer sizes. A stream starts with a small buffer (idle streams stay
// small) that grows to smallBuf and is kept for the stream's life. A
// block that does not fit moves to a large buffer of its own; once the
// block fills at least half of it, the buffer goes to the event (no copy)
// and the framer goes back to its small buffer. The next large block
// starts directly at the size of the last one (hint) instead of doubling
// its way up again.
//
// Small blocks (up to lendMax bytes) in the small buffer are lent to their
// events rather than copied: from then on the framer never writes over
// that buffer, and reads on into a new one once it is full. An event kept
// alone keeps its buffer alive (the small buffer stays at its first size,
// 4 KiB, on a stream of small events).
const (
	firstBuf = 4 << 10
	smallBuf = 64 << 10
	lendMax  = 256
)

// scanFramer finds blank lines in its buffer, looking at each byte once
// however the input is chunked.
type scanFramer struct {
	src    io.Reader
	buf    []byte
	small  []byte // the kept buffer (buf, unless a large block is in progress)
	hint   int    // size for the next large buffer
	r      int    // start of the current block
	end    int    // end of the block's last complete line, before its line ending
	last   int    // start of the block's last complete line
	p      int    // start of the next line to look at
	w      int    // end of the buffered bytes
	skipLF bool   // the byte before p was a CR: a LF at p belongs to it
	sawCR  bool   // a line of the current block ended with CR
	lines  int    // lines of the current block so far
	lf, cr byteIndex
	max    int
	// smallLent: a block of the small buffer was lent; the buffer is
	// replaced instead of reused.
	smallLent bool
	err       error // the read error, once seen
	blk       block // what ReadEvent returns
	// smallMax is the largest small buffer (smallBuf; tests make it tiny
	// to exercise large blocks with small inputs).
	smallMax int
}

// newScanFramer returns a framer whose small buffer grows to smallMax
// bytes (smallBuf when 0).
func newScanFramer(r io.Reader, max, smallMax int) *scanFramer {
	if smallMax <= 0 {
		smallMax = smallBuf
	}
	buf := make([]byte, min(firstBuf, max+4, smallMax))
	return &scanFramer{src: r, buf: buf, small: buf, max: max, smallMax: smallMax,
		lf: byteIndex{at: -1}, cr: byteIndex{at: -1}}
}

func (s *scanFramer) ReadEvent() (*block, error) {
	for {
		if s.usual() {
			return &s.blk, nil
		}
		if ok, err := s.scan(); ok || err != nil {
			return &s.blk, err
		}
		if s.err != nil {
			if s.err == io.EOF {
				return nil, s.finish(io.ErrUnexpectedEOF)
			}
			return nil, s.finish(s.err)
		}
		// The block will hold at least all but the last 2 bytes buffered.
		if s.w-s.r > s.max+2 {
			return nil, &EventTooLargeError{Limit: s.max}
		}
		s.fill()
	}
}

// scan looks for the blank line that ends the current block in what is
// buffered, and sets blk when it finds it (ReadEvent tries usual first).
func (s *scanFramer) scan() (bool, error) {
	for {
		if s.skipLF {
			if s.p == s.w {
				return false, nil
			}
			s.skipLF = false
			if s.buf[s.p] == '\n' {
				if s.r == s.p {
					s.r++
				}
				s.p++
			}
		}
		eol := s.lineEnd()
		if eol < 0 {
			return false, nil
		}
		n := 1
		if s.buf[eol] == '\r' {
			if eol+1 == s.w {
				// Do not wait for the next byte to dispatch: remember
				// that a LF there would end the same line.
				s.skipLF = true
			} else if s.buf[eol+1] == '\n' {
				n = 2
			}
		}
		if eol != s.p {
			s.sawCR = s.sawCR || s.buf[eol] == '\r'
			s.last, s.end, s.p = s.p, eol, eol+n
			s.lines++
			continue
		}
		// A blank line ends the block.
		start := s.r
		s.r, s.p = eol+n, eol+n
		if eol == start {
			continue // no lines before it
		}
		if s.end-start > s.max {
			return false, &EventTooLargeError{Limit: s.max}
		}
		s.complete(start)
		return true, nil
	}
}

// usual frames the block servers usually send when it is buffered whole
// at p, the start of a block: two lines, then a blank line, with LF
// endings, and no CR buffered. Anything else is left to the general scan
// (false).
func (s *scanFramer) usual() bool {
	if s.p != s.r || s.skipLF || s.cr.at >= 0 || s.cr.upTo < s.w {
		return false
	}
	buf := s.buf[s.p:s.w]
	i := bytes.IndexByte(buf, '\n')
	if i <= 0 {
		return false
	}
	j := bytes.IndexByte(buf[i+1:], '\n')
	if j <= 0 {
		return false
	}
	end := i + 1 + j
	if end+1 >= len(buf) || buf[end+1] != '\n' || end > s.max {
		return false
	}
	start := s.p
	s.last, s.end, s.lines = start+i+1, start+end, 2
	s.r, s.p = start+end+2, start+end+2
	s.complete(start)
	return true
}

// complete sets blk to the block from start to end.
func (s *scanFramer) complete(start int) {
	size := s.end - start
	// Field by field: copying a whole block value into the heap costs a
	// bulk write barrier call on every event.
	b := &s.blk
	b.b = s.buf[start:s.end:s.end]
	b.last, b.cr, b.lines, b.owned = s.last-start, s.sawCR, s.lines, false
	b.lent = size <= lendMax && unsafe.SliceData(s.buf) == unsafe.SliceData(s.small)
	s.smallLent = s.smallLent || b.lent
	s.sawCR, s.lines = false, 0
	if size > s.smallMax {
		// The next large block starts in a buffer this size, with room to
		// grow by an eighth.
		s.hint = min(size+size/8+4, s.max+4)
		if 2*size >= len(s.buf) {
			// The block fills its buffer: give the buffer away.
			s.move(s.fit(s.w - s.r))
			b.owned = true
		}
	}
}

// lineEnd returns the index of the next LF or CR at or after p, -1 if none
// is buffered.
func (s *scanFramer) lineEnd() int {
	if s.cr.at < 0 && s.cr.upTo >= s.w {
		// No CR buffered (the usual LF-only stream): one IndexByte per
		// line, none for a blank one. The LF index is left as it was; it
		// stays true.
		if s.p < s.w && s.buf[s.p] == '\n' {
			return s.p
		}
		if i := bytes.IndexByte(s.buf[s.p:s.w], '\n'); i >= 0 {
			return s.p + i
		}
		return -1
	}
	eol := s.lf.next(s.buf, s.p, s.w, '\n')
	if cr := s.cr.next(s.buf, s.p, s.w, '\r'); cr >= 0 && (eol < 0 || cr < eol) {
		eol = cr
	}
	return eol
}

// finish reports the end of the stream: a truncation if lines that would
// have made an event are left without their blank line.
func (s *scanFramer) finish(cause error) error {
	if s.w-s.r > s.max+2 {
		return &EventTooLargeError{Limit: s.max} // as if it were not the end
	}
	if _, pending := pendingEnd(s.buf[s.r:s.w]); pending {
		return truncated(cause)
	}
	return s.err
}

func (s *scanFramer) fill() {
	// A small buffer with lent blocks is only left once full: leaving it
	// costs a new one.
	early := s.r > len(s.buf)/2 && !(s.smallLent && unsafe.SliceData(s.buf) == unsafe.SliceData(s.small))
	if s.w == len(s.buf) || early {
		s.move(s.next())
	}
	for range 100 {
		n, err := s.src.Read(s.buf[s.w:])
		s.w += n
		if err != nil {
			s.err = err
			return
		}
		if n > 0 {
			return
		}
	}
	s.err = io.ErrNoProgress
}

// next picks the buffer to read into when buf is full or mostly consumed:
// buf itself, or the small buffer, when the pending bytes fit with room to
// spare; else a larger one.
func (s *scanFramer) next() []byte {
	pending := s.w - s.r
	if 2*pending <= len(s.buf) {
		if 2*pending <= len(s.small) && len(s.small) < len(s.buf) {
			return s.small // done with a large buffer
		}
		return s.buf
	}
	size := min(2*len(s.buf), s.max+4)
	switch {
	case size <= len(s.buf):
		return s.buf
	case size <= s.smallMax:
		s.small, s.smallLent = make([]byte, size), false
		return s.small
	}
	return make([]byte, max(size, s.hint))
}

// fit returns a buffer for n pending bytes after a large buffer was given
// away: the small one if they fit.
func (s *scanFramer) fit(n int) []byte {
	if n <= len(s.small) {
		return s.small
	}
	return make([]byte, min(2*n, s.max+4))
}

// move copies the pending bytes buf[r:w] to the start of nb and makes nb
// the buffer.
func (s *scanFramer) move(nb []byte) {
	if s.smallLent && unsafe.SliceData(nb) == unsafe.SliceData(s.small) {
		// Its blocks were lent: never write over them.
		s.small, s.smallLent = make([]byte, len(s.small)), false
		nb = s.small
	}
	k := s.r
	copy(nb, s.buf[k:s.w])
	s.buf = nb
	s.r, s.end, s.last, s.p, s.w = 0, max(s.end-k, 0), max(s.last-k, 0), s.p-k, s.w-k
	s.lf.shift(k, s.p)
	s.cr.shift(k, s.p)
}

// byteIndex remembers where a byte was last found, so that looking for CR
// in a LF-only stream (or the other way round) scans each byte once.
type byteIndex struct {
	at   int // index of the next match, valid if >= p; -1: none in [.., upTo)
	upTo int
}

func (x *byteIndex) next(buf []byte, p, w int, c byte) int {
	if x.at >= p {
		return x.at
	}
	from := p
	if x.at < 0 && x.upTo > p {
		from = x.upTo
	}
	if i := bytes.IndexByte(buf[from:w], c); i >= 0 {
		x.at = from + i
		return x.at
	}
	x.at, x.upTo = -1, w
	return -1
}

// shift moves the index after the buffer dropped its first k bytes; p is
// the new scan position.
func (x *byteIndex) shift(k, p int) {
	switch {
	case x.at >= 0 && x.at-k >= p:
		x.at -= k
	case x.at < 0 && x.upTo-k > p:
		x.upTo -= k
	default:
		x.at, x.upTo = -1, 0
	}
}
