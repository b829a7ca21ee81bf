package cloudfront

// KVSWriter writes berth's route table (one CloudFront KeyValueStore key per route, see
// internal/edge) through the KeyValueStore data plane, and proves every write by reading
// it back: routes that silently go missing after a "successful" deploy are the failure
// it exists to prevent.
//
// Writes use the data plane's own optimistic lock: the ETag from its
// DescribeKeyValueStore (not the CloudFront control plane's ETag of the same store) is
// sent as IfMatch. Sync reads that ETag before listing the store, so an UpdateKeys that
// succeeds proves the listing it was computed from was current. A ConflictException
// (another writer got in between) restarts from a fresh describe and listing, a bounded
// number of times.

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfrontkeyvaluestore"

	"github.com/berth-dev/berth/internal/edge"
	"github.com/berth-dev/berth/internal/provision"
)

// KVSDataAPI is the part of the cloudfront-keyvaluestore client berth uses;
// *cloudfrontkeyvaluestore.Client satisfies it. That client signs with SigV4A.
type KVSDataAPI interface {
	DescribeKeyValueStore(ctx context.Context, in *cloudfrontkeyvaluestore.DescribeKeyValueStoreInput, opts ...func(*cloudfrontkeyvaluestore.Options)) (*cloudfrontkeyvaluestore.DescribeKeyValueStoreOutput, error)
	ListKeys(ctx context.Context, in *cloudfrontkeyvaluestore.ListKeysInput, opts ...func(*cloudfrontkeyvaluestore.Options)) (*cloudfrontkeyvaluestore.ListKeysOutput, error)
	GetKey(ctx context.Context, in *cloudfrontkeyvaluestore.GetKeyInput, opts ...func(*cloudfrontkeyvaluestore.Options)) (*cloudfrontkeyvaluestore.GetKeyOutput, error)
	UpdateKeys(ctx context.Context, in *cloudfrontkeyvaluestore.UpdateKeysInput, opts ...func(*cloudfrontkeyvaluestore.Options)) (*cloudfrontkeyvaluestore.UpdateKeysOutput, error)
}

// Limits of a KeyValueStore and of the data-plane API.
const (
	// MaxStoreBytes is the store's total size quota (keys plus values).
	MaxStoreBytes = 5 * 1024 * 1024
	// MaxBatchKeys and MaxBatchBytes bound one UpdateKeys call (puts plus deletes; AWS
	// quota: 50 keys or a 3 MB payload, whichever comes first).
	MaxBatchKeys  = 50
	MaxBatchBytes = 3 * 1024 * 1024
	// listPage is the largest ListKeys page AWS serves.
	listPage = 50
	// DefaultAttempts bounds the describe → list → write rounds of one Sync when other
	// writers keep changing the store.
	DefaultAttempts = 5
)

// KVSWriter writes route tables into KeyValueStores.
type KVSWriter struct {
	client KVSDataAPI
	// Attempts bounds retries after a ConflictException.
	Attempts int
}

// NewKVSWriter returns a writer using client.
func NewKVSWriter(client KVSDataAPI) *KVSWriter {
	return &KVSWriter{client: client, Attempts: DefaultAttempts}
}

// SyncResult is what Sync did.
type SyncResult struct {
	Puts      int    `json:"puts"`      // keys written (new or changed)
	Deletes   int    `json:"deletes"`   // keys removed
	Unchanged int    `json:"unchanged"` // desired keys already right
	ETag      string `json:"etag"`      // the store's data-plane ETag afterwards
}

// Sync makes the store at kvsARN hold exactly desired (key → value): it writes new and
// changed keys, deletes keys not desired, then reads back and returns
// *RouteMismatchError if the store differs. When the store already matches, it makes no
// mutating call. New and changed keys are written before any key is deleted, so a route
// moving from one key to another is never absent in between.
func (w *KVSWriter) Sync(ctx context.Context, kvsARN string, desired map[string]string) (SyncResult, error) {
	return w.syncFrom(ctx, kvsARN, desired, nil)
}

// syncFrom is Sync starting from snap, the store as its caller last read it (nil: read
// it now); a conflict reads it again.
func (w *KVSWriter) syncFrom(ctx context.Context, kvsARN string, desired map[string]string, snap *kvsSnapshot) (SyncResult, error) {
	if err := validate(desired); err != nil {
		return SyncResult{}, err
	}
	put, del := map[string]bool{}, map[string]bool{}
	for attempt := 1; ; attempt++ {
		if snap == nil {
			s, err := w.snapshot(ctx, kvsARN)
			if err != nil {
				return SyncResult{}, err
			}
			snap = &s
		}
		puts, deletes := diff(desired, snap.entries)
		if len(puts)+len(deletes) == 0 {
			// The listing just compared every key at this ETag: nothing to read back.
			return result(desired, put, del, snap.etag), nil
		}
		etag, err := w.apply(ctx, kvsARN, snap.etag, batches(puts, deletes), put, del)
		switch {
		case isConflict(err) && attempt < w.Attempts:
			snap = nil
			continue
		case isConflict(err):
			return SyncResult{}, conflictsExhausted(kvsARN, attempt)
		case err != nil:
			return SyncResult{}, kvsClassify(err, "UpdateKeys", kvsARN)
		}
		want := map[string]string{}
		for _, p := range puts {
			want[p.key] = p.value
		}
		for _, k := range deletes {
			want[k] = ""
		}
		if err := w.verify(ctx, kvsARN, desired, want); err != nil {
			return SyncResult{}, err
		}
		return result(desired, put, del, etag), nil
	}
}

