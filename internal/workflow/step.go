package workflow

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/berth-dev/berth/internal/awscalls"
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
	"github.com/berth-dev/berth/internal/provision/kinds"
	"github.com/berth-dev/berth/internal/state"
)

// describe is k's descriptor. A kind this berth does not describe (a plan written by a
// newer berth) is never guessed at.
func describe(k plan.Kind) (provision.Descriptor, error) {
	d, err := kinds.Lookup(k)
	if err != nil {
		return d, &PlanMissingError{What: fmt.Sprintf("kind this berth describes: %s", k)}
	}
	return d, nil
}

// Step runs one plan step (Compute, Alb and Cdn functions share this handler, each with
// the provisioners its IAM role allows). The first call performs the action; every call
// then observes, and the state machine waits and calls again until the resource is ready
// (or gone). Each step is journaled before it acts, and after, with its outputs.
func (d *Deps) Step(ctx context.Context, in StepInput) (StepOutput, error) {
	c, out := in.Ctx, StepOutput{Ctx: in.Ctx, Step: in.Step, Attempt: in.Attempt + 1}
	invoked := d.now()
	calls := awscalls.New()
	defer d.recordCalls(ctx, c, "step:"+in.Step.ID, calls)

	p0, r, prev, prevOut, refs, journal, err := d.stepResources(ctx, c, in.Step)
	if err != nil {
		return out, err
	}
	p, env, err := d.provisioner(calls, c, r.Kind, refs)
	if err != nil {
		return out, err
	}
	kind, err := describe(r.Kind)
	if err != nil {
		return out, err
	}
	b := kind.Budget
	out.WaitSeconds = d.waitSeconds(b)
	if expired(in.Attempt, out.WaitSeconds, b) {
		return out, &StepTimeoutError{StepID: in.Step.ID, Waited: b.Limit.String(), Problem: "still not ready"}
	}
	if gated, err := d.waitingOnGate(ctx, calls, c, p0.Desired, r, refs); err != nil || gated {
		return out, err
	}
	if !journaled(journal, r.ID, in.Step.Action) {
		if err := d.Journals.AppendJournal(ctx, c.App, c.Stage, c.DeploymentID, state.JournalEntry{
			StepID: r.ID, Kind: r.Kind, Action: plan.Action(in.Step.Action), Phase: state.PhaseBefore, Resource: r, Previous: prev,
			PreviousOutputs: prevOut, At: d.now()}); err != nil {
			return out, err
		}
	}
	if fenced, err := d.fenced(ctx, c); err != nil || fenced {
		return out, errOr(err, &RolledBackError{StepID: r.ID})
	}
	done, outputs, err := act(ctx, p, env, r, in.Step.Action)
	if len(outputs) > 0 {
		// Journal outputs as soon as they exist (ids AWS assigned), so later polls and
		// compensation find the resource by id even before it is ready.
		if jerr := d.Journals.AppendJournal(ctx, c.App, c.Stage, c.DeploymentID, state.JournalEntry{
			StepID: r.ID, Kind: r.Kind, Action: plan.Action(in.Step.Action), Phase: state.PhaseAfter, Resource: r, Outputs: outputs, At: d.now()}); jerr != nil {
			return out, jerr
		}
	}
	if err != nil || !done {
		return out, err
	}
	out.Done = true
	started := startedAt(journal, r.ID, invoked) // the first poll journaled it, or this call did
	d.log(c, "apply").Info("step done", "id", r.ID, "action", in.Step.Action, "polls", in.Attempt)
	return out, d.Records.AddStep(ctx, c.App, c.Stage, c.DeploymentID, state.StepRecord{
		Name: in.Step.Action + " " + r.ID, Status: "SUCCEEDED", Started: started, Ended: d.now()})
}

