package elbv2

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
	"github.com/berth-dev/berth/internal/provision/provtest"
)

func listenerProps() plan.ListenerProps {
	return plan.ListenerProps{LoadBalancer: plan.Ref{ID: plan.IDLoadBalancer, Attr: plan.AttrArn}, Port: 80}
}

func TestTheListenerLifecycleRestoresTheNoRouteDefault(t *testing.T) {
	f := newFixture(t, "eu-west-1")
	lb, err := f.rawLoadBalancer(context.Background(), "listener-life-alb")
	f.must(err)
	f.refs[plan.IDLoadBalancer] = provision.Outputs{plan.AttrArn: lb}
	r := f.resource(plan.KindListener, plan.IDListener, "berth-shop-prod-listener-aaaaaa", listenerProps())
	p := NewListener(f.elb)
	provtest.Lifecycle(t, provtest.Case{
		Provisioner: p, Env: f.env, Calls: f.calls,
		// A listener has nothing berth changes between deploys: Updated equals Initial.
		Initial: r, Updated: r,
		OutOfBand: func(ctx context.Context) error {
			obs, err := p.Observe(ctx, f.env, r)
			if err != nil {
				return err
			}
			_, err = f.elb.ModifyListener(ctx, &elb.ModifyListenerInput{ListenerArn: aws.String(obs.Outputs[plan.AttrArn]),
				DefaultActions: []types.Action{{Type: types.ActionTypeEnumFixedResponse, FixedResponseConfig: &types.FixedResponseActionConfig{
					StatusCode: aws.String("503"), ContentType: aws.String("text/plain"), MessageBody: aws.String("maintenance")}}}})
			return err
		},
		DriftField: "defaultAction",
	})
}

func TestAListenerBerthDoesNotOwnIsNeverTouched(t *testing.T) {
	f := newFixture(t, "eu-west-2")
	lb, err := f.rawLoadBalancer(context.Background(), "listener-foreign-alb")
	f.must(err)
	f.refs[plan.IDLoadBalancer] = provision.Outputs{plan.AttrArn: lb}
	r := f.resource(plan.KindListener, plan.IDListener, "berth-shop-prod-listener-foreign", listenerProps())
	provtest.NotOwned(t, NewListener(f.elb), f.env, r, func(ctx context.Context) error {
		_, err := f.rawListener(ctx, lb)
		return err
	})
}

func TestAListenerWhoseLoadBalancerIsGoneIsGoneToo(t *testing.T) {
	f := newFixture(t, "eu-west-1")
	ctx := context.Background()
	f.refs[plan.IDLoadBalancer] = provision.Outputs{plan.AttrArn: "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/gone/0123456789abcdef"}
	r := f.resource(plan.KindListener, plan.IDListener, "berth-shop-prod-listener-gone", listenerProps())
	obs, err := NewListener(f.elb).Observe(ctx, f.env, r)
	f.must(err)
	if obs.Exists {
		t.Fatal("observe finds a listener on a load balancer that does not exist")
	}
	f.must(NewListener(f.elb).Delete(ctx, f.env, r))
}
