// Package inventory lists every resource berth owns for one app/stage: what the
// deploy's verify step reports, what removal checks is gone, what `berth local` prints.
// It only reads. (*Lister).List satisfies workflow.Inventory.
//
// # How resources are found
//
// Ownership is berth's tags (berth:app, berth:stage, berth:resource; see
// provision.Tags), except where AWS cannot tag. List:
//
//  1. asks the Resource Groups Tagging API, in the app region and in us-east-1 (CloudFront,
//     its certificates and Lambda@Edge are there), for everything tagged with the app and
//     stage (GetResources, paginated), deduplicated by ARN;
//  2. reads each kind it knows with its own service, in parallel, for the attributes below
//     and to drop what the tagging API still reports after a deletion (its index lags);
//  3. finds what the tagging API cannot: IAM roles (ListRoles; tags read with ListRoleTags
//     for roles named berth-<app>-<stage>-…, berth's naming rule), CloudFront Functions
//     and KeyValueStores (ListFunctions / ListKeyValueStores; tags read for those named
//     berth-<app>-<stage>-… or carrying berth's comment, CloudFront names being
//     immutable), and origin access controls, which cannot be tagged and carry
//     berth:<app>/<stage>/<resource id> in their Description;
//  4. lists anything else tagged for the app/stage with a CloudFormation type derived from
//     its ARN (AWS::<Service>::<ResourceType>, e.g. AWS::EC2::VPC), named by its Name tag
//     or its ARN. ECS tasks are the one exception: they carry their service's tags
//     (PropagateTags) but are the service's, not resources of their own.
//
// Items are sorted by Type, then Name, then Arn; an empty result is an empty, non-nil
// slice. A resource AWS still returns while it is being deleted (an ECS service
// DRAINING, a distribution disabled on its way out) is listed; one its service reports
// gone (INACTIVE cluster or service, deregistered task definition revision, not found)
// is not.
//
// # What each item carries
//
//   - AWS::Lambda::Function (app region and us-east-1): memory, timeout, packageType,
//     image (Image) or runtime (Zip), state. One GetFunction each.
//   - AWS::Lambda::Url, named like its function, Arn the function's: authType,
//     invokeMode, url. One GetFunctionUrlConfig per function.
//   - AWS::Lambda::Permission, the function's resource policy, named like its function:
//     statements (compact JSON array of {sid, principal, action, sourceArn,
//     functionUrlAuthType, invokedViaFunctionUrl}, sorted by sid), principals (sorted,
//     comma-joined). One GetPolicy per function.
//   - AWS::IAM::Role: path, trustedServices.
//   - AWS::Logs::LogGroup: named from its ARN, no call.
//   - AWS::EC2::SecurityGroup: named by its group name; groupId, vpcId. One
//     DescribeSecurityGroups per 200 groups.
//   - AWS::ElasticLoadBalancingV2::LoadBalancer: scheme, dnsName, type, state, vpcId.
//     Every listener (port, protocol, loadBalancer) and non-default rule (port, priority,
//     conditions such as "http-header:X-Berth-Container=web;path-pattern=/api/*",
//     targetGroups, loadBalancer) on berth's load balancers is listed, named by its Name
//     tag: DescribeListeners per load balancer, DescribeRules per listener, DescribeTags
//     per 20 listeners and rules the tagging API did not return.
//   - AWS::ElasticLoadBalancingV2::TargetGroup: port, protocol, targetType,
//     healthCheckPath, vpcId. DescribeTargetGroups per 20.
//   - AWS::ECS::Cluster: status, activeServices, runningTasks (DescribeClusters per 100).
//     AWS::ECS::Service: status, cluster, desiredCount, runningCount, taskDefinition,
//     launchType (DescribeServices per cluster and 10). AWS::ECS::TaskDefinition, named
//     family:revision: family, revision, status ACTIVE (one ListTaskDefinitions per
//     family, none per revision).
//   - AWS::CloudFront::Distribution, named by its Name tag (else its comment, berth's
//     name for it): id, domainName, origins (id=domain, in config order), enabled, status,
//     webAclId, aliases. One GetDistribution each.
//   - AWS::CloudFront::OriginAccessControl: id, resource (the marker's resource id),
//     originType, signingBehavior, signingProtocol. Its Arn is built from the account of
//     the other items (the list has none), so an OAC found alone has no Arn.
//   - AWS::CloudFront::Function: status, stage, runtime, keyValueStore.
//   - AWS::CloudFront::KeyValueStore: id, status, comment.
//   - AWS::CertificateManager::Certificate, named by its Name tag (else its domain):
//     domainName, subjectAlternativeNames, status, type, region. One DescribeCertificate
//     each.
//
// Not listed: what cannot be tagged or marked, and so cannot be told apart as berth's
// from the account alone: Route 53 records, WAF web ACL associations, scaling policies,
// KeyValueStore entries (routes), Lambda@Edge published versions (their function is).
//
// # Emulator gaps (moto 5.2.1), and how the tests cover them
//
//   - GetResources returns CloudFront distributions as arn:aws:cloudfront:<account>:…,
//     without the empty region field; parseARN reads that form and items carry the
//     canonical arn:aws:cloudfront::<account>:distribution/<id>.
//   - GetResources fails (HTTP 500) in a region holding an ECS cluster created without
//     tags; the tests' look-alike resources carry somebody else's tag instead.
//   - GetResources does not return IAM roles, ELBv2 listeners and rules, CloudFront
//     Functions or KeyValueStores; List does not rely on it for those.
//   - No CloudFront Functions or KeyValueStores at all: the tests route those calls to the
//     internal/fakes/cloudfrontedge fake through a proxy that sends the rest to moto, so
//     one real CloudFront client sees both, as on AWS.
//   - Lambda policies keep AddPermission's FunctionUrlAuthType and InvokedViaFunctionUrl
//     as top-level statement keys instead of conditions; both forms are read.
//   - A deleted ECS service turns INACTIVE at once (never DRAINING): the DRAINING case is
//     tested by a wrapper reporting it as ECS does. The tagging API's lag after deletions
//     is likewise reproduced by a wrapper adding stale ARNs.
//   - CreateLoadBalancer leaves Scheme empty unless given (AWS defaults to
//     internet-facing); the tests pass it as berth's provisioner does.
package inventory
