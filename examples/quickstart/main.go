// Quickstart is a tour of the Modus Go SDK: it lists agents and skills,
// creates a context note, and streams an agent run, printing the tokens as
// they arrive.
//
// With MODUS_API_KEY set it talks to the real Modus API, configured by the
// MODUS_* environment variables (set MODUS_ORGANIZATION_ID too: runs need
// it). Without it, it starts an in-process fake Modus server (package
// modustest) seeded with an agent and a skill, so that it runs anywhere:
//
//	go run ./examples/quickstart
package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/modus-data/modus-sdk-go/modus"
	"github.com/modus-data/modus-sdk-go/modus/modustest"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

// run is the whole program, writing what it sees to w.
func run(ctx context.Context, w io.Writer) error {
	client, stop, err := newClient(w)
	if err != nil {
		return err
	}
	defer stop()

	fmt.Fprintln(w, "Agents:")
	for agent, err := range client.Agents.All(ctx, nil) {
		if err != nil {
			return fmt.Errorf("listing agents: %w", err)
		}
		fmt.Fprintf(w, "  #%d %s (%s)\n", agent.ID, agent.Name, agent.Status)
	}

	fmt.Fprintln(w, "Skills:")
	for skill, err := range client.Skills.All(ctx, nil) {
		if err != nil {
			return fmt.Errorf("listing skills: %w", err)
		}
		fmt.Fprintf(w, "  #%d %s (%s)\n", skill.ID, skill.Name, skill.Status)
	}

	note, err := client.Context.CreateNote(ctx, modus.CreateNoteRequest{
		Title:   "Go SDK quickstart",
		Content: "Created by the Modus Go SDK quickstart.",
	})
	if err != nil {
		return fmt.Errorf("creating a note: %w", err)
	}
	fmt.Fprintf(w, "Created note %s\n", note.ContextItemID)

	stream, err := client.Runs.Create(ctx, modus.CreateRunRequest{
		Message:   "Hello from the Go SDK",
		SessionID: "quickstart",
	})
	if err != nil {
		return fmt.Errorf("starting a run: %w", err)
	}
	fmt.Fprint(w, "Run: ")
	for ev, err := range stream.All() { // All closes the stream at the end
		if err != nil {
			return fmt.Errorf("streaming the run: %w", err)
		}
		switch ev := ev.(type) {
		case *modus.TokenEvent:
			fmt.Fprint(w, ev.Content)
		case *modus.DoneEvent:
			fmt.Fprintf(w, "\nDone: run %s\n", ev.RunID)
		}
	}
	return nil
}

// newClient returns a client for the real API when MODUS_API_KEY is set,
// else one for a seeded in-process fake server; stop shuts the fake down.
func newClient(w io.Writer) (client *modus.Client, stop func(), err error) {
	if os.Getenv(modus.EnvAPIKey) != "" {
		client, err = modus.NewClient() // reads MODUS_API_KEY, MODUS_BASE_URL, ...
		return client, func() {}, err
	}

	fmt.Fprintln(w, "MODUS_API_KEY is not set: using an in-process fake Modus server (modustest)")
	srv := modustest.New()
	// No test here, so no testing.TB: a seed that cannot be done panics.
	srv.SeedAgent(nil, modustest.AgentSeed{Name: "Weekly sales report", Deployed: true})
	srv.SeedSkill(nil, modustest.SkillSeed{Name: "Support assistant", Deployed: true})
	client, err = srv.Client() // base URL, API key and organization id of the fake
	if err != nil {
		srv.Close()
		return nil, nil, err
	}
	return client, srv.Close, nil
}
