package specupdate

import (
	"fmt"
	"strings"
)

// ReportLimit caps the report for a pull request or issue body; the full
// report is written beside it (Options.FullReport).
const ReportLimit = 60 << 10

// Report is everything a maintainer needs to act on an update, whatever its
// exit status.
type Report struct {
	Status     int
	Headline   string   // what happened, one sentence
	Todo       []string // what to do next
	OldVersion string
	NewVersion string

	Fixups   []ActionResult // the fixups overlay's actions on the published spec
	Warnings []string       // stale examples (dropped from the written spec) and the like

	Dropped     []ActionResult // overlay actions that no longer apply and were dropped
	Stale       []ActionResult // overlay actions aimed at something renamed: exit 4
	AddedPins   []string
	DroppedPins []string

	AddedOps, RemovedOps []opChange
	Breaking, Other      []Group // oasdiff, published spec against published spec, grouped
	GoBreaking           int     // changes breaking for Go (after the overlay), grouped: exit 2
	Schemas              []SchemaChange

	GoAPI   string // apidiff of ./modus and ./modus/modustest, with its verdict
	Failure string // tail of the failing command's output (exits 5 and 6)
}

var statusNames = map[int]string{
	ExitOK:          "non-breaking update, applied, regenerated, built and tested",
	ExitUsage:       "the spec could not be read; nothing was written",
	ExitBreaking:    "applied, builds and passes the tests, with breaking changes",
	ExitInvalidSpec: "the published spec cannot be used (it does not parse or validate); nothing was written",
	ExitOverlay:     "an overlay action aims at something the API renamed; nothing was written",
	ExitBuild:       "written, but regeneration or the build failed",
	ExitTests:       "written and built, but the tests fail",
}

// legend explains oasdiff's levels in Go terms, once per report.
const legend = `oasdiff's levels, read for Go: **error** and **warning** are changes a client of the old spec may trip on
(a removed operation or field, a new required parameter, a narrowed type). Whether Go code stops compiling is
what the Go API section says; a new enum value in a response, for instance, compiles and is delivered as an
unnamed value (switch statements need a default branch). **info** changes are additive. "breaking for Go"
marks the changes still breaking once the overlay's pins are applied; the others (a format the feed no longer
writes, integer written as number, an operationId in the API team's style) leave the Go code as it was.`

// Markdown renders the report; limit > 0 caps its size, cutting the longest
// lists first and saying so.
func (r *Report) Markdown(limit int) string {
	for _, max := range []int{0, 400, 150, 60, 25, 10, 4} {
		s := r.render(max)
		if limit <= 0 || len(s) <= limit {
			return s
		}
	}
	s := r.render(2)
	if len(s) > limit {
		s = s[:limit-200] + "\n\n… (cut at the size limit: see the full report, kept as a workflow artifact)\n"
	}
	return s
}

