package server

import (
	"context"
	"errors"
	"testing"
)

// An implementation without a method for an operation still makes a whole
// StrictServerInterface; the missing operation answers NotImplementedError,
// the ones it has are called.
func TestCompleteAnswersNotImplemented(t *testing.T) {
	srv := Complete(struct{}{})
	_, err := srv.GetAgent(context.Background(), GetAgentRequestObject{})
	var ni *NotImplementedError
	if !errors.As(err, &ni) || ni.Operation != "GetAgent" {
		t.Fatalf("err = %v, want a NotImplementedError for GetAgent", err)
	}
	srv = Complete(deleteOnly{})
	if _, err := srv.DeleteAgent(context.Background(), DeleteAgentRequestObject{}); err != errServed {
		t.Fatalf("err = %v, want the implementation's own answer", err)
	}
}

var errServed = errors.New("served")

type deleteOnly struct{}

func (deleteOnly) DeleteAgent(context.Context, DeleteAgentRequestObject) (DeleteAgentResponseObject, error) {
	return nil, errServed
}
