package modustest

import (
	"encoding/base64"
	"encoding/json"
	"hash/fnv"

	"github.com/oapi-codegen/nullable"
)

// pageToken is what an opaque AIP-158 token holds: where the next page starts
// and a hash of the query that made it, so a token cannot be replayed
// against a different query (that answers 400, as AIP-158 asks).
type pageToken struct {
	Offset int    `json:"o"`
	Query  uint64 `json:"q"`
}

// queryHash identifies a list query by its operation and filters (never
// pageToken or pageSize, which may change between pages).
func queryHash(parts ...any) uint64 {
	h := fnv.New64a()
	b, _ := json.Marshal(parts)
	h.Write(b)
	return h.Sum64()
}

// paginate cuts items into the page that token and size select.
// size 0 or nil means def; larger than max is clamped; negative is a 400.
func paginate[T any](items []T, token *string, size *int, def, max int, query uint64) ([]T, nullable.Nullable[string], error) {
	n := def
	if size != nil {
		switch {
		case *size < 0:
			return nil, nullable.Nullable[string]{}, invalid("pageSize must be positive")
		case *size > max:
			n = max
		case *size > 0:
			n = *size
		}
	}
	start := 0
	if token != nil && *token != "" {
		raw, err := base64.RawURLEncoding.DecodeString(*token)
		var pt pageToken
		if err == nil {
			err = json.Unmarshal(raw, &pt)
		}
		if err != nil || pt.Offset < 0 {
			return nil, nullable.Nullable[string]{}, invalid("invalid pageToken")
		}
		if pt.Query != query {
			return nil, nullable.Nullable[string]{}, invalid("pageToken does not belong to this query: send the same filters as the first page")
		}
		start = pt.Offset
	}
	if start > len(items) {
		start = len(items)
	}
	end := min(start+n, len(items))
	page := items[start:end]
	if end >= len(items) {
		return page, nullable.NewNullNullable[string](), nil
	}
	return page, nullable.NewNullableWithValue(makeToken(end, query)), nil
}

func makeToken(offset int, query uint64) string {
	b, _ := json.Marshal(pageToken{Offset: offset, Query: query})
	return base64.RawURLEncoding.EncodeToString(b)
}

// intPtr converts an int64 page size to the int paginate wants.
func intPtr(p *int64) *int {
	if p == nil {
		return nil
	}
	v := int(*p)
	if int64(v) != *p {
		v = 1 << 30
	}
	return &v
}
