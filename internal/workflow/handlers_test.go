package workflow

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/aws/smithy-go"

	"github.com/berth-dev/berth/internal/provision"
	"github.com/berth-dev/berth/internal/state"
)

// throttledLocks is a lock store whose table is throttled, wrapped the way internal/state
// wraps DynamoDB errors.
type throttledLocks struct{ err error }

func (l throttledLocks) Acquire(context.Context, string, string, string, state.Request, time.Duration, time.Time) (state.LockResult, error) {
	return state.LockResult{}, fmt.Errorf("state: acquire lock shop/dev: %w", l.err)
}

func (l throttledLocks) Release(context.Context, string, string, string) (*state.Request, error) {
	return nil, nil
}

// lambdaErrorType is the errorType aws-lambda-go reports for err (lambda/errors.go:
// reflect.TypeOf(err), its element's name for a pointer), which ErrorEquals matches.
func lambdaErrorType(err error) string {
	t := reflect.TypeOf(err)
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Name()
}

func TestAStoreErrorReachesTheStateMachineByANameItRetriesWhenAWSSaysTryAgain(t *testing.T) {
	for _, tc := range []struct {
		name, code, want string
	}{
		{"a DynamoDB throttle is a TransientError", "ProvisionedThroughputExceededException", "TransientError"},
		{"a throttled request is a TransientError", "ThrottlingException", "TransientError"},
		{"an S3 SlowDown is a TransientError", "SlowDown", "TransientError"},
		{"a DynamoDB internal error is a TransientError", "InternalServerError", "TransientError"},
		{"a validation error keeps its own shape: retrying would not help", "ValidationException", "wrapError"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := &Deps{Locks: throttledLocks{err: &smithy.GenericAPIError{Code: tc.code, Message: "try again"}}, Lease: time.Hour}
			lock := Handlers(d)["Lock"].(func(context.Context, LockInput) (LockOutput, error))
			_, err := lock(context.Background(), LockInput{Ctx: Ctx{DeploymentID: "d1", App: "shop", Stage: "dev"}})
			if err == nil {
				t.Fatal("Lock succeeded on a failing store")
			}
			if got := lambdaErrorType(err); got != tc.want {
				t.Errorf("errorType %q (%v), want %q", got, err, tc.want)
			}
		})
	}
}

func TestATransientErrorInsideAWrapperIsReturnedUnwrapped(t *testing.T) {
	inner := &provision.TransientError{Kind: "k", Name: "n", Op: "create", Cause: "slow"}
	var te *provision.TransientError
	got := transientNamed(fmt.Errorf("step: %w", inner))
	if !errors.As(got, &te) || got != error(inner) {
		t.Errorf("got %T %v, want the TransientError itself", got, got)
	}
}
