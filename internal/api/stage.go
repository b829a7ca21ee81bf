package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"time"

	"github.com/berth-dev/berth/internal/edge"
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/state"
)

// Stage is GET .../stages/{stage}'s answer: what the last successful deployment left
// running, the lock and the last drift report.
type Stage struct {
	App   string `json:"app"`
	Stage string `json:"stage"`
	// DeploymentID is the deployment that produced the applied state.
	DeploymentID  string    `json:"deploymentId"`
	ConfigVersion string    `json:"configVersion,omitempty"`
	UpdatedAt     time.Time `json:"updatedAt"`
	Region        string    `json:"region"`
	// DistributionDomain is the CloudFront domain (d123.cloudfront.net); "" until known.
	DistributionDomain string `json:"distributionDomain,omitempty"`
	// CustomDomains are the distribution's aliases (routing.domain of the containers).
	CustomDomains []string        `json:"customDomains"`
	Routes        []Route         `json:"routes"`
	Resources     []StageResource `json:"resources"`
	// Lock is the deploy lock; null when no deployment runs.
	Lock *state.Lock `json:"lock"`
	// Drift is the last drift report; null when drift never ran.
	Drift *state.DriftReport `json:"drift"`
}

// Route is one KeyValueStore entry the router reads: a path pattern (optionally
// prefixed by a domain) and where it sends requests.
type Route struct {
	Key       string `json:"key"`
	Container string `json:"container,omitempty"`
	Target    string `json:"target,omitempty"` // lambda | alb
	// Origin is the Function URL host (lambda targets).
	Origin string `json:"origin,omitempty"`
	// Value is the raw stored value, only when it does not decode.
	Value string `json:"value,omitempty"`
}

// StageResource is one applied resource with its safe outputs.
type StageResource struct {
	ID        string            `json:"id"`
	Kind      plan.Kind         `json:"kind"`
	Container string            `json:"container,omitempty"`
	Name      string            `json:"name"`
	Region    string            `json:"region"`
	Outputs   map[string]string `json:"outputs,omitempty"`
}

// safeOutputs are the resource outputs the API shows: identifiers and public endpoints.
var safeOutputs = []string{plan.AttrArn, plan.AttrID, plan.AttrDomainName, plan.AttrURL}

func (s *Server) loadApplied(c *call) (*state.Applied, error) {
	a, err := s.o.State.LoadApplied(c.ctx(), c.app, c.stage)
	if err != nil {
		return nil, err
	}
	if a == nil || a.Desired == nil {
		return nil, errorf(http.StatusNotFound, CodeNotFound, "%s/%s is not deployed (never deployed, or removed)", c.app, c.stage)
	}
	return a, nil
}

// getStage describes what runs for app/stage.
func (s *Server) getStage(c *call) (*reply, error) {
	a, err := s.loadApplied(c)
	if err != nil {
		return nil, err
	}
	lock, err := s.o.State.GetLock(c.ctx(), c.app, c.stage)
	if err != nil {
		return nil, err
	}
	drift, err := s.o.State.LoadDrift(c.ctx(), c.app, c.stage)
	if err != nil {
		return nil, err
	}
	out := Stage{App: c.app, Stage: c.stage, DeploymentID: a.DeploymentID, ConfigVersion: a.ConfigVersion,
		UpdatedAt: a.UpdatedAt, Region: a.Desired.Region, CustomDomains: []string{}, Routes: []Route{},
		Resources: []StageResource{}, Lock: lock, Drift: drift}
	for _, r := range a.Desired.Resources {
		sr := StageResource{ID: r.ID, Kind: r.Kind, Container: r.Container, Name: r.Name, Region: r.Region}
		for _, k := range safeOutputs {
			if v := a.Outputs[r.ID][k]; v != "" {
				if sr.Outputs == nil {
					sr.Outputs = map[string]string{}
				}
				sr.Outputs[k] = v
			}
		}
		out.Resources = append(out.Resources, sr)
		if r.Kind == plan.KindDistribution {
			out.DistributionDomain = a.Outputs[r.ID][plan.AttrDomainName]
			var p plan.DistributionProps
			if err := json.Unmarshal(r.Props, &p); err != nil {
				return nil, fmt.Errorf("applied distribution %s: %w", r.ID, err)
			}
			out.CustomDomains = append(out.CustomDomains, p.Aliases...)
		}
	}
	for key, v := range a.RouteEntries() {
		rt := Route{Key: key}
		if dv, err := edge.DecodeValue(v); err == nil {
			rt.Container, rt.Target, rt.Origin = dv.Container, dv.Target, dv.Domain
		} else {
			rt.Value = v
		}
		out.Routes = append(out.Routes, rt)
	}
	sort.Slice(out.Routes, func(i, j int) bool { return out.Routes[i].Key < out.Routes[j].Key })
	return ok(out), nil
}

