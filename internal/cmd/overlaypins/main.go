// Command overlaypins rewrites the pins block of oapi-codegen-overlay.yaml
// from openapi.json: every operationId and the Go type of every numeric
// schema, pinned by path (see package overlaypins). Existing pins are kept;
// new ones are listed on standard error so a reviewer can check their types.
//
// Run it from the repository root: go run ./internal/cmd/overlaypins
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/modus-data/modus-sdk-go/internal/overlaypins"
)

func main() {
	spec := flag.String("spec", "openapi.json", "the OpenAPI document")
	overlay := flag.String("overlay", "oapi-codegen-overlay.yaml", "the overlay whose pins block is rewritten")
	defaultFormat := flag.String("default-integer-format", "int64", "format pinned for a new integer that has none (\"\" pins plain integer, Go int)")
	flag.Parse()
	if err := run(*spec, *overlay, *defaultFormat); err != nil {
		fmt.Fprintln(os.Stderr, "overlaypins:", err)
		os.Exit(1)
	}
}

func run(specPath, overlayPath, defaultFormat string) error {
	raw, err := os.ReadFile(specPath)
	if err != nil {
		return err
	}
	doc, err := overlaypins.Decode(raw)
	if err != nil {
		return err
	}
	text, err := os.ReadFile(overlayPath)
	if err != nil {
		return err
	}
	before, existing, after, err := overlaypins.Split(string(text))
	if err != nil {
		return err
	}
	pins, added, dropped := overlaypins.Compute(doc, existing, defaultFormat)
	for _, a := range added {
		fmt.Fprintln(os.Stderr, "added pin", a)
	}
	for _, d := range dropped {
		fmt.Fprintln(os.Stderr, "dropped pin (target gone)", d)
	}
	if !strings.HasSuffix(before, "\n") {
		before += "\n"
	}
	return os.WriteFile(overlayPath, []byte(before+overlaypins.Render(pins)+after), 0o644)
}
