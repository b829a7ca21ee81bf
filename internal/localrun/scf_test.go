package localrun

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	lambdasvc "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

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

// A schedule integration deploys as a berth-owned schedule group with one schedule per
// integration, each invoking the container's function through a role that may invoke only
// it; the function forwards the events to webhookPath; removal leaves no schedule behind.
func TestScheduleIntegrationsDeployAsSchedulesAndRemovalLeavesNone(t *testing.T) {
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
}