// act performs one action if it is not done yet, then reports whether the resource is
// ready. It observes first, so calling it again after a wait, a retry or a crash only
// acts when the resource still differs. Deletes are repeated until gone: some kinds
// delete in phases (a distribution is disabled, then deleted once deployed) and say "not
// yet" with *provision.TransientError.
func act(ctx context.Context, p provision.Provisioner, env provision.Env, r plan.Resource, action string) (bool, provision.Outputs, error) {
	if action == string(plan.Delete) && r.Shared {
		// Other apps use it: no app's prune or compensation deletes it (plan.Resource.Shared).
		return true, nil, nil
	}
	kind, err := describe(r.Kind)
	if err != nil {
		return false, nil, err
	}
	if action == string(plan.Delete) {
		if kind.NothingToDelete {
			// What it made lives on under another resource (provision.Descriptor.NothingToDelete).
			return true, nil, nil
		}
		err := p.Delete(ctx, env, r)
		var te *provision.TransientError
		if errors.As(err, &te) {
			return false, nil, nil
		}
		if err != nil {
			return false, nil, err
		}
		obs, err := p.Observe(ctx, env, r)
		return err == nil && !obs.Exists, nil, err
	}
	obs, err := p.Observe(ctx, env, r)
	if err != nil {
		return false, nil, err
	}
	var outputs provision.Outputs
	if !obs.UpToDate() {
		if obs.Exists {
			outputs, err = p.Update(ctx, env, r)
		} else {
			outputs, err = p.Create(ctx, env, r)
		}
		if err != nil {
			return false, outputs, err
		}
		if refs, ok := env.Refs.(provision.OutputsByID); ok && len(outputs) > 0 {
			refs[r.ID] = mergeOutputs(refs[r.ID], outputs) // Observe finds it by id
		}
		if obs, err = p.Observe(ctx, env, r); err != nil {
			return false, outputs, err
		}
	}
	if !obs.Exists {
		return false, outputs, &provision.PreconditionError{Kind: string(r.Kind), Name: r.Name, Problem: "not found right after it was applied"}
	}
	merged := mergeOutputs(outputs, obs.Outputs)
	if !obs.Ready && !kind.DoneWhenExists {
		return false, merged, nil
	}
	return true, merged, nil
}

// mergeOutputs overlays b on a copy of a.
func mergeOutputs(a, b provision.Outputs) provision.Outputs {
	m := provision.Outputs{}
	for k, v := range a {
		m[k] = v
	}
	for k, v := range b {
		m[k] = v
	}
	return m
}

// waitingOnGate reports whether r must wait for a dependency to become ready.
func (d *Deps) waitingOnGate(ctx context.Context, calls *awscalls.Counter, c Ctx, desired *plan.Desired, r plan.Resource, refs provision.OutputsByID) (bool, error) {
	kind, err := describe(r.Kind)
	if err != nil {
		return false, err
	}
	gates := kind.ReadyGates
	if len(gates) == 0 {
		return false, nil
	}
	for _, dep := range r.DependsOn {
		g, ok := findResource(desired, dep)
		if !ok || !slices.Contains(gates, g.Kind) {
			continue
		}
		prov, env, err := d.provisioner(calls, c, g.Kind, refs)
		if err != nil {
			return false, err
		}
		obs, err := prov.Observe(ctx, env, g)
		if err != nil {
			return false, err
		}
		if wait, err := gate(g, obs); wait || err != nil {
			return wait, err
		}
	}
	return false, nil
}

// journaled reports whether this deployment already journaled the step's action.
func journaled(journal []state.JournalEntry, id, action string) bool {
	for _, e := range journal {
		if e.StepID == id && string(e.Action) == action && e.Phase == state.PhaseBefore {
			return true
		}
	}
	return false
}

// expired reports whether a call at attempt (from 0) of a wait polled every waitSeconds
// is past its budget: that call fails instead of polling again.
func expired(attempt, waitSeconds int, b provision.Budget) bool {
	return attempt*waitSeconds > int(b.Limit.Seconds())
}

// MaxCalls is how many times the state machine can invoke a handler that waits within
// budget b on AWS (polled every b.Wait) before it ends: the last call fails.
func MaxCalls(b provision.Budget) int {
	a := 0
	for !expired(a, int(b.Wait.Seconds()), b) {
		a++
	}
	return a + 1
}

func (d *Deps) waitSeconds(b provision.Budget) int {
	if d.PollSeconds > 0 {
		return d.PollSeconds
	}
	return int(b.Wait.Seconds())
}

