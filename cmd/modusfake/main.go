// Command modusfake serves modustest's in-memory fake of the Modus API over
// HTTP, for services and tests written in any language:
//
//	go run github.com/modus-data/modus-sdk-go/cmd/modusfake@latest -seed seed.json
//
// It prints the API base URL, the agent URL, the key the fake accepts and
// the organization id runs must name, one per line on standard output, in
// the form of the SDKs' environment variables (MODUS_BASE_URL=...,
// MODUS_AGENT_HOST=..., MODUS_API_KEY=..., MODUS_ORGANIZATION_ID=...),
// logs each request to standard error, and serves the admin API under
// /_modustest/ (seed and reset, faults, scripted runs, the request journal,
// counts; see the README's "Testing without Go: modusfake"). It listens on
// loopback unless -addr says otherwise; on any other address the admin API
// needs -admin-token, and the command refuses to start without one. SIGINT
// or SIGTERM shut it down, open streams included.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/modus-data/modus-sdk-go/modus/modustest"
)

// shutdownGrace bounds how long a shutdown may take once asked for.
const shutdownGrace = 5 * time.Second

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "modusfake:", err)
		}
		os.Exit(2)
	}
}

// config is what the flags say.
type config struct {
	addr, key, seed, adminToken, logFormat string
	eventInterval                          time.Duration
	version                                bool
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("modusfake", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.addr, "addr", "127.0.0.1:4020", "address to listen on (port 0 picks a free one); a non-loopback address needs -admin-token")
	fs.StringVar(&c.key, "key", modustest.DefaultAPIKey, "the API key the fake accepts (a Bearer token)")
	fs.StringVar(&c.seed, "seed", "", "a JSON seed file (agents, skills, context items, connections, run scripts) loaded at start")
	fs.StringVar(&c.adminToken, "admin-token", "", "token the admin API under /_modustest/ requires (Authorization: Bearer <token>)")
	fs.StringVar(&c.logFormat, "log", "text", "request log format on standard error: text, json or off")
	fs.DurationVar(&c.eventInterval, "event-interval", 0, "pause between the events of a stream")
	fs.BoolVar(&c.version, "version", false, "print the version and exit")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments %q (flags only; see -h)", fs.Args())
	}
	if c.key == "" || strings.ContainsAny(c.key, " \t\r\n") {
		return c, errors.New("-key must be a non-empty token without spaces")
	}
	return c, nil
}

// run serves until ctx ends. It writes the URLs and key to stdout and the
// logs to stderr.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	if c.version {
		fmt.Fprintln(stdout, "modusfake", version())
		return nil
	}
	logger, err := newLogger(c.logFormat, stderr)
	if err != nil {
		return err
	}
	var seed *modustest.SeedFile
	if c.seed != "" {
		if seed, err = readSeedFile(c.seed); err != nil {
			return err
		}
	}
	if err := checkExposure(c.addr, c.adminToken); err != nil {
		return err
	}
	inner, err := net.Listen("tcp", c.addr)
	if err != nil {
		return err
	}
	l := &gatedListener{Listener: inner, open: make(chan struct{})}
	opts := []modustest.Option{modustest.WithListener(l), modustest.WithAPIKey(c.key),
		modustest.WithAdminToken(c.adminToken), modustest.WithEventInterval(c.eventInterval)}
	if logger != nil {
		opts = append(opts, modustest.WithLogger(logger))
	}
	srv := modustest.New(opts...)
	if seed != nil {
		_, err = srv.LoadSeed(seed)
	}
	// Connections wait in the backlog until the seed is in, so that a
	// client that gets an answer sees the seeded state.
	close(l.open)
	if err != nil {
		srv.Close()
		return fmt.Errorf("%s: %w", c.seed, err)
	}
	// The agent host is the same server: both hosts' paths are served.
	// The organization id is the one run requests must name.
	fmt.Fprintf(stdout, "MODUS_BASE_URL=%s\nMODUS_AGENT_HOST=%s\nMODUS_API_KEY=%s\nMODUS_ORGANIZATION_ID=%s\n",
		srv.URL(), srv.URL(), srv.APIKey(), srv.OrganizationID())
	if f, ok := stdout.(interface{ Sync() error }); ok {
		_ = f.Sync()
	}
	<-ctx.Done()
	return shutdown(srv, stderr)
}

// shutdown closes srv, cutting open streams, and gives up waiting after
// shutdownGrace.
func shutdown(srv *modustest.Server, stderr io.Writer) error {
	fmt.Fprintln(stderr, "modusfake: shutting down")
	done := make(chan struct{})
	go func() {
		srv.Close()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-time.After(shutdownGrace):
		return fmt.Errorf("shutdown took longer than %v; exiting anyway", shutdownGrace)
	}
}

// gatedListener accepts no connection before open is closed.
type gatedListener struct {
	net.Listener
	open chan struct{}
}

func (l *gatedListener) Accept() (net.Conn, error) {
	<-l.open
	return l.Listener.Accept()
}

func newLogger(format string, w io.Writer) (*slog.Logger, error) {
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, nil)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, nil)), nil
	case "off":
		return nil, nil
	}
	return nil, fmt.Errorf("-log %q: want text, json or off", format)
}

func readSeedFile(path string) (*modustest.SeedFile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return modustest.ParseSeedFile(path, data)
}

// checkExposure refuses an address reachable from other machines unless
// the admin API has a token: anyone who reaches it could reset or rig the
// fake.
func checkExposure(addr, adminToken string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("-addr %q: %w", addr, err)
	}
	if adminToken != "" || isLoopback(host) {
		return nil
	}
	return fmt.Errorf("-addr %q is not a loopback address: set -admin-token too, so that only you can use the admin API (or listen on 127.0.0.1)", addr)
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// version is the module version the command was built from ("(devel)" for
// a build from a work tree).
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok || bi.Main.Version == "" {
		return "(devel)"
	}
	return bi.Main.Version
}
