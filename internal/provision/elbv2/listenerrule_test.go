package elbv2

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
	"github.com/berth-dev/berth/internal/provision/provtest"
)

// ruleFixture is a load balancer, listener and two target groups made with the plain SDK.
func ruleFixture(t *testing.T, region, prefix string) (*fixture, string, string) {
	f := newFixture(t, region)
	ctx := context.Background()
	lb, err := f.rawLoadBalancer(ctx, prefix+"-alb")
	f.must(err)
	listener, err := f.rawListener(ctx, lb)
	f.must(err)
	tg1, err := f.rawTargetGroup(ctx, prefix+"-tg1")
	f.must(err)
	tg2, err := f.rawTargetGroup(ctx, prefix+"-tg2")
	f.must(err)
	f.refs[plan.IDListener] = provision.Outputs{plan.AttrArn: listener}
	f.refs["api/TargetGroup"] = provision.Outputs{plan.AttrArn: tg1}
	f.refs["web/TargetGroup"] = provision.Outputs{plan.AttrArn: tg2}
	return f, listener, tg1
}

func ruleProps(priority int, tg, value string) plan.ListenerRuleProps {
	return plan.ListenerRuleProps{
		Listener:    plan.Ref{ID: plan.IDListener, Attr: plan.AttrArn},
		TargetGroup: plan.Ref{ID: tg, Attr: plan.AttrArn},
		Priority:    priority, HeaderName: plan.RouteHeader, HeaderValue: value,
	}
}

func TestTheListenerRuleLifecycleMovesPriorityAndTargetGroup(t *testing.T) {
	f, _, _ := ruleFixture(t, "eu-west-1", "rule-life")
	name := "berth-shop-prod-api-rule-aaaaaa"
	initial := f.resource(plan.KindListenerRule, "api/ListenerRule", name, ruleProps(10, "api/TargetGroup", "api"))
	updated := f.resource(plan.KindListenerRule, "api/ListenerRule", name, ruleProps(20, "web/TargetGroup", "api"))
	p := NewListenerRule(f.elb)
	provtest.Lifecycle(t, provtest.Case{
		Provisioner: p, Env: f.env, Calls: f.calls,
		Initial: initial, Updated: updated, UpdatedFields: []string{"priority", "targetGroup"},
		OutOfBand: func(ctx context.Context) error {
			obs, err := p.Observe(ctx, f.env, updated)
			if err != nil {
				return err
			}
			w := ruleWant{header: plan.RouteHeader, value: "web", targetGroup: f.refs["web/TargetGroup"][plan.AttrArn]}
			_, err = f.elb.ModifyRule(ctx, &elb.ModifyRuleInput{RuleArn: aws.String(obs.Outputs[plan.AttrArn]), Conditions: w.conditions()})
			return err
		},
		DriftField: "headerValue",
	})
}

func TestARuleBerthDoesNotOwnAtTheSamePriorityIsNeverTouched(t *testing.T) {
	f, listener, tg := ruleFixture(t, "eu-west-2", "rule-foreign")
	r := f.resource(plan.KindListenerRule, "api/ListenerRule", "berth-shop-prod-api-rule-foreign", ruleProps(10, "api/TargetGroup", "api"))
	provtest.NotOwned(t, NewListenerRule(f.elb), f.env, r, func(ctx context.Context) error {
		w := ruleWant{header: "x-other", value: "1", targetGroup: tg}
		_, err := f.elb.CreateRule(ctx, &elb.CreateRuleInput{ListenerArn: aws.String(listener), Priority: aws.Int32(10), Conditions: w.conditions(), Actions: w.actions()})
		return err
	})
}

func TestAPriorityStillHeldByAnotherBerthRuleIsTransient(t *testing.T) {
	f, _, _ := ruleFixture(t, "eu-west-1", "rule-sibling")
	ctx := context.Background()
	web := f.resource(plan.KindListenerRule, "web/ListenerRule", "berth-shop-prod-web-rule", ruleProps(30, "web/TargetGroup", "web"))
	_, err := NewListenerRule(f.elb).Create(ctx, f.env, web)
	f.must(err)
	api := f.resource(plan.KindListenerRule, "api/ListenerRule", "berth-shop-prod-api-rule", ruleProps(30, "api/TargetGroup", "api"))
	obs, err := NewListenerRule(f.elb).Observe(ctx, f.env, api)
	f.must(err)
	if obs.Exists {
		t.Fatal("observe takes another berth rule for this one")
	}
	_, err = NewListenerRule(f.elb).Create(ctx, f.env, api)
	var te *provision.TransientError
	if !errors.As(err, &te) {
		t.Fatalf("got %v, want *provision.TransientError", err)
	}
}

