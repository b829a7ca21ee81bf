package workflow

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
	"github.com/berth-dev/berth/internal/state"
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
	// A build leaves its image in the repository, whose lifecycle expires it.
	done, _, err = act(context.Background(), p, provision.Env{}, plan.Resource{ID: "api/ImageBuild", Kind: plan.KindImageBuild}, string(plan.Delete))
	if err != nil || !done || len(p.calls) != 0 {
		t.Fatalf("a build: done %v err %v calls %v, want done with no call", done, err, p.calls)
	}
	done, _, err = act(context.Background(), p, provision.Env{}, plan.Resource{ID: "api/Function", Kind: plan.KindFunction}, string(plan.Delete))
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

// propsBound is a provisioner whose Observe, like every kind's, computes the desired state
// from the resource's properties first, and whose Delete, like every kind's, goes by name.
type propsBound struct {
	exists bool
	calls  []string
}

func (p *propsBound) Observe(_ context.Context, _ provision.Env, r plan.Resource) (provision.Observation, error) {
	p.calls = append(p.calls, "Observe")
	props, err := provision.Decode[plan.TaskDefinitionProps](r)
	if err != nil {
		return provision.Observation{}, err
	}
	for name, v := range props.Environment {
		if v.Ref != "" && !strings.HasPrefix(v.Ref, "ssm:") {
			return provision.Observation{}, &provision.PreconditionError{Kind: string(r.Kind), Name: r.Name, Problem: "environment." + name + " mixes a secret with other text"}
		}
	}
	return provision.Observation{Exists: p.exists}, nil
}
func (p *propsBound) Create(context.Context, provision.Env, plan.Resource) (provision.Outputs, error) {
	return nil, errors.New("not called")
}
func (p *propsBound) Update(context.Context, provision.Env, plan.Resource) (provision.Outputs, error) {
	return nil, errors.New("not called")
}
func (p *propsBound) Delete(context.Context, provision.Env, plan.Resource) error {
	p.calls = append(p.calls, "Delete")
	p.exists = false
	return nil
}

// A step that failed on its own properties created nothing, and its compensation must not
// fail on them again: that used to end the deployment RollbackFailed with everything
// else it had created left behind.
func TestAStepThatFailedOnItsPropertiesBeforeCreatingAnythingIsAlwaysUndone(t *testing.T) {
	td := func(props string) state.JournalEntry {
		return state.JournalEntry{StepID: "web/TaskDefinition", Kind: plan.KindTaskDefinition, Action: plan.Create, Phase: state.PhaseBefore,
			Resource: plan.Resource{ID: "web/TaskDefinition", Kind: plan.KindTaskDefinition, Name: "berth-shop-dev-web", Props: []byte(props)}}
	}
	mixed := td(`{"environment":{"DATABASE_URL":{"ref":"postgres://u:${ssm:/pw}@db/x"}}}`)
	undecodable := td(`{"cpu":"a lot"}`)
	after := mixed
	after.Phase, after.Outputs = state.PhaseAfter, provision.Outputs{plan.AttrArn: "arn:aws:ecs:eu-west-1:123456789012:task-definition/berth-shop-dev-web:1"}
	for _, tc := range []struct {
		name    string
		journal []state.JournalEntry
		wantErr bool
	}{
		{"a secret reference ECS cannot inject", []state.JournalEntry{mixed}, false},
		{"properties that do not decode", []state.JournalEntry{undecodable}, false},
		// Outputs were journaled: something exists, so the error must surface.
		{"a resource the step did create", []state.JournalEntry{mixed, after}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := &propsBound{}
			done, err := undoCreate(context.Background(), p, provision.Env{}, tc.journal[0], tc.journal)
			if tc.wantErr != (err != nil) || done == tc.wantErr || p.calls[0] != "Delete" {
				t.Fatalf("done %v err %v calls %v; want an error: %v, and a delete by name first", done, err, p.calls, tc.wantErr)
			}
		})
	}
}
