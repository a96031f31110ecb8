package sse

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

// refParse is a slow, obvious version of parseFields: normalise line
// endings, split, apply the spec's field rules.
func refParse(block []byte) (id string, hasID bool, event, data string, hasData bool, retry time.Duration, hasRetry bool) {
	s := strings.ReplaceAll(strings.ReplaceAll(string(block), "\r\n", "\n"), "\r", "\n")
	var datas []string
	for _, line := range strings.Split(s, "\n") {
		if line == "" || line[0] == ':' {
			continue
		}
		name, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch name {
		case "id":
			if !strings.Contains(value, "\x00") {
				id, hasID = value, true
			}
		case "event":
			event = value
		case "data":
			datas = append(datas, value)
		case "retry":
			if d, ok := parseMillis([]byte(value)); ok {
				retry, hasRetry = d, true
			}
		}
	}
	return id, hasID, event, strings.Join(datas, "\n"), datas != nil, retry, hasRetry
}

func FuzzParseFields(f *testing.F) {
	f.Add([]byte("id: 1\ndata: a\ndata: b"))
	f.Fuzz(func(t *testing.T, blk []byte) {
		var fl fields
		parseFields(blk, &fl)
		id, hasID, event, data, hasData, retry, hasRetry := refParse(blk)
		if fl.hasID != hasID || string(fl.id) != id || string(fl.event) != event ||
			fl.hasData != hasData || string(fl.data) != data || fl.hasRetry != hasRetry || fl.retry != retry {
			t.Fatalf("parseFields(%q) = %+v, want id=%q event=%q data=%q retry=%v", blk, fl, id, event, data, retry)
		}
		if bytes.ContainsAny(fl.data, "\r") || bytes.ContainsAny(fl.id, "\r\n\x00") {
			t.Fatalf("line ending leaked: %+v", fl)
		}
		// A block as the framer hands it over (LF only, no blank line,
		// with its last line and line count): parseBlock agrees.
		if len(blk) > 0 && !bytes.ContainsRune(blk, '\r') && !bytes.Contains(blk, []byte("\n\n")) &&
			blk[0] != '\n' && blk[len(blk)-1] != '\n' {
			var fb fields
			b := block{b: blk, last: bytes.LastIndexByte(blk, '\n') + 1, lines: bytes.Count(blk, []byte("\n")) + 1}
			parseBlock(&b, &fb)
			if fb.hasID != fl.hasID || string(fb.id) != string(fl.id) || string(fb.event) != string(fl.event) ||
				fb.hasData != fl.hasData || string(fb.data) != string(fl.data) || fb.retry != fl.retry {
				t.Fatalf("parseBlock(%q) = %+v, parseFields %+v", blk, fb, fl)
			}
		}
	})
}

type outcome struct {
	events []string
	lastID string
	retry  time.Duration
	err    string // class of the final error
}

func decodeOutcome(r io.Reader, opts ...Option) outcome {
	d := NewDecoder(r, opts...)
	evs, err := readAll(d)
	o := outcome{events: fmtEvents(evs), lastID: d.LastEventID(), retry: d.Retry()}
	switch {
	case err == io.EOF:
		o.err = "eof"
	case errors.Is(err, ErrTruncated) && errors.Is(err, io.ErrUnexpectedEOF):
		o.err = "truncated"
	case errors.Is(err, ErrEventTooLarge):
		o.err = "too large"
	default:
		o.err = "other: " + err.Error()
	}
	return o
}

func FuzzDecoder(f *testing.F) {
	f.Add([]byte("id: 1\ndata: a\n\ndata: b\r\n\r\n"))
	f.Fuzz(func(t *testing.T, stream []byte) {
		for _, limit := range []int{DefaultMaxEventSize, 16} {
			want := decodeOutcome(bytes.NewReader(stream), WithMaxEventSize(limit))
			if want.err != "eof" && want.err != "truncated" && want.err != "too large" {
				t.Fatalf("unexpected end: %s", want.err)
			}
			for name, r := range map[string]io.Reader{
				"1byte": iotest.OneByteReader(bytes.NewReader(stream)),
				"half":  iotest.HalfReader(bytes.NewReader(stream)),
				"eof":   iotest.DataErrReader(bytes.NewReader(stream)),
			} {
				got := decodeOutcome(r, WithMaxEventSize(limit))
				if !equalOutcome(got, want) {
					t.Fatalf("limit %d, %s: %+v\nwhole: %+v", limit, name, got, want)
				}
			}
			// With a tiny small buffer, most blocks take the large-buffer
			// path (hand-off, size hints): same outcome.
			for _, small := range []int{1, 8, 24} {
				got := decodeOutcome(iotest.HalfReader(bytes.NewReader(stream)), WithMaxEventSize(limit), withSmallBuffer(small))
				if !equalOutcome(got, want) {
					t.Fatalf("limit %d, small buffer %d: %+v\nwhole: %+v", limit, small, got, want)
				}
			}
			checkNextData(t, stream, WithMaxEventSize(limit))
			// r3labs misreads mixed endings; without CR both framings agree.
			got := decodeOutcome(bytes.NewReader(stream), WithMaxEventSize(limit), withFraming(framingR3labs))
			if !bytes.ContainsRune(stream, '\r') && !equalOutcome(got, want) {
				t.Fatalf("limit %d, r3labs framing: %+v\nscan: %+v", limit, got, want)
			}
		}
	})
}

// checkNextData reads stream with Next and, chunked differently, with
// NextData, and fails unless both give the same ids and data, the same end
// and the same cursors.
func checkNextData(t *testing.T, stream []byte, opts ...Option) {
	t.Helper()
	a := NewDecoder(bytes.NewReader(stream), opts...)
	b := NewDecoder(iotest.HalfReader(bytes.NewReader(stream)), opts...)
	for i := 0; ; i++ {
		ev, errA := a.Next()
		id, data, errB := b.NextData()
		if errA != nil || errB != nil {
			if fmt.Sprint(errA) != fmt.Sprint(errB) {
				t.Fatalf("event %d: Next ended with %v, NextData with %v", i, errA, errB)
			}
			break
		}
		if ev.ID != id || !bytes.Equal(ev.Data, data) {
			t.Fatalf("event %d: Next gave id %q data %q, NextData id %q data %q", i, ev.ID, ev.Data, id, data)
		}
	}
	if a.LastEventID() != b.LastEventID() || a.Retry() != b.Retry() {
		t.Fatalf("cursors: Next %q %v, NextData %q %v", a.LastEventID(), a.Retry(), b.LastEventID(), b.Retry())
	}
}

// withSmallBuffer sets the framer's small buffer size.
func withSmallBuffer(n int) Option { return func(c *config) { c.smallBuf = n } }

func equalOutcome(a, b outcome) bool {
	return strings.Join(a.events, "\x01") == strings.Join(b.events, "\x01") &&
		a.lastID == b.lastID && a.retry == b.retry && a.err == b.err
}
