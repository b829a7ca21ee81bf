// Package iam provisions the IAM roles berth creates and owns (plan.KindRole): Lambda
// execution roles, ECS task and execution roles, the body signer's role.
//
// A role is created with a trust policy naming only the props' service principals
// (wildcards and account principals are refused before any AWS call), the AWS managed
// policies given (their ARNs' partition follows the app's region: aws-cn for cn-*,
// aws-us-gov for us-gov-*), and the container's custom policy as one inline policy named
// InlinePolicyName. Update reconciles all three; Delete detaches and deletes every policy
// on the role (a role must be bare before IAM deletes it), then the role.
//
// Roles the user gives by ARN (plan.RoleRef.Arn) are never touched: the plan holds no
// resource for them, so nothing here ever sees them.
//
// IAM returns policy documents URL-encoded; Observe decodes them and compares them as
// normalized JSON (key order and spacing do not count).
//
// A resource with berth's name that berth does not own is reported by Observe as existing
// with a single "ownership" diff (never an error); Create, Update and Delete refuse it
// with *provision.NotOwnedError.
package iam
