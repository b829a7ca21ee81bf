package elbv2

import (
	"context"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// tgLive is a target group with its tags.
type tgLive struct {
	tg   types.TargetGroup
	tags map[string]string
}

type tgCall = provision.Call[API, plan.TargetGroupProps]

// NewTargetGroup returns the provisioner of AWS::ElasticLoadBalancingV2::TargetGroup for one Fargate
// container: target type ip (awsvpc tasks register by address), HTTP, found by name. A
// private app's Lambda container gets target type lambda instead: no protocol, port or
// VPC, health checks off (ELB's default for lambda targets; each check would invoke the
// function), and the function registered by its own resource (plan.KindLambdaTarget).
//
// The health check and deregistration values come from the plan, which tunes them well
// below ELB's defaults, and they matter for deploy speed more than anything else here:
//   - interval 10 s × healthy threshold 2: a new task passes its health check and receives
//     traffic after ~20 s, instead of 30 s × 5 = 150 s with the AWS defaults. ECS waits for
//     that before it stops old tasks, so every deploy pays it.
//   - deregistration delay 30 s instead of 300 s: a stopped task (deploy, scale-in, or a
//     container switched to Lambda) drains for 30 s rather than stalling the deploy for five
//     minutes. CloudFront's origin read timeout caps how long a request can legitimately run.
//
// The target group's own port is not reconciled: ECS registers each task with the
// container port from the service's load balancer entry, and the health check uses the
// traffic port, so the group's port is only a default nobody uses; changing it would need
// a new target group for no effect.
func NewTargetGroup(client API, net Network) provision.Provisioner {
	return provision.Adapt(provision.Kind[API, plan.TargetGroupProps, tgLive]{
		Clients: func(string) API { return client },
		Desired: func(_ context.Context, c *tgCall) (plan.TargetGroupProps, error) { return tgWant(c.R) },
		Find:    lookupTG,
		Owned:   func(c *tgCall, l *tgLive) bool { return provision.Owned(c.Env, c.R, l.tags) },
		Diff: func(ctx context.Context, c *tgCall, l *tgLive) (provision.Diffs, error) {
			if c.Props.Lambda || l.tg.TargetType == types.TargetTypeEnumLambda {
				var d provision.Diffs
				d.Add("targetType", targetType(c.Props), string(l.tg.TargetType))
				return d, nil
			}
			if err := defaultVPC(ctx, net, c); err != nil {
				return nil, err
			}
			return tgDiff(ctx, c.API, c.Props, &l.tg)
		},
		Outputs: func(c *tgCall, l *tgLive) provision.Outputs { return tgOutputs(c.R, &l.tg) },
		Create: func(ctx context.Context, c *tgCall) (provision.Outputs, error) {
			if c.Props.Lambda {
				return createLambdaTG(ctx, c)
			}
			if err := defaultVPC(ctx, net, c); err != nil {
				return nil, err
			}
			return createTG(ctx, c)
		},
		Converge: convergeTG,
		// While a listener rule (or a load balancer still being deleted) uses it AWS
		// answers ResourceInUse: retried briefly here, then transient for the state machine.
		Remove: func(ctx context.Context, c *tgCall, l *tgLive) error {
			return provision.Retry(ctx, func() error {
				_, err := c.API.DeleteTargetGroup(ctx, &elb.DeleteTargetGroupInput{TargetGroupArn: l.tg.TargetGroupArn})
				return err
			})
		},
	})
}

const deregistrationKey = "deregistration_delay.timeout_seconds"

// defaultVPC puts the default VPC in c.Props when the plan names none. It is looked up
// only to compare or create: deleting needs no VPC.
func defaultVPC(ctx context.Context, net Network, c *tgCall) error {
	if c.Props.VPCID != "" {
		return nil
	}
	var err error
	c.Props.VPCID, _, err = net.DefaultNetwork(ctx)
	return err
}

func tgWant(r plan.Resource) (plan.TargetGroupProps, error) {
	props, err := provision.Decode[plan.TargetGroupProps](r)
	if err != nil || props.Lambda {
		return props, err
	}
	// Zero values mean "AWS's default", so a hand-built plan still creates a valid group.
	defaults := []struct {
		v   *int
		def int
	}{
		{&props.Port, 80}, {&props.HealthCheckIntervalSec, 30}, {&props.HealthCheckTimeoutSec, 5},
		{&props.HealthyThreshold, 5}, {&props.UnhealthyThreshold, 2}, {&props.DeregistrationDelaySec, 300},
	}
	for _, d := range defaults {
		if *d.v == 0 {
			*d.v = d.def
		}
	}
	if props.Matcher == "" {
		props.Matcher = "200"
	}
	if props.HealthCheckPath == "" {
		props.HealthCheckPath = "/"
	}
	return props, nil
}

func lookupTG(ctx context.Context, c *tgCall) (*tgLive, error) {
	out, err := c.API.DescribeTargetGroups(ctx, &elb.DescribeTargetGroupsInput{Names: []string{c.R.Name}})
	if err != nil || len(out.TargetGroups) == 0 {
		return nil, err
	}
	tg := out.TargetGroups[0]
	arn := aws.ToString(tg.TargetGroupArn)
	t, err := tagsOf(ctx, c.API, []string{arn})
	if err != nil {
		return nil, err
	}
	return &tgLive{tg: tg, tags: t[arn]}, nil
}

func tgOutputs(r plan.Resource, tg *types.TargetGroup) provision.Outputs {
	arn := aws.ToString(tg.TargetGroupArn)
	return provision.Outputs{plan.AttrArn: arn, plan.AttrName: r.Name, plan.AttrFullName: fullName(arn)}
}

func deregistrationDelay(ctx context.Context, client API, arn string) (string, error) {
	out, err := client.DescribeTargetGroupAttributes(ctx, &elb.DescribeTargetGroupAttributesInput{TargetGroupArn: aws.String(arn)})
	if err != nil {
		return "", err
	}
	for _, a := range out.Attributes {
		if aws.ToString(a.Key) == deregistrationKey {
			return aws.ToString(a.Value), nil
		}
	}
	return "300", nil // ELB's default
}

func tgDiff(ctx context.Context, client API, w plan.TargetGroupProps, tg *types.TargetGroup) (provision.Diffs, error) {
	var d provision.Diffs
	d.Add("vpcId", w.VPCID, aws.ToString(tg.VpcId))
	d.Add("healthCheckPath", w.HealthCheckPath, aws.ToString(tg.HealthCheckPath))
	d.Add("healthCheckIntervalSec", w.HealthCheckIntervalSec, aws.ToInt32(tg.HealthCheckIntervalSeconds))
	d.Add("healthCheckTimeoutSec", w.HealthCheckTimeoutSec, aws.ToInt32(tg.HealthCheckTimeoutSeconds))
	d.Add("healthyThreshold", w.HealthyThreshold, aws.ToInt32(tg.HealthyThresholdCount))
	d.Add("unhealthyThreshold", w.UnhealthyThreshold, aws.ToInt32(tg.UnhealthyThresholdCount))
	matcher := ""
	if tg.Matcher != nil {
		matcher = aws.ToString(tg.Matcher.HttpCode)
	}
	d.Add("matcher", w.Matcher, matcher)
	delay, err := deregistrationDelay(ctx, client, aws.ToString(tg.TargetGroupArn))
	if err != nil {
		return nil, err
	}
	d.Add("deregistrationDelaySec", w.DeregistrationDelaySec, delay)
	return d, nil
}

func targetType(p plan.TargetGroupProps) string {
	if p.Lambda {
		return string(types.TargetTypeEnumLambda)
	}
	return string(types.TargetTypeEnumIp)
}

// createLambdaTG makes a lambda target group: CreateTargetGroup takes no protocol, port or
// VPC for it ("Lambda functions as targets", Create a target group for your Lambda
// function, https://docs.aws.amazon.com/elasticloadbalancing/latest/application/lambda-functions.html).
func createLambdaTG(ctx context.Context, c *tgCall) (provision.Outputs, error) {
	out, err := c.API.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{
		Name:               aws.String(c.R.Name),
		TargetType:         types.TargetTypeEnumLambda,
		HealthCheckEnabled: aws.Bool(false),
		Tags:               tags(c.Env, c.R),
	})
	if err != nil {
		return nil, err
	}
	return tgOutputs(c.R, &out.TargetGroups[0]), nil
}

