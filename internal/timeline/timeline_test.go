package timeline

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/state"
)

var update = flag.Bool("update", false, "rewrite the golden files (and docs/timeline-example.svg)")

var t0 = time.Date(2026, 12, 6, 20, 0, 0, 0, time.UTC)

func at(d time.Duration) time.Time { return t0.Add(d) }

const ms = time.Millisecond

// rolledBack is a mixed app's first deployment on AWS timings: the ALB and the
// distribution take minutes, the ECS service never becomes stable, and berth undoes it.
func rolledBack() (*state.Deployment, []state.JournalEntry) {
	type step struct {
		name           string
		start, waitAt  time.Duration // waitAt 0: no after entry inside the step
		end            time.Duration
		action, stepID string
	}
	steps := []step{
		{"lock", 0, 0, 100 * ms, "", ""},
		{"create api/LogGroup", 500 * ms, 0, 800 * ms, "create", "api/LogGroup"},
		{"create web/LogGroup", 500 * ms, 0, 700 * ms, "create", "web/LogGroup"},
		{"create LoadBalancer", 500 * ms, time.Second, 3*time.Minute + 10*time.Second, "create", "LoadBalancer"},
		{"create api/Role", 900 * ms, 0, 1400 * ms, "create", "api/Role"},
		{"create web/TaskDefinition", 800 * ms, 0, 1200 * ms, "create", "web/TaskDefinition"},
		{"create api/Function", 1500 * ms, 2 * time.Second, 9 * time.Second, "create", "api/Function"},
		{"create api/Url", 9100 * ms, 0, 9500 * ms, "create", "api/Url"},
		{"create Distribution", 10 * time.Second, 11 * time.Second, 4*time.Minute + 30*time.Second, "create", "Distribution"},
		{"create api/Permission", 4*time.Minute + 31*time.Second, 0, 4*time.Minute + 32*time.Second, "create", "api/Permission"},
	}
	d := &state.Deployment{ID: "d-7", App: "shop", Stage: "prod", Key: "shop/prod/serverless.containers.yml", Status: state.StatusRolledBack,
		Started: t0, Ended: at(6 * time.Minute),
		Error: "StepTimeoutError: web/Service: still not ready after 30m0s\n(the tasks fail their health check)"}
	var j []state.JournalEntry
	for _, s := range steps {
		d.Steps = append(d.Steps, state.StepRecord{Name: s.name, Status: "SUCCEEDED", Started: at(s.start), Ended: at(s.end)})
		if s.stepID == "" {
			continue
		}
		j = append(j, state.JournalEntry{StepID: s.stepID, Action: plan.Action(s.action), Phase: state.PhaseBefore, At: at(s.start)})
		if s.waitAt != 0 {
			j = append(j, state.JournalEntry{StepID: s.stepID, Action: plan.Action(s.action), Phase: state.PhaseAfter, At: at(s.waitAt)})
		}
	}
	j = append(j,
		state.JournalEntry{StepID: "web/Service", Action: plan.Create, Phase: state.PhaseBefore, At: at(3*time.Minute + 11*time.Second)},
		state.JournalEntry{StepID: "web/Service", Action: plan.Create, Phase: state.PhaseAfter, At: at(3*time.Minute + 12*time.Second)})
	d.Steps = append(d.Steps, state.StepRecord{Name: "compensate", Status: "SUCCEEDED", Started: at(6 * time.Minute), Ended: at(6 * time.Minute)})
	return d, j
}

func TestARolledBackDeploymentShowsTheFailedStepTheCompensationAndTheCriticalPath(t *testing.T) {
	tl := FromDeployment(rolledBack())
	bars := map[string]Bar{}
	var critical []string
	for _, b := range tl.Bars {
		bars[b.Label] = b
		if b.Critical {
			critical = append(critical, b.Label)
		}
	}
	failed, ok := bars["create web/Service (failed)"]
	if !ok || failed.Kind != KindFailed || !failed.Start.Equal(at(3*time.Minute+11*time.Second)) {
		t.Errorf("failed bar %+v (found %v), want create web/Service from 3m11s", failed, ok)
	}
	comp, ok := bars["compensate: undo 9 changes"]
	if !ok || comp.Kind != KindCompensation || !comp.Start.Equal(at(4*time.Minute+32*time.Second)) || !comp.End.Equal(at(6*time.Minute)) {
		t.Errorf("compensation bar %+v (found %v), want 4m32s to 6m00s", comp, ok)
	}
	if fn := bars["create api/Function"]; !fn.WaitFrom.Equal(at(2 * time.Second)) {
		t.Errorf("api/Function waits from %v, want 2s in", fn.WaitFrom.Sub(t0))
	}
	if r := bars["create api/Role"]; !r.WaitFrom.IsZero() {
		t.Errorf("api/Role has no after entry inside it, yet waits from %v", r.WaitFrom)
	}
	want := "lock, create LoadBalancer, create web/Service (failed), compensate: undo 9 changes"
	if got := strings.Join(critical, ", "); got != want {
		t.Errorf("critical path %s\nwant          %s", got, want)
	}
	golden(t, "rolled-back.svg", tl.SVG())
}

func TestAFailureNoStepOwnsIsDrawnWhereTheDeploymentStopped(t *testing.T) {
	d := &state.Deployment{ID: "d-8", App: "shop", Stage: "prod", Key: "k", Status: state.StatusFailed, Started: t0, Ended: at(2 * time.Second),
		Error: "ConfigError: containers.api.routing.pathPattern: required",
		Steps: []state.StepRecord{{Name: "lock", Status: "SUCCEEDED", Started: t0, Ended: at(100 * ms)}}}
	tl := FromDeployment(d, nil)
	if len(tl.Bars) != 2 || tl.Bars[1].Kind != KindFailed || tl.Bars[1].Label != "failed: ConfigError: containers.api.routing.pathPattern: required" {
		t.Fatalf("bars %+v", tl.Bars)
	}
	svg := string(tl.SVG())
	// The failure colour on its bar and in the legend; compensation's only in the legend.
	if strings.Count(svg, `fill="`+colourFailed+`"`) != 2 || strings.Count(svg, colourCompensation) != 1 {
		t.Errorf("a failure without compensation: %s", svg)
	}
	golden(t, "failed-validation.svg", tl.SVG())
}

// golden compares got with testdata/name; -update rewrites it. The rolled-back picture is
// also the README's example, docs/timeline-example.svg.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	paths := []string{filepath.Join("testdata", name)}
	if name == "rolled-back.svg" {
		paths = append(paths, filepath.Join("..", "..", "docs", "timeline-example.svg"))
	}
	for _, p := range paths {
		if *update {
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(p)
		if err != nil {
			t.Fatalf("%v (run go test ./internal/timeline -update)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from the rendering (review, then go test ./internal/timeline -update):\n%s", p, got)
		}
	}
}
