//go:build tools

// Package tools pins the development tools that need a newer Go than the
// library itself (oasdiff and staticcheck require Go 1.26; the SDK supports
// Go 1.25), so that they stay out of the library's go.mod and its users'
// module graphs. The Makefile runs them with `go -C internal/tools run ...`
// or builds them from here. The code generator is pinned by ../../tools.go;
// actionlint by actionlint/tools.go, a module of its own because it needs a
// release candidate of go.yaml.in/yaml/v4 that the generator's final v4
// release replaces.
package tools

import (
	_ "github.com/oasdiff/oasdiff"
	_ "golang.org/x/exp/cmd/apidiff"
	_ "golang.org/x/vuln/cmd/govulncheck"
	_ "honnef.co/go/tools/cmd/staticcheck"
)
