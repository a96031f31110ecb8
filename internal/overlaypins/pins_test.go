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
