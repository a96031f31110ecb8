package specupdate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/speakeasy-api/openapi/overlay"
	"gopkg.in/yaml.v3"
)

// ActionResult is what one overlay action did to a spec.
type ActionResult struct {
	Target  string
	Matches int    // nodes the target selected when the action ran
	Kind    string // "applied", or for an action that matched nothing: "gone", "conditional" or "stale"
	Effect  string // what the action sets ({"x-go-type":"RunStatus"}, or "remove"), for the report
}

// Kinds of an action that matched nothing. A "gone" action adjusted a schema or
// operation the spec no longer has (its removal is reported as a change); a
// "conditional" one removes something the API no longer writes, or selects by
// a property the API decides (nullable), so an empty match is harmless; a
// "stale" one aims at something renamed inside a schema or operation that is
// still there, which needs a maintainer.
const (
	kindApplied     = "applied"
	kindGone        = "gone"
	kindConditional = "conditional"
	kindStale       = "stale"
)

// parseNode reads a JSON or YAML document into a node tree.
func parseNode(raw []byte) (*yaml.Node, error) {
	var n yaml.Node
	if err := yaml.Unmarshal(raw, &n); err != nil {
		return nil, err
	}
	if n.Kind != yaml.DocumentNode || len(n.Content) != 1 || n.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("not an object document")
	}
	return &n, nil
}

// applyActions runs the overlay's actions on root one by one, as the generator
// does, and reports each one's matches; an action that matches nothing is
// classified and skipped, never fatal here.
func applyActions(root *yaml.Node, ov *overlay.Overlay) ([]ActionResult, error) {
	var out []ActionResult
	for _, a := range ov.Actions {
		r := ActionResult{Target: a.Target, Effect: effect(a)}
		p, err := ov.NewPath(a.Target, nil)
		if err != nil {
			return nil, fmt.Errorf("overlay target %s: %w", a.Target, err)
		}
		r.Matches = len(p.Query(root))
		if r.Matches == 0 {
			r.Kind = classify(root, ov, a)
			out = append(out, r)
			continue
		}
		one := *ov
		one.Actions = []overlay.Action{a}
		if err := one.ApplyTo(root); err != nil {
			return nil, fmt.Errorf("overlay action %s: %w", a.Target, err)
		}
		r.Kind = kindApplied
		out = append(out, r)
	}
	return out, nil
}

// effect summarizes what an action does, on one line.
func effect(a overlay.Action) string {
	if a.Remove {
		return "remove"
	}
	var v any
	if err := a.Update.Decode(&v); err != nil {
		return ""
	}
	b, _ := json.Marshal(v)
	s := string(b)
	if len(s) > 120 {
		s = s[:117] + "..."
	}
	return s
}

// step matches one step of a JSONPath as our overlays write them.
var step = regexp.MustCompile(`^(\.[A-Za-z0-9_$-]+|\['(?:[^'\\]|\\.)*'\]|\[\?\(.*?\)\]|\[\d+\]|\[\*\])`)

// anchor is the schema or operation a target lies in: its first three steps
// ($.components.schemas.X, $.paths['/p'].get), or the whole target when it is
// shorter.
func anchor(target string) string {
	rest := strings.TrimPrefix(target, "$")
	n := 0
	for i := 0; i < 3; i++ {
		m := step.FindString(rest[n:])
		if m == "" {
			return target
		}
		n += len(m)
	}
	return "$" + rest[:n]
}

// classify tells why an action's target matched nothing (see the kinds). A
// removal with nothing to remove, or a selection by nullability, depends on
// how the API writes a schema: the end state holds already, or there is
// nothing left to adjust.
func classify(root *yaml.Node, ov *overlay.Overlay, a overlay.Action) string {
	target := a.Target
	if a.Remove || strings.Contains(target, "@.nullable") {
		return kindConditional
	}
	at := anchor(target)
	p, err := ov.NewPath(at, nil)
	if err != nil || len(p.Query(root)) == 0 || at == target {
		return kindGone
	}
	return kindStale
}

