package sse

import (
	"bufio"
	"bytes"
	"errors"
	"io"

	r3 "github.com/r3labs/sse/v2"
)

// framer splits a stream into blocks: the lines of one event, without the
// blank line that ends it. The block is valid until the next call. At the
// end it returns io.EOF, the read error, a truncation error or an
// *EventTooLargeError. This is the only seam between the decoder and the
// framing code, so r3labs stays out of the rest of the package.
type framer interface {
	ReadEvent() ([]byte, error)
}

type framing int

const (
	// framingScan is our own framing, used for everything.
	//
	// Why not r3labs (bench_test.go, 2-core VM, benchstat over 6 runs):
	// its bufio.Scanner split function rescans all buffered bytes for five
	// delimiter patterns after every Read, so an event arriving in k reads
	// costs O(k*n). Its reader alone frames 1.5M small events/s and
	// ~210 MiB/s of 1-4 MiB events (one 16 MiB event: 16 MB/s); the whole
	// Decoder on framingScan does 9M events/s and ~2 GiB/s, as fast as a
	// plain bufio parser. Feeding does not rescue it: a bufio.Reader in
	// front cannot merge reads (~same speed), and only pre-split whole
	// blocks make it fast, which means doing the framing before it. It
	// also returns a cut last block as complete, turns context.Canceled
	// into io.EOF and misses blank lines made of mixed endings ("\n\r").
	// Not competitive at any event size, so no hybrid.
	framingScan framing = iota
	// framingR3labs frames with r3labs' NewEventStreamReader. It is kept
	// behind the seam, selectable with WithR3labsFraming, and run by the
	// tests, fuzz targets and benchmarks next to framingScan.
	framingR3labs
)

func newFramer(r io.Reader, c config) framer {
	if c.framing == framingR3labs {
		return newR3Framer(r, c.maxEventSize)
	}
	return newScanFramer(r, c.maxEventSize)
}

// scanFramer finds blank lines in a growing buffer, looking at each byte
// once however the input is chunked.
type scanFramer struct {
	src    io.Reader
	buf    []byte
	r      int  // start of the current block
	end    int  // end of the block's last complete line, before its line ending
	p      int  // start of the next line to look at
	w      int  // end of the buffered bytes
	skipLF bool // the byte before p was a CR: a LF at p belongs to it
	lf, cr byteIndex
	max    int
	err    error // the read error, once seen
}

func newScanFramer(r io.Reader, max int) *scanFramer {
	return &scanFramer{src: r, buf: make([]byte, min(4096, max+4)), max: max,
		lf: byteIndex{at: -1}, cr: byteIndex{at: -1}}
}

func (s *scanFramer) ReadEvent() ([]byte, error) {
	for {
		for {
			if s.skipLF {
				if s.p == s.w {
					break
				}
				s.skipLF = false
				if s.buf[s.p] == '\n' {
					if s.r == s.p {
						s.r++
					}
					s.p++
				}
			}
			eol := s.lf.next(s.buf, s.p, s.w, '\n')
			if cr := s.cr.next(s.buf, s.p, s.w, '\r'); cr >= 0 && (eol < 0 || cr < eol) {
				eol = cr
			}
			if eol < 0 {
				break
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
				s.end, s.p = eol, eol+n
				continue
			}
			// A blank line ends the block.
			start := s.r
			s.r, s.p = eol+n, eol+n
			if eol == start {
				continue // no lines before it
			}
			if s.end-start > s.max {
				return nil, &EventTooLargeError{Limit: s.max}
			}
			return s.buf[start:s.end], nil
		}
		if s.err != nil {
			if s.err == io.EOF {
				return s.finish(io.ErrUnexpectedEOF)
			}
			return s.finish(s.err)
		}
		// The block will hold at least all but the last 2 bytes buffered.
		if s.w-s.r > s.max+2 {
			return nil, &EventTooLargeError{Limit: s.max}
		}
		s.fill()
	}
}