// render writes the report with at most max items per list (0: all).
func (r *Report) render(max int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "## Modus API update: exit %d, %s\n\n", r.Status, statusNames[r.Status])
	if r.OldVersion != "" || r.NewVersion != "" {
		fmt.Fprintf(&b, "Spec version %s → %s.\n\n", r.OldVersion, r.NewVersion)
	}
	if r.Headline != "" {
		fmt.Fprintf(&b, "%s\n\n", r.Headline)
	}
	if len(r.Todo) > 0 {
		b.WriteString("### What to do\n\n")
		for _, t := range r.Todo {
			fmt.Fprintf(&b, "- %s\n", t)
		}
		b.WriteString("\n")
	}
	if r.Failure != "" {
		fmt.Fprintf(&b, "### Failure\n\n```\n%s\n```\n\n", strings.TrimRight(r.Failure, "\n"))
	}
	list := func(title string, items []string) {
		if len(items) == 0 {
			return
		}
		fmt.Fprintf(&b, "### %s (%d)\n\n", title, len(items))
		for i, it := range items {
			if max > 0 && i == max {
				fmt.Fprintf(&b, "- … and %d more (full report: workflow artifact)\n", len(items)-max)
				break
			}
			fmt.Fprintf(&b, "- %s\n", it)
		}
		b.WriteString("\n")
	}
	list("Fixups applied to the published spec (oapi-codegen-fixups.yaml)", fixupLines(r.Fixups))
	list("Warnings", r.Warnings)
	list("Overlay actions aimed at something renamed (exit 4: re-aim or delete them in oapi-codegen-overlay.yaml)", actionLines(r.Stale))
	list("Overlay actions dropped (their target is gone or no longer selected)", actionLines(r.Dropped))
	list("Operations added", addedLines(r.AddedOps))
	list("Operations removed", removedLines(r.RemovedOps))
	if r.GoAPI != "" {
		fmt.Fprintf(&b, "### Go API (apidiff of ./modus and ./modus/modustest)\n\n%s\n\n", strings.TrimRight(r.GoAPI, "\n"))
	}
	if len(r.Breaking)+len(r.Other) > 0 {
		fmt.Fprintf(&b, "### Spec changes as published (%d breaking for Go after the overlay)\n\n%s\n\n", r.GoBreaking, legend)
	}
	list("Breaking changes as published", groupLines(r.Breaking, max))
	list("Schema changes (by schema and field)", schemaLines(r.Schemas))
	list("Other changes as published", groupLines(r.Other, max))
	list("Overlay pins added (review the Go types and names)", r.AddedPins)
	list("Overlay pins dropped (target gone)", r.DroppedPins)
	return b.String()
}

func fixupLines(rs []ActionResult) []string {
	var out []string
	for _, r := range rs {
		if r.Kind == kindApplied {
			out = append(out, fmt.Sprintf("applied `%s` (%d match(es)): %s", r.Target, r.Matches, r.Effect))
		} else {
			out = append(out, fmt.Sprintf("not needed: `%s` matches nothing (the defect is fixed upstream, or moved): delete the fixup", r.Target))
		}
	}
	return out
}

func actionLines(rs []ActionResult) []string {
	var out []string
	for _, r := range rs {
		why := map[string]string{
			kindGone:        "the schema or operation it adjusted is gone",
			kindConditional: "nothing to do any more: nothing left to remove, or no field selected by nullability (a field stopped being nullable)",
			kindStale:       "its schema or operation is still there, the target is not",
		}[r.Kind]
		out = append(out, fmt.Sprintf("`%s` (%s): %s", r.Target, r.Effect, why))
	}
	return out
}

func addedLines(ops []opChange) []string {
	var out []string
	for _, o := range ops {
		var todo []string
		if !o.Facade {
			todo = append(todo, "a facade method in modus/ (gen.New"+o.GoName+"Request)")
		}
		if !o.Fake {
			todo = append(todo, "a modustest handler (api."+o.GoName+"; the fake answers 501 until then)")
		}
		if !o.Listed {
			todo = append(todo, "a row in testdata/operations.json and a call in examples/everycall (CONTRIBUTING: adding an operation)")
		}
		line := fmt.Sprintf("`%s` as %s", o.key(), o.GoName)
		if len(todo) > 0 {
			line += ": to write: " + strings.Join(todo, "; ")
		}
		out = append(out, line)
	}
	return out
}

func removedLines(ops []opChange) []string {
	var out []string
	for _, o := range ops {
		line := fmt.Sprintf("`%s`", o.key())
		if o.GoName != "" {
			line += " (" + o.GoName + ")"
		}
		out = append(out, line)
	}
	return out
}

func groupLines(gs []Group, max int) []string {
	var out []string
	for _, g := range gs {
		ops := g.Operations
		n := len(ops)
		shown := 3
		if max == 0 {
			shown = n
		}
		var where string
		switch {
		case n == 0:
			where = "no operation"
		case n <= shown:
			where = strings.Join(ops, ", ")
		default:
			where = fmt.Sprintf("%d operations: %s, …", n, strings.Join(ops[:shown], ", "))
		}
		mark := ""
		if g.ForGo {
			mark = "**breaking for Go** "
		}
		out = append(out, fmt.Sprintf("%s%s (%s, `%s`) — %s", mark, g.Text, g.Level, g.ID, where))
	}
	return out
}

func schemaLines(cs []SchemaChange) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.String())
	}
	return out
}
