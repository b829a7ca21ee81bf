package workflow

import (
	"context"
	"errors"
	"fmt"

	"github.com/berth-dev/berth/internal/awscalls"
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
	"github.com/berth-dev/berth/internal/state"
)

// undoConcurrency bounds how many journal entries of one wave are undone at once
// (fidelity-fargate-asl.md B7: one at a time, a large rollback outran its budget).
const undoConcurrency = 16

// stepWaves maps each planned step ("id/action") to its wave: steps of one wave were
// applied in parallel and depend on none of each other, so they may be undone in
// parallel. An empty journal needs no plan.
func (d *Deps) stepWaves(ctx context.Context, c Ctx, journal []state.JournalEntry) (map[string]int, error) {
	waves := map[string]int{}
	if len(journal) == 0 {
		return waves, nil
	}
	p, err := d.Plans.LoadPlan(ctx, c.App, c.Stage, c.DeploymentID)
	if err != nil || p == nil {
		return waves, err
	}
	for _, st := range p.Steps {
		waves[st.ID+"/"+string(st.Action)] = st.Wave
	}
	return waves, nil
}

// undoBatches cuts the undo order (newest first) into runs of entries from the same
// phase and wave: each run is undone in parallel, runs one after another, so the reverse
// dependency order between waves is kept. An entry whose step the plan does not name
// is a run of its own.
func undoBatches(order []state.JournalEntry, waves map[string]int) [][]state.JournalEntry {
	var out [][]state.JournalEntry
	last := ""
	for _, e := range order {
		key := ""
		if w, ok := waves[e.StepID+"/"+string(e.Action)]; ok {
			key = fmt.Sprintf("%t/%d", e.Action == plan.Delete, w) // deletes run in the prune phase
		}
		if key == "" || key != last || len(out) == 0 {
			out = append(out, nil)
		}
		out[len(out)-1] = append(out[len(out)-1], e)
		last = key
	}
	return out
}

// undone is what undoing one entry found.
type undone struct {
	done bool
	// id and outputs: the previous resource observed or restored, and its outputs now.
	id      string
	outputs provision.Outputs
	// recreated: those outputs differ from the applied state's (see undoRefs).
	recreated bool
}

// undoBatch undoes a batch's entries, undoConcurrency at a time. They read the refs as
// they were before the batch; what they observe or restore is merged in after it.
func (d *Deps) undoBatch(ctx context.Context, calls *awscalls.Counter, c Ctx, batch, journal []state.JournalEntry, refs undoRefs) (bool, error) {
	results := make([]undone, len(batch))
	errs := make([]error, len(batch))
	EachAtMost(undoConcurrency, len(batch), func(i int) {
		results[i], errs[i] = d.undo(ctx, calls, c, batch[i], journal, refs)
	})
	done := true
	for _, r := range results {
		if r.outputs != nil {
			refs.previous[r.id] = mergeOutputs(refs.previous[r.id], r.outputs)
		}
		*refs.recreated = *refs.recreated || r.recreated
		done = done && r.done
	}
	for _, err := range errs {
		if err != nil {
			return false, err // unwrapped: the state machine matches its type name
		}
	}
	return done, nil
}

func (d *Deps) undo(ctx context.Context, calls *awscalls.Counter, c Ctx, e state.JournalEntry, journal []state.JournalEntry, refs undoRefs) (undone, error) {
	if e.Action == plan.Create {
		p, env, err := d.provisioner(calls, c, e.Resource.Kind, refs.created)
		if err != nil {
			return undone{}, err
		}
		done, err := undoCreate(ctx, p, env, e, journal)
		return undone{done: done}, err
	}
	if e.Previous == nil {
		return undone{done: true}, nil // nothing to restore to
	}
	target := *e.Previous
	p, env, err := d.provisioner(calls, c, target.Kind, refs.previous)
	if err != nil {
		return undone{}, err
	}
	obs, err := p.Observe(ctx, env, target)
	if err != nil {
		return undone{}, err
	}
	u := undone{id: target.ID}
	if obs.Exists {
		u.recreated = changedValue(refs.previous[target.ID], obs.Outputs)
		u.outputs = mergeOutputs(refs.previous[target.ID], obs.Outputs)
	}
	if obs.UpToDate() && obs.Ready {
		u.done = true
		return u, nil
	}
	action := plan.Update
	if !obs.Exists {
		action = plan.Create
	}
	d.log(c, "compensate").Info("restoring", "id", target.ID, "undo", e.Action, "with", action, "diff", obs.Diff)
	env.Refs = ownOutputs{id: target.ID, outputs: u.outputs, rest: refs.previous}
	done, outs, err := act(ctx, p, env, target, string(action))
	if len(outs) > 0 { // a recreated resource's new ids, for what is restored after it
		u.outputs = mergeOutputs(u.outputs, outs)
	}
	var te *provision.TransientError
	if errors.As(err, &te) {
		return u, nil
	}
	u.done = done
	return u, err
}

// ownOutputs resolves a resource's refs to itself from what was just observed of it, and
// every other ref from the refs the batch started with.
type ownOutputs struct {
	id      string
	outputs provision.Outputs
	rest    provision.OutputsByID
}

// Resolve implements provision.RefResolver.
func (o ownOutputs) Resolve(ref plan.Ref) (string, error) {
	if v := o.outputs[ref.Attr]; ref.ID == o.id && v != "" {
		return v, nil
	}
	return o.rest.Resolve(ref)
}
