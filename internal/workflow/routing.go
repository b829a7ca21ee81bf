package workflow

import (
	"context"
	"encoding/json"

	"github.com/berth-dev/berth/internal/awscalls"
	"github.com/berth-dev/berth/internal/edge"
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
	"github.com/berth-dev/berth/internal/state"
)

// Routing writes the app's routes into its KeyValueStore, one key per route, and reads
// every key back (the writer fails with a typed error on any mismatch). Removal empties
// the store before any origin is deleted.
func (d *Deps) Routing(ctx context.Context, in RoutingInput) (RoutingOutput, error) {
	c := in.Ctx
	calls := awscalls.New()
	defer d.recordCalls(ctx, c, "routing", calls)
	applied, err := d.Store.LoadApplied(ctx, c.App, c.Stage)
	if err != nil {
		return RoutingOutput{}, err
	}
	journal, err := d.Store.Journal(ctx, c.App, c.Stage, c.DeploymentID)
	if err != nil {
		return RoutingOutput{}, err
	}
	refs := Outputs(applied, journal)
	graph := appliedDesired(applied)
	routes := map[string]string{}
	if !in.Remove {
		p, err := d.Store.LoadPlan(ctx, c.App, c.Stage, c.DeploymentID)
		if err != nil {
			return RoutingOutput{}, err
		}
		graph = p.Desired
		if routes, err = DesiredRoutes(p.Desired, refs); err != nil {
			return RoutingOutput{}, err
		}
	}
	kvs, ok := kvsARN(graph, refs)
	if !ok {
		return RoutingOutput{}, nil // nothing was ever deployed: no store, no routes
	}
	var previous map[string]string
	if applied != nil {
		previous = applied.Routes
	}
	if err := d.Store.AppendJournal(ctx, c.App, c.Stage, c.DeploymentID, state.JournalEntry{StepID: RoutesStep, Action: state.ActionRoutes,
		Phase: state.PhaseBefore, PreviousRoutes: previous, Routes: routes, At: d.now()}); err != nil {
		return RoutingOutput{}, err
	}
	started := d.now()
	puts, deletes, unchanged, err := d.NewClients(calls).Routes.Sync(ctx, kvs, routes)
	if err != nil {
		return RoutingOutput{}, err
	}
	if err := d.Store.AppendJournal(ctx, c.App, c.Stage, c.DeploymentID, state.JournalEntry{StepID: RoutesStep, Action: state.ActionRoutes,
		Phase: state.PhaseAfter, Routes: routes, At: d.now()}); err != nil {
		return RoutingOutput{}, err
	}
	d.log(c, "route").Info("routes written and read back", "puts", puts, "deletes", deletes, "unchanged", unchanged)
	err = d.Store.AddStep(ctx, c.App, c.Stage, c.DeploymentID, state.StepRecord{Name: "route", Status: "SUCCEEDED", Started: started, Ended: d.now()})
	return RoutingOutput{Puts: puts, Deletes: deletes, Unchanged: unchanged}, err
}

// RoutesStep is the journal step id of the KVS write.
const RoutesStep = "routes"

// DesiredRoutes encodes every Route resource of a graph as its KVS key and value.
func DesiredRoutes(g *plan.Desired, refs provision.RefResolver) (map[string]string, error) {
	routes := map[string]string{}
	for _, r := range g.Resources {
		if r.Kind != plan.KindRoute {
			continue
		}
		var p plan.RouteProps
		if err := json.Unmarshal(r.Props, &p); err != nil {
			return nil, err
		}
		v := edge.RouteValue{Container: r.Container, Target: p.Target}
		if p.FunctionURL != nil {
			dom, err := refs.Resolve(plan.Ref{ID: p.FunctionURL.ID, Attr: "DomainName"})
			if err != nil {
				return nil, err
			}
			v.Domain = dom
		}
		enc, err := edge.EncodeValue(v)
		if err != nil {
			return nil, err
		}
		routes[p.Key] = enc
	}
	return routes, nil
}

// kvsARN finds the graph's KeyValueStore and its ARN.
func kvsARN(g *plan.Desired, refs provision.OutputsByID) (string, bool) {
	if g == nil {
		return "", false
	}
	for _, r := range g.Resources {
		if r.Kind == plan.KindKeyValueStore {
			arn, err := refs.Resolve(plan.Ref{ID: r.ID, Attr: "Arn"})
			return arn, err == nil
		}
	}
	return "", false
}
