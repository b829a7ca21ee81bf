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
	ScalableTargetPermissions = provision.Permissions{Kind: plan.KindScalableTarget,
		Observe:   []string{"application-autoscaling:DescribeScalableTargets"},
		Create:    []string{"application-autoscaling:RegisterScalableTarget", "application-autoscaling:TagResource"},
		Update:    []string{"application-autoscaling:RegisterScalableTarget"},
		Delete:    []string{"application-autoscaling:DeregisterScalableTarget"},
		Resources: aasResources,
	}
	ScalingPolicyPermissions = provision.Permissions{Kind: plan.KindScalingPolicy,
		Observe:   []string{"application-autoscaling:DescribeScalingPolicies", "cloudwatch:DescribeAlarms", "cloudwatch:ListTagsForResource"},
		Create:    []string{"application-autoscaling:PutScalingPolicy", "cloudwatch:PutMetricAlarm", "cloudwatch:TagResource"},
		Update:    []string{"application-autoscaling:PutScalingPolicy", "cloudwatch:PutMetricAlarm"},
		Delete:    []string{"application-autoscaling:DeleteScalingPolicy", "cloudwatch:DeleteAlarms"},
		Resources: aasResources,
	}
)

// Permissions lists the kinds Register adds.
var Permissions = []provision.Permissions{ScalableTargetPermissions, ScalingPolicyPermissions}
