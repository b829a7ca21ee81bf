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

// urlCase makes a function (owned by "api/Function" when owned) and a URL resource for it.
func urlCase(t *testing.T, m *moto, owned bool, props plan.FunctionURLProps) (plan.Resource, provision.Env, string) {
	t.Helper()
	name := uniqueName("berth-shop-dev-api-fn")
	var tags map[string]string
	if owned {
		tags = ownedTags()
	}
	arn := m.imageFunction(t, name, m.role(t), tags)
	env := testEnv(provision.OutputsByID{"api/Function": {plan.AttrArn: arn}})
	props.Function = plan.Ref{ID: "api/Function", Attr: plan.AttrArn}
	return resource(t, "api/Url", plan.KindFunctionURL, "berth-shop-dev-api-url-abc123", testRegion, props), env, name
}

func TestFunctionURLLifecycleAgainstMoto(t *testing.T) {
	m := newMoto(t)
	r, env, name := urlCase(t, m, true, plan.FunctionURLProps{AuthType: "AWS_IAM", InvokeMode: "BUFFERED"})
	// moto 5.2.1 ignores InvokeMode in UpdateFunctionUrlConfig, so the update step here
	// changes nothing; TestFunctionURLInvokeModeChangeUpdatesInPlace covers it with a fake.
	provtest.Lifecycle(t, provtest.Case{
		Provisioner: NewFunctionURL(m.clients),
		Env:         env,
		Calls:       m.calls,
		Initial:     r,
		Updated:     r,
		OutOfBand: func(ctx context.Context) error {
			_, err := m.raw(testRegion).UpdateFunctionUrlConfig(ctx, &awslambda.UpdateFunctionUrlConfigInput{FunctionName: aws.String(name), AuthType: types.FunctionUrlAuthTypeNone})
			return err
		},
		DriftField: "authType",
	})
}

func TestFunctionURLOfAFunctionBerthDoesNotOwnIsLeftAlone(t *testing.T) {
	m := newMoto(t)
	r, env, name := urlCase(t, m, false, plan.FunctionURLProps{AuthType: "AWS_IAM", InvokeMode: "BUFFERED"})
	provtest.NotOwned(t, NewFunctionURL(m.clients), env, r, func(ctx context.Context) error {
		_, err := m.raw(testRegion).CreateFunctionUrlConfig(ctx, &awslambda.CreateFunctionUrlConfigInput{FunctionName: aws.String(name), AuthType: types.FunctionUrlAuthTypeNone})
		return err
	})
}

func TestFunctionURLOutputsTheURLAndItsBareHost(t *testing.T) {
	m := newMoto(t)
	r, env, _ := urlCase(t, m, true, plan.FunctionURLProps{AuthType: "AWS_IAM", InvokeMode: "RESPONSE_STREAM"})
	out, err := NewFunctionURL(m.clients).Create(context.Background(), env, r)
	if err != nil {
		t.Fatal(err)
	}
	host := out[plan.AttrDomainName]
	if !strings.HasPrefix(out[plan.AttrURL], "https://") || !strings.HasSuffix(host, ".lambda-url."+testRegion+".on.aws") || strings.ContainsAny(host, ":/") {
		t.Fatalf("outputs %v: want Url https://… and DomainName the bare host", out)
	}
	assertCalls(t, m, "function URL", 1, 2)
}

func TestFunctionURLRefusesAnythingButAWSIAM(t *testing.T) {
	tests := []struct {
		name     string
		authType string
		wantErr  bool
	}{
		{"a public URL is refused", "NONE", true},
		{"an unknown auth type is refused", "aws_iam ", true},
		{"AWS_IAM is accepted", "AWS_IAM", false},
		{"no auth type means AWS_IAM", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fake, env, _ := fakeFunction(t)
			fake.urlConfig = &awslambda.GetFunctionUrlConfigOutput{FunctionUrl: aws.String("https://abc.lambda-url.eu-west-1.on.aws/"), FunctionArn: fake.cfg.FunctionArn, AuthType: types.FunctionUrlAuthTypeAwsIam, InvokeMode: types.InvokeModeBuffered}
			env.Refs = provision.OutputsByID{"api/Function": {plan.AttrArn: aws.ToString(fake.cfg.FunctionArn)}}
			r := resource(t, "api/Url", plan.KindFunctionURL, "u", testRegion, plan.FunctionURLProps{Function: plan.Ref{ID: "api/Function", Attr: plan.AttrArn}, AuthType: tc.authType, InvokeMode: "BUFFERED"})
			u := NewFunctionURL(fake.factory())
			for _, op := range []func() error{
				func() error { _, err := u.Create(context.Background(), env, r); return err },
				func() error { _, err := u.Update(context.Background(), env, r); return err },
			} {
				err := op()
				var re *provision.RejectedError
				if got := errors.As(err, &re); got != tc.wantErr {
					t.Fatalf("error %v, want rejected %v", err, tc.wantErr)
				}
			}
			if tc.wantErr && len(fake.calls) > 0 {
				t.Fatalf("a refused URL still made AWS calls: %v", fake.calls)
			}
		})
	}
}

