package modustest

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/modus-data/modus-sdk-go/gen"
)

// A Step is one thing a scripted run does: stream an event (Token, Done,
// Error, Cancelled, Notice, Heartbeat, ToolStart, ToolEnd, Event), wait
// (Pause), break the connection (Drop) or stay open without end (Hang).
// SetRunEvents and WithRunEvents take a run's steps.
type Step struct {
	kind  stepKind
	id    string
	event func(r *run) any // the event's JSON value, built when the run starts
	pause time.Duration
}

type stepKind int

const (
	stepEvent stepKind = iota
	stepTerminal
	stepPause
	stepDrop
	stepHang
)

// WithID gives an event step the SSE id id instead of the one the fake
// makes (<start ms>-<index>); a client resuming after it sends id as
// Last-Event-ID. WithID on a step that is not an event, or with an empty
// id, panics.
func (s Step) WithID(id string) Step {
	if (s.kind != stepEvent && s.kind != stepTerminal) || id == "" {
		panic(fmt.Sprintf("modustest: WithID(%q): only an event step takes an id, and it must not be empty", id))
	}
	s.id = id
	return s
}

func eventStep(terminal bool, build func(r *run) any) Step {
	k := stepEvent
	if terminal {
		k = stepTerminal
	}
	return Step{kind: k, event: build}
}

// Token streams a token event: a piece of the answer's text.
func Token(text string) Step {
	return eventStep(false, func(*run) any {
		return gen.TokenRunEvent{Type: gen.RunEventTypeToken, Content: text}
	})
}

// Done streams the done event that ends a run, with the run's id (and, for
// a run of CreateRun, its thread id).
func Done() Step {
	return eventStep(true, func(r *run) any {
		d := gen.DoneRunEvent{Type: gen.RunEventTypeDone, RunID: r.id}
		if r.kind == "run" {
			d.ThreadID = ptr(r.threadID)
		}
		return d
	})
}

// Error streams an error event with message and no code; it ends the run.
// For an error event with a code (ErrorEvent.Code, RunError.Code), use
// Event("error", map[string]any{"error": message, "code": "RATE_LIMITED"}).
func Error(message string) Step {
	return eventStep(true, func(*run) any {
		return gen.ErrorRunEvent{Type: gen.RunEventTypeError, Message: message}
	})
}

// Cancelled streams the cancelled event of a run stopped before its end,
// naming the run; it ends the run.
func Cancelled() Step {
	return eventStep(true, func(r *run) any {
		return gen.CancelledRunEvent{Type: gen.RunEventTypeCancelled, RunIDs: []string{r.id}, Timestamp: r.ms}
	})
}

// Notice streams a notice event: a message for the user with severity
// (info or warning in the spec; any string is sent as given).
func Notice(severity, message string) Step {
	return eventStep(false, func(*run) any {
		return gen.NoticeRunEvent{Type: gen.RunEventTypeNotice, Severity: gen.NoticeRunEventSeverity(severity), Message: message}
	})
}

// Heartbeat streams a heartbeat event, as the API sends to keep a quiet
// connection open.
func Heartbeat() Step {
	return eventStep(false, func(r *run) any {
		return gen.HeartbeatRunEvent{Type: gen.RunEventTypeHeartbeat, Timestamp: ptr(r.ms)}
	})
}

// ToolStart streams a tool_start event: tool name begins call callID with
// input (any JSON value, nil for none).
func ToolStart(name, callID string, input any) Step {
	return eventStep(false, func(*run) any {
		return gen.ToolStartRunEvent{Type: gen.RunEventTypeToolStart, ToolName: &name, ToolCallID: &callID, Input: input}
	})
}

// ToolEnd streams a tool_end event: call callID of tool name ended with
// output (any JSON value, nil for none).
func ToolEnd(name, callID string, output any) Step {
	return eventStep(false, func(*run) any {
		return gen.ToolEndRunEvent{Type: gen.RunEventTypeToolEnd, ToolName: &name, ToolCallID: &callID, Output: output}
	})
}

