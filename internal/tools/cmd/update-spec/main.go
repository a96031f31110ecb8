// Command update-spec replaces openapi.json with a newly published Modus
// spec after validating it and reporting what changed, then regenerates,
// builds and tests the SDK. Run it through `make update-spec SPEC=<file or
// URL>`; see package specupdate for what it checks and its exit statuses.
package main

import (
	"context"
	"flag"
	"os"
	"os/signal"

	"github.com/modus-data/modus-sdk-go/internal/tools/specupdate"
)

func main() {
	var o specupdate.Options
	flag.StringVar(&o.Root, "root", ".", "repository root")
	flag.StringVar(&o.Spec, "spec", "", "the new spec: a file or an http(s) URL")
	flag.StringVar(&o.Report, "report", "", "also write the Markdown report, capped for a pull request body, to this file")
	flag.StringVar(&o.FullReport, "full-report", "", "write the whole report to this file")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	status := specupdate.Run(ctx, o)
	stop()
	os.Exit(status)
}
