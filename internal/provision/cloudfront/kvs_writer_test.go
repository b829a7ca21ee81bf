package cloudfront

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfrontkeyvaluestore"

	"github.com/berth-dev/berth/internal/awscalls"
	"github.com/berth-dev/berth/internal/edge"
	"github.com/berth-dev/berth/internal/fakes/cloudfrontedge"
	"github.com/berth-dev/berth/internal/provision"
)

// No emulator serves the KeyValueStore data plane, so these tests run the real SDK client
// (SigV4A and all) against the HTTP-level fake in internal/fakes/cloudfrontedge.

type rig struct {
	fake   *cloudfrontedge.Server
	client *cloudfrontkeyvaluestore.Client // counted in calls
	raw    *cloudfrontkeyvaluestore.Client // not counted, for the tests' own reads
	calls  *awscalls.Counter
	arn    string
	w      *KVSWriter
}

func newRig(tb testing.TB) *rig {
	tb.Helper()
	fake := cloudfrontedge.Start()
	tb.Cleanup(fake.Close)
	cfg := fake.AWSConfig("us-east-1")
	st, err := cloudfront.NewFromConfig(cfg).CreateKeyValueStore(context.Background(), &cloudfront.CreateKeyValueStoreInput{Name: aws.String("routes")})
	if err != nil {
		tb.Fatal(err)
	}
	raw := cloudfrontkeyvaluestore.NewFromConfig(cfg)
	calls := awscalls.New()
	calls.Attach(&cfg)
	client := cloudfrontkeyvaluestore.NewFromConfig(cfg)
	return &rig{fake: fake, client: client, raw: raw, calls: calls, arn: aws.ToString(st.KeyValueStore.ARN), w: NewKVSWriter(client)}
}

// ops returns how many calls of each operation the writer made so far.
func (r *rig) ops() map[string]int {
	m := map[string]int{}
	for _, op := range r.calls.Summary().Ops {
		m[op.Operation] = op.Count
	}
	return m
}

func (r *rig) mutating() int { return r.calls.Summary().Mutating }

// stored lists the store with the raw client.
func (r *rig) stored(tb testing.TB) map[string]string {
	tb.Helper()
	got, err := NewKVSWriter(r.raw).list(context.Background(), r.arn)
	if err != nil {
		tb.Fatal(err)
	}
	return got
}

func lambdaValue(tb testing.TB, container, id string) string {
	tb.Helper()
	v, err := edge.EncodeValue(edge.RouteValue{Container: container, Target: edge.TargetLambda, Domain: id + ".lambda-url.us-east-1.on.aws"})
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

// routes returns n distinct routes.
func routes(tb testing.TB, n int) map[string]string {
	m := map[string]string{}
	for i := 0; i < n; i++ {
		m[fmt.Sprintf("/svc%04d/*", i)] = lambdaValue(tb, fmt.Sprintf("c%d", i), fmt.Sprintf("u%04d", i))
	}
	return m
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if bv, ok := b[k]; !ok || bv != v {
			return false
		}
	}
	return true
}

func TestSyncWritesANewTable(t *testing.T) {
	r := newRig(t)
	want := map[string]string{"/api/*": lambdaValue(t, "api", "abc"), "/*": lambdaValue(t, "web", "def")}
	res, err := r.w.Sync(context.Background(), r.arn, want)
	if err != nil {
		t.Fatal(err)
	}
	if res.Puts != 2 || res.Deletes != 0 || res.Unchanged != 0 || res.ETag == "" {
		t.Fatalf("result = %+v", res)
	}
	if got := r.stored(t); !equalMaps(got, want) {
		t.Fatalf("store holds %v, want %v", got, want)
	}
	// Two written keys on a store of two: one listing page reads them back more cheaply
	// than two GetKeys.
	if ops := r.ops(); ops["UpdateKeys"] != 1 || ops["ListKeys"] != 2 || ops["GetKey"] != 0 {
		t.Fatalf("calls = %v, want 1 UpdateKeys between two one-page listings", ops)
	}
}

