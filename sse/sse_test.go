package sse

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// readAll decodes everything and returns the events and the final error.
func readAll(d *Decoder) ([]Event, error) {
	var evs []Event
	for {
		ev, err := d.Next()
		if err != nil {
			return evs, err
		}
		evs = append(evs, ev)
	}
}

// feeds returns the ways the same bytes are fed in tests.
var feeds = map[string]func(string) io.Reader{
	"whole":   func(s string) io.Reader { return strings.NewReader(s) },
	"1byte":   func(s string) io.Reader { return iotest.OneByteReader(strings.NewReader(s)) },
	"half":    func(s string) io.Reader { return iotest.HalfReader(strings.NewReader(s)) },
	"dataerr": func(s string) io.Reader { return iotest.DataErrReader(strings.NewReader(s)) },
}

var framings = map[string]framing{"scan": framingScan, "r3labs": framingR3labs}

func ev(id, typ, data string) Event { return Event{ID: id, Type: typ, Data: []byte(data)} }

type decodeCase struct {
	name     string
	in       string
	want     []Event
	err      error // nil means a clean io.EOF
	lastID   string
	retry    time.Duration
	scanOnly bool // r3labs framing gets it wrong
}

var decodeCases = []decodeCase{
	{name: "empty", in: ""},
	{name: "one", in: "data: hi\n\n", want: []Event{ev("", "message", "hi")}},
	{name: "fields", in: "id: 7\nevent: token\ndata: {\"a\":1}\n\n",
		want: []Event{ev("7", "token", `{"a":1}`)}, lastID: "7"},
	{name: "multiline data", in: "data: a\ndata:b\ndata\ndata:  c\n\n",
		want: []Event{ev("", "message", "a\nb\n\n c")}},
	{name: "one space stripped", in: "data:  two\n\n", want: []Event{ev("", "message", " two")}},
	{name: "no colon is empty value", in: "data\n\n", want: []Event{ev("", "message", "")}},
	{name: "colon in value", in: "data: a:b: c\n\n", want: []Event{ev("", "message", "a:b: c")}},
	{name: "empty event is message", in: "event:\ndata: x\n\n", want: []Event{ev("", "message", "x")}},
	{name: "unknown fields ignored", in: "foo: bar\nDATA: no\ndata: yes\n\n", want: []Event{ev("", "message", "yes")}},
	{name: "id carries over", in: "id: 1\ndata: a\n\ndata: b\n\n",
		want: []Event{ev("1", "message", "a"), ev("1", "message", "b")}, lastID: "1"},
	{name: "empty id resets", in: "id: 1\ndata: a\n\nid\ndata: b\n\nid:\ndata: c\n\n",
		want: []Event{ev("1", "message", "a"), ev("", "message", "b"), ev("", "message", "c")}},
	{name: "id with NUL ignored", in: "id: 1\ndata: a\n\nid: 2\x003\ndata: b\n\n",
		want: []Event{ev("1", "message", "a"), ev("1", "message", "b")}, lastID: "1"},
	{name: "last id in block wins", in: "id: 1\nid: 2\ndata: a\n\n", want: []Event{ev("2", "message", "a")}, lastID: "2"},
	{name: "block without data moves id", in: "id: 5\n\ndata: a\n\n", want: []Event{ev("5", "message", "a")}, lastID: "5"},
	{name: "block without data not dispatched", in: "id: 5\nevent: x\n\n", lastID: "5"},
	{name: "event type does not carry over", in: "event: a\ndata: 1\n\ndata: 2\n\n",
		want: []Event{ev("", "a", "1"), ev("", "message", "2")}},
	{name: "retry", in: "retry: 1500\ndata: a\n\ndata: b\n\n",
		want:  []Event{{Type: "message", Data: []byte("a"), Retry: 1500 * time.Millisecond}, ev("", "message", "b")},
		retry: 1500 * time.Millisecond},
	{name: "retry without data", in: "retry: 20\n\n", retry: 20 * time.Millisecond},
	{name: "bad retry ignored", in: "retry: 10\n\nretry: 1.5\n\nretry: -3\n\nretry:\n\nretry: 99999999999999999999\n\nretry: 1a\n\n",
		retry: 10 * time.Millisecond},
	{name: "comments and heartbeats", in: ": hello\n\n:\n\ndata: a\n: inside\ndata: b\n\n: ping\n\n",
		want: []Event{ev("", "message", "a\nb")}},
	{name: "extra blank lines", in: "\n\n\ndata: a\n\n\n\ndata: b\n\n\n",
		want: []Event{ev("", "message", "a"), ev("", "message", "b")}},
	{name: "BOM", in: "\xEF\xBB\xBFdata: a\n\n", want: []Event{ev("", "message", "a")}},
	{name: "CRLF", in: "id: 1\r\ndata: a\r\ndata: b\r\n\r\ndata: c\r\n\r\n",
		want: []Event{ev("1", "message", "a\nb"), ev("1", "message", "c")}, lastID: "1"},
	{name: "CR", in: "id: 1\rdata: a\rdata: b\r\rdata: c\r\r",
		want: []Event{ev("1", "message", "a\nb"), ev("1", "message", "c")}, lastID: "1"},
	{name: "CR then CRLF", in: "data: a\r\r\ndata: b\n\n",
		want: []Event{ev("", "message", "a"), ev("", "message", "b")}},
	{name: "LF then CR is a blank line", in: "data: a\n\rdata: b\n\n", scanOnly: true,
		want: []Event{ev("", "message", "a"), ev("", "message", "b")}},
	{name: "NUL in data", in: "data: a\x00b\n\n", want: []Event{ev("", "message", "a\x00b")}},
	{name: "truncated line", in: "data: a\n\ndata: b", want: []Event{ev("", "message", "a")}, err: ErrTruncated},
	{name: "truncated block", in: "data: a\n\nid: 9\ndata: b\n", want: []Event{ev("", "message", "a")}, err: ErrTruncated},
	{name: "truncated CRLF", in: "data: a\r\n", err: ErrTruncated},
	{name: "trailing comment is clean", in: "data: a\n\n: bye\n", want: []Event{ev("", "message", "a")}},
	{name: "trailing CR blank line", in: "data: a\r\r", want: []Event{ev("", "message", "a")}},
}

