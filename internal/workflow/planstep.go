package workflow

import (
	"context"
	"sort"

	"github.com/berth-dev/berth/internal/plan"
)

// Plan computes the desired graph (or, for removal, the empty graph), diffs it against
// the applied state and stores the plan; only counts go back to the state machine. The
// same function answers the wave loader (action "wave").
func (d *Deps) Plan(ctx context.Context, in PlanInput) (any, error) {
	if in.Action == "wave" {
		return d.wave(ctx, in)
	}
	c := in.Ctx
	desired := &plan.Desired{App: c.App, Stage: c.Stage, Region: d.Target.Region, Account: d.Target.Account}
	if in.Action != "remove" {
		body, _, err := d.Configs.GetConfig(ctx, c.Bucket, c.Key, c.VersionID)
		if err != nil {
			return nil, err
		}
		cfg, err := d.loadConfig(ctx, c, body)
		if err != nil {
			return nil, err
		}
		if desired, err = plan.Build(cfg, d.Target); err != nil {
			return nil, err
		}
	}
	applied, err := d.Store.LoadApplied(ctx, c.App, c.Stage)
	if err != nil {
		return nil, err
	}
	var prev *plan.Desired
	if applied != nil {
		prev = applied.Desired
	}
	p, err := plan.Diff(desired, prev)
	if err != nil {
		return nil, err
	}
	if c.Source == SourceDrift {
		if err := d.repairDrift(ctx, c, p); err != nil {
			return nil, err
		}
	}
	if err := d.Store.SavePlan(ctx, c.App, c.Stage, c.DeploymentID, p); err != nil {
		return nil, err
	}
	var out PlanOutput
	for _, s := range p.Steps {
		switch s.Action {
		case plan.Create:
			out.Create++
		case plan.Update:
			out.Update++
		case plan.Delete:
			out.Delete++
		default:
			out.Noop++
		}
	}
	d.log(c, "plan").Info("planned", "create", out.Create, "update", out.Update, "delete", out.Delete, "noop", out.Noop)
	return out, nil
}

// SourceDrift marks a deployment the drift workflow started to repair drift.
const SourceDrift = "drift"

// repairDrift turns the plan's noop steps for drifted resources into updates: the
// applied state says they are fine, the account says otherwise, and the step's act
// (observe, then create or update) puts them back. Routes need nothing here: the Route
// state always syncs the store to the desired entries.
func (d *Deps) repairDrift(ctx context.Context, c Ctx, p *plan.Plan) error {
	report, err := d.Store.LoadDrift(ctx, c.App, c.Stage)
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

// wave returns the steps of the in.Wave-th non-empty wave of a phase: "apply" holds
// creates and updates, "prune" the deletes. Noops never run (an unchanged redeploy makes
// no mutating call) and routes are written by the Route state, in one batch.
func (d *Deps) wave(ctx context.Context, in PlanInput) (WaveOutput, error) {
	p, err := d.Store.LoadPlan(ctx, in.Ctx.App, in.Ctx.Stage, in.Ctx.DeploymentID)
	if err != nil {
		return WaveOutput{}, err
	}
	waves := PhaseWaves(p, in.Phase)
	if in.Wave >= len(waves) {
		return WaveOutput{Done: true, Items: []StepRef{}}, nil
	}
	return WaveOutput{Items: waves[in.Wave]}, nil
}

// PhaseWaves groups a phase's runnable steps into waves, in order.
func PhaseWaves(p *plan.Plan, phase string) [][]StepRef {
	byWave := map[int][]StepRef{}
	for _, s := range p.Steps {
		if s.Kind == plan.KindRoute || !inPhase(s.Action, phase) {
			continue
		}
		byWave[s.Wave] = append(byWave[s.Wave], StepRef{ID: s.ID, Fn: FunctionFor(s.Kind), Action: string(s.Action)})
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
	return out
}

func inPhase(a plan.Action, phase string) bool {
	if phase == "prune" {
		return a == plan.Delete
	}
	return a == plan.Create || a == plan.Update
}

// FunctionFor names the function (and so the IAM permissions) that applies a kind:
// compute (Lambda, IAM, Logs, ECS, autoscaling), alb (EC2, ELBv2, WAF) or cdn (CloudFront,
// ACM, Route 53, Lambda@Edge).
func FunctionFor(k plan.Kind) string {
	switch k {
	case plan.KindSecurityGroup, plan.KindSecurityGroupIngress, plan.KindLoadBalancer, plan.KindTargetGroup, plan.KindListener,
		plan.KindListenerRule, plan.KindWebACLAssociation:
		return "alb"
	case plan.KindDistribution, plan.KindVpcOrigin, plan.KindOAC, plan.KindCloudFrontFunction, plan.KindKeyValueStore,
		plan.KindCertificate, plan.KindRecordSet, plan.KindRoute, plan.KindEdgeFunctionVersion:
		return "cdn"
	}
	return "compute"
}