// deleteStage starts the removal of everything app/stage runs.
func (s *Server) deleteStage(c *call) (*reply, error) {
	if _, err := s.loadApplied(c); err != nil {
		return nil, err
	}
	id := s.o.IDs.NewID()
	if checkID(id) != nil {
		return nil, fmt.Errorf("the id generator made %q, which is not a valid deployment id", id)
	}
	now := s.o.Clock.Now()
	arn, err := s.o.Remover.StartRemove(c.ctx(), RemoveRequest{App: c.app, Stage: c.stage, Source: SourceAPI, DeploymentID: id})
	if err != nil {
		return nil, fmt.Errorf("starting the removal: %w", err)
	}
	c.log.Info("removal started", "deploymentId", id, "execution", arn)
	self := deploymentPath(c.app, c.stage, id)
	return &reply{
		status: http.StatusAccepted,
		header: http.Header{"Location": {self}},
		body: Accepted{DeploymentID: id, App: c.app, Stage: c.stage, ExecutionArn: arn, Status: StatusPending,
			RequestedAt: now, Links: Links{Self: self}},
	}, nil
}

// PlanResult is POST .../plan's answer: the plan JSON of docs/plan-json.md (desired and
// steps) plus counts per action.
type PlanResult struct {
	plan.Plan
	Summary Summary `json:"summary"`
	// AppliedDeploymentID is the deployment whose applied state the plan diffs against;
	// "" when the stage is not deployed (every step is a create).
	AppliedDeploymentID string       `json:"appliedDeploymentId,omitempty"`
	Warnings            []Diagnostic `json:"warnings,omitempty"`
}

// Summary counts a plan's steps by action.
type Summary struct {
	Create int `json:"create"`
	Update int `json:"update"`
	Delete int `json:"delete"`
	Noop   int `json:"noop"`
}

// postPlan is a dry run: what deploying the posted config would do. Nothing is written.
func (s *Server) postPlan(c *call) (*reply, error) {
	body, err := s.readBody(c)
	if err != nil {
		return nil, err
	}
	cfg, err := s.loadConfig(c, body)
	if err != nil {
		return nil, err
	}
	desired, err := plan.Build(cfg, s.target())
	if err != nil { // loadConfig built it once already
		return nil, err
	}
	applied, err := s.o.State.LoadApplied(c.ctx(), c.app, c.stage)
	if err != nil {
		return nil, err
	}
	var have *plan.Desired
	res := PlanResult{Warnings: diagnostics(cfg.Warnings)}
	if applied != nil {
		have, res.AppliedDeploymentID = applied.Desired, applied.DeploymentID
	}
	p, err := plan.Diff(desired, have)
	if err != nil {
		return nil, err
	}
	res.Plan = *p
	if res.Steps == nil {
		res.Steps = []plan.Step{}
	}
	for _, st := range p.Steps {
		switch st.Action {
		case plan.Create:
			res.Summary.Create++
		case plan.Update:
			res.Summary.Update++
		case plan.Delete:
			res.Summary.Delete++
		case plan.Noop:
			res.Summary.Noop++
		}
	}
	return ok(res), nil
}
