package state

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

var t0 = time.Date(2026, 8, 1, 12, 0, 0, 0, time.UTC)

const lease = 15 * time.Minute

func upload(version string, at time.Time) Request {
	return Request{Bucket: "config", Key: "shop/prod/serverless.containers.yml", VersionID: version, RequestedAt: at}
}

// locker is the lock as both Store and Memory implement it.
type locker interface {
	Acquire(ctx context.Context, app, stage, holder string, req Request, lease time.Duration, now time.Time) (LockResult, error)
	Release(ctx context.Context, app, stage, holder string) (*Request, error)
	CancelPending(ctx context.Context, app, stage, deploymentID string) (bool, error)
	GetLock(ctx context.Context, app, stage string) (*Lock, error)
}

func mustAcquire(t *testing.T, s locker, holder string, req Request, now time.Time) LockResult {
	t.Helper()
	res, err := s.Acquire(context.Background(), "shop", "prod", holder, req, lease, now)
	if err != nil {
		t.Fatalf("Acquire(%s): %v", holder, err)
	}
	return res
}

func mustRelease(t *testing.T, s locker, holder string) *Request {
	t.Helper()
	next, err := s.Release(context.Background(), "shop", "prod", holder)
	if err != nil {
		t.Fatalf("Release(%s): %v", holder, err)
	}
	return next
}

func pendingID(r *Request) string {
	if r == nil {
		return ""
	}
	return r.DeploymentID
}

const documentedAttributes = "the lock item has the documented attributes"

