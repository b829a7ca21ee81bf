package stage

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/berth-dev/berth/internal/edge"
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/state"
)

// StatusReader is the part of the state store a status view reads (*state.Store
// satisfies it). Reads of something that does not exist return nil, nil.
type StatusReader interface {
	LoadApplied(ctx context.Context, app, stage string) (*state.Applied, error)
	GetLock(ctx context.Context, app, stage string) (*state.Lock, error)
	LoadDrift(ctx context.Context, app, stage string) (*state.DriftReport, error)
}

// View is what an app/stage runs, as the last successful deployment left it, with the
// lock and the last drift report.
type View struct {
	App, Stage string
	// Applied is nil when the stage is not deployed (never deployed, or removed).
	Applied *state.Applied
	// DistributionDomain is the CloudFront domain (d123.cloudfront.net); "" until known.
	DistributionDomain string
	// Aliases are the distribution's custom domains (the containers' routing.domain).
	Aliases []string
	// Routes are the KeyValueStore entries as written, by key.
	Routes []Route
	Lock   *state.Lock
	Drift  *state.DriftReport
}

// Deployed says whether the stage runs anything berth applied.
func (v *View) Deployed() bool { return v.Applied != nil }

// Route is one KeyValueStore entry the router reads.
type Route struct {
	Key string
	// Value is the decoded entry; Raw holds the stored value when it does not decode.
	Value edge.RouteValue
	Raw   string
}

// Status reads the view of app/stage.
func Status(ctx context.Context, r StatusReader, app, stage string) (*View, error) {
	v := &View{App: app, Stage: stage}
	a, err := r.LoadApplied(ctx, app, stage)
	if err != nil {
		return nil, err
	}
	if a != nil && a.Desired != nil {
		v.Applied = a
		if v.DistributionDomain, v.Aliases, err = distribution(a); err != nil {
			return nil, err
		}
		v.Routes = routes(a.RouteEntries())
	}
	if v.Lock, err = r.GetLock(ctx, app, stage); err != nil {
		return nil, err
	}
	if v.Drift, err = r.LoadDrift(ctx, app, stage); err != nil {
		return nil, err
	}
	return v, nil
}

// Graph is the graph an applied state runs; nil when there is none (nothing deployed).
func Graph(a *state.Applied) *plan.Desired {
	if a == nil {
		return nil
	}
	return a.Desired
}

// Aliases lists the custom domains of a graph's distribution.
func Aliases(g *plan.Desired) ([]string, error) {
	r, ok := g.Distribution()
	if !ok {
		return nil, nil
	}
	var p plan.DistributionProps
	if err := json.Unmarshal(r.Props, &p); err != nil {
		return nil, fmt.Errorf("applied distribution %s: %w", r.ID, err)
	}
	return p.Aliases, nil
}

func distribution(a *state.Applied) (domain string, aliases []string, err error) {
	if r, ok := a.Desired.Distribution(); ok {
		domain = a.Outputs[r.ID][plan.AttrDomainName]
	}
	aliases, err = Aliases(a.Desired)
	return domain, aliases, err
}

func routes(stored map[string]string) []Route {
	out := make([]Route, 0, len(stored))
	for k, raw := range stored {
		rt := Route{Key: k}
		if dv, err := edge.DecodeValue(raw); err == nil {
			rt.Value = dv
		} else {
			rt.Raw = raw
		}
		out = append(out, rt)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}
