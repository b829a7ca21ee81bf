package ecs

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
	"github.com/berth-dev/berth/internal/provision/provtest"
)

const (
	execRoleArn = "arn:aws:iam::123456789012:role/berth-shop-prod-exec-role-aaaaaa"
	logGroupID  = "api/LogGroup"
)

func taskProps(image string, cpu int, env map[string]plan.EnvValue) plan.TaskDefinitionProps {
	return plan.TaskDefinitionProps{
		CPU: cpu, MemoryMB: 512, ImageURI: image, Port: 8080, Architecture: "arm64", Environment: env,
		ExecutionRole: plan.RoleRef{Arn: execRoleArn},
		TaskRole:      plan.RoleRef{Ref: &plan.Ref{ID: "api/TaskRole", Attr: plan.AttrArn}},
		LogGroup:      plan.Ref{ID: logGroupID, Attr: plan.AttrName}, HealthCheckPath: "/health",
	}
}

func (f *fixture) taskRefs() {
	f.refs["api/TaskRole"] = provision.Outputs{plan.AttrArn: "arn:aws:iam::123456789012:role/berth-shop-prod-api-task-role-aaaaaa"}
	f.refs[logGroupID] = provision.Outputs{plan.AttrName: "/berth/shop/prod/api"}
}

var secretEnv = map[string]plan.EnvValue{
	"MODE":    {Value: "production"},
	"DB_URL":  {Ref: "ssm:/shop/db/url", Fingerprint: strings.Repeat("a", 64)},
	"API_KEY": {Ref: "env:PAYMENTS_KEY", Fingerprint: strings.Repeat("b", 64)},
}

func TestTheTaskDefinitionLifecycleRegistersARevisionOnlyWhenSomethingChanged(t *testing.T) {
	f := newFixture(t, "eu-west-1")
	f.taskRefs()
	name := "berth-shop-prod-api-task-aaaaaa"
	initial := f.resource(plan.KindTaskDefinition, "api/TaskDefinition", "api", name, taskProps("repo/api:1", 256, secretEnv))
	updated := f.resource(plan.KindTaskDefinition, "api/TaskDefinition", "api", name, taskProps("repo/api:2", 512, secretEnv))
	p := NewTaskDefinition(f.ecs)
	provtest.Lifecycle(t, provtest.Case{
		Provisioner: p, Env: f.env, Calls: f.calls,
		Initial: initial, Updated: updated, UpdatedFields: []string{"imageUri", "cpu"},
		OutOfBand: func(ctx context.Context) error {
			// Someone registers a revision by hand from the live one, with more memory.
			out, err := f.ecs.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String(name), Include: []types.TaskDefinitionField{"TAGS"}})
			if err != nil {
				return err
			}
			td := out.TaskDefinition
			_, err = f.ecs.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{
				Family: td.Family, RequiresCompatibilities: td.RequiresCompatibilities, NetworkMode: td.NetworkMode,
				Cpu: td.Cpu, Memory: aws.String("1024"), RuntimePlatform: td.RuntimePlatform, ExecutionRoleArn: td.ExecutionRoleArn,
				TaskRoleArn: td.TaskRoleArn, ContainerDefinitions: td.ContainerDefinitions, Tags: out.Tags,
			})
			return err
		},
		DriftField: "memoryMb",
	})
}

func TestATaskDefinitionFamilyBerthDoesNotOwnIsNeverTouched(t *testing.T) {
	f := newFixture(t, "eu-west-2")
	f.taskRefs()
	name := "berth-shop-prod-api-task-foreign"
	provtest.NotOwned(t, NewTaskDefinition(f.ecs), f.env, f.resource(plan.KindTaskDefinition, "api/TaskDefinition", "api", name, taskProps("repo/api:1", 256, nil)),
		func(ctx context.Context) error {
			_, err := f.rawTaskDefinition(ctx, name, "repo/api:1")
			return err
		})
}

