package api

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/state"
	"github.com/berth-dev/berth/internal/timeline"
)

// journaledState is the fake state with journals, as *state.Store has them.
type journaledState struct {
	*fakeState
	journal []state.JournalEntry
}

func (j *journaledState) Journal(context.Context, string, string, string) ([]state.JournalEntry, error) {
	return j.journal, nil
}

// withRolledBack records a deployment whose api/Function update failed and was undone.
func withRolledBack(h *harness) {
	at := func(s int) time.Time { return testNow.Add(time.Duration(s) * time.Second) }
	h.state.deployments["dep-3"] = &state.Deployment{ID: "dep-3", App: "my-app", Stage: "prod", Key: "k", Status: state.StatusRolledBack,
		Started: at(0), Ended: at(20), Error: "StepTimeoutError: api/Function: still not ready",
		Steps: []state.StepRecord{{Name: "lock", Status: "SUCCEEDED", Started: at(0), Ended: at(1)},
			{Name: "create api/Role", Status: "SUCCEEDED", Started: at(1), Ended: at(3)},
			{Name: "compensate", Status: "SUCCEEDED", Started: at(20), Ended: at(20)}}}
	h.srv.o.State = &journaledState{fakeState: h.state, journal: []state.JournalEntry{
		{StepID: "api/Role", Action: plan.Create, Phase: state.PhaseBefore, At: at(1)},
		{StepID: "api/Function", Action: plan.Update, Phase: state.PhaseBefore, At: at(3)},
		{StepID: "api/Function", Action: plan.Update, Phase: state.PhaseAfter, At: at(4)}}}
}

func TestADeploymentsTimelineShowsTheFailedStepAndTheCompensation(t *testing.T) {
	h := newHarness(t)
	withRolledBack(h)
	rec := h.do(http.MethodGet, "/v1/apps/my-app/stages/prod/deployments/dep-3/timeline", nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	got := decode[Timeline](t, rec)
	kinds := map[string]timeline.Kind{}
	for _, b := range got.Bars {
		kinds[b.Label] = b.Kind
	}
	if kinds["update api/Function (failed)"] != timeline.KindFailed || kinds["compensate: undo 1 change"] != timeline.KindCompensation {
		t.Errorf("bars %+v", got.Bars)
	}
	if !strings.HasPrefix(got.SVG, "<svg ") || !strings.Contains(got.SVG, "update api/Function (failed)") {
		t.Errorf("svg %.200s", got.SVG)
	}
	for path, code := range map[string]string{"/v1/apps/my-app/stages/prod/deployments/nope/timeline": CodeNotFound,
		"/v1/apps/my-app/stages/prod/deployments/a%20b/timeline": CodeInvalidPath} {
		if e := decode[apiError](t, h.do(http.MethodGet, path, nil)); e.Error.Code != code {
			t.Errorf("GET %s: %+v, want %s", path, e, code)
		}
	}
}
