package specupdate

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/oasdiff/oasdiff/checker"
	"github.com/oasdiff/oasdiff/diff"
	"github.com/oasdiff/oasdiff/load"
)

// Change is one difference oasdiff found.
type Change struct {
	Level     string // "error", "warning" or "info"
	ID        string // oasdiff's rule id, such as "api-removed-without-deprecation"
	Operation string // HTTP method
	Path      string
	Text      string
}

// oasdiffChanges lists what oasdiff's checks find between two documents.
func oasdiffChanges(base, revision *openapi3.T, baseSrc, revisionSrc string) ([]Change, error) {
	d, sources, err := diff.GetWithOperationsSourcesMap(diff.NewConfig(),
		&load.SpecInfo{Spec: base, Source: load.NewSource(baseSrc)},
		&load.SpecInfo{Spec: revision, Source: load.NewSource(revisionSrc)})
	if err != nil {
		return nil, fmt.Errorf("oasdiff: %w", err)
	}
	changes := checker.CheckBackwardCompatibilityUntilLevel(checker.NewConfig(checker.GetAllChecks()), d, sources, checker.INFO)
	localize := checker.NewDefaultLocalizer()
	var out []Change
	for _, c := range changes {
		out = append(out, Change{Level: c.GetLevel().String(), ID: c.GetId(), Operation: c.GetOperation(), Path: c.GetPath(), Text: c.GetUncolorizedText(localize)})
	}
	return out, nil
}

// Group is one change as published, with every operation it shows up on.
type Group struct {
	Level, ID, Text string
	Operations      []string // "GET /api/v1/agents", sorted, distinct
	Values          []string // enum values, when the change is one per value
	// ForGo is true when the change is breaking for Go code, that is once
	// the overlay's pins are applied; a published change the pins absorb
	// (a format dropped, integer written as number) is not.
	ForGo bool
}

// statusWords are the parts of oasdiff's texts that repeat a change per
// response status or media type.
var statusWords = regexp.MustCompile("( (with|for) (the )?(response )?status [`']?[0-9Xx]{3}[`']?| (with|for) the( response)? [`'][0-9Xx]{3}[`']( response)? status| (for|of) the [`'][^`']+[`'] media type)")

// enumValue finds the value in a per-value enum change ("the `X` enum value");
// the values of one property fold into one line.
var enumValue = regexp.MustCompile("`([^`]+)` enum value")

const valuesMark = "\x00values\x00"

// groupChanges folds changes that read the same once the status and media
// type are left out, counting the operations they concern. goBreaking holds
// the rule id, method, path and text of each change breaking for Go.
func groupChanges(changes []Change, goBreaking map[string]bool) []Group {
	byKey := map[string]*Group{}
	var order []string
	for _, c := range changes {
		text := statusWords.ReplaceAllString(c.Text, "")
		var value string
		if m := enumValue.FindStringSubmatch(text); m != nil {
			value = m[1]
			text = strings.Replace(text, m[0], valuesMark+" enum value(s)", 1)
		}
		key := c.Level + "\x00" + c.ID + "\x00" + text
		g, ok := byKey[key]
		if !ok {
			g = &Group{Level: c.Level, ID: c.ID, Text: text}
			byKey[key] = g
			order = append(order, key)
		}
		if value != "" && !contains(g.Values, value) {
			g.Values = append(g.Values, value)
		}
		if op := strings.TrimSpace(c.Operation + " " + c.Path); op != "" && !contains(g.Operations, op) {
			g.Operations = append(g.Operations, op)
		}
		if goBreaking[c.ID+" "+c.Operation+" "+c.Path+" "+c.Text] {
			g.ForGo = true
		}
	}
	out := make([]Group, 0, len(order))
	for _, k := range order {
		g := byKey[k]
		sort.Strings(g.Operations)
		if len(g.Values) > 0 {
			g.Text = strings.Replace(g.Text, valuesMark, "`"+strings.Join(g.Values, "`, `")+"`", 1)
		}
		out = append(out, *g)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].ForGo != out[j].ForGo {
			return out[i].ForGo
		}
		if out[i].Level != out[j].Level {
			return levelRank(out[i].Level) < levelRank(out[j].Level)
		}
		return len(out[i].Operations) > len(out[j].Operations)
	})
	return out
}

