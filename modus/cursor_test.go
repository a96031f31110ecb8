package modus

import (
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// feed runs ids (one connection's connection-level ids) through c and
// returns those accepted.
func feed(c *cursor, ids ...string) []string {
	var got []string
	for _, id := range ids {
		if c.accept(id) {
			got = append(got, id)
		}
	}
	return got
}

func TestCursorFirstConnection(t *testing.T) {
	c := newCursor("")
	assert.Equal(t, []string{"1-0", "1-1", "1-1"}, feed(&c, "1-0", "1-1", "1-1"), "no filter on a fresh stream")
	assert.Equal(t, "1-1", c.last)
	assert.Equal(t, 3, c.delivered)
}

func TestCursorOnlyMovesForward(t *testing.T) {
	c := newCursor("")
	feed(&c, "1-5", "1-2", "0", "")
	assert.Equal(t, "1-5", c.last, "older numeric ids and no id leave it")
	feed(&c, "2-0")
	assert.Equal(t, "2-0", c.last)
	feed(&c, "evt_x") // opaque: no order, taken as it comes
	assert.Equal(t, "evt_x", c.last)
}

func TestCursorNumericReplay(t *testing.T) {
	c := newCursor("")
	feed(&c, "1-0", "1-1")
	c.resume()
	assert.Equal(t, []string{"", "1-2", "1-2"}, feed(&c, "", "1-0", "1-1", "1-2", "1-2"),
		"an id-less event is delivered, the replay after it skipped, the filter off after the first new one")
}

func TestCursorOpaqueReplay(t *testing.T) {
	for name, tc := range map[string]struct {
		conn []string
		want []string
	}{
		"after last":                {[]string{"c", "d"}, []string{"c", "d"}},
		"from last":                 {[]string{"b", "c"}, []string{"c"}},
		"from start":                {[]string{"a", "b", "c"}, []string{"c"}},
		"id-less first, from start": {[]string{"", "a", "b", "c"}, []string{"", "c"}},
	} {
		t.Run(name, func(t *testing.T) {
			c := newCursor("")
			feed(&c, "a", "b")
			c.resume()
			assert.Equal(t, tc.want, feed(&c, tc.conn...))
		})
	}
}

func TestCursorWithoutIDs(t *testing.T) {
	c := newCursor("")
	feed(&c, "", "", "")
	c.resume()
	assert.Equal(t, []string{""}, feed(&c, "", "", "", ""), "the three delivered are skipped by count")
	assert.Equal(t, 4, c.delivered)
}

func TestCursorStartsAfterGivenID(t *testing.T) {
	c := newCursor("1-2")
	assert.Equal(t, []string{"1-3"}, feed(&c, "1-0", "1-2", "1-3"))
	assert.Equal(t, 1, c.delivered)
}

// FuzzCursorExactlyOnce plays a run of n events through connections that
// a server cuts anywhere and resumes as it likes: after the last id, from
// it, or from the run's start, each resumed connection maybe opening with
// an event without id (a heartbeat). Every event of the run must be accepted
// once, in order, with numeric and with opaque ids.
func FuzzCursorExactlyOnce(f *testing.F) {
	f.Add([]byte{5, 0, 2, 1, 2, 2, 2}, false)
	f.Add([]byte{5, 4, 1, 5, 0, 6, 3}, true)
	f.Add([]byte{9, 2, 3, 6, 3, 5, 1, 4, 0}, true)
	f.Fuzz(func(t *testing.T, data []byte, opaque bool) {
		if len(data) == 0 {
			return
		}
		n := 1 + int(data[0])%20
		ids := make([]string, n)
		for i := range ids {
			if opaque {
				ids[i] = fmt.Sprintf("evt_%x", (i*7919)%1000) // no order
			} else {
				ids[i] = fmt.Sprintf("1717000000000-%d", i)
			}
		}
		c := newCursor("")
		var got []int
		next := 0 // the server's position: the first event not yet sent
		for conn, rest := 0, data[1:]; next < n || conn == 0; conn++ {
			mode, cut := 0, n // the last connection sends all
			if len(rest) >= 2 {
				mode, cut = int(rest[0]), int(rest[1])%(n+1)
				rest = rest[2:]
			}
			start := 0
			if conn > 0 {
				c.resume()
				k := slices.Index(ids, c.last) + 1 // after the cursor; 0 if none
				switch mode % 3 {
				case 0:
					start = k
				case 1:
					start = max(k-1, 0)
				}
			}
			cid := "" // the connection-level id: the last id this connection sent
			if conn > 0 && mode&4 != 0 && c.last != "" {
				// A heartbeat without id opens a connection resumed with
				// Last-Event-ID: delivered, not one of the run's events.
				// (Before any id the cursor skips by count, which assumes
				// the server replays every event it sent, as one without
				// ids does.)
				c.accept(cid)
			}
			for i := start; i < min(start+cut, n); i++ {
				cid = ids[i]
				if c.accept(cid) {
					got = append(got, i)
				}
				next = max(next, i+1)
			}
			if conn > 3*len(data)+n {
				t.Fatal("no end")
			}
		}
		want := make([]int, n)
		for i := range want {
			want[i] = i
		}
		require.Equal(t, want, got)
	})
}

// The fast path of advance (same-length ids compared as strings) moves the
// cursor exactly as parsing both ids would.
func TestCursorSameShapeAgreesWithParse(t *testing.T) {
	ids := []string{"1717000000000-9", "1717000000000-10", "1717000000001-0", "1717000000000-19",
		"1717000000000-1a", "171700000000-19", "1717000000000019", "0017000000000-19", "1717000000000-1-",
		"1717000000000-18", "1717000000000-99", "1717000000099-00", "9", "10", "09", "1-0", "0-1", "x-1",
		"1717000000000-1", "17170000000000-9", "1717000000000--"}
	for _, last := range ids {
		for _, id := range ids {
			c := newCursor(last)
			c.accept(id)
			want := last
			if n, l := parseEventID(id), parseEventID(last); id != last && (!n.ok || !l.ok || n.after(l)) {
				want = id
			}
			assert.Equal(t, want, c.last, "last %q, then %q", last, id)
			assert.Equal(t, parseEventID(c.last), c.num(), "last %q, then %q: its number", last, id)
		}
	}
}

// FuzzCursorSameShape checks advance's fast path against parsing, for ids
// of one length (where it applies) differing anywhere.
func FuzzCursorSameShape(f *testing.F) {
	f.Add("1717000000000-19", "1717000000000-20")
	f.Add("1717000000009-99", "1717000000010-00")
	f.Add("2717000000000-19", "1717000000000-19")
	f.Add("12-3", "12-4")
	f.Fuzz(func(t *testing.T, last, id string) {
		if len(id) != len(last) || !parseEventID(last).ok {
			t.Skip()
		}
		c := newCursor(last)
		c.accept(id)
		want := last
		if n, l := parseEventID(id), parseEventID(last); id != last && (!n.ok || !l.ok || n.after(l)) {
			want = id
		}
		if c.last != want {
			t.Fatalf("last %q, then %q: cursor at %q, want %q", last, id, c.last, want)
		}
	})
}
