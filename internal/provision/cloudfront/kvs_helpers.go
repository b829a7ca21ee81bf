package cloudfront

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// Helpers shared by the router function, KeyValueStore and route provisioners.

// tagLister reads CloudFront tags; the function, store and route provisioners all need it.
type tagLister interface {
	ListTagsForResource(ctx context.Context, in *sdk.ListTagsForResourceInput, optFns ...func(*sdk.Options)) (*sdk.ListTagsForResourceOutput, error)
}

// edgeTags are the ownership tags in CloudFront's shape.
func edgeTags(env provision.Env, r plan.Resource) *types.Tags {
	t := &types.Tags{}
	for _, k := range []string{provision.TagApp, provision.TagStage, provision.TagResource} {
		t.Items = append(t.Items, types.Tag{Key: aws.String(k), Value: aws.String(provision.Tags(env, r)[k])})
	}
	return t
}

// edgeResourceTags returns the tags of a CloudFront function or KeyValueStore ARN.
func edgeResourceTags(ctx context.Context, api tagLister, arn string) (map[string]string, error) {
	out, err := api.ListTagsForResource(ctx, &sdk.ListTagsForResourceInput{Resource: aws.String(arn)})
	if err != nil {
		return nil, err
	}
	m := map[string]string{}
	if out.Tags != nil {
		for _, t := range out.Tags.Items {
			m[aws.ToString(t.Key)] = aws.ToString(t.Value)
		}
	}
	return m, nil
}

// edgeOwned reports whether the CloudFront function or KeyValueStore at arn carries r's
// ownership tags.
func edgeOwned(ctx context.Context, api tagLister, env provision.Env, r plan.Resource, kind, arn string) (bool, error) {
	tags, err := edgeResourceTags(ctx, api, arn)
	if err != nil {
		return false, edgeClassify(err, "read tags", kind, r.Name)
	}
	return provision.Owned(env, r, tags), nil
}

// staleETagAttempts bounds read-then-write rounds that lose to a concurrent writer.
const staleETagAttempts = 3

// retryStaleETag runs fn (read the current ETag, then write with IfMatch) again when
// CloudFront answers PreconditionFailed: the resource changed between the read and the
// write, and the next read gets the new ETag. The last error is returned as is.
func retryStaleETag(fn func() error) error {
	var err error
	for i := 0; i < staleETagAttempts; i++ {
		if err = fn(); provision.ErrorCode(err) != "PreconditionFailed" {
			return err
		}
	}
	return err
}

// edgeClassify is provision.Classify, plus the "still in use" refusals that clear by
// themselves during removal (a distribution releasing the router, the router releasing
// the store): those are transient, not terminal.
func edgeClassify(err error, op, kind, name string) error {
	switch code := provision.ErrorCode(err); code {
	case "FunctionInUse", "CannotDeleteEntityWhileInUse":
		return &provision.TransientError{Kind: kind, Name: name, Op: op, Cause: fmt.Sprintf("%s: %v", code, err)}
	}
	return provision.Classify(err, op, kind, name)
}