func levelRank(l string) int {
	switch l {
	case "error":
		return 0
	case "warning":
		return 1
	}
	return 2
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// SchemaChange is a change of one component schema or one of its fields, as
// published, with the number of operations that use the schema.
type SchemaChange struct {
	Schema, Field, What string
	Operations          int
}

// String reads "AgentDto.lastRunAt: new optional field, 9 operations".
func (c SchemaChange) String() string {
	name := c.Schema
	if c.Field != "" {
		name += "." + c.Field
	}
	ops := fmt.Sprintf("%d operations", c.Operations)
	switch c.Operations {
	case 0:
		ops = "no operation refers to it (a stream event, or a type only some schemas name)"
	case 1:
		ops = "1 operation"
	}
	return fmt.Sprintf("`%s`: %s, %s", name, c.What, ops)
}

// schemaChanges compares the component schemas of two published documents
// (generic JSON): schemas and fields added or removed, types, formats,
// nullability, required flags and enum values. It sees what oasdiff does
// not: schemas no operation reaches (stream events, enums).
func schemaChanges(old, cur map[string]any) []SchemaChange {
	oldS, newS := schemas(old), schemas(cur)
	oldUse, newUse := usage(old), usage(cur)
	var out []SchemaChange
	add := func(schema, field, what string, uses map[string]int) {
		out = append(out, SchemaChange{schema, field, what, uses[schema]})
	}
	for _, name := range sortedKeys(newS) {
		o, ok := oldS[name]
		if !ok {
			add(name, "", "new schema", newUse)
			continue
		}
		n := newS[name]
		for _, what := range valueChanges(o, n) {
			add(name, "", what, newUse)
		}
		oldP, newP := props(o), props(n)
		oldReq, newReq := required(o), required(n)
		for _, f := range sortedKeys(newP) {
			op, had := oldP[f]
			switch {
			case !had && newReq[f]:
				add(name, f, "new required field", newUse)
			case !had:
				add(name, f, "new optional field", newUse)
			default:
				if newReq[f] != oldReq[f] {
					add(name, f, map[bool]string{true: "became required", false: "became optional"}[newReq[f]], newUse)
				}
				for _, what := range valueChanges(op, newP[f]) {
					add(name, f, what, newUse)
				}
			}
		}
		for _, f := range sortedKeys(oldP) {
			if _, ok := newP[f]; !ok {
				add(name, f, "field removed", newUse)
			}
		}
	}
	for _, name := range sortedKeys(oldS) {
		if _, ok := newS[name]; !ok {
			add(name, "", "schema removed", oldUse)
		}
	}
	return out
}

// valueChanges compares what a schema says of one value: type, format,
// nullable, reference and enum.
func valueChanges(o, n map[string]any) []string {
	var out []string
	if ot, nt := typeOf(o), typeOf(n); ot != nt {
		out = append(out, fmt.Sprintf("type %s → %s", ot, nt))
	}
	if of, nf := str(o["format"]), str(n["format"]); of != nf && typeOf(o) == typeOf(n) {
		out = append(out, fmt.Sprintf("format %q → %q", of, nf))
	}
	if on, nn := o["nullable"] == true, n["nullable"] == true; on != nn {
		out = append(out, map[bool]string{true: "became nullable", false: "no longer nullable"}[nn])
	}
	oe, ne := enum(o), enum(n)
	for _, v := range ne {
		if !contains(oe, v) {
			out = append(out, "new enum value "+v)
		}
	}
	for _, v := range oe {
		if !contains(ne, v) {
			out = append(out, "enum value removed "+v)
		}
	}
	return out
}

// typeOf is a schema's type, or the schema it refers to, or its items'.
func typeOf(s map[string]any) string {
	if r := str(s["$ref"]); r != "" {
		return strings.TrimPrefix(r, "#/components/schemas/")
	}
	if list, ok := s["allOf"].([]any); ok && len(list) == 1 {
		m, _ := list[0].(map[string]any) // allOf: [$ref] is how the feed writes a described reference
		return typeOf(m)
	}
	for _, k := range []string{"allOf", "anyOf", "oneOf"} {
		if list, ok := s[k].([]any); ok && len(list) > 0 {
			var parts []string
			for _, x := range list {
				m, _ := x.(map[string]any)
				parts = append(parts, typeOf(m))
			}
			return k + "(" + strings.Join(parts, ",") + ")"
		}
	}
	t := str(s["type"])
	if t == "array" {
		items, _ := s["items"].(map[string]any)
		return "array of " + typeOf(items)
	}
	return t
}

func str(v any) string { s, _ := v.(string); return s }

func enum(s map[string]any) []string {
	var out []string
	list, _ := s["enum"].([]any)
	if list == nil {
		if items, ok := s["items"].(map[string]any); ok {
			list, _ = items["enum"].([]any)
		}
	}
	for _, v := range list {
		b, _ := json.Marshal(v)
		out = append(out, string(b))
	}
	return out
}

func schemas(doc map[string]any) map[string]map[string]any {
	comps, _ := doc["components"].(map[string]any)
	raw, _ := comps["schemas"].(map[string]any)
	out := map[string]map[string]any{}
	for k, v := range raw {
		if m, ok := v.(map[string]any); ok {
			out[k] = m
		}
	}
	return out
}

func props(s map[string]any) map[string]map[string]any {
	raw, _ := s["properties"].(map[string]any)
	out := map[string]map[string]any{}
	for k, v := range raw {
		if m, ok := v.(map[string]any); ok {
			out[k] = m
		}
	}
	return out
}

func required(s map[string]any) map[string]bool {
	out := map[string]bool{}
	list, _ := s["required"].([]any)
	for _, v := range list {
		if name, ok := v.(string); ok {
			out[name] = true
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// usage counts, for each component schema, the operations that reach it
// through their parameters, bodies and responses ($refs followed).
func usage(doc map[string]any) map[string]int {
	all := schemas(doc)
	refsOf := map[string][]string{}
	for name, s := range all {
		refsOf[name] = refs(s, nil)
	}
	out := map[string]int{}
	paths, _ := doc["paths"].(map[string]any)
	for _, item := range paths {
		m, _ := item.(map[string]any)
		for method, op := range m {
			if !httpMethod[method] {
				continue
			}
			seen := map[string]bool{}
			var visit func(name string)
			visit = func(name string) {
				if seen[name] {
					return
				}
				seen[name] = true
				out[name]++
				for _, r := range refsOf[name] {
					visit(r)
				}
			}
			for _, r := range refs(op, nil) {
				visit(r)
			}
		}
	}
	return out
}

var httpMethod = map[string]bool{"get": true, "put": true, "post": true, "delete": true, "options": true, "head": true, "patch": true, "trace": true}

// refs lists the component schemas v refers to directly.
func refs(v any, out []string) []string {
	switch x := v.(type) {
	case map[string]any:
		if r, ok := x["$ref"].(string); ok {
			if name, ok := strings.CutPrefix(r, "#/components/schemas/"); ok {
				out = append(out, name)
			}
		}
		for _, c := range x {
			out = refs(c, out)
		}
	case []any:
		for _, c := range x {
			out = refs(c, out)
		}
	}
	return out
}

// opChange is an operation added or removed, as published.
type opChange struct {
	Method, Path, GoName string
	Facade, Fake, Listed bool // the SDK already has a facade method / a fake handler / a row in testdata/operations.json
}

func (o opChange) key() string { return o.Method + " " + o.Path }

// operationSet lists a document's operations as "METHOD path".
func operationSet(doc map[string]any) map[string]bool {
	out := map[string]bool{}
	paths, _ := doc["paths"].(map[string]any)
	for path, item := range paths {
		m, _ := item.(map[string]any)
		for method := range m {
			if httpMethod[method] {
				out[strings.ToUpper(method)+" "+path] = true
			}
		}
	}
	return out
}
