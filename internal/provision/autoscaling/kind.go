package autoscaling

import (
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// IAM actions of this package's kinds, from the SDK calls each verb makes (Service
// Authorization Reference, "Application Auto Scaling": Describe* have no resource-level
// permissions; RegisterScalableTarget with Tags is also authorized as
// application-autoscaling:TagResource. "Amazon CloudWatch": PutMetricAlarm with Tags is
// also authorized as cloudwatch:TagResource; the step-scaling alarms are named
// berth-…-alarm).
var (
	aasResources = map[string]string{
		"application-autoscaling":                         "arn:${Partition}:application-autoscaling:${Region}:${Account}:scalable-target/*",
		"application-autoscaling:DescribeScalableTargets": "*",
		"application-autoscaling:DescribeScalingPolicies": "*",
		"cloudwatch": "arn:${Partition}:cloudwatch:${Region}:${Account}:alarm:berth-*-alarm",
	}
	scalableTargetPermissions = provision.Permissions{
		Observe:   []string{"application-autoscaling:DescribeScalableTargets"},
		Create:    []string{"application-autoscaling:RegisterScalableTarget", "application-autoscaling:TagResource"},
		Update:    []string{"application-autoscaling:RegisterScalableTarget"},
		Delete:    []string{"application-autoscaling:DeregisterScalableTarget"},
		Resources: aasResources,
	}
	scalingPolicyPermissions = provision.Permissions{
		Observe:   []string{"application-autoscaling:DescribeScalingPolicies", "cloudwatch:DescribeAlarms", "cloudwatch:ListTagsForResource"},
		Create:    []string{"application-autoscaling:PutScalingPolicy", "cloudwatch:PutMetricAlarm", "cloudwatch:TagResource"},
		Update:    []string{"application-autoscaling:PutScalingPolicy", "cloudwatch:PutMetricAlarm"},
		Delete:    []string{"application-autoscaling:DeleteScalingPolicy", "cloudwatch:DeleteAlarms"},
		Resources: aasResources,
	}
)

// Kinds describes the kinds Register adds. A scalable target is the service's desired
// count slot, named by the service it scales; the policy's alarms carry berth's tags.
var Kinds = []provision.Descriptor{
	{Kind: plan.KindScalableTarget, Function: provision.FunctionCompute, Budget: provision.QuickBudget,
		Ownership: provision.OwnedByNone, Permissions: scalableTargetPermissions,
		Describe: describeScalableTarget},
	{Kind: plan.KindScalingPolicy, Function: provision.FunctionCompute, Budget: provision.QuickBudget,
		Ownership: provision.OwnedByTags, Permissions: scalingPolicyPermissions,
		Describe: describeScalingPolicy},
}
