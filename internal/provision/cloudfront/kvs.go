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

// KVSControlAPI is the part of the CloudFront control plane the KeyValueStore and route
// provisioners call. *cloudfront.Client satisfies it.
type KVSControlAPI interface {
	CreateKeyValueStore(ctx context.Context, in *sdk.CreateKeyValueStoreInput, optFns ...func(*sdk.Options)) (*sdk.CreateKeyValueStoreOutput, error)
	DescribeKeyValueStore(ctx context.Context, in *sdk.DescribeKeyValueStoreInput, optFns ...func(*sdk.Options)) (*sdk.DescribeKeyValueStoreOutput, error)
	UpdateKeyValueStore(ctx context.Context, in *sdk.UpdateKeyValueStoreInput, optFns ...func(*sdk.Options)) (*sdk.UpdateKeyValueStoreOutput, error)
	DeleteKeyValueStore(ctx context.Context, in *sdk.DeleteKeyValueStoreInput, optFns ...func(*sdk.Options)) (*sdk.DeleteKeyValueStoreOutput, error)
	ListTagsForResource(ctx context.Context, in *sdk.ListTagsForResourceInput, optFns ...func(*sdk.Options)) (*sdk.ListTagsForResourceOutput, error)
}

// NewKeyValueStore returns the provisioner of plan.KindKeyValueStore: the store holding
// one key per route. It is found by name (r.Name) and owned through tags: CloudFront tags
// KeyValueStores like distributions (CreateKeyValueStore Tags, ListTagsForResource on
// the store ARN). Writes carry the control-plane ETag (the data plane has its own), read
// again when a concurrent change made it stale.
func NewKeyValueStore(clients func(region string) KVSControlAPI) provision.Provisioner {
	return provision.Adapt(provision.Kind[KVSControlAPI, plan.KeyValueStoreProps, kvsLive]{
		Clients: clients,
		Find:    func(ctx context.Context, c *kvsCall) (*kvsLive, error) { return readKVS(ctx, c) },
		Owned:   func(_ *kvsCall, l *kvsLive) bool { return l.owned },
		Diff: func(_ context.Context, c *kvsCall, l *kvsLive) (provision.Diffs, error) {
			if aws.ToString(l.store.Status) == "FAILED" {
				// A failed store never becomes READY: stop the state machine's polling.
				return nil, &provision.RejectedError{Kind: kindKVS, Name: c.R.Name, Op: "observe", Cause: "the KeyValueStore is FAILED"}
			}
			return addDiff(nil, "comment", c.Props.Comment, aws.ToString(l.store.Comment)), nil
		},
		Ready:   func(l *kvsLive) bool { return aws.ToString(l.store.Status) == "READY" },
		Outputs: func(_ *kvsCall, l *kvsLive) provision.Outputs { return kvsOutputs(l.store) },
		Create: func(ctx context.Context, c *kvsCall) (provision.Outputs, error) {
			out, err := c.API.CreateKeyValueStore(ctx, &sdk.CreateKeyValueStoreInput{
				Name: aws.String(c.R.Name), Comment: aws.String(c.Props.Comment), Tags: edgeTags(c.Env, c.R),
			})
			if err != nil {
				return nil, err
			}
			return kvsOutputs(out.KeyValueStore), nil
		},
		Converge: func(ctx context.Context, c *kvsCall, l *kvsLive, _ provision.Diffs) (provision.Outputs, error) {
			var out provision.Outputs
			err := withKVSETag(ctx, c, l, func(etag string) error {
				up, err := c.API.UpdateKeyValueStore(ctx, &sdk.UpdateKeyValueStoreInput{Name: aws.String(c.R.Name), Comment: aws.String(c.Props.Comment), IfMatch: aws.String(etag)})
				if err == nil {
					out = kvsOutputs(up.KeyValueStore)
				}
				return err
			})
			return out, err
		},
		// CloudFront refuses to delete a store a function still uses; that is transient
		// during removal (the router goes first), as edgeClassify says.
		Remove: func(ctx context.Context, c *kvsCall, l *kvsLive) error {
			return withKVSETag(ctx, c, l, func(etag string) error {
				_, err := c.API.DeleteKeyValueStore(ctx, &sdk.DeleteKeyValueStoreInput{Name: aws.String(c.R.Name), IfMatch: aws.String(etag)})
				return ignoreEntityNotFound(err)
			})
		},
		Classify: func(err error, op string, r plan.Resource) error { return edgeClassify(err, op, kindKVS, r.Name) },
	})
}

type kvsCall = provision.Call[KVSControlAPI, plan.KeyValueStoreProps]

const kindKVS = string(plan.KindKeyValueStore)

// kvsLive is a store that exists, as read.
type kvsLive struct {
	store *types.KeyValueStore
	etag  string // control-plane ETag (the data plane has its own)
	owned bool
}

// withKVSETag runs write with l's ETag, and again with a fresh one when it was stale.
func withKVSETag(ctx context.Context, c *kvsCall, l *kvsLive, write func(etag string) error) error {
	etag := l.etag
	return retryStaleETag(func() error {
		err := write(etag)
		if provision.ErrorCode(err) == "PreconditionFailed" {
			fresh, rerr := readKVS(ctx, c)
			if rerr != nil || fresh == nil {
				return errors.Join(err, rerr)
			}
			etag = fresh.etag
		}
		return err
	})
}

// readKVS returns the store named c.R.Name, or nil when there is none.
func readKVS(ctx context.Context, c *kvsCall) (*kvsLive, error) {
	out, err := c.API.DescribeKeyValueStore(ctx, &sdk.DescribeKeyValueStoreInput{Name: aws.String(c.R.Name)})
	if err = ignoreEntityNotFound(err); err != nil || out == nil {
		return nil, err
	}
	owned, err := edgeOwned(ctx, c.API, c.Env, c.R, kindKVS, aws.ToString(out.KeyValueStore.ARN))
	if err != nil {
		return nil, err
	}
	return &kvsLive{store: out.KeyValueStore, etag: aws.ToString(out.ETag), owned: owned}, nil
}

// ignoreEntityNotFound is nil for CloudFront's "no such entity", err otherwise.
func ignoreEntityNotFound(err error) error {
	var nf *types.EntityNotFound
	if errors.As(err, &nf) {
		return nil
	}
	return err
}

func kvsOutputs(s *types.KeyValueStore) provision.Outputs {
	return provision.Outputs{plan.AttrArn: aws.ToString(s.ARN), plan.AttrID: aws.ToString(s.Id), plan.AttrName: aws.ToString(s.Name)}
}
