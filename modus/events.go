package modus

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"

	"github.com/modus-data/modus-sdk-go/gen"
)

// Event is one event of a run stream. The set of implementations is closed
// (it has an unexported method), so a type switch over the pointer types
// below covers every case; events of a type this SDK does not know come as
// *UnknownEvent rather than being dropped:
//
//	switch ev := stream.Event().(type) {
//	case *modus.TokenEvent:
//		fmt.Print(ev.Content)
//	case *modus.ToolEvent:
//		log.Printf("%s %s", ev.Type, ev.ToolName)
//	case *modus.DoneEvent:
//		log.Printf("run %s done", ev.RunID)
//	}
type Event interface {
	// ID is the event's Server-Sent Events id (such as
	// "1717000000000-3"), the cursor a resumed stream continues after.
	ID() string
	// RawJSON is the event's data as the server sent it (the SSE data
	// lines joined), so that a relay can forward the event as is, with ID.
	// Each call returns a new copy, which the caller may modify: the
	// event's own bytes are shared with its fields (a TokenEvent's Content
	// points into them) and stay read-only.
	RawJSON() json.RawMessage
	// EventType is the event's "type": EventTypeToken, EventTypeDone,
	// ..., or any other value for an *UnknownEvent.
	EventType() EventType
	isRunEvent()
}

// eventFrame is what every event keeps of its SSE frame: its id and its
// data. The stream never reuses data: each event has its own memory (see
// decodeEvent). The data is held as a string over those bytes, which makes
// them read-only: nothing hands out a writable slice of them (RawJSON
// copies), so a TokenEvent's Content can share them safely. A string
// header (16 bytes, not a slice's 24) also keeps a TokenEvent in a smaller
// allocation size class on the token fast path.
type eventFrame struct {
	id  string
	raw string
}

func newEventFrame(id string, data []byte) eventFrame {
	return eventFrame{id: id, raw: unsafe.String(unsafe.SliceData(data), len(data))}
}

// ID returns the event's SSE id.
func (e *eventFrame) ID() string { return e.id }

// RawJSON returns a copy of the event's data as sent; the caller owns it.
// A copy costs an allocation per call, but only for callers that want the
// bytes: decoding an event allocates nothing for them.
func (e *eventFrame) RawJSON() json.RawMessage {
	if e.raw == "" {
		return nil
	}
	return json.RawMessage(e.raw)
}

// data returns the event's data for reading only (json.Unmarshal).
func (e *eventFrame) data() []byte {
	return unsafe.Slice(unsafe.StringData(e.raw), len(e.raw))
}

// Event types, the values of Event.EventType for the known events.
const (
	EventTypeToken     = gen.RunEventTypeToken
	EventTypeDone      = gen.RunEventTypeDone
	EventTypeError     = gen.RunEventTypeError
	EventTypeCancelled = gen.RunEventTypeCancelled
	EventTypeNotice    = gen.RunEventTypeNotice
	EventTypeHeartbeat = gen.RunEventTypeHeartbeat
	EventTypeToolStart = gen.RunEventTypeToolStart
	EventTypeToolEnd   = gen.RunEventTypeToolEnd
)

// TokenEvent is a chunk of model output text: append Content to the answer.
// Fields (from TokenRunEvent): Content string, Type EventType.
//
// A stream hands out small token events from blocks of 63 (one allocation
// for all of them): an event stays valid for as long as the caller keeps
// it, and keeping one keeps its block (4 KiB) and the data of the others
// in it alive (see sse.Event.Data): a few KiB on a stream of small events,
// at most about 130 KiB.
type TokenEvent struct {
	TokenRunEvent
	eventFrame
}

// DoneEvent ends a run that finished successfully. It carries the run id
// and, when there is one, the conversation thread (ThreadID).
// Fields (from DoneRunEvent): RunID string, ThreadID *string, Type EventType.
type DoneEvent struct {
	DoneRunEvent
	eventFrame
}

// ErrorEvent ends a run that failed. The stream delivers it, then stops
// with a *RunError (from RunStream.Err) built from it. The server also sends
// it when an Idempotency-Key is reused with a different body (a conflict).
// Fields (from ErrorRunEvent): Message string, Type EventType; and Code.
type ErrorEvent struct {
	ErrorRunEvent
	// Code is the error's code, the same as the stream's RunError.Code:
	// the payload's "code" when it has one ("409" and "ALREADY_EXISTS" read
	// as ErrorCodeConflict), ErrorCodeConflict for an Idempotency-Key
	// reused with a different body, else "".
	Code ErrorCode
	eventFrame
}

