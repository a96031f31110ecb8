package modus

import (
	"testing"

	"github.com/stretchr/testify/assert"
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