func TestDecode(t *testing.T) {
	for _, tc := range decodeCases {
		for fname, fr := range framings {
			if tc.scanOnly && fr != framingScan {
				continue
			}
			for feed, mk := range feeds {
				t.Run(tc.name+"/"+fname+"/"+feed, func(t *testing.T) {
					d := NewDecoder(mk(tc.in), withFraming(fr))
					evs, err := readAll(d)
					if tc.err == nil {
						assert.Equal(t, io.EOF, err)
					} else {
						assert.ErrorIs(t, err, tc.err)
					}
					for i := range evs {
						if evs[i].Data == nil {
							t.Errorf("event %d: nil data", i)
						}
					}
					assert.Equal(t, fmtEvents(tc.want), fmtEvents(evs))
					assert.Equal(t, tc.lastID, d.LastEventID())
					assert.Equal(t, tc.retry, d.Retry())
				})
			}
		}
	}
}

// fmtEvents makes failures readable and ignores nil vs empty Data.
func fmtEvents(evs []Event) []string {
	var s []string
	for _, e := range evs {
		s = append(s, e.ID+"|"+e.Type+"|"+string(e.Data)+"|"+e.Retry.String())
	}
	return s
}

func TestLineEndingsAgree(t *testing.T) {
	lf := "id: 1\nevent: t\ndata: a\ndata:\ndata: b\n: c\n\nretry: 5\ndata: x\n\n"
	want, err := readAll(NewDecoder(strings.NewReader(lf)))
	require.Equal(t, io.EOF, err)
	require.Len(t, want, 2)
	for _, eol := range []string{"\r\n", "\r"} {
		got, err := readAll(NewDecoder(strings.NewReader(strings.ReplaceAll(lf, "\n", eol))))
		require.Equal(t, io.EOF, err)
		assert.Equal(t, want, got, "%q", eol)
	}
}

func TestTruncatedAfterReadError(t *testing.T) {
	boom := errors.New("boom")
	for fname, fr := range framings {
		t.Run(fname, func(t *testing.T) {
			r := io.MultiReader(strings.NewReader("data: a\n\ndata: b\n"), iotest.ErrReader(boom))
			evs, err := readAll(NewDecoder(r, withFraming(fr)))
			assert.Len(t, evs, 1)
			assert.ErrorIs(t, err, ErrTruncated)
			assert.ErrorIs(t, err, boom)

			// Nothing pending: the read error itself.
			r = io.MultiReader(strings.NewReader("data: a\n\n"), iotest.ErrReader(boom))
			evs, err = readAll(NewDecoder(r, withFraming(fr)))
			assert.Len(t, evs, 1)
			assert.Equal(t, boom, err)
		})
	}
}

