package provision

import "fmt"

// The state machine matches these by Go type name (aws-lambda-go reports the type name
// of the returned error), so handlers must return them unwrapped.

// NotOwnedError: a resource with the expected name exists but berth does not own it.
type NotOwnedError struct {
	Kind, Name string
}

func (e *NotOwnedError) Error() string {
	return fmt.Sprintf("%s %q exists but is not owned by berth (missing berth:app/berth:stage/berth:resource tags); berth never modifies or deletes it: rename or remove it, or change the app/stage name", e.Kind, e.Name)
}

// TransientError: AWS throttled or was not yet consistent after bounded retries; the
// state machine retries the step.
type TransientError struct {
	Kind, Name, Op string
	Cause          string
}

func (e *TransientError) Error() string {
	return fmt.Sprintf("%s %s %q: temporary AWS condition, retry later: %s", e.Op, e.Kind, e.Name, e.Cause)
}

// RejectedError: AWS refused the request for a reason retrying will not fix (invalid
// parameter, limit exceeded, access denied).
type RejectedError struct {
	Kind, Name, Op string
	Cause          string
}

func (e *RejectedError) Error() string {
	return fmt.Sprintf("%s %s %q rejected by AWS: %s", e.Op, e.Kind, e.Name, e.Cause)
}

// PreconditionError: something the resource needs is missing or wrong and the user must
// fix it (no Route 53 hosted zone for a domain, no default VPC, a ref not yet resolvable).
type PreconditionError struct {
	Kind, Name string
	Problem    string
}

func (e *PreconditionError) Error() string {
	return fmt.Sprintf("%s %q: %s", e.Kind, e.Name, e.Problem)
}

// RolloutFailedError: AWS reports that rolling out the change failed (an ECS deployment
// the circuit breaker marked FAILED, a Lambda update whose LastUpdateStatus is Failed).
// Waiting longer cannot fix it, so the deployment rolls back at once.
type RolloutFailedError struct {
	Kind, Name string
	Reason     string
}

func (e *RolloutFailedError) Error() string {
	return fmt.Sprintf("%s %q: rollout failed: %s", e.Kind, e.Name, e.Reason)
}
