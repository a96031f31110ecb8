package specupdate

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// Step is one command run in the repository root; its output goes to log.
type Step func(ctx context.Context, root string, log io.Writer) error

// Options configure Run.
type Options struct {
	Root       string // repository root: openapi.json and the overlays live here
	Spec       string // the new document: a file path, or an http(s) URL
	Report     string // the report, capped at ReportLimit, also printed to Stdout; "" for nowhere
	FullReport string // the whole report; "" for nowhere

	Stdout, Stderr io.Writer

	// Regenerate, Build and Test run in Root after the new files are written;
	// nil selects the real step (make generate; go build and go vet; go test).
	Regenerate, Build, Test Step
	// GoAPI writes the export data of ./modus and ./modus/modustest into dir
	// (after false) or diffs the packages against it (after true) and
	// returns apidiff's text; nil selects bin/apidiff (or apidiff on PATH).
	GoAPI func(ctx context.Context, root, dir string, after bool) (string, error)
}

// Run performs the whole update and returns the exit status (Exit*). It
// writes the report on every status.
func Run(ctx context.Context, o Options) int {
	if o.Stdout == nil {
		o.Stdout = os.Stdout
	}
	if o.Stderr == nil {
		o.Stderr = os.Stderr
	}
	rep := &Report{}
	status := run(ctx, o, &rep)
	rep.Status = status
	if rep.Headline == "" {
		rep.Headline = statusNames[status] + "."
	}
	capped := rep.Markdown(ReportLimit)
	fmt.Fprint(o.Stdout, capped)
	for path, text := range map[string]string{o.Report: capped, o.FullReport: rep.Markdown(0)} {
		if path == "" {
			continue
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			fmt.Fprintf(o.Stderr, "update-spec: %v\n", err)
			return ExitUsage
		}
	}
	fmt.Fprintf(o.Stderr, "update-spec: exit %d: %s\n", status, statusNames[status])
	return status
}

func run(ctx context.Context, o Options, repp **Report) int {
	rep := *repp
	fail := func(status int, headline string, todo ...string) int {
		rep.Headline, rep.Todo = headline, todo
		return status
	}
	if o.Spec == "" {
		return fail(ExitUsage, "No spec was given.", "Run `make update-spec SPEC=<file or URL>` (in CI: set the MODUS_SPEC_URL repository variable).")
	}
	raw, err := fetch(ctx, o.Spec)
	if err != nil {
		return fail(ExitUsage, fmt.Sprintf("Reading %s failed: %v.", o.Spec, err), "Check the URL (MODUS_SPEC_URL) or the file, then run the workflow again.")
	}
	tmp, err := os.MkdirTemp("", "update-spec-")
	if err != nil {
		return fail(ExitUsage, err.Error())
	}
	defer os.RemoveAll(tmp)

	res, err := Compare(o.Root, raw, tmp)
	*repp, rep = res.Report, res.Report
	if err != nil {
		return compareFailure(rep, err)
	}

	goAPI := o.GoAPI
	if goAPI == nil {
		goAPI = apidiff
	}
	exports := filepath.Join(tmp, "goapi")
	_ = os.MkdirAll(exports, 0o755)
	_, beforeErr := goAPI(ctx, o.Root, exports, false)

	if err := os.WriteFile(filepath.Join(o.Root, specFile), res.Spec, 0o644); err != nil {
		return fail(ExitUsage, err.Error())
	}
	if err := os.WriteFile(filepath.Join(o.Root, overlayFile), []byte(res.Overlay), 0o644); err != nil {
		return fail(ExitUsage, err.Error())
	}
	steps := []struct {
		name   string
		run    Step
		status int
	}{
		{"make generate", pick(o.Regenerate, command("make", "generate")), ExitBuild},
		{"go build and go vet", pick(o.Build, commands([]string{"go", "build", "-gcflags=-e", "./..."}, []string{"go", "vet", "./..."})), ExitBuild},
		{"go test", pick(o.Test, command("go", "test", "-count=1", "./...")), ExitTests},
	}
	var removals []string // "remove X from modus/aliases.txt", from aliasgen's warnings
	for _, s := range steps {
		fmt.Fprintf(o.Stderr, "update-spec: %s\n", s.name)
		var out bytes.Buffer
		err := s.run(ctx, o.Root, io.MultiWriter(o.Stderr, &out))
		removals = append(removals, aliasRemovals(out.String())...)
		if err != nil {
			rep.Failure = tail(out.String()+"\n"+err.Error(), 60)
			files := failingFiles(out.String())
			describeGoAPI(ctx, rep, goAPI, o.Root, exports, beforeErr, s.status == ExitTests, files)
			fix := "Fix the facade (modus/) or the fake (modus/modustest) on this branch; the failure's tail is below."
			if len(files) > 0 {
				fix = "Fix " + strings.Join(files, ", ") + " on this branch (the files the failure names; its tail is below)."
			}
			return fail(s.status, fmt.Sprintf("`%s` failed after openapi.json and the overlay were written.", s.name),
				append(removals, fix,
					"Operations added need a facade method and a modustest handler (listed below); the fake answers 501 until then.",
					"Then run `make generate && make test` and push to the branch.")...)
		}
	}
	describeGoAPI(ctx, rep, goAPI, o.Root, exports, beforeErr, true, nil)
	if rep.GoBreaking > 0 {
		return fail(ExitBreaking, fmt.Sprintf("%d change(s) are breaking for Go code; the update is applied and tested.", rep.GoBreaking),
			append(removals, "Review the breaking changes and the Go API diff; release as a breaking change (CHANGELOG).")...)
	}
	return fail(ExitOK, "The update is applied, regenerated, built and tested.",
		append(removals, "Review and merge; add a CHANGELOG entry for what users see.")...)
}