func TestSecretsReachTheTaskOnlyAsSSMParameterARNs(t *testing.T) {
	f := newFixture(t, "eu-west-1")
	f.taskRefs()
	ctx := context.Background()
	r := f.resource(plan.KindTaskDefinition, "api/TaskDefinition", "api", "berth-shop-prod-api-task-secrets", taskProps("repo/api:1", 256, secretEnv))
	out, err := NewTaskDefinition(f.ecs).Create(ctx, f.env, r)
	f.must(err)
	td, err := f.ecs.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String(out[plan.AttrArn])})
	f.must(err)
	c := td.TaskDefinition.ContainerDefinitions[0]
	if len(c.Environment) != 1 || aws.ToString(c.Environment[0].Name) != "MODE" || aws.ToString(c.Environment[0].Value) != "production" {
		t.Errorf("plain environment = %+v, want only MODE=production", c.Environment)
	}
	want := map[string]string{
		"DB_URL":  "arn:aws:ssm:eu-west-1:123456789012:parameter/shop/db/url",
		"API_KEY": "arn:aws:ssm:eu-west-1:123456789012:parameter/berth/shop/prod/env/PAYMENTS_KEY",
	}
	for _, s := range c.Secrets {
		if got := aws.ToString(s.ValueFrom); got != want[aws.ToString(s.Name)] {
			t.Errorf("secret %s valueFrom = %q, want %q", aws.ToString(s.Name), got, want[aws.ToString(s.Name)])
		}
		delete(want, aws.ToString(s.Name))
	}
	if len(want) > 0 {
		t.Errorf("secrets missing: %v", want)
	}
	if c.DockerLabels[secretLabelPrefix+"DB_URL"] != strings.Repeat("a", fingerprintLen) {
		t.Errorf("labels = %v, want the DB_URL fingerprint", c.DockerLabels)
	}
	if got := td.TaskDefinition.RuntimePlatform; got == nil || got.CpuArchitecture != types.CPUArchitectureArm64 {
		t.Errorf("runtime platform = %+v, want ARM64", got)
	}
	if lc := c.LogConfiguration; lc == nil || lc.Options["awslogs-group"] != "/berth/shop/prod/api" || lc.Options["awslogs-stream-prefix"] != "api" {
		t.Errorf("log configuration = %+v", lc)
	}
}

func TestARotatedSecretIsANewRevisionWithoutRevealingTheValue(t *testing.T) {
	f := newFixture(t, "eu-west-1")
	f.taskRefs()
	ctx := context.Background()
	name := "berth-shop-prod-api-task-rotate"
	p := NewTaskDefinition(f.ecs)
	first, err := p.Create(ctx, f.env, f.resource(plan.KindTaskDefinition, "api/TaskDefinition", "api", name, taskProps("repo/api:1", 256, secretEnv)))
	f.must(err)
	rotated := map[string]plan.EnvValue{}
	for k, v := range secretEnv {
		rotated[k] = v
	}
	rotated["DB_URL"] = plan.EnvValue{Ref: "ssm:/shop/db/url", Fingerprint: strings.Repeat("c", 64)}
	r := f.resource(plan.KindTaskDefinition, "api/TaskDefinition", "api", name, taskProps("repo/api:1", 256, rotated))
	obs, err := p.Observe(ctx, f.env, r)
	f.must(err)
	provtest.AssertFields(t, "after rotation", obs.Diff, []string{"environment.DB_URL"})
	if d := obs.Diff[0]; d.Desired != "(secret changed)" || d.Actual != "(secret changed)" {
		t.Errorf("secret diff renders %+v", d)
	}
	second, err := p.Create(ctx, f.env, r)
	f.must(err)
	if second[plan.AttrArn] == first[plan.AttrArn] {
		t.Fatal("a rotated secret did not register a new revision")
	}
}

func TestTaskDefinitionsThatCannotBeBuiltArePreconditions(t *testing.T) {
	cases := []struct {
		name  string
		props plan.TaskDefinitionProps
	}{
		{"no image yet", taskProps("", 256, nil)},
		{"a secret mixed into other text", taskProps("repo/api:1", 256, map[string]plan.EnvValue{"DSN": {Fingerprint: "abc"}})},
		{"a secret from an unknown source", taskProps("repo/api:1", 256, map[string]plan.EnvValue{"X": {Ref: "vault:/x", Fingerprint: "abc"}})},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t, "eu-west-1")
			f.taskRefs()
			_, err := NewTaskDefinition(f.ecs).Create(context.Background(), f.env, f.resource(plan.KindTaskDefinition, "api/TaskDefinition", "api", "berth-shop-prod-api-task-bad", c.props))
			var pe *provision.PreconditionError
			if !errors.As(err, &pe) {
				t.Fatalf("got %v, want *provision.PreconditionError", err)
			}
		})
	}
}

