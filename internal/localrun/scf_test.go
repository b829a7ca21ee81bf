package localrun

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	lambdasvc "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/berth-dev/berth/internal/lambdapolicy"
	"github.com/berth-dev/berth/internal/plan"
)

// An SCF config using ${env:} deploys locally from the caller's environment, and an SCF
// name with uppercase and underscores deploys under its own S3 folder.
func TestAnSCFConfigWithEnvVariablesDeploysFromTheCallersEnvironment(t *testing.T) {
	s := newSession(t)
	ctx := context.Background()
	body, err := os.ReadFile("testdata/scf-env.yml")
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"SHOP_API_KEY": "k-123", "SHOP_NAME": "berth", "UNUSED": "x"}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }

	seeded, err := s.SeedEnv(ctx, body, "dev", lookup)
	if err != nil {
		t.Fatal(err)
	}
	if len(seeded) != 2 || seeded[0] != "SHOP_API_KEY" || seeded[1] != "SHOP_NAME" {
		t.Fatalf("seeded %v, want SHOP_API_KEY and SHOP_NAME only", seeded)
	}
	p, err := ssm.NewFromConfig(s.Env.AWS).GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/berth/Shop_Env/dev/env/SHOP_API_KEY"), WithDecryption: aws.Bool(true)})
	if err != nil || aws.ToString(p.Parameter.Value) != "k-123" || p.Parameter.Type != "SecureString" {
		t.Fatalf("parameter: %v %+v", err, p)
	}
	r, err := s.Deploy(ctx, "scf-env.yml", body, "dev", "")
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, r, "SUCCEEDED")
	functions := 0
	for _, it := range r.Inventory {
		if it.Type == "AWS::Lambda::Function" {
			functions++
			if !strings.HasPrefix(it.Name, "berth-shop-env-dev-") {
				t.Errorf("function %q does not carry the lower-cased app name", it.Name)
			}
		}
	}
	if functions == 0 {
		t.Errorf("no function in the inventory: %v", types(r))
	}
}