func TestLock(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		run  func(t *testing.T, s locker)
	}{
		{"a free lock is acquired with a lease", func(t *testing.T, s locker) {
			res := mustAcquire(t, s, "d1", upload("v1", t0), t0)
			if !res.Acquired || res.Holder != "d1" || !res.ExpiresAt.Equal(t0.Add(lease)) {
				t.Fatalf("got %+v", res)
			}
		}},
		{"acquiring again as the holder succeeds and extends the lease", func(t *testing.T, s locker) {
			mustAcquire(t, s, "d1", upload("v1", t0), t0)
			res := mustAcquire(t, s, "d1", upload("v1", t0), t0.Add(time.Minute))
			if !res.Acquired || !res.ExpiresAt.Equal(t0.Add(time.Minute+lease)) {
				t.Fatalf("got %+v", res)
			}
		}},
		{"a second deployment is recorded as pending while the lock is held", func(t *testing.T, s locker) {
			mustAcquire(t, s, "d1", upload("v1", t0), t0)
			res := mustAcquire(t, s, "d2", upload("v2", t0.Add(time.Second)), t0.Add(time.Second))
			if res.Acquired || !res.Queued || res.Holder != "d1" || pendingID(res.Pending) != "d2" || res.Displaced != nil {
				t.Fatalf("got %+v", res)
			}
			lock, err := s.GetLock(context.Background(), "shop", "prod")
			if err != nil {
				t.Fatal(err)
			}
			want := Request{DeploymentID: "d2", Bucket: "config", Key: "shop/prod/serverless.containers.yml", VersionID: "v2", RequestedAt: t0.Add(time.Second)}
			if lock.Holder != "d1" || lock.Pending == nil || *lock.Pending != want {
				t.Fatalf("lock = %+v, pending %+v", lock, lock.Pending)
			}
		}},
		{"a newer request overwrites an older pending one and reports it displaced", func(t *testing.T, s locker) {
			mustAcquire(t, s, "d1", upload("v1", t0), t0)
			mustAcquire(t, s, "d2", upload("v2", t0.Add(time.Second)), t0.Add(time.Second))
			res := mustAcquire(t, s, "d3", upload("v3", t0.Add(2*time.Second)), t0.Add(2*time.Second))
			if !res.Queued || pendingID(res.Pending) != "d3" || pendingID(res.Displaced) != "d2" {
				t.Fatalf("got %+v", res)
			}
		}},
		{"an older request never overwrites a newer pending one", func(t *testing.T, s locker) {
			mustAcquire(t, s, "d1", upload("v1", t0), t0)
			mustAcquire(t, s, "d3", upload("v3", t0.Add(2*time.Second)), t0.Add(2*time.Second))
			// d2's S3 event arrives late: its upload is older than d3's.
			res := mustAcquire(t, s, "d2", upload("v2", t0.Add(time.Second)), t0.Add(3*time.Second))
			if res.Acquired || res.Queued || pendingID(res.Pending) != "d3" || res.Displaced != nil {
				t.Fatalf("got %+v", res)
			}
			if next := mustRelease(t, s, "d1"); pendingID(next) != "d3" {
				t.Fatalf("release returned %+v, want d3", next)
			}
		}},
		{"a request made at the same instant as the pending one leaves that one pending", func(t *testing.T, s locker) {
			mustAcquire(t, s, "d1", upload("v1", t0), t0)
			mustAcquire(t, s, "d2", upload("v2", t0.Add(time.Second)), t0.Add(time.Second))
			res := mustAcquire(t, s, "d3", upload("v3", t0.Add(time.Second)), t0.Add(2*time.Second))
			if res.Queued || pendingID(res.Pending) != "d2" || res.Displaced != nil {
				t.Fatalf("got %+v", res)
			}
		}},
		{"a retried enqueue of the same request keeps it pending", func(t *testing.T, s locker) {
			mustAcquire(t, s, "d1", upload("v1", t0), t0)
			mustAcquire(t, s, "d2", upload("v2", t0.Add(time.Second)), t0.Add(time.Second))
			res := mustAcquire(t, s, "d2", upload("v2", t0.Add(time.Second)), t0.Add(2*time.Second))
			if !res.Queued || pendingID(res.Pending) != "d2" || res.Displaced != nil {
				t.Fatalf("got %+v", res)
			}
		}},
		{"release returns the pending request exactly once", func(t *testing.T, s locker) {
			mustAcquire(t, s, "d1", upload("v1", t0), t0)
			mustAcquire(t, s, "d2", upload("v2", t0.Add(time.Second)), t0.Add(time.Second))
			next := mustRelease(t, s, "d1")
			if pendingID(next) != "d2" || next.VersionID != "v2" || !next.RequestedAt.Equal(t0.Add(time.Second)) {
				t.Fatalf("release returned %+v", next)
			}
			if again := mustRelease(t, s, "d1"); again != nil {
				t.Fatalf("second release returned %+v", again)
			}
			if lock, _ := s.GetLock(context.Background(), "shop", "prod"); lock != nil {
				t.Fatalf("lock still there: %+v", lock)
			}
		}},
		{"release without a pending request frees the lock and returns nil", func(t *testing.T, s locker) {
			mustAcquire(t, s, "d1", upload("v1", t0), t0)
			if next := mustRelease(t, s, "d1"); next != nil {
				t.Fatalf("got %+v", next)
			}
			if res := mustAcquire(t, s, "d2", upload("v2", t0), t0); !res.Acquired {
				t.Fatalf("lock not free after release: %+v", res)
			}
		}},
		{"releasing a lock held by someone else is a no-op", func(t *testing.T, s locker) {
			mustAcquire(t, s, "d1", upload("v1", t0), t0)
			mustAcquire(t, s, "d2", upload("v2", t0.Add(time.Second)), t0.Add(time.Second))
			if next := mustRelease(t, s, "d2"); next != nil {
				t.Fatalf("got %+v", next)
			}
			lock, _ := s.GetLock(context.Background(), "shop", "prod")
			if lock == nil || lock.Holder != "d1" || pendingID(lock.Pending) != "d2" {
				t.Fatalf("lock changed: %+v", lock)
			}
		}},
		{"releasing when nothing is locked is a no-op", func(t *testing.T, s locker) {
			if next := mustRelease(t, s, "d1"); next != nil {
				t.Fatalf("got %+v", next)
			}
		}},
		{"an expired lease is taken over", func(t *testing.T, s locker) {
			mustAcquire(t, s, "d1", upload("v1", t0), t0)
			res := mustAcquire(t, s, "d2", upload("v2", t0.Add(lease)), t0.Add(lease))
			if !res.Acquired || res.Holder != "d2" {
				t.Fatalf("got %+v", res)
			}
			// The crashed holder's late release must not free d2's lock.
			if next := mustRelease(t, s, "d1"); next != nil {
				t.Fatalf("got %+v", next)
			}
			if lock, _ := s.GetLock(context.Background(), "shop", "prod"); lock == nil || lock.Holder != "d2" {
				t.Fatalf("lock = %+v", lock)
			}
		}},
		{"a lease one nanosecond from expiry is still held", func(t *testing.T, s locker) {
			mustAcquire(t, s, "d1", upload("v1", t0), t0)
			res := mustAcquire(t, s, "d2", upload("v2", t0.Add(time.Second)), t0.Add(lease-time.Nanosecond))
			if res.Acquired || !res.Queued {
				t.Fatalf("got %+v", res)
			}
		}},
		{"taking over with a newer request displaces an older pending one", func(t *testing.T, s locker) {
			mustAcquire(t, s, "d1", upload("v1", t0), t0)
			mustAcquire(t, s, "d2", upload("v2", t0.Add(time.Second)), t0.Add(time.Second))
			res := mustAcquire(t, s, "d3", upload("v3", t0.Add(lease)), t0.Add(lease))
			if !res.Acquired || pendingID(res.Displaced) != "d2" {
				t.Fatalf("got %+v", res)
			}
			if lock, _ := s.GetLock(context.Background(), "shop", "prod"); lock.Pending != nil {
				t.Fatalf("pending still there: %+v", lock.Pending)
			}
		}},
		{"taking over with an older request leaves the newer pending one to run next", func(t *testing.T, s locker) {
			mustAcquire(t, s, "d1", upload("v1", t0), t0)
			mustAcquire(t, s, "d3", upload("v3", t0.Add(2*time.Second)), t0.Add(2*time.Second))
			res := mustAcquire(t, s, "d2", upload("v2", t0.Add(time.Second)), t0.Add(lease))
			if !res.Acquired || res.Displaced != nil {
				t.Fatalf("got %+v", res)
			}
			if next := mustRelease(t, s, "d2"); pendingID(next) != "d3" {
				t.Fatalf("release returned %+v, want d3", next)
			}
		}},
		{"a drift run without a request time never displaces a pending upload", func(t *testing.T, s locker) {
			mustAcquire(t, s, "d1", upload("v1", t0), t0)
			mustAcquire(t, s, "d2", upload("v2", t0.Add(time.Second)), t0.Add(time.Second))
			res := mustAcquire(t, s, "drift1", Request{}, t0.Add(lease))
			if !res.Acquired || res.Displaced != nil {
				t.Fatalf("got %+v", res)
			}
			if next := mustRelease(t, s, "drift1"); pendingID(next) != "d2" {
				t.Fatalf("release returned %+v, want d2", next)
			}
		}},
		{"the started pending deployment acquires the lock it was handed", func(t *testing.T, s locker) {
			mustAcquire(t, s, "d1", upload("v1", t0), t0)
			mustAcquire(t, s, "d2", upload("v2", t0.Add(time.Second)), t0.Add(time.Second))
			next := mustRelease(t, s, "d1")
			res := mustAcquire(t, s, next.DeploymentID, *next, t0.Add(time.Minute))
			if !res.Acquired || res.Displaced != nil {
				t.Fatalf("got %+v", res)
			}
		}},
		{"a request without a time only tries the lock and is never queued", func(t *testing.T, s locker) {
			mustAcquire(t, s, "d1", upload("v1", t0), t0)
			mustAcquire(t, s, "d2", upload("v2", t0.Add(time.Second)), t0.Add(time.Second))
			res := mustAcquire(t, s, "remove1", Request{}, t0.Add(2*time.Second))
			if res.Acquired || res.Queued || res.Holder != "d1" || pendingID(res.Pending) != "d2" {
				t.Fatalf("got %+v", res)
			}
			if next := mustRelease(t, s, "d1"); pendingID(next) != "d2" {
				t.Fatalf("release returned %+v, want d2", next)
			}
		}},
		{"a cancelled pending request is not handed over by the release", func(t *testing.T, s locker) {
			mustAcquire(t, s, "d1", upload("v1", t0), t0)
			mustAcquire(t, s, "d2", upload("v2", t0.Add(time.Second)), t0.Add(time.Second))
			if ok, err := s.CancelPending(context.Background(), "shop", "prod", "d3"); ok || err != nil {
				t.Fatalf("cancelling a request that is not pending: %v, %v", ok, err)
			}
			if ok, err := s.CancelPending(context.Background(), "shop", "prod", "d2"); !ok || err != nil {
				t.Fatalf("cancel: %v, %v", ok, err)
			}
			if next := mustRelease(t, s, "d1"); next != nil {
				t.Fatalf("release returned %+v", next)
			}
		}},
		{"a zero lease is rejected", func(t *testing.T, s locker) {
			if _, err := s.Acquire(context.Background(), "shop", "prod", "d1", upload("v1", t0), 0, t0); err == nil {
				t.Fatal("no error")
			}
		}},
		{documentedAttributes, func(t *testing.T, s locker) {
			mustAcquire(t, s, "d1", upload("v1", t0), t0)
			mustAcquire(t, s, "d2", upload("v2", t0.Add(time.Second)), t0.Add(time.Second))
			f := fixtureOf(s.(*Store))
			item := f.item(t, "APP#shop#prod", "LOCK")
			if getS(item, "holder") != "d1" || getN(item, "expiresAt") != t0.Add(lease).UnixNano() || getS(item, "type") != "lock" {
				t.Fatalf("item = %v", item)
			}
			p := getM(item, "pending")
			if getS(p, "deploymentId") != "d2" || getS(p, "versionId") != "v2" || getN(p, "requestedAt") != t0.Add(time.Second).UnixNano() {
				t.Fatalf("pending = %v", p)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			fixtures.Store(f.store, f)
			c.run(t, f.store)
		})
		if c.name == documentedAttributes {
			continue // DynamoDB's item layout; Memory keeps none
		}
		t.Run("in memory, "+c.name, func(t *testing.T) {
			t.Parallel()
			c.run(t, NewMemory())
		})
	}
}