func TestSyncChangesAndDeletesOnlyWhatDiffers(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	first := map[string]string{"/a/*": lambdaValue(t, "a", "one"), "/b/*": lambdaValue(t, "b", "two"), "/c/*": lambdaValue(t, "c", "three")}
	if _, err := r.w.Sync(ctx, r.arn, first); err != nil {
		t.Fatal(err)
	}
	second := map[string]string{"/a/*": first["/a/*"], "/b/*": lambdaValue(t, "b", "moved"), "/d/*": lambdaValue(t, "d", "four")}
	res, err := r.w.Sync(ctx, r.arn, second)
	if err != nil {
		t.Fatal(err)
	}
	if res.Puts != 2 || res.Deletes != 1 || res.Unchanged != 1 {
		t.Fatalf("result = %+v, want 2 puts, 1 delete, 1 unchanged", res)
	}
	if got := r.stored(t); !equalMaps(got, second) {
		t.Fatalf("store holds %v, want %v", got, second)
	}
	res, err = r.w.Sync(ctx, r.arn, map[string]string{})
	if err != nil || res.Deletes != 3 || len(r.stored(t)) != 0 {
		t.Fatalf("sync to an empty table: %+v, %v; store %v", res, err, r.stored(t))
	}
}

func TestSyncOfAnUnchangedTableMakesNoMutatingCall(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	want := routes(t, 120)
	if _, err := r.w.Sync(ctx, r.arn, want); err != nil {
		t.Fatal(err)
	}
	before, ops := r.mutating(), r.ops()
	res, err := r.w.Sync(ctx, r.arn, want)
	if err != nil {
		t.Fatal(err)
	}
	if n := r.mutating() - before; n != 0 {
		t.Fatalf("no-op sync made %d mutating calls", n)
	}
	after := r.ops()
	if got := after["GetKey"] - ops["GetKey"]; got != 0 {
		t.Fatalf("no-op sync made %d GetKey calls; the listing already compared every key", got)
	}
	if res.Puts != 0 || res.Deletes != 0 || res.Unchanged != 120 {
		t.Fatalf("result = %+v", res)
	}
}

// AWS has been seen answering a stale If-Match two ways (see cloudfrontedge.StaleAnswer);
// berth must re-read and retry on either.
func TestSyncRetriesAfterAConcurrentWrite(t *testing.T) {
	for _, answer := range cloudfrontedge.StaleAnswers {
		t.Run("stale ETag answered with "+answer.String(), func(t *testing.T) {
			r := newRig(t)
			r.fake.StaleData = answer
			r.fake.InjectConcurrentWrite()
			want := map[string]string{"/api/*": lambdaValue(t, "api", "abc")}
			res, err := r.w.Sync(context.Background(), r.arn, want)
			if err != nil {
				t.Fatal(err)
			}
			if ops := r.ops(); ops["UpdateKeys"] != 2 || ops["DescribeKeyValueStore"] != 2 {
				t.Fatalf("calls = %v, want the conflicting UpdateKeys retried once after a fresh describe", ops)
			}
			if res.Puts != 1 || !equalMaps(r.stored(t), want) {
				t.Fatalf("result %+v, store %v", res, r.stored(t))
			}
		})
	}
}

func TestSyncGivesUpAfterBoundedConflicts(t *testing.T) {
	for _, answer := range cloudfrontedge.StaleAnswers {
		t.Run("stale ETag answered with "+answer.String(), func(t *testing.T) {
			r := newRig(t)
			r.fake.StaleData = answer
			for i := 0; i < DefaultAttempts; i++ {
				r.fake.InjectConcurrentWrite()
			}
			_, err := r.w.Sync(context.Background(), r.arn, map[string]string{"/api/*": lambdaValue(t, "api", "abc")})
			var te *provision.TransientError
			if !errors.As(err, &te) {
				t.Fatalf("got %v, want *provision.TransientError", err)
			}
			if n := r.ops()["UpdateKeys"]; n != DefaultAttempts {
				t.Fatalf("made %d UpdateKeys calls, want %d", n, DefaultAttempts)
			}
		})
	}
}

// A ValidationException that is not about the ETag is a real refusal, not a conflict.
func TestSyncDoesNotRetryOtherValidationErrors(t *testing.T) {
	r := newRig(t)
	_, err := r.w.Sync(context.Background(), r.arn, map[string]string{"/api/*": strings.Repeat("v", 2000)})
	if err == nil || isConflict(err) {
		t.Fatalf("oversized value: %v, want a non-conflict error", err)
	}
}

