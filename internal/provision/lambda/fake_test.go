package lambda

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/smithy-go"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// fakeLambda is a small in-memory stand-in for the Lambda API, for the behaviour moto does
// not reproduce. It holds one function; methods it does not implement panic through the
// nil embedded API, so a test notices any unexpected call.
type fakeLambda struct {
	API
	calls []string

	missing        bool // GetFunction answers ResourceNotFoundException
	cfg            *types.FunctionConfiguration
	code           *types.FunctionCodeLocation
	tags           map[string]string
	configStatus   types.LastUpdateStatus // what UpdateFunctionConfiguration reports
	createFailures int                    // CreateFunction refusals before it succeeds

	policy      string // GetPolicy document; "" answers ResourceNotFoundException
	added       []*awslambda.AddPermissionInput
	removed     []string
	urlConfig   *awslambda.GetFunctionUrlConfigOutput
	urlUpdates  []*awslambda.UpdateFunctionUrlConfigInput
	versions    []types.FunctionConfiguration
	deleteError error
}

func (f *fakeLambda) factory() ClientFactory { return func(string) API { return f } }

func (f *fakeLambda) record(op string) { f.calls = append(f.calls, op) }

func notFound() error {
	return &smithy.GenericAPIError{Code: "ResourceNotFoundException", Message: "The resource you requested does not exist."}
}

func (f *fakeLambda) GetFunction(_ context.Context, _ *awslambda.GetFunctionInput, _ ...func(*awslambda.Options)) (*awslambda.GetFunctionOutput, error) {
	f.record("GetFunction")
	if f.missing {
		return nil, notFound()
	}
	return &awslambda.GetFunctionOutput{Configuration: f.cfg, Code: f.code, Tags: f.tags}, nil
}

func (f *fakeLambda) CreateFunction(_ context.Context, in *awslambda.CreateFunctionInput, _ ...func(*awslambda.Options)) (*awslambda.CreateFunctionOutput, error) {
	f.record("CreateFunction")
	if f.createFailures > 0 {
		f.createFailures--
		return nil, &smithy.GenericAPIError{Code: "InvalidParameterValueException", Message: "The role defined for the function cannot be assumed by Lambda."}
	}
	arn := "arn:aws:lambda:" + testRegion + ":123456789012:function:" + aws.ToString(in.FunctionName)
	return &awslambda.CreateFunctionOutput{FunctionArn: aws.String(arn), FunctionName: in.FunctionName, Version: aws.String("$LATEST")}, nil
}

func (f *fakeLambda) UpdateFunctionConfiguration(_ context.Context, _ *awslambda.UpdateFunctionConfigurationInput, _ ...func(*awslambda.Options)) (*awslambda.UpdateFunctionConfigurationOutput, error) {
	f.record("UpdateFunctionConfiguration")
	status := f.configStatus
	if status == "" {
		status = types.LastUpdateStatusSuccessful
	}
	return &awslambda.UpdateFunctionConfigurationOutput{LastUpdateStatus: status, FunctionArn: f.cfg.FunctionArn}, nil
}

func (f *fakeLambda) UpdateFunctionCode(_ context.Context, in *awslambda.UpdateFunctionCodeInput, _ ...func(*awslambda.Options)) (*awslambda.UpdateFunctionCodeOutput, error) {
	f.record("UpdateFunctionCode")
	if len(in.Architectures) != 1 || (in.ImageUri == nil && in.ZipFile == nil) {
		return nil, errors.New("fake: UpdateFunctionCode needs the code and one architecture")
	}
	return &awslambda.UpdateFunctionCodeOutput{FunctionArn: f.cfg.FunctionArn, Version: aws.String("7")}, nil
}

func (f *fakeLambda) DeleteFunction(_ context.Context, _ *awslambda.DeleteFunctionInput, _ ...func(*awslambda.Options)) (*awslambda.DeleteFunctionOutput, error) {
	f.record("DeleteFunction")
	return &awslambda.DeleteFunctionOutput{}, f.deleteError
}

func (f *fakeLambda) GetPolicy(_ context.Context, _ *awslambda.GetPolicyInput, _ ...func(*awslambda.Options)) (*awslambda.GetPolicyOutput, error) {
	f.record("GetPolicy")
	if f.policy == "" {
		return nil, notFound()
	}
	return &awslambda.GetPolicyOutput{Policy: aws.String(f.policy)}, nil
}

func (f *fakeLambda) AddPermission(_ context.Context, in *awslambda.AddPermissionInput, _ ...func(*awslambda.Options)) (*awslambda.AddPermissionOutput, error) {
	f.record("AddPermission")
	f.added = append(f.added, in)
	return &awslambda.AddPermissionOutput{}, nil
}

