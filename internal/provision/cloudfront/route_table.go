package cloudfront

import (
	"context"
	"errors"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/berth-dev/berth/internal/edge"
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// RouteTable provisions plan.KindRouteTable: every route of an app, one key each in the
// app's KeyValueStore (key = the route key, value = edge.EncodeValue of its target). The
// table is written in one KVSWriter.Sync (batched UpdateKeys with the data plane's ETag,
// then read back), so thousands of routes cost a few calls. Keys carry no tags: the store
// is berth's for this app and stage when its tags say so, every key in it belongs to the
// table, and a store owned by anything else is never written to.
//
// Outputs are the entries as read back (key → value), which is what status views show.
type RouteTable struct {
	control tagLister
	w       *KVSWriter
}

// NewRouteTable returns the provisioner for plan.KindRouteTable. data is the KeyValueStore
// data plane (SigV4A), control the CloudFront control plane (for the store's tags).
func NewRouteTable(data KVSDataAPI, control tagLister) *RouteTable {
	return &RouteTable{control: control, w: NewKVSWriter(data)}
}

const kindRouteTable = string(plan.KindRouteTable)

// RouteEntries returns the store ARN and the table (key → encoded value) of a route table
// resource, with its refs resolved: the store's Arn, and for Lambda routes the Function
// URL (a "Url" or a "DomainName" attribute both work).
func RouteEntries(env provision.Env, r plan.Resource) (storeARN string, table map[string]string, err error) {
	p, storeARN, err := routeStore(env, r)
	if err != nil {
		return "", nil, err
	}
	table = make(map[string]string, len(p.Routes))
	for key, rt := range p.Routes {
		if err := edge.ValidateRouteKey(key); err != nil {
			return "", nil, &provision.RejectedError{Kind: kindRouteTable, Name: r.Name, Op: "read props", Cause: err.Error()}
		}
		v := edge.RouteValue{Container: rt.Container, Target: rt.Target}
		if rt.Target == plan.RouteTargetLambda {
			if rt.FunctionURL == nil {
				return "", nil, &provision.RejectedError{Kind: kindRouteTable, Name: r.Name, Op: "read props", Cause: "lambda route " + key + " needs functionUrl"}
			}
			if v.Domain, err = functionURLHost(env, *rt.FunctionURL); err != nil {
				return "", nil, err
			}
		}
		if table[key], err = edge.EncodeValue(v); err != nil {
			return "", nil, &provision.RejectedError{Kind: kindRouteTable, Name: r.Name, Op: "encode route " + key, Cause: err.Error()}
		}
	}
	return storeARN, table, nil
}

// routeStore reads the props and resolves the store: all that Delete needs (the Function
// URLs a removed table pointed at may be gone already).
func routeStore(env provision.Env, r plan.Resource) (plan.RouteTableProps, string, error) {
	p, err := provision.Decode[plan.RouteTableProps](r)
	if err != nil {
		return p, "", err
	}
	arn, err := env.Refs.Resolve(p.KeyValueStore)
	return p, arn, err
}

// functionURLHost resolves a Function URL ref to the host the router sends requests to.
func functionURLHost(env provision.Env, ref plan.Ref) (string, error) {
	v, err := env.Refs.Resolve(ref)
	if err != nil {
		return "", err
	}
	if strings.Contains(v, "://") {
		if v, err = edge.FunctionURLDomain(v); err != nil {
			return "", &provision.PreconditionError{Kind: kindRouteTable, Name: ref.ID, Problem: err.Error()}
		}
	}
	return v, nil
}

// Observe implements provision.Provisioner: it lists the store and reports each route
// that differs as a field named by its key. The table exists while its store holds any
// entry (an emptied store is what Delete leaves).
func (t *RouteTable) Observe(ctx context.Context, env provision.Env, r plan.Resource) (provision.Observation, error) {
	arn, want, err := RouteEntries(env, r)
	if err != nil {
		return provision.Observation{}, err
	}
	owned, exists, err := t.storeOwned(ctx, env, arn)
	if err != nil || !exists {
		return provision.Observation{}, err
	}
	if !owned {
		return provision.NotOwnedObservation(env, r), nil
	}
	live, err := t.w.list(ctx, arn)
	if err != nil || len(live) == 0 {
		return provision.Observation{}, err
	}
	return provision.Observation{Exists: true, Ready: true, Diff: DiffRoutes(want, live), Outputs: provision.Outputs(live)}, nil
}

// DiffRoutes compares a route table (key → value) with a store's entries, one field per
// differing key (the key itself), sorted: a missing key has Actual provision.Absent, an
// extra key Desired provision.Absent, a changed key both values. Values carry container
// names and Function URL hosts, never secrets.
func DiffRoutes(want, live map[string]string) []provision.FieldDiff {
	keys := make([]string, 0, len(want)+len(live))
	for k := range want {
		keys = append(keys, k)
	}
	for k := range live {
		if _, ok := want[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var out []provision.FieldDiff
	for _, k := range keys {
		w, inWant := want[k]
		l, inLive := live[k]
		switch {
		case !inLive:
			out = append(out, provision.FieldDiff{Field: k, Desired: w, Actual: provision.Absent})
		case !inWant:
			out = append(out, provision.FieldDiff{Field: k, Desired: provision.Absent, Actual: l})
		case w != l:
			out = append(out, provision.FieldDiff{Field: k, Desired: w, Actual: l})
		}
	}
	return out
}

// Create implements provision.Provisioner.
func (t *RouteTable) Create(ctx context.Context, env provision.Env, r plan.Resource) (provision.Outputs, error) {
	return t.Update(ctx, env, r)
}

// Update implements provision.Provisioner: one Sync makes the store hold exactly the
// table (new and changed keys before deletions, so a moving route is never absent) and
// reads it back (*RouteMismatchError when it does not hold what was written).
func (t *RouteTable) Update(ctx context.Context, env provision.Env, r plan.Resource) (provision.Outputs, error) {
	arn, table, err := RouteEntries(env, r)
	if err != nil {
		return nil, err
	}
	owned, exists, err := t.storeOwned(ctx, env, arn)
	switch {
	case err != nil:
		return nil, err
	case !exists:
		return nil, &provision.PreconditionError{Kind: kindRouteTable, Name: r.Name, Problem: "the KeyValueStore " + arn + " does not exist"}
	case !owned:
		return nil, &provision.NotOwnedError{Kind: kindRouteTable, Name: r.Name}
	}
	if _, err := t.w.Sync(ctx, arn, table); err != nil {
		return nil, err
	}
	return provision.Outputs(table), nil
}

// Delete implements provision.Provisioner: it empties the store (every key in berth's
// store is the table's). A store that is gone holds no table.
func (t *RouteTable) Delete(ctx context.Context, env provision.Env, r plan.Resource) error {
	_, arn, err := routeStore(env, r)
	if err != nil {
		return err
	}
	owned, exists, err := t.storeOwned(ctx, env, arn)
	switch {
	case err != nil:
		return err
	case !exists:
		return nil
	case !owned:
		return &provision.NotOwnedError{Kind: kindRouteTable, Name: r.Name}
	}
	_, err = t.w.Sync(ctx, arn, map[string]string{})
	return err
}

// storeOwned reads the store's tags: berth's when they name this app and stage.
func (t *RouteTable) storeOwned(ctx context.Context, env provision.Env, arn string) (owned, exists bool, err error) {
	tags, err := edgeResourceTags(ctx, t.control, arn)
	var gone *types.NoSuchResource
	switch {
	case errors.As(err, &gone):
		return false, false, nil
	case err != nil:
		return false, false, provision.Classify(err, "read store tags", kindRouteTable, arn)
	}
	return tags[provision.TagApp] == env.App && tags[provision.TagStage] == env.Stage, true, nil
}
