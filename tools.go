//go:build tools

// Package tools pins the code generator used by go generate, so that
// `go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen` runs the
// version recorded in go.mod. The other development tools (oasdiff,
// staticcheck, govulncheck, actionlint) need Go 1.26 or a conflicting
// dependency and are pinned in internal/tools instead, out of the library's
// module graph.
package tools

import (
	_ "github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen"
)
