package ec2

import (
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// IAM actions of plan.KindSecurityGroup, from the SDK calls each verb makes (Service
// Authorization Reference, "Amazon EC2": Describe* have no resource-level permissions;
// CreateSecurityGroup is authorized on the security group and on the VPC, and with
// TagSpecifications also as ec2:CreateTags).
var securityGroupPermissions = provision.Permissions{
	Observe: []string{"ec2:DescribeSecurityGroups", "ec2:DescribeVpcs", "ec2:DescribeSubnets"},
	Create:  []string{"ec2:CreateSecurityGroup", "ec2:CreateTags", "ec2:AuthorizeSecurityGroupIngress"},
	Update:  []string{"ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress"},
	Delete:  []string{"ec2:DeleteSecurityGroup"},
	Resources: map[string]string{
		"ec2":                        "arn:${Partition}:ec2:${Region}:${Account}:security-group/*",
		"ec2:DescribeSecurityGroups": "*",
		"ec2:DescribeVpcs":           "*",
		"ec2:DescribeSubnets":        "*",
	},
}

// ingressPermissions: the rules of a group the kind above created.
var ingressPermissions = provision.Permissions{
	Observe: []string{"ec2:DescribeSecurityGroups", "ec2:DescribeVpcs", "ec2:DescribeSubnets"},
	Create:  []string{"ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress"},
	Update:  []string{"ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress"},
	Delete:  []string{"ec2:RevokeSecurityGroupIngress"},
	Resources: map[string]string{
		"ec2":                        "arn:${Partition}:ec2:${Region}:${Account}:security-group/*",
		"ec2:DescribeSecurityGroups": "*",
		"ec2:DescribeVpcs":           "*",
		"ec2:DescribeSubnets":        "*",
	},
}

// Kinds describes the kinds Register adds.
var Kinds = []provision.Descriptor{
	{Kind: plan.KindSecurityGroup, Function: provision.FunctionALB,
		Budget: provision.QuickBudget, Ownership: provision.OwnedByTags, Permissions: securityGroupPermissions,
		Describe: describeSecurityGroup},
	{Kind: plan.KindSecurityGroupIngress, Function: provision.FunctionALB,
		Budget: provision.QuickBudget, Ownership: provision.OwnedByParentTags, Permissions: ingressPermissions,
		Describe: describeIngress},
}
