package lambda

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
	"github.com/berth-dev/berth/internal/provision/provtest"
)

// functionCase is a function resource and the env its refs resolve in.
func functionCase(t *testing.T, m *moto) (name string, env provision.Env, props plan.FunctionProps) {
	t.Helper()
	name = uniqueName("berth-shop-dev-api-fn")
	env = testEnv(provision.OutputsByID{
		"api/Role":     {plan.AttrArn: m.role(t)},
		"api/LogGroup": {plan.AttrName: "/aws/lambda/" + name},
	})
	props = plan.FunctionProps{
		ImageURI:     image("v1"),
		MemoryMB:     512,
		TimeoutSec:   6,
		Architecture: "arm64",
		Role:         plan.RoleRef{Ref: &plan.Ref{ID: "api/Role", Attr: plan.AttrArn}},
		Environment: map[string]plan.EnvValue{
			"AWS_LWA_PORT": {Value: "8080"},
			"DB_URL":       {Ref: "ssm:/shop/db-url", Fingerprint: plan.Fingerprint(testKey, "shop", "dev", "DB_URL", testSecrets["ssm:/shop/db-url"])},
		},
		LogGroup: plan.Ref{ID: "api/LogGroup", Attr: plan.AttrName},
	}
	return name, env, props
}

func TestFunctionLifecycleAgainstMoto(t *testing.T) {
	m := newMoto(t)
	name, env, props := functionCase(t, m)
	initial := resource(t, "api/Function", plan.KindFunction, name, testRegion, props)
	props.ImageURI = image("v2")
	props.MemoryMB = 1024
	props.Environment["FEATURE"] = plan.EnvValue{Value: "on"}
	updated := resource(t, "api/Function", plan.KindFunction, name, testRegion, props)

	provtest.Lifecycle(t, provtest.Case{
		Provisioner:   NewFunction(m.clients),
		Env:           env,
		Calls:         m.calls,
		Initial:       initial,
		Updated:       updated,
		UpdatedFields: []string{"imageUri", "memoryMb", "environment.FEATURE"},
		OutOfBand: func(ctx context.Context) error {
			_, err := m.raw(testRegion).UpdateFunctionConfiguration(ctx, &awslambda.UpdateFunctionConfigurationInput{FunctionName: aws.String(name), Timeout: aws.Int32(30)})
			return err
		},
		DriftField: "timeoutSec",
	})
}

func TestFunctionNotOwnedIsLeftAlone(t *testing.T) {
	m := newMoto(t)
	name, env, props := functionCase(t, m)
	r := resource(t, "api/Function", plan.KindFunction, name, testRegion, props)
	role, _ := env.Refs.Resolve(plan.Ref{ID: "api/Role", Attr: plan.AttrArn})
	provtest.NotOwned(t, NewFunction(m.clients), env, r, func(ctx context.Context) error {
		m.imageFunction(t, name, role, nil)
		return nil
	})
}

func TestFunctionSecretChangedOutOfBandIsReportedWithoutItsValue(t *testing.T) {
	m := newMoto(t)
	ctx := context.Background()
	name, env, props := functionCase(t, m)
	r := resource(t, "api/Function", plan.KindFunction, name, testRegion, props)
	f := NewFunction(m.clients)
	if _, err := f.Create(ctx, env, r); err != nil {
		t.Fatal(err)
	}
	leaked := "postgres://u:leaked@db/shop"
	_, err := m.raw(testRegion).UpdateFunctionConfiguration(ctx, &awslambda.UpdateFunctionConfigurationInput{
		FunctionName: aws.String(name),
		Environment:  &types.Environment{Variables: map[string]string{"AWS_LWA_PORT": "8080", "DB_URL": leaked, "EXTRA": testSecrets["ssm:/shop/db-url"]}},
	})
	if err != nil {
		t.Fatal(err)
	}
	obs, err := f.Observe(ctx, env, r)
	if err != nil {
		t.Fatal(err)
	}
	provtest.AssertFields(t, "after the secret changed", obs.Diff, []string{"environment.DB_URL", "environment.EXTRA"})
	assertNoSecret(t, obs, leaked, testSecrets["ssm:/shop/db-url"])
	for _, d := range obs.Diff {
		if d.Field == "environment.DB_URL" && d.Actual != secretChanged {
			t.Fatalf("secret drift rendered as %q, want %q", d.Actual, secretChanged)
		}
	}
}

