package workflow

import (
	"context"
	"time"

	"github.com/berth-dev/berth/internal/state"
)

// Lock takes the app/stage lock. When another deployment holds it, this config is recorded
// as pending (newest upload wins) and the execution ends as QUEUED: the running
// deployment starts the pending config when it finishes, so uploads never run
// concurrently and none is lost. Removal waits for the lock instead (Wait: true).
func (d *Deps) Lock(ctx context.Context, in LockInput) (LockOutput, error) {
	c := in.Ctx
	req := state.Request{DeploymentID: c.DeploymentID, Bucket: c.Bucket, Key: c.Key, VersionID: c.VersionID, RequestedAt: d.now()}
	if in.Wait {
		req = state.Request{DeploymentID: c.DeploymentID} // a waiting removal is not a pending deploy
	}
	res, err := d.Locks.Acquire(ctx, c.App, c.Stage, c.DeploymentID, req, d.Lease, d.now())
	if err == nil && res.Acquired {
		// When the deployment really started (a queued one was recorded long before).
		now := d.now()
		err = d.Records.AddStep(ctx, c.App, c.Stage, c.DeploymentID, state.StepRecord{Name: "lock", Status: "SUCCEEDED", Started: now, Ended: now})
	}
	if err != nil || res.Acquired {
		return LockOutput{Acquired: res.Acquired, Holder: res.Holder}, err
	}
	if in.Wait {
		return d.waitForLock(c, in.Attempt, res.Holder)
	}
	if res.Displaced != nil {
		// An older queued upload will never run: this newer one replaces it.
		if err := d.Records.FinishDeployment(ctx, c.App, c.Stage, res.Displaced.DeploymentID, state.StatusSuperseded,
			"superseded by the newer upload of deployment "+c.DeploymentID, d.now()); err != nil {
			return LockOutput{}, err
		}
	}
	status, why := state.StatusQueued, "queued behind deployment "+res.Holder+": it deploys when that one ends"
	if !res.Queued {
		status, why = state.StatusSuperseded, "a newer upload is already queued behind deployment "+res.Holder
	}
	d.log(c, "lock").Info("app/stage busy", "holder", res.Holder, "status", status)
	if err := d.Records.SetStatus(ctx, c.App, c.Stage, c.DeploymentID, status); err != nil {
		return LockOutput{}, err
	}
	if status == state.StatusSuperseded {
		err = d.Records.FinishDeployment(ctx, c.App, c.Stage, c.DeploymentID, status, why, d.now())
	}
	return LockOutput{Acquired: false, Holder: res.Holder}, err
}

// LockWait is how long a removal waits before it asks for the lock again, and
// MaxLockWaits how many times: six hours, longer than a deployment holds the lock (its
// waves' budgets and a two-hour rollback), and few enough polls that the removal's
// execution history stays bounded (aslgen's history model).
const (
	LockWait     = 30 * time.Second
	MaxLockWaits = int(6 * time.Hour / LockWait)
)

// waitForLock answers a removal that found the lock taken: wait and ask again, or give up
// after MaxLockWaits.
func (d *Deps) waitForLock(c Ctx, attempt int, holder string) (LockOutput, error) {
	if attempt >= MaxLockWaits {
		return LockOutput{}, &LockWaitError{Holder: holder, Waited: time.Duration(MaxLockWaits) * LockWait}
	}
	d.log(c, "lock").Info("app/stage busy: waiting", "holder", holder, "attempt", attempt+1)
	return LockOutput{Holder: holder, Attempt: attempt + 1}, nil
}
