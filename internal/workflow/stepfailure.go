package workflow

import (
	"context"

	"github.com/berth-dev/berth/internal/state"
)

// A wave's steps run as child executions of a Distributed Map. On AWS a failed child fails
// the Map (no failure is tolerated by default), but with an error of its own
// (States.ExceedToleratedFailureThreshold), not the step's; so each failed step records its
// error first and the parent reads it back: from the Map's Catch (waveFailure) and, before
// any further wave, from the loader (recordedFailure). The loader's check also stops a
// deployment whose Map did not fail: moto 5.2.1 counts a failed child and lets its
// Distributed Map succeed (it ignores the tolerated-failure threshold), and a later wave
// must never run after a failed step on any engine.
// https://docs.aws.amazon.com/step-functions/latest/dg/maprun-fail-threshold.html

// stepFailed is the status of a step record written by recordFailure.
const stepFailed = "FAILED"

// recordFailure records a step's error on the deployment (action "failed").
func (d *Deps) recordFailure(ctx context.Context, in PlanInput) error {
	c := in.Ctx
	if in.Step == nil || in.Error == nil {
		return &PlanMissingError{What: "step and error to record"}
	}
	now := d.now()
	d.log(c, "step:"+in.Step.ID).Warn("step failed", "error", causeOf(in.Error))
	return d.Records.AddStep(ctx, c.App, c.Stage, c.DeploymentID, state.StepRecord{
		Name: in.Step.ID, Status: stepFailed, Started: now, Ended: now, Detail: causeOf(in.Error)})
}

// recordedFailure is the error of the first step of this deployment that recorded one.
func (d *Deps) recordedFailure(ctx context.Context, c Ctx) error {
	dep, err := d.Records.GetDeployment(ctx, c.App, c.Stage, c.DeploymentID)
	if err != nil || dep == nil {
		return err
	}
	for _, s := range dep.Steps {
		if s.Status == stepFailed {
			return &StepFailedError{StepID: s.Name, Cause: s.Detail}
		}
	}
	return nil
}

// waveFailure always fails (action "failure", the Map's Catch): with the error a step
// recorded, else with the Map's own.
func (d *Deps) waveFailure(ctx context.Context, in PlanInput) error {
	if err := d.recordedFailure(ctx, in.Ctx); err != nil {
		return err
	}
	return &WaveFailedError{Cause: causeOf(in.Error)}
}
