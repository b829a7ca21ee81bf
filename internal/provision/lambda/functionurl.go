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

// urlCall is one verb's call on a Function URL.
type urlCall = provision.Call[API, urlTarget]

// NewFunctionURL returns the provisioner of plan.KindFunctionURL: the AWS_IAM Function
// URL of the function props.Function points at. It has no tags; it is berth's when that
// function is.
func NewFunctionURL(clients ClientFactory) provision.Provisioner {
	return provision.Adapt(provision.Kind[API, urlTarget, liveURL]{
		Clients: clients,
		Desired: func(_ context.Context, c *urlCall) (urlTarget, error) { return urlWant(c.Env, c.R) },
		Find:    readURL,
		Owned:   func(c *urlCall, l *liveURL) bool { return ownedBy(c.Env, c.Props.props.Function.ID, l.tags) },
		OwnerID: func(c *urlCall) string { return c.Props.props.Function.ID },
		Diff: func(_ context.Context, c *urlCall, l *liveURL) (provision.Diffs, error) {
			return diffURL(c.Props, l.cfg), nil
		},
		Outputs: func(_ *urlCall, l *liveURL) provision.Outputs { return urlOutputs(l.cfg.FunctionUrl) },
		Create:  createURL,
		Converge: func(ctx context.Context, c *urlCall, _ *liveURL, _ provision.Diffs) (provision.Outputs, error) {
			res, err := c.API.UpdateFunctionUrlConfig(ctx, &awslambda.UpdateFunctionUrlConfigInput{
				FunctionName: aws.String(c.Props.function),
				AuthType:     types.FunctionUrlAuthType(c.Props.props.AuthType),
				InvokeMode:   types.InvokeMode(c.Props.props.InvokeMode),
			})
			if err != nil {
				return nil, err
			}
			return urlOutputs(res.FunctionUrl), nil
		},
		Remove: func(ctx context.Context, c *urlCall, _ *liveURL) error {
			_, err := c.API.DeleteFunctionUrlConfig(ctx, &awslambda.DeleteFunctionUrlConfigInput{FunctionName: aws.String(c.Props.function)})
			return err
		},
	})
}

// urlTarget is a Function URL resource with its props checked and its function resolved.
type urlTarget struct {
	props    plan.FunctionURLProps
	function string // function name or ARN
}

// urlWant decodes and checks props. A public URL is refused outright: berth only ever
// serves Function URLs through CloudFront OAC.
func urlWant(env provision.Env, r plan.Resource) (urlTarget, error) {
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

// liveURL is the URL config and its function's tags.
type liveURL struct {
	cfg  *awslambda.GetFunctionUrlConfigOutput
	tags map[string]string
}

// readURL reads the URL config and its function's tags. A missing function and a
// function without URL both read as no URL.
func readURL(ctx context.Context, c *urlCall) (*liveURL, error) {
	cfg, err := c.API.GetFunctionUrlConfig(ctx, &awslambda.GetFunctionUrlConfigInput{FunctionName: aws.String(c.Props.function)})
	if err != nil {
		return nil, err
	}
	tags, err := c.API.ListTags(ctx, &awslambda.ListTagsInput{Resource: cfg.FunctionArn})
	if err != nil {
		return nil, err
	}
	return &liveURL{cfg: cfg, tags: tags.Tags}, nil
}

// createURL adds the URL config to a function berth owns; with no URL found, the
// function's ownership is checked here. Errors name the create, on Update too.
func createURL(ctx context.Context, c *urlCall) (provision.Outputs, error) {
	fn, err := lookupFunction(ctx, c.API, c.Props.function)
	if err != nil {
		return nil, provision.ClassifyFor(err, "create", c.R)
	}
	if fn == nil {
		return nil, &provision.PreconditionError{Kind: string(c.R.Kind), Name: c.R.Name, Problem: "function " + c.Props.function + " does not exist: it must be created first"}
	}
	if !ownedBy(c.Env, c.Props.props.Function.ID, fn.Tags) {
		return nil, c.NotOwned()
	}
	res, err := c.API.CreateFunctionUrlConfig(ctx, &awslambda.CreateFunctionUrlConfigInput{
		FunctionName: aws.String(c.Props.function),
		AuthType:     types.FunctionUrlAuthType(c.Props.props.AuthType),
		InvokeMode:   types.InvokeMode(c.Props.props.InvokeMode),
	})
	if err != nil {
		return nil, provision.ClassifyFor(err, "create", c.R)
	}
	return urlOutputs(res.FunctionUrl), nil
}

func diffURL(t urlTarget, cfg *awslambda.GetFunctionUrlConfigOutput) provision.Diffs {
	var diffs provision.Diffs
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
func urlOutputs(fnURL *string) provision.Outputs {
	raw := aws.ToString(fnURL)
	host := raw
	if p, err := url.Parse(raw); err == nil && p.Host != "" {
		host = p.Host
	}
	return provision.Outputs{plan.AttrURL: raw, plan.AttrDomainName: host}
}
