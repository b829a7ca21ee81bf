package progress

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/state"
)

var t0 = time.Date(2026, 12, 6, 20, 0, 0, 0, time.UTC)

func TestInFlightStepsAreThoseTheJournalBeganAndNoRecordFinished(t *testing.T) {
	d := &state.Deployment{Status: state.StatusRunning, Steps: []state.StepRecord{{Name: "create api/Function", Status: "SUCCEEDED"}}}
	j := []state.JournalEntry{
		{StepID: "api/Function", Kind: plan.KindFunction, Action: plan.Create, Phase: state.PhaseBefore, At: t0},
		{StepID: "api/Function", Kind: plan.KindFunction, Action: plan.Create, Phase: state.PhaseAfter, At: t0.Add(time.Second)},
		{StepID: "Distribution", Kind: plan.KindDistribution, Action: plan.Create, Phase: state.PhaseBefore, At: t0.Add(2 * time.Second)},
		{StepID: "Distribution", Kind: plan.KindDistribution, Action: plan.Create, Phase: state.PhaseAfter, At: t0.Add(3 * time.Second)},
		{StepID: "web/Service", Kind: plan.KindService, Action: plan.Update, Phase: state.PhaseBefore, At: t0.Add(time.Second)},
	}
	got := InFlight(d, j)
	if len(got) != 2 || got[0].Name != "update web/Service" || got[0].Waiting || got[1].Name != "create Distribution" || !got[1].Waiting ||
		!got[1].Since.Equal(t0.Add(2*time.Second)) {
		t.Fatalf("in flight %+v", got)
	}
	if s := got[1].Describe(); s != "waiting for CloudFront to deploy it to every edge location (usually 3–6 min)" {
		t.Errorf("distribution: %q", s)
	}
	if s := (Flight{Kind: plan.KindService, Waiting: true, Detail: "1 of 2 tasks running"}).Describe(); !strings.HasPrefix(s, "1 of 2 tasks running; waiting for ECS tasks to start") {
		t.Errorf("service: %q", s)
	}
	if s := got[0].Describe(); s != "calling AWS" {
		t.Errorf("a step whose action has not returned: %q", s)
	}
	d.Status = state.StatusRolledBack
	if got := InFlight(d, j); len(got) != 0 {
		t.Errorf("a rolled-back deployment has steps in flight: %+v", got)
	}
}

func TestTheBlockIsRedrawnInPlaceAndFinishedStepsScrollAboveIt(t *testing.T) {
	var out bytes.Buffer
	l := NewLive(&out, 60) // lines are cut to 59 columns
	flights := []Flight{{Name: "create Distribution", Kind: plan.KindDistribution, Since: t0, Waiting: true}, {Name: "update web/Service", Since: t0}}
	l.Draw(flights, t0.Add(130*time.Second))
	first := out.String()
	if want := "  in flight (2):\n    create Distribution                  2m10s  waiting fo…\n"; !strings.HasPrefix(first, want) {
		t.Errorf("first frame %q, want it to start %q", first, want)
	}
	out.Reset()
	l.Print("  create api/Function  SUCCEEDED 0.4s\n")
	l.Draw(flights[:1], t0.Add(131*time.Second))
	// Up over the 3 lines of the block, erase, the finished line, then the new block.
	want := "\x1b[3A\r\x1b[J  create api/Function  SUCCEEDED 0.4s\n  in flight (1):\n    create Distribution                  2m11s  waiting fo…\n"
	if out.String() != want {
		t.Errorf("second frame %q\nwant             %q", out.String(), want)
	}
	out.Reset()
	l.Done()
	l.Done()
	if out.String() != "\x1b[2A\r\x1b[J" {
		t.Errorf("done %q, want one erase of the 2-line block", out.String())
	}
}