// dropActions removes the actions on the given targets from an overlay file's
// text, leaving a comment in their place so the pull request shows them.
func dropActions(text string, targets map[string]string) string {
	lines := strings.SplitAfter(text, "\n")
	var b strings.Builder
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		t, ok := strings.CutPrefix(strings.TrimRight(line, "\n"), "  - target: ")
		if ok {
			t = unquote(t)
		}
		why, drop := targets[t]
		if !ok || !drop {
			b.WriteString(line)
			continue
		}
		fmt.Fprintf(&b, "  # update-spec dropped the action on %s: %s\n", t, why)
		for i+1 < len(lines) && strings.HasPrefix(lines[i+1], "    ") {
			i++
		}
	}
	return b.String()
}

func unquote(t string) string {
	if strings.HasPrefix(t, `"`) {
		if s, err := strconv.Unquote(t); err == nil {
			return s
		}
	}
	if strings.HasPrefix(t, `'`) && strings.HasSuffix(t, `'`) {
		return strings.ReplaceAll(t[1:len(t)-1], `''`, `'`)
	}
	return t
}

// nodeJSON writes a node tree as indented JSON, keys in document order.
func nodeJSON(n *yaml.Node) ([]byte, error) {
	var b bytes.Buffer
	if err := writeJSON(&b, n); err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := json.Indent(&out, b.Bytes(), "", "  "); err != nil {
		return nil, err
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}

func writeJSON(b *bytes.Buffer, n *yaml.Node) error {
	switch n.Kind {
	case yaml.DocumentNode:
		return writeJSON(b, n.Content[0])
	case yaml.AliasNode:
		return writeJSON(b, n.Alias)
	case yaml.MappingNode:
		b.WriteByte('{')
		for i := 0; i+1 < len(n.Content); i += 2 {
			if i > 0 {
				b.WriteByte(',')
			}
			k, _ := json.Marshal(n.Content[i].Value)
			b.Write(k)
			b.WriteByte(':')
			if err := writeJSON(b, n.Content[i+1]); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	case yaml.SequenceNode:
		b.WriteByte('[')
		for i, c := range n.Content {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := writeJSON(b, c); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!null":
			b.WriteString("null")
		case "!!bool", "!!int", "!!float":
			var v any
			if err := n.Decode(&v); err != nil {
				return err
			}
			out, err := json.Marshal(v)
			if err != nil {
				return err
			}
			if n.Tag != "!!bool" && json.Valid([]byte(n.Value)) {
				out = []byte(n.Value) // keep the number as written
			}
			b.Write(out)
		default:
			s, _ := json.Marshal(n.Value)
			b.Write(s)
		}
	default:
		return fmt.Errorf("unexpected YAML node kind %d", n.Kind)
	}
	return nil
}

// removePointer deletes the member a JSON pointer names from a node tree.
func removePointer(root *yaml.Node, pointer string) bool {
	cur := root
	if cur.Kind == yaml.DocumentNode {
		cur = cur.Content[0]
	}
	toks := strings.Split(strings.TrimPrefix(pointer, "/"), "/")
	for i, tok := range toks {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch cur.Kind {
		case yaml.MappingNode:
			found := false
			for j := 0; j+1 < len(cur.Content); j += 2 {
				if cur.Content[j].Value != tok {
					continue
				}
				if i == len(toks)-1 {
					cur.Content = append(cur.Content[:j], cur.Content[j+2:]...)
					return true
				}
				cur, found = cur.Content[j+1], true
				break
			}
			if !found {
				return false
			}
		case yaml.SequenceNode:
			k, err := strconv.Atoi(tok)
			if err != nil || k >= len(cur.Content) {
				return false
			}
			if i == len(toks)-1 {
				cur.Content = append(cur.Content[:k], cur.Content[k+1:]...)
				return true
			}
			cur = cur.Content[k]
		default:
			return false
		}
	}
	return false
}
