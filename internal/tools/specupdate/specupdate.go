// Package specupdate turns a newly published Modus OpenAPI document into a
// reviewed change of the SDK: it repairs known upstream defects (the fixups
// overlay), validates the document (a stale example is a warning), reports
// what changed against the committed openapi.json as published (grouped by
// change, schema and field), recomputes the overlay's pins, checks every
// overlay action, writes the files, has the SDK regenerated, built and
// tested, and diffs the Go API of ./modus and ./modus/modustest. It writes
// a report on every exit status.
//
// Run it through `make update-spec SPEC=<file or URL>`; the exit statuses are
// the Exit* constants.
package specupdate

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// Exit statuses of update-spec. A status above ExitBreaking means the update
// is not usable as it is; ExitBreaking means it is applied, builds and passes
// the tests, but changes the API in a way that can break users.
const (
	ExitOK          = 0 // a non-breaking update, applied, regenerated, built and tested
	ExitUsage       = 1 // bad arguments, unreadable files, the URL could not be fetched
	ExitBreaking    = 2 // applied, builds and tests pass, but changes are breaking for Go (oasdiff after the overlay)
	ExitInvalidSpec = 3 // the new document does not parse or validate, fixups applied and examples aside; nothing was written
	ExitOverlay     = 4 // an overlay action aims at something renamed in a schema or operation still there; nothing was written
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

// Load reads and validates an OpenAPI document strictly with kin-openapi:
// no references outside the document. Examples are checked apart
// (badExamples): one that contradicts its schema is a warning, not a reason
// to refuse the spec.
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
	if err := doc.Validate(context.Background(), openapi3.DisableExamplesValidation()); err != nil {
		return nil, &InvalidSpecError{err}
	}
	return doc, nil
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
