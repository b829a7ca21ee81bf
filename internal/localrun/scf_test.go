package localrun

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
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
