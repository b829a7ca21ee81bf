package events

import (
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// IAM actions of plan.KindEventRule, from the SDK calls each verb makes (Service
// Authorization Reference, "Amazon EventBridge": rules are rule/<name> on the default bus
// and support aws:ResourceTag; PutRule with tags is also authorized as events:TagResource;
// "AWS Lambda": the grant on the target function is lambda:AddPermission /
// RemovePermission / GetPolicy on the function).
var rulePermissions = provision.Permissions{
	Observe: []string{"events:DescribeRule", "events:ListTagsForResource", "events:ListTargetsByRule", "lambda:GetPolicy"},
	Create:  []string{"events:PutRule", "events:TagResource", "events:PutTargets", "events:RemoveTargets", "lambda:AddPermission", "lambda:RemovePermission"},
	Update:  []string{"events:PutRule", "events:PutTargets", "events:RemoveTargets", "lambda:AddPermission", "lambda:RemovePermission"},
	Delete:  []string{"events:RemoveTargets", "events:DeleteRule", "lambda:RemovePermission"},
	Resources: map[string]string{
		"events": "arn:${Partition}:events:${Region}:${Account}:rule/berth-*",
		"lambda": "arn:${Partition}:lambda:${Region}:${Account}:function:berth-*",
	},
}

// Kinds describes the kind Register adds.
var Kinds = []provision.Descriptor{
	{Kind: plan.KindEventRule, Function: provision.FunctionCompute, Budget: provision.QuickBudget,
		Ownership: provision.OwnedByTags, Permissions: rulePermissions,
		Describe: describeRule},
}