// CancelledEvent ends a run that was cancelled.
// Fields (from CancelledRunEvent): RunIDs []string, Timestamp int64
// (Unix milliseconds), Type EventType.
type CancelledEvent struct {
	CancelledRunEvent
	eventFrame
}

// NoticeEvent is a warning or information about the run; the run goes on.
// Fields (from NoticeRunEvent): Message string, Severity NoticeSeverity
// ("info" or "warning"), Type EventType.
type NoticeEvent struct {
	NoticeRunEvent
	eventFrame
}

// HeartbeatEvent is a keep-alive; it carries no run data.
// Fields (from HeartbeatRunEvent): Timestamp *int64 (Unix milliseconds),
// Type EventType.
type HeartbeatEvent struct {
	HeartbeatRunEvent
	eventFrame
}

// ToolEvent reports a tool call starting (Type "tool_start", with Input) or
// finishing (Type "tool_end", with Output). The runtime may add fields beyond
// these; Raw holds the whole payload for them.
type ToolEvent struct {
	// Type is EventTypeToolStart or EventTypeToolEnd.
	Type EventType
	// ToolName names the tool, such as "sql_runner" ("" when absent).
	ToolName string
	// ToolCallID links a tool_end to its tool_start ("" when absent).
	ToolCallID string
	// Input is the JSON the tool was called with (tool_start; nil if absent).
	Input json.RawMessage
	// Output is the JSON the tool returned (tool_end; nil if absent).
	Output json.RawMessage
	// Raw is the event's whole JSON payload, the same bytes as RawJSON
	// (its own copy).
	Raw json.RawMessage
	eventFrame
}

// Start reports whether the event is a tool_start.
func (e *ToolEvent) Start() bool { return e.Type == EventTypeToolStart }

// UnknownEvent is an event whose type this SDK does not know, such as a
// runtime progress frame. It is delivered as it came, never dropped.
type UnknownEvent struct {
	// Type is the payload's "type" field ("" when it has none).
	Type EventType
	// Data is the event's JSON payload, the same bytes as RawJSON (its own
	// copy).
	Data json.RawMessage
	eventFrame
	// runID is the payload's "runId" string, if any (the stream learns
	// the run id from it).
	runID string
}

// EventType returns "token".
func (e *TokenEvent) EventType() EventType { return EventTypeToken }

// EventType returns "done".
func (e *DoneEvent) EventType() EventType { return EventTypeDone }

// EventType returns "error".
func (e *ErrorEvent) EventType() EventType { return EventTypeError }

// EventType returns "cancelled".
func (e *CancelledEvent) EventType() EventType { return EventTypeCancelled }

// EventType returns "notice".
func (e *NoticeEvent) EventType() EventType { return EventTypeNotice }

// EventType returns "heartbeat".
func (e *HeartbeatEvent) EventType() EventType { return EventTypeHeartbeat }

// EventType returns "tool_start" or "tool_end".
func (e *ToolEvent) EventType() EventType { return e.Type }

// EventType returns the payload's type.
func (e *UnknownEvent) EventType() EventType { return e.Type }

func (*TokenEvent) isRunEvent()     {}
func (*DoneEvent) isRunEvent()      {}
func (*ErrorEvent) isRunEvent()     {}
func (*CancelledEvent) isRunEvent() {}
func (*NoticeEvent) isRunEvent()    {}
func (*HeartbeatEvent) isRunEvent() {}
func (*ToolEvent) isRunEvent()      {}
func (*UnknownEvent) isRunEvent()   {}

func newEventDecodeError(id string, data []byte, err error) *EventDecodeError {
	if len(data) > 1024 {
		data = data[:1024]
	}
	return &EventDecodeError{EventID: id, Data: bytes.Clone(data), Err: err}
}

func newRunError(ev *ErrorEvent, runID string, key apiKey) *RunError {
	return &RunError{Message: key.maskFold(ev.Message), Code: ErrorCode(key.maskFold(string(ev.Code))),
		RunID: key.maskFold(runID), EventID: key.maskFold(ev.id)}
}

