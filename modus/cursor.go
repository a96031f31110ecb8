package modus

import (
	"encoding/binary"
	"math/bits"
	"unsafe"
)

// cursor is a run stream's replay cursor: which events were delivered, and
// so which events of a resumed connection are replays to skip. It knows
// nothing of connections or events beyond their ids, and holds no set of
// delivered ids, so its memory stays flat however long the run.
//
// Ids of the "<ms>-<seq>" form (or plain numbers) are ordered: on a resumed
// connection everything up to last is a replay, and last only moves
// forward, whatever stray older id a server sends. Opaque ids have no
// order, so the first one of a resumed connection decides: last itself
// means the server replays from it (skip it), the first id delivered means
// it replays the run from its start (skip through last), anything else is
// new. An event without id (as the first events of a connection may be)
// cannot be placed: it is delivered and leaves the filter on, so a replay
// that follows it is still skipped. What the cursor cannot recognise is a
// replay of opaque ids that starts at some other delivered event, or a
// server that ignores the Last-Event-ID of a stream's first connection.
type cursor struct {
	last      string   // id of the last event delivered with one, or the caller's Last-Event-ID
	lastNum   eventNum // last, parsed; only its ok is kept up to date while numStale
	numStale  bool     // lastNum's numbers are of an earlier last (see num)
	first     string   // id of the first event delivered with one
	delivered int      // events delivered
	filter    bool     // the connection may replay delivered events: its first id decides
	seekLast  bool     // opaque ids replayed from the start: skip through last
	skip      int      // events to skip on a connection resumed without an id at all
}

// newCursor starts a cursor after event last ("" for a run's start); a
// connection that resumes after last may replay it.
func newCursor(last string) cursor {
	return cursor{last: last, lastNum: parseEventID(last), filter: last != ""}
}

// resume prepares for a new connection, asked to resume after c.last:
// what it replays is skipped. Without any id the server replays the whole
// run, so the events delivered are skipped by count.
func (c *cursor) resume() {
	c.seekLast = false
	if c.last != "" {
		c.filter = true
	} else {
		c.skip = c.delivered
	}
}

// accept reports whether the next event of the connection, whose
// connection-level id is id ("" before the connection sent any), is new;
// a new event counts as delivered and moves the cursor.
func (c *cursor) accept(id string) bool {
	switch {
	case c.skip > 0:
		c.skip--
		return false
	case c.seekLast:
		c.seekLast = id != c.last
		return false
	case c.filter && id != "" && c.replayed(id):
		return false
	}
	c.delivered++
	if c.first == "" {
		c.first = id
	}
	if id != "" {
		c.advance(id)
	}
	return true
}

// advance moves last to id unless both are ordered and id does not come
// after last, or id is last.
func (c *cursor) advance(id string) {
	if c.lastNum.ok && len(id) == len(c.last) {
		// The usual case, the next id of the same form and length: once id
		// has last's digits and '-' from their first difference on, the
		// two compare as their numbers do, and lastNum is parsed only when
		// needed (see num).
		if after, ok := sameShapeAfter(id, c.last); ok {
			if after {
				c.last, c.numStale = id, true
			}
			return
		}
	}
	if id == c.last {
		return
	}
	if n := parseEventID(id); !n.ok || !c.lastNum.ok || n.after(c.num()) {
		c.last, c.lastNum, c.numStale = id, n, false
	}
}

// num returns last parsed.
func (c *cursor) num() eventNum {
	if c.numStale {
		c.lastNum, c.numStale = parseEventID(c.last), false
	}
	return c.lastNum
}

// sameShapeAfter compares id with last, an ordered id of the same length.
// ok is false unless id has a digit wherever last has
// one and a '-' wherever it has one: then after reports whether id comes
// after last. The bytes before their first difference are the same, so
// only those after it are checked. Consecutive ids usually differ in their
// last few bytes only, so the last 8 are compared as one word and the rest
// as a string.
func sameShapeAfter(id, last string) (after, ok bool) {
	n := len(last)
	if n < 8 || id[:n-8] != last[:n-8] {
		for i := range n {
			if id[i] != last[i] {
				return sameShapeFrom(id, last, i)
			}
		}
		return false, true // the same id
	}
	x := tailWord(id) ^ tailWord(last)
	if x == 0 {
		return false, true // the same id
	}
	return sameShapeFrom(id, last, n-8+bits.TrailingZeros64(x)/8)
}

// sameShapeFrom is sameShapeAfter once the first difference, at i, is known.
func sameShapeFrom(id, last string, i int) (after, ok bool) {
	for j := i; j < len(last); j++ {
		if last[j] == '-' {
			if id[j] != '-' {
				return false, false
			}
		} else if id[j]-'0' > 9 {
			return false, false
		}
	}
	return id[i] > last[i], true
}

// tailWord returns the last 8 bytes of s, which has at least 8, as a
// little-endian number: its first byte is the lowest.
func tailWord(s string) uint64 {
	return binary.LittleEndian.Uint64(unsafe.Slice(unsafe.StringData(s[len(s)-8:]), 8))
}

// replayed decides whether the first events with an id of a resumed
// connection are replays; the first new one turns the filter off.
func (c *cursor) replayed(id string) bool {
	if n := parseEventID(id); n.ok && c.lastNum.ok {
		if !n.after(c.num()) {
			return true
		}
		c.filter = false
		return false
	}
	c.filter = false
	switch {
	case id == c.last:
		return true
	case id == c.first:
		c.seekLast = true
		return true
	}
	return false
}

// eventNum is an event id of the "<ms>-<seq>" form (or a plain number),
// parsed; ok is false for any other id.
type eventNum struct {
	ms, seq uint64
	ok      bool
}

func (a eventNum) after(b eventNum) bool {
	return a.ms > b.ms || a.ms == b.ms && a.seq > b.seq
}

// parseEventID parses id as an eventNum: decimal digits, then optionally
// '-' and decimal digits, each part at most 19 digits (no overflow). It
// runs once per event, so it is a plain loop.
func parseEventID(id string) eventNum {
	var n eventNum
	i, digits := 0, 0
	for ; i < len(id) && id[i] >= '0' && id[i] <= '9'; i++ {
		n.ms = n.ms*10 + uint64(id[i]-'0')
		digits++
	}
	if digits == 0 || digits > 19 {
		return eventNum{}
	}
	if i == len(id) {
		n.ok = true
		return n
	}
	if id[i] != '-' {
		return eventNum{}
	}
	digits = 0
	for i++; i < len(id) && id[i] >= '0' && id[i] <= '9'; i++ {
		n.seq = n.seq*10 + uint64(id[i]-'0')
		digits++
	}
	if digits == 0 || digits > 19 || i != len(id) {
		return eventNum{}
	}
	n.ok = true
	return n
}

// idAfter reports whether event id comes after last. Ids of the form
// "<ms>-<seq>" (or plain numbers) are compared as numbers; other ids can only
// be told apart from last itself.
func idAfter(id, last string) bool {
	if last == "" {
		return true
	}
	if id == last {
		return false
	}
	a, b := parseEventID(id), parseEventID(last)
	return !a.ok || !b.ok || a.after(b)
}
