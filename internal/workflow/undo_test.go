package workflow

import (
	"slices"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/state"
)

func TestUndoBatches(t *testing.T) {
	entry := func(id string, a plan.Action) state.JournalEntry {
		return state.JournalEntry{StepID: id, Action: a, Phase: state.PhaseBefore}
	}
	render := func(bs [][]state.JournalEntry) []string {
		var out []string
		for _, b := range bs {
			var ids []string
			for _, e := range b {
				ids = append(ids, string(e.Action)+" "+e.StepID)
			}
			out = append(out, strings.Join(ids, ", "))
		}
		return out
	}
	waves := map[string]int{"role/create": 0, "logs/create": 0, "fn/create": 1, "url/create": 2, "perm/create": 2,
		"old/delete": 0, "fn/delete": 1}
	for _, tc := range []struct {
		name  string
		order []state.JournalEntry
		want  []string
	}{
		{"the entries of one wave are one batch, waves newest first",
			[]state.JournalEntry{entry("perm", plan.Create), entry("url", plan.Create), entry("fn", plan.Create), entry("logs", plan.Create), entry("role", plan.Create)},
			[]string{"create perm, create url", "create fn", "create logs, create role"}},
		{"a prune wave and an apply wave with the same number are separate batches",
			[]state.JournalEntry{entry("old", plan.Delete), entry("role", plan.Create)},
			[]string{"delete old", "create role"}},
		{"a replaced resource's delete and create are undone apart, the delete first",
			[]state.JournalEntry{entry("fn", plan.Delete), entry("fn", plan.Create)},
			[]string{"delete fn", "create fn"}},
		{"a step the plan does not name is undone on its own",
			[]state.JournalEntry{entry("url", plan.Create), entry("mystery", plan.Update), entry("perm", plan.Create)},
			[]string{"create url", "update mystery", "create perm"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := render(undoBatches(tc.order, waves)); !slices.Equal(got, tc.want) {
				t.Errorf("batches %q, want %q", got, tc.want)
			}
		})
	}
}
