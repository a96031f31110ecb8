package modus

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/modus-data/modus-sdk-go/gen"
)

// sendFunc sends one request of a generated raw-client method, with its
// arguments already bound, for example
//
//	func(ctx context.Context, eds ...gen.RequestEditorFn) (*http.Response, error) {
//		return c.api.GetAgent(ctx, id, eds...)
//	}
//
// A method without arguments besides ctx is a sendFunc as it is
// (c.api.DeleteOrganization). send must pass editors on to the generated
// method: they carry the call's headers and idempotency key.
type sendFunc func(ctx context.Context, editors ...gen.RequestEditorFn) (*http.Response, error)

// maxBodyPrealloc bounds the buffer allocated up front from Content-Length.
const maxBodyPrealloc = 8 << 20

// do sends a call and decodes its 2xx JSON body into a new T. A non-2xx
// answer is an *Error, an undecodable 2xx body a *DecodeError, a failed
// exchange a *TransportError; an empty 2xx body (204) gives the zero T.
// opts are the caller's per-call options, passed as they came.
func do[T any](ctx context.Context, c *Client, opts []Option, send sendFunc) (*T, error) {
	resp, err := c.open(ctx, opts, send)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := readBody(resp)
	if err != nil {
		return nil, newTransportError(resp.Request, err)
	}
	v := new(T)
	if len(bytes.TrimSpace(body)) == 0 {
		return v, nil
	}
	if err := json.Unmarshal(body, v); err != nil {
		return nil, newDecodeError(resp, body, err)
	}
	return v, nil
}

// doNoContent sends a call whose success carries no body we use (DELETE,
// 204), returning only its error.
func doNoContent(ctx context.Context, c *Client, opts []Option, send sendFunc) error {
	resp, err := c.open(ctx, opts, send)
	if err != nil {
		return err
	}
	discard(resp)
	return nil
}

// open sends a call and returns its 2xx response with the body unread, for
// streams and for do. The caller must close the body. Any other answer
// becomes an *Error (its body read and closed here).
func (c *Client) open(ctx context.Context, opts []Option, send sendFunc) (*http.Response, error) {
	ctx, editors, err := c.callContext(ctx, opts)
	if err != nil {
		return nil, err
	}
	resp, err := send(ctx, editors...)
	if err != nil {
		var te *TransportError
		if errors.As(err, &te) {
			return nil, err
		}
		// Building the request failed (bad parameter, editor error).
		return nil, fmt.Errorf("modus: cannot send request: %w", err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		e := newError(resp)
		discard(resp)
		return nil, e
	}
	return resp, nil
}

// callContext applies a call's options: the returned context carries the
// call's settings to the retrying transport, and the editors (pass them to
// the generated method) set its headers and idempotency key. Without options
// it returns ctx and no editors, so the common call allocates nothing here.
func (c *Client) callContext(ctx context.Context, opts []Option) (context.Context, []gen.RequestEditorFn, error) {
	if len(opts) == 0 {
		return ctx, nil, nil
	}
	s := settings{call: c.defaults}
	if err := s.applyOptions(opts, scopeCall); err != nil {
		return ctx, nil, err
	}
	cfg := &s.call
	edit := func(_ context.Context, req *http.Request) error {
		if s.headersOwned {
			for k, v := range cfg.headers {
				req.Header[k] = v
			}
		}
		if cfg.idempotencyKey != "" {
			req.Header.Set("Idempotency-Key", cfg.idempotencyKey)
		}
		return nil
	}
	return context.WithValue(ctx, callKey{}, cfg), []gen.RequestEditorFn{edit}, nil
}

// readBody reads a whole response body, sizing the buffer from
// Content-Length when it is known (one allocation instead of io.ReadAll's
// doubling).
func readBody(resp *http.Response) ([]byte, error) {
	if n := resp.ContentLength; n > 0 && n <= maxBodyPrealloc {
		buf := make([]byte, n)
		if _, err := io.ReadFull(resp.Body, buf); err != nil {
			return nil, err
		}
		return buf, nil
	}
	return io.ReadAll(resp.Body)
}