// Schedule integrations deploy as a berth-owned schedule group with one schedule per
// integration, each invoking the container's function through a role that may invoke only
// it; an awsEventBridge integration as a rule whose one target is the function, which only
// that rule may invoke through EventBridge; the function forwards the events to
// webhookPath; removal leaves no schedule, rule or grant behind.
func TestIntegrationsDeployAsSchedulesAndRulesAndRemovalLeavesNone(t *testing.T) {
	s := newSession(t)
	ctx := context.Background()
	r := deploy(t, s, "scf-schedule.yml", "")
	wantStatus(t, r, "SUCCEEDED")

	a, err := s.store.LoadApplied(ctx, "jobs", "dev")
	if err != nil || a == nil {
		t.Fatalf("applied state: %v", err)
	}
	group := a.Outputs[plan.IDScheduleGroup][plan.AttrName]
	fnArn := a.Outputs[plan.ContainerID("worker", plan.SuffixFunction)][plan.AttrArn]
	roleArn := a.Outputs[plan.ContainerID("worker", plan.SuffixSchedulerRole)][plan.AttrArn]
	if group == "" || fnArn == "" || roleArn == "" {
		t.Fatalf("outputs lack the group, function or role: %v", a.Outputs)
	}
	sc := scheduler.NewFromConfig(s.Env.AWS)
	exprs := map[string]string{}
	for _, in := range []string{"nightly", "hourly"} {
		name := ""
		for _, res := range a.Desired.Resources {
			if res.ID == plan.ScheduleID("worker", in) {
				name = res.Name
			}
		}
		got, err := sc.GetSchedule(ctx, &scheduler.GetScheduleInput{Name: aws.String(name), GroupName: aws.String(group)})
		if err != nil {
			t.Fatalf("schedule %s: %v", in, err)
		}
		if aws.ToString(got.Target.Arn) != fnArn || aws.ToString(got.Target.RoleArn) != roleArn || !strings.Contains(aws.ToString(got.Target.Input), `"integration":"`+in+`"`) {
			t.Errorf("schedule %s targets %s as %s with %s", in, aws.ToString(got.Target.Arn), aws.ToString(got.Target.RoleArn), aws.ToString(got.Target.Input))
		}
		exprs[in] = aws.ToString(got.ScheduleExpression)
	}
	if exprs["nightly"] != "cron(0 3 * * ? *)" || exprs["hourly"] != "rate(1 hour)" {
		t.Errorf("expressions %v", exprs)
	}
	fn, err := lambdasvc.NewFromConfig(s.Env.AWS).GetFunctionConfiguration(ctx, &lambdasvc.GetFunctionConfigurationInput{FunctionName: aws.String(fnArn)})
	if err != nil || fn.Environment.Variables[plan.PassThroughEnv] != "/events" {
		t.Fatalf("function environment: %v %v", err, fn)
	}

	var ruleName string
	for _, res := range a.Desired.Resources {
		if res.ID == plan.EventRuleID("worker", "orders") {
			ruleName = res.Name
		}
	}
	eb := eventbridge.NewFromConfig(s.Env.AWS)
	rule, err := eb.DescribeRule(ctx, &eventbridge.DescribeRuleInput{Name: aws.String(ruleName)})
	if err != nil || !strings.Contains(aws.ToString(rule.EventPattern), "Order Placed") {
		t.Fatalf("rule %q: %v %v", ruleName, err, rule)
	}
	targets, err := eb.ListTargetsByRule(ctx, &eventbridge.ListTargetsByRuleInput{Rule: aws.String(ruleName)})
	if err != nil || len(targets.Targets) != 1 || aws.ToString(targets.Targets[0].Arn) != fnArn {
		t.Fatalf("rule targets %+v (%v), want only %s", targets, err, fnArn)
	}
	lc := lambdasvc.NewFromConfig(s.Env.AWS)
	grants := func() []lambdapolicy.Statement {
		t.Helper()
		pol, err := lc.GetPolicy(ctx, &lambdasvc.GetPolicyInput{FunctionName: aws.String(fnArn)})
		if err != nil {
			t.Fatal(err)
		}
		stmts, err := lambdapolicy.Parse(aws.ToString(pol.Policy))
		if err != nil {
			t.Fatal(err)
		}
		var out []lambdapolicy.Statement
		for _, st := range stmts {
			if slices.Contains(st.Principals, "Service:"+lambdapolicy.EventRulePrincipal) {
				out = append(out, st)
			}
		}
		return out
	}
	if g := grants(); len(g) != 1 || !lambdapolicy.IsEventRuleGrant(g[0]) || g[0].SourceArns[0] != aws.ToString(rule.Arn) {
		t.Fatalf("EventBridge grants on the function %+v, want one from %s", g, aws.ToString(rule.Arn))
	}

	rm, err := s.Remove(ctx, "jobs", "dev")
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, rm, "SUCCEEDED")
	groups, err := sc.ListScheduleGroups(ctx, &scheduler.ListScheduleGroupsInput{NamePrefix: aws.String("berth-")})
	if err != nil || len(groups.ScheduleGroups) != 0 {
		t.Errorf("after removal: schedule groups %v (%v)", groups, err)
	}
	left, err := sc.ListSchedules(ctx, &scheduler.ListSchedulesInput{NamePrefix: aws.String("berth-")})
	if err != nil || len(left.Schedules) != 0 {
		t.Errorf("after removal: schedules %v (%v)", left, err)
	}
	rules, err := eb.ListRules(ctx, &eventbridge.ListRulesInput{NamePrefix: aws.String("berth-jobs-dev-")})
	if err != nil || len(rules.Rules) != 0 {
		t.Errorf("after removal: rules %v (%v)", rules, err)
	}
}

