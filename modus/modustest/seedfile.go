package modustest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/modus-data/modus-sdk-go/modus"
)

// SeedFile is a whole starting state in JSON: what the modusfake command's
// -seed file and the admin API's POST /_modustest/seed hold. Its entries
// have the fields of the Go seeds (AgentSeed, SkillSeed, ContextItemSeed)
// in lowerCamelCase, with what belongs to an agent or a skill nested in
// it:
//
//	{
//	  "agents": [{"name": "Weekly report", "deployed": true, "runs": [{"status": "completed"}]}],
//	  "skills": [{"name": "Support", "memories": [{"memory": "Prefers email"}],
//	              "conversations": [{"messages": ["Hello"]}]}],
//	  "contextItems": [{"contextType": "note", "content": {"title": "Q3", "content": "Up 4%"}}],
//	  "connections": [{"name": "warehouse", "type": "postgresql"}],
//	  "runScript": ["Hel", "lo"],
//	  "runEvents": [{"token": "Hel"}, {"pause": "1s"}, {"token": "lo"}]
//	}
//
// runScript and runEvents are SetRunScript and SetRunEvents; the steps of
// runEvents are written as StepJSON describes.
type SeedFile struct {
	Agents       []SeedFileAgent   `json:"agents"`
	Skills       []SeedFileSkill   `json:"skills"`
	ContextItems []ContextItemSeed `json:"contextItems"`
	Connections  []struct {
		Name string `json:"name"`
		Type string `json:"type"`
	} `json:"connections"`
	RunScript []string   `json:"runScript"`
	RunEvents []StepJSON `json:"runEvents"`
}

// SeedFileAgent is an agent of a SeedFile with the runs of its history.
type SeedFileAgent struct {
	AgentSeed
	Runs []struct {
		Status modus.RunStatus `json:"status"`
	} `json:"runs"`
}

// SeedFileSkill is a skill of a SeedFile with its memories and
// conversations.
type SeedFileSkill struct {
	SkillSeed
	Memories []struct {
		Memory   string         `json:"memory"`
		Metadata map[string]any `json:"metadata"`
	} `json:"memories"`
	Conversations []struct {
		Messages []string `json:"messages"`
	} `json:"conversations"`
}

// SeedError is a SeedFile refused: the file, the line (from 1; 0 when
// unknown) and the field (a path such as skills[1].name) it is about.
type SeedError struct {
	File  string
	Line  int
	Field string
	Msg   string
}

// Error is "file:line: field: message", with the parts that are known.
func (e *SeedError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.Field != "" {
		b.WriteString(": " + e.Field)
	}
	return b.String() + ": " + e.Msg
}

// ParseSeedFile reads a SeedFile from data, checking it all before
// anything is seeded: JSON syntax, unknown fields, types, required fields
// and known values. name is the file's name for the errors, which are
// *SeedError.
func ParseSeedFile(name string, data []byte) (*SeedFile, error) {
	p := &seedParser{name: name, data: data}
	var syn *json.SyntaxError
	var probe any
	if err := json.Unmarshal(data, &probe); errors.As(err, &syn) {
		return nil, p.errAt(syn.Offset, "", "invalid JSON: "+syn.Error())
	} else if err != nil {
		return nil, p.errAt(0, "", err.Error())
	}
	if _, ok := probe.(map[string]any); !ok {
		return nil, p.errAt(1, "", "want a JSON object")
	}
	p.pos = map[string]int64{}
	if err := p.walk(json.NewDecoder(bytes.NewReader(data)), ""); err != nil {
		return nil, p.errAt(0, "", err.Error())
	}
	var f SeedFile
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, p.decodeError(err)
	}
	if err := p.check(&f); err != nil {
		return nil, err
	}
	return &f, nil
}

// seedParser keeps where each value of a seed file starts, by path.
type seedParser struct {
	name string
	data []byte
	pos  map[string]int64 // path (skills[1].name) to the offset just after its key or first token
}

// walk records the position of every value under path.
func (p *seedParser) walk(dec *json.Decoder, path string) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if _, ok := p.pos[path]; !ok {
		p.pos[path] = dec.InputOffset()
	}
	switch tok {
	case json.Delim('{'):
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return err
			}
			sub := strings.TrimPrefix(path+"."+fmt.Sprint(k), ".")
			p.pos[sub] = dec.InputOffset()
			if err := p.walk(dec, sub); err != nil {
				return err
			}
		}
	case json.Delim('['):
		for i := 0; dec.More(); i++ {
			if err := p.walk(dec, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	default:
		return nil
	}
	_, err = dec.Token() // the closing delimiter
	return err
}

