package plan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
)

// Diff compares the desired graph with the last applied one (nil: nothing deployed yet;
// a nil desired plans the removal of everything applied) and returns the ordered steps.
//
// Per resource id:
//   - only desired: create; only applied: delete — except a Shared resource, which no
//     app deletes (the body signer other apps use; see Resource.Shared);
//   - kind, physical name or region differ: replace, i.e. a create of the new resource
//     and a delete of the old one, both marked Replace. AWS cannot rename or move these in
//     place, and creating first keeps the old one serving until its successor exists;
//   - props differ: update, with Changes = the differing top-level property names;
//   - applied resources of a Retired kind: dropped, no step;
//   - else noop — except that a resource referring to a replaced one is an update: the
//     ARN or id its Ref resolves to is new, although its own props read the same. An
//     updated kind in revisedOnUpdate counts as replaced for this (it is not deleted).
//
// Order: creates, updates and noops are in waves by dependency over the desired graph
// (wave 0 has no dependencies; a resource's wave is one more than its latest
// dependency's). All deletes follow, so that a container switched from Lambda to Fargate
// has its new resources running and its route moved before the old ones go; they are
// ordered by the applied graph in reverse, dependents before what they depend on. Steps
// are sorted by wave, then id. A dependency cycle, an unknown dependency or a duplicate id
// is an error rather than a plan.
func Diff(desired, applied *Desired) (*Plan, error) {
	if desired != nil && applied != nil && (desired.App != applied.App || desired.Stage != applied.Stage) {
		return nil, fmt.Errorf("plan: applied state is for %s/%s, not %s/%s", applied.App, applied.Stage, desired.App, desired.Stage)
	}
	var wantRes, haveRes []Resource
	if desired != nil {
		wantRes = desired.Resources
	}
	if applied != nil {
		for _, r := range applied.Resources {
			if !Retired(r.Kind) {
				haveRes = append(haveRes, r)
			}
		}
	}
	want, err := positions(wantRes)
	if err != nil {
		return nil, fmt.Errorf("plan: desired: %w", err)
	}
	have, err := positions(haveRes)
	if err != nil {
		return nil, fmt.Errorf("plan: applied: %w", err)
	}

	// Creates, updates and noops: waves over the desired graph.
	preds := make([][]int, len(wantRes))
	for i := range wantRes {
		for _, d := range wantRes[i].DependsOn {
			j, ok := want[d]
			if !ok {
				return nil, fmt.Errorf("plan: desired: %s depends on unknown resource %q", wantRes[i].ID, d)
			}
			preds[i] = append(preds[i], j)
		}
	}
	waves, err := layers(wantRes, preds)
	if err != nil {
		return nil, fmt.Errorf("plan: desired: %w", err)
	}

	steps := make([]Step, 0, len(wantRes)+len(haveRes))
	replaced := map[string]bool{}
	newIdentity := map[string]bool{} // replaced, or revised: refs to it resolve to something new
	var gone []Resource              // applied resources to delete
	for i := range wantRes {
		r := &wantRes[i]
		if j, ok := have[r.ID]; ok {
			if old := &haveRes[j]; old.Kind != r.Kind || old.Name != r.Name || old.Region != r.Region {
				replaced[r.ID], newIdentity[r.ID] = true, true
				if !old.Shared {
					gone = append(gone, *old)
				}
			} else if _, equal := compareProps(old.Props, r.Props); !equal && revisedOnUpdate[r.Kind] {
				newIdentity[r.ID] = true
			}
		}
	}
	// A revised resource moving onto a revised one is revised too (an adapter layer on a
	// rebuilt image has a new digest): until nothing changes, as refs may chain.
	for grew := true; grew; {
		grew = false
		for i := range wantRes {
			r := &wantRes[i]
			if _, ok := have[r.ID]; ok && revisedOnUpdate[r.Kind] && !newIdentity[r.ID] && len(refsTo(r, newIdentity)) > 0 {
				newIdentity[r.ID], grew = true, true
			}
		}
	}
	nextWave := 0
	for i := range wantRes {
		r := &wantRes[i]
		s := Step{ID: r.ID, Kind: r.Kind, Container: r.Container, DependsOn: r.DependsOn, Wave: waves[i]}
		j, ok := have[r.ID]
		switch {
		case !ok:
			s.Action = Create
		case replaced[r.ID]:
			s.Action, s.Replace = Create, true
		default:
			changes, equal := compareProps(haveRes[j].Props, r.Props)
			if equal {
				changes = refsTo(r, newIdentity)
			}
			if len(changes) == 0 {
				s.Action = Noop
			} else {
				s.Action, s.Changes = Update, changes
			}
		}
		nextWave = max(nextWave, s.Wave+1)
		steps = append(steps, s)
	}

	// Deletes: after everything else, in reverse order over the applied graph — what
	// depends on a resource goes before it.
	for _, r := range haveRes {
		if _, ok := want[r.ID]; !ok && !r.Shared {
			gone = append(gone, r)
		}
	}
	goneAt, err := positions(gone)
	if err != nil {
		return nil, fmt.Errorf("plan: applied: %w", err)
	}
	dependents := make([][]int, len(gone))
	for i := range gone {
		for _, d := range gone[i].DependsOn {
			if j, ok := goneAt[d]; ok {
				dependents[j] = append(dependents[j], i)
			}
		}
	}
	delWaves, err := layers(gone, dependents)
	if err != nil {
		return nil, fmt.Errorf("plan: applied: %w", err)
	}
	for i, r := range gone {
		steps = append(steps, Step{
			Action: Delete, ID: r.ID, Kind: r.Kind, Container: r.Container, DependsOn: r.DependsOn,
			Wave: nextWave + delWaves[i], Replace: replaced[r.ID],
		})
	}

	steps = sortedBy(steps, func(a, b *Step) bool {
		if a.Wave != b.Wave {
			return a.Wave < b.Wave
		}
		if a.ID != b.ID {
			return a.ID < b.ID
		}
		return a.Action < b.Action
	})
	return &Plan{Desired: desired, Steps: steps}, nil
}

