package elbv2

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
	"github.com/berth-dev/berth/internal/provision/provtest"
)

func TestTheLoadBalancerLifecycleReconcilesSecurityGroupsAndIdleTimeout(t *testing.T) {
	f := newFixture(t, "eu-west-1")
	f.refs[plan.IDAlbSecurityGroup] = provision.Outputs{plan.AttrID: f.group("lb-life-a")}
	other := f.group("lb-life-b")
	name := "berth-shop-prod-alb-aaaaaa"
	initial := f.resource(plan.KindLoadBalancer, plan.IDLoadBalancer, name, plan.LoadBalancerProps{
		Scheme: "internet-facing", IdleTimeoutSec: 60,
		SecurityGroups: []plan.Ref{{ID: plan.IDAlbSecurityGroup, Attr: plan.AttrID}},
	})
	updated := f.resource(plan.KindLoadBalancer, plan.IDLoadBalancer, name, plan.LoadBalancerProps{
		Scheme: "internet-facing", IdleTimeoutSec: 120, SecurityGroupIDs: []string{other},
	})
	p := NewLoadBalancer(f.elb, f.net)
	provtest.Lifecycle(t, provtest.Case{
		Provisioner: p, Env: f.env, Calls: f.calls,
		Initial: initial, Updated: updated, UpdatedFields: []string{"securityGroups", "idleTimeoutSec"},
		OutOfBand: func(ctx context.Context) error {
			obs, err := p.Observe(ctx, f.env, updated)
			if err != nil {
				return err
			}
			_, err = f.elb.ModifyLoadBalancerAttributes(ctx, &elb.ModifyLoadBalancerAttributesInput{
				LoadBalancerArn: aws.String(obs.Outputs[plan.AttrArn]),
				Attributes:      []types.LoadBalancerAttribute{{Key: aws.String(idleTimeoutKey), Value: aws.String("30")}},
			})
			return err
		},
		DriftField: "idleTimeoutSec",
	})
}

func TestTheLoadBalancerReportsTheOutputsOriginsAndAliasesNeed(t *testing.T) {
	f := newFixture(t, "eu-west-1")
	r := f.resource(plan.KindLoadBalancer, plan.IDLoadBalancer, "berth-shop-prod-alb-outputs", plan.LoadBalancerProps{IdleTimeoutSec: 60})
	out, err := NewLoadBalancer(f.elb, f.net).Create(context.Background(), f.env, r)
	f.must(err)
	for _, k := range []string{plan.AttrArn, plan.AttrName, "DnsName", plan.AttrDNSName, "CanonicalHostedZoneId", plan.AttrFullName} {
		if out[k] == "" {
			t.Errorf("output %s is empty: %v", k, out)
		}
	}
	if want := "app/berth-shop-prod-alb-outputs/"; out[plan.AttrFullName][:len(want)] != want {
		t.Errorf("FullName = %q, want it to start with %q", out[plan.AttrFullName], want)
	}
}

func TestALoadBalancerBerthDoesNotOwnIsNeverTouched(t *testing.T) {
	f := newFixture(t, "eu-west-2")
	name := "berth-shop-prod-alb-foreign"
	r := f.resource(plan.KindLoadBalancer, plan.IDLoadBalancer, name, plan.LoadBalancerProps{IdleTimeoutSec: 60})
	provtest.NotOwned(t, NewLoadBalancer(f.elb, f.net), f.env, r, func(ctx context.Context) error {
		_, err := f.rawLoadBalancer(ctx, name)
		return err
	})
}

func TestChangingTheSchemeIsRejectedBecauseAWSCannotDoItInPlace(t *testing.T) {
	f := newFixture(t, "eu-west-1")
	ctx := context.Background()
	name := "berth-shop-prod-alb-scheme"
	p := NewLoadBalancer(f.elb, f.net)
	_, err := p.Create(ctx, f.env, f.resource(plan.KindLoadBalancer, plan.IDLoadBalancer, name, plan.LoadBalancerProps{Scheme: "internet-facing"}))
	f.must(err)
	_, err = p.Update(ctx, f.env, f.resource(plan.KindLoadBalancer, plan.IDLoadBalancer, name, plan.LoadBalancerProps{Scheme: "internal"}))
	var re *provision.RejectedError
	if !errors.As(err, &re) {
		t.Fatalf("got %v, want *provision.RejectedError", err)
	}
}

func TestFullNamesAreCutFromARNs(t *testing.T) {
	cases := []struct{ arn, want string }{
		{"arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/my-alb/50dc6c495c0c9188", "app/my-alb/50dc6c495c0c9188"},
		{"arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/my-tg/73e2d6bc24d8a067", "targetgroup/my-tg/73e2d6bc24d8a067"},
		{"not-an-arn", ""},
	}
	for _, c := range cases {
		if got := fullName(c.arn); got != c.want {
			t.Errorf("fullName(%q) = %q, want %q", c.arn, got, c.want)
		}
	}
}
