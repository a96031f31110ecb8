package modus

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

// FuzzDecodeEvent feeds arbitrary event data to the event decoder. It must
// never panic; its fast path for token events must agree with the
// encoding/json path on every input; and every known event decoded must
// survive a round trip through JSON.
func FuzzDecodeEvent(f *testing.F) {
	for _, s := range []string{
		`{"type":"token","content":"Hello"}`,
		`{"content":"Hello","type":"token"}`,
		` { "type" : "token" , "content" : "a\"b\\c\/d\n\t\u00e9\ud83d\ude00\ud800" } `,
		`{"type":"token","content":"x","content":"y"}`,
		`{"type":"token","Content":"x"}`,
		`{"type":"tok\u0065n","content":"x"}`,
		"{\"type\":\"token\",\"content\":\"\xff\"}",
		`{"type":"done","runId":"abc-123","threadId":"th"}`,
		`{"type":"error","error":"Idempotency-Key reused with a different request body"}`,
		`{"type":"error","error":"x","code":409}`,
		`{"type":"cancelled","runIds":["a","b"],"timestamp":1717000000123}`,
		`{"type":"notice","message":"m","severity":"warning"}`,
		`{"type":"heartbeat","timestamp":1717000000500}`,
		`{"type":"tool_start","toolName":"sql","toolCallId":"c","input":{"q":[1,2]}}`,
		`{"type":"tool_end","output":null,"more":{}}`,
		`{"type":"progress","runId":"r","step":1}`,
		`{}`, `null`, `[]`, `"token"`, `{"type":null}`, `{"type":"token","content":`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var scratch []byte
		ev, err := decodeEvent("1-0", data, &scratch)
		ref, refErr := decodeEventJSON("1-0", data)
		if (err == nil) != (refErr == nil) {
			t.Fatalf("fast path and encoding/json disagree on %q: %v / %v", data, err, refErr)
		}
		if err != nil {
			if ev != nil {
				t.Fatalf("event with error")
			}
			var de *EventDecodeError
			if !asDecodeError(err, &de) || de.EventID != "1-0" {
				t.Fatalf("error %T %v", err, err)
			}
			return
		}
		if !reflect.DeepEqual(ev, ref) {
			t.Fatalf("fast path gives %#v, encoding/json %#v, for %q", ev, ref, data)
		}
		if ev.ID() != "1-0" || ev.EventType() == "" && !isUnknown(ev) {
			t.Fatalf("id %q type %q", ev.ID(), ev.EventType())
		}
		if raw := ev.RawJSON(); !bytes.Equal(raw, data) || len(raw) > 0 && &raw[0] == &data[0] {
			t.Fatalf("RawJSON %q is not a copy of the event's data %q", raw, data)
		}
		// Round trip: the typed payload encodes to JSON that decodes to
		// the same event.
		var payload any
		switch e := ev.(type) {
		case *TokenEvent:
			payload = e.TokenRunEvent
		case *DoneEvent:
			payload = e.DoneRunEvent
		case *CancelledEvent:
			payload = e.CancelledRunEvent
		case *NoticeEvent:
			payload = e.NoticeRunEvent
		case *HeartbeatEvent:
			payload = e.HeartbeatRunEvent
		case *ErrorEvent:
			payload = map[string]any{"type": "error", "error": e.Message, "code": e.Code}
		case *ToolEvent:
			payload = e.Raw
		case *UnknownEvent:
			payload = e.Data
		}
		b, err := json.Marshal(payload)
		if err != nil {
			t.Fatalf("marshal %#v: %v", payload, err)
		}
		again, err := decodeEvent("1-0", b, &scratch)
		if err != nil {
			t.Fatalf("round trip of %q via %q: %v", data, b, err)
		}
		if e, ok := ev.(*ErrorEvent); ok && e.Code == "" {
			again.(*ErrorEvent).Code = "" // "" encodes as a present, empty code
		}
		if !sameEvent(ev, again) {
			t.Fatalf("round trip of %q via %q: %#v != %#v", data, b, ev, again)
		}
	})
}

func isUnknown(ev Event) bool { _, ok := ev.(*UnknownEvent); return ok }

func asDecodeError(err error, target **EventDecodeError) bool {
	de, ok := err.(*EventDecodeError)
	*target = de
	return ok
}

// sameEvent compares events, raw JSON fields by meaning; RawJSON, the
// bytes as sent, is not compared (a round trip reformats it).
func sameEvent(a, b Event) bool {
	switch x := a.(type) {
	case *ToolEvent:
		y := b.(*ToolEvent)
		return x.Type == y.Type && x.ToolName == y.ToolName && x.ToolCallID == y.ToolCallID &&
			jsonEqual(x.Input, y.Input) && jsonEqual(x.Output, y.Output)
	case *UnknownEvent:
		y := b.(*UnknownEvent)
		return x.Type == y.Type && x.runID == y.runID && jsonEqual(x.Data, y.Data)
	}
	return reflect.DeepEqual(withoutRaw(a), withoutRaw(b))
}

// frame gives tests access to an event's eventFrame through the Event.
func (e *eventFrame) frame() *eventFrame { return e }

// withoutRaw returns a shallow copy of ev with no RawJSON.
func withoutRaw(ev Event) Event {
	v := reflect.New(reflect.TypeOf(ev).Elem())
	v.Elem().Set(reflect.ValueOf(ev).Elem())
	c := v.Interface().(Event)
	c.(interface{ frame() *eventFrame }).frame().raw = ""
	return c
}

func jsonEqual(a, b json.RawMessage) bool {
	if len(a) == 0 || len(b) == 0 {
		return len(a) == len(b)
	}
	x, errX := decodeAny(a)
	y, errY := decodeAny(b)
	return errX == nil && errY == nil && reflect.DeepEqual(x, y)
}

// decodeAny decodes JSON keeping numbers as text (1e700 does not fit a
// float64 but is valid JSON).
func decodeAny(b []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	err := d.Decode(&v)
	return v, err
}
