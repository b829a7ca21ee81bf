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

// NewRouteTable returns the provisioner of plan.KindRouteTable: every route of an app, one
// key each in the app's KeyValueStore (key = the route key, value = edge.EncodeValue of its
// target). data is the KeyValueStore data plane (SigV4A), control the CloudFront control
// plane (for the store's tags).
//
// The table is written in one KVSWriter sync (batched UpdateKeys with the data plane's
// ETag, then read back), so thousands of routes cost a few calls; the writing verbs find
// the table with that ETag read before the listing their write is computed from. Keys
// carry no tags: the store is berth's for this app and stage when its tags say so, every
// key in it belongs to the table, and a store owned by anything else is never written to
// nor listed. The table exists while berth's store holds any entry (an emptied store is
// what Delete leaves); a missing store is a PreconditionError to Create.
//
// Outputs are the entries (key → value), which is what status views show.
func NewRouteTable(data KVSDataAPI, control tagLister) provision.Provisioner {
	api := routeAPI{control: control, w: NewKVSWriter(data)}
	return provision.Adapt(provision.Kind[routeAPI, routeProps, routeLive]{
		Clients: func(string) routeAPI { return api },
		// Only the store: the Function URLs a removed table pointed at may be gone already.
		Desired: func(_ context.Context, c *routeCall) (routeProps, error) {
			_, arn, err := routeStore(c.Env, c.R)
			return routeProps{store: arn}, err
		},
		Find:        func(ctx context.Context, c *routeCall) (*routeLive, error) { return readRoutes(ctx, c, false) },
		FindToWrite: func(ctx context.Context, c *routeCall) (*routeLive, error) { return readRoutes(ctx, c, true) },
		Owned:       func(_ *routeCall, l *routeLive) bool { return l.owned },
		// A foreign store counts, so that its ownership shows.
		Exists: func(l *routeLive) bool { return !l.owned || len(l.entries) > 0 },
		Diff: func(_ context.Context, c *routeCall, l *routeLive) (provision.Diffs, error) {
			_, table, err := RouteEntries(c.Env, c.R)
			if err != nil {
				return nil, err
			}
			l.want = table
			return DiffRoutes(table, l.entries), nil
		},
		Outputs: func(_ *routeCall, l *routeLive) provision.Outputs { return provision.Outputs(l.entries) },
		Create: func(_ context.Context, c *routeCall) (provision.Outputs, error) {
			// Routes that cannot be written are the first thing wrong, as for a store that exists.
			if _, _, err := RouteEntries(c.Env, c.R); err != nil {
				return nil, err
			}
			return nil, &provision.PreconditionError{Kind: kindRouteTable, Name: c.R.Name, Problem: "the KeyValueStore " + c.Props.store + " does not exist"}
		},
		// New and changed keys are written before deletions, so a moving route is never
		// absent; a write that does not read back is a *RouteMismatchError.
		Converge: func(ctx context.Context, c *routeCall, l *routeLive, _ provision.Diffs) (provision.Outputs, error) {
			if _, err := c.API.w.syncFrom(ctx, c.Props.store, l.want, &l.kvsSnapshot); err != nil {
				return nil, err
			}
			return provision.Outputs(l.want), nil
		},
		// Every key in berth's store is the table's.
		Remove: func(ctx context.Context, c *routeCall, l *routeLive) error {
			_, err := c.API.w.syncFrom(ctx, c.Props.store, map[string]string{}, &l.kvsSnapshot)
			return err
		},
		// The writer's own errors reach the state machine unwrapped.
		Classify: func(err error, op string, r plan.Resource) error {
			var mismatch *RouteMismatchError
			var invalid *InvalidRouteError
			if errors.As(err, &mismatch) || errors.As(err, &invalid) {
				return err
			}
			return provision.Classify(err, op, kindRouteTable, r.Name)
		},
	})
}

type routeAPI struct {
	control tagLister
	w       *KVSWriter
}

type routeCall = provision.Call[routeAPI, routeProps]

// routeProps is what every verb needs; the routes are resolved only to compare and write
// (RouteEntries).
type routeProps struct{ store string }

// routeLive is the table as read: the store's entries when berth owns it.
type routeLive struct {
	owned bool
	kvsSnapshot
	want map[string]string // the table, kept by Diff for Converge
}

// readRoutes reads the store's tags and, when berth owns the store, its entries: for a
// write (write set) after the data-plane ETag the write is conditioned on. Nil when the
// store is gone.
func readRoutes(ctx context.Context, c *routeCall, write bool) (*routeLive, error) {
	arn := c.Props.store
	tags, err := edgeResourceTags(ctx, c.API.control, arn)
	var gone *types.NoSuchResource
	switch {
	case errors.As(err, &gone):
		return nil, nil
	case err != nil:
		return nil, provision.Classify(err, "read store tags", kindRouteTable, arn)
	case tags[provision.TagApp] != c.Env.App || tags[provision.TagStage] != c.Env.Stage:
		return &routeLive{}, nil
	}
	l := &routeLive{owned: true}
	if write {
		l.kvsSnapshot, err = c.API.w.snapshot(ctx, arn)
	} else {
		l.entries, err = c.API.w.list(ctx, arn)
	}
	if err != nil {
		return nil, err
	}
	return l, nil
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
