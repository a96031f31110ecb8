package modus

import (
	"context"
	"time"
)

// NoWaits makes c's retry and stream-reconnect waits return at once and
// records nothing; for the external tests (package modus_test), which use
// modustest and so cannot reach into the client themselves.
func NoWaits(c *Client) {
	c.retry.sleep = func(ctx context.Context, _ time.Duration) error { return ctx.Err() }
}
