package modustest

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// StepJSON is a Step as a seed file's runEvents and the admin API write
// it: an object with exactly one of these fields, and optionally "id" (as
// Step.WithID) on an event:
//
//	{"token": "Hel"}                                   Token
//	{"done": true}                                     Done
//	{"error": "boom"}                                  Error
//	{"cancelled": true}                                Cancelled
//	{"notice": {"severity": "info", "message": "..."}} Notice
//	{"heartbeat": true}                                Heartbeat
//	{"event": {"type": "tool_start", "toolName": "x"}} Event, any type and fields
//	{"raw": "{\n \"type\": \"token\" ...}"}            RawEvent
//	{"pause": "500ms"}                                 Pause (a Go duration)
//	{"drop": true}                                     Drop
//	{"hang": true}                                     Hang
type StepJSON struct {
	ID        string         `json:"id,omitempty"`
	Token     *string        `json:"token,omitempty"`
	Done      bool           `json:"done,omitempty"`
	Error     *string        `json:"error,omitempty"`
	Cancelled bool           `json:"cancelled,omitempty"`
	Notice    *NoticeJSON    `json:"notice,omitempty"`
	Heartbeat bool           `json:"heartbeat,omitempty"`
	Event     map[string]any `json:"event,omitempty"`
	Raw       *string        `json:"raw,omitempty"`
	Pause     string         `json:"pause,omitempty"`
	Drop      bool           `json:"drop,omitempty"`
	Hang      bool           `json:"hang,omitempty"`
}

// NoticeJSON is the notice of a StepJSON.
type NoticeJSON struct {
	Severity string `json:"severity"`
	Message  string `json:"message"`
}

// Step is the Step j describes, or an error saying what is wrong with it.
func (j StepJSON) Step() (step Step, err error) {
	makers := j.makers()
	if len(makers) != 1 {
		return Step{}, fmt.Errorf("modustest: a step needs exactly one of token, done, error, cancelled, notice, heartbeat, event, raw, pause, drop, hang; got %d", len(makers))
	}
	// The constructors panic on bad arguments, as Go tests want; here the
	// panic becomes the error.
	defer func() {
		if r := recover(); r != nil {
			msg := fmt.Sprint(r)
			if !strings.HasPrefix(msg, "modustest: ") {
				panic(r)
			}
			err = fmt.Errorf("%s", msg)
		}
	}()
	step, err = makers[0]()
	if err == nil && j.ID != "" {
		step = step.WithID(j.ID)
	}
	return step, err
}

// makers are the constructors of the fields j sets.
func (j StepJSON) makers() []func() (Step, error) {
	var m []func() (Step, error)
	add := func(set bool, f func() (Step, error)) {
		if set {
			m = append(m, f)
		}
	}
	ok := func(s Step) func() (Step, error) { return func() (Step, error) { return s, nil } }
	add(j.Token != nil, func() (Step, error) { return Token(*j.Token), nil })
	add(j.Done, ok(Done()))
	add(j.Error != nil, func() (Step, error) { return Error(*j.Error), nil })
	add(j.Cancelled, ok(Cancelled()))
	add(j.Notice != nil, func() (Step, error) { return Notice(j.Notice.Severity, j.Notice.Message), nil })
	add(j.Heartbeat, ok(Heartbeat()))
	add(j.Event != nil, j.event)
	add(j.Raw != nil, func() (Step, error) { return RawEvent(*j.Raw), nil })
	add(j.Pause != "", j.pause)
	add(j.Drop, ok(Drop()))
	add(j.Hang, ok(Hang()))
	return m
}

func (j StepJSON) event() (Step, error) {
	typ, _ := j.Event["type"].(string)
	if typ == "" {
		return Step{}, fmt.Errorf("modustest: event needs a string \"type\"")
	}
	fields := map[string]any{}
	for k, v := range j.Event {
		if k != "type" {
			fields[k] = v
		}
	}
	return Event(typ, fields), nil
}

func (j StepJSON) pause() (Step, error) {
	d, err := time.ParseDuration(j.Pause)
	if err != nil {
		return Step{}, fmt.Errorf("modustest: pause %q: want a duration such as 500ms or 2s", j.Pause)
	}
	return Pause(d), nil
}

// stepsOf turns steps written as JSON into Steps.
func stepsOf(js []StepJSON) ([]Step, error) {
	steps := make([]Step, len(js))
	for i, j := range js {
		s, err := j.Step()
		if err != nil {
			return nil, fmt.Errorf("step %d: %w", i, err)
		}
		steps[i] = s
	}
	return steps, nil
}

// jsonDuration reads a Go duration written as a JSON string ("1.5s").
type jsonDuration time.Duration

func (d *jsonDuration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("want a duration as a string, such as \"500ms\"")
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("want a duration such as \"500ms\" or \"2s\", got %q", s)
	}
	*d = jsonDuration(v)
	return nil
}
