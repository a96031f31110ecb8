package specupdate

import (
	"fmt"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// badExample is an example that contradicts its schema.
type badExample struct {
	Pointer string // JSON pointer to the example in the spec
	Err     string // the first thing that does not match
}

// badExamples checks every example of doc (schemas, parameters, request and
// response bodies) against its schema, as kin-openapi's example validation
// does, and lists those that fail instead of stopping at the first.
func badExamples(doc *openapi3.T) []badExample {
	var out []badExample
	check := func(pointer string, value any, schema *openapi3.SchemaRef, opts ...openapi3.SchemaValidationOption) {
		if value == nil || schema == nil || schema.Value == nil {
			return
		}
		if err := schema.Value.VisitJSON(value, opts...); err != nil {
			msg, _, _ := strings.Cut(err.Error(), "\nSchema:")
			msg, _, _ = strings.Cut(msg, "Schema:")
			msg = strings.Join(strings.Fields(msg), " ")
			if len(msg) > 300 {
				msg = msg[:297] + "..."
			}
			out = append(out, badExample{pointer, msg})
		}
	}
	var walkSchema func(pointer string, s *openapi3.SchemaRef, depth int)
	walkSchema = func(pointer string, s *openapi3.SchemaRef, depth int) {
		if s == nil || s.Value == nil || s.Ref != "" || depth > 20 {
			return
		}
		check(pointer+"/example", s.Value.Example, s)
		for name, p := range s.Value.Properties {
			walkSchema(pointer+"/properties/"+esc(name), p, depth+1)
		}
		walkSchema(pointer+"/items", s.Value.Items, depth+1)
		for i, sub := range s.Value.AllOf {
			walkSchema(fmt.Sprintf("%s/allOf/%d", pointer, i), sub, depth+1)
		}
	}
	if doc.Components != nil {
		for name, s := range doc.Components.Schemas {
			walkSchema("/components/schemas/"+esc(name), s, 0)
		}
	}
	content := func(pointer string, c openapi3.Content, opts ...openapi3.SchemaValidationOption) {
		for mt, m := range c {
			if m == nil {
				continue
			}
			at := pointer + "/content/" + esc(mt)
			check(at+"/example", m.Example, m.Schema, opts...)
			for name, ex := range m.Examples {
				if ex != nil && ex.Ref == "" && ex.Value != nil {
					check(at+"/examples/"+esc(name)+"/value", ex.Value.Value, m.Schema, opts...)
				}
			}
		}
	}
	if doc.Paths != nil {
		for path, item := range doc.Paths.Map() {
			for method, op := range item.Operations() {
				at := "/paths/" + esc(path) + "/" + strings.ToLower(method)
				for i, p := range op.Parameters {
					if p != nil && p.Ref == "" && p.Value != nil {
						check(fmt.Sprintf("%s/parameters/%d/example", at, i), p.Value.Example, p.Value.Schema, openapi3.VisitAsRequest())
					}
				}
				if rb := op.RequestBody; rb != nil && rb.Ref == "" && rb.Value != nil {
					content(at+"/requestBody", rb.Value.Content, openapi3.VisitAsRequest())
				}
				if op.Responses != nil {
					for code, r := range op.Responses.Map() {
						if r != nil && r.Ref == "" && r.Value != nil {
							content(at+"/responses/"+esc(code), r.Value.Content, openapi3.VisitAsResponse())
						}
					}
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Pointer < out[j].Pointer })
	return out
}

// esc escapes a JSON pointer token.
func esc(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}
