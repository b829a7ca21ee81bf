package cloudfront

import (
	"context"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfrontkeyvaluestore"
)

// verify reads back after a write. written maps every key this round put (to its value)
// or deleted (to ""). Keys not written were compared by the listing the write was based
// on, at the ETag the write was conditioned on.
//
// It reads whichever way costs fewer calls: one GetKey per written key (a small change),
// or one full listing compared against all of desired (a large one, e.g. a first deploy of
// thousands of routes: 40 pages instead of 2,000 GetKeys); the full listing also re-checks
// every unchanged key.
//
// What this proves is the store as the KeyValueStore API holds it, not what every edge
// location serves yet: edge locations pick changes up between invocations, seconds to tens
// of seconds later (CloudFront Developer Guide, kvs-with-functions-kvp). A real-account
// check that traffic moved polls CloudFront itself.
func (w *KVSWriter) verify(ctx context.Context, arn string, desired, written map[string]string) error {
	pages := len(desired)/listPage + 1
	if len(written) <= pages {
		return w.verifyKeys(ctx, arn, written)
	}
	got, err := w.list(ctx, arn)
	if err != nil {
		return err
	}
	return mismatch(arn, desired, got)
}

// verifyKeys reads each key of want with GetKey; want[k] == "" means k must be absent.
func (w *KVSWriter) verifyKeys(ctx context.Context, arn string, want map[string]string) error {
	got := map[string]string{}
	for k := range want {
		v, err := w.get(ctx, arn, k)
		if err != nil {
			return err
		}
		if v != "" {
			got[k] = v
		}
	}
	return mismatch(arn, want, got)
}

// get returns the value of key, "" when the key is absent.
func (w *KVSWriter) get(ctx context.Context, arn, key string) (string, error) {
	out, err := w.client.GetKey(ctx, &cloudfrontkeyvaluestore.GetKeyInput{KvsARN: aws.String(arn), Key: aws.String(key)})
	switch {
	case isNotFound(err):
		return "", nil
	case err != nil:
		return "", kvsClassify(err, "GetKey", arn)
	}
	return aws.ToString(out.Value), nil
}

// mismatch compares want (absent keys as "") with got over the keys of both, and returns
// *RouteMismatchError naming the first difference, or nil.
func mismatch(arn string, want, got map[string]string) error {
	var bad []string
	for k, v := range want {
		if got[k] != v {
			bad = append(bad, k)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			bad = append(bad, k)
		}
	}
	if len(bad) == 0 {
		return nil
	}
	sort.Strings(bad)
	k := bad[0]
	return &RouteMismatchError{Store: arn, Key: k, Want: want[k], Got: got[k], More: len(bad) - 1}
}
