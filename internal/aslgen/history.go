package aslgen

import (
	"fmt"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision/kinds"
	"github.com/berth-dev/berth/internal/workflow"
)

// A Standard execution that reaches 25,000 history events fails (Step Functions quotas,
// https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html), outside any
// Catch. This file computes, from the machines as written and a plan, how many events any
// execution of berth can record when every wait runs to its budget, so a test can hold
// them well below the limit (fidelity-fargate-asl.md B4).

// Events each state records, by the HistoryEvent types Step Functions lists
// (https://docs.aws.amazon.com/step-functions/latest/apireference/API_HistoryEvent.html):
// a Lambda Task is TaskStateEntered, TaskScheduled, TaskStarted, TaskSucceeded or
// TaskFailed, TaskStateExited; a Distributed Map is MapStateEntered, MapStateStarted,
// MapRunStarted, MapRunSucceeded or MapRunFailed, MapStateSucceeded, MapStateExited (its
// items' events are their child executions'); Pass, Choice, Wait and Succeed are
// Entered and Exited; Fail is FailStateEntered. An execution adds ExecutionStarted and
// its end.
const (
	taskEvents      = 5
	retryEvents     = 3 // one more attempt: TaskScheduled, TaskStarted, TaskFailed
	mapEvents       = 6
	simpleEvents    = 2
	failEvents      = 1
	executionEvents = 2
)

// Path is one way through a machine: how many times each Choice state named loops back
// (takes its Default) before its first rule holds, and the visit at which a Task named
// fails and its Catch is taken. A Choice not named takes its Default.
type Path struct {
	Loops  map[string]int
	FailAt map[string]int
}

// Events counts the history of one execution that follows path through states from
// start. It assumes the worst of retries: every Task invocation is retried once, and one
// Task exhausts every retrier of the policy. An inline Map is an error: its iterations'
// events would be this execution's, growing with the plan.
func Events(start string, states States, path Path) (int, error) {
	total := executionEvents + retryEvents*stormAttempts()
	visits := map[string]int{}
	for cur, n := start, 0; ; n++ {
		if n > 1_000_000 {
			return 0, fmt.Errorf("the path never ends (at %s)", cur)
		}
		s := lookup(states, cur)
		if s == nil {
			return 0, fmt.Errorf("no state %q", cur)
		}
		visits[cur]++
		e, err := stateEvents(cur, s)
		if err != nil {
			return 0, err
		}
		total += e
		if at := path.FailAt[cur]; at > 0 && visits[cur] == at {
			if len(s.Catch) == 0 {
				return total, nil
			}
			cur = s.Catch[0].Next
			continue
		}
		switch {
		case s.Type == "Choice" && (visits[cur] <= path.Loops[cur] || path.Loops[cur] < 0):
			cur = s.Default
		case s.Type == "Choice":
			cur = s.Choices[0].Next
		case s.Type == "Succeed" || s.Type == "Fail" || s.End:
			return total, nil
		default:
			cur = s.Next
		}
	}
}

// always makes a Choice take its Default on every visit.
const always = -1

func stateEvents(name string, s *State) (int, error) {
	switch s.Type {
	case "Task":
		return taskEvents + retryEvents, nil
	case "Map":
		if s.ItemProcessor == nil || s.ItemProcessor.ProcessorConfig["Mode"] != "DISTRIBUTED" {
			return 0, fmt.Errorf("%s is an inline Map: its iterations' events are its execution's and grow with the plan", name)
		}
		return mapEvents, nil
	case "Fail":
		return failEvents, nil
	}
	return simpleEvents, nil
}

// stormAttempts is one Task exhausting every retrier: the attempts of the whole policy.
func stormAttempts() int {
	n := 0
	for _, r := range retry {
		n += r.MaxAttempts
	}
	return n
}

func lookup(states States, name string) *State {
	for _, n := range states {
		if n.Name == name {
			return n.State
		}
	}
	return nil
}

// WorstCase is the largest history each kind of execution can record for a plan.
type WorstCase struct {
	Deploy, Remove int // the parent executions
	Step           int // the largest child execution (one step)
	StepKind       plan.Kind
}

// WorstHistories computes WorstCase for deploying deploy and later removing what it
// applied (removal: the plan that deletes it). The deploy applies and prunes every page,
// then fails Verify and compensates for as long as the rollback may take; the removal
// waits for the lock as long as it may, then prunes every page and fails its inventory;
// a step polls to its budget and fails.
func WorstHistories(deploy, removal *plan.Plan) (WorstCase, error) {
	var w WorstCase
	apply, prune, err := pageCounts(deploy)
	if err != nil {
		return w, err
	}
	d := Deploy()
	if w.Deploy, err = Events(d.StartAt, d.States, Path{
		Loops: map[string]int{"Recover?": always, hasWave("apply"): apply, hasWave("prune"): prune,
			"Compensated?": workflow.MaxCalls(workflow.CompensationBudget) - 1},
		FailAt: map[string]int{"Verify": 1},
	}); err != nil {
		return w, fmt.Errorf("deploy: %w", err)
	}
	_, removed, err := pageCounts(removal)
	if err != nil {
		return w, err
	}
	r := Remove()
	if w.Remove, err = Events(r.StartAt, r.States, Path{
		Loops:  map[string]int{"Locked?": workflow.MaxLockWaits, hasWave("prune"): removed},
		FailAt: map[string]int{"Inventory": 1},
	}); err != nil {
		return w, fmt.Errorf("remove: %w", err)
	}
	for _, p := range []*plan.Plan{deploy, removal} {
		if err := w.addSteps(d, p); err != nil {
			return w, err
		}
	}
	return w, nil
}

// addSteps raises w.Step to the largest child execution among p's steps.
func (w *WorstCase) addSteps(m Machine, p *plan.Plan) error {
	for _, s := range p.Steps {
		if s.Action == plan.Noop {
			continue
		}
		phase := "apply"
		if s.Action == plan.Delete {
			phase = "prune"
		}
		d, err := kinds.Lookup(s.Kind)
		if err != nil {
			return err
		}
		calls := workflow.MaxCalls(d.Budget)
		proc := lookup(m.States, waveMap(phase)).ItemProcessor
		pfx := prefix(phase)
		n, err := Events(proc.StartAt, proc.States, Path{
			Loops: map[string]int{pfx + "StepDone?": calls - 1}, FailAt: map[string]int{pfx + "Step": calls}})
		if err != nil {
			return fmt.Errorf("step %s: %w", s.ID, err)
		}
		if n > w.Step {
			w.Step, w.StepKind = n, s.Kind
		}
	}
	return nil
}

// pageCounts is how many pages the wave loader hands out for each phase of p.
func pageCounts(p *plan.Plan) (apply, prune int, err error) {
	a, err := workflow.PhasePages(p, "apply")
	if err != nil {
		return 0, 0, err
	}
	r, err := workflow.PhasePages(p, "prune")
	return len(a), len(r), err
}
