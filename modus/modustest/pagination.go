package modustest

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"hash/fnv"
)

// A page token holds where the next page starts and a hash of the query
// that made it, so a token cannot be replayed against a different query
// (that answers 400, as AIP-158 asks). The two numbers are sealed with an
// HMAC under a key drawn at start-up: tokens are opaque, and an edited or
// made-up token is refused like a malformed one.
const tokenMACSize = 16

var tokenKey = func() []byte {
	k := make([]byte, 32)
	_, _ = rand.Read(k)
	return k
}()

// queryHash identifies a list query by its operation and filters (never
// pageToken or pageSize, which may change between pages).
func queryHash(parts ...any) uint64 {
	h := fnv.New64a()
	b, _ := json.Marshal(parts)
	h.Write(b)
	return h.Sum64()
}

func tokenMAC(payload []byte) []byte {
	m := hmac.New(sha256.New, tokenKey)
	m.Write(payload)
	return m.Sum(nil)[:tokenMACSize]
}

func makeToken(offset int, query uint64) string {
	b := make([]byte, 16, 16+tokenMACSize)
	binary.BigEndian.PutUint64(b[:8], uint64(offset))
	binary.BigEndian.PutUint64(b[8:], query)
	return base64.RawURLEncoding.EncodeToString(append(b, tokenMAC(b)...))
}

// readToken returns the offset a token holds, or a 400 when the token is
// not one of ours or belongs to another query.
func readToken(token string, query uint64) (int, error) {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(raw) != 16+tokenMACSize || !hmac.Equal(raw[16:], tokenMAC(raw[:16])) {
		return 0, invalid("invalid pageToken")
	}
	offset := binary.BigEndian.Uint64(raw[:8])
	if binary.BigEndian.Uint64(raw[8:16]) != query {
		return 0, invalid("pageToken does not belong to this query: send the same filters as the first page")
	}
	if offset > 1<<40 {
		return 0, invalid("invalid pageToken")
	}
	return int(offset), nil
}

// pageSize is the page size a request asks for: def when size is nil or 0,
// clamped to max, a 400 when negative.
func pageSize(size *int, def, max int) (int, error) {
	switch {
	case size == nil || *size == 0:
		return def, nil
	case *size < 0:
		return 0, invalid("pageSize must be positive")
	}
	return min(*size, max), nil
}

// paginate cuts items into the page that token and size select (see
// pageSize for size, def and max).
func paginate[T any](items []T, token *string, size *int, def, max int, query uint64) ([]T, *string, error) {
	n, err := pageSize(size, def, max)
	if err != nil {
		return nil, nil, err
	}
	start := 0
	if token != nil && *token != "" {
		if start, err = readToken(*token, query); err != nil {
			return nil, nil, err
		}
	}
	start = min(start, len(items))
	end := min(start+n, len(items))
	page := items[start:end]
	if end >= len(items) {
		return page, nil, nil
	}
	return page, ptr(makeToken(end, query)), nil
}
