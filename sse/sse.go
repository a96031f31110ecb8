// Package sse decodes a text/event-stream (Server-Sent Events) as described
// by the WHATWG HTML standard. It knows nothing about the API that produces
// the stream: it turns bytes into [Event] values and reports how the stream
// ended (a clean io.EOF, a truncated event, a read error or a cancelled
// context).
package sse

import (
	"errors"
	"fmt"
	"io"
	"math"
	"time"
)

// Event is one dispatched server-sent event.
type Event struct {
	// ID is the last-event-id cursor in force when the event was
	// dispatched: the latest id field seen so far in the stream, possibly
	// from an earlier event, or "" after an empty id field reset it.
	ID string
	// Type is the event field, "message" when the event has none.
	Type string
	// Data is the data fields joined with "\n". It is owned by the caller,
	// who may modify it. The data of small events shares a block of
	// memory with other events (never overlapping, and an append
	// reallocates): the decoder's read buffer, which it never writes over
	// once it lent from it, or a slab it carves copies from. Keeping one
	// small event keeps that block alive: 4 KiB on a stream of small
	// events, at most 64 KiB.
	Data []byte
	// Retry is the reconnection time sent in this event's own block,
	// 0 if it had none. Use [Decoder.Retry] for the latest hint of the stream.
	Retry time.Duration
}

// DefaultMaxEventSize is the largest event accepted unless
// [WithMaxEventSize] says otherwise.
const DefaultMaxEventSize = 16 << 20

// ErrEventTooLarge matches, through errors.Is, the *[EventTooLargeError]
// returned for an event past the size limit.
var ErrEventTooLarge = errors.New("sse: event too large")

// ErrTruncated is returned when the stream ends, or its reader fails,
// in the middle of an event (before the blank line that ends it). The
// error also wraps the read error, or io.ErrUnexpectedEOF on a plain EOF.
var ErrTruncated = errors.New("sse: truncated event")

// EventTooLargeError reports an event whose bytes on the wire (its lines,
// without the blank line that ends it) exceed Limit. The decoder stops
// there: the event is not skipped silently.
type EventTooLargeError struct {
	Limit int
}

// Error implements the error interface.
func (e *EventTooLargeError) Error() string {
	return fmt.Sprintf("sse: event larger than %d bytes", e.Limit)
}

// Is reports whether target is [ErrEventTooLarge].
func (e *EventTooLargeError) Is(target error) bool { return target == ErrEventTooLarge }

// Option configures a [Decoder].
type Option func(*config)

type config struct {
	maxEventSize int
	// newFramer, when set, replaces the built-in framer (the tests run
	// r3labs' reader through it as an oracle).
	newFramer func(r io.Reader, max int) framer
	// smallBuf, when set, replaces the framer's small buffer size (tests).
	smallBuf int
}

// WithMaxEventSize sets the largest event, in bytes, the decoder accepts
// (default [DefaultMaxEventSize]). It also bounds the decoder's buffer.
// n <= 0 keeps the default; a size over math.MaxInt/4 counts as that much
// (the decoder sizes buffers a little over the limit).
func WithMaxEventSize(n int) Option {
	return func(c *config) {
		if n > 0 {
			c.maxEventSize = min(n, maxEventSizeCap)
		}
	}
}

// maxEventSizeCap is the largest limit WithMaxEventSize sets: buffer sizes
// computed from it cannot overflow an int.
const maxEventSizeCap = math.MaxInt / 4

func truncated(cause error) error {
	return fmt.Errorf("%w: %w", ErrTruncated, cause)
}
