// Package nullable is the tri-state field of the generated code in package
// gen: absent, null or set. Package modus names it Nullable (with
// NewNullable and Null); programs never import this package.
//
// It has the API of github.com/oapi-codegen/nullable, whose type the
// generator would otherwise use (oapi-codegen.yaml's imports template points
// gen here instead), and adds what that one lacks: a Nullable prints its
// value with fmt, not the map it is made of.
package nullable

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// Nullable is a value that is absent (the zero Nullable, left out of JSON
// by omitempty), null, or set. It is a map so that omitempty can see the
// absent state: true holds the set value, false marks null.
type Nullable[T any] map[bool]T

// NewNullableWithValue returns a Nullable set to t.
func NewNullableWithValue[T any](t T) Nullable[T] {
	var n Nullable[T]
	n.Set(t)
	return n
}

// NewNullNullable returns a Nullable set to null.
func NewNullNullable[T any]() Nullable[T] {
	var n Nullable[T]
	n.SetNull()
	return n
}

// Get returns the value, or an error if it is null or absent.
func (t Nullable[T]) Get() (T, error) {
	var empty T
	if t.IsNull() {
		return empty, errors.New("value is null")
	}
	if !t.IsSpecified() {
		return empty, errors.New("value is not specified")
	}
	return t[true], nil
}

// MustGet returns the value and panics if it is null or absent.
func (t Nullable[T]) MustGet() T {
	v, err := t.Get()
	if err != nil {
		panic(err)
	}
	return v
}

// Set sets the value.
func (t *Nullable[T]) Set(value T) { *t = map[bool]T{true: value} }

// IsNull reports whether the value is null.
func (t Nullable[T]) IsNull() bool {
	_, foundNull := t[false]
	return foundNull
}

// SetNull sets the value to null.
func (t *Nullable[T]) SetNull() {
	var empty T
	*t = map[bool]T{false: empty}
}

// IsSpecified reports whether the value is null or set (not absent).
func (t Nullable[T]) IsSpecified() bool { return len(t) != 0 }

// SetUnspecified makes the value absent.
func (t *Nullable[T]) SetUnspecified() { *t = map[bool]T{} }

// MarshalJSON writes the value, or null when null or absent (omitempty
// leaves an absent field out before this is called).
func (t Nullable[T]) MarshalJSON() ([]byte, error) {
	if t.IsNull() || !t.IsSpecified() {
		return []byte("null"), nil
	}
	return json.Marshal(t[true])
}

// UnmarshalJSON reads null as null and anything else as the value.
func (t *Nullable[T]) UnmarshalJSON(data []byte) error {
	if bytes.Equal(bytes.TrimSpace(data), []byte("null")) {
		t.SetNull()
		return nil
	}
	var v T
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	t.Set(v)
	return nil
}

// Format prints the value as fmt would print T, "null" for null and
// "<absent>" for absent, whatever the verb.
func (t Nullable[T]) Format(f fmt.State, verb rune) {
	switch {
	case t.IsNull():
		fmt.Fprint(f, "null")
	case !t.IsSpecified():
		fmt.Fprint(f, "<absent>")
	default:
		fmt.Fprintf(f, fmt.FormatString(f, verb), t[true])
	}
}
