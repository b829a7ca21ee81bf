package workflow

import (
	"context"
	"testing"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// recorder is a provisioner that only counts calls.
type recorder struct{ calls []string }

func (p *recorder) Observe(context.Context, provision.Env, plan.Resource) (provision.Observation, error) {
	p.calls = append(p.calls, "Observe")
	return provision.Observation{}, nil
}
func (p *recorder) Create(context.Context, provision.Env, plan.Resource) (provision.Outputs, error) {
	p.calls = append(p.calls, "Create")
	return nil, nil
}
func (p *recorder) Update(context.Context, provision.Env, plan.Resource) (provision.Outputs, error) {
	p.calls = append(p.calls, "Update")
	return nil, nil
}
func (p *recorder) Delete(context.Context, provision.Env, plan.Resource) error {
	p.calls = append(p.calls, "Delete")
	return nil
}

// A compensation undoing the create of the shared body signer must not delete it: other
// apps use it, and deleting Lambda@Edge waits on CloudFront's replicas for hours.
func TestDeletingASharedResourceIsDoneWithoutTouchingIt(t *testing.T) {
	p := &recorder{}
	done, _, err := act(context.Background(), p, provision.Env{}, plan.Resource{ID: plan.IDBodySigner, Shared: true}, string(plan.Delete))
	if err != nil || !done || len(p.calls) != 0 {
		t.Fatalf("done %v err %v calls %v, want done with no call", done, err, p.calls)
	}
	done, _, err = act(context.Background(), p, provision.Env{}, plan.Resource{ID: "api/Function"}, string(plan.Delete))
	if err != nil || !done || len(p.calls) != 2 {
		t.Fatalf("an app's own resource: done %v err %v calls %v, want Delete then Observe", done, err, p.calls)
	}
}