func TestTruncatedAtEOF(t *testing.T) {
	_, err := readAll(NewDecoder(strings.NewReader("id: 3\ndata: a")))
	assert.ErrorIs(t, err, ErrTruncated)
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
	assert.NotErrorIs(t, err, io.EOF)
}

func TestEventTooLarge(t *testing.T) {
	big := "data: " + strings.Repeat("x", 100) + "\n\n" // 106 bytes before the blank line
	for fname, fr := range framings {
		for feed, mk := range feeds {
			t.Run(fname+"/"+feed, func(t *testing.T) {
				d := NewDecoder(mk("data: a\n\n"+big+"data: c\n\n"), WithMaxEventSize(105), withFraming(fr))
				evs, err := readAll(d)
				require.Len(t, evs, 1)
				var tl *EventTooLargeError
				require.ErrorAs(t, err, &tl)
				assert.Equal(t, 105, tl.Limit)
				assert.ErrorIs(t, err, ErrEventTooLarge)
				// Sticky: the next call says the same.
				_, err2 := d.Next()
				assert.Equal(t, err, err2)

				evs, err = readAll(NewDecoder(mk(big+big), WithMaxEventSize(106), withFraming(fr)))
				assert.Len(t, evs, 2)
				assert.Equal(t, io.EOF, err)
			})
		}
	}
}

func TestEventTooLargeNoBlankLine(t *testing.T) {
	// A huge unterminated line must not grow the buffer past the limit.
	r := io.LimitReader(infinite('x'), 1<<20)
	_, err := readAll(NewDecoder(io.MultiReader(strings.NewReader("data: "), r), WithMaxEventSize(1000)))
	assert.ErrorIs(t, err, ErrEventTooLarge)
}

type infinite byte

func (b infinite) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(b)
	}
	return len(p), nil
}

func TestErrorIsSticky(t *testing.T) {
	d := NewDecoder(strings.NewReader("data: a"))
	_, err := d.Next()
	assert.ErrorIs(t, err, ErrTruncated)
	_, err2 := d.Next()
	assert.Equal(t, err, err2)
}

func TestDataIsCopied(t *testing.T) {
	d := NewDecoder(iotest.OneByteReader(strings.NewReader("data: aaaa\n\ndata: bbbb\n\n")))
	e1, err := d.Next()
	require.NoError(t, err)
	_, err = d.Next()
	require.NoError(t, err)
	assert.Equal(t, "aaaa", string(e1.Data))
}

// pipeBody is an io.Pipe as a response body.
func pipeBody() (*io.PipeReader, *io.PipeWriter) { return io.Pipe() }

func TestCancelMidRead(t *testing.T) {
	defer goleak.VerifyNone(t)
	pr, pw := pipeBody()
	ctx, cancel := context.WithCancel(context.Background())
	d := NewStreamDecoder(ctx, pr)
	go func() { _, _ = pw.Write([]byte("data: a\n\ndata: par")) }()
	e, err := d.Next()
	require.NoError(t, err)
	assert.Equal(t, "a", string(e.Data))

	time.AfterFunc(20*time.Millisecond, cancel)
	_, err = d.Next() // blocks in Read until the body is closed
	assert.Equal(t, context.Canceled, err)
	_, err = d.Next()
	assert.Equal(t, context.Canceled, err)
	require.NoError(t, d.Close())
	_, err = pw.Write([]byte("x"))
	assert.ErrorIs(t, err, io.ErrClosedPipe, "body closed")
}

func TestDeadline(t *testing.T) {
	defer goleak.VerifyNone(t)
	pr, pw := pipeBody()
	defer pw.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	d := NewStreamDecoder(ctx, pr)
	defer d.Close()
	_, err := d.Next()
	assert.Equal(t, context.DeadlineExceeded, err)
}

func TestStreamCleanEOF(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx, cancel := context.WithCancel(context.Background())
	body := &closeCounter{Reader: strings.NewReader("data: a\n\n")}
	d := NewStreamDecoder(ctx, body)
	evs, err := readAll(d)
	assert.Len(t, evs, 1)
	assert.Equal(t, io.EOF, err)
	cancel() // after the end: changes nothing
	_, err = d.Next()
	assert.Equal(t, io.EOF, err)
	require.NoError(t, d.Close())
	require.NoError(t, d.Close())
	assert.Equal(t, 1, body.closes)
}

