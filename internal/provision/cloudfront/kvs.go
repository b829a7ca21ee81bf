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

// KeyValueStore provisions plan.KindKeyValueStore: the store holding one key per route.
// It is found by name (r.Name) and owned through tags: CloudFront tags KeyValueStores
// like distributions (CreateKeyValueStore Tags, ListTagsForResource on the store ARN).
type KeyValueStore struct{ api KVSControlAPI }

// NewKeyValueStore returns the provisioner for plan.KindKeyValueStore.
func NewKeyValueStore(api KVSControlAPI) *KeyValueStore { return &KeyValueStore{api: api} }

const kindKVS = string(plan.KindKeyValueStore)

// kvsLive is a store that exists, as read.
type kvsLive struct {
	store *types.KeyValueStore
	etag  string // control-plane ETag (the data plane has its own)
	owned bool
}

func kvsProps(r plan.Resource) (plan.KeyValueStoreProps, error) {
	return provision.Decode[plan.KeyValueStoreProps](r)
}

// Observe implements provision.Provisioner. Ready once the store is READY.
func (k *KeyValueStore) Observe(ctx context.Context, env provision.Env, r plan.Resource) (provision.Observation, error) {
	p, err := kvsProps(r)
	if err != nil {
		return provision.Observation{}, err
	}
	l, err := k.read(ctx, env, r)
	if err != nil || l == nil {
		return provision.Observation{}, err
	}
	if !l.owned {
		return notOwnedObservation(env, r, "no berth tags on "+aws.ToString(l.store.ARN)), nil
	}
	status := aws.ToString(l.store.Status)
	if status == "FAILED" {
		// A failed store never becomes READY: stop the state machine's polling.
		return provision.Observation{}, &provision.RejectedError{Kind: kindKVS, Name: r.Name, Op: "observe", Cause: "the KeyValueStore is FAILED"}
	}
	obs := provision.Observation{Exists: true, Ready: status == "READY", Outputs: kvsOutputs(l.store)}
	obs.Diff = addDiff(obs.Diff, "comment", p.Comment, aws.ToString(l.store.Comment))
	return obs, nil
}

// Create implements provision.Provisioner.
func (k *KeyValueStore) Create(ctx context.Context, env provision.Env, r plan.Resource) (provision.Outputs, error) {
	return k.apply(ctx, env, r)
}

// Update implements provision.Provisioner. A missing store is created.
func (k *KeyValueStore) Update(ctx context.Context, env provision.Env, r plan.Resource) (provision.Outputs, error) {
	return k.apply(ctx, env, r)
}

// apply creates the store, or brings an owned one's comment up to date; an identical
// store costs no mutating call.
func (k *KeyValueStore) apply(ctx context.Context, env provision.Env, r plan.Resource) (provision.Outputs, error) {
	p, err := kvsProps(r)
	if err != nil {
		return nil, err
	}
	var out provision.Outputs
	err = retryStaleETag(func() error {
		l, err := k.read(ctx, env, r)
		switch {
		case err != nil:
			return err
		case l == nil:
			out, err = k.create(ctx, env, r, p)
			return err
		case !l.owned:
			return &provision.NotOwnedError{Kind: kindKVS, Name: r.Name}
		case aws.ToString(l.store.Comment) == p.Comment:
			out = kvsOutputs(l.store)
			return nil
		}
		up, err := k.api.UpdateKeyValueStore(ctx, &sdk.UpdateKeyValueStoreInput{Name: aws.String(r.Name), Comment: aws.String(p.Comment), IfMatch: aws.String(l.etag)})
		if err != nil {
			return err
		}
		out = kvsOutputs(up.KeyValueStore)
		return nil
	})
	return out, edgeClassify(err, "update", kindKVS, r.Name)
}

func (k *KeyValueStore) create(ctx context.Context, env provision.Env, r plan.Resource, p plan.KeyValueStoreProps) (provision.Outputs, error) {
	out, err := k.api.CreateKeyValueStore(ctx, &sdk.CreateKeyValueStoreInput{
		Name: aws.String(r.Name), Comment: aws.String(p.Comment), Tags: edgeTags(env, r),
	})
	if err != nil {
		return nil, edgeClassify(err, "create", kindKVS, r.Name)
	}
	return kvsOutputs(out.KeyValueStore), nil
}

// Delete implements provision.Provisioner. CloudFront refuses to delete a store a function
// still uses; that is transient during removal (the router goes first).
func (k *KeyValueStore) Delete(ctx context.Context, env provision.Env, r plan.Resource) error {
	err := retryStaleETag(func() error {
		l, err := k.read(ctx, env, r)
		switch {
		case err != nil || l == nil:
			return err
		case !l.owned:
			return &provision.NotOwnedError{Kind: kindKVS, Name: r.Name}
		}
		_, err = k.api.DeleteKeyValueStore(ctx, &sdk.DeleteKeyValueStoreInput{Name: aws.String(r.Name), IfMatch: aws.String(l.etag)})
		var nf *types.EntityNotFound
		if errors.As(err, &nf) {
			return nil
		}
		return err
	})
	return edgeClassify(err, "delete", kindKVS, r.Name)
}

// read returns the store named r.Name, or nil when there is none.
func (k *KeyValueStore) read(ctx context.Context, env provision.Env, r plan.Resource) (*kvsLive, error) {
	out, err := k.api.DescribeKeyValueStore(ctx, &sdk.DescribeKeyValueStoreInput{Name: aws.String(r.Name)})
	var nf *types.EntityNotFound
	if errors.As(err, &nf) {
		return nil, nil
	}
	if err != nil {
		return nil, edgeClassify(err, "describe", kindKVS, r.Name)
	}
	owned, err := edgeOwned(ctx, k.api, env, r, kindKVS, aws.ToString(out.KeyValueStore.ARN))
	if err != nil {
		return nil, err
	}
	return &kvsLive{store: out.KeyValueStore, etag: aws.ToString(out.ETag), owned: owned}, nil
}

func kvsOutputs(s *types.KeyValueStore) provision.Outputs {
	return provision.Outputs{plan.AttrArn: aws.ToString(s.ARN), plan.AttrID: aws.ToString(s.Id), plan.AttrName: aws.ToString(s.Name)}
}
