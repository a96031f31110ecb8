package overlaypins

import (
	"fmt"
	"regexp"
	"strings"
)

// controllerID matches the ids the API team's framework writes
// ("WorkflowsController_toggle"): not a name for Go.
var controllerID = regexp.MustCompile(`^[A-Za-z0-9]+Controller_[A-Za-z0-9_]+$`)

// ControllerStyle reports whether id is a framework-made operationId (or
// none at all) that a new operation should not be named after in Go.
func ControllerStyle(id string) bool { return id == "" || controllerID.MatchString(id) }

var versionSegment = regexp.MustCompile(`^v[0-9]+$`)

// GoName derives a readable operation name from method and path, as our own
// ids read: a verb (List, Get, Create, Update, Set, Delete, or the action a
// POST path ends with) and the resources the path names, each singular when
// an id follows it. POST /api/v1/workflows/{id}/toggle is ToggleWorkflow;
// GET /api/v1/scopes/{id}/memories is ListScopeMemories.
func GoName(method, path string) string {
	var segs []string
	for _, s := range strings.Split(path, "/") {
		if s == "" || s == "api" || s == "agent" || versionSegment.MatchString(s) {
			continue
		}
		segs = append(segs, s)
	}
	method = strings.ToLower(method)
	var verb string
	last := len(segs) - 1
	endsWithParam := last >= 0 && isParam(segs[last])
	switch {
	case method == "post" && last > 0 && !endsWithParam && !strings.HasSuffix(segs[last], "s"):
		verb, segs = pascal(segs[last]), segs[:last] // an action: deploy, toggle, search, ...
	case method == "get" && (endsWithParam || last >= 0 && !strings.HasSuffix(segs[last], "s")):
		verb = "Get" // one item, or a singleton such as .../config
	case method == "get":
		verb = "List"
	case method == "post":
		verb = "Create"
	case method == "patch":
		verb = "Update"
	case method == "put":
		verb = "Set"
	case method == "delete":
		verb = "Delete"
	default:
		verb = pascal(method)
	}
	var noun strings.Builder
	for i, s := range segs {
		if isParam(s) {
			continue
		}
		singular := i+1 < len(segs) && isParam(segs[i+1]) ||
			i == len(segs)-1 && (verb == "Create" || verb == "Set")
		if singular {
			s = singularOf(s)
		}
		noun.WriteString(pascal(s))
	}
	return verb + noun.String()
}

func isParam(s string) bool { return strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") }

// singularOf drops an English plural ending: memories → memory, items → item.
func singularOf(s string) string {
	switch {
	case strings.HasSuffix(s, "ies"):
		return strings.TrimSuffix(s, "ies") + "y"
	case strings.HasSuffix(s, "sses"), strings.HasSuffix(s, "ches"), strings.HasSuffix(s, "shes"), strings.HasSuffix(s, "xes"):
		return strings.TrimSuffix(s, "es")
	case strings.HasSuffix(s, "s") && !strings.HasSuffix(s, "ss"):
		return strings.TrimSuffix(s, "s")
	}
	return s
}

// pascal joins the words of a path segment ("saved-queries", "org_members",
// "activeBySession") in PascalCase.
func pascal(s string) string {
	var b strings.Builder
	for _, w := range strings.FieldsFunc(s, func(r rune) bool { return r == '-' || r == '_' || r == '.' }) {
		b.WriteString(strings.ToUpper(w[:1]) + w[1:])
	}
	return b.String()
}

// uniqueName returns name, or when another operation has it, name followed
// by the framework method's own name ("…Controller_batchCreate" → BatchCreate).
func uniqueName(name, id string, taken map[string]bool) string {
	if !taken[name] {
		return name
	}
	if _, m, ok := strings.Cut(id, "Controller_"); ok {
		if alt := name + pascal(m); !taken[alt] {
			return alt
		}
	}
	for i := 2; ; i++ {
		if alt := name + fmt.Sprint(i); !taken[alt] {
			return alt
		}
	}
}
