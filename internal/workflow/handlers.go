package workflow

import (
	"context"
	"errors"
	"strings"

	"github.com/berth-dev/berth/internal/provision"
)

// Handlers maps each of berth's workflow functions, by its template name ("Validate" for
// ValidateFunction), to its handler on d. The Lambda mains (functions/<name>/main.go) and
// the local runtime both take their handler from here.
func Handlers(d *Deps) map[string]any {
	h := map[string]any{
		"Validate":   named(d.Validate),
		"Lock":       named(d.Lock),
		"Plan":       named(d.Plan),
		"Verify":     named(d.Verify),
		"Commit":     named(d.Commit),
		"Compensate": named(d.Compensate),
		"Unlock":     named(d.Unlock),
	}
	for _, fn := range provision.Functions {
		h[StepFunctionName(fn)] = named(d.Step)
	}
	return h
}

// named gives h's transient failures the name the state machines retry. aws-lambda-go
// reports an error by its dynamic type's name, so a throttled DynamoDB or S3 call that the
// state store wrapped with fmt.Errorf would reach Step Functions as "wrapError" and go
// straight to compensation (fidelity-fargate-asl.md D5).
func named[In, Out any](h func(context.Context, In) (Out, error)) func(context.Context, In) (Out, error) {
	return func(ctx context.Context, in In) (Out, error) {
		out, err := h(ctx, in)
		return out, transientNamed(err)
	}
}

// transientNamed returns the *provision.TransientError inside err, or a new one when err
// is a transient AWS condition; any other error is returned as it is.
func transientNamed(err error) error {
	if err == nil {
		return nil
	}
	var te *provision.TransientError
	if errors.As(err, &te) {
		return te
	}
	if provision.IsTransient(err) || errors.Is(err, context.DeadlineExceeded) {
		return &provision.TransientError{Kind: "berth state", Op: "read or write", Cause: err.Error()}
	}
	return err
}

// StepFunctionName is a step function's template name: "Compute" for "compute".
func StepFunctionName(fn string) string { return strings.ToUpper(fn[:1]) + fn[1:] }