// A webhook rule requires the container's credential as a second header; the credential
// is derived from the installation's key, compared without being rendered, and restored
// when changed out of band.
func TestAWebhookRuleRequiresTheDerivedCredentialAndNeverRendersIt(t *testing.T) {
	f, _, _ := ruleFixture(t, "eu-west-1", "rule-webhook")
	ctx := context.Background()
	f.env.FingerprintKey = []byte("installation key")
	cred := plan.WebhookCredential(f.env.FingerprintKey, f.env.App, f.env.Stage, "api")
	props := ruleProps(40, "api/TargetGroup", plan.WebhookRoute("api"))
	props.Credential = &plan.CredentialHeader{Name: plan.WebhookKeyHeader, Container: "api"}
	r := f.resource(plan.KindListenerRule, "api/WebhookListenerRule", "berth-shop-prod-api-webhook-rule", props)
	p := NewListenerRule(f.elb)
	out, err := p.Create(ctx, f.env, r)
	f.must(err)
	rules, err := f.elb.DescribeRules(ctx, &elb.DescribeRulesInput{RuleArns: []string{out[plan.AttrArn]}})
	f.must(err)
	got := map[string][]string{}
	for _, c := range rules.Rules[0].Conditions {
		if c.HttpHeaderConfig != nil {
			got[aws.ToString(c.HttpHeaderConfig.HttpHeaderName)] = c.HttpHeaderConfig.Values
		}
	}
	if v := got[plan.WebhookKeyHeader]; len(v) != 1 || v[0] != cred {
		t.Fatalf("the rule does not require the credential: %v", got)
	}
	if v := got[plan.RouteHeader]; len(v) != 1 || v[0] != plan.WebhookRoute("api") {
		t.Fatalf("the rule does not match the webhook route: %v", got)
	}

	forged := ruleWant{header: plan.RouteHeader, value: plan.WebhookRoute("api"), credHeader: plan.WebhookKeyHeader, credValue: "*"}
	_, err = f.elb.ModifyRule(ctx, &elb.ModifyRuleInput{RuleArn: aws.String(out[plan.AttrArn]), Conditions: forged.conditions()})
	f.must(err)
	obs, err := p.Observe(ctx, f.env, r)
	f.must(err)
	if len(obs.Diff) != 1 || obs.Diff[0].Field != "credential" {
		t.Fatalf("observe after a forged credential: %+v", obs.Diff)
	}
	if s := obs.Diff[0].Desired + obs.Diff[0].Actual; strings.Contains(s, cred) || strings.Contains(s, "*") {
		t.Fatalf("the diff renders a header value: %+v", obs.Diff[0])
	}
	_, err = p.Update(ctx, f.env, r)
	f.must(err)
	if obs := provtest.WaitReady(t, p, f.env, r); !obs.UpToDate() {
		t.Fatalf("after update: %+v", obs.Diff)
	}

	f.env.FingerprintKey = nil
	if _, err := p.Create(ctx, f.env, r); err == nil || !strings.Contains(err.Error(), "secret key") {
		t.Fatalf("without the installation key: %v", err)
	}
}

// Deleting a rule that was never made leaves the berth rule at its priority alone.
func TestDeletingARuleWhosePriorityAnotherBerthRuleHoldsLeavesThatRule(t *testing.T) {
	f, _, _ := ruleFixture(t, "eu-west-1", "rule-sibling-delete")
	ctx := context.Background()
	web := f.resource(plan.KindListenerRule, "web/ListenerRule", "berth-shop-prod-web-rule", ruleProps(31, "web/TargetGroup", "web"))
	_, err := NewListenerRule(f.elb).Create(ctx, f.env, web)
	f.must(err)
	api := f.resource(plan.KindListenerRule, "api/ListenerRule", "berth-shop-prod-api-rule", ruleProps(31, "api/TargetGroup", "api"))
	f.must(NewListenerRule(f.elb).Delete(ctx, f.env, api))
	obs, err := NewListenerRule(f.elb).Observe(ctx, f.env, web)
	f.must(err)
	if !obs.UpToDate() {
		t.Fatalf("the other berth rule after the delete: %+v", obs)
	}
}
