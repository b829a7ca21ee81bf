package api

import (
	"context"
	"errors"
	"net/http"

	"github.com/berth-dev/berth/internal/state"
	"github.com/berth-dev/berth/internal/timeline"
)

// RouteGetTimeline is a deployment drawn as a timeline.
const RouteGetTimeline = "GET /v1/apps/{app}/stages/{stage}/deployments/{id}/timeline"

// JournalReader reads a deployment's journal (*state.Store has it). The timeline route
// needs it; a StateReader without it answers 500.
type JournalReader interface {
	Journal(ctx context.Context, app, stage, id string) ([]state.JournalEntry, error)
}

// The store berth runs with reads journals.
var _ JournalReader = (*state.Store)(nil)

// Timeline is GET .../timeline's answer: the bars, and the same picture as SVG (what
// `berth history --timeline` writes).
type Timeline struct {
	timeline.Timeline
	SVG string `json:"svg"`
}

func (s *Server) getTimeline(c *call) (*reply, error) {
	id := c.r.PathValue("id")
	if e := checkID(id); e != nil {
		return nil, e
	}
	jr, canRead := s.o.State.(JournalReader)
	if !canRead {
		return nil, errors.New("the state reader cannot read journals")
	}
	d, err := s.o.State.GetDeployment(c.ctx(), c.app, c.stage, id)
	if err != nil {
		return nil, err
	}
	if d == nil {
		return nil, errorf(http.StatusNotFound, CodeNotFound, "%s/%s has no deployment %s", c.app, c.stage, id)
	}
	journal, err := jr.Journal(c.ctx(), c.app, c.stage, id)
	if err != nil {
		return nil, err
	}
	t := timeline.FromDeployment(d, journal)
	if t.Bars == nil {
		t.Bars = []timeline.Bar{}
	}
	return ok(Timeline{Timeline: t, SVG: string(t.SVG())}), nil
}
