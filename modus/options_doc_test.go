package modus

import (
	"go/ast"
	"go/parser"
	"go/token"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestOptionDocListsEveryScope checks the Option doc against the code: each
// exported option constructor of the package (found by parsing it, so a new
// one must be added here) is named in the doc's part for its scope: "Most
// options work in both places" ... "Client-only options" ... "call-only".
func TestOptionDocListsEveryScope(t *testing.T) {
	opts := map[string]Option{
		"WithAPIKey":            WithAPIKey(testKey),
		"WithBaseURL":           WithBaseURL("https://x.example"),
		"WithAgentHost":         WithAgentHost("x.example"),
		"WithHTTPClient":        WithHTTPClient(http.DefaultClient),
		"WithUserAgent":         WithUserAgent("x"),
		"WithOrganizationID":    WithOrganizationID("o"),
		"WithHeader":            WithHeader("X-A", "b"),
		"WithMaxRetries":        WithMaxRetries(1),
		"WithRetryBackoff":      WithRetryBackoff(time.Millisecond, time.Second),
		"WithRequestTimeout":    WithRequestTimeout(time.Second),
		"WithMaxResponseSize":   WithMaxResponseSize(1),
		"WithIdempotencyKey":    WithIdempotencyKey("k"),
		"WithStreamReconnects":  WithStreamReconnects(1),
		"WithStreamIdleTimeout": WithStreamIdleTimeout(time.Second),
		"WithMaxEventSize":      WithMaxEventSize(1),
		"WithMiddleware":        WithMiddleware(func(r *http.Request, next MiddlewareNext) (*http.Response, error) { return next(r) }),
		"WithLogger":            WithLogger(slog.Default()),
		"WithDebugBodies":       WithDebugBodies(1),
		"WithResponseInto":      WithResponseInto(&ResponseMeta{}),
		"WithOnReconnect":       WithOnReconnect(func(ReconnectInfo) {}),
		"WithObserver":          WithObserver(Observer{}),
		"WithOptions":           WithOptions(WithHeader("X-A", "b")),
	}
	fset := token.NewFileSet()
	names, err := filepath.Glob("*.go")
	require.NoError(t, err)
	var files []*ast.File
	for _, name := range names {
		if !strings.HasSuffix(name, "_test.go") {
			f, err := parser.ParseFile(fset, name, nil, parser.ParseComments)
			require.NoError(t, err)
			files = append(files, f)
		}
	}
	var optionDoc string
	for _, f := range files {
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil && d.Name.IsExported() && d.Type.Results != nil && len(d.Type.Results.List) == 1 {
					if id, ok := d.Type.Results.List[0].Type.(*ast.Ident); ok && id.Name == "Option" {
						_, known := opts[d.Name.Name]
						assert.True(t, known, "%s returns an Option: add it to this test", d.Name.Name)
					}
				}
			case *ast.GenDecl:
				for _, sp := range d.Specs {
					if ts, ok := sp.(*ast.TypeSpec); ok && ts.Name.Name == "Option" {
						optionDoc = d.Doc.Text()
					}
				}
			}
		}
	}
	text := strings.Join(strings.Fields(optionDoc), " ")
	_, rest, ok1 := strings.Cut(text, "Most options work in both places")
	bothPart, rest, ok2 := strings.Cut(rest, "Client-only options")
	clientPart, callPart, ok3 := strings.Cut(rest, "call-only")
	require.True(t, ok1 && ok2 && ok3, "the Option doc lost its three parts:\n%s", optionDoc)
	for name, o := range opts {
		require.NoError(t, o.apply(&settings{}), "%s: the test gives it a bad value", name)
		part := map[optionScope]string{scopeClient | scopeCall: bothPart, scopeClient: clientPart, scopeCall: callPart}[o.scope]
		assert.Contains(t, part, name, "%s (scope %b) is not named where the Option doc lists its scope", name, o.scope)
	}
}
