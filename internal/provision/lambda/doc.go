// Package lambda provisions berth's AWS Lambda resources: the container image function of
// each Lambda container (plan.KindFunction), its Function URL (plan.KindFunctionURL), the
// two CloudFront statements on its resource policy (plan.KindPermission), and the
// Lambda@Edge body signer published as a numbered version (plan.KindEdgeFunctionVersion).
//
// # Clients and regions
//
// Every provisioner takes a ClientFactory and builds its client for the resource's region
// (r.Region, falling back to env.Region): the body signer lives in us-east-1 whatever
// region berth runs in, the rest in the app's region.
//
// # Functions
//
// A function is PackageType Image. The execution role is either a role berth owns (a ref
// resolved through env.Refs) or a role ARN the user gave; a given role is used as is and
// never touched (the plan holds no resource for it). Secret environment values
// (plan.EnvValue.Ref) are resolved through env.Secrets only when a create or update sends
// them to Lambda; they never reach Outputs, Diff or error text. Observe compares them by
// Fingerprint, the keyed hash the planner stores (plan.Fingerprint, keyed by env.FingerprintKey), resolving the
// secret only when the plan has no fingerprint for it. Diff never renders a live
// environment value at all: a variable may hold a secret from an earlier plan.
//
// Lambda refuses a change while a previous one is still applying (LastUpdateStatus
// InProgress). Update therefore sends at most one change per call when AWS reports the
// first one still in progress, and answers *provision.TransientError: the state machine
// waits and calls Update again, which finds the rest of the diff. Nothing here sleeps.
// A role created moments ago may not be assumable by Lambda yet; CreateFunction runs
// under provision.Retry, whose classifier knows that message.
//
// # Function URLs and permissions
//
// Function URLs are always AuthType AWS_IAM: berth reaches them only through CloudFront
// origin access control, so a props value asking for anything else is refused with
// *provision.RejectedError before any AWS call. Function URLs and resource policy
// statements carry no tags of their own: they are berth's exactly when the function they
// belong to is, that is when the function's tags name this app, stage and the logical id
// the props' Function ref points at.
//
// The permission is exactly two statements, StatementURL (lambda:InvokeFunctionUrl with
// lambda:FunctionUrlAuthType AWS_IAM) and StatementInvoke (lambda:InvokeFunction with
// lambda:InvokedViaFunctionUrl true), both for cloudfront.amazonaws.com and scoped by
// AWS:SourceArn to the distribution. Function URLs created since October 2025 need both.
// Observe also reports any other statement on the function's policy, since berth owns the
// function and any other grant is access berth did not give; berth never removes such a
// statement itself, and Delete removes only its own two.
//
// # Lambda@Edge
//
// The body signer is a Node.js zip function built in memory from the source the caller
// supplies (internal/edge), published as a numbered version whose ARN CloudFront
// associates. Published versions are immutable, so Observe looks for a published version
// whose code, runtime and role match what is desired; changing any of them publishes a
// new version and leaves older ones in place (CloudFront may still run them).
//
// Deleting a Lambda@Edge function fails while CloudFront still holds replicas of it: AWS
// removes replicas asynchronously, up to hours after the distribution dropped the
// association. Delete reports that case as *provision.TransientError so the state machine
// retries later instead of failing the removal.
//
// # Resources berth does not own
//
// Observe of a resource whose name is taken by something berth does not own (for a URL
// or permission: whose function is not berth's) reports it as existing with a single
// "ownership" diff and no outputs; it never errors, so drift detection and removal can
// see it. Create, Update and Delete refuse it with *provision.NotOwnedError.
//
// # Emulator gaps
//
// moto 5.2.1 accepts PackageType Image without docker or an ECR image (it stubs ECR
// unless MOTO_LAMBDA_STUB_ECR=false). It does not store LoggingConfig (reads back none,
// which Lambda treats as the default /aws/lambda/<name> group, the name berth uses
// anyway), ignores Architectures in UpdateFunctionCode and InvokeMode in
// UpdateFunctionUrlConfig, reports updates as finished at once, and keeps AddPermission's
// FunctionUrlAuthType and InvokedViaFunctionUrl as top-level statement keys instead of
// conditions (the policy parser reads both forms). Its Function URLs lack Lambda's
// trailing slash, which urlOutputs handles either way. The tests cover those paths with
// small fakes of AWS's behaviour.
package lambda