func TestFunctionReceivesTheResolvedSecretButOutputsDoNotCarryIt(t *testing.T) {
	m := newMoto(t)
	ctx := context.Background()
	name, env, props := functionCase(t, m)
	out, err := NewFunction(m.clients).Create(ctx, env, resource(t, "api/Function", plan.KindFunction, name, testRegion, props))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range out {
		if strings.Contains(v, "hunter2") {
			t.Fatalf("output %s carries the secret", k)
		}
	}
	got, err := m.raw(testRegion).GetFunction(ctx, &awslambda.GetFunctionInput{FunctionName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	if v := got.Configuration.Environment.Variables["DB_URL"]; v != testSecrets["ssm:/shop/db-url"] {
		t.Fatalf("Lambda got DB_URL %q, want the resolved secret", v)
	}
	if out[plan.AttrArn] != aws.ToString(got.Configuration.FunctionArn) || out[plan.AttrName] != name {
		t.Fatalf("outputs %v do not name the function", out)
	}
}

func TestOneFunctionCreateMakesOneMutatingCall(t *testing.T) {
	m := newMoto(t)
	name, env, props := functionCase(t, m)
	if _, err := NewFunction(m.clients).Create(context.Background(), env, resource(t, "api/Function", plan.KindFunction, name, testRegion, props)); err != nil {
		t.Fatal(err)
	}
	assertCalls(t, m, "function", 1, 1)
}

// The rest use a fake of the behaviour moto does not reproduce: moto applies every update
// at once (LastUpdateStatus is Successful immediately), ignores Architectures in
// UpdateFunctionCode, never stores LoggingConfig and never fails a create.

func TestFunctionUpdatesAgainstAFakeOfLambdasUpdateStates(t *testing.T) {
	tests := []struct {
		name          string
		live          func(*types.FunctionConfiguration, *types.FunctionCodeLocation)
		configStatus  types.LastUpdateStatus
		wantTransient bool
		wantCalls     []string
	}{
		{
			name: "an update while an earlier one is in progress changes nothing and asks to retry",
			live: func(c *types.FunctionConfiguration, _ *types.FunctionCodeLocation) {
				c.LastUpdateStatus = types.LastUpdateStatusInProgress
				c.MemorySize = aws.Int32(128)
			},
			wantTransient: true,
			wantCalls:     []string{"GetFunction"},
		},
		{
			name: "a pending new function is not updated yet",
			live: func(c *types.FunctionConfiguration, _ *types.FunctionCodeLocation) {
				c.State = types.StatePending
				c.MemorySize = aws.Int32(128)
			},
			wantTransient: true,
			wantCalls:     []string{"GetFunction"},
		},
		{
			name: "a configuration update still in progress defers the image update to the retry",
			live: func(c *types.FunctionConfiguration, code *types.FunctionCodeLocation) {
				c.MemorySize = aws.Int32(128)
				code.ImageUri = aws.String(image("old"))
			},
			configStatus:  types.LastUpdateStatusInProgress,
			wantTransient: true,
			wantCalls:     []string{"GetFunction", "UpdateFunctionConfiguration"},
		},
		{
			name: "an architecture change goes to UpdateFunctionCode with the image",
			live: func(c *types.FunctionConfiguration, _ *types.FunctionCodeLocation) {
				c.Architectures = []types.Architecture{types.ArchitectureX8664}
			},
			wantCalls: []string{"GetFunction", "UpdateFunctionCode"},
		},
		{
			name: "logs sent to another group are moved back by a configuration update",
			live: func(c *types.FunctionConfiguration, _ *types.FunctionCodeLocation) {
				c.LoggingConfig = &types.LoggingConfig{LogGroup: aws.String("/elsewhere")}
			},
			wantCalls: []string{"GetFunction", "UpdateFunctionConfiguration"},
		},
		{
			name: "an idle Inactive function is woken by the update, not waited on",
			live: func(c *types.FunctionConfiguration, _ *types.FunctionCodeLocation) {
				c.State = types.StateInactive
				c.MemorySize = aws.Int32(128)
			},
			wantCalls: []string{"GetFunction", "UpdateFunctionConfiguration"},
		},
		{
			name: "after a failed update, a different desired state (a rollback) is applied",
			live: func(c *types.FunctionConfiguration, code *types.FunctionCodeLocation) {
				c.LastUpdateStatus = types.LastUpdateStatusFailed
				code.ImageUri = aws.String(image("broken"))
			},
			wantCalls: []string{"GetFunction", "UpdateFunctionCode"},
		},
		{
			name:      "a function that matches is left alone",
			live:      func(*types.FunctionConfiguration, *types.FunctionCodeLocation) {},
			wantCalls: []string{"GetFunction"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fake, env, r := fakeFunction(t)
			tc.live(fake.cfg, fake.code)
			fake.configStatus = tc.configStatus
			_, err := NewFunction(fake.factory()).Update(context.Background(), env, r)
			var te *provision.TransientError
			if got := errors.As(err, &te); got != tc.wantTransient {
				t.Fatalf("Update error = %v, want transient %v", err, tc.wantTransient)
			}
			if !tc.wantTransient && err != nil {
				t.Fatal(err)
			}
			if strings.Join(fake.calls, ",") != strings.Join(tc.wantCalls, ",") {
				t.Fatalf("calls %v, want %v", fake.calls, tc.wantCalls)
			}
		})
	}
}

// Lambda reports a failed update in LastUpdateStatus with its reason
// (https://docs.aws.amazon.com/lambda/latest/dg/functions-states.html); moto never fails one.
func TestAFailedUpdateIsFinalWithLambdasReason(t *testing.T) {
	fake, env, r := fakeFunction(t)
	fake.cfg.LastUpdateStatus = types.LastUpdateStatusFailed
	fake.cfg.LastUpdateStatusReasonCode = types.LastUpdateStatusReasonCodeImageAccessDenied
	fake.cfg.LastUpdateStatusReason = aws.String("Lambda does not have permission to access the ECR image.")
	p := NewFunction(fake.factory())
	obs, err := p.Observe(context.Background(), env, r)
	if err != nil {
		t.Fatal(err)
	}
	if obs.Ready || obs.UpToDate() {
		t.Fatalf("a failed update observed as ready=%v up to date=%v", obs.Ready, obs.UpToDate())
	}
	_, err = p.Update(context.Background(), env, r)
	var rf *provision.RolloutFailedError
	if !errors.As(err, &rf) || !strings.Contains(rf.Reason, "ImageAccessDenied") || !strings.Contains(rf.Reason, "permission to access the ECR image") {
		t.Fatalf("Update error = %v, want *provision.RolloutFailedError with Lambda's reason", err)
	}
	if strings.Join(fake.calls, ",") != "GetFunction,GetFunction" {
		t.Fatalf("calls %v: a failed update must not be sent again", fake.calls)
	}
}

func TestFunctionObserveAgainstAFake(t *testing.T) {
	tests := []struct {
		name       string
		live       func(*types.FunctionConfiguration)
		wantFields []string
		wantReady  bool
		wantErr    bool
	}{
		{"a function in sync is ready with no diff", func(*types.FunctionConfiguration) {}, nil, true, false},
		{"an update in progress is not ready", func(c *types.FunctionConfiguration) { c.LastUpdateStatus = types.LastUpdateStatusInProgress }, nil, false, false},
		{"an idle Inactive function in sync is ready", func(c *types.FunctionConfiguration) { c.State = types.StateInactive }, nil, true, false},
		{"logging to another group is a logGroup diff", func(c *types.FunctionConfiguration) {
			c.LoggingConfig = &types.LoggingConfig{LogGroup: aws.String("/elsewhere")}
		}, []string{"logGroup"}, true, false},
		{"a function that failed to create is a terminal error", func(c *types.FunctionConfiguration) {
			c.State = types.StateFailed
			c.StateReasonCode = types.StateReasonCodeImageAccessDenied
		}, nil, false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fake, env, r := fakeFunction(t)
			tc.live(fake.cfg)
			obs, err := NewFunction(fake.factory()).Observe(context.Background(), env, r)
			if tc.wantErr {
				var re *provision.RejectedError
				if !errors.As(err, &re) {
					t.Fatalf("Observe error = %v, want *provision.RejectedError", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			provtest.AssertFields(t, "observe", obs.Diff, tc.wantFields)
			if obs.Ready != tc.wantReady {
				t.Fatalf("Ready = %v, want %v", obs.Ready, tc.wantReady)
			}
		})
	}
}

func TestFunctionCreateRetriesARoleLambdaCannotAssumeYet(t *testing.T) {
	defer shortBackoff()()
	fake, env, r := fakeFunction(t)
	fake.missing = true
	fake.createFailures = 2
	out, err := NewFunction(fake.factory()).Create(context.Background(), env, r)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(strings.Join(fake.calls, ","), "CreateFunction"); got != 3 {
		t.Fatalf("CreateFunction called %d times, want 3 (two refusals, then success)", got)
	}
	if out[plan.AttrName] != r.Name {
		t.Fatalf("outputs %v", out)
	}
}

func assertNoSecret(t *testing.T, obs provision.Observation, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		for _, d := range obs.Diff {
			if strings.Contains(d.Desired+d.Actual, s) {
				t.Fatalf("diff %+v renders a secret value", d)
			}
		}
		for k, v := range obs.Outputs {
			if strings.Contains(v, s) {
				t.Fatalf("output %s renders a secret value", k)
			}
		}
	}
}

// assertCalls checks and logs the AWS calls one create made.
func assertCalls(t *testing.T, m *moto, kind string, mutating, read int) {
	t.Helper()
	s := m.calls.Summary()
	t.Logf("one %s create: %d mutating, %d read: %+v", kind, s.Mutating, s.Read, s.Ops)
	if s.Mutating != mutating || s.Read != read {
		t.Fatalf("one %s create made %d mutating and %d read calls, want %d and %d", kind, s.Mutating, s.Read, mutating, read)
	}
}

// Deleting a function resolves none of its refs (its role or log group may be gone), and
// a function whose creation failed for good ends Observe at once yet can still be updated
// or deleted.
func TestFunctionDeleteAndUpdateNeedLessThanObserve(t *testing.T) {
	ctx := context.Background()
	t.Run("a delete resolves no refs", func(t *testing.T) {
		fake, env, r := fakeFunction(t)
		env.Refs = provision.OutputsByID{}
		p := NewFunction(fake.factory())
		if err := p.Delete(ctx, env, r); err != nil || strings.Join(fake.calls, ",") != "GetFunction,DeleteFunction" {
			t.Fatalf("delete: %v after %v, want GetFunction,DeleteFunction", err, fake.calls)
		}
		fake.missing = true
		if obs, err := p.Observe(ctx, env, r); err != nil || obs.Exists {
			t.Fatalf("observe of a missing function: %+v %v, want absent", obs, err)
		}
	})
	t.Run("a function that failed to create is refused by Observe only", func(t *testing.T) {
		fake, env, r := fakeFunction(t)
		fake.cfg.State = types.StateFailed
		fake.code.ImageUri = aws.String(image("missing"))
		p := NewFunction(fake.factory())
		var re *provision.RejectedError
		if _, err := p.Observe(ctx, env, r); !errors.As(err, &re) {
			t.Fatalf("observe: %v, want *provision.RejectedError", err)
		}
		if _, err := p.Update(ctx, env, r); err != nil {
			t.Fatalf("update: %v", err)
		}
		if err := p.Delete(ctx, env, r); err != nil {
			t.Fatalf("delete: %v", err)
		}
		if got := strings.Join(fake.calls, ","); got != "GetFunction,GetFunction,UpdateFunctionCode,GetFunction,DeleteFunction" {
			t.Fatalf("calls %s", got)
		}
	})
	t.Run("a foreign function that failed to create is reported as foreign", func(t *testing.T) {
		fake, env, r := fakeFunction(t)
		fake.cfg.State = types.StateFailed
		fake.tags = map[string]string{provision.TagApp: "other"}
		obs, err := NewFunction(fake.factory()).Observe(ctx, env, r)
		if err != nil || len(obs.Diff) != 1 || obs.Diff[0] != provision.NotOwnedDiff(env, r) {
			t.Fatalf("observe: %+v %v, want the not-owned diff", obs, err)
		}
	})
}
