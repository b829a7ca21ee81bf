package cloudfront

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/cloudfront"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
	"github.com/berth-dev/berth/internal/provision/provtest"
)

func kvsResource(t *testing.T, comment string) plan.Resource {
	return edgeFakeResource(t, plan.IDKeyValueStore, plan.KindKeyValueStore, "berth-shop-prod-kvs", plan.KeyValueStoreProps{Comment: comment})
}

func TestKeyValueStoreLifecycleAgainstTheEdgeFake(t *testing.T) {
	r := newEdgeFakeRig(t)
	provtest.Lifecycle(t, provtest.Case{
		Provisioner:   NewKeyValueStore(func(string) KVSControlAPI { return r.cf }),
		Env:           edgeFakeEnv(nil),
		Calls:         r.calls,
		Initial:       kvsResource(t, "berth routes for shop/prod"),
		Updated:       kvsResource(t, "berth routes for shop/prod (v2)"),
		UpdatedFields: []string{"comment"},
		OutOfBand: func(ctx context.Context) error {
			d, err := r.rawCF.DescribeKeyValueStore(ctx, &sdk.DescribeKeyValueStoreInput{Name: aws.String("berth-shop-prod-kvs")})
			if err != nil {
				return err
			}
			_, err = r.rawCF.UpdateKeyValueStore(ctx, &sdk.UpdateKeyValueStoreInput{Name: aws.String("berth-shop-prod-kvs"), Comment: aws.String("edited in the console"), IfMatch: d.ETag})
			return err
		},
		DriftField: "comment",
	})
}

func TestKeyValueStoreNotOwnedAgainstTheEdgeFake(t *testing.T) {
	r := newEdgeFakeRig(t)
	provtest.NotOwned(t, NewKeyValueStore(func(string) KVSControlAPI { return r.cf }), edgeFakeEnv(nil), kvsResource(t, "c"), func(ctx context.Context) error {
		r.store(t, "berth-shop-prod-kvs", nil)
		return nil
	})
}

func TestKeyValueStoreOutputsAndCallsOfOneCreate(t *testing.T) {
	ctx := context.Background()
	r := newEdgeFakeRig(t)
	out, err := NewKeyValueStore(func(string) KVSControlAPI { return r.cf }).Create(ctx, edgeFakeEnv(nil), kvsResource(t, "c"))
	if err != nil {
		t.Fatal(err)
	}
	d, err := r.rawCF.DescribeKeyValueStore(ctx, &sdk.DescribeKeyValueStoreInput{Name: aws.String("berth-shop-prod-kvs")})
	if err != nil {
		t.Fatal(err)
	}
	if out[plan.AttrArn] != aws.ToString(d.KeyValueStore.ARN) || out[plan.AttrID] != aws.ToString(d.KeyValueStore.Id) {
		t.Fatalf("outputs %v, store %s / %s", out, aws.ToString(d.KeyValueStore.ARN), aws.ToString(d.KeyValueStore.Id))
	}
	s := r.calls.Summary()
	t.Logf("one KeyValueStore create: %d mutating, %d read: %v", s.Mutating, s.Read, opCounts(noCalls, s))
	if s.Mutating != 1 || s.Read != 1 {
		t.Fatalf("one create made %d mutating and %d read calls, want 1 and 1", s.Mutating, s.Read)
	}
}

func TestKeyValueStoreIsReadyOnlyOnceREADY(t *testing.T) {
	ctx := context.Background()
	r := newEdgeFakeRig(t)
	env, res := edgeFakeEnv(nil), kvsResource(t, "c")
	if _, err := NewKeyValueStore(func(string) KVSControlAPI { return r.cf }).Create(ctx, env, res); err != nil {
		t.Fatal(err)
	}
	// The fake turns a store READY as soon as it has been created; AWS takes a moment.
	for status, ready := range map[string]bool{"PROVISIONING": false, "READY": true} {
		obs, err := NewKeyValueStore(func(string) KVSControlAPI { return statusOverride{r.cf, status} }).Observe(ctx, env, res)
		if err != nil || obs.Ready != ready {
			t.Fatalf("status %s: ready=%v err=%v, want ready=%v", status, obs.Ready, err, ready)
		}
	}
	_, err := NewKeyValueStore(func(string) KVSControlAPI { return statusOverride{r.cf, "FAILED"} }).Observe(ctx, env, res)
	var re *provision.RejectedError
	if !errors.As(err, &re) {
		t.Fatalf("a FAILED store: %v, want *provision.RejectedError (polling would never end)", err)
	}
}

// statusOverride reports a fixed store status, which the fake cannot be made to hold.
type statusOverride struct {
	KVSControlAPI
	status string
}

func (s statusOverride) DescribeKeyValueStore(ctx context.Context, in *sdk.DescribeKeyValueStoreInput, opts ...func(*sdk.Options)) (*sdk.DescribeKeyValueStoreOutput, error) {
	out, err := s.KVSControlAPI.DescribeKeyValueStore(ctx, in, opts...)
	if err == nil {
		out.KeyValueStore.Status = aws.String(s.status)
	}
	return out, err
}

func TestKeyValueStoreInUseByTheRouterIsTransientOnDelete(t *testing.T) {
	ctx := context.Background()
	r := newEdgeFakeRig(t)
	env := edgeFakeEnv(nil)
	res := kvsResource(t, "c")
	out, err := NewKeyValueStore(func(string) KVSControlAPI { return r.cf }).Create(ctx, env, res)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.rawCF.CreateFunction(ctx, &sdk.CreateFunctionInput{Name: aws.String("router"), FunctionCode: []byte("x"),
		FunctionConfig: fnStateFor(out[plan.AttrArn]).config("test")}); err != nil {
		t.Fatal(err)
	}
	err = NewKeyValueStore(func(string) KVSControlAPI { return r.cf }).Delete(ctx, env, res)
	var te *provision.TransientError
	if !errors.As(err, &te) {
		t.Fatalf("delete of a store the router uses: %v, want *provision.TransientError", err)
	}
}

func TestKeyValueStoreDeleteRetriesAStaleETag(t *testing.T) {
	ctx := context.Background()
	r := newEdgeFakeRig(t)
	env, res := edgeFakeEnv(nil), kvsResource(t, "c")
	if _, err := NewKeyValueStore(func(string) KVSControlAPI { return r.cf }).Create(ctx, env, res); err != nil {
		t.Fatal(err)
	}
	r.fake.InjectConcurrentWrite()
	if err := NewKeyValueStore(func(string) KVSControlAPI { return r.cf }).Delete(ctx, env, res); err != nil {
		t.Fatalf("delete after a concurrent modification: %v", err)
	}
	if n := opCounts(noCalls, r.calls.Summary())["CloudFront:DeleteKeyValueStore"]; n != 2 {
		t.Fatalf("DeleteKeyValueStore called %d times, want 2 (stale ETag, then fresh)", n)
	}
}
