package api

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/stage"
	"github.com/berth-dev/berth/internal/state"
)

// Accepted is the 202 answer of POST .../deployments and DELETE .../stages/{stage}.
type Accepted struct {
	DeploymentID string `json:"deploymentId"`
	App          string `json:"app"`
	Stage        string `json:"stage"`
	// ConfigVersion is the S3 version id of the stored config (deployments only).
	ConfigVersion string `json:"configVersion,omitempty"`
	// ExecutionArn is the remove execution (removals only).
	ExecutionArn string       `json:"executionArn,omitempty"`
	Status       string       `json:"status"` // always PENDING
	RequestedAt  time.Time    `json:"requestedAt"`
	Warnings     []Diagnostic `json:"warnings,omitempty"`
	Links        Links        `json:"links"`
}

// Links point at related resources of the API.
type Links struct {
	Self string `json:"self"`
}

// PendingDeployment is GET .../deployments/{id}'s answer for a deployment the API
// accepted that the workflow has not recorded yet.
type PendingDeployment struct {
	ID            string `json:"id"`
	App           string `json:"app"`
	Stage         string `json:"stage"`
	Status        string `json:"status"` // PENDING
	Source        string `json:"source"`
	Key           string `json:"key"`
	ConfigVersion string `json:"configVersion,omitempty"`
}

// DeploymentList is GET .../deployments' answer, newest first.
type DeploymentList struct {
	App         string             `json:"app"`
	Stage       string             `json:"stage"`
	Deployments []state.Deployment `json:"deployments"`
}

// MaxListLimit caps GET .../deployments?limit=.
const MaxListLimit = 100

func deploymentPath(app, stage, id string) string {
	return fmt.Sprintf("/v1/apps/%s/stages/%s/deployments/%s", app, stage, id)
}

// postDeployment validates the config offline and stores it where an upload would go,
// tagged with a new deployment id; the upload trigger starts the deployment.
func (s *Server) postDeployment(c *call) (*reply, error) {
	body, err := s.readBody(c)
	if err != nil {
		return nil, err
	}
	cfg, err := s.loadConfig(c, body)
	if err != nil {
		return nil, err
	}
	manifest := c.r.URL.Query().Get(QuerySources)
	if manifest != "" || stage.AnyNeedsSource(cfg) {
		if err := s.checkSources(c, cfg, manifest); err != nil {
			return nil, err
		}
	}
	id := s.o.IDs.NewID()
	if checkID(id) != nil {
		return nil, fmt.Errorf("the id generator made %q, which is not a valid deployment id", id)
	}
	now := s.o.Clock.Now()
	key := stage.Key(c.app, c.stage)
	version, err := stage.Submit(c.ctx(), s.o.Configs, c.app, c.stage, body, id, manifest)
	if err != nil {
		return nil, fmt.Errorf("storing %s: %w", key, err)
	}
	c.log.Info("config stored; the upload trigger starts the deployment", "deploymentId", id, "key", key, "configVersion", version)
	self := deploymentPath(c.app, c.stage, id)
	return &reply{
		status: http.StatusAccepted,
		header: http.Header{"Location": {self}},
		body: Accepted{DeploymentID: id, App: c.app, Stage: c.stage, ConfigVersion: version, Status: StatusPending,
			RequestedAt: now, Warnings: diagnostics(cfg.Warnings), Links: Links{Self: self}},
	}, nil
}

// loadConfig validates a posted config the way the deploy workflow will, minus what
// needs AWS: offline (no ${ssm:}/${env:} resolution), for the stage in the path, with
// name equal to the app in the path, what stage.Deployable requires, and a graph
// plan.Build accepts. It never echoes a secret: nothing is resolved.
func (s *Server) loadConfig(c *call, body []byte) (*config.Config, error) {
	key := stage.Key(c.app, c.stage)
	cfg, err := config.Load(c.ctx(), body, config.Options{Stage: c.stage, File: key})
	var ce *config.Errors
	if errors.As(err, &ce) {
		e := errorf(http.StatusBadRequest, CodeInvalidConfig, "the config has %d problem(s)", len(ce.Diagnostics))
		e.Errors = diagnostics(ce.Diagnostics)
		if len(e.Errors) == 1 {
			e.Message = "the config has a problem: " + ce.Diagnostics[0].Format(key)
		}
		return nil, e
	}
	if err != nil {
		return nil, fmt.Errorf("loading the config: %w", err)
	}
	if cfg.Name != c.app {
		return nil, errorf(http.StatusBadRequest, CodeNameMismatch,
			"the config's name %q is not the app %q in the path: post it to /v1/apps/%s/stages/%s/deployments or change name",
			cfg.Name, c.app, cfg.Name, c.stage)
	}
	problems := diagnostics(stage.Deployable(cfg)) // what the deploy would refuse
	if len(problems) == 0 {
		if _, err := plan.Build(cfg, s.target()); err != nil {
			problems = append(problems, Diagnostic{Message: err.Error()})
		}
	}
	if len(problems) > 0 {
		e := errorf(http.StatusBadRequest, CodeInvalidConfig, "the config has %d problem(s)", len(problems))
		e.Errors = problems
		return nil, e
	}
	return cfg, nil
}

func (s *Server) target() plan.Target {
	t := s.o.Target
	if t.Region == "" {
		t.Region = "us-east-1"
	}
	return t
}

func diagnostics(list []config.Diagnostic) []Diagnostic {
	if len(list) == 0 {
		return nil
	}
	out := make([]Diagnostic, len(list))
	for i, d := range list {
		out[i] = Diagnostic{Path: d.Path, Line: d.Line, Column: d.Column, Message: d.Message}
	}
	return out
}

// getDeployment returns a deployment record; PENDING while the newest config object
// still carries the id but the workflow has not recorded it yet.
func (s *Server) getDeployment(c *call) (*reply, error) {
	id := c.r.PathValue("id")
	if e := checkID(id); e != nil {
		return nil, e
	}
	d, err := s.o.State.GetDeployment(c.ctx(), c.app, c.stage, id)
	if err != nil {
		return nil, err
	}
	if d != nil {
		return ok(d), nil
	}
	key := stage.Key(c.app, c.stage)
	meta, version, found, err := s.o.Configs.HeadConfig(c.ctx(), key)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", key, err)
	}
	if found && meta[stage.MetadataDeploymentID] == id {
		return ok(PendingDeployment{ID: id, App: c.app, Stage: c.stage, Status: StatusPending, Source: SourceAPI, Key: key, ConfigVersion: version}), nil
	}
	return nil, errorf(http.StatusNotFound, CodeNotFound,
		"deployment %s of %s/%s is not recorded (yet): a deployment just started is recorded within seconds, so retry; a removal is recorded once its execution starts", id, c.app, c.stage)
}

// listDeployments returns the newest deployments first.
func (s *Server) listDeployments(c *call) (*reply, error) {
	limit := state.DefaultListLimit
	if v := c.r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxListLimit {
			return nil, errorf(http.StatusBadRequest, CodeInvalidQuery, "limit %q: want a whole number from 1 to %d", clip(v), MaxListLimit)
		}
		limit = n
	}
	list, err := s.o.State.ListDeployments(c.ctx(), c.app, c.stage, limit)
	if err != nil {
		return nil, err
	}
	if list == nil {
		list = []state.Deployment{}
	}
	return ok(DeploymentList{App: c.app, Stage: c.stage, Deployments: list}), nil
}
