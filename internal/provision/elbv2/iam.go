package elbv2

import (
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
		"ec2":                                                 "*",
		"iam:CreateServiceLinkedRole":                         "arn:${Partition}:iam::${Account}:role/aws-service-role/elasticloadbalancing.amazonaws.com/*",
	}
	LoadBalancerPermissions = provision.Permissions{Kind: plan.KindLoadBalancer,
		Observe: []string{"elasticloadbalancing:DescribeLoadBalancers", "elasticloadbalancing:DescribeTags",
			"elasticloadbalancing:DescribeLoadBalancerAttributes", "ec2:DescribeVpcs", "ec2:DescribeSubnets"},
		Create: []string{"elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:AddTags",
			"elasticloadbalancing:ModifyLoadBalancerAttributes", "iam:CreateServiceLinkedRole"},
		Update: []string{"elasticloadbalancing:SetSubnets", "elasticloadbalancing:SetSecurityGroups",
			"elasticloadbalancing:ModifyLoadBalancerAttributes"},
		Delete:    []string{"elasticloadbalancing:DeleteLoadBalancer"},
		Resources: with(elbResources, elbARN+"loadbalancer/app/berth-*/*"),
	}
	TargetGroupPermissions = provision.Permissions{Kind: plan.KindTargetGroup,
		Observe: []string{"elasticloadbalancing:DescribeTargetGroups", "elasticloadbalancing:DescribeTags",
			"elasticloadbalancing:DescribeTargetGroupAttributes", "ec2:DescribeVpcs"},
		Create: []string{"elasticloadbalancing:CreateTargetGroup", "elasticloadbalancing:AddTags",
			"elasticloadbalancing:ModifyTargetGroupAttributes"},
		Update:    []string{"elasticloadbalancing:ModifyTargetGroup", "elasticloadbalancing:ModifyTargetGroupAttributes"},
		Delete:    []string{"elasticloadbalancing:DeleteTargetGroup"},
		Resources: with(elbResources, elbARN+"targetgroup/berth-*/*"),
	}
	ListenerPermissions = provision.Permissions{Kind: plan.KindListener,
		Observe:   []string{"elasticloadbalancing:DescribeListeners", "elasticloadbalancing:DescribeTags"},
		Create:    []string{"elasticloadbalancing:CreateListener", "elasticloadbalancing:AddTags", "elasticloadbalancing:ModifyListener"},
		Update:    []string{"elasticloadbalancing:ModifyListener"},
		Delete:    []string{"elasticloadbalancing:DeleteListener"},
		Resources: with(elbResources, elbARN+"listener/app/berth-*/*"),
	}
	ListenerRulePermissions = provision.Permissions{Kind: plan.KindListenerRule,
		Observe:   []string{"elasticloadbalancing:DescribeRules", "elasticloadbalancing:DescribeTags"},
		Create:    []string{"elasticloadbalancing:CreateRule", "elasticloadbalancing:AddTags"},
		Update:    []string{"elasticloadbalancing:ModifyRule", "elasticloadbalancing:SetRulePriorities"},
		Delete:    []string{"elasticloadbalancing:DeleteRule"},
		Resources: with(elbResources, elbARN+"listener-rule/app/berth-*/*"),
	}
)

// Permissions lists the kinds Register adds.
var Permissions = []provision.Permissions{LoadBalancerPermissions, TargetGroupPermissions, ListenerPermissions, ListenerRulePermissions}

// with is shared plus the kind's own resource for every other elasticloadbalancing action.
func with(shared map[string]string, own string) map[string]string {
	out := map[string]string{"elasticloadbalancing": own}
	for k, v := range shared {
		out[k] = v
	}
	return out
}
