package aslgen

import (
	"context"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/bigapp"
	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/stage"
)

// historyCeiling is where berth holds every execution: well below Step Functions' 25,000.
const historyCeiling = 20_000

// plans is a first deploy of size's big app and the removal of what it applied.
func plans(t *testing.T, size bigapp.Size) (deploy, removal *plan.Plan) {
	t.Helper()
	cfg, err := config.Load(context.Background(), bigapp.Config(size, nil, "1"), config.Options{Stage: "dev"})
	if err != nil {
		t.Fatal(err)
	}
	target := plan.Target{Region: "eu-west-1", Account: "123456789012"}
	pv, err := stage.PreviewConfig(cfg, target, nil)
	if err != nil {
		t.Fatal(err)
	}
	rm, err := stage.PreviewRemoval(bigapp.Name, "dev", target, pv.Plan.Desired)
	if err != nil {
		t.Fatal(err)
	}
	return pv.Plan, rm.Plan
}

func TestNoExecutionOfA150ContainerAppCanApproachTheHistoryLimitHoweverSlowAWSIs(t *testing.T) {
	deploy, removal := plans(t, bigapp.Issue14)
	w, err := WorstHistories(deploy, removal)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("150 containers, %d steps: worst deploy execution %d events, removal %d, step %d (%s)",
		len(deploy.Steps), w.Deploy, w.Remove, w.Step, w.StepKind)
	for name, n := range map[string]int{"deploy": w.Deploy, "remove": w.Remove, "step": w.Step} {
		if n > historyCeiling {
			t.Errorf("a %s execution can record %d events, above %d", name, n, historyCeiling)
		}
	}
}

func TestTheParentsHistoryDoesNotGrowWithTheNumberOfContainers(t *testing.T) {
	small, smallRm := plans(t, bigapp.Size{Lambdas: 2, Fargates: 1})
	big, bigRm := plans(t, bigapp.Issue14)
	s, err := WorstHistories(small, smallRm)
	if err != nil {
		t.Fatal(err)
	}
	b, err := WorstHistories(big, bigRm)
	if err != nil {
		t.Fatal(err)
	}
	// Only the number of pages (waves, and waves over MaxWaveItems) adds parent events.
	if b.Deploy-s.Deploy > 20*(taskEvents+retryEvents+mapEvents+3*simpleEvents) {
		t.Errorf("3 containers: %d events; 150: %d: the parent grows with the app", s.Deploy, b.Deploy)
	}
}

func TestTheHistoryModelRefusesAnInlineMap(t *testing.T) {
	deploy, removal := plans(t, bigapp.Size{Lambdas: 2, Fargates: 1})
	m := Deploy()
	lookup(m.States, waveMap("apply")).ItemProcessor.ProcessorConfig = map[string]string{"Mode": "INLINE"}
	_, err := Events(m.StartAt, m.States, Path{Loops: map[string]int{"Recover?": always, hasWave("apply"): 1}})
	if err == nil || !strings.Contains(err.Error(), "inline Map") {
		t.Fatalf("err = %v, want the inline Map refused", err)
	}
	if _, err := WorstHistories(deploy, removal); err != nil {
		t.Fatalf("the machine as generated: %v", err)
	}
}

func TestTheHistoryModelCountsEachStateItPasses(t *testing.T) {
	// Task → Choice (loops twice through Wait) → Succeed.
	var s States
	s.add("T", &State{Type: "Task", Next: "C?"})
	s.add("C?", &State{Type: "Choice", Choices: []Choice{{Next: "Done"}}, Default: "W"})
	s.add("W", &State{Type: "Wait", Next: "T"})
	s.add("Done", &State{Type: "Succeed"})
	got, err := Events("T", s, Path{Loops: map[string]int{"C?": 2}})
	if err != nil {
		t.Fatal(err)
	}
	storm := retryEvents * stormAttempts()
	want := executionEvents + storm + 3*(taskEvents+retryEvents) + 3*simpleEvents + 2*simpleEvents + simpleEvents
	if got != want {
		t.Fatalf("events = %d, want %d", got, want)
	}
	got, err = Events("T", s, Path{Loops: map[string]int{"C?": 2}, FailAt: map[string]int{"T": 2}})
	if err != nil {
		t.Fatal(err)
	}
	if want := executionEvents + storm + 2*(taskEvents+retryEvents) + simpleEvents + simpleEvents; got != want {
		t.Fatalf("a Task failing without a Catch ends the execution: events = %d, want %d", got, want)
	}
}
