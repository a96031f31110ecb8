// Package specupdate turns a newly published Modus OpenAPI document into a
// reviewed change of the SDK: it validates the document, reports what changed
// against the committed openapi.json (breaking changes first, with oasdiff),
// recomputes the overlay's pins, checks that every overlay action still
// applies, writes the files and has the SDK regenerated, built and tested.
//
// Run it through `make update-spec SPEC=<file or URL>`; the exit statuses are
// the Exit* constants.
package specupdate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/oapi-codegen/oapi-codegen/v2/pkg/util"
	"github.com/oasdiff/oasdiff/checker"
	"github.com/oasdiff/oasdiff/diff"
	"github.com/oasdiff/oasdiff/load"

	"github.com/modus-data/modus-sdk-go/internal/overlaypins"
)

// Exit statuses of update-spec. A status above ExitBreaking means the update
// is not usable as it is; ExitBreaking means it is applied, builds and passes
// the tests, but changes the API in a way that can break users.
const (
	ExitOK          = 0 // a non-breaking update, applied, regenerated, built and tested
	ExitUsage       = 1 // bad arguments, unreadable files, the URL could not be fetched
	ExitBreaking    = 2 // applied, builds and tests pass, but oasdiff found breaking changes
	ExitInvalidSpec = 3 // the new document does not validate; nothing was written
	ExitOverlay     = 4 // an overlay action no longer applies; nothing was written
	ExitBuild       = 5 // files written, but regeneration or the build (facade) failed
	ExitTests       = 6 // files written and built, but the tests fail
)

// InvalidSpecError is returned when the new document does not load or
// validate.
type InvalidSpecError struct{ Err error }

// Error says the spec is not valid and why.
func (e *InvalidSpecError) Error() string { return "the new spec is not valid: " + e.Err.Error() }

// Unwrap returns the loader's or validator's error.
func (e *InvalidSpecError) Unwrap() error { return e.Err }

// OverlayError is returned when an overlay action no longer applies to the
// new document; the message names the action's target.
type OverlayError struct{ Err error }

// Error says the overlay no longer applies and names the action's target.
func (e *OverlayError) Error() string {
	return "the overlay no longer applies to the new spec: " + e.Err.Error()
}

// Unwrap returns the overlay library's error.
func (e *OverlayError) Unwrap() error { return e.Err }

// Change is one difference oasdiff found.
type Change struct {
	Level     string // "error", "warning" or "info"
	ID        string // oasdiff's rule id, such as "api-removed-without-deprecation"
	Operation string // HTTP method
	Path      string
	Text      string
}

// Result is what changed between the committed spec and the new one.
type Result struct {
	OldVersion, NewVersion string
	Breaking               []Change // oasdiff levels error and warning
	Other                  []Change // level info
	AddedPins              []string // pins given to new operations and numeric values
	DroppedPins            []string // pins whose target is gone
	// Overlay is the overlay file with the recomputed pins block.
	Overlay string
}

// Load reads and validates an OpenAPI document strictly with kin-openapi:
// no references outside the document, examples validated against their
// schemas.
func Load(path string) (*openapi3.T, error) {
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = false
	doc, err := loader.LoadFromFile(path)
	if err != nil {
		return nil, &InvalidSpecError{err}
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.0.") {
		return nil, &InvalidSpecError{fmt.Errorf("openapi version %q, want 3.0.x", doc.OpenAPI)}
	}
	if err := doc.Validate(context.Background(), openapi3.EnableExamplesValidation()); err != nil {
		return nil, &InvalidSpecError{err}
	}
	return doc, nil
}