// aliasRemovals returns what aliasgen's warnings ask for: one "remove X
// from modus/aliases.txt" for each alias whose gen type the spec dropped.
func aliasRemovals(out string) []string {
	var todo []string
	for _, m := range aliasRemovalRE.FindAllStringSubmatch(out, -1) {
		todo = append(todo, fmt.Sprintf("remove %s from modus/aliases.txt (the spec dropped gen.%s).", m[2], m[1]))
	}
	return todo
}

var (
	aliasRemovalRE = regexp.MustCompile(`gen has no type (\w+)\b.*; remove (\w+) from modus/aliases\.txt`)
	// goFileRE matches the position a compiler, vet or test error starts with.
	goFileRE = regexp.MustCompile(`(?m)^(?:vet: )?\.?/?([\w./-]+\.go):\d+(?::\d+)?: `)
)

// failingFiles returns the Go files a build or test output names in its
// errors, in order, each once.
func failingFiles(out string) []string {
	var files []string
	seen := map[string]bool{}
	for _, m := range goFileRE.FindAllStringSubmatch(out, -1) {
		if f := m[1]; !seen[f] {
			seen[f] = true
			files = append(files, f)
		}
	}
	return files
}

// compareFailure turns an error of Compare into the report's status and advice.
func compareFailure(rep *Report, err error) int {
	status := ExitStatus(err)
	rep.Failure = err.Error()
	switch status {
	case ExitInvalidSpec:
		rep.Headline = "The published spec does not parse or validate; nothing was written."
		rep.Todo = []string{
			"If it is an upstream defect (an array without items, a broken $ref), repair it with an action in oapi-codegen-fixups.yaml and run again; tell the API team.",
			"Examples that contradict their schema are only warnings; this is something else (see Failure).",
		}
	case ExitOverlay:
		rep.Headline = "An overlay action aims at something the API renamed inside a schema or operation that is still there; nothing was written."
		rep.Todo = []string{
			"Re-aim each listed action at the new name in oapi-codegen-overlay.yaml (or delete it if the Go choice no longer applies), then run again.",
		}
	default:
		rep.Headline = "update-spec could not finish; nothing was written."
		rep.Todo = []string{"See Failure; fix the files it names and run again."}
	}
	return status
}

// describeGoAPI fills the Go API section: apidiff against the export data
// taken before the files were written.
func describeGoAPI(ctx context.Context, rep *Report, goAPI func(context.Context, string, string, bool) (string, error), root, dir string, beforeErr error, built bool, failing []string) {
	switch {
	case beforeErr != nil:
		rep.GoAPI = "Not available: " + beforeErr.Error()
	case !built && len(failing) > 0:
		rep.GoAPI = "Not available: the packages do not build; the failing files: " + strings.Join(failing, ", ") + " (see Failure)."
	case !built:
		rep.GoAPI = "Not available: the packages do not build (see Failure)."
	default:
		text, err := goAPI(ctx, root, dir, true)
		if err != nil {
			rep.GoAPI = "Not available: " + err.Error()
			return
		}
		rep.GoAPI = verdict(text) + "\n\n" + text
	}
}

// verdict reads apidiff's output as a semantic-version verdict.
func verdict(text string) string {
	switch {
	case strings.Contains(text, "Incompatible changes:"):
		return "**Verdict: incompatible** — a major version (before v1: a minor version with a breaking-change note). Code using the identifiers below stops compiling."
	case strings.Contains(text, "Compatible changes:"):
		return "**Verdict: compatible additions** — a minor version."
	}
	return "**Verdict: no change to the exported Go API** — a patch version."
}

// goPackages are the packages whose exported API the report diffs.
var goPackages = []string{"modus", "modus/modustest"}

const modulePath = "github.com/modus-data/modus-sdk-go/"

// apidiff runs golang.org/x/exp/cmd/apidiff (bin/apidiff, built by make
// tools, else from PATH) for goPackages.
func apidiff(ctx context.Context, root, dir string, after bool) (string, error) {
	bin := filepath.Join(root, "bin", "apidiff")
	if _, err := os.Stat(bin); err != nil {
		if bin, err = exec.LookPath("apidiff"); err != nil {
			return "", errors.New("apidiff is not installed (make tools)")
		}
	}
	var b strings.Builder
	for _, pkg := range goPackages {
		export := filepath.Join(dir, strings.ReplaceAll(pkg, "/", "_")+".export")
		args := []string{"-w", export, modulePath + pkg}
		if after {
			args = []string{export, modulePath + pkg}
		}
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Dir = root
		out, err := cmd.CombinedOutput()
		if err != nil {
			return "", fmt.Errorf("apidiff %s: %v: %s", pkg, err, tail(string(out), 10))
		}
		if after {
			text := strings.TrimSpace(string(out))
			if text == "" {
				text = "no change"
			}
			fmt.Fprintf(&b, "**%s**\n\n```\n%s\n```\n\n", pkg, text)
		}
	}
	return strings.TrimSpace(b.String()), nil
}

// tail keeps the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = append([]string{fmt.Sprintf("… (%d lines before)", len(lines)-n)}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}

func pick(f, def Step) Step {
	if f != nil {
		return f
	}
	return def
}

func command(name string, args ...string) Step {
	return commands(append([]string{name}, args...))
}

func commands(cmds ...[]string) Step {
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
