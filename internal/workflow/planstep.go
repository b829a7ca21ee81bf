package workflow

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/stage"
)

// Plan computes the desired graph (or, for removal, the empty graph), diffs it against
// the applied state and stores the plan; only counts go back to the state machine. The
// same function answers the wave loader (action "wave") and records and reads back the
// errors of failed steps (actions "failed" and "failure").
func (d *Deps) Plan(ctx context.Context, in PlanInput) (any, error) {
	switch in.Action {
	case "wave":
		return d.wave(ctx, in)
	case "failed":
		return nil, d.recordFailure(ctx, in)
	case "failure":
		return nil, d.waveFailure(ctx, in)
	}
	c := in.Ctx
	var cfg *config.Config
	if in.Action != "remove" {
		body, _, err := d.Configs.GetConfig(ctx, c.Bucket, c.Key, c.VersionID)
		if err != nil {
			return nil, err
		}
		if cfg, err = d.loadConfig(ctx, c, body); err != nil {
			return nil, err
		}
	}
	applied, err := d.Applied.LoadApplied(ctx, c.App, c.Stage)
	if err != nil {
		return nil, err
	}
	var pv *stage.Preview
	if cfg == nil {
		pv, err = stage.PreviewRemoval(c.App, c.Stage, d.Target, stage.Graph(applied))
	} else {
		target := d.Target
		if d.Sources != nil {
			if target.Sources, err = d.Sources.Sources(ctx, c, cfg); err != nil {
				return nil, err
			}
		}
		pv, err = stage.PreviewConfig(cfg, target, stage.Graph(applied))
	}
	if err != nil {
		return nil, err
	}
	p := pv.Plan
	if c.Source == SourceDrift {
		if err := d.repairDrift(ctx, c, p); err != nil {
			return nil, err
		}
	}
	if err := d.Plans.SavePlan(ctx, c.App, c.Stage, c.DeploymentID, p); err != nil {
		return nil, err
	}
	out := PlanOutput(stage.Summarize(p))
	d.log(c, "plan").Info("planned", "create", out.Create, "update", out.Update, "delete", out.Delete, "noop", out.Noop)
	return out, nil
}

// SourceDrift marks a deployment the drift workflow started to repair drift.
const SourceDrift = "drift"

// repairDrift turns the plan's noop steps for drifted resources into updates: the
// applied state says they are fine, the account says otherwise, and the step's act
// (observe, then create or update) puts them back.
func (d *Deps) repairDrift(ctx context.Context, c Ctx, p *plan.Plan) error {
	report, err := d.Applied.LoadDrift(ctx, c.App, c.Stage)
	if err != nil || report == nil {
		return err
	}
	drifted := map[string]bool{}
	for _, r := range report.Resources {
		drifted[r.ID] = true
	}
	for i, s := range p.Steps {
		if s.Action == plan.Noop && drifted[s.ID] {
			p.Steps[i].Action = plan.Update
			p.Steps[i].Changes = []string{"drift"}
		}
	}
	return nil
}

// wave returns the in.Wave-th page of a phase's steps: "apply" holds creates and
// updates, "prune" the deletes, wave after wave, each wave cut into pages of at most
// MaxWaveItems steps (the state machine passes a page in its payload). Noops never run
// (an unchanged redeploy makes no mutating call). Before it hands out more steps it fails
// with the error any earlier step recorded: a wave runs only when every step before it
// succeeded.
func (d *Deps) wave(ctx context.Context, in PlanInput) (WaveOutput, error) {
	if err := d.recordedFailure(ctx, in.Ctx); err != nil {
		return WaveOutput{}, err
	}
	p, err := d.Plans.LoadPlan(ctx, in.Ctx.App, in.Ctx.Stage, in.Ctx.DeploymentID)
	if err != nil {
		return WaveOutput{}, err
	}
	pages, err := PhasePages(p, in.Phase)
	if err != nil {
		return WaveOutput{}, err
	}
	if in.Wave >= len(pages) {
		return WaveOutput{Done: true, Items: []StepRef{}}, nil
	}
	items := pages[in.Wave]
	for i, s := range items {
		arn := d.StepFunctionArns[s.Fn]
		if arn == "" {
			return WaveOutput{}, fmt.Errorf("no ARN for the %s function: set %s (template.yaml sets it on the plan function)", s.Fn, StepFunctionEnv(s.Fn))
		}
		items[i].FunctionArn = arn
	}
	return WaveOutput{Items: items}, nil
}

// MaxWaveItems bounds the steps one Map state runs at a time: a page of steps (about 200
// bytes each) stays far below Step Functions' 256 KB payload limit however large a wave.
const MaxWaveItems = 250

// PhasePages are the pages the wave loader hands out for a phase, in order: each wave
// cut into pages of at most MaxWaveItems steps.
func PhasePages(p *plan.Plan, phase string) ([][]StepRef, error) {
	waves, err := PhaseWaves(p, phase)
	if err != nil {
		return nil, err
	}
	var out [][]StepRef
	for _, w := range waves {
		for len(w) > MaxWaveItems {
			out = append(out, w[:MaxWaveItems])
			w = w[MaxWaveItems:]
		}
		out = append(out, w)
	}
	return out, nil
}

// StepFunctionEnv is the environment variable holding a step function's ARN.
func StepFunctionEnv(fn string) string { return "BERTH_" + strings.ToUpper(fn) + "_FUNCTION_ARN" }

// PhaseWaves groups a phase's runnable steps into waves, in order. Each step names the
// function its kind's descriptor says applies it; a kind without one is an error.
func PhaseWaves(p *plan.Plan, phase string) ([][]StepRef, error) {

	byWave := map[int][]StepRef{}
	for _, s := range p.Steps {
		if !inPhase(s.Action, phase) {
			continue
		}
		d, err := describe(s.Kind)
		if err != nil {
			return nil, err
		}
		byWave[s.Wave] = append(byWave[s.Wave], StepRef{ID: s.ID, Fn: d.Function, Action: string(s.Action)})
	}
	keys := make([]int, 0, len(byWave))
	for k := range byWave {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	out := make([][]StepRef, 0, len(keys))
	for _, k := range keys {
		out = append(out, byWave[k])
	}
	return out, nil
}

func inPhase(a plan.Action, phase string) bool {
	if phase == "prune" {
		return a == plan.Delete
	}
	return a == plan.Create || a == plan.Update
}
