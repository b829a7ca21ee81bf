package workflow

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/berth-dev/berth/internal/stage"
	"github.com/berth-dev/berth/internal/state"
)

// ExecutionEvent is EventBridge's "Step Functions Execution Status Change" event.
type ExecutionEvent struct {
	Detail struct {
		ExecutionArn string `json:"executionArn"`
		Name         string `json:"name"`
		Status       string `json:"status"` // FAILED | TIMED_OUT | ABORTED (the rule's filter)
		Input        string `json:"input"`  // the execution's input, as a JSON string
	} `json:"detail"`
}

// Unlock runs when a deploy or remove execution ends abnormally (timed out, aborted, or
// failed outside the state machine's own Catch: the history or payload limits, a runtime
// error, a manual stop). A deploy that may have changed the account is rolled back by a
// recovering execution, which compensates its journal and then commits as the machine's
// own rollback does (releasing the lock, starting the newest pending config). Otherwise
// (a removal, a recovery that itself died, a deployment never recorded) it releases the
// lock, marks the deployment FAILED if still in progress and starts the newest pending
// config, so a crashed execution never blocks an app/stage.
func (d *Deps) Unlock(ctx context.Context, ev ExecutionEvent) (CommitOutput, error) {
	var r Request
	if err := json.Unmarshal([]byte(ev.Detail.Input), &r); err != nil {
		return CommitOutput{}, nil // not one of ours
	}
	app, stg := r.App, r.Stage
	if a, s, ok := stage.ParseKey(r.Key); ok {
		app, stg = a, s
	}
	if app == "" || stg == "" {
		return CommitOutput{}, nil
	}
	id := r.DeploymentID
	if id == "" && r.Key != "" {
		if _, meta, err := d.Configs.GetConfig(ctx, r.Bucket, r.Key, r.VersionID); err == nil {
			id = deploymentID(r, meta, Execution{Name: ev.Detail.Name})
		}
	}
	if id == "" {
		id = ev.Detail.Name
	}
	c := Ctx{DeploymentID: id, App: app, Stage: stg, ExecutionArn: ev.Detail.ExecutionArn}
	dep, err := d.Records.GetDeployment(ctx, app, stg, id)
	if err != nil {
		return CommitOutput{}, err
	}
	if recoverable(r, dep) {
		return d.startRecovery(ctx, r, c, ev)
	}
	if dep != nil && inProgress(dep.Status) {
		if err := d.Records.FinishDeployment(ctx, app, stg, id, state.StatusFailed, "execution "+ev.Detail.Status+" before it could record an outcome", d.now()); err != nil {
			return CommitOutput{}, err
		}
	}
	d.log(c, "unlock").Warn("execution ended abnormally: releasing its lock", "status", ev.Detail.Status)
	return d.releaseAndContinue(ctx, c)
}

// recoverable: a deploy (it has a config key; removals do not) whose deployment was still
// in progress, ended by something other than a recovering execution (which must not
// start another).
func recoverable(r Request, dep *state.Deployment) bool {
	return r.Key != "" && r.Recover == nil && dep != nil && inProgress(dep.Status)
}

func inProgress(s state.Status) bool {
	return s == state.StatusRunning || s == state.StatusRollingBack
}

// startRecovery starts the deploy machine on the deployment's compensation. The lock stays
// with the deployment until the recovery commits.
func (d *Deps) startRecovery(ctx context.Context, r Request, c Ctx, ev ExecutionEvent) (CommitOutput, error) {
	c.Bucket, c.Key, c.VersionID, c.Source = r.Bucket, r.Key, r.VersionID, r.Source
	why := StepError{Error: "Execution" + statusWord(ev.Detail.Status),
		Cause: "execution " + ev.Detail.Name + " ended " + ev.Detail.Status + " outside berth's rollback; a recovering execution undid what it had changed"}
	arn, err := d.Starter.StartDeploy(ctx, Request{Bucket: r.Bucket, Key: r.Key, VersionID: r.VersionID, Source: r.Source,
		DeploymentID: c.DeploymentID, Recover: &Recovery{Ctx: c, Error: why}})
	if err != nil {
		return CommitOutput{}, err
	}
	d.log(c, "unlock").Warn("execution ended abnormally: rolling its deployment back", "status", ev.Detail.Status, "recovery", arn)
	return CommitOutput{Next: arn}, nil
}

// statusWord is an execution status as one word of an error name: TIMED_OUT → TimedOut.
func statusWord(status string) string {
	var b strings.Builder
	for _, w := range strings.Split(strings.ToLower(status), "_") {
		if w != "" {
			b.WriteString(strings.ToUpper(w[:1]) + w[1:])
		}
	}
	return b.String()
}
