package workflow

import (
	"context"
	"errors"
	"time"

	"github.com/berth-dev/berth/internal/awscalls"
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
	"github.com/berth-dev/berth/internal/state"
)

// CompensationBudget bounds the whole rollback (a distribution created by the failed
// deployment has to be disabled, deployed and deleted) and says how often it is polled.
var CompensationBudget = provision.Budget{Wait: 10 * time.Second, Limit: 2 * time.Hour}

// Compensate undoes this deployment's journal in reverse: deletes what it created and
// restores what it updated or deleted (the route table too: an update back to the
// previous routes). Each call walks
// the whole list and skips what is already undone (observed, not remembered), so it is
// safe to call again after a wait or a retry.
func (d *Deps) Compensate(ctx context.Context, in CompensateInput) (CompensateOutput, error) {
	c := in.Ctx
	out := CompensateOutput{Attempt: in.Attempt + 1, WaitSeconds: d.waitSeconds(CompensationBudget)}
	if expired(in.Attempt, out.WaitSeconds, CompensationBudget) {
		return out, &StepTimeoutError{StepID: "compensate", Waited: CompensationBudget.Limit.String(), Problem: "resources still changing"}
	}
	if in.Attempt == 0 {
		return d.raiseFence(ctx, c, out)
	}
	calls := awscalls.New()
	defer d.recordCalls(ctx, c, "compensate", calls)
	journal, err := d.Journals.Journal(ctx, c.App, c.Stage, c.DeploymentID)
	if err != nil {
		return out, err
	}
	applied, err := d.Applied.LoadApplied(ctx, c.App, c.Stage)
	if err != nil {
		return out, err
	}
	refs := undoRefs{created: Outputs(applied, journal), previous: Outputs(applied, nil), recreated: new(bool)}
	waves, err := d.stepWaves(ctx, c, journal)
	if err != nil {
		return out, err
	}
	for _, batch := range undoBatches(UndoOrder(journal), waves) {
		done, err := d.undoBatch(ctx, calls, c, batch, journal, refs)
		if err != nil || !done {
			return out, err
		}
	}
	out.Done = true
	if len(journal) == 0 {
		return out, nil
	}
	if err := d.refreshApplied(ctx, c, applied, refs); err != nil {
		return out, err
	}
	d.log(c, "compensate").Info("rolled back", "entries", len(UndoOrder(journal)))
	return out, d.Records.AddStep(ctx, c.App, c.Stage, c.DeploymentID, state.StepRecord{Name: "compensate", Status: "SUCCEEDED", Started: d.now(), Ended: d.now()})
}

// refreshApplied records the outputs of what compensation restored: a resource this
// deployment deleted comes back with new AWS ids (a load balancer's and listener's ARNs,
// a VPC origin's id), and the applied state must name those, not the deleted ones. Else
// the next deployment resolves refs to resources that are gone: deleting a listener rule,
// found through its listener's ARN, finds nothing and succeeds, and the rule it left
// keeps its target group "in use" (ResourceInUse) for as long as the step is retried.
func (d *Deps) refreshApplied(ctx context.Context, c Ctx, applied *state.Applied, refs undoRefs) error {
	if applied == nil || !*refs.recreated {
		return nil
	}
	fresh := *applied
	fresh.Outputs = map[string]provision.Outputs(refs.previous)
	fresh.UpdatedAt = d.now()
	return d.Applied.SaveApplied(ctx, c.App, c.Stage, fresh)
}

// changedValue reports whether an output both hold differs.
func changedValue(old, cur provision.Outputs) bool {
	for k, v := range cur {
		if o, ok := old[k]; ok && o != v {
			return true
		}
	}
	return false
}

// StepTimeout is the Lambda timeout of the functions that run steps (provision.Functions);
// template.yaml sets it and aslgen sizes their Tasks from it.
const StepTimeout = 120 * time.Second

