package modustest_test

import (
	"encoding/json"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/modus-data/modus-sdk-go/gen"
	"github.com/modus-data/modus-sdk-go/modus/modustest"
)

// spec is the part of openapi.json these tests read the API's own words from.
type spec struct {
	Paths map[string]map[string]struct {
		Parameters []struct {
			Name   string `json:"name"`
			Schema struct {
				Default any `json:"default"`
			} `json:"schema"`
		} `json:"parameters"`
	} `json:"paths"`
	Components struct {
		Schemas map[string]struct {
			Properties map[string]struct {
				Description string `json:"description"`
				Example     any    `json:"example"`
			} `json:"properties"`
		} `json:"schemas"`
	} `json:"components"`
}

func loadSpec(t *testing.T) spec {
	t.Helper()
	b, err := os.ReadFile("../../openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var s spec
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

func usage(t *testing.T, srv *modustest.Server, extra string) (gen.ListUsageResponseDto, []byte) {
	t.Helper()
	q := "/api/v1/usage?rollup=hour&since=" + url.QueryEscape("2026-05-01T00:00:00Z") +
		"&until=" + url.QueryEscape("2026-05-01T03:00:00Z") + extra
	var out gen.ListUsageResponseDto
	resp, body := call(t, srv, "GET", q, nil)
	expect(t, resp, body, 200, &out)
	return out, body
}

// The spec: group_by defaults to skill; group_value is "Value of the
// grouping dimension for this row".
func TestUsageGroupingAsSpec(t *testing.T) {
	s := loadSpec(t)
	var def any
	for _, p := range s.Paths["/api/v1/usage"]["get"].Parameters {
		if p.Name == "group_by" {
			def = p.Schema.Default
		}
	}
	if def != "skill" {
		t.Fatalf("spec default of group_by is %v; this test expects skill", def)
	}
	srv := modustest.NewServer(t)
	out, body := usage(t, srv, "&model=gpt-5.5")
	if out.GroupBy == nil || string(*out.GroupBy) != def {
		t.Fatalf("group_by without a group_by parameter: %s", body)
	}
	cases := []struct{ query, want string }{
		{"&skill_id=7", "7"},                // default grouping: by skill
		{"&group_by=skill&skill_id=7", "7"}, // the skill's id, not the model
		{"&group_by=agent&agent_id=3", "3"}, // the agent's id
		{"&group_by=interface&interface=slack", "slack"},
		{"&group_by=model", "gpt-5.5"},
		{"&group_by=all", "all"},
	}
	for _, c := range cases {
		out, body := usage(t, srv, c.query+"&model=gpt-5.5")
		if len(out.Buckets) == 0 {
			t.Fatalf("%s: no buckets", c.query)
		}
		for _, b := range out.Buckets {
			if b.GroupValue == nil || *b.GroupValue != c.want {
				t.Fatalf("%s: group_value %v, want %q: %s", c.query, b.GroupValue, c.want, body)
			}
			if strings.Contains(c.query, "group_by=model") != (b.Model != nil) {
				t.Fatalf("%s: model is set only when grouping by model: %s", c.query, body)
			}
		}
	}
}

// The spec: org_id is the "Organization id of the identity provider
// (org_...), not the organization UUID".
func TestUsageOrgIDAsSpec(t *testing.T) {
	desc := loadSpec(t).Components.Schemas["ListUsageResponseDto"].Properties["org_id"].Description
	if !strings.Contains(desc, "(org_...)") {
		t.Fatalf("spec's org_id description changed: %q", desc)
	}
	out, body := usage(t, modustest.NewServer(t), "")
	if !strings.HasPrefix(out.OrgID, "org_") || out.OrgID == modustest.DefaultOrganizationID {
		t.Fatalf("org_id %q: %s", out.OrgID, body)
	}
}

// The spec's examples of times all show three-digit milliseconds
// (2026-05-01T10:00:00.000Z); so does every time the fake writes, whole
// seconds included.
func TestTimesHaveMilliseconds(t *testing.T) {
	ms := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)
	ex := loadSpec(t).Components.Schemas["AgentDto"].Properties["createdAt"].Example
	if s, _ := ex.(string); !ms.MatchString(s) {
		t.Fatalf("spec example of createdAt %v", ex)
	}
	anyTime := regexp.MustCompile(`"\d{4}-\d\d-\d\dT[^"]*"`)
	srv := modustest.NewServer(t)
	_, body := usage(t, srv, "")
	resp, agent := call(t, srv, "POST", "/api/v1/agents", map[string]any{"name": "a", "type": "task"})
	expect(t, resp, agent, 201, nil)
	for _, b := range [][]byte{body, agent} {
		times := anyTime.FindAll(b, -1)
		if len(times) < 2 {
			t.Fatalf("no times in %s", b)
		}
		for _, tm := range times {
			if !ms.Match(tm[1 : len(tm)-1]) {
				t.Fatalf("time %s without three-digit milliseconds in %s", tm, b)
			}
		}
	}
}
