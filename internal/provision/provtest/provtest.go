// Package provtest is the conformance harness every provisioner's integration tests run:
// the same lifecycle and ownership checks for each kind, against moto_server.
package provtest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/awscalls"
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// Case describes one kind's lifecycle.
type Case struct {
	Provisioner provision.Provisioner
	Env         provision.Env
	// Calls must be the counter attached to the provisioner's AWS clients.
	Calls *awscalls.Counter
	// Initial is created first; Updated (same ID and name, changed props) is applied next.
	Initial, Updated plan.Resource
	// UpdatedFields are the fields Observe reports for Initial's live resource when
	// Updated is desired (checked before the update is applied).
	UpdatedFields []string
	// OutOfBand changes the live resource with the raw SDK; Observe must then report
	// exactly DriftField.
	OutOfBand  func(ctx context.Context) error
	DriftField string
}

// Lifecycle runs: create → observe clean → create again is a no-op → update → observe
// clean → out-of-band change → observe reports exactly that field → delete → observe gone
// → delete again succeeds.
func Lifecycle(t *testing.T, c Case) {
	t.Helper()
	ctx := context.Background()
	p, env := c.Provisioner, c.Env

	out, err := p.Create(ctx, env, c.Initial)
	must(t, "create", err)
	obs := WaitReady(t, p, env, c.Initial)
	if !obs.UpToDate() {
		t.Fatalf("after create, observe reports differences: %+v", obs.Diff)
	}

	before := c.Calls.Summary().Mutating
	out2, err := p.Create(ctx, env, c.Initial)
	must(t, "create again", err)
	if after := c.Calls.Summary().Mutating; after != before {
		t.Fatalf("create of an identical existing resource made %d mutating AWS calls, want 0", after-before)
	}
	for k, v := range out {
		if out2[k] != v {
			t.Fatalf("create again returned output %s=%q, first create %q", k, out2[k], v)
		}
	}

	obs = observe(t, p, env, c.Updated, c.Calls)
	AssertFields(t, "before update", obs.Diff, c.UpdatedFields)
	_, err = p.Update(ctx, env, c.Updated)
	must(t, "update", err)
	obs = WaitReady(t, p, env, c.Updated)
	if !obs.UpToDate() {
		t.Fatalf("after update, observe reports differences: %+v", obs.Diff)
	}

	if c.OutOfBand != nil {
		must(t, "out-of-band change", c.OutOfBand(ctx))
		obs = observe(t, p, env, c.Updated, c.Calls)
		AssertFields(t, "after out-of-band change", obs.Diff, []string{c.DriftField})
	}

	must(t, "delete", p.Delete(ctx, env, c.Updated))
	obs = observe(t, p, env, c.Updated, c.Calls)
	if obs.Exists {
		t.Fatalf("after delete, observe still finds the resource")
	}
	must(t, "delete again", p.Delete(ctx, env, c.Updated))
}

// NotOwned checks that a resource created without berth's tags (by foreign) is refused by
// Create, Update and Delete with *provision.NotOwnedError, and left in place.
func NotOwned(t *testing.T, p provision.Provisioner, env provision.Env, r plan.Resource, foreign func(ctx context.Context) error) {
	t.Helper()
	ctx := context.Background()
	must(t, "create the foreign resource", foreign(ctx))
	_, err := p.Create(ctx, env, r)
	wantNotOwned(t, "create", err)
	_, err = p.Update(ctx, env, r)
	wantNotOwned(t, "update", err)
	wantNotOwned(t, "delete", p.Delete(ctx, env, r))
	obs, err := p.Observe(ctx, env, r)
	must(t, "observe", err)
	if !obs.Exists {
		t.Fatalf("the foreign resource is gone after berth refused to touch it")
	}
}

// WaitReady polls Observe until Ready (bounded), as the state machine would.
func WaitReady(t *testing.T, p provision.Provisioner, env provision.Env, r plan.Resource) provision.Observation {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		obs, err := p.Observe(context.Background(), env, r)
		must(t, "observe", err)
		if !obs.Exists {
			t.Fatalf("observe does not find %s after create", r.ID)
		}
		if obs.Ready || time.Now().After(deadline) {
			if !obs.Ready {
				t.Fatalf("%s never became ready", r.ID)
			}
			return obs
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// observe runs Observe and checks it made no mutating call.
func observe(t *testing.T, p provision.Provisioner, env provision.Env, r plan.Resource, calls *awscalls.Counter) provision.Observation {
	t.Helper()
	before := calls.Summary().Mutating
	obs, err := p.Observe(context.Background(), env, r)
	must(t, "observe", err)
	if after := calls.Summary().Mutating; after != before {
		t.Fatalf("observe made %d mutating AWS calls; it must be read-only", after-before)
	}
	return obs
}

// AssertFields checks that diff names exactly the given fields.
func AssertFields(t *testing.T, when string, diff []provision.FieldDiff, want []string) {
	t.Helper()
	got := map[string]bool{}
	for _, d := range diff {
		got[d.Field] = true
	}
	for _, f := range want {
		if !got[f] {
			t.Fatalf("%s: observe diff %+v does not report field %q", when, diff, f)
		}
		delete(got, f)
	}
	if len(got) > 0 {
		t.Fatalf("%s: observe diff %+v reports unexpected fields (want exactly %v)", when, diff, want)
	}
}

func wantNotOwned(t *testing.T, op string, err error) {
	t.Helper()
	var no *provision.NotOwnedError
	if !errors.As(err, &no) {
		t.Fatalf("%s of a resource berth does not own: got %v, want *provision.NotOwnedError", op, err)
	}
}

func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}
