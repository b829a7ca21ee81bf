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
// A rule targeting an API destination passes its role to events.amazonaws.com
// (eb-create-rule-api-destination-target.html): PutTargets is also authorized as
// iam:PassRole.
var rulePermissions = provision.Permissions{
	Observe: []string{"events:DescribeRule", "events:ListTagsForResource", "events:ListTargetsByRule", "lambda:GetPolicy"},
	Create:  []string{"events:PutRule", "events:TagResource", "events:PutTargets", "events:RemoveTargets", "lambda:AddPermission", "lambda:RemovePermission", "iam:PassRole"},
	Update:  []string{"events:PutRule", "events:PutTargets", "events:RemoveTargets", "lambda:AddPermission", "lambda:RemovePermission", "iam:PassRole"},
	Delete:  []string{"events:RemoveTargets", "events:DeleteRule", "lambda:RemovePermission"},
	Resources: map[string]string{
		"events":       "arn:${Partition}:events:${Region}:${Account}:rule/berth-*",
		"lambda":       "arn:${Partition}:lambda:${Region}:${Account}:function:berth-*",
		"iam:PassRole": "arn:${Partition}:iam::${Account}:role/berth-*",
	},
}

// Connections and API destinations ("Amazon EventBridge": connection/<name>,
// api-destination/<name>, no tag condition keys). EventBridge itself keeps a connection's
// credential in a Secrets Manager secret through its service-linked role
// (AmazonEventBridgeApiDestinationsServiceRolePolicy), so berth needs no
// secretsmanager action for it; the account's first connection creates that role
// (AmazonEventBridgeFullAccess grants iam:CreateServiceLinkedRole for it).
var (
	connectionPermissions = provision.Permissions{
		Observe: []string{"events:DescribeConnection"},
		Create:  []string{"events:CreateConnection", "events:UpdateConnection", "iam:CreateServiceLinkedRole"},
		Update:  []string{"events:UpdateConnection"},
		Delete:  []string{"events:DeleteConnection"},
		Resources: map[string]string{
			"events":                      "arn:${Partition}:events:${Region}:${Account}:connection/berth-*",
			"iam:CreateServiceLinkedRole": "arn:${Partition}:iam::${Account}:role/aws-service-role/apidestinations.events.amazonaws.com/*",
		},
	}
	destinationPermissions = provision.Permissions{
		Observe:   []string{"events:DescribeApiDestination"},
		Create:    []string{"events:CreateApiDestination", "events:UpdateApiDestination"},
		Update:    []string{"events:UpdateApiDestination"},
		Delete:    []string{"events:DeleteApiDestination"},
		Resources: map[string]string{"events": "arn:${Partition}:events:${Region}:${Account}:api-destination/berth-*"},
	}
)

// Kinds describes the kinds Register adds. Connections and API destinations take no
// tags: berth's carry its marker in their description.
var Kinds = []provision.Descriptor{
	{Kind: plan.KindEventRule, Function: provision.FunctionCompute, Budget: provision.QuickBudget,
		Ownership: provision.OwnedByTags, Permissions: rulePermissions,
		Describe: describeRule},
	{Kind: plan.KindEventConnection, Function: provision.FunctionCompute, Budget: provision.QuickBudget,
		Ownership: provision.OwnedByMarker, Permissions: connectionPermissions, WaitsFor: "EventBridge to authorize the connection",
		Describe: describeUntaggable},
	{Kind: plan.KindApiDestination, Function: provision.FunctionCompute, Budget: provision.QuickBudget,
		Ownership: provision.OwnedByMarker, Permissions: destinationPermissions,
		Describe: describeUntaggable},
}
