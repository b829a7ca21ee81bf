package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/stage"
)

// writeText renders a plan like terraform does: one line per change, grouped by wave,
// unchanged resources only counted, then a summary line.
func writeText(w io.Writer, pv *stage.Preview, applied *plan.Desired) {
	p := pv.Plan
	d := p.Desired
	where := d.Region
	if d.Account != "" {
		where += ", account " + d.Account
	}
	fmt.Fprintf(w, "Plan for %s/%s (%s)\n", d.App, d.Stage, where)
	if d.AppInNames != "" {
		fmt.Fprintf(w, "Names: app %q appears in AWS resource names as %q; each name ends in a hash of the exact app name, so no two apps share a name\n", d.App, d.AppInNames)
	}

	names := map[string]string{} // "action id" -> physical name shown
	for _, r := range d.Resources {
		names[string(plan.Create)+r.ID] = r.Name
	}
	if applied != nil {
		for _, r := range applied.Resources {
			names[string(plan.Delete)+r.ID] = r.Name
		}
	}
	idWidth, kindWidth := 0, 0
	for _, s := range p.Steps {
		if s.Action != plan.Noop {
			idWidth, kindWidth = max(idWidth, len(s.ID)), max(kindWidth, len(s.Kind))
		}
	}

	wave := -1
	for _, s := range p.Steps {
		if s.Action == plan.Noop {
			continue
		}
		if s.Wave != wave {
			wave = s.Wave
			fmt.Fprintf(w, "\nWave %d:\n", wave)
		}
		var detail []string
		switch s.Action {
		case plan.Create, plan.Delete:
			if n := names[string(s.Action)+s.ID]; n != "" {
				detail = append(detail, n)
			}
		case plan.Update:
			detail = append(detail, "changes: "+strings.Join(s.Changes, ", "))
		}
		if s.Replace {
			detail = append(detail, "replace")
		}
		line := fmt.Sprintf("  %s %-6s %-*s  %-*s", symbol(s.Action), s.Action, idWidth, s.ID, kindWidth, s.Kind)
		if len(detail) > 0 {
			line += "  (" + strings.Join(detail, "; ") + ")"
		}
		fmt.Fprintln(w, strings.TrimRight(line, " "))
		if l := plan.BuildLine(s); l != "" {
			fmt.Fprintf(w, "      %s\n", l)
		}
		for _, c := range plan.StepRouteChanges(s, applied, d) {
			fmt.Fprintf(w, "      %s %s -> %s (%s)\n", symbol(c.Action), c.Key, c.Route.Container, c.Route.Target)
		}
	}
	sum := pv.Summary
	if sum.Changes() == 0 {
		fmt.Fprintln(w, "\nNo changes.")
	}
	fmt.Fprintf(w, "\nPlan: %d to create, %d to update, %d to delete, %d unchanged.\n", sum.Create, sum.Update, sum.Delete, sum.Noop)
}

func symbol(a plan.Action) string {
	switch a {
	case plan.Create:
		return "+"
	case plan.Update:
		return "~"
	case plan.Delete:
		return "-"
	}
	return " "
}