// errAt is a SeedError at byte offset off.
func (p *seedParser) errAt(off int64, field, msg string) *SeedError {
	line := 0
	if off > 0 {
		line = 1 + bytes.Count(p.data[:min(int(off), len(p.data))], []byte("\n"))
	}
	return &SeedError{File: p.name, Line: line, Field: field, Msg: msg}
}

// errIn is a SeedError about the value at path, at its line or, for a
// field left out, at the line of the nearest value that holds it.
func (p *seedParser) errIn(path, format string, args ...any) *SeedError {
	at := path
	for {
		if off, ok := p.pos[at]; ok || at == "" {
			return p.errAt(off, path, fmt.Sprintf(format, args...))
		}
		at = at[:max(strings.LastIndexAny(at, ".["), 0)]
	}
}

var (
	unknownField = regexp.MustCompile(`^json: unknown field "(.*)"$`)
	embedded     = regexp.MustCompile(`\.?\b[A-Z]\w*`)
	listIndex    = regexp.MustCompile(`\[\d+\]`)
)

// decodeError turns an error of the typed decoding into a SeedError that
// names the field and its line.
func (p *seedParser) decodeError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		field := embedded.ReplaceAllString(te.Field, "") // the Go name of AgentSeed in SeedFileAgent, say
		return p.errAt(te.Offset, p.indexed(field, te.Offset), fmt.Sprintf("want %s, got a JSON %s", te.Type, te.Value))
	}
	if m := unknownField.FindStringSubmatch(err.Error()); m != nil {
		path := p.first(func(k string) bool { return k == m[1] || strings.HasSuffix(k, "."+m[1]) }, m[1])
		return p.errIn(path, "unknown field (see modustest.SeedFile for the fields)")
	}
	return p.errAt(0, "", err.Error())
}

// indexed finds the path with list indexes (skills[1].name) of the dotted
// field encoding/json reports (skills.name) whose value holds offset.
func (p *seedParser) indexed(field string, offset int64) string {
	best, bestOff := field, int64(-1)
	for k, off := range p.pos {
		if listIndex.ReplaceAllString(k, "") == field && off <= offset && off > bestOff {
			best, bestOff = k, off
		}
	}
	return best
}

// first is the path, in file order, that match selects; def when none.
func (p *seedParser) first(match func(string) bool, def string) string {
	best, bestOff := def, int64(-1)
	for k, off := range p.pos {
		if match(k) && (bestOff < 0 || off < bestOff) {
			best, bestOff = k, off
		}
	}
	return best
}

// check applies the rules the typed decoding cannot: required fields and
// known values, each reported at its own line.
func (p *seedParser) check(f *SeedFile) error {
	for _, check := range []func(*SeedFile) error{p.checkAgents, p.checkSkills, p.checkItems, p.checkSteps} {
		if err := check(f); err != nil {
			return err
		}
	}
	return nil
}

func (p *seedParser) checkAgents(f *SeedFile) error {
	for i, a := range f.Agents {
		at := fmt.Sprintf("agents[%d]", i)
		switch {
		case strings.TrimSpace(a.Name) == "":
			return p.errIn(at+".name", "must not be empty")
		case a.Type != "" && !a.Type.Valid():
			return p.errIn(at+".type", "unknown agent type %q (task or workflow)", a.Type)
		}
		for j, r := range a.Runs {
			if !r.Status.Valid() {
				return p.errIn(fmt.Sprintf("%s.runs[%d].status", at, j), "unknown run status %q", r.Status)
			}
		}
	}
	return nil
}

func (p *seedParser) checkSkills(f *SeedFile) error {
	for i, s := range f.Skills {
		at := fmt.Sprintf("skills[%d]", i)
		if strings.TrimSpace(s.Name) == "" {
			return p.errIn(at+".name", "must not be empty")
		}
		for j, m := range s.Memories {
			if strings.TrimSpace(m.Memory) == "" {
				return p.errIn(fmt.Sprintf("%s.memories[%d].memory", at, j), "must not be empty")
			}
		}
		for j, c := range s.Conversations {
			if len(c.Messages) == 0 {
				return p.errIn(fmt.Sprintf("%s.conversations[%d].messages", at, j), "want at least one message")
			}
		}
	}
	return nil
}

