package modus

import (
	"encoding/json"
	"strconv"
)

// Checks of what callers pass, made before anything is sent.

// checkID refuses a string path id that would not stay one path segment of
// its own: empty (the request would name the collection, or a path with
// "//"), or "." and ".." (URL resolution removes them, so
// DELETE /skills/5/memories/.. would become DELETE /skills/5/). Every other
// value, "/" "?" "#" "%" and control characters included, is escaped into
// one segment by the request builders.
func checkID(op, arg, v string) error {
	switch v {
	case "":
		return &InvalidArgumentError{Operation: op, Argument: arg, Reason: "is empty"}
	case ".", "..":
		return &InvalidArgumentError{Operation: op, Argument: arg, Reason: "is " + strconv.Quote(v) +
			", a dot segment that URL resolution would remove, sending the request to another resource"}
	}
	return nil
}

// checkUpdate refuses an update whose body sets no field while no update
// mask is given: it would change nothing, which is rarely what the caller
// meant. The usual cause is a field set to nil in the hope of clearing it.
func checkUpdate(op string, body any, mask *string) error {
	if mask != nil && *mask != "" {
		return nil
	}
	b, err := json.Marshal(body)
	if err != nil || string(b) != "{}" {
		return nil // the request builder reports an encoding error
	}
	return &InvalidArgumentError{Operation: op, Argument: "body",
		Reason: "sets no field and no update mask is given, so the update would change nothing; " +
			"to clear a nullable field set it to modus.Null[T]() (a nil Nullable means \"leave as is\")"}
}

// updateMask returns the update mask of an update's params (nil for none).
func updateMask(params any) *string {
	switch p := params.(type) {
	case *AgentUpdateParams:
		if p != nil {
			return p.UpdateMask
		}
	case *SkillUpdateParams:
		if p != nil {
			return p.UpdateMask
		}
	case *MemoryUpdateParams:
		if p != nil {
			return p.UpdateMask
		}
	}
	return nil
}
