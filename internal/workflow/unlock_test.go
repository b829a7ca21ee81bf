package workflow

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/berth-dev/berth/internal/state"
)

func TestUnlock(t *testing.T) {
	api, web := role("api", `{"v":1}`), role("web", `{"v":1}`)
	ctx := context.Background()
	// midApply is deployment d2 holding the lock, having created api before its
	// execution died.
	midApply := func(t *testing.T) *deployment { return lockedAfterCreating(t, web, api) }
	ended := func(t *testing.T, status string, r Request) ExecutionEvent {
		var ev ExecutionEvent
		in, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		ev.Detail.Name, ev.Detail.Status, ev.Detail.Input = "d2", status, string(in)
		ev.Detail.ExecutionArn = "arn:aws:states:eu-west-1:123456789012:execution:berth-deploy:d2"
		return ev
	}
	deploy := Request{Bucket: "config", Key: "shop/dev/serverless.containers.yml", VersionID: "v2", Source: "s3", DeploymentID: "d2"}
	lockHolder := func(d *deployment) string {
		l, err := d.store.GetLock(ctx, "shop", "dev")
		if err != nil || l == nil {
			return ""
		}
		return l.Holder
	}

	t.Run("a deploy stopped mid-apply is rolled back by a recovering execution that keeps the lock until it commits", func(t *testing.T) {
		d := midApply(t)
		out, err := d.deps.Unlock(ctx, ended(t, "ABORTED", deploy))
		if err != nil || out.Next != "arn:execution:d2" {
			t.Fatalf("unlock: %+v, %v", out, err)
		}
		if len(*d.started) != 1 || (*d.started)[0].Recover == nil {
			t.Fatalf("started %+v, want one recovery", *d.started)
		}
		rec := (*d.started)[0].Recover
		if rec.Ctx.DeploymentID != "d2" || rec.Ctx.Key != deploy.Key || rec.Error.Error != "ExecutionAborted" {
			t.Fatalf("recovery = %+v", rec)
		}
		if h := lockHolder(d); h != "d2" {
			t.Fatalf("lock holder %q, want d2 until the recovery commits", h)
		}
		// What the recovering execution runs: Compensate, then Commit rolled_back.
		d.compensate()
		if _, err := d.deps.Commit(ctx, CommitInput{Ctx: &rec.Ctx, Outcome: "rolled_back", Error: &rec.Error}); err != nil {
			t.Fatal(err)
		}
		if got := liveNames(d.account); !slices.Equal(got, []string{web.Name}) {
			t.Errorf("live after recovery = %v, want only what d1 left", got)
		}
		if h := d.header(); h.Status != state.StatusRolledBack {
			t.Errorf("deployment %+v, want ROLLED_BACK", h)
		}
		if h := lockHolder(d); h != "" {
			t.Errorf("lock still held by %q", h)
		}
	})
	t.Run("a recovering execution that dies too releases the lock and records the deployment as failed", func(t *testing.T) {
		d := midApply(t)
		r := deploy
		r.Recover = &Recovery{Ctx: d.ctx, Error: StepError{Error: "ExecutionAborted"}}
		if _, err := d.deps.Unlock(ctx, ended(t, "TIMED_OUT", r)); err != nil {
			t.Fatal(err)
		}
		if len(*d.started) != 0 {
			t.Fatalf("started %+v: a recovery must not start another", *d.started)
		}
		if h := d.header(); h.Status != state.StatusFailed || lockHolder(d) != "" {
			t.Fatalf("deployment %+v, lock %q", h, lockHolder(d))
		}
	})
	t.Run("a removal that dies releases the lock without a recovery", func(t *testing.T) {
		d := midApply(t)
		if _, err := d.deps.Unlock(ctx, ended(t, "FAILED", Request{App: "shop", Stage: "dev", DeploymentID: "d2", Source: "cli"})); err != nil {
			t.Fatal(err)
		}
		if len(*d.started) != 0 || lockHolder(d) != "" || d.header().Status != state.StatusFailed {
			t.Fatalf("started %+v, lock %q, deployment %+v", *d.started, lockHolder(d), d.header())
		}
	})
	t.Run("a deploy that ended after its outcome was recorded is not rolled back", func(t *testing.T) {
		d := midApply(t)
		if err := d.store.FinishDeployment(ctx, "shop", "dev", "d2", state.StatusSucceeded, "", tasksT0); err != nil {
			t.Fatal(err)
		}
		if _, err := d.deps.Unlock(ctx, ended(t, "FAILED", deploy)); err != nil {
			t.Fatal(err)
		}
		if len(*d.started) != 0 || d.header().Status != state.StatusSucceeded {
			t.Fatalf("started %+v, deployment %+v", *d.started, d.header())
		}
	})
	t.Run("a wave's failed child execution neither rolls back nor unlocks the deployment running it", func(t *testing.T) {
		// A Distributed Map's child has the step's input, not a request; the rule matches
		// the machines' own ARNs, so this is defence in depth.
		d := midApply(t)
		child, err := json.Marshal(StepInput{Ctx: d.ctx, Step: StepRef{ID: "api/Role", Fn: "compute", Action: "create"}})
		if err != nil {
			t.Fatal(err)
		}
		var ev ExecutionEvent
		ev.Detail.Name, ev.Detail.Status, ev.Detail.Input = "4b1e", "FAILED", string(child)
		ev.Detail.ExecutionArn = "arn:aws:states:eu-west-1:123456789012:execution:berth-deploy/apply:4b1e"
		if _, err := d.deps.Unlock(ctx, ev); err != nil {
			t.Fatal(err)
		}
		if len(*d.started) != 0 || lockHolder(d) != "d2" || d.header().Status != state.StatusRunning {
			t.Fatalf("started %+v, lock %q, deployment %+v: want d2 running and locked", *d.started, lockHolder(d), d.header())
		}
	})
}
