package stage

import (
	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/plan"
)

// Preview is what a deployment would do: the plan (desired graph and steps) and its
// counts. Nothing is written to compute it.
type Preview struct {
	Plan    *plan.Plan
	Summary Summary
}

// Summary counts a plan's steps by action.
type Summary struct {
	Create int `json:"create"`
	Update int `json:"update"`
	Delete int `json:"delete"`
	Noop   int `json:"noop"`
}

// Changes is how many steps change something.
func (s Summary) Changes() int { return s.Create + s.Update + s.Delete }

// Summarize counts p's steps by action.
func Summarize(p *plan.Plan) Summary {
	var s Summary
	for _, st := range p.Steps {
		switch st.Action {
		case plan.Create:
			s.Create++
		case plan.Update:
			s.Update++
		case plan.Delete:
			s.Delete++
		default:
			s.Noop++
		}
	}
	return s
}

// PreviewConfig builds cfg's graph for target and diffs it against applied, the graph the
// stage runs (nil when nothing is deployed: every step is a create).
func PreviewConfig(cfg *config.Config, target plan.Target, applied *plan.Desired) (*Preview, error) {
	desired, err := plan.Build(cfg, target)
	if err != nil {
		return nil, err
	}
	return preview(desired, applied)
}

// PreviewRemoval diffs the empty graph of app/stage against applied: every applied
// resource is deleted.
func PreviewRemoval(app, stage string, target plan.Target, applied *plan.Desired) (*Preview, error) {
	return preview(&plan.Desired{App: app, Stage: stage, Region: target.Region, Account: target.Account}, applied)
}

func preview(desired, applied *plan.Desired) (*Preview, error) {
	p, err := plan.Diff(desired, applied)
	if err != nil {
		return nil, err
	}
	return &Preview{Plan: p, Summary: Summarize(p)}, nil
}
