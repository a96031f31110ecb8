//go:build tools

// Package actionlint pins actionlint, the GitHub Actions workflow linter that
// `make lint` runs. It is a module of its own: actionlint v1.7.12 needs
// go.yaml.in/yaml/v4 v4.0.0-rc.3, whose API differs from the v4.0.0 that
// oapi-codegen (in ../go.mod and the root go.mod) requires.
package actionlint

import (
	_ "github.com/rhysd/actionlint/cmd/actionlint"
)
