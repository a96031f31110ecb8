package nullable

import (
	"encoding/json"
	"fmt"
	"testing"
)

func TestPrintsTheValue(t *testing.T) {
	for _, tc := range []struct {
		n    any
		verb string
		want string
	}{
		{NewNullableWithValue("Fiscal year"), "%v", "Fiscal year"},
		{NewNullableWithValue("Fiscal year"), "%q", `"Fiscal year"`},
		{NewNullableWithValue(42), "%5d", "   42"},
		{NewNullNullable[string](), "%v", "null"},
		{Nullable[string]{}, "%v", "<absent>"},
		{Nullable[string](nil), "%s", "<absent>"},
	} {
		if got := fmt.Sprintf(tc.verb, tc.n); got != tc.want {
			t.Errorf("Sprintf(%q) = %q, want %q", tc.verb, got, tc.want)
		}
	}
	if got := fmt.Sprint(NewNullableWithValue("x")); got != "x" {
		t.Errorf("Sprint = %q", got)
	}
}

func TestJSON(t *testing.T) {
	type body struct {
		A Nullable[string] `json:"a,omitempty"`
		B Nullable[string] `json:"b,omitempty"`
		C Nullable[string] `json:"c,omitempty"`
	}
	out, err := json.Marshal(body{A: NewNullableWithValue("x"), B: NewNullNullable[string]()})
	if err != nil || string(out) != `{"a":"x","b":null}` {
		t.Fatalf("Marshal = %s, %v", out, err)
	}
	var in body
	if err := json.Unmarshal([]byte(`{"a":"y","b":null}`), &in); err != nil {
		t.Fatal(err)
	}
	if v, err := in.A.Get(); err != nil || v != "y" || !in.B.IsNull() || in.C.IsSpecified() {
		t.Fatalf("Unmarshal: %v %v %v", in.A, in.B, in.C)
	}
	if _, err := in.B.Get(); err == nil {
		t.Fatal("Get on null: no error")
	}
}
