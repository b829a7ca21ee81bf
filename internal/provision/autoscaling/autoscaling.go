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
	"github.com/aws/aws-sdk-go-v2/aws"
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

// ClientFactory returns the Application Auto Scaling client for a region.
type ClientFactory func(region string) API

// AlarmFactory returns the CloudWatch client for a region.
type AlarmFactory func(region string) AlarmAPI

// Clients is the ClientFactory of real SDK clients built from cfg.
func Clients(cfg aws.Config) ClientFactory {
	return func(region string) API {
		return aas.NewFromConfig(cfg, func(o *aas.Options) { o.Region = region })
	}
}

// Alarms is the AlarmFactory of real SDK clients built from cfg and opts.
func Alarms(cfg aws.Config, opts ...func(*cw.Options)) AlarmFactory {
	return func(region string) AlarmAPI {
		return cw.NewFromConfig(cfg, append(opts, func(o *cw.Options) { o.Region = region })...)
	}
}

// Register adds this package's kinds to reg; each resource's region picks its clients.
func Register(reg provision.Registry, clients ClientFactory, alarms AlarmFactory) {
	reg[plan.KindScalableTarget] = provision.ByRegion(func(region string) provision.Provisioner { return NewScalableTarget(clients(region)) })
	reg[plan.KindScalingPolicy] = provision.ByRegion(func(region string) provision.Provisioner {
		return NewScalingPolicy(clients(region), alarms(region))
	})
}

// lastSegment returns a name from either a name or an ARN ending in /<name>: refs to a
// cluster or service may resolve to either.
func lastSegment(s string) string {
	return s[strings.LastIndex(s, "/")+1:]
}