// errorEventCode is the one place an error event's code is read: the
// payload's code, upper-cased, with "409" and "ALREADY_EXISTS" as
// ErrorCodeConflict; without a code, the API's message for an
// Idempotency-Key reused with a different body (its error events carry no
// code) is ErrorCodeConflict too.
func errorEventCode(raw, message string) ErrorCode {
	code := strings.ToUpper(strings.TrimSpace(raw))
	switch code {
	case "409", "ALREADY_EXISTS":
		return ErrorCodeConflict
	case "":
		m := strings.ToLower(message)
		if strings.Contains(m, "idempotency") && (strings.Contains(m, "different") ||
			strings.Contains(m, "conflict") || strings.Contains(m, "409")) {
			return ErrorCodeConflict
		}
	}
	return ErrorCode(code)
}

// decodeEvent turns the data of one SSE event into a typed Event. data must
// not be modified afterwards: the events keep it (RawJSON, ToolEvent.Raw,
// UnknownEvent.Data, and a TokenEvent's Content shares its bytes); scratch
// is a reusable buffer for unescaping. The common token event takes a fast
// path (one allocation for the event, none for its text); anything else, or
// any token event the fast path is unsure of, is decoded by encoding/json,
// first its "type", then the whole payload into the matching type.
func decodeEvent(id string, data []byte, scratch *[]byte) (Event, error) {
	if content, ok := scanToken(data, scratch); ok {
		return newTokenEvent(new(TokenEvent), id, data, content), nil
	}
	return decodeEventJSON(id, data)
}

func newTokenEvent(ev *TokenEvent, id string, data []byte, content string) *TokenEvent {
	ev.eventFrame = newEventFrame(id, data)
	ev.Content, ev.Type = content, EventTypeToken
	return ev
}

// eventDecoder is decodeEvent for one stream: it takes small token events
// from chunks of tokenChunk values instead of allocating each.
type eventDecoder struct {
	scratch []byte
	tokens  []TokenEvent // the current chunk
	used    int          // events of it handed out
}

// Token chunks. A chunk is freed once none of its events is referenced,
// so an event kept alone keeps its chunk alive, and the data of the chunk's
// other events: only events of at most tokenChunkData bytes go in chunks,
// so that is at most 63 small events, in two or three of the sse decoder's
// blocks. 63 events of 64 bytes fill a 4 KiB size class, with the 8-byte
// header the allocator puts on such an object.
const (
	tokenChunk     = 63
	tokenChunkData = 128
)

func (d *eventDecoder) decode(id string, data []byte) (Event, error) {
	content, ok := scanToken(data, &d.scratch)
	if !ok {
		return decodeEventJSON(id, data)
	}
	if len(data) > tokenChunkData {
		return newTokenEvent(new(TokenEvent), id, data, content), nil
	}
	if d.used == len(d.tokens) {
		// An index rather than reslicing: a slice written back to the
		// heap costs a write barrier while the GC marks.
		d.tokens, d.used = make([]TokenEvent, tokenChunk), 0
	}
	ev := &d.tokens[d.used]
	d.used++
	return newTokenEvent(ev, id, data, content), nil
}

