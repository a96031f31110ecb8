package specupdate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/oapi-codegen/oapi-codegen/v2/pkg/util"
	"github.com/speakeasy-api/openapi/overlay"
	"gopkg.in/yaml.v3"

	"github.com/modus-data/modus-sdk-go/internal/overlaypins"
)

// File names in the repository root.
const (
	specFile    = "openapi.json"
	overlayFile = "oapi-codegen-overlay.yaml"
	// FixupsFile repairs defects of the published spec before anything reads
	// it. An OpenAPI Overlay like the generator's, applied leniently: an
	// action that matches nothing (the defect is fixed upstream) is reported.
	FixupsFile = "oapi-codegen-fixups.yaml"
)

// Result is what Compare prepares: the files to write and the report so far.
type Result struct {
	Spec    []byte // the published spec with the fixups applied and stale examples dropped
	Overlay string // the overlay with recomputed pins and dropped actions
	Report  *Report
}

// Compare checks a newly published spec (raw) against the committed files in
// root. It writes nothing to root; tmp receives work files. The report is
// filled as far as it got, also when an error is returned.
func Compare(root string, raw []byte, tmp string) (*Result, error) {
	rep := &Report{}
	res := &Result{Report: rep}
	node, err := parseNode(raw)
	if err != nil {
		return res, &InvalidSpecError{err}
	}
	if err := applyFixups(root, node, rep); err != nil {
		return res, err
	}
	if err := dropBadExamples(node, rep, tmp); err != nil {
		return res, err
	}
	res.Spec, err = specBytes(raw, node, rep)
	if err != nil {
		return res, &InvalidSpecError{err}
	}
	newSpec := filepath.Join(tmp, specFile)
	if err := os.WriteFile(newSpec, res.Spec, 0o644); err != nil {
		return res, err
	}
	newDoc, err := Load(newSpec)
	if err != nil {
		return res, err
	}
	oldSpec := filepath.Join(root, specFile)
	oldDoc, err := Load(oldSpec)
	if err != nil {
		return res, fmt.Errorf("the committed openapi.json: %w", err)
	}
	rep.OldVersion, rep.NewVersion = oldDoc.Info.Version, newDoc.Info.Version

	if err := checkOverlay(root, res, tmp); err != nil {
		return res, err
	}
	if err := describeChanges(root, oldSpec, newSpec, oldDoc, newDoc, res, tmp); err != nil {
		return res, err
	}
	return res, nil
}

// applyFixups runs the fixups overlay on the published spec.
func applyFixups(root string, node *yaml.Node, rep *Report) error {
	path := filepath.Join(root, FixupsFile)
	if _, err := os.Stat(path); err != nil {
		return nil
	}
	ov, err := overlay.Parse(path)
	if err != nil {
		return fmt.Errorf("%s: %w", FixupsFile, err)
	}
	results, err := applyActions(node, ov)
	if err != nil {
		return fmt.Errorf("%s: %w", FixupsFile, err)
	}
	rep.Fixups = results
	return nil
}

// dropBadExamples removes from the spec each example that contradicts its
// schema, with a warning: the published spec's examples are documentation,
// and a stale one must not hide the change behind it.
func dropBadExamples(node *yaml.Node, rep *Report, tmp string) error {
	js, err := nodeJSON(node)
	if err != nil {
		return &InvalidSpecError{err}
	}
	path := filepath.Join(tmp, "examples.json")
	if err := os.WriteFile(path, js, 0o644); err != nil {
		return err
	}
	doc, err := Load(path)
	if err != nil {
		return err
	}
	for _, bad := range badExamples(doc) {
		removePointer(node, bad.Pointer)
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("example `%s` contradicts its schema (%s): dropped from openapi.json", bad.Pointer, bad.Err))
	}
	return nil
}

// specBytes is the document to commit: the published bytes when nothing was
// changed and they are JSON, else the repaired tree as indented JSON.
func specBytes(raw []byte, node *yaml.Node, rep *Report) ([]byte, error) {
	changed := len(rep.Warnings) > 0
	for _, f := range rep.Fixups {
		changed = changed || f.Kind == kindApplied
	}
	if !changed && json.Valid(raw) {
		return raw, nil
	}
	return nodeJSON(node)
}

// checkOverlay recomputes the pins for the new spec and runs every overlay
// action on it as the generator will: actions whose target is gone, or that
// select by nullability and match nothing, are dropped (and reported); an
// action aimed at something renamed is an OverlayError (exit 4).
func checkOverlay(root string, res *Result, tmp string) error {
	rep := res.Report
	doc, err := overlaypins.Decode(res.Spec)
	if err != nil {
		return &InvalidSpecError{err}
	}
	text, err := os.ReadFile(filepath.Join(root, overlayFile))
	if err != nil {
		return err
	}
	before, existing, after, err := overlaypins.Split(string(text))
	if err != nil {
		return &OverlayError{err}
	}
	pins, added, dropped := overlaypins.Compute(doc, existing, "int64")
	rep.AddedPins, rep.DroppedPins = added, dropped
	res.Overlay = before + overlaypins.Render(pins) + after

	ov, err := overlay.ParseReader(strings.NewReader(res.Overlay))
	if err != nil {
		return &OverlayError{err}
	}
	node, err := parseNode(res.Spec)
	if err != nil {
		return &InvalidSpecError{err}
	}
	results, err := applyActions(node, ov)
	if err != nil {
		return &OverlayError{err}
	}
	drop := map[string]string{}
	for _, r := range results {
		switch r.Kind {
		case kindGone, kindConditional:
			rep.Dropped = append(rep.Dropped, r)
			drop[r.Target] = map[string]string{kindGone: "its target is gone from the published spec",
				kindConditional: "it selects nothing any more"}[r.Kind]
		case kindStale:
			rep.Stale = append(rep.Stale, r)
		}
	}
	if len(rep.Stale) > 0 {
		var targets []string
		for _, r := range rep.Stale {
			targets = append(targets, r.Target)
		}
		return &OverlayError{fmt.Errorf("%d action(s) aim at something renamed:\n  %s", len(targets), strings.Join(targets, "\n  "))}
	}
	res.Overlay = dropActions(res.Overlay, drop)
	return os.WriteFile(filepath.Join(tmp, overlayFile), []byte(res.Overlay), 0o644)
}