// Event streams an event of any type with fields: a type the API may add
// later (the client delivers it as an unknown event), or a known type with
// fields of the test's choosing, such as Event("error", {"error": "...",
// "code": "RATE_LIMITED"}). An event of type done, error or cancelled ends
// the run. fields must not hold "type" (it is set to eventType) and
// eventType must not be empty; else it panics.
func Event(eventType string, fields map[string]any) Step {
	if _, ok := fields["type"]; ok || eventType == "" {
		panic("modustest: Event: eventType must not be empty and fields must not hold \"type\"")
	}
	terminal := eventType == "done" || eventType == "error" || eventType == "cancelled"
	return eventStep(terminal, func(*run) any {
		m := map[string]any{"type": eventType}
		for k, v := range fields {
			m[k] = v
		}
		return m
	})
}

// RawEvent streams data as the event's data byte for byte, such as JSON
// spread over several lines, which goes out as one data: line per line (a
// client joins them with newlines). It lets a test check that its code
// copes with what the fake's own events never hold. data must be a JSON
// object; its "type" decides, as for Event, whether it ends the run. Data
// that is not a JSON object panics.
func RawEvent(data string) Step {
	var head struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal([]byte(data), &head); err != nil || !strings.HasPrefix(strings.TrimSpace(data), "{") {
		panic(fmt.Sprintf("modustest: RawEvent: data must be a JSON object: %.40q", data))
	}
	terminal := head.Type == "done" || head.Type == "error" || head.Type == "cancelled"
	return eventStep(terminal, func(*run) any { return rawData(data) })
}

// rawData is event data stored as given, not encoded.
type rawData []byte

// Pause waits d before the next event, on every stream of the run (a
// resume that replays the event waits too); StallNextOn stops only the
// streams it names. A negative d panics.
func Pause(d time.Duration) Step {
	if d < 0 {
		panic(fmt.Sprintf("modustest: Pause(%v): negative pause", d))
	}
	return Step{kind: stepPause, pause: d}
}

// Drop breaks the connection of the first stream that reaches this point
// of the run, before the next event, as a lost connection would; resumes
// go past it. Use DropNextOn to break streams by route instead.
func Drop() Step { return Step{kind: stepDrop} }

// Hang keeps the stream open after the events before it, without a
// terminal event, until the client goes away or the server closes: a run
// that never ends, on every stream (a resume hangs too; for a stream that
// stalls once and then resumes, see StallNextOn). Steps after Hang are
// never reached.
func Hang() Step { return Step{kind: stepHang} }

// Tokens is one Token step per text.
func Tokens(texts ...string) []Step {
	steps := make([]Step, len(texts))
	for i, t := range texts {
		steps[i] = Token(t)
	}
	return steps
}

// SetRunScript sets the tokens every later run streams before its done
// event (default: an echo of the run's message, word by word); a workflow
// action streams them between its tool_start and tool_end events. No
// tokens restores the echo. For other events, pauses, drops or a run that
// never ends, see SetRunEvents.
func (s *Server) SetRunScript(tokens ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.state.words = append([]string(nil), tokens...)
}

// WithRunScript is SetRunScript as an Option of New and NewServer.
func WithRunScript(tokens ...string) Option {
	return func(s *Server) { s.SetRunScript(tokens...) }
}

// SetRunEvents sets the whole stream of every later run (CreateRun) and
// workflow action (ExecuteWorkflowAction): steps in order, a done event
// added at the end unless a step ends the run (Done, Error, Cancelled) or
// Hang keeps it open. A run already started keeps its events. No steps
// restores the default runs (see SetRunScript).
func (s *Server) SetRunEvents(steps ...Step) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.state.events = nil
	if len(steps) > 0 {
		s.state.events = append([]Step(nil), steps...)
	}
}

// WithRunEvents is SetRunEvents as an Option of New and NewServer.
func WithRunEvents(steps ...Step) Option {
	return func(s *Server) { s.SetRunEvents(steps...) }
}

// play turns steps into the run's frames, pauses, drop points and end. A
// script without a terminal step (Done, Error, Cancelled) or Hang gets a
// done event at its end.
func (r *run) play(steps []Step) {
	var pause time.Duration
	ended := false
	for _, s := range steps {
		switch s.kind {
		case stepPause:
			pause += s.pause
		case stepDrop:
			r.drops[len(r.frames)] = true
		case stepHang:
			r.hang = true
			return
		default:
			r.add(s.event(r), s.id, pause)
			pause = 0
			ended = ended || s.kind == stepTerminal
		}
	}
	if !ended {
		r.add(Done().event(r), "", pause)
	}
}