// On Fargate each integration is a rule (scheduled or with its pattern) whose one target is
// its API destination, invoked as the container's events role; the destinations POST to
// the distribution's domain + webhookPath with the connection's key, and the webhook
// listener rule forwards those paths only with that key. Removal leaves none of it.
func TestIntegrationsOnFargateDeployAsApiDestinationsBehindTheWebhookRule(t *testing.T) {
	s := newSession(t)
	ctx := context.Background()
	r := deploy(t, s, "scf-fargate-integrations.yml", "")
	wantStatus(t, r, "SUCCEEDED")
	a, err := s.store.LoadApplied(ctx, "jobs", "dev")
	if err != nil || a == nil {
		t.Fatalf("applied state: %v", err)
	}
	names := map[string]string{}
	for _, res := range a.Desired.Resources {
		names[res.ID] = res.Name
	}
	domain := a.Outputs[plan.IDDistribution][plan.AttrDomainName]
	connArn := a.Outputs[plan.ContainerID("worker", plan.SuffixEventConnection)][plan.AttrArn]
	roleArn := a.Outputs[plan.ContainerID("worker", plan.SuffixEventsRole)][plan.AttrArn]
	if domain == "" || connArn == "" || roleArn == "" {
		t.Fatalf("outputs lack the distribution, connection or role: %v", a.Outputs)
	}
	eb := eventbridge.NewFromConfig(s.Env.AWS)
	conn, err := eb.DescribeConnection(ctx, &eventbridge.DescribeConnectionInput{Name: aws.String(names[plan.ContainerID("worker", plan.SuffixEventConnection)])})
	if err != nil || conn.AuthorizationType != "API_KEY" {
		t.Fatalf("connection: %v %+v", err, conn)
	}
	for in, path := range map[string]string{"nightly": "/jobs/nightly", "orders": "/jobs/orders"} {
		dest, err := eb.DescribeApiDestination(ctx, &eventbridge.DescribeApiDestinationInput{Name: aws.String(names[plan.ApiDestinationID("worker", in)])})
		if err != nil || aws.ToString(dest.InvocationEndpoint) != "https://"+domain+path || aws.ToString(dest.ConnectionArn) != connArn || dest.HttpMethod != "POST" {
			t.Fatalf("destination %s: %v %+v", in, err, dest)
		}
		ruleName := names[plan.EventRuleID("worker", in)]
		rule, err := eb.DescribeRule(ctx, &eventbridge.DescribeRuleInput{Name: aws.String(ruleName)})
		if err != nil {
			t.Fatalf("rule %s: %v", in, err)
		}
		if in == "nightly" && aws.ToString(rule.ScheduleExpression) != "cron(0 3 * * ? *)" || in == "orders" && !strings.Contains(aws.ToString(rule.EventPattern), "Order Placed") {
			t.Errorf("rule %s: schedule %q pattern %q", in, aws.ToString(rule.ScheduleExpression), aws.ToString(rule.EventPattern))
		}
		targets, err := eb.ListTargetsByRule(ctx, &eventbridge.ListTargetsByRuleInput{Rule: aws.String(ruleName)})
		if err != nil || len(targets.Targets) != 1 || aws.ToString(targets.Targets[0].Arn) != aws.ToString(dest.ApiDestinationArn) || aws.ToString(targets.Targets[0].RoleArn) != roleArn {
			t.Fatalf("rule %s targets %+v (%v), want only %s as %s", in, targets, err, aws.ToString(dest.ApiDestinationArn), roleArn)
		}
	}
	ruleArn := a.Outputs[plan.ContainerID("worker", plan.SuffixWebhookRule)][plan.AttrArn]
	rules, err := elbv2.NewFromConfig(s.Env.AWS).DescribeRules(ctx, &elbv2.DescribeRulesInput{RuleArns: []string{ruleArn}})
	if err != nil || len(rules.Rules) != 1 {
		t.Fatalf("webhook rule: %v", err)
	}
	headers := map[string][]string{}
	for _, c := range rules.Rules[0].Conditions {
		if c.HttpHeaderConfig != nil {
			headers[aws.ToString(c.HttpHeaderConfig.HttpHeaderName)] = c.HttpHeaderConfig.Values
		}
	}
	cred := plan.WebhookCredential(s.Env.FingerprintKey, "jobs", "dev", "worker")
	if v := headers[plan.WebhookKeyHeader]; len(v) != 1 || v[0] != cred {
		t.Fatalf("the webhook rule does not require the connection's key: %v", headers)
	}
	if v := headers[plan.RouteHeader]; len(v) != 1 || v[0] != plan.WebhookRoute("worker") {
		t.Fatalf("the webhook rule does not match the webhook route: %v", headers)
	}

	rm, err := s.Remove(ctx, "jobs", "dev")
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, rm, "SUCCEEDED")
	left, err := eb.ListRules(ctx, &eventbridge.ListRulesInput{NamePrefix: aws.String("berth-jobs-dev-")})
	if err != nil || len(left.Rules) != 0 {
		t.Errorf("after removal: rules %v (%v)", left, err)
	}
	conns, err := eb.ListConnections(ctx, &eventbridge.ListConnectionsInput{NamePrefix: aws.String("berth-jobs-dev-")})
	if err != nil || len(conns.Connections) != 0 {
		t.Errorf("after removal: connections %v (%v)", conns, err)
	}
	dests, err := eb.ListApiDestinations(ctx, &eventbridge.ListApiDestinationsInput{NamePrefix: aws.String("berth-jobs-dev-")})
	if err != nil || len(dests.ApiDestinations) != 0 {
		t.Errorf("after removal: API destinations %v (%v)", dests, err)
	}
}