// Retired reports whether berth no longer plans kind k because a successor took over
// what its resources held; Diff drops them from the applied graph without a delete step.
// Per-container routes ("Berth::CloudFront::Route") became entries of KindRouteTable,
// whose first sync deletes every key it does not hold.
func Retired(k Kind) bool { return k == "Berth::CloudFront::Route" }

// revisedOnUpdate are kinds AWS never changes in place: an update registers a new
// immutable revision with its own ARN (an ECS task definition), so whatever refers to it
// must be updated to move onto that revision. A build or an adapter layer likewise
// outputs a new image digest when its source changed.
var revisedOnUpdate = map[Kind]bool{KindTaskDefinition: true, KindImageBuild: true, KindWebAdapter: true}

// positions maps ids to their index in rs, refusing empty and duplicate ids.
func positions(rs []Resource) (map[string]int, error) {
	m := make(map[string]int, len(rs))
	for i := range rs {
		id := rs[i].ID
		if id == "" {
			return nil, fmt.Errorf("resource %d has no id", i)
		}
		if _, dup := m[id]; dup {
			return nil, fmt.Errorf("two resources with id %q", id)
		}
		m[id] = i
	}
	return m, nil
}

// layers assigns rs[i] the wave 1 + max(wave of its predecessors preds[i]), 0 without
// any (Kahn's algorithm, so a cycle is reported instead of looped on).
func layers(rs []Resource, preds [][]int) ([]int, error) {
	wave := make([]int, len(rs))
	pending := make([]int, len(rs))
	succ := make([][]int, len(rs))
	var ready []int
	for i, ps := range preds {
		for _, p := range ps {
			succ[p] = append(succ[p], i)
		}
		pending[i] = len(ps)
		if len(ps) == 0 {
			ready = append(ready, i)
		}
	}
	done := 0
	for len(ready) > 0 {
		i := ready[len(ready)-1]
		ready = ready[:len(ready)-1]
		done++
		for _, s := range succ[i] {
			wave[s] = max(wave[s], wave[i]+1)
			if pending[s]--; pending[s] == 0 {
				ready = append(ready, s)
			}
		}
	}
	if done < len(rs) {
		var stuck []string
		for i, n := range pending {
			if n > 0 {
				stuck = append(stuck, rs[i].ID)
			}
		}
		sort.Strings(stuck)
		return nil, fmt.Errorf("dependency cycle among %v", stuck)
	}
	return wave, nil
}

// compareProps reports whether two encoded props are equal, and if not which top-level
// names differ (sorted). Equal bytes are the fast path; otherwise values are compared
// decoded, so whitespace or key order (an applied document that was pretty-printed or
// edited by hand) does not count as a change.
func compareProps(old, new json.RawMessage) ([]string, bool) {
	if bytes.Equal(old, new) {
		return nil, true
	}
	// An applied document read back from indented JSON differs only in whitespace.
	var compact bytes.Buffer
	if json.Compact(&compact, old) == nil && bytes.Equal(compact.Bytes(), new) {
		return nil, true
	}
	var a, b map[string]any
	if json.Unmarshal(old, &a) != nil || json.Unmarshal(new, &b) != nil {
		// Not objects: compare whole values.
		var x, y any
		_ = json.Unmarshal(old, &x)
		_ = json.Unmarshal(new, &y)
		if reflect.DeepEqual(x, y) {
			return nil, true
		}
		return []string{"*"}, false
	}
	var changes []string
	for k, v := range b {
		if w, ok := a[k]; !ok || !reflect.DeepEqual(v, w) {
			changes = append(changes, k)
		}
	}
	for k := range a {
		if _, ok := b[k]; !ok {
			changes = append(changes, k)
		}
	}
	sort.Strings(changes)
	return changes, len(changes) == 0
}

// refsTo returns the top-level props of r holding a Ref to a replaced resource.
func refsTo(r *Resource, replaced map[string]bool) []string {
	if len(replaced) == 0 {
		return nil
	}
	hit := false
	for _, d := range r.DependsOn {
		hit = hit || replaced[d]
	}
	if !hit {
		return nil
	}
	var props map[string]any
	if json.Unmarshal(r.Props, &props) != nil {
		return nil
	}
	var out []string
	for k, v := range props {
		if holdsRefTo(v, replaced) {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// holdsRefTo walks a decoded JSON value for a Ref ({"ref": id, "attr": …}) to a replaced id.
func holdsRefTo(v any, replaced map[string]bool) bool {
	switch v := v.(type) {
	case map[string]any:
		if id, ok := v["ref"].(string); ok {
			if _, ok := v["attr"]; ok && replaced[id] {
				return true
			}
		}
		for _, x := range v {
			if holdsRefTo(x, replaced) {
				return true
			}
		}
	case []any:
		for _, x := range v {
			if holdsRefTo(x, replaced) {
				return true
			}
		}
	}
	return false
}
