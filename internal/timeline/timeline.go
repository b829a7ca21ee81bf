// Package timeline turns a recorded deployment into a picture: one bar per step, the
// part of a step spent waiting for AWS shaded, failures and compensation in their own
// colours, the critical path marked. `berth history --timeline FILE.svg` writes it.
package timeline

import (
	"sort"
	"strings"
	"time"

	"github.com/berth-dev/berth/internal/state"
)

// Kind is what a bar shows.
type Kind string

const (
	KindStep         Kind = "step"         // a step that finished
	KindFailed       Kind = "failed"       // the step (or check) the deployment failed in
	KindCompensation Kind = "compensation" // undoing the deployment's changes
)

// Bar is one row.
type Bar struct {
	Label string    `json:"label"`
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	// WaitFrom, when set, is when the step's action returned and waiting for AWS to make
	// the resource ready (or gone) began.
	WaitFrom time.Time `json:"waitFrom,omitzero"`
	Kind     Kind      `json:"kind"`
	Critical bool      `json:"critical"`
}

// Timeline is a deployment as bars.
type Timeline struct {
	Title string    `json:"title"`
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	Bars  []Bar     `json:"bars"`
}

// minFailed is how wide a failure whose start is unknown is drawn.
const minFailed = 200 * time.Millisecond

// FromDeployment builds the timeline of d (with its steps) from its journal: a step's
// "after" entry (outputs exist) ends its action and starts its wait; a step the journal
// began but no record finished is the failed one.
func FromDeployment(d *state.Deployment, journal []state.JournalEntry) Timeline {
	t := Timeline{Title: title(d), Start: d.Started, End: d.Ended}
	before, after := map[string]time.Time{}, map[string]time.Time{}
	lastActivity := d.Started
	for _, e := range journal {
		name := stepName(e)
		m := before
		if e.Phase == state.PhaseAfter {
			m = after
		}
		if _, seen := m[name]; !seen {
			m[name] = e.At
		}
		lastActivity = later(lastActivity, e.At)
	}
	var compensate *state.StepRecord
	recorded := map[string]bool{}
	for i, s := range d.Steps {
		if s.Name == "compensate" {
			compensate = &d.Steps[i]
			continue
		}
		recorded[s.Name] = true
		b := Bar{Label: s.Name, Start: s.Started, End: orTime(s.Ended, s.Started), Kind: KindStep}
		if w, ok := after[s.Name]; ok && w.After(b.Start) && w.Before(b.End) {
			b.WaitFrom = w
		}
		t.Bars = append(t.Bars, b)
		lastActivity = later(lastActivity, b.End)
	}
	failed := d.Status == state.StatusFailed || d.Status == state.StatusRolledBack
	if failed {
		found := false
		names := make([]string, 0, len(before))
		for name := range before {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			if at := before[name]; !recorded[name] {
				t.Bars = append(t.Bars, Bar{Label: name + " (failed)", Start: at, End: later(lastActivity, at.Add(minFailed)), Kind: KindFailed})
				found = true
			}
		}
		if !found {
			t.Bars = append(t.Bars, Bar{Label: "failed: " + firstLine(d.Error, 60), Start: lastActivity, End: lastActivity.Add(minFailed), Kind: KindFailed})
		}
	}
	if compensate != nil || d.Status == state.StatusRolledBack {
		end := d.Ended
		if compensate != nil {
			end = later(end, compensate.Ended)
		}
		failEnd := lastActivity
		for _, b := range t.Bars {
			failEnd = later(failEnd, b.End)
		}
		t.Bars = append(t.Bars, Bar{Label: "compensate: undo " + undoCount(d.Steps), Start: failEnd, End: later(end, failEnd.Add(minFailed)), Kind: KindCompensation})
	}
	sort.SliceStable(t.Bars, func(i, j int) bool { return t.Bars[i].Start.Before(t.Bars[j].Start) })
	for _, b := range t.Bars {
		if t.Start.IsZero() || b.Start.Before(t.Start) {
			t.Start = b.Start
		}
		t.End = later(t.End, b.End)
	}
	markCritical(t.Bars)
	return t
}

// markCritical marks the chain of bars that set the end time: from the bar that ends
// last, back through the bar that ended last before each one started (a step starts
// when what it depends on has finished, so that bar is what it waited for). Compensation
// follows from the failure.
func markCritical(bars []Bar) {
	const slack = 50 * time.Millisecond // the state machine's own hop between states
	cur := -1
	for i, b := range bars {
		if cur < 0 || b.End.After(bars[cur].End) || b.End.Equal(bars[cur].End) && b.Start.After(bars[cur].Start) {
			cur = i
		}
	}
	for cur >= 0 {
		bars[cur].Critical = true
		next := -1
		for i, b := range bars {
			// Compensation runs because of the failure, whatever else was still running.
			if bars[cur].Kind == KindCompensation && b.Kind == KindFailed {
				next = i
				break
			}
			if i == cur || bars[i].Critical || b.End.After(bars[cur].Start.Add(slack)) {
				continue
			}
			// On a tie the bar that started later is the nearer cause.
			if next < 0 || b.End.After(bars[next].End) || b.End.Equal(bars[next].End) && b.Start.After(bars[next].Start) {
				next = i
			}
		}
		cur = next
	}
}

func stepName(e state.JournalEntry) string { return string(e.Action) + " " + e.StepID }

func undoCount(steps []state.StepRecord) string {
	n := 0
	for _, s := range steps {
		if strings.HasPrefix(s.Name, "create ") || strings.HasPrefix(s.Name, "update ") || strings.HasPrefix(s.Name, "delete ") {
			n++
		}
	}
	if n == 1 {
		return "1 change"
	}
	return itoa(n) + " changes"
}

func title(d *state.Deployment) string {
	what := "deployment"
	if d.Key == "" {
		what = "removal"
	}
	s := what + " " + d.ID + " of " + d.App + "/" + d.Stage + ": " + string(d.Status)
	if !d.Ended.IsZero() {
		s += " in " + human(d.Ended.Sub(d.Started))
	}
	return s
}

func firstLine(s string, n int) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if r := []rune(s); len(r) > n {
		s = string(r[:n-1]) + "…"
	}
	return s
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func orTime(t, def time.Time) time.Time {
	if t.IsZero() {
		return def
	}
	return t
}
