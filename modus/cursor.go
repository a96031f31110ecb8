package modus

import (
	"strconv"
	"strings"
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
	last      string // id of the last event delivered with one, or the caller's Last-Event-ID
	first     string // id of the first event delivered with one
	delivered int    // events delivered
	filter    bool   // the connection may replay delivered events: its first id decides
	seekLast  bool   // opaque ids replayed from the start: skip through last
	skip      int    // events to skip on a connection resumed without an id at all
}

// newCursor starts a cursor after event last ("" for a run's start); a
// connection that resumes after last may replay it.
func newCursor(last string) cursor {
	return cursor{last: last, filter: last != ""}
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
	if id != "" && idAfter(id, c.last) {
		c.last = id
	}
	return true
}

// replayed decides whether the first events with an id of a resumed
// connection are replays; the first new one turns the filter off.
func (c *cursor) replayed(id string) bool {
	if numericID(id) && numericID(c.last) {
		if !idAfter(id, c.last) {
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

func numericID(id string) bool {
	_, _, ok := splitEventID(id)
	return ok
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
	am, as, aok := splitEventID(id)
	bm, bs, bok := splitEventID(last)
	if aok && bok {
		return am > bm || am == bm && as > bs
	}
	return true
}

func splitEventID(id string) (ms, seq uint64, ok bool) {
	a, b, cut := strings.Cut(id, "-")
	ms, err := strconv.ParseUint(a, 10, 64)
	if err != nil {
		return 0, 0, false
	}
	if cut {
		if seq, err = strconv.ParseUint(b, 10, 64); err != nil {
			return 0, 0, false
		}
	}
	return ms, seq, true
}
