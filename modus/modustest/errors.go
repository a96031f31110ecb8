package modustest

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/modus-data/modus-sdk-go/gen"
)

// apiError is returned by the handlers and written in the API's error shape
// {"error":{code,status,message,requestId,info}}.
type apiError struct {
	status     int
	code       gen.APIErrorCode
	grpc       gen.APIErrorStatus
	msg        string
	retryAfter string
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s: %s", e.status, e.code, e.msg) }

// newError makes an error with status and the code/status pair the API
// uses for it. 422 is a VALIDATION error; a 400 from a failed field check
// should use invalid instead, which keeps 400 but says VALIDATION.
func newError(status int, format string, args ...any) *apiError {
	e := &apiError{status: status, msg: fmt.Sprintf(format, args...)}
	switch status {
	case http.StatusBadRequest:
		e.code, e.grpc = gen.APIErrorCodeBADREQUEST, gen.APIErrorStatusINVALIDARGUMENT
	case http.StatusUnauthorized:
		e.code, e.grpc = gen.APIErrorCodeUNAUTHORIZED, gen.APIErrorStatusUNAUTHENTICATED
	case http.StatusForbidden:
		e.code, e.grpc = gen.APIErrorCodeFORBIDDEN, gen.APIErrorStatusPERMISSIONDENIED
	case http.StatusNotFound:
		e.code, e.grpc = gen.APIErrorCodeNOTFOUND, gen.APIErrorStatusNOTFOUND
	case http.StatusConflict:
		e.code, e.grpc = gen.APIErrorCodeCONFLICT, gen.APIErrorStatusALREADYEXISTS
	case http.StatusUnprocessableEntity:
		e.code, e.grpc = gen.APIErrorCodeVALIDATION, gen.APIErrorStatusINVALIDARGUMENT
	case http.StatusTooManyRequests:
		e.code, e.grpc = gen.APIErrorCodeRATELIMITED, gen.APIErrorStatusRESOURCEEXHAUSTED
	default:
		e.code, e.grpc = gen.APIErrorCodeINTERNALERROR, gen.APIErrorStatusINTERNAL
	}
	return e
}

func notFound(format string, args ...any) *apiError {
	return newError(http.StatusNotFound, format, args...)
}

func badRequest(format string, args ...any) *apiError {
	return newError(http.StatusBadRequest, format, args...)
}

// invalid is a 400 for a value that fails a check: code VALIDATION.
func invalid(format string, args ...any) *apiError {
	e := newError(http.StatusBadRequest, format, args...)
	e.code = gen.APIErrorCodeVALIDATION
	return e
}

func unprocessable(format string, args ...any) *apiError {
	return newError(http.StatusUnprocessableEntity, format, args...)
}

func conflict(format string, args ...any) *apiError {
	return newError(http.StatusConflict, format, args...)
}

func forbidden(format string, args ...any) *apiError {
	return newError(http.StatusForbidden, format, args...)
}

func writeError(w http.ResponseWriter, r *http.Request, e *apiError) {
	rid := info(r.Context()).id
	body := gen.ErrorResponseDto{Error: gen.ErrorEnvelopeDto{
		Code: e.code, Status: e.grpc, Message: e.msg, RequestID: &rid,
	}}
	if e.retryAfter != "" {
		w.Header().Set("Retry-After", e.retryAfter)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(e.status)
	_ = json.NewEncoder(w).Encode(body)
}