// finish reports the end of the stream: a truncation if lines that would
// have made an event are left without their blank line.
func (s *scanFramer) finish(cause error) ([]byte, error) {
	if s.w-s.r > s.max+2 {
		return nil, &EventTooLargeError{Limit: s.max} // as if it were not the end
	}
	if _, pending := pendingEnd(s.buf[s.r:s.w]); pending {
		return nil, truncated(cause)
	}
	return nil, s.err
}

func (s *scanFramer) fill() {
	if s.r > 0 && (s.w == len(s.buf) || s.r > len(s.buf)/2) {
		k := s.r
		copy(s.buf, s.buf[k:s.w])
		s.r, s.end, s.p, s.w = 0, max(s.end-k, 0), s.p-k, s.w-k
		s.lf.shift(k, s.p)
		s.cr.shift(k, s.p)
	}
	if s.w == len(s.buf) {
		nb := make([]byte, min(2*len(s.buf), s.max+4))
		copy(nb, s.buf[:s.w])
		s.buf = nb
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

// r3Framer frames with r3labs' EventStreamReader. That reader returns the
// bytes left at EOF as a last block, complete or not, so tailReader appends
// a sentinel ("\x00\n\n") after the source ends: the last token before EOF
// is then always "leftover + NUL", and the leftover tells whether the
// stream was cut.
type r3Framer struct {
	src   *tailReader
	er    *r3.EventStreamReader
	max   int
	ahead []byte // token read ahead once the source ended
	final error  // what to return once the leftover is handled
}

var sentinel = []byte("\x00\n\n")

func newR3Framer(r io.Reader, max int) *r3Framer {
	t := &tailReader{r: r}
	// Room for the longest delimiter and the sentinel after a full event.
	return &r3Framer{src: t, er: r3.NewEventStreamReader(t, max+8), max: max}
}

func (f *r3Framer) ReadEvent() ([]byte, error) {
	for {
		tok, err := f.token()
		if err != nil {
			return nil, err
		}
		// r3labs leaves the third LF of "\n\n\n" (or the LF of "\r\r\n")
		// at the start of the next token: blank lines, not content.
		tok = bytes.TrimLeft(tok, "\r\n")
		if len(tok) > f.max {
			return nil, &EventTooLargeError{Limit: f.max}
		}
		if len(tok) > 0 {
			return tok, nil
		}
	}
}

func (f *r3Framer) token() ([]byte, error) {
	if f.final != nil {
		return nil, f.final
	}
	tok := f.ahead
	f.ahead = nil
	if tok == nil {
		t, err := f.er.ReadEvent()
		if err != nil {
			return nil, f.fail(err)
		}
		if f.src.sent == 0 {
			return t, nil // ended by a real blank line
		}
		tok = bytes.Clone(t) // the look-ahead below may reuse the buffer
	}
	next, err := f.er.ReadEvent()
	if err == nil {
		f.ahead = bytes.Clone(next)
		return tok, nil
	}
	if err != io.EOF {
		return nil, f.fail(err)
	}
	// tok is the leftover plus the sentinel's NUL.
	rest := tok[:len(tok)-1]
	complete, pending := pendingEnd(rest)
	f.final = f.src.err
	if len(rest)-complete > f.max+2 {
		f.final = &EventTooLargeError{Limit: f.max} // as scanFramer says
	} else if pending {
		cause := f.src.err
		if cause == io.EOF {
			cause = io.ErrUnexpectedEOF
		}
		f.final = truncated(cause)
	}
	return rest[:complete], nil
}

func (f *r3Framer) fail(err error) error {
	if errors.Is(err, bufio.ErrTooLong) {
		err = &EventTooLargeError{Limit: f.max}
	}
	f.final = err
	return err
}

// tailReader keeps the source's error for itself (r3labs would turn
// context.Canceled into io.EOF) and sends the sentinel, then io.EOF.
type tailReader struct {
	r    io.Reader
	err  error
	sent int // sentinel bytes sent
}

func (t *tailReader) Read(p []byte) (int, error) {
	if t.err == nil {
		n, err := t.r.Read(p)
		if err == nil || n > 0 {
			t.err = err
			return n, nil
		}
		t.err = err
	}
	if t.sent < len(sentinel) {
		n := copy(p, sentinel[t.sent:])
		t.sent += n
		return n, nil
	}
	return 0, io.EOF
}
