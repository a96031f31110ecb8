// Package overlaypins computes the Go-only pins that keep the generated Go API
// stable whatever style a published spec uses: the Go type of every numeric
// schema (a published `number` id would otherwise become float32), the
// format of every string that has one (a feed without `date-time` or `uuid`
// would otherwise turn time.Time and UUID into string) and the operationId of
// every operation (method names in gen/ come from it; a Controller-style id
// of a new operation gets a readable name from its method and path), each
// pinned by path in oapi-codegen-overlay.yaml.
//
// The pins live in one delimited block at the end of the overlay, written by
// `go run ./internal/cmd/overlaypins` (part of make generate); make
// check-generated fails when the committed block differs.
package overlaypins

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// Block markers: everything between them belongs to this package.
const (
	BeginMarker = "  # ---- BEGIN pins: written by `go run ./internal/cmd/overlaypins`; edit a Go type here, rerun after a spec change ----"
	EndMarker   = "  # ---- END pins ----"
)

// Pin is one overlay action: Target is a JSONPath into the spec; either
// OperationID is set (an operation) or Type, with an optional Format (a
// numeric schema).
//
// A numeric pin restates the schema's type and format rather than setting
// x-go-type: the generator then produces the same code as from the committed
// spec, byte for byte (parameter encoding calls carry the type and format),
// and the Go type follows from them (integer/int64 is int64, integer alone
// is int, number/double is float64).
type Pin struct {
	Target      string
	Type        string
	Format      string
	OperationID string
}

// Site is a numeric or string schema found in a spec.
type Site struct {
	Target string
	Type   string // "integer", "number" or "string"
	Format string
}

// Operation is an operation found in a spec.
type Operation struct {
	Target      string
	Method      string
	Path        string
	OperationID string
}

var httpMethods = map[string]bool{"get": true, "put": true, "post": true, "delete": true,
	"options": true, "head": true, "patch": true, "trace": true}

// notSchemas are keys whose values are data, not schemas, and are not walked.
var notSchemas = map[string]bool{"example": true, "examples": true, "default": true, "enum": true}

var plainKey = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func step(key string) string {
	if plainKey.MatchString(key) {
		return "." + key
	}
	return "['" + strings.ReplaceAll(key, "'", `\'`) + "']"
}

// Decode parses a JSON spec into the generic form the walkers read.
func Decode(raw []byte) (map[string]any, error) {
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("spec is not JSON: %w", err)
	}
	return doc, nil
}

// Operations lists every operation of the spec, sorted by path and method.
func Operations(doc map[string]any) []Operation {
	paths, _ := doc["paths"].(map[string]any)
	var out []Operation
	for path, item := range paths {
		m, _ := item.(map[string]any)
		for method, op := range m {
			o, ok := op.(map[string]any)
			if !ok || !httpMethods[method] {
				continue
			}
			id, _ := o["operationId"].(string)
			out = append(out, Operation{Target: "$.paths" + step(path) + step(method), Method: method, Path: path, OperationID: id})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Target < out[j].Target })
	return out
}

// NumericSites lists every integer, number or string schema of the spec,
// sorted by target (the name is kept from when only numbers were pinned).
// Parameters are addressed by name, so reordering them in a newer spec does
// not move the pins.
func NumericSites(doc map[string]any) []Site {
	var out []Site
	var walk func(v any, target string, key string)
	walk = func(v any, target, key string) {
		switch x := v.(type) {
		case map[string]any:
			if t, _ := x["type"].(string); (t == "integer" || t == "number" || t == "string") && key != "properties" {
				f, _ := x["format"].(string)
				out = append(out, Site{Target: target, Type: t, Format: f})
			}
			for k, child := range x {
				if notSchemas[k] && key != "properties" {
					continue
				}
				walk(child, target+step(k), k)
			}
		case []any:
			for i, child := range x {
				sel := fmt.Sprintf("[%d]", i)
				if m, ok := child.(map[string]any); ok && key == "parameters" {
					if name, ok := m["name"].(string); ok {
						sel = "[?(@.name == '" + name + "')]"
					}
				}
				walk(child, target+sel, "")
			}
		}
	}
	walk(doc, "$", "")
	sort.Slice(out, func(i, j int) bool { return out[i].Target < out[j].Target })
	return out
}

