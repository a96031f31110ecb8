package sse

import (
	"bytes"
	"encoding/binary"
	"math"
	"time"
)

// fields is what one block says. id, event and a single data line alias the
// block; several data lines are joined in buf, a scratch buffer the decoder
// reuses.
type fields struct {
	id       []byte
	hasID    bool
	event    []byte
	data     []byte
	hasData  bool
	joined   bool // data lives in buf
	buf      []byte
	retry    time.Duration
	hasRetry bool
}

// parseBlock parses a block from the framer. The framer already found its
// line endings: without CR, only the lines before the last one are split
// again (usually a short id line), never a large data line.
func parseBlock(b *block, f *fields) {
	if b.cr || b.last < 0 {
		parseFields(b.b, f)
		return
	}
	if b.lines == 2 {
		// The usual id and data lines: the first ends just before the last.
		if first := b.b[:b.last-1]; len(first) > 0 && first[0] != ':' {
			parseLine(first, f)
		}
	} else {
		parseLines(b.b[:b.last], f)
	}
	if last := b.b[b.last:]; len(last) > 0 && last[0] != ':' {
		parseLine(last, f)
	}
}

// parseLines parses LF-terminated lines.
func parseLines(b []byte, f *fields) {
	for rest := b; len(rest) > 0; {
		line := rest
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			line, rest = rest[:i], rest[i+1:]
		} else {
			rest = nil
		}
		if len(line) > 0 && line[0] != ':' {
			parseLine(line, f)
		}
	}
}

// parseFields parses the lines of one block. Lines end with LF, CR or CRLF;
// the last one may have no ending. Blank lines are skipped: splitting the
// stream into blocks is the framer's job.
func parseFields(block []byte, f *fields) {
	// Most streams use LF only; IndexByte is fast, and checking for CR once
	// avoids rescanning the block for it on every line.
	lfOnly := bytes.IndexByte(block, '\r') < 0
	for len(block) > 0 {
		var line []byte
		if lfOnly {
			i := bytes.IndexByte(block, '\n')
			if i < 0 {
				line, block = block, nil
			} else {
				line, block = block[:i], block[i+1:]
			}
		} else {
			line, block = cutLine(block)
		}
		if len(line) == 0 || line[0] == ':' {
			continue
		}
		parseLine(line, f)
	}
}

// cutLine splits b after its first line ending (LF, CR or CRLF).
func cutLine(b []byte) (line, rest []byte) {
	for i, c := range b {
		switch c {
		case '\n':
			return b[:i], b[i+1:]
		case '\r':
			if i+1 < len(b) && b[i+1] == '\n' {
				return b[:i], b[i+2:]
			}
			return b[:i], b[i+1:]
		}
	}
	return b, nil
}

func parseLine(line []byte, f *fields) {
	// The usual layout first: "id: " and "data: " with one space.
	switch {
	case len(line) >= 6 && string(line[:6]) == "data: ":
		f.addData(line[6:])
		return
	case len(line) >= 4 && string(line[:4]) == "id: ":
		f.setID(line[4:])
		return
	}
	// A line without a colon is a field name with an empty value.
	name, value := line, []byte(nil)
	if i := bytes.IndexByte(line, ':'); i >= 0 {
		name, value = line[:i], line[i+1:]
		if len(value) > 0 && value[0] == ' ' {
			value = value[1:]
		}
	}
	switch string(name) {
	case "data":
		f.addData(value)
	case "event":
		f.event = value
	case "id":
		f.setID(value)
	case "retry":
		if d, ok := parseMillis(value); ok {
			f.retry, f.hasRetry = d, true
		}
	}
}

func (f *fields) addData(value []byte) {
	switch {
	case !f.hasData:
		f.data, f.hasData = value, true
	case !f.joined:
		f.buf = append(append(append(f.buf[:0], f.data...), '\n'), value...)
		f.data, f.joined = f.buf, true
	default:
		f.buf = append(append(f.buf, '\n'), value...)
		f.data = f.buf
	}
}

func (f *fields) setID(value []byte) {
	// The spec ignores ids containing NUL; an empty id resets the cursor.
	if !hasNUL(value) {
		f.id, f.hasID = value, true
	}
}

// hasNUL reports whether b holds a NUL byte. Ids are short: 8 bytes at a
// time (the last word may overlap the one before) costs less than a call to
// bytes.IndexByte or a byte loop for them. (w - 0x01 in each byte) &^ w has a
// byte's high bit set for some byte iff some byte of w is 0.
func hasNUL(b []byte) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	switch {
	case len(b) > 64:
		return bytes.IndexByte(b, 0) >= 0
	case len(b) < 8:
		for _, c := range b {
			if c == 0 {
				return true
			}
		}
		return false
	}
	for i := 0; i < len(b)-8; i += 8 {
		if w := binary.LittleEndian.Uint64(b[i:]); (w-ones)&^w&highs != 0 {
			return true
		}
	}
	w := binary.LittleEndian.Uint64(b[len(b)-8:])
	return (w-ones)&^w&highs != 0
}

// parseMillis accepts ASCII digits only, as the spec says; anything else,
// including an empty value or an overflow, is ignored.
func parseMillis(b []byte) (time.Duration, bool) {
	if len(b) == 0 {
		return 0, false
	}
	const limit = math.MaxInt64 / int64(time.Millisecond)
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
		if n > limit {
			return 0, false
		}
	}
	return time.Duration(n) * time.Millisecond, true
}

// pendingEnd looks at what is left when the stream ends without a final
// blank line. It returns the end of the last complete block in rest (0 if
// none) and whether lines after it would have made an event: comment-only
// leftovers lose nothing, so they are not a truncation.
func pendingEnd(rest []byte) (complete int, pending bool) {
	off := 0
	for len(rest) > 0 {
		line, next := cutLine(rest)
		off += len(rest) - len(next)
		rest = next
		switch {
		case len(line) == 0:
			complete, pending = off, false
		case line[0] != ':':
			pending = true
		}
	}
	return complete, pending
}
