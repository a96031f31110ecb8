package specupdate

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// Options configure Run.
type Options struct {
	Root   string // repository root: openapi.json and oapi-codegen-overlay.yaml live here
	Spec   string // the new document: a file path, or an http(s) URL
	Report string // where the Markdown report is written as well as to Stdout; "" for nowhere

	Stdout, Stderr io.Writer

	// Regenerate, Build and Test run in Root after the new files are written;
	// nil selects the real step (make generate; go build and go vet; go test).
	Regenerate, Build, Test func(ctx context.Context, root string, log io.Writer) error
}

// Run performs the whole update and returns the exit status (Exit*).
func Run(ctx context.Context, o Options) int {
	if o.Stdout == nil {
		o.Stdout = os.Stdout
	}
	if o.Stderr == nil {
		o.Stderr = os.Stderr
	}
	fail := func(status int, format string, args ...any) int {
		fmt.Fprintf(o.Stderr, "update-spec: "+format+"\n", args...)
		return status
	}
	if o.Spec == "" {
		return fail(ExitUsage, "no spec given (SPEC=<file or URL>)")
	}
	tmp, err := os.MkdirTemp("", "update-spec-")
	if err != nil {
		return fail(ExitUsage, "%v", err)
	}
	defer os.RemoveAll(tmp)

	raw, err := fetch(ctx, o.Spec)
	if err != nil {
		return fail(ExitUsage, "%v", err)
	}
	newSpec := filepath.Join(tmp, "openapi.json")
	if err := os.WriteFile(newSpec, raw, 0o644); err != nil {
		return fail(ExitUsage, "%v", err)
	}
	specPath := filepath.Join(o.Root, "openapi.json")
	overlayPath := filepath.Join(o.Root, "oapi-codegen-overlay.yaml")
	res, err := Compare(specPath, newSpec, overlayPath, tmp)
	if err != nil {
		return fail(ExitStatus(err), "%v\nnothing was written", err)
	}
	report := res.Markdown()
	fmt.Fprint(o.Stdout, report)
	if o.Report != "" {
		if err := os.WriteFile(o.Report, []byte(report), 0o644); err != nil {
			return fail(ExitUsage, "%v", err)
		}
	}

	out, err := SpecJSON(raw)
	if err != nil {
		return fail(ExitInvalidSpec, "%v", err)
	}
	if err := os.WriteFile(specPath, out, 0o644); err != nil {
		return fail(ExitUsage, "%v", err)
	}
	if err := os.WriteFile(overlayPath, []byte(res.Overlay), 0o644); err != nil {
		return fail(ExitUsage, "%v", err)
	}
	steps := []struct {
		name   string
		run    func(context.Context, string, io.Writer) error
		status int
	}{
		{"regenerate", pick(o.Regenerate, command("make", "generate")), ExitBuild},
		{"build", pick(o.Build, commands([]string{"go", "build", "./..."}, []string{"go", "vet", "./..."})), ExitBuild},
		{"test", pick(o.Test, command("go", "test", "-count=1", "./...")), ExitTests},
	}
	for _, s := range steps {
		fmt.Fprintf(o.Stderr, "update-spec: %s\n", s.name)
		if err := s.run(ctx, o.Root, o.Stderr); err != nil {
			return fail(s.status, "%s failed: %v\nopenapi.json and the overlay are updated; fix the facade (modus/) or the overlay, then run make test", s.name, err)
		}
	}
	if len(res.Breaking) > 0 {
		return fail(ExitBreaking, "%d breaking change(s); the update is applied and tested, review it as a breaking release", len(res.Breaking))
	}
	fmt.Fprintln(o.Stderr, "update-spec: non-breaking update applied, regenerated, built and tested")
	return ExitOK
}

func pick(f, def func(context.Context, string, io.Writer) error) func(context.Context, string, io.Writer) error {
	if f != nil {
		return f
	}
	return def
}

func command(name string, args ...string) func(context.Context, string, io.Writer) error {
	return commands(append([]string{name}, args...))
}

func commands(cmds ...[]string) func(context.Context, string, io.Writer) error {
	return func(ctx context.Context, root string, log io.Writer) error {
		for _, c := range cmds {
			cmd := exec.CommandContext(ctx, c[0], c[1:]...)
			cmd.Dir, cmd.Stdout, cmd.Stderr = root, log, log
			if err := cmd.Run(); err != nil {
				return fmt.Errorf("%s: %w", strings.Join(c, " "), err)
			}
		}
		return nil
	}
}

// fetch reads a file, or GETs an http(s) URL.
func fetch(ctx context.Context, spec string) ([]byte, error) {
	if !strings.HasPrefix(spec, "http://") && !strings.HasPrefix(spec, "https://") {
		return os.ReadFile(spec)
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, spec, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", spec, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch %s: %s", spec, resp.Status)
	}
	return io.ReadAll(io.LimitReader(resp.Body, 64<<20))
}
