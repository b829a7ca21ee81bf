package provision

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/aws/smithy-go"

	"github.com/berth-dev/berth/internal/plan"
)

// transientCodes are AWS error codes that a later identical call may not get: throttling,
// eventual consistency (a new IAM role not yet assumable, a resource mid-update) and
// dependency still draining (a target group still in use).
var transientCodes = map[string]bool{
	"Throttling": true, "ThrottlingException": true, "TooManyRequestsException": true,
	"RequestLimitExceeded": true, "ServiceUnavailable": true, "InternalError": true,
	"InternalFailure": true, "ServiceException": true, "ResourceConflictException": true,
	"ResourceInUse": true, "ResourceInUseException": true, "PriorRequestNotComplete": true,
	"ConcurrentModification": true, "ConcurrentModificationException": true,
	"OperationAbortedException": true, "DependencyViolation": true,
	"PreconditionFailed": true, "IncorrectState": true,
}

// transientMessages catch eventual-consistency errors AWS reports with a generic code.
var transientMessages = []string{
	"cannot be assumed by Lambda",             // new IAM role not yet propagated
	"role defined for the function cannot be", // same, older wording
	"currently in use by a listener",          // target group still attached
	"is currently in use",                     //
	"An update is in progress",                // Lambda LastUpdateStatus InProgress
	"Role is not valid",                       // ECS before IAM propagation
}

// IsTransient reports whether err is worth retrying.
func IsTransient(err error) bool {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		if transientCodes[ae.ErrorCode()] {
			return true
		}
		for _, m := range transientMessages {
			if strings.Contains(ae.ErrorMessage(), m) {
				return true
			}
		}
	}
	return false
}

// ErrorCode returns the AWS error code of err, or "".
func ErrorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// Classify turns an AWS SDK error into a typed error the state machine can match:
// *TransientError or *RejectedError. Typed errors pass through; nil stays nil.
func Classify(err error, op, kind, name string) error {
	if err == nil {
		return nil
	}
	var (
		no *NotOwnedError
		pe *PreconditionError
		te *TransientError
		re *RejectedError
		rf *RolloutFailedError
	)
	if errors.As(err, &no) || errors.As(err, &pe) || errors.As(err, &te) || errors.As(err, &re) || errors.As(err, &rf) {
		return err
	}
	if IsTransient(err) || errors.Is(err, context.DeadlineExceeded) {
		return &TransientError{Kind: kind, Name: name, Op: op, Cause: err.Error()}
	}
	return &RejectedError{Kind: kind, Name: name, Op: op, Cause: err.Error()}
}

// Backoff is the bounded retry schedule used inside one Lambda invocation. It stays short
// (a few seconds in total): longer waits belong to the state machine.
var Backoff = []time.Duration{200 * time.Millisecond, 500 * time.Millisecond, time.Second, 2 * time.Second}

// Retry calls fn until it succeeds, returns a non-transient error, or Backoff is used up.
func Retry(ctx context.Context, fn func() error) error {
	err := fn()
	for _, d := range Backoff {
		if err == nil || !IsTransient(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(d):
		}
		err = fn()
	}
	return err
}

// notFoundCodes are the error codes with which each service says the resource asked
// about does not exist (the error shapes in each service's API reference).
var notFoundCodes = map[string]bool{
	"ResourceNotFoundException":   true, // Lambda, CloudWatch Logs, EventBridge Scheduler, ACM, CodeBuild
	"ResourceNotFound":            true, // CloudWatch alarms
	"NoSuchEntity":                true, // IAM
	"ObjectNotFoundException":     true, // Application Auto Scaling
	"RepositoryNotFoundException": true, // ECR
	"WAFNonexistentItemException": true, // WAFv2
	"ClusterNotFoundException":    true, // ECS
	"InvalidGroup.NotFound":       true, // EC2 security groups
	"LoadBalancerNotFound":        true, // ELBv2
	"TargetGroupNotFound":         true,
	"ListenerNotFound":            true,
	"RuleNotFound":                true,
	"NoSuchDistribution":          true, // CloudFront
	"NoSuchOriginAccessControl":   true,
	"NoSuchFunctionExists":        true,
}

// IsNotFound reports whether err says the resource does not exist: absent on read, done
// on delete.
func IsNotFound(err error) bool { return notFoundCodes[ErrorCode(err)] }

// ClassifyFor is Classify for resource r.
func ClassifyFor(err error, op string, r plan.Resource) error {
	return Classify(err, op, string(r.Kind), r.Name)
}
