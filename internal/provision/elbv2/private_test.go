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

// A private app's rule matches the container's path pattern (and domain) instead of the
// router's header; a changed pattern is an in-place ModifyRule.
func TestAPrivateAppsListenerRuleMatchesPathAndHost(t *testing.T) {
	f, _, _ := ruleFixture(t, "eu-west-3", "rule-path")
	name := "berth-shop-prod-api-rule-path00"
	props := func(pattern, host string) plan.ListenerRuleProps {
		return plan.ListenerRuleProps{Listener: plan.Ref{ID: plan.IDListener, Attr: plan.AttrArn},
			TargetGroup: plan.Ref{ID: "api/TargetGroup", Attr: plan.AttrArn}, Priority: 7, PathPattern: pattern, Host: host}
	}
	initial := f.resource(plan.KindListenerRule, "api/ListenerRule", name, props("/api/*", ""))
	updated := f.resource(plan.KindListenerRule, "api/ListenerRule", name, props("/v2/*", "api.corp.internal"))
	p := NewListenerRule(f.elb)
	provtest.Lifecycle(t, provtest.Case{
		Provisioner: p, Env: f.env, Calls: f.calls,
		Initial: initial, Updated: updated, UpdatedFields: []string{"pathPattern", "host"},
		OutOfBand: func(ctx context.Context) error {
			obs, err := p.Observe(ctx, f.env, updated)
			if err != nil {
				return err
			}
			w := ruleWant{path: "/other/*", host: "api.corp.internal"}
			_, err = f.elb.ModifyRule(ctx, &elb.ModifyRuleInput{RuleArn: aws.String(obs.Outputs[plan.AttrArn]), Conditions: w.conditions()})
			return err
		},
		DriftField: "pathPattern",
	})
}

// A lambda target group has no port, protocol or VPC, and its type cannot change: an ip
// group where a lambda one is wanted reads as a difference the provisioner refuses to
// apply in place (the plan gives the lambda group its own name, so a switch replaces it).
func TestALambdaTargetGroupAndItsRegisteredFunction(t *testing.T) {
	f := newFixture(t, "eu-north-1")
	ctx := context.Background()
	tgProv := NewTargetGroup(f.elb, f.net)
	tg := f.resource(plan.KindTargetGroup, "api/TargetGroup", "berth-shop-prod-api-ltg-aaaaaa", plan.TargetGroupProps{Lambda: true})
	outs, err := tgProv.Create(ctx, f.env, tg)
	f.must(err)
	got, err := f.elb.DescribeTargetGroups(ctx, &elb.DescribeTargetGroupsInput{TargetGroupArns: []string{outs[plan.AttrArn]}})
	f.must(err)
	if g := got.TargetGroups[0]; g.TargetType != types.TargetTypeEnumLambda || aws.ToBool(g.HealthCheckEnabled) {
		t.Fatalf("target group %+v, want type lambda with health checks off", g)
	}
	if obs, err := tgProv.Observe(ctx, f.env, tg); err != nil || !obs.Exists || len(obs.Diff) != 0 {
		t.Fatalf("observe: %+v, %v", obs, err)
	}
	asIP := f.resource(plan.KindTargetGroup, "api/TargetGroup", "berth-shop-prod-api-ltg-aaaaaa", tunedTG("/", 30))
	if obs, err := tgProv.Observe(ctx, f.env, asIP); err != nil || len(obs.Diff) != 1 || obs.Diff[0].Field != "targetType" {
		t.Fatalf("an ip group wanted where a lambda one is: %+v, %v", obs, err)
	}
	if _, err := tgProv.Update(ctx, f.env, asIP); err == nil {
		t.Fatal("changing a target group's type in place must be refused")
	}

	f.refs["api/TargetGroup"] = provision.Outputs{plan.AttrArn: outs[plan.AttrArn]}
	fn := "arn:aws:lambda:eu-north-1:" + f.env.Account + ":function:berth-shop-prod-api-fn-aaaaaa"
	f.refs["api/Function"] = provision.Outputs{plan.AttrArn: fn}
	target := f.resource(plan.KindLambdaTarget, "api/LambdaTarget", "berth-shop-prod-api-target-aaaaaa", plan.LambdaTargetProps{
		TargetGroup: plan.Ref{ID: "api/TargetGroup", Attr: plan.AttrArn}, Function: plan.Ref{ID: "api/Function", Attr: plan.AttrArn}})
	p := NewLambdaTarget(f.elb)
	if obs, err := p.Observe(ctx, f.env, target); err != nil || obs.Exists {
		t.Fatalf("before registration: %+v, %v", obs, err)
	}
	if _, err := p.Create(ctx, f.env, target); err != nil {
		t.Fatal(err)
	}
	health, err := f.elb.DescribeTargetHealth(ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: aws.String(outs[plan.AttrArn])})
	f.must(err)
	if len(health.TargetHealthDescriptions) != 1 || aws.ToString(health.TargetHealthDescriptions[0].Target.Id) != fn {
		t.Fatalf("registered targets %+v, want exactly %s", health.TargetHealthDescriptions, fn)
	}
	if obs, err := p.Observe(ctx, f.env, target); err != nil || !obs.Exists || len(obs.Diff) != 0 {
		t.Fatalf("after registration: %+v, %v", obs, err)
	}
	if err := p.Delete(ctx, f.env, target); err != nil {
		t.Fatal(err)
	}
	if obs, err := p.Observe(ctx, f.env, target); err != nil || obs.Exists {
		t.Fatalf("after deregistration: %+v, %v", obs, err)
	}
	f.must(tgProv.Delete(ctx, f.env, tg))
	if err := p.Delete(ctx, f.env, target); err != nil {
		t.Fatalf("deregistering from a deleted target group is done, got %v", err)
	}
}