// decodeEventJSON is the general path of decodeEvent.
func decodeEventJSON(id string, data []byte) (Event, error) {
	if err := checkJSONObject(data); err != nil {
		return nil, newEventDecodeError(id, data, err)
	}
	var head struct {
		Type  EventType       `json:"type"`
		RunID json.RawMessage `json:"runId"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, newEventDecodeError(id, data, err)
	}
	f := newEventFrame(id, data)
	var (
		ev  Event
		err error
	)
	switch head.Type {
	case EventTypeToken:
		e := &TokenEvent{eventFrame: f}
		ev, err = e, json.Unmarshal(data, &e.TokenRunEvent)
	case EventTypeDone:
		e := &DoneEvent{eventFrame: f}
		ev, err = e, json.Unmarshal(data, &e.DoneRunEvent)
	case EventTypeError:
		ev, err = decodeErrorEvent(f)
	case EventTypeCancelled:
		e := &CancelledEvent{eventFrame: f}
		ev, err = e, json.Unmarshal(data, &e.CancelledRunEvent)
	case EventTypeNotice:
		e := &NoticeEvent{eventFrame: f}
		ev, err = e, json.Unmarshal(data, &e.NoticeRunEvent)
	case EventTypeHeartbeat:
		e := &HeartbeatEvent{eventFrame: f}
		ev, err = e, json.Unmarshal(data, &e.HeartbeatRunEvent)
	case EventTypeToolStart, EventTypeToolEnd:
		ev, err = decodeToolEvent(f, head.Type)
	default:
		ev = &UnknownEvent{Type: head.Type, Data: bytes.Clone(data), eventFrame: f, runID: jsonRawString(head.RunID)}
	}
	if err != nil {
		return nil, newEventDecodeError(id, data, err)
	}
	return ev, nil
}

// checkJSONObject returns nil if data starts like a JSON object (the
// decoder checks the rest), else the reason it is no run event: invalid
// JSON, or JSON of another kind.
func checkJSONObject(data []byte) error {
	if i := jsonSkipSpace(data, 0); i < len(data) && data[i] == '{' {
		return nil
	}
	if err := json.Unmarshal(data, new(json.RawMessage)); err != nil {
		return err
	}
	return errors.New("not a JSON object")
}

// decodeErrorEvent decodes an error event's payload f.raw.
func decodeErrorEvent(f eventFrame) (*ErrorEvent, error) {
	var w struct {
		ErrorRunEvent
		Code json.RawMessage `json:"code"`
		// AltMessage is "message", which some runtimes send instead of "error".
		AltMessage string `json:"message"`
	}
	if err := json.Unmarshal(f.data(), &w); err != nil {
		return nil, err
	}
	e := &ErrorEvent{ErrorRunEvent: w.ErrorRunEvent, eventFrame: f}
	if e.Message == "" {
		e.Message = w.AltMessage
	}
	e.Code = errorEventCode(jsonRawScalar(w.Code), e.Message)
	return e, nil
}

// decodeToolEvent decodes a tool_start or tool_end payload f.raw.
func decodeToolEvent(f eventFrame, typ EventType) (*ToolEvent, error) {
	var w struct {
		ToolName   *string         `json:"toolName"`
		ToolCallID *string         `json:"toolCallId"`
		Input      json.RawMessage `json:"input"`
		Output     json.RawMessage `json:"output"`
	}
	if err := json.Unmarshal(f.data(), &w); err != nil {
		return nil, err
	}
	return &ToolEvent{Type: typ, ToolName: stringValue(w.ToolName), ToolCallID: stringValue(w.ToolCallID),
		Input: w.Input, Output: w.Output, Raw: f.RawJSON(), eventFrame: f}, nil
}

func stringValue(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// jsonRawString returns raw as a string if it is a JSON string, else "".
func jsonRawString(raw json.RawMessage) string {
	var s string
	if len(raw) == 0 || raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}

// jsonRawScalar returns a JSON string's value or a number's text, else "".
func jsonRawScalar(raw json.RawMessage) string {
	if len(raw) > 0 && (raw[0] == '-' || raw[0] >= '0' && raw[0] <= '9') {
		return string(raw)
	}
	return jsonRawString(raw)
}

// scanToken is decodeEvent's fast path: it accepts exactly an object with
// the keys "type" (whose value is the plain string "token") and "content"
// (a string), once each, in any order, and returns the content. On anything
// else (other or repeated keys, escaped keys, invalid UTF-8 in the content,
// invalid JSON) it returns ok == false and encoding/json decides, so the
// result never differs from encoding/json's (FuzzDecodeEvent checks this).
func scanToken(data []byte, scratch *[]byte) (content string, ok bool) {
	if content, ok := scanTokenLayout(data, scratch); ok {
		return content, true
	}
	i := jsonSkipSpace(data, 0)
	if i == len(data) || data[i] != '{' {
		return "", false
	}
	var seenType, seenContent bool
	for {
		i = jsonSkipSpace(data, i+1)
		if i == len(data) || data[i] != '"' {
			return "", false
		}
		k := bytes.IndexByte(data[i+1:], '"')
		if k < 0 {
			return "", false
		}
		key := data[i+1 : i+1+k]
		i = jsonSkipSpace(data, i+2+k)
		if i == len(data) || data[i] != ':' {
			return "", false
		}
		i = jsonSkipSpace(data, i+1)
		switch string(key) {
		case "type":
			const tok = `"token"`
			if seenType || string(data[i:min(len(data), i+len(tok))]) != tok {
				return "", false
			}
			seenType, i = true, i+len(tok)
		case "content":
			if seenContent {
				return "", false
			}
			var next int
			if content, next, ok = jsonScanString(data, i, scratch); !ok {
				return "", false
			}
			seenContent, i = true, next
		default:
			return "", false
		}
		i = jsonSkipSpace(data, i)
		if i == len(data) {
			return "", false
		}
		switch data[i] {
		case ',':
			continue
		case '}':
			if jsonSkipSpace(data, i+1) != len(data) || !seenType || !seenContent {
				return "", false
			}
			return content, true
		default:
			return "", false
		}
	}
}

// scanTokenLayout is scanToken for the layout the API sends, without
// spaces: `{"type":"token","content":"..."}`, checked in one go.
func scanTokenLayout(data []byte, scratch *[]byte) (string, bool) {
	if !hasTokenHead(data) {
		return "", false
	}
	if content, ok := shortContent(data[len(tokenHead):]); ok {
		return content, true
	}
	content, next, ok := jsonScanString(data, len(tokenHead), scratch)
	if !ok || next == len(data) || data[next] != '}' || jsonSkipSpace(data, next+1) != len(data) {
		return "", false
	}
	return content, true
}

// tokenHead starts the usual layout of a token event.
const tokenHead = `{"type":"token","content":`

// tokenHeadWords is tokenHead as little-endian words at 0, 8, 16 and 18
// (its last 8 bytes).
var tokenHeadWords = [4]uint64{
	binary.LittleEndian.Uint64([]byte(tokenHead[0:])),
	binary.LittleEndian.Uint64([]byte(tokenHead[8:])),
	binary.LittleEndian.Uint64([]byte(tokenHead[16:])),
	binary.LittleEndian.Uint64([]byte(tokenHead[len(tokenHead)-8:])),
}

// hasTokenHead reports whether data is longer than tokenHead and starts
// with it, comparing four words in place: a string comparison of this
// length calls memequal, a cost on every small event.
func hasTokenHead(data []byte) bool {
	return len(data) > len(tokenHead) &&
		binary.LittleEndian.Uint64(data[0:]) == tokenHeadWords[0] &&
		binary.LittleEndian.Uint64(data[8:]) == tokenHeadWords[1] &&
		binary.LittleEndian.Uint64(data[16:]) == tokenHeadWords[2] &&
		binary.LittleEndian.Uint64(data[len(tokenHead)-8:]) == tokenHeadWords[3]
}

// shortContent reads the tail of the usual layout when its text is short and
// plain, `"text"}` with up to 32 printable ASCII bytes, no quote, no
// backslash, in one loop; ok is false for anything else, which the general
// scan reads.
func shortContent(tail []byte) (string, bool) {
	n := len(tail)
	if n < 3 || n > 32+3 || tail[0] != '"' || tail[n-2] != '"' || tail[n-1] != '}' {
		return "", false
	}
	text := tail[1 : n-2]
	for _, c := range text {
		if !jsonPlainByte[c] {
			return "", false
		}
	}
	if len(text) == 0 {
		return "", true
	}
	// Shares data's bytes, as jsonScanString does.
	return unsafe.String(unsafe.SliceData(text), len(text)), true
}

func jsonSkipSpace(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// jsonScanString reads the JSON string starting at data[i] (a quote) and
// returns its value and the index after it. It gives up (ok == false) on
// invalid JSON and on invalid UTF-8, which encoding/json would replace.
// It looks at the string a word at a time: bytes.IndexByte finds the quote
// and any backslash, and jsonPlain checks the bytes between.
func jsonScanString(data []byte, i int, scratch *[]byte) (s string, next int, ok bool) {
	if i >= len(data) || data[i] != '"' {
		return "", 0, false
	}
	start := i + 1
	end, escaped := jsonStringEnd(data, start)
	if end < 0 {
		return "", 0, false
	}
	raw := data[start:end]
	if !jsonPlain(raw) {
		return "", 0, false
	}
	if !escaped {
		// The string shares data's bytes instead of copying them: data is
		// the event's own memory (sse gives each event its own), kept by
		// no one else and never written to (decodeEvent's contract). This
		// halves the memory of a large token event and saves an allocation
		// on every small one.
		if len(raw) == 0 {
			return "", end + 1, true
		}
		return unsafe.String(unsafe.SliceData(raw), len(raw)), end + 1, true
	}
	buf, ok := jsonUnescape((*scratch)[:0], raw)
	*scratch = buf
	if !ok {
		return "", 0, false
	}
	return string(buf), end + 1, true
}

// jsonStringEnd returns the index of the quote that closes the JSON string
// whose body starts at data[j] (-1 if none), and whether the body holds a
// backslash.
func jsonStringEnd(data []byte, j int) (end int, escaped bool) {
	// Most strings of a token stream are a few bytes long: a plain loop
	// finds their end sooner than the calls below.
	for stop := min(len(data), j+16); j < stop; j++ {
		switch data[j] {
		case '"':
			return j, escaped
		case '\\':
			escaped = true
			j++
		}
	}
	if j > len(data) {
		return -1, true
	}
	for {
		q := bytes.IndexByte(data[j:], '"')
		if q < 0 {
			return -1, escaped
		}
		b := bytes.IndexByte(data[j:j+q], '\\')
		if b < 0 {
			return j + q, escaped
		}
		// Skip the escaped byte (checked by jsonUnescape), which may be
		// the quote just found.
		escaped, j = true, j+b+2
		if j > len(data) {
			return -1, true
		}
	}
}

// jsonPlain reports whether a JSON string body has no control character
// and is valid UTF-8, looking at 8 bytes at a time: (w - 0x20 in each byte)
// &^ w has a byte's high bit set for some byte iff some byte is below 0x20.
func jsonPlain(b []byte) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	const ctl = 0x20 * ones
	var acc uint64 // the high bits of every byte seen
	i := 0
	for ; i+32 <= len(b); i += 32 {
		w0 := binary.LittleEndian.Uint64(b[i:])
		w1 := binary.LittleEndian.Uint64(b[i+8:])
		w2 := binary.LittleEndian.Uint64(b[i+16:])
		w3 := binary.LittleEndian.Uint64(b[i+24:])
		if ((w0-ctl)&^w0|(w1-ctl)&^w1|(w2-ctl)&^w2|(w3-ctl)&^w3)&highs != 0 {
			return false
		}
		acc |= w0 | w1 | w2 | w3
	}
	for ; i+8 <= len(b); i += 8 {
		w := binary.LittleEndian.Uint64(b[i:])
		if (w-ctl)&^w&highs != 0 {
			return false
		}
		acc |= w
	}
	for _, c := range b[i:] {
		if c < 0x20 {
			return false
		}
		acc |= uint64(c)
	}
	return acc&highs == 0 || utf8.Valid(b)
}

// jsonUnescape appends the value of the JSON string body raw (between its
// quotes, valid UTF-8, no control characters) to buf, as encoding/json
// would decode it: a lone surrogate becomes U+FFFD.
func jsonUnescape(buf, raw []byte) ([]byte, bool) {
	for len(raw) > 0 {
		k := bytes.IndexByte(raw, '\\')
		if k < 0 {
			return append(buf, raw...), true
		}
		buf = append(buf, raw[:k]...)
		var ok bool
		if buf, raw, ok = jsonUnescapeOne(buf, raw[k:]); !ok {
			return buf, false
		}
	}
	return buf, true
}

// jsonUnescapeOne appends the value of the escape sequence raw starts with
// (a backslash) to buf and returns what follows it.
func jsonUnescapeOne(buf, raw []byte) ([]byte, []byte, bool) {
	if len(raw) < 2 {
		return buf, nil, false
	}
	var c byte
	switch raw[1] {
	case '"', '\\', '/':
		c = raw[1]
	case 'b':
		c = '\b'
	case 'f':
		c = '\f'
	case 'n':
		c = '\n'
	case 'r':
		c = '\r'
	case 't':
		c = '\t'
	case 'u':
		return jsonUnescapeRune(buf, raw)
	default:
		return buf, nil, false
	}
	return append(buf, c), raw[2:], true
}

// jsonUnescapeRune appends the rune of the \uXXXX escape raw starts with, or
// of the surrogate pair \uXXXX\uXXXX, to buf and returns what follows.
func jsonUnescapeRune(buf, raw []byte) ([]byte, []byte, bool) {
	r := jsonHex4(raw[2:])
	if r < 0 {
		return buf, nil, false
	}
	raw = raw[6:]
	if utf16.IsSurrogate(r) {
		if len(raw) >= 6 && raw[0] == '\\' && raw[1] == 'u' {
			if r2 := jsonHex4(raw[2:]); r2 >= 0 {
				if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
					return utf8.AppendRune(buf, d), raw[6:], true
				}
			}
		}
		r = utf8.RuneError
	}
	return utf8.AppendRune(buf, r), raw, true
}

// jsonHex4 reads 4 hex digits, -1 if b does not start with them.
func jsonHex4(b []byte) rune {
	if len(b) < 4 {
		return -1
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r<<4 | rune(c)
	}
	return r
}

// jsonPlainByte marks the bytes a JSON string holds as they are, each decoding
// to itself: printable ASCII but '"' and '\\'.
var jsonPlainByte = func() (t [256]bool) {
	for c := 0x20; c < 0x7f; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()