func TestSyncDetectsAWriteThatDidNotLand(t *testing.T) {
	tests := []struct {
		name     string
		existing int    // routes already in the store
		change   int    // routes the sync writes
		corrupt  string // stored instead of the first written route
		readback string // operation that must catch it
	}{
		{"a garbled value read back with GetKey", 100, 1, `{"v":1,"c":"other","t":"a"}`, "GetKey"},
		{"a dropped key read back with GetKey", 100, 1, "", "GetKey"},
		{"a garbled value in a large write read back by listing", 0, 300, "garbage", "ListKeys"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			r := newRig(t)
			all := routes(t, tc.existing+tc.change)
			base := map[string]string{}
			for k, v := range all {
				if len(base) < tc.existing && k < fmt.Sprintf("/svc%04d", tc.existing) {
					base[k] = v
				}
			}
			if _, err := r.w.Sync(ctx, r.arn, base); err != nil {
				t.Fatal(err)
			}
			victim := fmt.Sprintf("/svc%04d/*", tc.existing)
			r.fake.CorruptOnWrite(victim, tc.corrupt)
			gets := r.ops()["GetKey"]
			_, err := r.w.Sync(ctx, r.arn, all)
			var mm *RouteMismatchError
			if !errors.As(err, &mm) || mm.Key != victim || mm.Want != all[victim] || mm.Got != tc.corrupt || mm.More != 0 {
				t.Fatalf("got %v (%+v), want a RouteMismatchError for %s", err, mm, victim)
			}
			if _, wrapped := err.(*RouteMismatchError); !wrapped {
				t.Fatalf("error is %T, want *RouteMismatchError unwrapped", err)
			}
			readByGet := r.ops()["GetKey"] > gets
			if readByGet != (tc.readback == "GetKey") {
				t.Fatalf("read back with GetKey = %v, want read back with %s", readByGet, tc.readback)
			}
		})
	}
}

func TestSync2000RoutesInBatchesOf50(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	want := routes(t, 2000)
	res, err := r.w.Sync(ctx, r.arn, want)
	if err != nil {
		t.Fatal(err)
	}
	ops := r.ops()
	if res.Puts != 2000 || ops["UpdateKeys"] != 40 {
		t.Fatalf("result %+v with %d UpdateKeys calls, want 2000 puts in 40", res, ops["UpdateKeys"])
	}
	// One page listing the empty store before, 40 pages reading back all 2,000 routes,
	// no per-key GetKey.
	if ops["GetKey"] != 0 || ops["ListKeys"] != 1+40 {
		t.Fatalf("calls = %v", ops)
	}
	if got := r.stored(t); !equalMaps(got, want) {
		t.Fatalf("store holds %d routes, want 2000 equal ones", len(got))
	}
}

func TestSyncRefusesATableTheStoreCannotHold(t *testing.T) {
	big := map[string]string{}
	for i := 0; i < 5200; i++ {
		big[fmt.Sprintf("/%04d/%s", i, strings.Repeat("k", 40))] = strings.Repeat("v", edge.MaxValueBytes)
	}
	tests := []struct {
		name  string
		table map[string]string
	}{
		{"a value over 1 KB", map[string]string{"/a/*": strings.Repeat("v", edge.MaxValueBytes+1)}},
		{"a key over 512 bytes", map[string]string{"/" + strings.Repeat("k", edge.MaxKeyBytes): "v"}},
		{"an empty value", map[string]string{"/a/*": ""}},
		{"a table over 5 MB", big},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			_, err := r.w.Sync(context.Background(), r.arn, tc.table)
			var ie *InvalidRouteError
			if !errors.As(err, &ie) {
				t.Fatalf("got %v, want *InvalidRouteError", err)
			}
			if n := len(r.calls.Summary().Ops); n != 0 {
				t.Fatalf("made AWS calls before refusing: %v", r.ops())
			}
		})
	}
}

func TestBatchesPutBeforeDeletingWithinTheLimits(t *testing.T) {
	var puts []entry
	for i := 0; i < 75; i++ {
		puts = append(puts, entry{fmt.Sprintf("/p%03d", i), "v"})
	}
	deletes := []string{"/old1", "/old2"}
	bs := batches(puts, deletes)
	if len(bs) != 2 || len(bs[0].puts) != 50 || len(bs[1].puts) != 25 || len(bs[1].deletes) != 2 {
		t.Fatalf("batches = %d: %+v", len(bs), bs)
	}

	// Values near the maximum: the byte bound splits before the key bound would.
	big := strings.Repeat("v", 3*1024*1024/40)
	var heavy []entry
	for i := 0; i < 50; i++ {
		heavy = append(heavy, entry{fmt.Sprintf("/h%02d", i), big})
	}
	for _, b := range batches(heavy, nil) {
		size := batchOverhead
		for _, p := range b.puts {
			size += jsonLen(p.key) + jsonLen(p.value) + itemOverhead
		}
		if size > MaxBatchBytes || len(b.puts) > MaxBatchKeys {
			t.Fatalf("batch of %d keys, %d bytes exceeds the UpdateKeys limits", len(b.puts), size)
		}
	}
}
