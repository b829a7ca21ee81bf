package plan

// SecurityGroupProps: AWS::EC2::SecurityGroup in the app's VPC.
type SecurityGroupProps struct {
	VPCID       string        `json:"vpcId"` // "" = the account's default VPC
	Description string        `json:"description"`
	Ingress     []IngressRule `json:"ingress"`
	// SeparateIngress: the group's ingress is a SecurityGroupIngress resource, because its
	// source exists only after the group is in use (the ALB's group admits the group
	// CloudFront creates with the VPC origin, which needs the ALB first).
	SeparateIngress bool `json:"separateIngress,omitempty"`
}

// SecurityGroupIngressProps: AWS::EC2::SecurityGroupIngress, here the whole ingress of
// Group: the resource sets it to exactly Ingress, so a rule opened out of band is revoked.
type SecurityGroupIngressProps struct {
	Group   Ref           `json:"group"`
	VPCID   string        `json:"vpcId"` // the group's VPC, where SourceGroupName is looked up
	Ingress []IngressRule `json:"ingress"`
}

// IngressRule allows TCP FromPort..ToPort from another security group, or (FromVPC) from
// the group's own VPC; never from any other CIDR range or a prefix list.
type IngressRule struct {
	FromPort      int    `json:"fromPort"`
	ToPort        int    `json:"toPort"`
	SourceGroup   *Ref   `json:"sourceGroup,omitempty"`
	SourceGroupID string `json:"sourceGroupId,omitempty"` // a given group (awsVpc.loadBalancerSecurityGroupId)
	// SourceGroupName is a group AWS creates in the VPC, found by name:
	// CloudFrontVpcOriginsGroup.
	SourceGroupName string `json:"sourceGroupName,omitempty"`
	// FromVPC admits the IPv4 CIDR blocks of the group's VPC, read from EC2 when applied:
	// a private app's load balancer is for whatever runs inside its VPC.
	FromVPC bool `json:"fromVpc,omitempty"`
}

// VpcOriginProps: AWS::CloudFront::VpcOrigin, the private path from CloudFront to the
// internal ALB (CreateVpcOrigin, CloudFront API reference).
type VpcOriginProps struct {
	LoadBalancer Ref    `json:"loadBalancer"` // the ALB's ARN
	HTTPPort     int    `json:"httpPort"`
	HTTPSPort    int    `json:"httpsPort"`
	Protocol     string `json:"protocol"` // origin protocol policy: http-only (the listener is HTTP)
}

// LoadBalancerProps: AWS::ElasticLoadBalancingV2::LoadBalancer (application).
type LoadBalancerProps struct {
	Scheme           string   `json:"scheme"`              // internet-facing | internal
	SubnetIDs        []string `json:"subnetIds,omitempty"` // empty: default VPC's subnets
	SecurityGroups   []Ref    `json:"securityGroups,omitempty"`
	SecurityGroupIDs []string `json:"securityGroupIds,omitempty"`
	IdleTimeoutSec   int      `json:"idleTimeoutSec"`
}

// TargetGroupProps: AWS::ElasticLoadBalancingV2::TargetGroup, TargetType ip (a Fargate
// container's tasks) or, with Lambda set, lambda (a private app's Lambda container; VPC,
// port and health check settings are then unused: ELB ignores them for lambda targets).
type TargetGroupProps struct {
	// Lambda marks a target group of TargetType lambda.
	Lambda                 bool   `json:"lambda,omitempty"`
	VPCID                  string `json:"vpcId"`
	Port                   int    `json:"port"`
	HealthCheckPath        string `json:"healthCheckPath"`
	HealthCheckIntervalSec int    `json:"healthCheckIntervalSec"`
	HealthCheckTimeoutSec  int    `json:"healthCheckTimeoutSec"`
	HealthyThreshold       int    `json:"healthyThreshold"`
	UnhealthyThreshold     int    `json:"unhealthyThreshold"`
	Matcher                string `json:"matcher"`
	DeregistrationDelaySec int    `json:"deregistrationDelaySec"`
}

// ListenerProps: AWS::ElasticLoadBalancingV2::Listener; unmatched requests get a fixed 404.
// HTTP, or HTTPS with Certificate; with RedirectToPort every request is redirected to
// HTTPS on that port instead.
type ListenerProps struct {
	LoadBalancer   Ref  `json:"loadBalancer"`
	Port           int  `json:"port"`
	Certificate    *Ref `json:"certificate,omitempty"`
	RedirectToPort int  `json:"redirectToPort,omitempty"`
}

// LambdaTargetProps: the registration of a Lambda function in a lambda target group
// (RegisterTargets; a target group of type lambda holds one function). It is a resource
// of its own because ELB registers a function only once the function's policy lets
// elasticloadbalancing.amazonaws.com invoke it from that target group, and that
// permission needs the target group's ARN first.
type LambdaTargetProps struct {
	TargetGroup Ref `json:"targetGroup"`
	Function    Ref `json:"function"`
}

// ListenerRuleProps: AWS::ElasticLoadBalancingV2::ListenerRule. CloudFront's router has
// already chosen the container, and says which in RouteHeader; the rule matches that
// header so the ALB never re-interprets path patterns differently from the edge. The
// header is routing, not access control: only CloudFront's VPC origin reaches the
// internal ALB (the ALB's security group admits nothing else).
//
// A private app has no router: its rules match the container's path pattern (and its
// domain, as a host-header condition) instead of the header, with priorities ordered as
// the router's candidates are (see pathPriorities).
type ListenerRuleProps struct {
	Listener    Ref    `json:"listener"`
	TargetGroup Ref    `json:"targetGroup"`
	Priority    int    `json:"priority"` // stable per container
	HeaderName  string `json:"headerName,omitempty"`
	HeaderValue string `json:"headerValue,omitempty"`
	PathPattern string `json:"pathPattern,omitempty"`
	Host        string `json:"host,omitempty"`
	// Credential is a second header condition, on a Fargate container's webhook rule:
	// EventBridge's API key (see WebhookRoute).
	Credential *CredentialHeader `json:"credential,omitempty"`
}

// WebACLAssociationProps: a REGIONAL web ACL (SCF's deployment.awsAlb.wafAclArn) on the ALB.
type WebACLAssociationProps struct {
	Resource  Ref    `json:"resource"`
	WebACLArn string `json:"webAclArn"`
}