func result(desired map[string]string, put, del map[string]bool, etag string) SyncResult {
	return SyncResult{Puts: len(put), Deletes: len(del), Unchanged: len(desired) - len(put), ETag: etag}
}

// validate refuses, before any call, a table the store can never hold: nothing is
// written rather than part of it.
func validate(desired map[string]string) error {
	total := 0
	for k, v := range desired {
		switch {
		case k == "":
			return &InvalidRouteError{Key: k, Problem: "empty key"}
		case len(k) > edge.MaxKeyBytes:
			return &InvalidRouteError{Key: k, Problem: fmt.Sprintf("key is %d bytes, a KeyValueStore key is at most %d", len(k), edge.MaxKeyBytes)}
		case v == "":
			return &InvalidRouteError{Key: k, Problem: "empty value"}
		case len(v) > edge.MaxValueBytes:
			return &InvalidRouteError{Key: k, Problem: fmt.Sprintf("value is %d bytes, a KeyValueStore value is at most %d", len(v), edge.MaxValueBytes)}
		}
		total += len(k) + len(v)
	}
	if total > MaxStoreBytes {
		return &InvalidRouteError{Problem: fmt.Sprintf("%d routes take %d bytes, a KeyValueStore holds at most %d", len(desired), total, MaxStoreBytes)}
	}
	return nil
}

// kvsSnapshot is a store's data-plane ETag and every entry, listed after it: a write
// conditioned on that ETag that succeeds proves the listing was current.
type kvsSnapshot struct {
	etag    string
	entries map[string]string
}

// snapshot reads the store's kvsSnapshot.
func (w *KVSWriter) snapshot(ctx context.Context, arn string) (kvsSnapshot, error) {
	etag, err := w.etag(ctx, arn)
	if err != nil {
		return kvsSnapshot{}, err
	}
	entries, err := w.list(ctx, arn)
	return kvsSnapshot{etag: etag, entries: entries}, err
}

// etag returns the data-plane ETag of a store that can take writes.
func (w *KVSWriter) etag(ctx context.Context, arn string) (string, error) {
	out, err := w.client.DescribeKeyValueStore(ctx, &cloudfrontkeyvaluestore.DescribeKeyValueStoreInput{KvsARN: aws.String(arn)})
	if err != nil {
		return "", kvsClassify(err, "DescribeKeyValueStore", arn)
	}
	switch st := aws.ToString(out.Status); st {
	case "", "READY":
		return aws.ToString(out.ETag), nil
	case "PROVISIONING":
		return "", &provision.TransientError{Kind: kindRouteTable, Name: arn, Op: "write routes", Cause: "the KeyValueStore is still PROVISIONING"}
	default:
		return "", &provision.RejectedError{Kind: kindRouteTable, Name: arn, Op: "write routes", Cause: fmt.Sprintf("the KeyValueStore is %s: %s", st, aws.ToString(out.FailureReason))}
	}
}

// list reads every entry of the store.
func (w *KVSWriter) list(ctx context.Context, arn string) (map[string]string, error) {
	got := map[string]string{}
	p := cloudfrontkeyvaluestore.NewListKeysPaginator(w.client, &cloudfrontkeyvaluestore.ListKeysInput{KvsARN: aws.String(arn), MaxResults: aws.Int32(listPage)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, kvsClassify(err, "ListKeys", arn)
		}
		for _, it := range out.Items {
			got[aws.ToString(it.Key)] = aws.ToString(it.Value)
		}
	}
	return got, nil
}

// apply sends the batches in order, each with the ETag the previous one returned, and
// records what was applied in put and del. It returns the final ETag.
func (w *KVSWriter) apply(ctx context.Context, arn, etag string, bs []batch, put, del map[string]bool) (string, error) {
	for _, b := range bs {
		out, err := w.client.UpdateKeys(ctx, b.input(arn, etag))
		if err != nil {
			return "", err
		}
		etag = aws.ToString(out.ETag)
		for _, p := range b.puts {
			put[p.key] = true
		}
		for _, k := range b.deletes {
			del[k] = true
		}
	}
	return etag, nil
}
