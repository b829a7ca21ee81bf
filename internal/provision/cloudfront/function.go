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

// NewFunction returns the provisioner of plan.KindCloudFrontFunction: the router, rendered
// by internal/edge for the app's KeyValueStore, associated with that store and published
// LIVE (a distribution can only use a LIVE function). It is found by name (r.Name), owned
// through tags, and carries OwnerMarker as its comment for people reading the console.
//
// The desired state is compared with the LIVE stage, which is what serves traffic: the
// code by SHA-256 of the rendered source, the runtime and the store association. The
// function is Ready when LIVE equals DEVELOPMENT (nothing unpublished). Create and
// Converge end by publishing, and start over from a fresh read when CloudFront answers
// that the ETag went stale.
func NewFunction(api FunctionAPI) provision.Provisioner {
	return provision.Adapt(provision.Kind[FunctionAPI, fnState, fnLive]{
		Clients: func(string) FunctionAPI { return api },
		Desired: func(_ context.Context, c *fnCall) (fnState, error) { return functionWant(c.Env, c.R) },
		Find:    readFunction,
		Owned:   func(_ *fnCall, l *fnLive) bool { return l.owned },
		// The stages' code is read here: Delete needs only the ETag.
		Diff: func(ctx context.Context, c *fnCall, l *fnLive) (provision.Diffs, error) {
			if err := readStages(ctx, c, l); err != nil {
				return nil, err
			}
			return l.diff(c.Props), nil
		},
		Ready:   (*fnLive).ready,
		Outputs: func(_ *fnCall, l *fnLive) provision.Outputs { return l.outputs() },
		Create:  func(ctx context.Context, c *fnCall) (provision.Outputs, error) { return applyFunction(ctx, c, nil) },
		Converge: func(ctx context.Context, c *fnCall, l *fnLive, _ provision.Diffs) (provision.Outputs, error) {
			return applyFunction(ctx, c, l)
		},
		// CloudFront refuses to delete a function a distribution still uses; that is
		// transient during removal, as edgeClassify says.
		Remove: func(ctx context.Context, c *fnCall, l *fnLive) error {
			err := againOnStaleETag(ctx, c, l, false, func(l *fnLive) error {
				if l == nil {
					return nil
				}
				_, err := c.API.DeleteFunction(ctx, &sdk.DeleteFunctionInput{Name: aws.String(c.R.Name), IfMatch: aws.String(l.etag)})
				var nf *types.NoSuchFunctionExists
				if errors.As(err, &nf) {
					return nil
				}
				return err
			})
			return edgeClassify(err, "delete", kindFunction, c.R.Name)
		},
		Classify: func(err error, op string, r plan.Resource) error { return edgeClassify(err, op, kindFunction, r.Name) },
	})
}

type fnCall = provision.Call[FunctionAPI, fnState]

const kindFunction = string(plan.KindCloudFrontFunction)

// applyFunction creates the function (l nil) or converges l, and publishes. A function
// whose DEVELOPMENT and LIVE stages both match costs no mutating call.
func applyFunction(ctx context.Context, c *fnCall, l *fnLive) (provision.Outputs, error) {
	var out provision.Outputs
	err := againOnStaleETag(ctx, c, l, true, func(l *fnLive) (err error) {
		if l == nil {
			out, err = createFunction(ctx, c)
		} else {
			out, err = convergeFunction(ctx, c, l)
		}
		return err
	})
	return out, edgeClassify(err, "update", kindFunction, c.R.Name)
}

// againOnStaleETag runs step on l and, while CloudFront answers PreconditionFailed (the
// function changed between the read and the write), on a fresh read (with both stages'
// code when stages), as retryStaleETag bounds it. A fresh read of a function berth does
// not own stops with c.NotOwned().
func againOnStaleETag(ctx context.Context, c *fnCall, l *fnLive, stages bool, step func(*fnLive) error) error {
	fresh := false
	return retryStaleETag(func() error {
		if fresh {
			var err error
			if l, err = readFunction(ctx, c); err != nil {
				return err
			}
			if l != nil && !l.owned {
				return c.NotOwned()
			}
			if l != nil && stages {
				if err := readStages(ctx, c, l); err != nil {
					return err
				}
			}
		}
		fresh = true
		return step(l)
	})
}

// createFunction makes the function and publishes it.
func createFunction(ctx context.Context, c *fnCall) (provision.Outputs, error) {
	out, err := c.API.CreateFunction(ctx, &sdk.CreateFunctionInput{
		Name:           aws.String(c.R.Name),
		FunctionConfig: c.Props.config(OwnerMarker(c.Env, c.R)),
		FunctionCode:   []byte(c.Props.code),
		Tags:           edgeTags(c.Env, c.R),
	})
	var exists *types.FunctionAlreadyExists
	if errors.As(err, &exists) {
		// Created since the read (a concurrent run, or a create whose answer was lost):
		// converge it on the next round, once its ETag is known.
		return nil, &provision.TransientError{Kind: kindFunction, Name: c.R.Name, Op: "create", Cause: err.Error()}
	}
	if err != nil {
		return nil, err
	}
	return publish(ctx, c, aws.ToString(out.FunctionSummary.FunctionMetadata.FunctionARN), aws.ToString(out.ETag))
}

// convergeFunction updates DEVELOPMENT when it differs from the desired state, then
// publishes whatever LIVE lacks.
func convergeFunction(ctx context.Context, c *fnCall, l *fnLive) (provision.Outputs, error) {
	etag, dev := l.etag, l.dev
	if !dev.equal(c.Props) {
		out, err := c.API.UpdateFunction(ctx, &sdk.UpdateFunctionInput{
			Name:           aws.String(c.R.Name),
			IfMatch:        aws.String(etag),
			FunctionConfig: c.Props.config(OwnerMarker(c.Env, c.R)),
			FunctionCode:   []byte(c.Props.code),
		})
		if err != nil {
			return nil, err
		}
		etag, dev = aws.ToString(out.ETag), c.Props
	}
	if l.live != nil && l.live.equal(dev) {
		return l.outputs(), nil
	}
	return publish(ctx, c, l.arn, etag)
}

func publish(ctx context.Context, c *fnCall, arn, etag string) (provision.Outputs, error) {
	if _, err := c.API.PublishFunction(ctx, &sdk.PublishFunctionInput{Name: aws.String(c.R.Name), IfMatch: aws.String(etag)}); err != nil {
		return nil, err
	}
	return functionOutputs(arn, string(types.FunctionStageLive)), nil
}

func functionOutputs(arn, stage string) provision.Outputs {
	return provision.Outputs{plan.AttrArn: arn, "Stage": stage}
}
