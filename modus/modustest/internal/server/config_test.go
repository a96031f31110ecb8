package server_test

import (
	"os"
	"reflect"
	"testing"

	"go.yaml.in/yaml/v3"
)

// The server's models are aliases of gen's types by name, so both configs
// must name types alike: same overlay, normalizer, initialisms, collision
// and anonymous-schema settings. Only the user templates (which turn the
// model declarations into aliases) and what is generated may differ. A
// mismatch would also fail the build; this test says why.
func TestConfigNamesTypesAsGen(t *testing.T) {
	load := func(path string) map[string]any {
		t.Helper()
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := yaml.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	gen, srv := load("../../../../oapi-codegen.yaml"), load("oapi-codegen.yaml")
	genOut, _ := gen["output-options"].(map[string]any)
	srvOut, _ := srv["output-options"].(map[string]any)
	if _, ok := srvOut["user-templates"]; !ok {
		t.Fatal("the server config has no user templates: its models would be a second copy of gen's")
	}
	delete(srvOut, "user-templates")
	delete(genOut, "user-templates") // gen's own (its imports) do not name types
	if !reflect.DeepEqual(genOut, srvOut) {
		t.Errorf("output-options differ:\ngen:    %v\nserver: %v", genOut, srvOut)
	}
	if !reflect.DeepEqual(gen["compatibility"], srv["compatibility"]) {
		t.Errorf("compatibility differs:\ngen:    %v\nserver: %v", gen["compatibility"], srv["compatibility"])
	}
}