func TestCloseBeforeCancel(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	body := &closeCounter{Reader: strings.NewReader("data: a\n\n")}
	d := NewStreamDecoder(ctx, body)
	require.NoError(t, d.Close())
	cancel()
	_, err := d.Next()
	assert.Error(t, err)
	assert.Equal(t, 1, body.closes)
}

type closeCounter struct {
	io.Reader
	closes int
}

func (c *closeCounter) Close() error { c.closes++; return nil }

func TestCancelHTTP(t *testing.T) {
	defer goleak.VerifyNone(t)
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, "id: 1\ndata: a\n\n")
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	tr := &http.Transport{}
	defer func() { close(release); srv.Close(); tr.CloseIdleConnections() }()

	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, srv.URL, nil)
	require.NoError(t, err)
	resp, err := (&http.Client{Transport: tr}).Do(req)
	require.NoError(t, err)
	d := NewStreamDecoder(ctx, resp.Body)
	defer d.Close()
	e, err := d.Next()
	require.NoError(t, err)
	assert.Equal(t, "1", e.ID)
	time.AfterFunc(20*time.Millisecond, cancel)
	_, err = d.Next()
	assert.Equal(t, context.Canceled, err)
}

func TestParseFields(t *testing.T) {
	var f fields
	parseFields([]byte("id: 1\r\nevent: e\rdata: a\ndata: b\nretry: 7\n:c"), &f)
	assert.Equal(t, "1", string(f.id))
	assert.Equal(t, "e", string(f.event))
	assert.Equal(t, "a\nb", string(f.data))
	assert.Equal(t, 7*time.Millisecond, f.retry)
	assert.True(t, bytes.Equal(f.buf, f.data))
}

// hasNUL looks at 8 bytes at a time: a NUL at any place of an id of any
// length is found, and bytes next to 0 (1, 0x80, 0xff) are not taken for it.
func TestHasNUL(t *testing.T) {
	for n := range 80 {
		b := make([]byte, n)
		for i := range b {
			b[i] = []byte{0x01, 0x80, 0xff}[i%3]
		}
		require.False(t, hasNUL(b), "len %d without NUL", n)
		for i := range n {
			c := slices.Clone(b)
			c[i] = 0
			require.True(t, hasNUL(c), "len %d, NUL at %d", n, i)
		}
	}
}

// Small blocks are lent to their events instead of copied: events kept by
// the caller stay intact however the framer reads on (buffer refills, a
// large block in between, reads of any size), and writing to one event's
// data changes no other event.
func TestLentEventsStayIntact(t *testing.T) {
	var s strings.Builder
	var want []Event
	for i := range 600 {
		data := fmt.Sprintf(`{"n":%d}`, i)
		if i == 300 {
			data = strings.Repeat("L", 200<<10) // through a large buffer and back
		}
		id := fmt.Sprintf("1-%d", i)
		if i%7 == 3 {
			id = want[len(want)-1].ID // no id line: the cursor stays
			fmt.Fprintf(&s, "data: %s\n\n", data)
		} else {
			fmt.Fprintf(&s, "id: %s\ndata: %s\n\n", id, data)
		}
		want = append(want, Event{ID: id, Type: "message", Data: []byte(data)})
	}
	for _, n := range []int{1, 7, 100, 4 << 10, 64 << 10} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			d := NewDecoder(&chunkReader{s: s.String(), n: n})
			var got []Event
			for {
				ev, err := d.Next()
				if err == io.EOF {
					break
				}
				require.NoError(t, err)
				got = append(got, ev)
				ev.Data[0] = '#' // the caller's bytes: no other event sees this
			}
			require.Len(t, got, len(want))
			for i := range got {
				got[i].Data[0] = want[i].Data[0]
				require.Equal(t, want[i], got[i], "event %d", i)
			}
		})
	}
}

// A limit as large as an int holds decodes as any other (buffer sizes
// derived from it once overflowed).
func TestHugeMaxEventSize(t *testing.T) {
	d := NewDecoder(strings.NewReader("id: 1\ndata: x\n\ndata: y\n\n"), WithMaxEventSize(math.MaxInt))
	evs, err := readAll(d)
	require.ErrorIs(t, err, io.EOF)
	assert.Equal(t, []string{"1|message|x|0s", "1|message|y|0s"}, fmtEvents(evs))
}
