package plan

// SecurityGroupProps: AWS::EC2::SecurityGroup in the app's VPC.
type SecurityGroupProps struct {
	VPCID       string        `json:"vpcId"` // "" = the account's default VPC
	Description string        `json:"description"`
	Ingress     []IngressRule `json:"ingress"`
}

// IngressRule allows TCP FromPort..ToPort from another security group or a managed prefix
// list (CloudFront's origin-facing list), never from 0.0.0.0/0.
type IngressRule struct {
	FromPort       int    `json:"fromPort"`
	ToPort         int    `json:"toPort"`
	SourceGroup    *Ref   `json:"sourceGroup,omitempty"`
	SourceGroupID  string `json:"sourceGroupId,omitempty"`  // a given group (awsVpc.loadBalancerSecurityGroupId)
	PrefixListName string `json:"prefixListName,omitempty"` // com.amazonaws.global.cloudfront.origin-facing
}

// LoadBalancerProps: AWS::ElasticLoadBalancingV2::LoadBalancer (application).
type LoadBalancerProps struct {
	Scheme           string   `json:"scheme"`              // internet-facing | internal
	SubnetIDs        []string `json:"subnetIds,omitempty"` // empty: default VPC's subnets
	SecurityGroups   []Ref    `json:"securityGroups,omitempty"`
	SecurityGroupIDs []string `json:"securityGroupIds,omitempty"`
	IdleTimeoutSec   int      `json:"idleTimeoutSec"`
}

// TargetGroupProps: AWS::ElasticLoadBalancingV2::TargetGroup, TargetType ip.
type TargetGroupProps struct {
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
type ListenerProps struct {
	LoadBalancer Ref `json:"loadBalancer"`
	Port         int `json:"port"`
}

// ListenerRuleProps: AWS::ElasticLoadBalancingV2::ListenerRule. CloudFront's router has
// already chosen the container, and says which in RouteHeader; the rule matches that
// header so the ALB never re-interprets path patterns differently from the edge.
type ListenerRuleProps struct {
	Listener    Ref    `json:"listener"`
	TargetGroup Ref    `json:"targetGroup"`
	Priority    int    `json:"priority"` // stable per container
	HeaderName  string `json:"headerName"`
	HeaderValue string `json:"headerValue"`
}

// WebACLAssociationProps: a REGIONAL web ACL (SCF's deployment.awsAlb.wafAclArn) on the ALB.
type WebACLAssociationProps struct {
	Resource  Ref    `json:"resource"`
	WebACLArn string `json:"webAclArn"`
}
