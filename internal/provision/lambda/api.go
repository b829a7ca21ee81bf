package lambda

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/berth-dev/berth/internal/edge"
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// API is the part of the Lambda SDK client berth's Lambda provisioners call; the real
// *lambda.Client satisfies it.
type API interface {
	GetFunction(ctx context.Context, in *awslambda.GetFunctionInput, opts ...func(*awslambda.Options)) (*awslambda.GetFunctionOutput, error)
	CreateFunction(ctx context.Context, in *awslambda.CreateFunctionInput, opts ...func(*awslambda.Options)) (*awslambda.CreateFunctionOutput, error)
	UpdateFunctionCode(ctx context.Context, in *awslambda.UpdateFunctionCodeInput, opts ...func(*awslambda.Options)) (*awslambda.UpdateFunctionCodeOutput, error)
	UpdateFunctionConfiguration(ctx context.Context, in *awslambda.UpdateFunctionConfigurationInput, opts ...func(*awslambda.Options)) (*awslambda.UpdateFunctionConfigurationOutput, error)
	DeleteFunction(ctx context.Context, in *awslambda.DeleteFunctionInput, opts ...func(*awslambda.Options)) (*awslambda.DeleteFunctionOutput, error)
	ListTags(ctx context.Context, in *awslambda.ListTagsInput, opts ...func(*awslambda.Options)) (*awslambda.ListTagsOutput, error)
	GetFunctionUrlConfig(ctx context.Context, in *awslambda.GetFunctionUrlConfigInput, opts ...func(*awslambda.Options)) (*awslambda.GetFunctionUrlConfigOutput, error)
	CreateFunctionUrlConfig(ctx context.Context, in *awslambda.CreateFunctionUrlConfigInput, opts ...func(*awslambda.Options)) (*awslambda.CreateFunctionUrlConfigOutput, error)
	UpdateFunctionUrlConfig(ctx context.Context, in *awslambda.UpdateFunctionUrlConfigInput, opts ...func(*awslambda.Options)) (*awslambda.UpdateFunctionUrlConfigOutput, error)
	DeleteFunctionUrlConfig(ctx context.Context, in *awslambda.DeleteFunctionUrlConfigInput, opts ...func(*awslambda.Options)) (*awslambda.DeleteFunctionUrlConfigOutput, error)
	GetPolicy(ctx context.Context, in *awslambda.GetPolicyInput, opts ...func(*awslambda.Options)) (*awslambda.GetPolicyOutput, error)
	AddPermission(ctx context.Context, in *awslambda.AddPermissionInput, opts ...func(*awslambda.Options)) (*awslambda.AddPermissionOutput, error)
	RemovePermission(ctx context.Context, in *awslambda.RemovePermissionInput, opts ...func(*awslambda.Options)) (*awslambda.RemovePermissionOutput, error)
	PublishVersion(ctx context.Context, in *awslambda.PublishVersionInput, opts ...func(*awslambda.Options)) (*awslambda.PublishVersionOutput, error)
	ListVersionsByFunction(ctx context.Context, in *awslambda.ListVersionsByFunctionInput, opts ...func(*awslambda.Options)) (*awslambda.ListVersionsByFunctionOutput, error)
}

// ClientFactory returns the Lambda client for a region. It is called once per provisioner
// call, so it should cache clients.
type ClientFactory func(region string) API

// Clients is the ClientFactory of real SDK clients built from cfg (with cfg's API
// options, such as an awscalls counter), one per region.
func Clients(cfg aws.Config) ClientFactory {
	return provision.PerRegion(func(region string) API {
		return awslambda.NewFromConfig(cfg, func(o *awslambda.Options) { o.Region = region })
	})
}

// Register adds the Lambda kinds to reg; the body signer deploys edge.BodySignerSource.
func Register(reg provision.Registry, clients ClientFactory) {
	reg[plan.KindFunction] = NewFunction(clients)
	reg[plan.KindFunctionURL] = NewFunctionURL(clients)
	reg[plan.KindPermission] = NewPermission(clients)
	reg[plan.KindEdgeFunctionVersion] = NewEdgeFunction(clients, edge.BodySignerSource)
}

// lookupFunction reads a function; nil (and no error) when it does not exist.
func lookupFunction(ctx context.Context, api API, name string) (*awslambda.GetFunctionOutput, error) {
	out, err := api.GetFunction(ctx, &awslambda.GetFunctionInput{FunctionName: aws.String(name)})
	if provision.IsNotFound(err) {
		return nil, nil
	}
	return out, err
}

// ownedBy reports whether a function's tags mark it as the resource functionID of env's
// app/stage. Function URLs and permissions have no tags and borrow their function's.
func ownedBy(env provision.Env, functionID string, tags map[string]string) bool {
	return provision.Owned(env, plan.Resource{ID: functionID}, tags)
}

// unqualified strips a version or alias qualifier from a function ARN
// (arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]).
func unqualified(arn string) string {
	parts := strings.Split(arn, ":")
	if len(parts) > 7 {
		return strings.Join(parts[:7], ":")
	}
	return arn
}

// errRefused builds the terminal error for props berth will not apply.
func errRefused(r plan.Resource, op, cause string) error {
	return &provision.RejectedError{Kind: string(r.Kind), Name: r.Name, Op: op, Cause: cause}
}