func TestDeletingAFamilyDeregistersEveryActiveRevision(t *testing.T) {
	f := newFixture(t, "eu-west-1")
	f.taskRefs()
	ctx := context.Background()
	name := "berth-shop-prod-api-task-many"
	p := NewTaskDefinition(f.ecs)
	for _, image := range []string{"repo/api:1", "repo/api:2", "repo/api:3"} {
		_, err := p.Create(ctx, f.env, f.resource(plan.KindTaskDefinition, "api/TaskDefinition", "api", name, taskProps(image, 256, nil)))
		f.must(err)
	}
	r := f.resource(plan.KindTaskDefinition, "api/TaskDefinition", "api", name, taskProps("repo/api:3", 256, nil))
	f.must(p.Delete(ctx, f.env, r))
	out, err := f.ecs.ListTaskDefinitions(ctx, &ecs.ListTaskDefinitionsInput{FamilyPrefix: aws.String(name), Status: types.TaskDefinitionStatusActive})
	f.must(err)
	if len(out.TaskDefinitionArns) != 0 {
		t.Fatalf("active revisions left: %v", out.TaskDefinitionArns)
	}
}

// activeRevisions lists a family's ACTIVE revision numbers, oldest first.
func (f *fixture) activeRevisions(ctx context.Context, family string) []string {
	out, err := f.ecs.ListTaskDefinitions(ctx, &ecs.ListTaskDefinitionsInput{FamilyPrefix: aws.String(family), Status: types.TaskDefinitionStatusActive, Sort: types.SortOrderAsc})
	f.must(err)
	var revs []string
	for _, arn := range out.TaskDefinitionArns {
		revs = append(revs, arn[strings.LastIndex(arn, ":")+1:])
	}
	return revs
}

func TestARollbackPutsBackThePreviousRevisionAndCommitDeregistersIt(t *testing.T) {
	f := newFixture(t, "eu-west-1")
	f.taskRefs()
	ctx := context.Background()
	name := "berth-shop-prod-api-task-rollback"
	p := NewTaskDefinition(f.ecs)
	v1 := f.resource(plan.KindTaskDefinition, "api/TaskDefinition", "api", name, taskProps("repo/api:1", 256, nil))
	v2 := f.resource(plan.KindTaskDefinition, "api/TaskDefinition", "api", name, taskProps("repo/api:2", 256, nil))
	first, err := p.Create(ctx, f.env, v1)
	f.must(err)
	second, err := p.Update(ctx, f.env, v2)
	f.must(err)
	if got := f.activeRevisions(ctx, name); strings.Join(got, ",") != "1,2" {
		t.Fatalf("active revisions before commit %v, want 1,2 (the previous one kept for a rollback)", got)
	}

	restored, err := p.Update(ctx, f.env, v1) // what compensation does
	f.must(err)
	if restored[plan.AttrArn] != first[plan.AttrArn] {
		t.Fatalf("rollback deployed %s, want the previous revision %s", restored[plan.AttrArn], first[plan.AttrArn])
	}
	if got := f.activeRevisions(ctx, name); strings.Join(got, ",") != "1" {
		t.Fatalf("active revisions after rollback %v, want 1", got)
	}
	obs, err := p.Observe(ctx, f.env, v1)
	f.must(err)
	if !obs.UpToDate() || obs.Outputs[plan.AttrArn] != first[plan.AttrArn] {
		t.Fatalf("after rollback observe reports %+v, outputs %v", obs.Diff, obs.Outputs)
	}

	third, err := p.Update(ctx, f.env, v2) // deployed again, then committed
	f.must(err)
	if third[plan.AttrArn] == second[plan.AttrArn] {
		t.Fatalf("a deregistered revision was reused: %s", third[plan.AttrArn])
	}
	f.must(p.Prune(ctx, f.env, v2, third))
	if got := f.activeRevisions(ctx, name); strings.Join(got, ",") != "3" {
		t.Fatalf("active revisions after commit %v, want only 3", got)
	}
	before := f.calls.Summary().Mutating
	f.must(p.Prune(ctx, f.env, v2, third))
	if n := f.calls.Summary().Mutating - before; n != 0 {
		t.Fatalf("a second prune made %d mutating calls, want 0", n)
	}
}

// Only comparing and registering resolve the desired revision: a family whose refs no
// longer resolve (its role already removed) is still deregistered.
func TestATaskDefinitionFamilyIsDeletedWithoutResolvingItsRefs(t *testing.T) {
	f := newFixture(t, "eu-west-1")
	f.taskRefs()
	ctx := context.Background()
	r := f.resource(plan.KindTaskDefinition, "api/TaskDefinition", "api", "berth-shop-prod-api-task-norefs", taskProps("repo/api:1", 256, nil))
	p := NewTaskDefinition(f.ecs)
	_, err := p.Create(ctx, f.env, r)
	f.must(err)
	delete(f.refs, "api/TaskRole")
	f.must(p.Delete(ctx, f.env, r))
	obs, err := p.Observe(ctx, f.env, r)
	if err != nil || obs.Exists {
		t.Fatalf("observe after delete: %+v %v", obs, err)
	}
}