// Compare checks newSpec against the committed oldSpec with the overlay at
// overlayPath. It writes nothing to the repository; tmpDir receives the
// overlay with the recomputed pins, used to load the new spec as the
// generator will.
func Compare(oldSpec, newSpec, overlayPath, tmpDir string) (*Result, error) {
	if _, err := Load(newSpec); err != nil {
		return nil, err
	}
	raw, err := os.ReadFile(newSpec)
	if err != nil {
		return nil, err
	}
	doc, err := decodeAny(raw)
	if err != nil {
		return nil, &InvalidSpecError{err}
	}
	text, err := os.ReadFile(overlayPath)
	if err != nil {
		return nil, err
	}
	before, existing, after, err := overlaypins.Split(string(text))
	if err != nil {
		return nil, &OverlayError{err}
	}
	pins, added, dropped := overlaypins.Compute(doc, existing, "int64")
	res := &Result{AddedPins: added, DroppedPins: dropped, Overlay: before + overlaypins.Render(pins) + after}
	newOverlay := filepath.Join(tmpDir, filepath.Base(overlayPath))
	if err := os.WriteFile(newOverlay, []byte(res.Overlay), 0o644); err != nil {
		return nil, err
	}

	base, err := withOverlay(oldSpec, overlayPath)
	if err != nil {
		return nil, fmt.Errorf("the committed spec with the committed overlay: %w", err)
	}
	revision, err := withOverlay(newSpec, newOverlay)
	if err != nil {
		// The loader follows the failing selector with every action that
		// changed nothing (pins that restate the spec's own values): noise.
		msg, _, _ := strings.Cut(err.Error(), "\nAdditionally, the following validation errors were found:")
		return nil, &OverlayError{errors.New(msg)}
	}
	res.OldVersion, res.NewVersion = base.Info.Version, revision.Info.Version

	// Both sides as the generator sees them (overlay applied): the report
	// shows what changes for Go code and on the wire, not the published
	// style (number vs integer, the API team's operationIds).
	d, sources, err := diff.GetWithOperationsSourcesMap(diff.NewConfig(),
		&load.SpecInfo{Spec: base, Source: load.NewSource(oldSpec)},
		&load.SpecInfo{Spec: revision, Source: load.NewSource(newSpec)})
	if err != nil {
		return nil, fmt.Errorf("oasdiff: %w", err)
	}
	changes := checker.CheckBackwardCompatibilityUntilLevel(checker.NewConfig(checker.GetAllChecks()), d, sources, checker.INFO)
	localize := checker.NewDefaultLocalizer()
	for _, c := range changes {
		ch := Change{Level: c.GetLevel().String(), ID: c.GetId(), Operation: c.GetOperation(), Path: c.GetPath(), Text: c.GetUncolorizedText(localize)}
		if c.IsBreaking() {
			res.Breaking = append(res.Breaking, ch)
		} else {
			res.Other = append(res.Other, ch)
		}
	}
	for _, list := range [][]Change{res.Breaking, res.Other} {
		sort.SliceStable(list, func(i, j int) bool {
			if list[i].Level != list[j].Level {
				return list[i].Level == "error"
			}
			return list[i].Path+" "+list[i].Operation < list[j].Path+" "+list[j].Operation
		})
	}
	return res, nil
}

// withOverlay loads spec with the overlay applied strictly, exactly as the
// generator does (a target that matches nothing is an error naming it).
func withOverlay(spec, overlay string) (*openapi3.T, error) {
	return util.LoadSwaggerWithOverlay(spec, util.LoadSwaggerWithOverlayOpts{
		Path: overlay, Strict: true, AllowRemoteRefsFrom: []string{},
	})
}

// decodeAny reads a JSON document, or a YAML one converted through
// kin-openapi.
func decodeAny(raw []byte) (map[string]any, error) {
	if json.Valid(raw) {
		return overlaypins.Decode(raw)
	}
	doc, err := openapi3.NewLoader().LoadFromData(raw)
	if err != nil {
		return nil, err
	}
	js, err := doc.MarshalJSON()
	if err != nil {
		return nil, err
	}
	return overlaypins.Decode(js)
}

// SpecJSON is the document to commit as openapi.json: the published bytes
// if they are JSON, else the YAML document converted, indented like the
// committed file.
func SpecJSON(raw []byte) ([]byte, error) {
	doc, err := decodeAny(raw)
	if err != nil {
		return nil, err
	}
	if json.Valid(raw) {
		return raw, nil
	}
	out, err := json.MarshalIndent(doc, "", "  ")
	return append(out, '\n'), err
}

// Markdown renders the result as a summary ready for CHANGELOG.md or a pull
// request: breaking changes first, then the other changes, then the pins
// the overlay gained or lost.
func (r *Result) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "## API changes (spec version %s → %s)\n\n", r.OldVersion, r.NewVersion)
	section := func(title string, list []Change) {
		fmt.Fprintf(&b, "### %s (%d)\n\n", title, len(list))
		if len(list) == 0 {
			b.WriteString("None.\n\n")
			return
		}
		for _, c := range list {
			where := strings.TrimSpace(c.Operation + " " + c.Path)
			if where != "" {
				where = "`" + where + "`: "
			}
			fmt.Fprintf(&b, "- %s%s (%s, `%s`)\n", where, c.Text, c.Level, c.ID)
		}
		b.WriteString("\n")
	}
	section("Breaking changes", r.Breaking)
	section("Other changes", r.Other)
	if len(r.AddedPins)+len(r.DroppedPins) > 0 {
		b.WriteString("### Overlay pins\n\nReview the Go types and operation names given to new values (oapi-codegen-overlay.yaml):\n\n")
		for _, p := range r.AddedPins {
			fmt.Fprintf(&b, "- added `%s`\n", p)
		}
		for _, p := range r.DroppedPins {
			fmt.Fprintf(&b, "- dropped `%s` (no longer in the spec)\n", p)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// ExitStatus maps an error of Compare to its exit status.
func ExitStatus(err error) int {
	var invalid *InvalidSpecError
	var overlay *OverlayError
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &invalid):
		return ExitInvalidSpec
	case errors.As(err, &overlay):
		return ExitOverlay
	}
	return ExitUsage
}
