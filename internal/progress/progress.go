// Package progress shows a deployment while it runs: the steps in flight, how long each
// has run and what it waits for, redrawn in place on a terminal, with finished steps
// scrolling above. It reads only the deployment record and its journal, so the CLI
// following a deployment on AWS and the local runtime draw the same picture.
package progress

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision/kinds"
	"github.com/berth-dev/berth/internal/state"
)

// Flight is a step that has started and not finished.
type Flight struct {
	Name    string // "create web/Service"
	Kind    plan.Kind
	Since   time.Time
	Waiting bool   // its action returned; AWS is making the resource ready (or gone)
	Detail  string // live detail ("1 of 2 tasks running"), when the caller has one
}

// InFlight lists the steps the journal began that no step record finished, oldest first.
// A failed or rolled-back deployment has none: what it began is being undone.
func InFlight(d *state.Deployment, journal []state.JournalEntry) []Flight {
	if d == nil || d.Status != state.StatusRunning {
		return nil
	}
	done := map[string]bool{}
	for _, s := range d.Steps {
		done[s.Name] = true
	}
	byName := map[string]*Flight{}
	var out []*Flight
	for _, e := range journal {
		name := string(e.Action) + " " + e.StepID
		if done[name] {
			continue
		}
		f := byName[name]
		if f == nil {
			f = &Flight{Name: name, Kind: e.Kind, Since: e.At}
			byName[name] = f
			out = append(out, f)
		}
		if e.Phase == state.PhaseAfter {
			f.Waiting = true
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Since.Before(out[j].Since) })
	flights := make([]Flight, len(out))
	for i, f := range out {
		flights[i] = *f
	}
	return flights
}

// Describe is a flight's one-line state: live detail, then what it waits for.
func (f Flight) Describe() string {
	if !f.Waiting {
		return "calling AWS"
	}
	what := "waiting until ready"
	if d, err := kinds.Lookup(f.Kind); err == nil && d.WaitsFor != "" {
		what = "waiting for " + d.WaitsFor
	}
	if f.Detail != "" {
		return f.Detail + "; " + what
	}
	return what
}

// Live draws the in-flight block at the bottom of a terminal. Print writes a line above
// it (a finished step); Draw replaces the block.
type Live struct {
	w     io.Writer
	lines int // lines of the block on screen
	width int // terminal columns; lines are cut to fit so that the block's height is exact
}

// NewLive draws on w, a terminal width columns wide (0: 100).
func NewLive(w io.Writer, width int) *Live {
	if width <= 0 {
		width = 100
	}
	return &Live{w: w, width: width}
}

// clear erases the block: cursor up over it, erase to the end of the screen.
func (l *Live) clear() {
	if l.lines > 0 {
		fmt.Fprintf(l.w, "\x1b[%dA\r\x1b[J", l.lines)
		l.lines = 0
	}
}

// Print writes text (whole lines) above the block.
func (l *Live) Print(text string) {
	l.clear()
	io.WriteString(l.w, text)
}

// Draw replaces the block with the flights, each with its elapsed time at now.
func (l *Live) Draw(flights []Flight, now time.Time) {
	l.clear()
	if len(flights) == 0 {
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "  in flight (%d):\n", len(flights))
	for _, f := range flights {
		line := fmt.Sprintf("    %-34s %7s  %s", f.Name, Elapsed(now.Sub(f.Since)), f.Describe())
		if r := []rune(line); len(r) > l.width-1 {
			line = string(r[:l.width-2]) + "…"
		}
		b.WriteString(line + "\n")
	}
	io.WriteString(l.w, b.String())
	l.lines = len(flights) + 1
}

// Done erases the block for good. A nil Live does nothing.
func (l *Live) Done() {
	if l != nil {
		l.clear()
	}
}

// Elapsed prints a running time: 0.4s, 12s, 2m10s.
func Elapsed(d time.Duration) string {
	switch {
	case d < 0:
		return "0.0s"
	case d < 10*time.Second:
		return fmt.Sprintf("%.1fs", d.Seconds())
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}
