package sse

import (
	"bytes"
	"context"
	"errors"
	"io"
	"time"
	"unsafe"
)

// Decoder reads events from a stream. It is not safe for concurrent use;
// to stop a Next that is blocked in a read, cancel the context given to
// [NewStreamDecoder].
type Decoder struct {
	scan  *scanFramer // the framer, called directly on the hot path
	fr    framer      // another framer (the tests' oracle), when scan is nil
	first bool        // the next block is the first: strip a byte order mark
	buf   []byte      // scratch for joining data lines

	lastID string
	typ    string // last custom event type, reused to save allocations
	slab   []byte // small events' ids and data are carved from it (see carve)
	retry  time.Duration
	err    error // sticky: once set, Next returns it

	// The type and retry field of the event NextData returned last: plain
	// means "message" and none (the usual block), so the hot path writes
	// no string; else they are evType and evRetry.
	plain   bool
	evType  string
	evRetry time.Duration

	// Set by NewStreamDecoder.
	ctx        context.Context
	body       io.Closer
	stop       func() bool   // stops the context watcher
	closed     chan struct{} // closed once the watcher has closed the body
	bodyClosed bool
}

var errClosed = errors.New("sse: decoder closed")

var bom = []byte("\xEF\xBB\xBF")

// NewDecoder returns a Decoder reading from r.
func NewDecoder(r io.Reader, opts ...Option) *Decoder {
	c := config{maxEventSize: DefaultMaxEventSize}
	for _, o := range opts {
		o(&c)
	}
	if c.newFramer != nil {
		return &Decoder{fr: c.newFramer(r, c.maxEventSize), first: true}
	}
	return &Decoder{scan: newScanFramer(r, c.maxEventSize, c.smallBuf), first: true}
}

// NewStreamDecoder returns a Decoder reading from body, typically an HTTP
// response body. When ctx ends, the body is closed, which unblocks a
// pending read, and Next returns ctx.Err() (context.Canceled or
// context.DeadlineExceeded), never io.EOF. Call Close when done; it closes
// the body and stops watching ctx, so no goroutine outlives the decoder.
func NewStreamDecoder(ctx context.Context, body io.ReadCloser, opts ...Option) *Decoder {
	d := NewDecoder(body, opts...)
	d.ctx, d.body = ctx, body
	d.closed = make(chan struct{})
	d.stop = context.AfterFunc(ctx, func() {
		body.Close()
		close(d.closed)
	})
	return d
}

// Next returns the next event. It returns io.EOF only when the stream ends
// cleanly after a complete event; an event cut short is an error matching
// [ErrTruncated], an event over the limit an *[EventTooLargeError]. Once
// Next returns an error, it returns the same error again.
func (d *Decoder) Next() (Event, error) {
	id, data, err := d.NextData()
	if err != nil {
		return Event{}, err
	}
	if d.plain {
		return Event{ID: id, Type: "message", Data: data}, nil
	}
	return Event{ID: id, Type: d.evType, Data: data, Retry: d.evRetry}, nil
}

// NextData is [Decoder.Next] for callers that read only each event's id
// and data: it returns the event's ID and Data, and the same errors, without
// building an [Event]. The event's type is not returned; its retry field
// still sets [Decoder.Retry]. On a stream of small events the Event that
// Next returns costs more than the rest of the decoding.
func (d *Decoder) NextData() (id string, data []byte, err error) {
	if d.err != nil {
		return "", nil, d.err
	}
	for {
		if d.ctx != nil && d.ctx.Err() != nil {
			return "", nil, d.fail(d.ctx.Err())
		}
		var block *block
		if d.scan != nil {
			block, err = d.scan.ReadEvent()
		} else {
			block, err = d.fr.ReadEvent()
		}
		if err != nil {
			if d.ctx != nil && d.ctx.Err() != nil {
				err = d.ctx.Err() // the read failed because we closed the body
			}
			return "", nil, d.fail(err)
		}
		if d.first {
			d.first = false
			if bytes.HasPrefix(block.b, bom) {
				block.b = block.b[len(bom):]
				if block.last > 0 {
					block.last -= len(bom)
				}
			}
		}
		if id, data, ok := usualBlock(block); ok {
			d.plain = true
			data = d.own(block, id, true, data, false) // moves lastID first
			return d.lastID, data, nil
		}
		if data, ok := d.dispatch(block); ok {
			return d.lastID, data, nil
		}
	}
}

