// Package autoscaling provisions Application Auto Scaling for Fargate services: one
// scalable target per autoscaled service and one scaling policy per SCF scale entry.
//
// Ownership: a scalable target is named by the service it scales (service/<cluster>/
// <service>), which is berth's own service reached through refs the ECS provisioner
// verified, and a policy lives on that target under a berth name. Targets are tagged when
// created, but ownership is not read back from tags: moto 5.2.1 implements neither
// ListTagsForResource nor tags on RegisterScalableTarget for this service, so a check would
// fail there, and a target on berth's own service cannot belong to anyone else.
//
// A step-scaling policy also gets the CloudWatch metric alarm that triggers it (see
// stepalarm.go). CloudWatch does implement alarm tags, so that alarm's ownership is read
// from its tags like any other berth resource.
package autoscaling

import (
	"context"
	"strings"

	aas "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	cw "github.com/aws/aws-sdk-go-v2/service/cloudwatch"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// API is the part of the Application Auto Scaling client this package calls;
// *applicationautoscaling.Client satisfies it.
type API interface {
	DescribeScalableTargets(ctx context.Context, in *aas.DescribeScalableTargetsInput, opts ...func(*aas.Options)) (*aas.DescribeScalableTargetsOutput, error)
	RegisterScalableTarget(ctx context.Context, in *aas.RegisterScalableTargetInput, opts ...func(*aas.Options)) (*aas.RegisterScalableTargetOutput, error)
	DeregisterScalableTarget(ctx context.Context, in *aas.DeregisterScalableTargetInput, opts ...func(*aas.Options)) (*aas.DeregisterScalableTargetOutput, error)
	DescribeScalingPolicies(ctx context.Context, in *aas.DescribeScalingPoliciesInput, opts ...func(*aas.Options)) (*aas.DescribeScalingPoliciesOutput, error)
	PutScalingPolicy(ctx context.Context, in *aas.PutScalingPolicyInput, opts ...func(*aas.Options)) (*aas.PutScalingPolicyOutput, error)
	DeleteScalingPolicy(ctx context.Context, in *aas.DeleteScalingPolicyInput, opts ...func(*aas.Options)) (*aas.DeleteScalingPolicyOutput, error)
}

// AlarmAPI is the part of the CloudWatch client this package calls, for the alarm that
// triggers a step-scaling policy; *cloudwatch.Client satisfies it.
type AlarmAPI interface {
	DescribeAlarms(ctx context.Context, in *cw.DescribeAlarmsInput, opts ...func(*cw.Options)) (*cw.DescribeAlarmsOutput, error)
	ListTagsForResource(ctx context.Context, in *cw.ListTagsForResourceInput, opts ...func(*cw.Options)) (*cw.ListTagsForResourceOutput, error)
	PutMetricAlarm(ctx context.Context, in *cw.PutMetricAlarmInput, opts ...func(*cw.Options)) (*cw.PutMetricAlarmOutput, error)
	DeleteAlarms(ctx context.Context, in *cw.DeleteAlarmsInput, opts ...func(*cw.Options)) (*cw.DeleteAlarmsOutput, error)
}

// Register adds this package's kinds to reg. alarms must reach CloudWatch in the same
// account and region as client.
func Register(reg provision.Registry, client API, alarms AlarmAPI) {
	reg[plan.KindScalableTarget] = NewScalableTarget(client)
	reg[plan.KindScalingPolicy] = NewScalingPolicy(client, alarms)
}

// lastSegment returns a name from either a name or an ARN ending in /<name>: refs to a
// cluster or service may resolve to either.
func lastSegment(s string) string {
	return s[strings.LastIndex(s, "/")+1:]
}
