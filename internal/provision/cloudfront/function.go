package cloudfront

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// FunctionAPI is the part of the CloudFront control plane the router function provisioner
// calls. *cloudfront.Client satisfies it.
type FunctionAPI interface {
	CreateFunction(ctx context.Context, in *sdk.CreateFunctionInput, optFns ...func(*sdk.Options)) (*sdk.CreateFunctionOutput, error)
	DescribeFunction(ctx context.Context, in *sdk.DescribeFunctionInput, optFns ...func(*sdk.Options)) (*sdk.DescribeFunctionOutput, error)
	GetFunction(ctx context.Context, in *sdk.GetFunctionInput, optFns ...func(*sdk.Options)) (*sdk.GetFunctionOutput, error)
	UpdateFunction(ctx context.Context, in *sdk.UpdateFunctionInput, optFns ...func(*sdk.Options)) (*sdk.UpdateFunctionOutput, error)
	PublishFunction(ctx context.Context, in *sdk.PublishFunctionInput, optFns ...func(*sdk.Options)) (*sdk.PublishFunctionOutput, error)
	DeleteFunction(ctx context.Context, in *sdk.DeleteFunctionInput, optFns ...func(*sdk.Options)) (*sdk.DeleteFunctionOutput, error)
	ListTagsForResource(ctx context.Context, in *sdk.ListTagsForResourceInput, optFns ...func(*sdk.Options)) (*sdk.ListTagsForResourceOutput, error)
}

// Function provisions plan.KindCloudFrontFunction: the router, rendered by internal/edge
// for the app's KeyValueStore, associated with that store and published LIVE (a
// distribution can only use a LIVE function). It is found by name (r.Name), owned
// through tags, and carries OwnerMarker as its comment for people reading the console.
//
// The desired state is compared with the LIVE stage, which is what serves traffic: the
// code by SHA-256 of the rendered source, the runtime and the store association. The
// function is Ready when LIVE equals DEVELOPMENT (nothing unpublished).
type Function struct{ api FunctionAPI }

// NewFunction returns the provisioner for plan.KindCloudFrontFunction.
func NewFunction(api FunctionAPI) *Function { return &Function{api: api} }

const kindFunction = string(plan.KindCloudFrontFunction)

// Observe implements provision.Provisioner.
func (f *Function) Observe(ctx context.Context, env provision.Env, r plan.Resource) (provision.Observation, error) {
	want, err := functionWant(env, r)
	if err != nil {
		return provision.Observation{}, err
	}
	l, err := f.read(ctx, env, r, true)
	if err != nil || l == nil {
		return provision.Observation{}, err
	}
	if !l.owned {
		return notOwnedObservation(env, r, "no berth tags on "+l.arn), nil
	}
	return provision.Observation{Exists: true, Ready: l.ready(), Diff: l.diff(want), Outputs: l.outputs()}, nil
}

// Create implements provision.Provisioner.
func (f *Function) Create(ctx context.Context, env provision.Env, r plan.Resource) (provision.Outputs, error) {
	return f.apply(ctx, env, r)
}

// Update implements provision.Provisioner. A missing function is created.
func (f *Function) Update(ctx context.Context, env provision.Env, r plan.Resource) (provision.Outputs, error) {
	return f.apply(ctx, env, r)
}

// apply creates the function or converges an owned one, and publishes. A function whose
// DEVELOPMENT and LIVE stages both match costs no mutating call.
func (f *Function) apply(ctx context.Context, env provision.Env, r plan.Resource) (provision.Outputs, error) {
	want, err := functionWant(env, r)
	if err != nil {
		return nil, err
	}
	var out provision.Outputs
	err = retryStaleETag(func() error {
		l, err := f.read(ctx, env, r, true)
		switch {
		case err != nil:
			return err
		case l == nil:
			out, err = f.create(ctx, env, r, want)
			return err
		case !l.owned:
			return &provision.NotOwnedError{Kind: kindFunction, Name: r.Name}
		}
		out, err = f.converge(ctx, env, r, want, l)
		return err
	})
	return out, edgeClassify(err, "update", kindFunction, r.Name)
}

// create makes the function and publishes it.
func (f *Function) create(ctx context.Context, env provision.Env, r plan.Resource, want fnState) (provision.Outputs, error) {
	out, err := f.api.CreateFunction(ctx, &sdk.CreateFunctionInput{
		Name:           aws.String(r.Name),
		FunctionConfig: want.config(OwnerMarker(env, r)),
		FunctionCode:   []byte(want.code),
		Tags:           edgeTags(env, r),
	})
	var exists *types.FunctionAlreadyExists
	if errors.As(err, &exists) {
		// Created since the read (a concurrent run, or a create whose answer was lost):
		// converge it on the next round, once its ETag is known.
		return nil, &provision.TransientError{Kind: kindFunction, Name: r.Name, Op: "create", Cause: err.Error()}
	}
	if err != nil {
		return nil, err
	}
	return f.publish(ctx, r, aws.ToString(out.FunctionSummary.FunctionMetadata.FunctionARN), aws.ToString(out.ETag))
}

// converge updates DEVELOPMENT when it differs from want, then publishes whatever LIVE
// lacks.
func (f *Function) converge(ctx context.Context, env provision.Env, r plan.Resource, want fnState, l *fnLive) (provision.Outputs, error) {
	etag, dev := l.etag, l.dev
	if !dev.equal(want) {
		out, err := f.api.UpdateFunction(ctx, &sdk.UpdateFunctionInput{
			Name:           aws.String(r.Name),
			IfMatch:        aws.String(etag),
			FunctionConfig: want.config(OwnerMarker(env, r)),
			FunctionCode:   []byte(want.code),
		})
		if err != nil {
			return nil, err
		}
		etag, dev = aws.ToString(out.ETag), want
	}
	if l.live != nil && l.live.equal(dev) {
		return l.outputs(), nil
	}
	return f.publish(ctx, r, l.arn, etag)
}

func (f *Function) publish(ctx context.Context, r plan.Resource, arn, etag string) (provision.Outputs, error) {
	if _, err := f.api.PublishFunction(ctx, &sdk.PublishFunctionInput{Name: aws.String(r.Name), IfMatch: aws.String(etag)}); err != nil {
		return nil, err
	}
	return functionOutputs(arn, string(types.FunctionStageLive)), nil
}

// Delete implements provision.Provisioner. CloudFront refuses to delete a function a
// distribution still uses; that is transient during removal.
func (f *Function) Delete(ctx context.Context, env provision.Env, r plan.Resource) error {
	err := retryStaleETag(func() error {
		l, err := f.read(ctx, env, r, false)
		switch {
		case err != nil || l == nil:
			return err
		case !l.owned:
			return &provision.NotOwnedError{Kind: kindFunction, Name: r.Name}
		}
		_, err = f.api.DeleteFunction(ctx, &sdk.DeleteFunctionInput{Name: aws.String(r.Name), IfMatch: aws.String(l.etag)})
		var nf *types.NoSuchFunctionExists
		if errors.As(err, &nf) {
			return nil
		}
		return err
	})
	return edgeClassify(err, "delete", kindFunction, r.Name)
}

func functionOutputs(arn, stage string) provision.Outputs {
	return provision.Outputs{plan.AttrArn: arn, "Stage": stage}
}
