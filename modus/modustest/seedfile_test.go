package modustest_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode"

	"github.com/modus-data/modus-sdk-go/modus"
	"github.com/modus-data/modus-sdk-go/modus/modustest"
)

// Each bad seed file is refused with its file name, the line and the
// field at fault.
func TestParseSeedFileErrors(t *testing.T) {
	for _, c := range []struct {
		name, file  string
		line        int
		field, want string
	}{
		{"syntax", "{\n \"agents\": [\n  {\"name\": \"a\",}\n ]\n}", 3, "", "invalid JSON"},
		{"not an object", "\n[]", 2, "", "want a JSON object"},
		{"unknown field", "{\n \"agents\": [\n  {\n   \"nmae\": \"x\"\n  }\n ]\n}", 4, "agents[0].nmae", "unknown field"},
		{"unknown section", "{\n \"agent\": []\n}", 2, "agent", "unknown field"},
		{"wrong type", "{\n \"skills\": [\n  {\"name\": \"s\"},\n  {\"name\": 5}\n ]\n}", 4, "skills[1].name", "want string"},
		{"nested wrong type", "{\"skills\": [{\"name\": \"s\",\n \"memories\": [{\"memory\": true}]}]}", 2, "skills[0].memories[0].memory", "want string"},
		{"empty name", "{\"agents\": [\n{\"name\": \"a\"},\n{\"name\": \" \", \"deployed\": true}]}", 3, "agents[1].name", "must not be empty"},
		{"agent type", "{\"agents\": [{\"name\": \"a\",\n \"type\": \"robot\"}]}", 2, "agents[0].type", `unknown agent type "robot"`},
		{"run status", "{\"agents\": [{\"name\": \"a\", \"runs\": [\n{\"status\": \"completed\"},\n{\"status\": \"done\"}]}]}", 3, "agents[0].runs[1].status", `unknown run status "done"`},
		{"empty memory", "{\"skills\": [{\"name\": \"s\", \"memories\": [{\"memory\": \"m\"},\n{\"memory\": \" \"}]}]}", 2, "skills[0].memories[1].memory", "must not be empty"},
		{"no memory", "{\"skills\": [{\"name\": \"s\", \"memories\": [\n{\"metadata\": {}}]}]}", 2, "skills[0].memories[0].memory", "must not be empty"},
		{"skill name", "{\"skills\": [\n{}]}", 2, "skills[0].name", "must not be empty"},
		{"no messages", "{\"skills\": [{\"name\": \"s\", \"conversations\": [\n{\"messages\": []}]}]}", 2, "skills[0].conversations[0].messages", "at least one message"},
		{"context type", "{\"contextItems\": [\n{\"content\": {}}]}", 2, "contextItems[0].contextType", "must not be empty"},
		{"feedback", "{\"contextItems\": [{\"contextType\": \"note\",\n\"userFeedback\": \"great\"}]}", 2, "contextItems[0].userFeedback", `unknown value "great"`},
		{"two kinds in a step", "{\"runEvents\": [{\"token\": \"a\"},\n{\"token\": \"b\", \"drop\": true}]}", 2, "runEvents[1]", "exactly one of"},
		{"pause", "{\"runEvents\": [\n{\"pause\": \"soon\"}]}", 2, "runEvents[0]", `pause "soon"`},
		{"event type", "{\"runEvents\": [\n{\"event\": {\"text\": \"x\"}}]}", 2, "runEvents[0]", `"type"`},
		{"raw", "{\"runEvents\": [\n{\"raw\": \"[1]\"}]}", 2, "runEvents[0]", "RawEvent"},
		{"id on a pause", "{\"runEvents\": [\n{\"pause\": \"1s\", \"id\": \"x\"}]}", 2, "runEvents[0]", "WithID"},
	} {
		_, err := modustest.ParseSeedFile("seed.json", []byte(c.file))
		var se *modustest.SeedError
		if !errors.As(err, &se) {
			t.Errorf("%s: %v, want a *SeedError", c.name, err)
			continue
		}
		if se.File != "seed.json" || se.Line != c.line || se.Field != c.field || !strings.Contains(se.Msg, c.want) {
			t.Errorf("%s: %#v, want line %d, field %q and %q", c.name, se, c.line, c.field, c.want)
		}
		if prefix := "seed.json:"; !strings.HasPrefix(err.Error(), prefix) {
			t.Errorf("%s: %q", c.name, err)
		}
	}
}

// A seed file loads through the Seed methods' code: what it holds is what
// the API shows.
func TestLoadSeed(t *testing.T) {
	f, err := modustest.ParseSeedFile("seed.json", []byte(`{
	  "agents": [{"name": "Weekly report", "deployed": true, "runs": [{"status": "completed"}, {"status": "error"}]},
	             {"name": "Gone", "deleted": true}],
	  "skills": [{"name": "Support", "instructions": ["Be brief"],
	              "memories": [{"memory": "Prefers email", "metadata": {"userId": "u1"}}],
	              "conversations": [{"messages": ["Hello", "And then?"]}]}],
	  "contextItems": [{"contextType": "note", "content": {"title": "Q3"}, "topics": ["finance"]}],
	  "connections": [{"name": "warehouse", "type": "postgresql"}],
	  "runEvents": [{"token": "Hel", "id": "t1"}, {"pause": "1ms"}, {"event": {"type": "notice", "severity": "info", "message": "m"}}, {"token": "lo"}]
	}`))
	if err != nil {
		t.Fatal(err)
	}
	srv := modustest.NewServer(t)
	res, err := srv.LoadSeed(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Agents) != 2 || len(res.AgentRuns) != 2 || len(res.Skills) != 1 || len(res.Memories) != 1 ||
		len(res.Conversation) != 1 || len(res.ContextItems) != 1 || len(res.Connections) != 1 {
		t.Fatalf("result %+v", res)
	}
	checkSeeded(t, srv, res)
}

// checkSeeded reads back through the client what TestLoadSeed seeded.
func checkSeeded(t *testing.T, srv *modustest.Server, res *modustest.SeedResult) {
	t.Helper()
	client, _ := srv.Client()
	ctx := context.Background()
	agents, err := client.Agents.List(ctx, nil)
	if err != nil || len(agents.Items) != 1 || agents.Items[0].Status != modus.StatusActive {
		t.Fatalf("agents %+v %v", agents, err)
	}
	convs, err := client.Skills.Conversations.List(ctx, res.Skills[0].ID, nil)
	if err != nil || len(convs.Items) != 1 || convs.Items[0].MessageCount != 4 {
		t.Fatalf("conversations %+v %v", convs, err)
	}
	stream, err := client.Runs.Create(ctx, modus.CreateRunRequest{Message: "m", SessionID: "s"})
	if err != nil {
		t.Fatal(err)
	}
	if r, err := stream.Collect(); err != nil || r.Text != "Hello" {
		t.Fatalf("run %q %v", r.Text, err)
	}
}

// The seed file's entries have the Go seeds' fields: each JSON name is
// its Go field's name in lowerCamelCase.
func TestSeedFileFieldsAreTheGoSeeds(t *testing.T) {
	for _, v := range []any{modustest.AgentSeed{}, modustest.SkillSeed{}, modustest.ContextItemSeed{}} {
		typ := reflect.TypeOf(v)
		for i := range typ.NumField() {
			f := typ.Field(i)
			name := f.Name
			want := strings.Replace(string(unicode.ToLower(rune(name[0])))+name[1:], "ID", "Id", 1)
			if tag := f.Tag.Get("json"); tag != want {
				t.Errorf("%s.%s: json %q, want %q", typ.Name(), name, tag, want)
			}
		}
	}
}