func createTG(ctx context.Context, c *tgCall) (provision.Outputs, error) {
	r, w := c.R, c.Props
	out, err := c.API.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{
		Name:                       aws.String(r.Name),
		TargetType:                 types.TargetTypeEnumIp,
		Protocol:                   types.ProtocolEnumHttp,
		Port:                       aws.Int32(int32(w.Port)),
		VpcId:                      aws.String(w.VPCID),
		HealthCheckEnabled:         aws.Bool(true),
		HealthCheckProtocol:        types.ProtocolEnumHttp,
		HealthCheckPath:            aws.String(w.HealthCheckPath),
		HealthCheckIntervalSeconds: aws.Int32(int32(w.HealthCheckIntervalSec)),
		HealthCheckTimeoutSeconds:  aws.Int32(int32(w.HealthCheckTimeoutSec)),
		HealthyThresholdCount:      aws.Int32(int32(w.HealthyThreshold)),
		UnhealthyThresholdCount:    aws.Int32(int32(w.UnhealthyThreshold)),
		Matcher:                    &types.Matcher{HttpCode: aws.String(w.Matcher)},
		Tags:                       tags(c.Env, r),
	})
	if err != nil {
		return nil, err
	}
	tg := &out.TargetGroups[0]
	if err := setDeregistrationDelay(ctx, c.API, aws.ToString(tg.TargetGroupArn), w.DeregistrationDelaySec); err != nil {
		return nil, err
	}
	return tgOutputs(r, tg), nil
}

