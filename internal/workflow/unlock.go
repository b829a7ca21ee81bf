package workflow

import (
	"context"
	"encoding/json"

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
// failed outside the state machine's own Catch): it releases the lock that execution
// held, marks its deployment FAILED if still RUNNING, and starts the newest pending
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
	if dep, err := d.Records.GetDeployment(ctx, app, stg, id); err == nil && dep != nil && dep.Status == state.StatusRunning {
		if err := d.Records.FinishDeployment(ctx, app, stg, id, state.StatusFailed, "execution "+ev.Detail.Status+" before it could record an outcome", d.now()); err != nil {
			return CommitOutput{}, err
		}
	}
	d.log(c, "unlock").Warn("execution ended abnormally: releasing its lock", "status", ev.Detail.Status)
	return d.releaseAndContinue(ctx, c)
}
