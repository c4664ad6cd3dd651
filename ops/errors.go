package ops

import (
	"errors"
	"fmt"
	"net"
	"syscall"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// apiError is an error AWS answered with (smithy.APIError, declared here so
// that the module does not depend on smithy directly).
type apiError interface {
	error
	ErrorCode() string
	ErrorMessage() string
}

// What can stop a command before it has read anything, in the operator's
// words. Each error wraps one of these, so a caller (and a test) can tell
// them apart; the text says what to do.
var (
	ErrNoStage        = errors.New("say which stage: STAGE=local|staging|production")
	ErrUnknownStage   = errors.New("unknown stage")
	ErrNoCredentials  = errors.New("no usable AWS credentials")
	ErrTableMissing   = errors.New("table not found")
	ErrLocalNotUp     = errors.New("DynamoDB Local is not running")
	ErrAccessDenied   = errors.New("AWS refused the request")
	ErrNoSuchUser     = errors.New("no such user")
	ErrNotConfirmed   = errors.New("not confirmed: nothing erased")
	ErrRevokeFailed   = errors.New("the token could not be revoked at X")
	ErrTokensChanging = errors.New("the person's tokens changed")
	ErrRefreshLease   = errors.New("a token refresh holds the person's item")
	ErrMissingSecrets = errors.New("the stage's keys are not available")
)

// explain turns a failed DynamoDB call on table into what the operator can
// act on: the table is missing, DynamoDB Local is not running, the
// credentials are refused. Anything else keeps the SDK's text.
func (t *Target) explain(table string, err error) error {
	var nf *types.ResourceNotFoundException
	var api apiError
	switch {
	case errors.As(err, &nf):
		hint := "is the stage deployed? make deploy STAGE=" + t.Stage
		if t.Local {
			hint = "make dev creates the local stage's tables"
		}
		return fmt.Errorf("%w: %s on %s (%s)", ErrTableMissing, table, t.Where, hint)
	case t.Local && refused(err):
		return fmt.Errorf("%w at %s: start it with make dev (or point AWS_ENDPOINT_URL_DYNAMODB at one)", ErrLocalNotUp, t.Endpoint)
	case errors.As(err, &api) && credentialCode(api.ErrorCode()):
		return fmt.Errorf("%w: %s answered %s for %s (refresh them: aws sso login, or another AWS_PROFILE)", ErrNoCredentials, t.Where, api.ErrorCode(), table)
	case errors.As(err, &api) && api.ErrorCode() == "AccessDeniedException":
		return fmt.Errorf("%w on %s: %s (the credentials lack a DynamoDB permission on it)", ErrAccessDenied, table, api.ErrorMessage())
	}
	return fmt.Errorf("%s on %s: %w", table, t.Where, err)
}

// refused reports a connection that nothing listened for.
func refused(err error) bool {
	var op *net.OpError
	return errors.Is(err, syscall.ECONNREFUSED) || (errors.As(err, &op) && op.Op == "dial")
}

func credentialCode(code string) bool {
	switch code {
	case "UnrecognizedClientException", "InvalidSignatureException", "ExpiredTokenException",
		"ExpiredToken", "InvalidClientTokenId", "MissingAuthenticationToken":
		return true
	}
	return false
}