// convergeTG applies health check and deregistration changes; the VPC cannot change in
// place.
func convergeTG(ctx context.Context, c *tgCall, l *tgLive, d provision.Diffs) (provision.Outputs, error) {
	r, w, tg := c.R, c.Props, &l.tg
	arn := aws.ToString(tg.TargetGroupArn)
	if d.Has("targetType") {
		return nil, immutable(r, "targetType", targetType(w), string(tg.TargetType))
	}
	if d.Has("vpcId") {
		return nil, immutable(r, "vpcId", w.VPCID, aws.ToString(tg.VpcId))
	}
	if d.Has("deregistrationDelaySec") {
		if err := setDeregistrationDelay(ctx, c.API, arn, w.DeregistrationDelaySec); err != nil {
			return nil, err
		}
	}
	if !(len(d) == 1 && d.Has("deregistrationDelaySec")) {
		_, err := c.API.ModifyTargetGroup(ctx, &elb.ModifyTargetGroupInput{
			TargetGroupArn:             aws.String(arn),
			HealthCheckEnabled:         aws.Bool(true),
			HealthCheckProtocol:        types.ProtocolEnumHttp,
			HealthCheckPath:            aws.String(w.HealthCheckPath),
			HealthCheckIntervalSeconds: aws.Int32(int32(w.HealthCheckIntervalSec)),
			HealthCheckTimeoutSeconds:  aws.Int32(int32(w.HealthCheckTimeoutSec)),
			HealthyThresholdCount:      aws.Int32(int32(w.HealthyThreshold)),
			UnhealthyThresholdCount:    aws.Int32(int32(w.UnhealthyThreshold)),
			Matcher:                    &types.Matcher{HttpCode: aws.String(w.Matcher)},
		})
		if err != nil {
			return nil, err
		}
	}
	return tgOutputs(r, tg), nil
}

func setDeregistrationDelay(ctx context.Context, client API, arn string, sec int) error {
	_, err := client.ModifyTargetGroupAttributes(ctx, &elb.ModifyTargetGroupAttributesInput{
		TargetGroupArn: aws.String(arn),
		Attributes:     []types.TargetGroupAttribute{{Key: aws.String(deregistrationKey), Value: aws.String(strconv.Itoa(sec))}},
	})
	return err
}
