package sse

import (
	"bufio"
	"bytes"
	"errors"
	"io"

	r3 "github.com/r3labs/sse/v2"
)

// r3labs/sse/v2 is the differential oracle of the framer: the tests and
// fuzz targets run the same streams through its EventStreamReader (behind
// the framer seam) and through ours, and want the same events wherever
// r3labs is right. It lives only in tests, so it stays out of users'
// builds. Why it is not the framer (bench_test.go, 2-core VM): its
// bufio.Scanner split function rescans all buffered bytes for five
// delimiter patterns after every Read, so an event arriving in k reads
// costs O(k*n); it also returns a cut last block as complete, turns
// context.Canceled into io.EOF and misses blank lines made of mixed
// endings ("\n\r").

type framing int

const (
	framingScan framing = iota
	framingR3labs
)

// withFraming picks the framing implementation.
func withFraming(f framing) Option {
	return func(c *config) {
		c.newFramer = nil
		if f == framingR3labs {
			c.newFramer = func(r io.Reader, max int) framer { return newR3Framer(r, max) }
		}
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

func (f *r3Framer) ReadEvent() (*block, error) {
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
			return &block{b: tok, last: -1, cr: true}, nil
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
