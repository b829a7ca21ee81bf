package lambda

import (
	"context"
	"net/url"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// Function URL settings berth uses.
const (
	authTypeIAM       = string(types.FunctionUrlAuthTypeAwsIam)
	defaultInvokeMode = string(types.InvokeModeBuffered)
)

// FunctionURL provisions plan.KindFunctionURL: the AWS_IAM Function URL of the function
// props.Function points at. It has no tags; it is berth's when that function is.
type FunctionURL struct {
	clients ClientFactory
}

// NewFunctionURL returns the Function URL provisioner.
func NewFunctionURL(clients ClientFactory) *FunctionURL { return &FunctionURL{clients: clients} }

// urlTarget is a Function URL resource with its props checked and its function resolved.
type urlTarget struct {
	props    plan.FunctionURLProps
	function string // function name or ARN
}

// target decodes and checks props. A public URL is refused outright: berth only ever
// serves Function URLs through CloudFront OAC.
func (u *FunctionURL) target(env provision.Env, r plan.Resource) (urlTarget, error) {
	var t urlTarget
	props, err := provision.Decode[plan.FunctionURLProps](r)
	if err != nil {
		return t, err
	}
	t.props = props
	if t.props.AuthType == "" {
		t.props.AuthType = authTypeIAM
	}
	if t.props.AuthType != authTypeIAM {
		return t, errRefused(r, "validate", "authType "+t.props.AuthType+" would make the function public: berth only creates AWS_IAM Function URLs, reached through CloudFront origin access control")
	}
	if t.props.InvokeMode == "" {
		t.props.InvokeMode = defaultInvokeMode
	}
	fn, err := env.Refs.Resolve(t.props.Function)
	if err != nil {
		return t, err
	}
	t.function = fn
	return t, nil
}

// Observe implements provision.Provisioner.
func (u *FunctionURL) Observe(ctx context.Context, env provision.Env, r plan.Resource) (provision.Observation, error) {
	t, err := u.target(env, r)
	if err != nil {
		return provision.Observation{}, err
	}
	api := u.clients(regionOf(env, r))
	cfg, owned, err := u.lookup(ctx, env, api, t)
	if err != nil || cfg == nil {
		return provision.Observation{}, provision.ClassifyFor(err, "observe", r)
	}
	if !owned.ok {
		return provision.NotOwnedObservation(env, plan.Resource{ID: t.props.Function.ID}), nil
	}
	return provision.Observation{Exists: true, Ready: true, Diff: diffURL(t, cfg), Outputs: urlOutputs(cfg)}, nil
}

// Create implements provision.Provisioner.
func (u *FunctionURL) Create(ctx context.Context, env provision.Env, r plan.Resource) (provision.Outputs, error) {
	return u.apply(ctx, env, r, "create")
}

// Update implements provision.Provisioner.
func (u *FunctionURL) Update(ctx context.Context, env provision.Env, r plan.Resource) (provision.Outputs, error) {
	return u.apply(ctx, env, r, "update")
}

// Delete implements provision.Provisioner.
func (u *FunctionURL) Delete(ctx context.Context, env provision.Env, r plan.Resource) error {
	t, err := u.target(env, r)
	if err != nil {
		return err
	}
	api := u.clients(regionOf(env, r))
	cfg, owned, err := u.lookup(ctx, env, api, t)
	if err != nil || cfg == nil {
		return provision.ClassifyFor(err, "delete", r)
	}
	if !owned.ok {
		return &provision.NotOwnedError{Kind: string(r.Kind), Name: r.Name}
	}
	_, err = api.DeleteFunctionUrlConfig(ctx, &awslambda.DeleteFunctionUrlConfigInput{FunctionName: aws.String(t.function)})
	if provision.IsNotFound(err) {
		return nil
	}
	return provision.ClassifyFor(err, "delete", r)
}

// apply creates the URL, or updates it when it exists and differs.
func (u *FunctionURL) apply(ctx context.Context, env provision.Env, r plan.Resource, op string) (provision.Outputs, error) {
	t, err := u.target(env, r)
	if err != nil {
		return nil, err
	}
	api := u.clients(regionOf(env, r))
	cfg, owned, err := u.lookup(ctx, env, api, t)
	if err != nil {
		return nil, provision.ClassifyFor(err, op, r)
	}
	if cfg == nil {
		return u.create(ctx, env, r, api, t)
	}
	if !owned.ok {
		return nil, &provision.NotOwnedError{Kind: string(r.Kind), Name: r.Name}
	}
	if len(diffURL(t, cfg)) == 0 {
		return urlOutputs(cfg), nil
	}
	res, err := api.UpdateFunctionUrlConfig(ctx, &awslambda.UpdateFunctionUrlConfigInput{
		FunctionName: aws.String(t.function),
		AuthType:     types.FunctionUrlAuthType(t.props.AuthType),
		InvokeMode:   types.InvokeMode(t.props.InvokeMode),
	})
	if err != nil {
		return nil, provision.ClassifyFor(err, op, r)
	}
	return urlOutputs(&awslambda.GetFunctionUrlConfigOutput{FunctionUrl: res.FunctionUrl}), nil
}

// create adds the URL config to a function berth owns. The function's ownership was
// checked by lookup only when a URL existed, so it is checked here too.
func (u *FunctionURL) create(ctx context.Context, env provision.Env, r plan.Resource, api API, t urlTarget) (provision.Outputs, error) {
	fn, err := lookupFunction(ctx, api, t.function)
	if err != nil {
		return nil, provision.ClassifyFor(err, "create", r)
	}
	if fn == nil {
		return nil, &provision.PreconditionError{Kind: string(r.Kind), Name: r.Name, Problem: "function " + t.function + " does not exist: it must be created first"}
	}
	if !ownedBy(env, t.props.Function.ID, fn.Tags) {
		return nil, &provision.NotOwnedError{Kind: string(r.Kind), Name: r.Name}
	}
	res, err := api.CreateFunctionUrlConfig(ctx, &awslambda.CreateFunctionUrlConfigInput{
		FunctionName: aws.String(t.function),
		AuthType:     types.FunctionUrlAuthType(t.props.AuthType),
		InvokeMode:   types.InvokeMode(t.props.InvokeMode),
	})
	if err != nil {
		return nil, provision.ClassifyFor(err, "create", r)
	}
	return urlOutputs(&awslambda.GetFunctionUrlConfigOutput{FunctionUrl: res.FunctionUrl}), nil
}

// ownership is what lookup found out about the function's tags.
type ownership struct {
	ok   bool
	tags map[string]string
}

// lookup reads the URL config and, when there is one, its function's tags. A missing
// function and a function without URL both read as no URL.
func (u *FunctionURL) lookup(ctx context.Context, env provision.Env, api API, t urlTarget) (*awslambda.GetFunctionUrlConfigOutput, ownership, error) {
	cfg, err := api.GetFunctionUrlConfig(ctx, &awslambda.GetFunctionUrlConfigInput{FunctionName: aws.String(t.function)})
	if provision.IsNotFound(err) {
		return nil, ownership{}, nil
	}
	if err != nil {
		return nil, ownership{}, err
	}
	tags, err := api.ListTags(ctx, &awslambda.ListTagsInput{Resource: cfg.FunctionArn})
	if err != nil {
		return nil, ownership{}, err
	}
	return cfg, ownership{ok: ownedBy(env, t.props.Function.ID, tags.Tags), tags: tags.Tags}, nil
}

func diffURL(t urlTarget, cfg *awslambda.GetFunctionUrlConfigOutput) []provision.FieldDiff {
	var diffs []provision.FieldDiff
	if got := string(cfg.AuthType); got != t.props.AuthType {
		diffs = append(diffs, provision.FieldDiff{Field: "authType", Desired: t.props.AuthType, Actual: got})
	}
	if got := liveInvokeMode(cfg); !strings.EqualFold(got, t.props.InvokeMode) {
		diffs = append(diffs, provision.FieldDiff{Field: "invokeMode", Desired: t.props.InvokeMode, Actual: got})
	}
	return diffs
}

// liveInvokeMode: URLs made before invoke modes existed report none and buffer.
func liveInvokeMode(cfg *awslambda.GetFunctionUrlConfigOutput) string {
	if cfg.InvokeMode == "" {
		return defaultInvokeMode
	}
	return string(cfg.InvokeMode)
}

// urlOutputs: the URL as Lambda gives it and its bare host, which is what CloudFront
// takes as an origin domain.
func urlOutputs(cfg *awslambda.GetFunctionUrlConfigOutput) provision.Outputs {
	raw := aws.ToString(cfg.FunctionUrl)
	host := raw
	if p, err := url.Parse(raw); err == nil && p.Host != "" {
		host = p.Host
	}
	return provision.Outputs{plan.AttrURL: raw, plan.AttrDomainName: host}
}
