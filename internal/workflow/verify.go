package workflow

import (
	"context"
	"fmt"

	"github.com/berth-dev/berth/internal/awscalls"
	"github.com/berth-dev/berth/internal/state"
)

// Verify observes every desired resource after apply: each must exist, be ready and match
// the plan. For removal it lists berth-owned resources by tag: anything left fails.
func (d *Deps) Verify(ctx context.Context, in VerifyInput) (VerifyOutput, error) {
	c := in.Ctx
	calls := awscalls.New()
	defer d.recordCalls(ctx, c, "verify", calls)
	started := d.now()
	if in.Remove {
		items, err := d.NewClients(calls).Inventory.List(ctx, c.App, c.Stage)
		if err != nil {
			return VerifyOutput{}, err
		}
		if len(items) > 0 {
			return VerifyOutput{}, &LeftoverResourcesError{Items: items}
		}
		return VerifyOutput{}, d.Records.AddStep(ctx, c.App, c.Stage, c.DeploymentID, state.StepRecord{Name: "inventory", Status: "SUCCEEDED", Started: started, Ended: d.now()})
	}
	p, err := d.Plans.LoadPlan(ctx, c.App, c.Stage, c.DeploymentID)
	if err != nil {
		return VerifyOutput{}, err
	}
	applied, err := d.Applied.LoadApplied(ctx, c.App, c.Stage)
	if err != nil {
		return VerifyOutput{}, err
	}
	journal, err := d.Journals.Journal(ctx, c.App, c.Stage, c.DeploymentID)
	if err != nil {
		return VerifyOutput{}, err
	}
	refs := Outputs(applied, journal)
	var problems []string
	checked := 0
	for _, r := range p.Desired.Resources {
		prov, env, err := d.provisioner(calls, c, r.Kind, refs)
		if err != nil {
			return VerifyOutput{}, err
		}
		obs, err := prov.Observe(ctx, env, r)
		if err != nil {
			return VerifyOutput{}, err
		}
		checked++
		switch {
		case !obs.Exists:
			problems = append(problems, r.ID+" is missing")
		case !obs.Ready:
			problems = append(problems, r.ID+" is not ready")
		case len(obs.Diff) > 0:
			problems = append(problems, fmt.Sprintf("%s differs: %v", r.ID, obs.Diff))
		}
	}
	if len(problems) > 0 {
		return VerifyOutput{}, &VerifyError{Problems: problems}
	}
	err = d.Records.AddStep(ctx, c.App, c.Stage, c.DeploymentID, state.StepRecord{Name: "verify", Status: "SUCCEEDED", Started: started, Ended: d.now()})
	return VerifyOutput{Checked: checked}, err
}
