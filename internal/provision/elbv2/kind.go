package elbv2

import (
	"time"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// IAM actions of this package's kinds, from the SDK calls each verb makes (Service
// Authorization Reference, "Elastic Load Balancing V2": Describe* have no resource-level
// permissions; Create* with Tags are also authorized as elasticloadbalancing:AddTags; the
// first CreateLoadBalancer in an account creates the ELB service-linked role,
// iam:CreateServiceLinkedRole). The default VPC and subnets come from
// ec2:DescribeVpcs/DescribeSubnets.
var (
	elbARN       = "arn:${Partition}:elasticloadbalancing:${Region}:${Account}:"
	elbResources = map[string]string{
		"elasticloadbalancing:DescribeTags":                   "*",
		"elasticloadbalancing:DescribeLoadBalancers":          "*",
		"elasticloadbalancing:DescribeLoadBalancerAttributes": "*",
		"elasticloadbalancing:DescribeTargetGroups":           "*",
		"elasticloadbalancing:DescribeTargetGroupAttributes":  "*",
		"elasticloadbalancing:DescribeListeners":              "*",
		"elasticloadbalancing:DescribeRules":                  "*",
		"elasticloadbalancing:DescribeTargetHealth":           "*",
		"ec2":                         "*",
		"iam:CreateServiceLinkedRole": "arn:${Partition}:iam::${Account}:role/aws-service-role/elasticloadbalancing.amazonaws.com/*",
	}
	loadBalancerPermissions = provision.Permissions{
		Observe: []string{"elasticloadbalancing:DescribeLoadBalancers", "elasticloadbalancing:DescribeTags",
			"elasticloadbalancing:DescribeLoadBalancerAttributes", "ec2:DescribeVpcs", "ec2:DescribeSubnets"},
		Create: []string{"elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:AddTags",
			"elasticloadbalancing:ModifyLoadBalancerAttributes", "iam:CreateServiceLinkedRole"},
		Update: []string{"elasticloadbalancing:SetSubnets", "elasticloadbalancing:SetSecurityGroups",
			"elasticloadbalancing:ModifyLoadBalancerAttributes"},
		Delete:    []string{"elasticloadbalancing:DeleteLoadBalancer"},
		Resources: with(elbResources, elbARN+"loadbalancer/app/berth-*/*"),
	}
	targetGroupPermissions = provision.Permissions{
		Observe: []string{"elasticloadbalancing:DescribeTargetGroups", "elasticloadbalancing:DescribeTags",
			"elasticloadbalancing:DescribeTargetGroupAttributes", "ec2:DescribeVpcs"},
		Create: []string{"elasticloadbalancing:CreateTargetGroup", "elasticloadbalancing:AddTags",
			"elasticloadbalancing:ModifyTargetGroupAttributes"},
		Update:    []string{"elasticloadbalancing:ModifyTargetGroup", "elasticloadbalancing:ModifyTargetGroupAttributes"},
		Delete:    []string{"elasticloadbalancing:DeleteTargetGroup"},
		Resources: with(elbResources, elbARN+"targetgroup/berth-*/*"),
	}
	listenerPermissions = provision.Permissions{
		Observe:   []string{"elasticloadbalancing:DescribeListeners", "elasticloadbalancing:DescribeTags"},
		Create:    []string{"elasticloadbalancing:CreateListener", "elasticloadbalancing:AddTags", "elasticloadbalancing:ModifyListener"},
		Update:    []string{"elasticloadbalancing:ModifyListener"},
		Delete:    []string{"elasticloadbalancing:DeleteListener"},
		Resources: with(elbResources, elbARN+"listener/app/berth-*/*"),
	}
	// A Lambda target is registered in berth's target group: the group's ARN is the
	// resource of RegisterTargets and DeregisterTargets.
	lambdaTargetPermissions = provision.Permissions{
		Observe:   []string{"elasticloadbalancing:DescribeTargetHealth", "elasticloadbalancing:DescribeTags"},
		Create:    []string{"elasticloadbalancing:RegisterTargets"},
		Update:    []string{"elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"},
		Delete:    []string{"elasticloadbalancing:DeregisterTargets"},
		Resources: with(elbResources, elbARN+"targetgroup/berth-*/*"),
	}
	listenerRulePermissions = provision.Permissions{
		Observe:   []string{"elasticloadbalancing:DescribeRules", "elasticloadbalancing:DescribeTags"},
		Create:    []string{"elasticloadbalancing:CreateRule", "elasticloadbalancing:AddTags"},
		Update:    []string{"elasticloadbalancing:ModifyRule", "elasticloadbalancing:SetRulePriorities"},
		Delete:    []string{"elasticloadbalancing:DeleteRule"},
		Resources: with(elbResources, elbARN+"listener-rule/app/berth-*/*"),
	}
)

// with is shared plus the kind's own resource for every other elasticloadbalancing action.
func with(shared map[string]string, own string) map[string]string {
	out := map[string]string{"elasticloadbalancing": own}
	for k, v := range shared {
		out[k] = v
	}
	return out
}

// Kinds describes the kinds Register adds.
var Kinds = []provision.Descriptor{
	{Kind: plan.KindLoadBalancer, Function: provision.FunctionALB,
		Budget:    provision.Budget{Wait: 10 * time.Second, Limit: 15 * time.Minute},
		Ownership: provision.OwnedByTags, Permissions: loadBalancerPermissions, Describe: describeLoadBalancer,
		WaitsFor: "the load balancer to become active (usually 2–4 min)"},
	{Kind: plan.KindTargetGroup, Function: provision.FunctionALB, Budget: provision.QuickBudget,
		Ownership: provision.OwnedByTags, Permissions: targetGroupPermissions,
		Describe: describeTargetGroup},
	// An HTTPS listener (a private app's) takes only an issued certificate.
	{Kind: plan.KindListener, Function: provision.FunctionALB, Budget: provision.QuickBudget,
		ReadyGates: []plan.Kind{plan.KindCertificate},
		Ownership:  provision.OwnedByTags, Permissions: listenerPermissions,
		Describe: describeListener},
	{Kind: plan.KindListenerRule, Function: provision.FunctionALB, Budget: provision.QuickBudget,
		Ownership: provision.OwnedByTags, Permissions: listenerRulePermissions,
		Describe: describeListenerRule},
	{Kind: plan.KindLambdaTarget, Function: provision.FunctionALB, Budget: provision.QuickBudget,
		Ownership: provision.OwnedByParentTags, Permissions: lambdaTargetPermissions,
		Describe: describeLambdaTarget},
}
