package api

import (
	"fmt"
	"net/http"
	"time"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/stage"
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
		return nil, notDeployed(c)
	}
	return a, nil
}

func notDeployed(c *call) *Error {
	return errorf(http.StatusNotFound, CodeNotFound, "%s/%s is not deployed (never deployed, or removed)", c.app, c.stage)
}

// getStage describes what runs for app/stage.
func (s *Server) getStage(c *call) (*reply, error) {
	v, err := stage.Status(c.ctx(), s.o.State, c.app, c.stage)
	if err != nil {
		return nil, err
	}
	if !v.Deployed() {
		return nil, notDeployed(c)
	}
	a := v.Applied
	out := Stage{App: c.app, Stage: c.stage, DeploymentID: a.DeploymentID, ConfigVersion: a.ConfigVersion,
		UpdatedAt: a.UpdatedAt, Region: a.Desired.Region, DistributionDomain: v.DistributionDomain,
		CustomDomains: append([]string{}, v.Aliases...), Routes: []Route{}, Resources: []StageResource{}, Lock: v.Lock, Drift: v.Drift}
	for _, r := range a.Desired.Resources {
		sr := StageResource{ID: r.ID, Kind: r.Kind, Container: r.Container, Name: r.Name, Region: r.Region}
		for _, k := range safeOutputs {
			if val := a.Outputs[r.ID][k]; val != "" {
				if sr.Outputs == nil {
					sr.Outputs = map[string]string{}
				}
				sr.Outputs[k] = val
			}
		}
		out.Resources = append(out.Resources, sr)
	}
	for _, r := range v.Routes {
		out.Routes = append(out.Routes, Route{Key: r.Key, Container: r.Value.Container, Target: r.Value.Target, Origin: r.Value.Domain, Value: r.Raw})
	}
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
	arn, err := stage.Remove(c.ctx(), s.o.Remover, c.app, c.stage, SourceAPI, id)
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
	Summary stage.Summary `json:"summary"`
	// AppliedDeploymentID is the deployment whose applied state the plan diffs against;
	// "" when the stage is not deployed (every step is a create).
	AppliedDeploymentID string       `json:"appliedDeploymentId,omitempty"`
	Warnings            []Diagnostic `json:"warnings,omitempty"`
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
	applied, err := s.o.State.LoadApplied(c.ctx(), c.app, c.stage)
	if err != nil {
		return nil, err
	}
	pv, err := stage.PreviewConfig(cfg, s.target(), stage.Graph(applied))
	if err != nil { // loadConfig built the graph once already
		return nil, err
	}
	res := PlanResult{Plan: *pv.Plan, Summary: pv.Summary, Warnings: diagnostics(cfg.Warnings)}
	if applied != nil {
		res.AppliedDeploymentID = applied.DeploymentID
	}
	if res.Steps == nil {
		res.Steps = []plan.Step{}
	}
	return ok(res), nil
}
