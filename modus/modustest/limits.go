package modustest

import (
	"bytes"
	"errors"
	"io"
	"math"
	"net/http"
	"regexp"
	"strconv"
)

// MaxRequestBodySize is the largest request body the fake accepts, in
// bytes. A larger one is answered 413 in the API's error shape, without
// being read: at once when Content-Length announces it, else as soon as
// the limit is crossed.
const MaxRequestBodySize = 8 << 20

// numericParam is an integer query parameter of the spec and the largest
// value the fake accepts. Values beyond what the handlers can compute with
// (a legacy page number times the page size, an offset) would otherwise
// wrap around instead of failing.
type numericParam struct {
	name string
	path *regexp.Regexp // the operations that declare it
	max  int64
}

// numericParams lists the integer query parameters of openapi.json (a
// test checks the list against it).
var numericParams = []numericParam{
	{"page", regexp.MustCompile(`^/api/v1/skills/[^/]+/conversations$`), math.MaxInt32},
	{"offset", regexp.MustCompile(`^/api/v1/context/items/[^/]+/values$`), math.MaxInt32},
	{"limit", regexp.MustCompile(`^/api/v1/skills/[^/]+/memories$`), math.MaxInt32},
	{"pageSize", regexp.MustCompile(`^/api/v1/(agents|agents/[^/]+/runs|connections|context/items|context/items/[^/]+/values|skills|skills/[^/]+/conversations|skills/[^/]+/memories)$`), math.MaxInt32},
	{"managerId", regexp.MustCompile(`^/api/v1/skills$`), math.MaxInt64},
}

// readBody reads r's body into memory, at most MaxRequestBodySize+1 bytes
// of it, and leaves r.Body reading the bytes read. size is the body's
// size, more than MaxRequestBodySize for one that is too large: a body
// whose Content-Length says so is not read at all.
func readBody(r *http.Request) (body []byte, size int, err error) {
	if r.ContentLength > MaxRequestBodySize {
		return nil, int(min(r.ContentLength, math.MaxInt32)), nil
	}
	if r.Body == nil || r.Body == http.NoBody {
		return nil, 0, nil
	}
	body, err = io.ReadAll(io.LimitReader(r.Body, MaxRequestBodySize+1))
	r.Body = io.NopCloser(bytes.NewReader(body))
	return body, len(body), err
}

// checkRequest applies the limits every operation shares before the
// router sees the request: the body size (read by readBody), and integer
// query parameters that do not fit. It answers nil when the request may
// go on.
func checkRequest(r *http.Request, bodySize int) *apiError {
	if bodySize > MaxRequestBodySize {
		return tooLarge()
	}
	q := r.URL.Query()
	for _, p := range numericParams {
		v, ok := q[p.name]
		if !ok || !p.path.MatchString(r.URL.Path) {
			continue
		}
		for _, s := range v {
			n, err := strconv.ParseInt(s, 10, 64)
			var ne *strconv.NumError
			switch {
			case errors.As(err, &ne) && errors.Is(ne.Err, strconv.ErrRange), err == nil && n > p.max:
				return invalid("%s=%s is too large: at most %d", p.name, s, p.max)
			case err != nil:
				return invalid("%s must be a whole number, got %q", p.name, s)
			}
		}
	}
	return nil
}

// requestError is the answer to a request the generated code could not
// decode: a 400 (a body over MaxRequestBodySize never gets there).
func requestError(err error) *apiError {
	return badRequest("%v", err)
}

// tooLarge is the API's error shape for a 413 (the API lists no code of
// its own for it: that of a 400, BAD_REQUEST, INVALID_ARGUMENT).
func tooLarge() *apiError {
	e := badRequest("request body larger than %d bytes", MaxRequestBodySize)
	e.status = http.StatusRequestEntityTooLarge
	return e
}