// stepResources finds a step's resource (desired for create/update, applied for
// delete), what it replaces, and the outputs its refs resolve against.
func (d *Deps) stepResources(ctx context.Context, c Ctx, s StepRef) (p *plan.Plan, r plan.Resource, prev *plan.Resource, prevOut provision.Outputs, refs provision.OutputsByID, journal []state.JournalEntry, err error) {
	p, err = d.Plans.LoadPlan(ctx, c.App, c.Stage, c.DeploymentID)
	if err != nil {
		return
	}
	applied, err := d.Applied.LoadApplied(ctx, c.App, c.Stage)
	if err != nil {
		return
	}
	journal, err = d.Journals.Journal(ctx, c.App, c.Stage, c.DeploymentID)
	if err != nil {
		return
	}
	refs = Outputs(applied, journal)
	old, hasOld := findResource(appliedDesired(applied), s.ID)
	if hasOld {
		prev, prevOut = &old, applied.Outputs[s.ID]
	}
	if s.Action == string(plan.Delete) {
		if !hasOld {
			err = &PlanMissingError{What: "applied resource " + s.ID}
		}
		return p, old, prev, prevOut, refs, journal, err
	}
	r, ok := findResource(p.Desired, s.ID)
	if !ok {
		err = &PlanMissingError{What: "desired resource " + s.ID}
	}
	return
}

// Outputs merges the applied outputs with those recorded by this deployment's journal.
func Outputs(applied *state.Applied, journal []state.JournalEntry) provision.OutputsByID {
	m := provision.OutputsByID{}
	if applied != nil {
		for id, o := range applied.Outputs {
			m[id] = o
		}
	}
	for _, e := range journal {
		if e.Phase != state.PhaseAfter {
			continue
		}
		if e.Action == plan.Delete {
			delete(m, e.StepID)
		} else if e.Outputs != nil {
			m[e.StepID] = e.Outputs
		}
	}
	return m
}

func appliedDesired(a *state.Applied) *plan.Desired {
	if a == nil {
		return nil
	}
	return a.Desired
}

func findResource(d *plan.Desired, id string) (plan.Resource, bool) {
	if d == nil {
		return plan.Resource{}, false
	}
	for _, r := range d.Resources {
		if r.ID == id {
			return r, true
		}
	}
	return plan.Resource{}, false
}

func startedAt(journal []state.JournalEntry, id string, def time.Time) time.Time {
	for _, e := range journal {
		if e.StepID == id && e.Phase == state.PhaseBefore {
			return e.At
		}
	}
	return def
}

func (d *Deps) provisioner(calls *awscalls.Counter, c Ctx, k plan.Kind, refs provision.OutputsByID) (provision.Provisioner, provision.Env, error) {
	env := provision.Env{App: c.App, Stage: c.Stage, DeploymentID: c.DeploymentID, Account: d.Target.Account, Region: d.Target.Region, Refs: refs, Secrets: d.Resolvers(c.App, c.Stage), FingerprintKey: d.Target.FingerprintKey}
	p, ok := d.NewClients(calls).Registry[k]
	if !ok {
		return nil, env, &PlanMissingError{What: fmt.Sprintf("provisioner for %s", k)}
	}
	return p, env, nil
}

func (d *Deps) recordCalls(ctx context.Context, c Ctx, what string, calls *awscalls.Counter) {
	s := calls.Summary()
	if s.Mutating+s.Read == 0 {
		return
	}
	id := fmt.Sprintf("%d-%s", d.now().UnixNano(), what)
	if err := d.Records.AddCalls(ctx, c.App, c.Stage, c.DeploymentID, id, s); err != nil {
		d.log(c, what).Warn("could not record AWS call counts", "error", err)
	}
}

// gate decides on a ready gate's observation: wait for it, or go on, or fail. A gate whose
// own step ran earlier but still differs (a certificate ACM FAILED or let time out) will
// not become ready by waiting: fail now rather than after the dependent's whole budget.
func gate(g plan.Resource, obs provision.Observation) (bool, error) {
	switch {
	case obs.Ready:
		return false, nil
	case obs.Exists && len(obs.Diff) > 0:
		return false, &provision.PreconditionError{Kind: string(g.Kind), Name: g.Name, Problem: "will not become ready: " + describeDiff(obs.Diff)}
	}
	return true, nil
}

// describeDiff renders an observation's differences for an error message.
func describeDiff(diff []provision.FieldDiff) string {
	parts := make([]string, len(diff))
	for i, d := range diff {
		parts[i] = d.Field + " is " + d.Actual + ", want " + d.Desired
	}
	return strings.Join(parts, "; ")
}