// idOrCount matches the last name of a target that holds an id or a count
// ("id", "agentId", "user_id", "runIds", "runCount", "total").
var idOrCount = regexp.MustCompile(`(^|[^A-Za-z])(id|ids|count|total)$|[a-z](Id|Ids|_id|_ids|Count)$`)

// lastName is the property or parameter name a target ends with.
func lastName(target string) string {
	t := strings.TrimSuffix(target, ".schema")
	t = strings.TrimSuffix(t, ".items")
	if i := strings.LastIndex(t, "@.name == '"); i >= 0 && strings.HasSuffix(t, "')]") {
		return t[i+len("@.name == '") : len(t)-len("')]")]
	}
	if strings.HasSuffix(t, "']") {
		return t[strings.LastIndex(t, "['")+2 : len(t)-2]
	}
	return t[strings.LastIndex(t, ".")+1:]
}

// numericPin pins a numeric site that has no pin yet: to its own type and
// format if it has a format; else an integer gets defaultFormat ("int64"
// for ids and counts; "" gives Go int); a bare number (how the API team
// publishes every numeric value, ids included) gets integer/int64 when its
// name says it is an id or a count, else number/double (oapi-codegen's own
// choice for a bare number, float32, loses precision). New pins are listed
// in the update report for review.
func numericPin(s Site, defaultFormat string) Pin {
	switch {
	case s.Format != "":
		return Pin{Target: s.Target, Type: s.Type, Format: s.Format}
	case s.Type == "string":
		return Pin{Target: s.Target, Type: "string"}
	case s.Type == "integer":
		return Pin{Target: s.Target, Type: "integer", Format: defaultFormat}
	case idOrCount.MatchString(lastName(s.Target)):
		return Pin{Target: s.Target, Type: "integer", Format: "int64"}
	}
	return Pin{Target: s.Target, Type: "number", Format: "double"}
}

// Compute returns the pins for doc: existing pins are kept as they are (an
// existing pin wins over the spec's format, so a published spec cannot
// change a Go type), new sites and operations get a pin, and pins whose
// target is gone are dropped. added and dropped name the changes.
// defaultFormat is the format pinned for a new integer without one.
func Compute(doc map[string]any, existing []Pin, defaultFormat string) (pins []Pin, added, dropped []string) {
	old := map[string]Pin{}
	for _, p := range existing {
		old[p.Target] = p
	}
	seen := map[string]bool{}
	ops := Operations(doc)
	taken := map[string]bool{}
	for _, op := range ops {
		if p, ok := old[op.Target]; ok && p.OperationID != "" {
			taken[p.OperationID] = true
		} else if !ControllerStyle(op.OperationID) {
			taken[op.OperationID] = true
		}
	}
	for _, op := range ops {
		seen[op.Target] = true
		p, ok := old[op.Target]
		if !ok || p.OperationID == "" {
			p = Pin{Target: op.Target, OperationID: op.OperationID}
			if ControllerStyle(op.OperationID) {
				p.OperationID = uniqueName(GoName(op.Method, op.Path), op.OperationID, taken)
				taken[p.OperationID] = true
			}
			added = append(added, fmt.Sprintf("%s: operationId %s", op.Target, p.OperationID))
		}
		pins = append(pins, p)
	}
	for _, s := range NumericSites(doc) {
		seen[s.Target] = true
		p, ok := old[s.Target]
		if !ok || p.Type == "" {
			if s.Type == "string" && s.Format == "" {
				continue // a plain string needs no pin
			}
			p = numericPin(s, defaultFormat)
			added = append(added, fmt.Sprintf("%s: %s %s", s.Target, p.Type, p.Format))
		}
		pins = append(pins, p)
	}
	for _, p := range existing {
		if !seen[p.Target] {
			dropped = append(dropped, p.Target)
		}
	}
	return pins, added, dropped
}

