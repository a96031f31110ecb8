package overlaypins

import "testing"

func TestNumericPinOfBareNumber(t *testing.T) {
	for target, want := range map[string]string{
		"$.components.schemas.AgentDto.properties.id":                                            "integer int64",
		"$.components.schemas.RunDto.properties.agentId":                                         "integer int64",
		"$.components.schemas.X.properties.user_id":                                              "integer int64",
		"$.components.schemas.X.properties.runIds.items":                                         "integer int64",
		"$.components.schemas.X.properties.runCount":                                             "integer int64",
		"$.paths['/a/{id}'].get.parameters[?(@.name == 'id')].schema":                            "integer int64",
		"$.paths['/a'].get.responses['200'].content['application/json'].schema.properties.total": "integer int64",
		"$.components.schemas.UsageDto.properties.credits":                                       "number double",
		"$.components.schemas.X.properties.valid":                                                "number double",
		"$.components.schemas.X.properties.paid":                                                 "number double",
		"$.components.schemas.X.properties['discount']":                                          "number double",
	} {
		p := numericPin(Site{Target: target, Type: "number"}, "int64")
		if got := p.Type + " " + p.Format; got != want {
			t.Errorf("%s: %s, want %s", target, got, want)
		}
	}
}

func TestSplitRenderRoundTrip(t *testing.T) {
	pins := []Pin{
		{Target: "$.paths['/a'].get", OperationID: "ListA"},
		{Target: "$.components.schemas.A.properties.id", Type: "integer", Format: "int64"},
		{Target: "$.components.schemas.A.properties.limit", Type: "integer"},
	}
	text := "overlay: 1.0.0\nactions:\n" + Render(pins) + "# after\n"
	before, got, after, err := Split(text)
	if err != nil {
		t.Fatal(err)
	}
	if before != "overlay: 1.0.0\nactions:\n" || after != "# after\n" || len(got) != len(pins) {
		t.Fatalf("Split = %q, %v, %q", before, got, after)
	}
	for i := range pins {
		if got[i] != pins[i] {
			t.Errorf("pin %d = %+v, want %+v", i, got[i], pins[i])
		}
	}
}

func TestComputeKeepsExistingPinsAndDropsStaleOnes(t *testing.T) {
	doc, err := Decode([]byte(`{"paths": {"/a/{id}": {"get": {"operationId": "A_controller_get",
		"parameters": [{"name": "id", "in": "path", "schema": {"type": "number"}},
		               {"name": "pageSize", "in": "query", "schema": {"type": "number"}}]}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	existing := []Pin{
		{Target: "$.paths['/a/{id}'].get", OperationID: "GetA"},
		{Target: "$.paths['/a/{id}'].get.parameters[?(@.name == 'pageSize')].schema", Type: "integer"},
		{Target: "$.paths['/gone'].get", OperationID: "Gone"},
	}
	pins, added, dropped := Compute(doc, existing, "int64")
	want := []Pin{
		existing[0], // the published id does not replace ours
		{Target: "$.paths['/a/{id}'].get.parameters[?(@.name == 'id')].schema", Type: "integer", Format: "int64"},
		existing[1], // a bare number does not undo the pinned plain integer
	}
	if len(pins) != len(want) {
		t.Fatalf("pins = %+v, want %+v", pins, want)
	}
	for i := range want {
		if pins[i] != want[i] {
			t.Errorf("pin %d = %+v, want %+v", i, pins[i], want[i])
		}
	}
	if len(added) != 1 || len(dropped) != 1 || dropped[0] != "$.paths['/gone'].get" {
		t.Errorf("added %q, dropped %q", added, dropped)
	}
}

func TestOperationIDsPreferPins(t *testing.T) {
	spec := []byte(`{"paths": {"/a": {"get": {"operationId": "AController_list"}, "post": {"operationId": "CreateA"}}}}`)
	overlay := []byte("actions:\n" + Render([]Pin{{Target: "$.paths['/a'].get", OperationID: "ListA"}}))
	ids, err := OperationIDs(spec, overlay)
	if err != nil {
		t.Fatal(err)
	}
	if ids["get /a"] != "ListA" || ids["post /a"] != "CreateA" || len(ids) != 2 {
		t.Errorf("OperationIDs = %v, want the pinned ListA and the spec's CreateA", ids)
	}
}