// describeChanges fills the report's change sections: oasdiff between the two
// published specs, grouped; the same on both sides with their overlays, for
// the verdict (what is breaking for Go); schema changes; added and removed
// operations.
func describeChanges(root, oldSpec, newSpec string, oldDoc, newDoc *openapi3.T, res *Result, tmp string) error {
	rep := res.Report
	published, err := oasdiffChanges(oldDoc, newDoc, oldSpec, newSpec)
	if err != nil {
		return err
	}
	base, err := withOverlay(oldSpec, filepath.Join(root, overlayFile))
	if err != nil {
		return fmt.Errorf("the committed spec with the committed overlay: %w", err)
	}
	revision, err := withOverlay(newSpec, filepath.Join(tmp, overlayFile))
	if err != nil {
		msg, _, _ := strings.Cut(err.Error(), "\nAdditionally, the following validation errors were found:")
		return &OverlayError{fmt.Errorf("%s", msg)}
	}
	forGo, err := oasdiffChanges(base, revision, oldSpec, newSpec)
	if err != nil {
		return err
	}
	goBreaking := map[string]bool{}
	var forGoBreaking []Change
	for _, c := range forGo {
		if c.Level != "info" {
			goBreaking[c.ID+" "+c.Operation+" "+c.Path+" "+c.Text] = true
			forGoBreaking = append(forGoBreaking, c)
		}
	}
	rep.GoBreaking = len(groupChanges(forGoBreaking, nil))
	var breaking, other []Change
	for _, c := range published {
		if c.Level == "info" {
			other = append(other, c)
		} else {
			breaking = append(breaking, c)
		}
	}
	rep.Breaking, rep.Other = groupChanges(breaking, goBreaking), groupChanges(other, goBreaking)

	oldRaw, err := os.ReadFile(oldSpec)
	if err != nil {
		return err
	}
	oldMap, err := overlaypins.Decode(oldRaw)
	if err != nil {
		return err
	}
	newMap, err := overlaypins.Decode(res.Spec)
	if err != nil {
		return err
	}
	rep.Schemas = schemaChanges(oldMap, newMap)
	return operationChanges(root, oldMap, newMap, res)
}

// operationChanges lists the operations added and removed, with the Go name
// each has and whether the facade and the fake serve it yet.
func operationChanges(root string, oldMap, newMap map[string]any, res *Result) error {
	oldIDs, err := overlaypins.OperationIDs(mustJSON(oldMap), mustRead(filepath.Join(root, overlayFile)))
	if err != nil {
		return err
	}
	newIDs, err := overlaypins.OperationIDs(res.Spec, []byte(res.Overlay))
	if err != nil {
		return err
	}
	facade := sourceText(filepath.Join(root, "modus"))
	fake := sourceText(filepath.Join(root, "modus", "modustest"))
	table := string(mustRead(filepath.Join(root, "testdata", "operations.json")))
	oldOps, newOps := operationSet(oldMap), operationSet(newMap)
	for _, k := range sortedKeys(newOps) {
		if oldOps[k] {
			continue
		}
		method, path, _ := strings.Cut(k, " ")
		id := newIDs[strings.ToLower(method)+" "+path]
		res.Report.AddedOps = append(res.Report.AddedOps, opChange{Method: method, Path: path, GoName: id,
			Facade: strings.Contains(facade, "gen.New"+id+"Request("),
			Fake:   strings.Contains(fake, ") "+id+"(ctx context.Context"),
			Listed: strings.Contains(table, `"operationId": "`+id+`"`)})
	}
	for _, k := range sortedKeys(oldOps) {
		if !newOps[k] {
			method, path, _ := strings.Cut(k, " ")
			res.Report.RemovedOps = append(res.Report.RemovedOps, opChange{Method: method, Path: path, GoName: oldIDs[strings.ToLower(method)+" "+path]})
		}
	}
	sort.Slice(res.Report.AddedOps, func(i, j int) bool { return res.Report.AddedOps[i].key() < res.Report.AddedOps[j].key() })
	return nil
}

// sourceText is the hand-written Go of a directory, for telling whether an
// operation is served yet.
func sourceText(dir string) string {
	files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	var b bytes.Buffer
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || strings.HasSuffix(f, ".gen.go") {
			continue
		}
		raw, _ := os.ReadFile(f)
		b.Write(raw)
	}
	return b.String()
}

func mustJSON(v any) []byte { b, _ := json.Marshal(v); return b }

func mustRead(path string) []byte { b, _ := os.ReadFile(path); return b }

// withOverlay loads spec with the overlay applied strictly, exactly as the
// generator does (a target that matches nothing is an error naming it).
func withOverlay(spec, overlay string) (*openapi3.T, error) {
	return util.LoadSwaggerWithOverlay(spec, util.LoadSwaggerWithOverlayOpts{
		Path: overlay, Strict: true, AllowRemoteRefsFrom: []string{},
	})
}