// Render writes pins as overlay actions between the block markers.
func Render(pins []Pin) string {
	var b strings.Builder
	b.WriteString(BeginMarker + "\n")
	b.WriteString("  # Operation ids: gen/'s method names, pinned by path and method.\n")
	for _, p := range pins {
		if p.OperationID != "" {
			fmt.Fprintf(&b, "  - target: %s\n    update:\n      operationId: %s\n", quoteTarget(p.Target), p.OperationID)
		}
	}
	b.WriteString("  # Numeric types: integer/int64 (Go int64) for ids and counts, integer (Go int)\n")
	b.WriteString("  # for page sizes and small numbers, number/double (Go float64) for measures.\n")
	b.WriteString("  # String formats: date-time (Go time.Time), uuid (Go UUID), ..., kept when a feed drops them.\n")
	for _, p := range pins {
		if p.Type == "" {
			continue
		}
		fmt.Fprintf(&b, "  - target: %s\n    update:\n      type: %s\n", quoteTarget(p.Target), p.Type)
		if p.Format != "" {
			fmt.Fprintf(&b, "      format: %s\n", p.Format)
		}
	}
	b.WriteString(EndMarker + "\n")
	return b.String()
}

// quoteTarget quotes a JSONPath for YAML when it holds characters YAML would
// read differently (": ", " #").
func quoteTarget(t string) string {
	if strings.Contains(t, ": ") || strings.Contains(t, " #") {
		return `"` + strings.ReplaceAll(t, `"`, `\"`) + `"`
	}
	return t
}

var (
	targetLine = regexp.MustCompile(`^  - target: (.*)$`)
	typeLine   = regexp.MustCompile(`^      type: (\S+)$`)
	formatLine = regexp.MustCompile(`^      format: (\S+)$`)
	opIDLine   = regexp.MustCompile(`^      operationId: (\S+)$`)
)

// Split cuts an overlay file into the text before the block, the pins in the
// block, and the text after it. A file without a block gives no pins and
// after == "".
func Split(overlay string) (before string, pins []Pin, after string, err error) {
	i := strings.Index(overlay, BeginMarker+"\n")
	if i < 0 {
		return overlay, nil, "", nil
	}
	rest := overlay[i+len(BeginMarker)+1:]
	j := strings.Index(rest, EndMarker+"\n")
	if j < 0 {
		return "", nil, "", fmt.Errorf("overlay has the begin marker of the pins block but not its end marker")
	}
	var cur *Pin
	for _, line := range strings.Split(rest[:j], "\n") {
		if m := targetLine.FindStringSubmatch(line); m != nil {
			t := m[1]
			if strings.HasPrefix(t, `"`) {
				t = strings.ReplaceAll(strings.Trim(t, `"`), `\"`, `"`)
			}
			pins = append(pins, Pin{Target: t})
			cur = &pins[len(pins)-1]
		} else if m := typeLine.FindStringSubmatch(line); m != nil && cur != nil {
			cur.Type = m[1]
		} else if m := formatLine.FindStringSubmatch(line); m != nil && cur != nil {
			cur.Format = m[1]
		} else if m := opIDLine.FindStringSubmatch(line); m != nil && cur != nil {
			cur.OperationID = m[1]
		}
	}
	return overlay[:i], pins, rest[j+len(EndMarker)+1:], nil
}

// OperationIDs are the operationIds the generator sees, keyed by lower-case
// method and path ("get /api/v1/agents"): the id the overlay's pins block
// gives each operation, else the spec's own. Code that names operations
// like the generated client must read them here rather than from
// openapi.json, which may carry the API team's ids.
func OperationIDs(spec, overlay []byte) (map[string]string, error) {
	doc, err := Decode(spec)
	if err != nil {
		return nil, err
	}
	_, pins, _, err := Split(string(overlay))
	if err != nil {
		return nil, err
	}
	pinned := map[string]string{}
	for _, p := range pins {
		if p.OperationID != "" {
			pinned[p.Target] = p.OperationID
		}
	}
	ids := map[string]string{}
	for _, op := range Operations(doc) {
		id := op.OperationID
		if p, ok := pinned[op.Target]; ok {
			id = p
		}
		ids[op.Method+" "+op.Path] = id
	}
	return ids, nil
}
