package workflow

import (
	"context"
	"errors"
	"strings"
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

// A certificate ACM has FAILED (or let time out) fails the distribution's gate at once
// instead of being waited on for the distribution's 90-minute budget.
func TestAGateThatCannotBecomeReadyFailsInsteadOfWaiting(t *testing.T) {
	cert := plan.Resource{ID: plan.IDCertificate, Kind: plan.KindCertificate, Name: "berth-shop-prod-cert"}
	failed := provision.Observation{Exists: true, Diff: []provision.FieldDiff{{Field: "status", Desired: "ISSUED", Actual: "FAILED (CAA_ERROR)"}}}
	for _, tc := range []struct {
		name     string
		obs      provision.Observation
		wait     bool
		failWith string
	}{
		{"an issued certificate lets the distribution go on", provision.Observation{Exists: true, Ready: true}, false, ""},
		{"a certificate pending validation is waited for", provision.Observation{Exists: true}, true, ""},
		{"a failed certificate fails the step naming why", failed, false, "FAILED (CAA_ERROR)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wait, err := gate(cert, tc.obs)
			var pe *provision.PreconditionError
			if wait != tc.wait || (tc.failWith == "") != (err == nil) || (err != nil && (!errors.As(err, &pe) || !strings.Contains(err.Error(), tc.failWith))) {
				t.Fatalf("wait %v err %v; want wait %v failing with %q", wait, err, tc.wait, tc.failWith)
			}
		})
	}
}