// dispatch applies one block and returns its event's data, if it makes an
// event, whose type and retry it leaves in evType and evRetry. Blocks
// without data only move the cursors. (NextData reads the usual block
// itself.)
func (d *Decoder) dispatch(b *block) ([]byte, bool) {
	// A fresh fields on the stack: zeroing the decoder's own would cost
	// write barriers on every event.
	f := &fields{buf: d.buf[:0]}
	parseBlock(b, f)
	if f.joined {
		d.buf = f.buf
	}
	var retry time.Duration
	if f.hasRetry {
		d.retry, retry = f.retry, f.retry
	}
	if !f.hasData {
		if f.hasID && string(f.id) != d.lastID {
			d.lastID = string(f.id)
		}
		return nil, false
	}
	typ := "message"
	if len(f.event) > 0 {
		if string(f.event) != d.typ {
			d.typ = string(f.event)
		}
		typ = d.typ
	}
	d.plain, d.evType, d.evRetry = false, typ, retry
	return d.own(b, f.id, f.hasID, f.data, f.joined), true
}

// usualBlock recognises the block servers usually send, "id: <id>" then
// "data: <data>" with LF endings, and returns its id and data without
// going through fields. ok is false for any other block (and for an id the
// spec ignores): parseBlock reads those.
func usualBlock(b *block) (id, data []byte, ok bool) {
	if b.lines != 2 || b.cr || b.last < len("id: ")+1 {
		return nil, nil, false
	}
	id, data = b.b[:b.last-1], b.b[b.last:]
	if string(id[:4]) != "id: " || len(data) < 6 || string(data[:6]) != "data: " || hasNUL(id[4:]) {
		return nil, nil, false
	}
	return id[4:], data[6:], true
}

// own applies the id of a block with data (if hasID, the cursor moves to
// it) and returns the data in memory of its own (joined: it lives in the
// decoder's scratch buffer).
func (d *Decoder) own(b *block, id []byte, hasID bool, data []byte, joined bool) []byte {
	if b.lent && !joined && len(data) > 0 {
		// The block's bytes stay as they are: keep them, no copy, the id
		// too (comparing it with the last one would cost more than
		// taking it).
		if hasID {
			d.lastID = unsafe.String(unsafe.SliceData(id), len(id))
		}
		return data[:len(data):len(data)]
	}
	newID := hasID && string(id) != d.lastID
	switch {
	case b.owned && !joined && 2*len(data) >= len(b.b):
		// The framer gave the block's memory away and the data is most of
		// it: keep it, no copy.
		data = data[:len(data):len(data)]
		if newID {
			d.lastID = string(id)
		}
	case newID && len(id) > 0:
		// Copy (the block lives in a buffer the next read reuses), the id
		// and the data in one piece.
		mem := d.carve(len(id) + len(data))
		copy(mem, id)
		copy(mem[len(id):], data)
		d.lastID = unsafe.String(unsafe.SliceData(mem), len(id))
		data = mem[len(id):]
	default:
		if newID {
			d.lastID = ""
		}
		mem := d.carve(len(data))
		copy(mem, data)
		data = mem
	}
	return data
}

// Slab sizes: a decoder carves small events from slabs that start at
// slabFirst bytes and double up to slabMax; an event larger than slabMax/8
// gets its own allocation.
const (
	slabFirst = 1 << 10
	slabMax   = 16 << 10
)

// carve returns n bytes of fresh memory, from the slab when n is small.
// Carving saves an allocation per event; the cost is that an event kept
// alone keeps its whole slab (at most slabMax bytes) alive. Nothing is
// ever written to a slab's carved bytes but by their event's owner, and
// each piece has its own capacity, so an append never reaches a neighbour;
// the id strings in a slab (unsafe.String) are never written to at all.
func (d *Decoder) carve(n int) []byte {
	if n == 0 {
		return []byte{}
	}
	if n > slabMax/8 {
		return make([]byte, n)
	}
	if cap(d.slab)-len(d.slab) < n {
		d.slab = make([]byte, 0, min(max(2*cap(d.slab), slabFirst, 4*n), slabMax))
	}
	k := len(d.slab)
	d.slab = d.slab[:k+n]
	return d.slab[k : k+n : k+n]
}

// LastEventID returns the last-event-id cursor: the latest id field of a
// complete block, "" if none or after an empty id field. Send it as the
// Last-Event-ID header when reconnecting.
func (d *Decoder) LastEventID() string { return d.lastID }

// Retry returns the latest reconnection time the stream sent, 0 if none.
func (d *Decoder) Retry() time.Duration { return d.retry }

// Close releases the decoder. For a decoder from [NewStreamDecoder] it
// stops watching the context and closes the body; Next then returns an
// error. Close is a no-op for a decoder from [NewDecoder] beyond that.
func (d *Decoder) Close() error {
	d.release()
	var err error
	if d.body != nil && !d.bodyClosed {
		d.bodyClosed = true
		err = d.body.Close()
	}
	if d.err == nil {
		d.err = errClosed
	}
	return err
}

func (d *Decoder) fail(err error) error {
	d.err = err
	d.release()
	return err
}

// release stops the context watcher, waiting for it if it already started
// closing the body.
func (d *Decoder) release() {
	if d.stop == nil {
		return
	}
	if !d.stop() {
		<-d.closed
		d.bodyClosed = true
	}
	d.stop = nil
}
