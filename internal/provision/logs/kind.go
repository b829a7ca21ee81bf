package logs

import (
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// IAM actions of plan.KindLogGroup, from the SDK calls each verb makes (Service
// Authorization Reference, "Amazon CloudWatch Logs": DescribeLogGroups has no
// resource-level permissions; CreateLogGroup with tags is also authorized as
// logs:TagResource, and under its legacy name logs:TagLogGroup, which the
// CreateLogGroup API reference still names for tagging at creation).
var logGroupPermissions = provision.Permissions{
	Observe: []string{"logs:DescribeLogGroups", "logs:ListTagsForResource"},
	Create:  []string{"logs:CreateLogGroup", "logs:TagResource", "logs:TagLogGroup", "logs:PutRetentionPolicy"},
	Update:  []string{"logs:PutRetentionPolicy", "logs:DeleteRetentionPolicy"},
	Delete:  []string{"logs:DeleteLogGroup"},
	Resources: map[string]string{
		"logs":                   "arn:${Partition}:logs:${Region}:${Account}:log-group:/aws/lambda/berth-*",
		"logs:DescribeLogGroups": "*",
	},
}

// Kinds describes the kind Register adds.
var Kinds = []provision.Descriptor{{Kind: plan.KindLogGroup, Function: provision.FunctionCompute,
	Budget: provision.QuickBudget, Ownership: provision.OwnedByTags, Permissions: logGroupPermissions,
	Describe: describeLogGroup}}
