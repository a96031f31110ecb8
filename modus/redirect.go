package modus

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// maxRedirects is net/http's default limit, kept when the caller's
// http.Client has no CheckRedirect of its own.
const maxRedirects = 10

// withRedirectPolicy returns a shallow copy of hc whose CheckRedirect first
// drops the Authorization header on a redirect to another origin (scheme,
// host or port: net/http itself compares host names only, so it would send
// the key to another port, over plain http, or to a subdomain), then applies
// the caller's own CheckRedirect, or net/http's default limit. An error from
// either is marked so that the retry loop does not send the request again.
func withRedirectPolicy(hc *http.Client) *http.Client {
	c := *hc
	next := hc.CheckRedirect
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) > 0 && !sameOrigin(req.URL, via[0].URL) {
			req.Header.Del("Authorization")
		}
		var err error
		switch {
		case next != nil:
			err = next(req, via)
		case len(via) >= maxRedirects:
			err = fmt.Errorf("stopped after %d redirects", maxRedirects)
		}
		if err != nil && !errors.Is(err, http.ErrUseLastResponse) {
			return &redirectError{err}
		}
		return err
	}
	return &c
}

// sameOrigin compares scheme, host and port (default ports made explicit).
func sameOrigin(a, b *url.URL) bool {
	return strings.EqualFold(a.Scheme, b.Scheme) && strings.EqualFold(a.Hostname(), b.Hostname()) &&
		portOf(a) == portOf(b)
}

func portOf(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if strings.EqualFold(u.Scheme, "https") {
		return "443"
	}
	return "80"
}
