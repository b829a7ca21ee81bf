package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/stage"
)

// RoutePostSources prepares the upload of containers' sources (see postSources).
const RoutePostSources = "POST /v1/apps/{app}/stages/{stage}/sources"

// QuerySources is POST .../deployments' query parameter naming the source manifest
// POST .../sources returned.
const QuerySources = "sources"

// Sources is where containers' src live (stage.SourceStore, with a presigner, on AWS).
type Sources interface {
	Prepare(ctx context.Context, app, stage string, refs map[string]stage.SourceRef) (stage.PreparedSources, error)
	Resolve(ctx context.Context, cfg *config.Config, app, stage, manifestKey string) (map[string]plan.Source, error)
}

// SourcesRequest is POST .../sources' body: each container's archive, packed with
// internal/srcpkg (the hash is srcpkg's; the CLI packs the same way).
type SourcesRequest struct {
	Sources map[string]stage.SourceRef `json:"sources"`
}

// postSources is the API's way for sources: archives are too large for a request body
// (API Gateway takes 10 MB, Lambda 6 MB; an archive may be srcpkg.DefaultMaxBytes), so the
// client posts their hashes and sizes, PUTs each archive the answer lists to its presigned
// URL, and posts the deployment with ?sources=<manifest>. Archives already stored (same
// hash) are not listed: unchanged source is not uploaded again.
func (s *Server) postSources(c *call) (*reply, error) {
	body, err := s.readBody(c)
	if err != nil {
		return nil, err
	}
	var req SourcesRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return nil, errorf(http.StatusBadRequest, CodeInvalidSources, "the body is not a sources request: %s; send {\"sources\": {\"<container>\": {\"hash\": \"<srcpkg hash>\", \"size\": <bytes>}}}", clip(err.Error()))
	}
	if s.o.Sources == nil {
		return nil, errors.New("api: no Sources configured")
	}
	out, err := s.o.Sources.Prepare(c.ctx(), c.app, c.stage, req.Sources)
	if se := (*stage.SourceError)(nil); errors.As(err, &se) {
		e := errorf(http.StatusBadRequest, CodeInvalidSources, "%s", se.Error())
		e.Errors = []Diagnostic{{Path: se.Key, Message: se.Message}}
		return nil, e
	}
	if err != nil {
		return nil, err
	}
	c.log.Info("sources prepared", "manifest", out.Manifest, "uploads", len(out.Uploads))
	return ok(out), nil
}

// checkSources resolves cfg's sources before the config is stored, so a deployment whose
// source is missing is refused here (invalid_config, naming containers.<name>.src) rather
// than failing in the workflow.
func (s *Server) checkSources(c *call, cfg *config.Config, manifest string) error {
	if s.o.Sources == nil {
		return errors.New("api: no Sources configured")
	}
	_, err := s.o.Sources.Resolve(c.ctx(), cfg, c.app, c.stage, manifest)
	if se := (*stage.SourceError)(nil); errors.As(err, &se) {
		e := errorf(http.StatusBadRequest, CodeInvalidConfig, "the config has a problem: %s", se.Error())
		e.Errors = []Diagnostic{{Path: se.Key, Message: se.Message}}
		return e
	}
	return err
}