// moto ignores InvokeMode on update; Lambda changes it in place (same URL).
func TestFunctionURLInvokeModeChangeUpdatesInPlace(t *testing.T) {
	fake, env, _ := fakeFunction(t)
	fake.urlConfig = &awslambda.GetFunctionUrlConfigOutput{FunctionUrl: aws.String("https://abc.lambda-url.eu-west-1.on.aws/"), FunctionArn: fake.cfg.FunctionArn, AuthType: types.FunctionUrlAuthTypeAwsIam, InvokeMode: types.InvokeModeBuffered}
	env.Refs = provision.OutputsByID{"api/Function": {plan.AttrArn: aws.ToString(fake.cfg.FunctionArn)}}
	r := resource(t, "api/Url", plan.KindFunctionURL, "u", testRegion, plan.FunctionURLProps{Function: plan.Ref{ID: "api/Function", Attr: plan.AttrArn}, AuthType: "AWS_IAM", InvokeMode: "RESPONSE_STREAM"})
	u := NewFunctionURL(fake.factory())
	obs, err := u.Observe(context.Background(), env, r)
	if err != nil {
		t.Fatal(err)
	}
	provtest.AssertFields(t, "before update", obs.Diff, []string{"invokeMode"})
	out, err := u.Update(context.Background(), env, r)
	if err != nil {
		t.Fatal(err)
	}
	if len(fake.urlUpdates) != 1 || fake.urlUpdates[0].InvokeMode != types.InvokeModeResponseStream || fake.urlUpdates[0].AuthType != types.FunctionUrlAuthTypeAwsIam {
		t.Fatalf("updates %+v, want one to RESPONSE_STREAM keeping AWS_IAM", fake.urlUpdates)
	}
	if out[plan.AttrDomainName] != "abc.lambda-url.eu-west-1.on.aws" {
		t.Fatalf("DomainName %q, want the bare host without the trailing slash Lambda returns", out[plan.AttrDomainName])
	}
}

// A URL belongs to its function: without a URL, Create checks the function before
// adding one; a foreign function's URL is refused in the function's name.
func TestFunctionURLLivesOnItsFunction(t *testing.T) {
	ctx := context.Background()
	newCase := func(t *testing.T) (*fakeLambda, provision.Env, plan.Resource) {
		fake, env, _ := fakeFunction(t)
		env.Refs = provision.OutputsByID{"api/Function": {plan.AttrArn: aws.ToString(fake.cfg.FunctionArn)}}
		return fake, env, resource(t, "api/Url", plan.KindFunctionURL, "u", testRegion, plan.FunctionURLProps{Function: plan.Ref{ID: "api/Function", Attr: plan.AttrArn}})
	}
	t.Run("no function is a precondition, whichever verb", func(t *testing.T) {
		fake, env, r := newCase(t)
		fake.missing = true
		_, err := NewFunctionURL(fake.factory()).Update(ctx, env, r)
		var pe *provision.PreconditionError
		if !errors.As(err, &pe) || strings.Join(fake.calls, ",") != "GetFunctionUrlConfig,GetFunction" {
			t.Fatalf("update: %v after %v, want *provision.PreconditionError", err, fake.calls)
		}
	})
	t.Run("a foreign function gets no URL", func(t *testing.T) {
		fake, env, r := newCase(t)
		fake.tags = map[string]string{provision.TagApp: "other"}
		_, err := NewFunctionURL(fake.factory()).Create(ctx, env, r)
		var no *provision.NotOwnedError
		if !errors.As(err, &no) || strings.Join(fake.calls, ",") != "GetFunctionUrlConfig,GetFunction" {
			t.Fatalf("create: %v after %v, want *provision.NotOwnedError", err, fake.calls)
		}
	})
	t.Run("a foreign function's URL is reported in the function's name", func(t *testing.T) {
		fake, env, r := newCase(t)
		fake.tags = map[string]string{provision.TagApp: "other"}
		fake.urlConfig = &awslambda.GetFunctionUrlConfigOutput{FunctionUrl: aws.String("https://abc.lambda-url.eu-west-1.on.aws/"), FunctionArn: fake.cfg.FunctionArn, AuthType: types.FunctionUrlAuthTypeNone}
		obs, err := NewFunctionURL(fake.factory()).Observe(ctx, env, r)
		if err != nil || len(obs.Diff) != 1 || obs.Diff[0] != provision.NotOwnedDiff(env, plan.Resource{ID: "api/Function"}) || obs.Outputs != nil {
			t.Fatalf("observe: %+v %v, want the not-owned diff naming api/Function", obs, err)
		}
	})
}
