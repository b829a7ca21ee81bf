// Package iamcheck evaluates AWS calls against the IAM policies template.yaml gives each
// of berth's functions, where the emulator cannot: moto (and the HTTP fakes for
// CloudFront Functions and KeyValueStore) check no resource ARNs and no condition keys.
//
//   - template.go reads template.yaml and renders every function's identity policies
//     (inline and managed) with CloudFormation's substitutions filled for one install.
//   - policy.go evaluates a request (action, resource ARN, condition keys) against them
//     the way IAM does for identity policies in one account: an explicit Deny wins, else
//     any Allow, else implicit deny.
//   - actions.go maps an SDK call (service, operation, input) to the IAM requests AWS
//     authorizes for it — including the implicit ones (iam:PassRole, tag-on-create) —
//     with the condition keys IAM supplies for that action, from the Service
//     Authorization Reference (https://docs.aws.amazon.com/service-authorization/latest/reference/).
//   - check.go turns a denied call into an error naming the function, the action, the
//     resource and the statement to add.
package iamcheck