func (p *seedParser) checkItems(f *SeedFile) error {
	for i, it := range f.ContextItems {
		at := fmt.Sprintf("contextItems[%d]", i)
		switch {
		case it.ContextType == "":
			return p.errIn(at+".contextType", "must not be empty")
		case it.UserFeedback != "" && !it.UserFeedback.Valid():
			return p.errIn(at+".userFeedback", "unknown value %q (negative, neutral or positive)", it.UserFeedback)
		}
	}
	return nil
}

func (p *seedParser) checkSteps(f *SeedFile) error {
	for i, st := range f.RunEvents {
		if _, err := st.Step(); err != nil {
			return p.errIn(fmt.Sprintf("runEvents[%d]", i), "%s", strings.TrimPrefix(err.Error(), "modustest: "))
		}
	}
	return nil
}

// SeedResult is what LoadSeed created, in the file's order.
type SeedResult struct {
	Agents       []modus.Agent               `json:"agents"`
	Skills       []modus.Skill               `json:"skills"`
	ContextItems []modus.ContextItem         `json:"contextItems"`
	Memories     []modus.Memory              `json:"memories"`
	Conversation []modus.ConversationSummary `json:"conversations"`
	Connections  []modus.Connection          `json:"connections"`
	AgentRuns    []modus.AgentRun            `json:"agentRuns"`
}

// LoadSeed adds what f holds to the server, through the same code as the
// Seed methods, and sets its run scripts when it has any. f should come
// from ParseSeedFile, which checks it; an entry the server still refuses
// stops the load with an error naming it (what came before stays).
func (s *Server) LoadSeed(f *SeedFile) (*SeedResult, error) {
	res := &SeedResult{}
	for i, a := range f.Agents {
		if err := s.loadAgent(res, a); err != nil {
			return res, fmt.Errorf("agents[%d]: %w", i, err)
		}
	}
	for i, sk := range f.Skills {
		if err := s.loadSkill(res, sk); err != nil {
			return res, fmt.Errorf("skills[%d]: %w", i, err)
		}
	}
	for i, it := range f.ContextItems {
		item, err := s.seedContextItem(it)
		if err != nil {
			return res, fmt.Errorf("contextItems[%d]: %w", i, err)
		}
		res.ContextItems = append(res.ContextItems, item)
	}
	for _, c := range f.Connections {
		res.Connections = append(res.Connections, s.seedConnection(c.Name, c.Type))
	}
	if f.RunScript != nil {
		s.SetRunScript(f.RunScript...)
	}
	if f.RunEvents != nil {
		steps, err := stepsOf(f.RunEvents)
		if err != nil {
			return res, err
		}
		s.SetRunEvents(steps...)
	}
	return res, jsonCopy(res)
}

func (s *Server) loadAgent(res *SeedResult, in SeedFileAgent) error {
	a, err := s.seedAgent(in.AgentSeed)
	if err != nil {
		return err
	}
	res.Agents = append(res.Agents, a)
	for j, r := range in.Runs {
		ar, err := s.seedAgentRun(a.ID, r.Status)
		if err != nil {
			return fmt.Errorf("runs[%d]: %w", j, err)
		}
		res.AgentRuns = append(res.AgentRuns, ar)
	}
	return nil
}

func (s *Server) loadSkill(res *SeedResult, in SeedFileSkill) error {
	sk, err := s.seedSkill(in.SkillSeed)
	if err != nil {
		return err
	}
	res.Skills = append(res.Skills, sk)
	for j, m := range in.Memories {
		mem, err := s.seedMemory(sk.ID, m.Memory, m.Metadata)
		if err != nil {
			return fmt.Errorf("memories[%d]: %w", j, err)
		}
		res.Memories = append(res.Memories, mem)
	}
	for j, c := range in.Conversations {
		conv, err := s.seedConversation(sk.ID, c.Messages)
		if err != nil {
			return fmt.Errorf("conversations[%d]: %w", j, err)
		}
		res.Conversation = append(res.Conversation, conv)
	}
	return nil
}

// readSeed parses a seed from r (at most MaxRequestBodySize bytes).
func readSeed(name string, r io.Reader) (*SeedFile, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxRequestBodySize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxRequestBodySize {
		return nil, &SeedError{File: name, Msg: fmt.Sprintf("larger than %d bytes", MaxRequestBodySize)}
	}
	return ParseSeedFile(name, data)
}
