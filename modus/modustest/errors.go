package modustest

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/modus-data/modus-sdk-go/modus/modustest/internal/server"
)

// apiError is returned by the handlers and written in the API's error shape
// {"error":{code,status,message,requestId,info}}.
type apiError struct {
	status     int
	code       server.APIErrorCode
	grpc       server.APIErrorStatus
	msg        string
	retryAfter string
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s: %s", e.status, e.code, e.msg) }

func notFound(format string, args ...any) *apiError {
	return &apiError{http.StatusNotFound, server.APIErrorCodeNOTFOUND, server.APIErrorStatusNOTFOUND, fmt.Sprintf(format, args...), ""}
}

func badRequest(format string, args ...any) *apiError {
	return &apiError{http.StatusBadRequest, server.APIErrorCodeBADREQUEST, server.APIErrorStatusINVALIDARGUMENT, fmt.Sprintf(format, args...), ""}
}

func invalid(format string, args ...any) *apiError {
	return &apiError{http.StatusBadRequest, server.APIErrorCodeVALIDATION, server.APIErrorStatusINVALIDARGUMENT, fmt.Sprintf(format, args...), ""}
}

func unprocessable(format string, args ...any) *apiError {
	return &apiError{http.StatusUnprocessableEntity, server.APIErrorCodeVALIDATION, server.APIErrorStatusINVALIDARGUMENT, fmt.Sprintf(format, args...), ""}
}

func conflict(format string, args ...any) *apiError {
	return &apiError{http.StatusConflict, server.APIErrorCodeCONFLICT, server.APIErrorStatusALREADYEXISTS, fmt.Sprintf(format, args...), ""}
}

func forbidden(format string, args ...any) *apiError {
	return &apiError{http.StatusForbidden, server.APIErrorCodeFORBIDDEN, server.APIErrorStatusPERMISSIONDENIED, fmt.Sprintf(format, args...), ""}
}

func writeError(w http.ResponseWriter, r *http.Request, e *apiError) {
	rid := info(r.Context()).id
	body := server.ErrorResponseDto{Error: server.ErrorEnvelopeDto{
		Code: e.code, Status: e.grpc, Message: e.msg, RequestID: &rid,
	}}
	if e.retryAfter != "" {
		w.Header().Set("Retry-After", e.retryAfter)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(e.status)
	_ = json.NewEncoder(w).Encode(body)
}
