// Package inventory lists every resource berth owns for one app/stage: what the
// deploy's verify step reports, what removal checks is gone, what `berth local` prints.
// It only reads. (*Lister).List satisfies workflow.Inventory.
//
// # How resources are found: scan by tag, describe by kind
//
// Ownership is berth's tags (berth:app, berth:stage, berth:resource; see
// provision.Tags), except where AWS cannot tag. List:
//
//  1. asks the Resource Groups Tagging API, in the app region and in us-east-1 (CloudFront,
//     its certificates and Lambda@Edge are there), for everything tagged with the app and
//     stage (GetResources, paginated), deduplicated by ARN;
//  2. hands each kind's resources, recognised by the ARN types of its descriptor, to the
//     kind's Describer (provision.Describer, in each provisioner package's describe.go),
//     in parallel: it reads them with its own service for their attributes and drops
//     what the tagging API still reports after a deletion (its index lags). Kinds the
//     tagging API does not return list their own: IAM roles, CloudFront Functions and
//     KeyValueStores (tags read for berth's candidates), origin access controls (which
//     carry berth's marker in their Description);
//  3. lists anything else tagged for the app/stage with a CloudFormation type derived from
//     its ARN (AWS::<Service>::<ResourceType>, e.g. AWS::EC2::VPC), named by its Name tag
//     or its ARN. ECS tasks are the one exception: they carry their service's tags
//     (PropagateTags) but are the service's, not resources of their own.
//
// This package names no kind: a new kind is listed once its descriptor says how.
//
// Items are sorted by Type, then Name, then Arn; an empty result is an empty, non-nil
// slice. A resource AWS still returns while it is being deleted (an ECS service
// DRAINING, a distribution disabled on its way out) is listed; one its service reports
// gone (INACTIVE cluster or service, deregistered task definition revision, not found)
// is not. What each kind's items carry is its describe.go's; list_test.go pins it.
//
// # Emulator gaps (moto 5.2.1), and how the tests cover them
//
//   - GetResources returns CloudFront distributions as arn:aws:cloudfront:<account>:…,
//     without the empty region field; provision.ParseARN reads that form and items carry
//     the canonical arn:aws:cloudfront::<account>:distribution/<id>.
//   - GetResources fails (HTTP 500) in a region holding an ECS cluster created without
//     tags; the tests' look-alike resources carry somebody else's tag instead.
//   - GetResources does not return IAM roles, ELBv2 listeners and rules, CloudFront
//     Functions or KeyValueStores; List does not rely on it for those.
//   - No CloudFront Functions or KeyValueStores at all: the tests route those calls to the
//     internal/fakes/cloudfrontedge fake through a proxy that sends the rest to moto, so
//     one config's clients see both, as on AWS.
//   - Lambda policies keep AddPermission's FunctionUrlAuthType and InvokedViaFunctionUrl
//     as top-level statement keys instead of conditions; both forms are read.
//   - A deleted ECS service turns INACTIVE at once (never DRAINING): the DRAINING case is
//     tested by rewriting ECS's answer as ECS gives it. The tagging API's lag after
//     deletions is likewise reproduced by adding stale ARNs to its answer.
//   - CreateLoadBalancer leaves Scheme empty unless given (AWS defaults to
//     internet-facing); the tests pass it as berth's provisioner does.
package inventory
