package elbv2

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
	"github.com/berth-dev/berth/internal/provision/provtest"
)

// tunedTG are the plan's tuned target group settings.
func tunedTG(path string, dereg int) plan.TargetGroupProps {
	return plan.TargetGroupProps{Port: 8080, HealthCheckPath: path, HealthCheckIntervalSec: 10, HealthCheckTimeoutSec: 5,
		HealthyThreshold: 2, UnhealthyThreshold: 3, Matcher: "200-399", DeregistrationDelaySec: dereg}
}

func TestTheTargetGroupLifecycleReconcilesHealthChecksAndDeregistrationDelay(t *testing.T) {
	f := newFixture(t, "eu-west-1")
	name := "berth-shop-prod-api-tg-aaaaaa"
	initial := f.resource(plan.KindTargetGroup, "api/TargetGroup", name, tunedTG("/health", 30))
	updated := f.resource(plan.KindTargetGroup, "api/TargetGroup", name, tunedTG("/ready", 60))
	p := NewTargetGroup(f.elb, f.net)
	provtest.Lifecycle(t, provtest.Case{
		Provisioner: p, Env: f.env, Calls: f.calls,
		Initial: initial, Updated: updated, UpdatedFields: []string{"healthCheckPath", "deregistrationDelaySec"},
		OutOfBand: func(ctx context.Context) error {
			obs, err := p.Observe(ctx, f.env, updated)
			if err != nil {
				return err
			}
			_, err = f.elb.ModifyTargetGroup(ctx, &elb.ModifyTargetGroupInput{
				TargetGroupArn: aws.String(obs.Outputs[plan.AttrArn]), HealthCheckIntervalSeconds: aws.Int32(30)})
			return err
		},
		DriftField: "healthCheckIntervalSec",
	})
}

func TestATargetGroupBerthDoesNotOwnIsNeverTouched(t *testing.T) {
	f := newFixture(t, "eu-west-2")
	name := "berth-shop-prod-api-tg-foreign"
	provtest.NotOwned(t, NewTargetGroup(f.elb, f.net), f.env, f.resource(plan.KindTargetGroup, "api/TargetGroup", name, tunedTG("/", 30)),
		func(ctx context.Context) error {
			_, err := f.rawTargetGroup(ctx, name)
			return err
		})
}

func TestDeletingATargetGroupARuleStillUsesIsTransient(t *testing.T) {
	saved := provision.Backoff
	provision.Backoff = nil
	defer func() { provision.Backoff = saved }()
	f := newFixture(t, "eu-west-1")
	ctx := context.Background()
	r := f.resource(plan.KindTargetGroup, "busy/TargetGroup", "berth-shop-prod-busy-tg", tunedTG("/", 30))
	out, err := NewTargetGroup(f.elb, f.net).Create(ctx, f.env, r)
	f.must(err)
	lb, err := f.rawLoadBalancer(ctx, "busy-alb")
	f.must(err)
	listener, err := f.rawListener(ctx, lb)
	f.must(err)
	rule := ruleWant{listener: listener, targetGroup: out[plan.AttrArn], priority: 7, header: "x-berth-container", value: "busy"}
	_, err = f.elb.CreateRule(ctx, &elb.CreateRuleInput{ListenerArn: aws.String(listener), Priority: aws.Int32(7), Conditions: rule.conditions(), Actions: rule.actions()})
	f.must(err)

	err = NewTargetGroup(f.elb, f.net).Delete(ctx, f.env, r)
	var te *provision.TransientError
	if !errors.As(err, &te) {
		t.Fatalf("got %v, want *provision.TransientError", err)
	}
}

func TestATargetGroupCannotMoveToAnotherVPCInPlace(t *testing.T) {
	f := newFixture(t, "eu-west-1")
	ctx := context.Background()
	vpc, err := f.ec2.CreateVpc(ctx, &awsec2CreateVpc)
	f.must(err)
	name := "berth-shop-prod-vpc-tg"
	p := NewTargetGroup(f.elb, f.net)
	_, err = p.Create(ctx, f.env, f.resource(plan.KindTargetGroup, "vpc/TargetGroup", name, tunedTG("/", 30)))
	f.must(err)
	moved := tunedTG("/", 30)
	moved.VPCID = aws.ToString(vpc.Vpc.VpcId)
	_, err = p.Update(ctx, f.env, f.resource(plan.KindTargetGroup, "vpc/TargetGroup", name, moved))
	var re *provision.RejectedError
	if !errors.As(err, &re) {
		t.Fatalf("got %v, want *provision.RejectedError", err)
	}
}
