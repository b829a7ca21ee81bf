package localrun

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/berth-dev/berth/internal/awscalls"
	"github.com/berth-dev/berth/internal/awsdeps"
	"github.com/berth-dev/berth/internal/drift"
	"github.com/berth-dev/berth/internal/state"
	"github.com/berth-dev/berth/internal/workflow"
)

// DriftResult is one drift check of an app/stage in the local runtime, and the repair
// deployment it started, if any (`berth local run --drift --json` prints it as "drift").
type DriftResult struct {
	App   string `json:"app"`
	Stage string `json:"stage"`
	// Check is the drift function's result for the stage.
	Check drift.StageResult `json:"check"`
	// Report is the drift report the check recorded (nil when the stage was skipped).
	Report *state.DriftReport `json:"report"`
	// Repair is the repair deployment's report, when the check started one.
	Repair     *Report `json:"repair,omitempty"`
	DurationMs int64   `json:"durationMs"`
}

// DriftChecker is the drift function's handler wired to this session's emulator, as
// template.yaml wires it on AWS.
func (s *Session) DriftChecker() *drift.Checker {
	return awsdeps.BuildDrift(s.iam.config(s.emu.config(s.Env.AWS, FunctionName("Drift"))), handlerSettings(s.Env, s.iam), s.Deps.Log)
}

// Drift runs one drift check of app/stage in-process, with the input EventBridge
// Scheduler sends the drift function (narrowed to the stage), then waits for the repair
// deployment it started, if any (the check starts the deploy execution itself: no
// trigger is involved). A check that failed returns the result and a *drift.CheckError.
func (s *Session) Drift(ctx context.Context, app, stage string) (*DriftResult, error) {
	started := time.Now()
	s.say("drift check %s/%s", app, stage)
	sum, runErr := s.DriftChecker().Run(awscalls.WithFunction(ctx, FunctionName("Drift")), workflow.Request{Source: workflow.SourceDrift, App: app, Stage: stage})
	var ce *drift.CheckError
	if runErr != nil && !errors.As(runErr, &ce) {
		return nil, runErr
	}
	res := &DriftResult{App: app, Stage: stage}
	for _, st := range sum.Stages {
		if st.App == app && st.Stage == stage {
			res.Check = st
		}
	}
	report, err := s.store.LoadDrift(ctx, app, stage)
	if err != nil {
		return nil, err
	}
	if res.Check.Skipped == "" && res.Check.Error == "" {
		res.Report = report
	}
	if res.Check.Repaired {
		s.say("drift %s/%s: %d drifted, repair deployment %s started", app, stage, len(res.Check.Drifted), res.Check.DeploymentID)
		if res.Repair, err = s.finishRepair(ctx, app, stage, res.Check.DeploymentID, res.Check.ExecutionArn); err != nil {
			return nil, err
		}
	}
	res.DurationMs = ms(time.Since(started))
	if err := s.iam.check(); err != nil {
		return res, err
	}
	return res, runErr
}

// finishRepair waits for the repair execution (and anything it starts) and reports it.
// Unlike an upload's deployment, its id is not its execution's name.
func (s *Session) finishRepair(ctx context.Context, app, stage, id, arn string) (*Report, error) {
	all, err := s.waitIdle(ctx)
	if err != nil {
		return nil, err
	}
	x, err := s.Env.Describe(ctx, arn)
	if err != nil {
		return nil, err
	}
	r := &Report{Kind: "repair", App: app, Stage: stage, DeploymentID: id, Status: statusOf(x),
		DurationMs: ms(x.Stopped.Sub(x.Started))}
	for _, e := range all {
		if !e.Started.Before(x.Started) {
			r.Executions = append(r.Executions, e.Name)
		}
	}
	if err := s.fill(ctx, r, x); err != nil {
		return nil, err
	}
	s.say("repair %s/%s: %s", app, stage, r.Status)
	return r, nil
}

// WriteText prints the check for people: each drifted resource, field by field.
func (r *DriftResult) WriteText(w io.Writer) {
	if r == nil {
		return
	}
	c := r.Check
	fmt.Fprintf(w, "\ndrift %s/%s: ", r.App, r.Stage)
	switch {
	case c.Error != "":
		fmt.Fprintf(w, "check failed: %s\n", c.Error)
		return
	case c.Skipped != "":
		fmt.Fprintf(w, "not checked: %s\n", c.Skipped)
		return
	case len(c.Drifted) == 0:
		fmt.Fprintf(w, "no drift (%d observed, %d read AWS calls)\n", c.Observed, c.Calls.Read)
		return
	}
	fmt.Fprintf(w, "%d drifted (%d observed, %d read AWS calls)\n", len(c.Drifted), c.Observed, c.Calls.Read)
	if r.Report != nil {
		for _, d := range r.Report.Resources {
			fmt.Fprintf(w, "  %s (%s)\n", d.ID, d.Kind)
			if d.Missing {
				fmt.Fprintf(w, "    missing\n")
			}
			for _, f := range d.Diff {
				fmt.Fprintf(w, "    %s: desired %s, actual %s\n", f.Field, f.Desired, f.Actual)
			}
		}
	}
	switch {
	case c.Repaired && r.Repair != nil:
		fmt.Fprintf(w, "  repaired by deployment %s: %s\n", c.DeploymentID, r.Repair.Status)
	case c.Repaired:
		fmt.Fprintf(w, "  repair deployment %s started\n", c.DeploymentID)
	default:
		fmt.Fprintf(w, "  not repaired: %s\n", c.NotRepaired)
	}
}