// fixtures lets a lock case reach its raw table from the store it was given.
var fixtures sync.Map

func fixtureOf(s *Store) *fixture {
	f, _ := fixtures.Load(s)
	return f.(*fixture)
}

func TestConcurrentAcquiresHaveExactlyOneWinner(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	const iterations, contenders = 20, 10
	for i := range iterations {
		stage := fmt.Sprintf("race%d", i)
		results := make([]LockResult, contenders)
		errs := make([]error, contenders)
		var wg sync.WaitGroup
		for g := range contenders {
			wg.Go(func() {
				results[g], errs[g] = f.store.Acquire(context.Background(), "shop", stage, fmt.Sprintf("d%d", g),
					upload("v", t0.Add(time.Duration(g)*time.Second)), lease, t0)
			})
		}
		wg.Wait()
		winners := 0
		for g, r := range results {
			if errs[g] != nil {
				t.Fatalf("iteration %d, contender %d: %v", i, g, errs[g])
			}
			if r.Acquired {
				winners++
			}
		}
		if winners != 1 {
			t.Fatalf("iteration %d: %d winners, want 1: %+v", i, winners, results)
		}
	}
}

// TestAReleaseRacingWithPendingWritesNeverLosesARequest runs a release concurrently with
// several deployments trying to get the lock, many times, and accounts for every request
// that was told it is queued: it must be returned by the release, reported displaced by
// exactly one newer request, or still be pending at the end — exactly one of these. And
// the newest request must never be lost or displaced: the stage ends on the last config.
func TestAReleaseRacingWithPendingWritesNeverLosesARequest(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	const iterations, contenders = 40, 4
	ctx := context.Background()
	// How the races went, to show the test exercised the interleavings it is about.
	var handedOver, acquiredAfterRelease, displaced int
	defer func() {
		t.Logf("%d iterations: release handed over a pending request %d times, a contender took the freed lock %d times, %d requests were displaced by newer ones",
			iterations, handedOver, acquiredAfterRelease, displaced)
	}()
	// A contended Acquire (a failed take, then the pending write) sets the time scale of
	// the stagger below, so it adapts to how loaded the machine and the emulator are.
	mustAcquire(t, f.store, "probe-holder", upload("v0", t0), t0)
	probeStart := time.Now()
	mustAcquire(t, f.store, "probe-waiter", upload("v1", t0.Add(time.Second)), t0)
	probe := time.Since(probeStart)
	for i := range iterations {
		stage := fmt.Sprintf("race%d", i)
		if _, err := f.store.Acquire(ctx, "shop", stage, "holder", upload("v0", t0), lease, t0); err != nil {
			t.Fatal(err)
		}
		var released *Request
		var releaseErr error
		results := make([]LockResult, contenders)
		errs := make([]error, contenders)
		var wg sync.WaitGroup
		// Staggering the release across iterations (0 to 2¼ contended acquires) moves it
		// from before the first pending write to after the last, through the points in
		// between.
		wg.Go(func() {
			time.Sleep(probe * time.Duration(i%10) / 4)
			released, releaseErr = f.store.Release(ctx, "shop", stage, "holder")
		})
		for g := range contenders {
			wg.Go(func() {
				results[g], errs[g] = f.store.Acquire(ctx, "shop", stage, fmt.Sprintf("d%d", g),
					upload(fmt.Sprintf("v%d", g+1), t0.Add(time.Duration(g+1)*time.Second)), lease, t0.Add(time.Minute))
			})
		}
		wg.Wait()
		if releaseErr != nil {
			t.Fatal(releaseErr)
		}
		lock, err := f.store.GetLock(ctx, "shop", stage)
		if err != nil {
			t.Fatal(err)
		}

		seen := map[string]int{}
		seen[pendingID(released)]++
		if lock != nil {
			seen[pendingID(lock.Pending)]++
		}
		queued, acquired := map[string]bool{}, map[string]bool{}
		for g, r := range results {
			if errs[g] != nil {
				t.Fatalf("iteration %d: %v", i, errs[g])
			}
			id := fmt.Sprintf("d%d", g)
			if r.Queued {
				queued[id] = true
			}
			if r.Acquired {
				acquired[id] = true
			}
			seen[pendingID(r.Displaced)]++
		}
		delete(seen, "")
		if released != nil {
			handedOver++
		}
		if len(acquired) > 0 {
			acquiredAfterRelease++
		}
		for _, r := range results {
			if r.Displaced != nil {
				displaced++
			}
		}
		for id := range queued {
			if seen[id] != 1 {
				t.Fatalf("iteration %d: queued %s accounted for %d times (released %+v, lock %+v, results %+v)",
					i, id, seen[id], released, lock, results)
			}
		}
		for id, n := range seen {
			if !queued[id] {
				t.Fatalf("iteration %d: %s reported %d times but never queued", i, id, n)
			}
		}
		newest := fmt.Sprintf("d%d", contenders-1)
		if !acquired[newest] && pendingID(released) != newest && (lock == nil || pendingID(lock.Pending) != newest) {
			t.Fatalf("iteration %d: the newest request was lost (released %+v, lock %+v, results %+v)", i, released, lock, results)
		}
		if again, _ := f.store.Release(ctx, "shop", stage, "holder"); again != nil {
			t.Fatalf("iteration %d: a second release returned %+v", i, again)
		}
	}
}