func (f *fakeLambda) RemovePermission(_ context.Context, in *awslambda.RemovePermissionInput, _ ...func(*awslambda.Options)) (*awslambda.RemovePermissionOutput, error) {
	f.record("RemovePermission")
	f.removed = append(f.removed, aws.ToString(in.StatementId))
	return &awslambda.RemovePermissionOutput{}, nil
}

func (f *fakeLambda) GetFunctionUrlConfig(_ context.Context, _ *awslambda.GetFunctionUrlConfigInput, _ ...func(*awslambda.Options)) (*awslambda.GetFunctionUrlConfigOutput, error) {
	f.record("GetFunctionUrlConfig")
	if f.urlConfig == nil {
		return nil, notFound()
	}
	return f.urlConfig, nil
}

func (f *fakeLambda) UpdateFunctionUrlConfig(_ context.Context, in *awslambda.UpdateFunctionUrlConfigInput, _ ...func(*awslambda.Options)) (*awslambda.UpdateFunctionUrlConfigOutput, error) {
	f.record("UpdateFunctionUrlConfig")
	f.urlUpdates = append(f.urlUpdates, in)
	return &awslambda.UpdateFunctionUrlConfigOutput{FunctionUrl: f.urlConfig.FunctionUrl, AuthType: in.AuthType, InvokeMode: in.InvokeMode}, nil
}

func (f *fakeLambda) ListTags(_ context.Context, _ *awslambda.ListTagsInput, _ ...func(*awslambda.Options)) (*awslambda.ListTagsOutput, error) {
	f.record("ListTags")
	return &awslambda.ListTagsOutput{Tags: f.tags}, nil
}

func (f *fakeLambda) ListVersionsByFunction(_ context.Context, _ *awslambda.ListVersionsByFunctionInput, _ ...func(*awslambda.Options)) (*awslambda.ListVersionsByFunctionOutput, error) {
	f.record("ListVersionsByFunction")
	return &awslambda.ListVersionsByFunctionOutput{Versions: append([]types.FunctionConfiguration{*f.cfg}, f.versions...)}, nil
}

func (f *fakeLambda) PublishVersion(_ context.Context, _ *awslambda.PublishVersionInput, _ ...func(*awslambda.Options)) (*awslambda.PublishVersionOutput, error) {
	f.record("PublishVersion")
	return &awslambda.PublishVersionOutput{FunctionArn: aws.String(aws.ToString(f.cfg.FunctionArn) + ":8"), Version: aws.String("8")}, nil
}

// fakeFunction is a fake holding a function that exactly matches the resource returned
// with it, owned by berth.
func fakeFunction(t *testing.T) (*fakeLambda, provision.Env, plan.Resource) {
	t.Helper()
	role := "arn:aws:iam::123456789012:role/berth-shop-dev-api-role"
	name := "berth-shop-dev-api-fn"
	env := testEnv(provision.OutputsByID{"api/Role": {plan.AttrArn: role}, "api/LogGroup": {plan.AttrName: "/aws/lambda/" + name}})
	props := plan.FunctionProps{
		ImageURI: image("v1"), MemoryMB: 1024, TimeoutSec: 6, Architecture: "arm64",
		Role:        plan.RoleRef{Ref: &plan.Ref{ID: "api/Role", Attr: plan.AttrArn}},
		Environment: map[string]plan.EnvValue{"DB_URL": {Ref: "ssm:/shop/db-url", Fingerprint: plan.Fingerprint(testKey, "shop", "dev", "DB_URL", testSecrets["ssm:/shop/db-url"])}},
		LogGroup:    plan.Ref{ID: "api/LogGroup", Attr: plan.AttrName},
	}
	r := resource(t, "api/Function", plan.KindFunction, name, testRegion, props)
	fake := &fakeLambda{
		cfg: &types.FunctionConfiguration{
			FunctionName:     aws.String(name),
			FunctionArn:      aws.String("arn:aws:lambda:" + testRegion + ":123456789012:function:" + name),
			State:            types.StateActive,
			LastUpdateStatus: types.LastUpdateStatusSuccessful,
			MemorySize:       aws.Int32(1024),
			Timeout:          aws.Int32(6),
			Architectures:    []types.Architecture{types.ArchitectureArm64},
			Role:             aws.String(role),
			Environment:      &types.EnvironmentResponse{Variables: map[string]string{"DB_URL": testSecrets["ssm:/shop/db-url"]}},
			LoggingConfig:    &types.LoggingConfig{LogGroup: aws.String("/aws/lambda/" + name), LogFormat: types.LogFormatText},
		},
		code: &types.FunctionCodeLocation{ImageUri: aws.String(image("v1"))},
		tags: provision.Tags(env, r),
	}
	return fake, env, r
}

// shortBackoff makes provision.Retry quick for a test and returns the restore func.
func shortBackoff() func() {
	saved := provision.Backoff
	provision.Backoff = []time.Duration{time.Millisecond, time.Millisecond, time.Millisecond, time.Millisecond}
	return func() { provision.Backoff = saved }
}
