package modus

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
)

// DefaultMaxResponseSize is the largest 2xx body a unary call accepts unless
// WithMaxResponseSize says otherwise: far above any real answer, far below
// what would hurt a service that a broken proxy or server feeds endlessly.
const DefaultMaxResponseSize = 64 << 20

// errEmptyBody is the cause of the *DecodeError for an empty or null 2xx
// body where the operation returns a value.
var errEmptyBody = errors.New("empty or null body where the operation returns a value")

// call sends route r's request (build: its generated builder) and decodes its 2xx JSON body into a new
// T. A non-2xx answer is an *Error, an empty, null or undecodable 2xx body a
// *DecodeError, a body over the size limit a *ResponseTooLargeError, a
// failed exchange a *TransportError. Operations whose success carries no
// body use callNoContent. opts are the caller's per-call options, passed as
// they came.
func call[T any](ctx context.Context, c *Client, opts []Option, r route, build requestFunc) (*T, error) {
	st, err := c.state(opts)
	if err != nil {
		return nil, err
	}
	st = c.observed(st, r.body)
	var v *T
	_, err = c.transport.exec(ctx, st, &r, build, func(a answer) error {
		if t := bytes.TrimSpace(a.body); len(t) == 0 || string(t) == "null" {
			return newDecodeError(a.resp, a.body, c.transport.key, errEmptyBody)
		}
		v = new(T)
		if err := json.Unmarshal(a.body, v); err != nil {
			v = nil
			return newDecodeError(a.resp, a.body, c.transport.key, err)
		}
		return nil
	}, c.transport)
	if v == nil {
		st.endCall(nil, err) // not a typed nil in CallResult.Value
		return nil, err
	}
	st.endCall(v, err)
	return v, nil
}

// callNoContent sends a call whose success carries no body we use (DELETE,
// 204), returning only its error.
func callNoContent(ctx context.Context, c *Client, opts []Option, r route, build requestFunc) error {
	st, err := c.state(opts)
	if err != nil {
		return err
	}
	st = c.observed(st, r.body)
	_, err = c.transport.exec(ctx, st, &r, build, nil, c.transport)
	st.endCall(nil, err)
	return err
}

// state builds a call's configuration, once: the client's defaults with the
// call's options applied. A call without options gets the defaults, shared,
// so the common call allocates nothing here.
func (c *Client) state(opts []Option) (*callState, error) {
	if len(opts) == 0 {
		return c.transport.defaults, nil
	}
	cfg, err := c.config(opts)
	if err != nil {
		return nil, err
	}
	return &callState{cfg: cfg}, nil
}

// config applies a call's options to a copy of the client's defaults.
func (c *Client) config(opts []Option) (callConfig, error) {
	s := settings{call: c.transport.defaults.cfg}
	if err := s.applyOptions(opts, scopeCall); err != nil {
		return callConfig{}, err
	}
	s.call.finish(c.transport.key)
	return s.call, nil
}

// readBody reads a whole response body of at most limit bytes (else an
// error matching ErrResponseTooLarge, found before reading when
// Content-Length says so). A known length is read into one buffer of that
// size, the body's only copy before decoding. A length of 0 is taken as
// unknown unless the body is http.NoBody, as net/http makes it: a response a
// middleware builds by hand may leave ContentLength unset.
func readBody(resp *http.Response, limit int64) ([]byte, error) {
	n := resp.ContentLength
	if n > limit {
		return nil, ErrResponseTooLarge
	}
	if n > 0 || (n == 0 && resp.Body == http.NoBody) {
		// Bounded by limit: a lying Content-Length costs at most that.
		buf := make([]byte, n)
		if _, err := io.ReadFull(resp.Body, buf); err != nil {
			return nil, err
		}
		return buf, nil
	}
	return readUnknown(resp.Body, limit)
}

// readUnknown reads a body of unknown length, of at most limit bytes, into
// chunks that double in size and are never copied while reading, then joins
// them once. Memory peaks at twice the body (the chunks and the joined copy),
// and a body over the limit costs at most limit+1 bytes, where growing one
// buffer would copy it at every step and peak at 3.5 times the limit.
func readUnknown(r io.Reader, limit int64) ([]byte, error) {
	const first, most = 512, 4 << 20
	var chunks [][]byte
	var total int64
	size := int64(first)
	for {
		want := size
		if rest := limit - total; rest < want {
			want = rest + 1 // one byte over says the body is too large; no overflow for any limit
		}
		buf := make([]byte, want)
		n, err := io.ReadFull(r, buf)
		chunks = append(chunks, buf[:n])
		total += int64(n)
		if total > limit {
			return nil, ErrResponseTooLarge
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			break
		}
		if err != nil {
			return nil, err
		}
		size = min(size*2, most)
	}
	if len(chunks) == 1 {
		return chunks[0], nil
	}
	out := make([]byte, 0, total)
	for _, c := range chunks {
		out = append(out, c...)
	}
	return out, nil
}
