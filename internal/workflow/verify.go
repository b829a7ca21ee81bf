package workflow

import (
	"context"
	"fmt"

	"github.com/berth-dev/berth/internal/awscalls"
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
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
	problems, err := d.observeAll(ctx, calls, c, refs, p.Desired.Resources)
	if err != nil {
		return VerifyOutput{}, err
	}
	checked := len(p.Desired.Resources)
	if len(problems) > 0 {
		return VerifyOutput{}, &VerifyError{Problems: problems}
	}
	err = d.Records.AddStep(ctx, c.App, c.Stage, c.DeploymentID, state.StepRecord{Name: "verify", Status: "SUCCEEDED", Started: started, Ended: d.now()})
	return VerifyOutput{Checked: checked}, err
}

// verifyConcurrency bounds Verify's parallel Observes: enough that a 150-container app
// (about 900 resources) is checked well within the function's timeout, few enough to stay
// under the services' read throttles (fidelity-fargate-asl.md B6).
const verifyConcurrency = 16

// observeAll observes every resource, verifyConcurrency at a time, and lists what is
// missing, not ready or different, in the resources' order. The first error (in that
// order) wins.
func (d *Deps) observeAll(ctx context.Context, calls *awscalls.Counter, c Ctx, refs provision.OutputsByID, rs []plan.Resource) ([]string, error) {
	found := make([]string, len(rs))
	errs := make([]error, len(rs))
	EachAtMost(verifyConcurrency, len(rs), func(i int) {
		found[i], errs[i] = d.verifyOne(ctx, calls, c, refs, rs[i])
	})
	for _, err := range errs {
		if err != nil {
			return nil, err // unwrapped: the state machine matches its type name
		}
	}
	var problems []string
	for _, f := range found {
		if f != "" {
			problems = append(problems, f)
		}
	}
	return problems, nil
}

// verifyOne observes r: "" when it exists, is ready and matches.
func (d *Deps) verifyOne(ctx context.Context, calls *awscalls.Counter, c Ctx, refs provision.OutputsByID, r plan.Resource) (string, error) {
	prov, env, err := d.provisioner(calls, c, r.Kind, refs)
	if err != nil {
		return "", err
	}
	obs, err := prov.Observe(ctx, env, r)
	switch {
	case err != nil:
		return "", err
	case !obs.Exists:
		return r.ID + " is missing", nil
	case !obs.Ready:
		return r.ID + " is not ready", nil
	case len(obs.Diff) > 0:
		return fmt.Sprintf("%s differs: %v", r.ID, obs.Diff), nil
	}
	return "", nil
}
