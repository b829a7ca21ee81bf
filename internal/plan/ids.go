package plan

import "strconv"

// Logical ids of app-level resources. Per-container resources are "<container>/<Suffix>"
// (see ContainerID). Provisioners and the workflow look resources up by these ids.
const (
	IDKeyValueStore        = "KeyValueStore"
	IDRouterFunction       = "RouterFunction"
	IDOriginAccessControl  = "OriginAccessControl"
	IDDistribution         = "Distribution"
	IDBodySigner           = "BodySigner"
	IDBodySignerRole       = "BodySignerRole"
	IDCluster              = "Cluster"
	IDAlbSecurityGroup     = "AlbSecurityGroup"
	IDAlbIngress           = "AlbIngress"
	IDVpcOrigin            = "VpcOrigin"
	IDTaskSecurityGroup    = "TaskSecurityGroup"
	IDLoadBalancer         = "LoadBalancer"
	IDListener             = "Listener"
	IDHTTPSListener        = "HTTPSListener" // a private app's, with a custom domain
	IDExecutionRole        = "ExecutionRole"
	IDAlbWebACLAssociation = "AlbWebACLAssociation"
	IDCertificate          = "Certificate"
	IDScheduleGroup        = "ScheduleGroup"
	IDRouteTable           = "RouteTable"
)

// Suffixes of per-container logical ids.
const (
	SuffixLogGroup       = "LogGroup"
	SuffixRole           = "Role"     // Lambda execution role
	SuffixFunction       = "Function" //
	SuffixURL            = "Url"
	SuffixPermission     = "Permission"
	SuffixTaskRole       = "TaskRole"
	SuffixTaskDefinition = "TaskDefinition"
	SuffixTargetGroup    = "TargetGroup"
	SuffixListenerRule   = "ListenerRule"
	SuffixLambdaTarget   = "LambdaTarget" // a private app's function in its target group
	SuffixService        = "Service"
	SuffixScalableTarget = "ScalableTarget"
	SuffixScalingPolicy  = "ScalingPolicy" // "ScalingPolicy-<n>", n from 1 in config order
	SuffixSchedulerRole  = "SchedulerRole"
	SuffixSchedule       = "Schedule"  // "Schedule-<integration>"
	SuffixEventRule      = "EventRule" // "EventRule-<integration>"
	// Fargate integrations: the connection, the role EventBridge assumes, the webhook
	// listener rule and one API destination per integration.
	SuffixEventConnection = "EventConnection"
	SuffixEventsRole      = "EventsRole"
	SuffixWebhookRule     = "WebhookListenerRule"
	SuffixApiDestination  = "ApiDestination" // "ApiDestination-<integration>"
)

// ContainerID is the logical id of a container's resource, e.g. "api/Function".
func ContainerID(container, suffix string) string { return container + "/" + suffix }

// ScalingPolicyID is the logical id of a container's n-th (from 1) target or step policy.
func ScalingPolicyID(container string, n int) string {
	return ContainerID(container, SuffixScalingPolicy+"-"+strconv.Itoa(n))
}

// ScheduleID is the logical id of a container's schedule integration.
func ScheduleID(container, integration string) string {
	return ContainerID(container, SuffixSchedule+"-"+integration)
}

// EventRuleID is the logical id of a container's awsEventBridge integration.
func EventRuleID(container, integration string) string {
	return ContainerID(container, SuffixEventRule+"-"+integration)
}

// ApiDestinationID is the logical id of a Fargate container's integration's destination.
func ApiDestinationID(container, integration string) string {
	return ContainerID(container, SuffixApiDestination+"-"+integration)
}

// CertificateValidationID is the DNS validation record of one certificate domain.
func CertificateValidationID(domain string) string { return "CertificateValidation-" + domain }

// AliasID is the A or AAAA alias record pointing domain at the distribution.
func AliasID(domain, recordType string) string { return "Alias-" + domain + "-" + recordType }

// Attributes a Ref can name. Each provisioner reports, for what it created, the outputs
// its kind is referenced by.
const (
	AttrArn        = "Arn"        // every kind with an ARN
	AttrID         = "Id"         // OAC id, security group id, scalable target resource id
	AttrName       = "Name"       // log group, cluster and service names
	AttrURL        = "Url"        // Function URL (https://<id>.lambda-url.<region>.on.aws/)
	AttrDomainName = "DomainName" // distribution domain (d123.cloudfront.net)
	AttrDNSName    = "DNSName"    // load balancer DNS name (the ALB origin)
	// AttrCanonicalHostedZoneID is a load balancer's own hosted zone id, which an alias
	// record to it names.
	AttrCanonicalHostedZoneID = "CanonicalHostedZoneId"
	AttrVersionArn            = "VersionArn" // published Lambda@Edge version ARN
	AttrFullName              = "FullName"   // ELBv2 full name (app/…, targetgroup/…) for ALBRequestCountPerTarget
)