// FenceGrace outlasts any step's invocation: Lambda ends every invocation by StepTimeout,
// so once FenceGrace has passed after the fence went up, every step that saw no fence has
// journaled and finished what it did (fidelity-fargate-asl.md D2).
const FenceGrace = StepTimeout + 10*time.Second

// raiseFence marks the deployment as rolling back before anything is undone. When one
// step of a wave fails, its siblings' Lambda invocations are still running (Step Functions
// does not stop them); each checks the fence before acting, and compensation waits out
// FenceGrace, so nothing is created behind its back.
func (d *Deps) raiseFence(ctx context.Context, c Ctx, out CompensateOutput) (CompensateOutput, error) {
	if err := d.Records.SetStatus(ctx, c.App, c.Stage, c.DeploymentID, state.StatusRollingBack); err != nil {
		return out, err
	}
	out.WaitSeconds = int(FenceGrace.Seconds())
	if d.PollSeconds > 0 {
		out.WaitSeconds = 2 * d.PollSeconds // the local runtime's handlers run in process, within a second
	}
	return out, nil
}

// fenced reports whether compensation has started for this deployment.
func (d *Deps) fenced(ctx context.Context, c Ctx) (bool, error) {
	dep, err := d.Records.GetDeploymentHeader(ctx, c.App, c.Stage, c.DeploymentID)
	if err != nil || dep == nil {
		return false, err
	}
	return dep.Status == state.StatusRollingBack, nil
}

// UndoOrder returns the journal's actions, newest first, one per step (the "before"
// entry: an action may have happened even if its "after" entry is missing).
func UndoOrder(journal []state.JournalEntry) []state.JournalEntry {
	var out []state.JournalEntry
	seen := map[string]bool{}
	for i := len(journal) - 1; i >= 0; i-- {
		e := journal[i]
		key := e.StepID + "/" + string(e.Action)
		if e.Phase != state.PhaseBefore || seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, e)
	}
	return out
}

// undoRefs resolves refs while undoing: what this deployment created is found through
// its own outputs; what is restored resolves against the previous deployment's outputs,
// refreshed as each previous resource is observed (a logical id replaced by this
// deployment — same id, new name — must not point a restored resource at the new one).
type undoRefs struct {
	created, previous provision.OutputsByID
	// recreated: a restored resource's outputs (ARN, id) differ from the applied state's:
	// it was deleted by this deployment and created again.
	recreated *bool
}

// undoCreate deletes what a create step made. Deletion goes by name and tags, but its
// confirming Observe computes the desired state from the step's properties, which can be
// what made the step fail (they do not decode, a secret reference ECS cannot inject, a
// ref to nothing): then Observe fails the same way, and compensation with it, leaving
// everything else the deployment created behind (RollbackFailed). Such a step created
// nothing, since Create computes the same desired state before its first call, so when
// the journal holds no outputs for it and the error is about its properties, it is undone.
func undoCreate(ctx context.Context, p provision.Provisioner, env provision.Env, e state.JournalEntry, journal []state.JournalEntry) (bool, error) {
	done, _, err := act(ctx, p, env, e.Resource, string(plan.Delete))
	if err != nil && !producedOutputs(journal, e) && propertiesError(err) {
		return true, nil
	}
	return done, err
}

// producedOutputs reports whether the journal holds an "after" entry for e's step: the
// action reached AWS and something exists.
func producedOutputs(journal []state.JournalEntry, e state.JournalEntry) bool {
	for _, j := range journal {
		if j.StepID == e.StepID && j.Action == e.Action && j.Phase == state.PhaseAfter {
			return true
		}
	}
	return false
}

// propertiesError reports whether err says a resource's properties cannot become a
// request: they do not decode (provision.Decode), or a precondition on them fails.
func propertiesError(err error) bool {
	var pe *provision.PreconditionError
	var re *provision.RejectedError
	return errors.As(err, &pe) || (errors.As(err, &re) && re.Op == provision.OpDecodeProps)
}
