package modus

import (
	"context"
	"net/http"
)

// do and doNoContent send a request a test builds by hand (rawRequest), as
// a call site sends its route, without an operation descriptor.
func do[T any](ctx context.Context, c *Client, opts []Option, build requestFunc) (*T, error) {
	return call[T](ctx, c, opts, route{}, build)
}

func doNoContent(ctx context.Context, c *Client, opts []Option, build requestFunc) error {
	return callNoContent(ctx, c, opts, route{}, build)
}

// open sends a hand-built request with state st to server (the API or the
// agent host), returning its 2xx response.
func (c *Client) open(ctx context.Context, st *callState, server string, build requestFunc) (*http.Response, error) {
	r := route{agent: server == c.agentServer}
	a, err := c.transport.exec(ctx, st, &r, build, nil, c.transport)
	if err != nil {
		return nil, err
	}
	return a.resp, nil
}
