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

// TargetGroup provisions AWS::ElasticLoadBalancingV2::TargetGroup for one Fargate
// container: target type ip (awsvpc tasks register by address), HTTP, found by name.
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
type TargetGroup struct {
	client API
	net    Network
}

// NewTargetGroup returns the target group provisioner.
func NewTargetGroup(client API, net Network) *TargetGroup {
	return &TargetGroup{client: client, net: net}
}

const deregistrationKey = "deregistration_delay.timeout_seconds"

func (p *TargetGroup) want(ctx context.Context, r plan.Resource) (plan.TargetGroupProps, error) {
	props, err := provision.Decode[plan.TargetGroupProps](r)
	if err != nil {
		return props, err
	}
	if props.VPCID == "" {
		if props.VPCID, _, err = p.net.DefaultNetwork(ctx); err != nil {
			return props, err
		}
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

func (p *TargetGroup) lookup(ctx context.Context, r plan.Resource) (*types.TargetGroup, error) {
	return describeByName(r, func() ([]types.TargetGroup, error) {
		out, err := p.client.DescribeTargetGroups(ctx, &elb.DescribeTargetGroupsInput{Names: []string{r.Name}})
		if err != nil {
			return nil, err
		}
		return out.TargetGroups, nil
	})
}

func tgOutputs(r plan.Resource, tg *types.TargetGroup) provision.Outputs {
	arn := aws.ToString(tg.TargetGroupArn)
	return provision.Outputs{plan.AttrArn: arn, plan.AttrName: r.Name, plan.AttrFullName: fullName(arn)}
}

func (p *TargetGroup) deregistrationDelay(ctx context.Context, r plan.Resource, arn string) (string, error) {
	out, err := p.client.DescribeTargetGroupAttributes(ctx, &elb.DescribeTargetGroupAttributesInput{TargetGroupArn: aws.String(arn)})
	if err != nil {
		return "", provision.Classify(err, "describe attributes", string(r.Kind), r.Name)
	}
	for _, a := range out.Attributes {
		if aws.ToString(a.Key) == deregistrationKey {
			return aws.ToString(a.Value), nil
		}
	}
	return "300", nil // ELB's default
}

func (p *TargetGroup) diff(ctx context.Context, r plan.Resource, w plan.TargetGroupProps, tg *types.TargetGroup) (provision.Diffs, error) {
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
	delay, err := p.deregistrationDelay(ctx, r, aws.ToString(tg.TargetGroupArn))
	if err != nil {
		return nil, err
	}
	d.Add("deregistrationDelaySec", w.DeregistrationDelaySec, delay)
	return d, nil
}

// Observe reports the target group and how it differs.
func (p *TargetGroup) Observe(ctx context.Context, env provision.Env, r plan.Resource) (provision.Observation, error) {
	w, err := p.want(ctx, r)
	if err != nil {
		return provision.Observation{}, err
	}
	tg, err := p.lookup(ctx, r)
	if err != nil || tg == nil {
		return provision.Observation{}, err
	}
	obs := provision.Observation{Exists: true, Ready: true, Outputs: tgOutputs(r, tg)}
	return observeOwned(ctx, p.client, env, r, aws.ToString(tg.TargetGroupArn), obs, func() (provision.Diffs, error) {
		return p.diff(ctx, r, w, tg)
	})
}

// Create makes the target group, or brings an existing one in line.
func (p *TargetGroup) Create(ctx context.Context, env provision.Env, r plan.Resource) (provision.Outputs, error) {
	w, err := p.want(ctx, r)
	if err != nil {
		return nil, err
	}
	tg, err := p.lookup(ctx, r)
	if err != nil {
		return nil, err
	}
	if tg == nil {
		return p.create(ctx, env, r, w)
	}
	return p.update(ctx, env, r, w, tg)
}

// Update applies health check and deregistration changes; the VPC cannot change in place.
func (p *TargetGroup) Update(ctx context.Context, env provision.Env, r plan.Resource) (provision.Outputs, error) {
	return p.Create(ctx, env, r)
}

func (p *TargetGroup) create(ctx context.Context, env provision.Env, r plan.Resource, w plan.TargetGroupProps) (provision.Outputs, error) {
	out, err := p.client.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{
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
		Tags:                       tags(env, r),
	})
	if err != nil {
		return nil, provision.Classify(err, "create", string(r.Kind), r.Name)
	}
	tg := &out.TargetGroups[0]
	if err := p.setDeregistrationDelay(ctx, r, aws.ToString(tg.TargetGroupArn), w.DeregistrationDelaySec); err != nil {
		return nil, err
	}
	return tgOutputs(r, tg), nil
}

func (p *TargetGroup) update(ctx context.Context, env provision.Env, r plan.Resource, w plan.TargetGroupProps, tg *types.TargetGroup) (provision.Outputs, error) {
	arn := aws.ToString(tg.TargetGroupArn)
	if err := mustOwn(ctx, p.client, env, r, arn); err != nil {
		return nil, err
	}
	d, err := p.diff(ctx, r, w, tg)
	if err != nil {
		return nil, err
	}
	if d.Has("vpcId") {
		return nil, immutable(r, "vpcId", w.VPCID, aws.ToString(tg.VpcId))
	}
	if d.Has("deregistrationDelaySec") {
		if err := p.setDeregistrationDelay(ctx, r, arn, w.DeregistrationDelaySec); err != nil {
			return nil, err
		}
	}
	if len(d) > 0 && !(len(d) == 1 && d.Has("deregistrationDelaySec")) {
		_, err := p.client.ModifyTargetGroup(ctx, &elb.ModifyTargetGroupInput{
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
			return nil, provision.Classify(err, "modify health check", string(r.Kind), r.Name)
		}
	}
	return tgOutputs(r, tg), nil
}

func (p *TargetGroup) setDeregistrationDelay(ctx context.Context, r plan.Resource, arn string, sec int) error {
	_, err := p.client.ModifyTargetGroupAttributes(ctx, &elb.ModifyTargetGroupAttributesInput{
		TargetGroupArn: aws.String(arn),
		Attributes:     []types.TargetGroupAttribute{{Key: aws.String(deregistrationKey), Value: aws.String(strconv.Itoa(sec))}},
	})
	return provision.Classify(err, "set deregistration delay", string(r.Kind), r.Name)
}

// Delete removes the target group. While a listener rule (or a load balancer still being
// deleted) uses it AWS answers ResourceInUse: retried briefly here, then a
// *provision.TransientError so the state machine retries the step.
func (p *TargetGroup) Delete(ctx context.Context, env provision.Env, r plan.Resource) error {
	tg, err := p.lookup(ctx, r)
	if err != nil || tg == nil {
		return err
	}
	if err := mustOwn(ctx, p.client, env, r, aws.ToString(tg.TargetGroupArn)); err != nil {
		return err
	}
	err = provision.Retry(ctx, func() error {
		_, err := p.client.DeleteTargetGroup(ctx, &elb.DeleteTargetGroupInput{TargetGroupArn: tg.TargetGroupArn})
		return err
	})
	return deleted(r, err)
}
