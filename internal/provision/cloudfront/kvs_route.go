package cloudfront

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	kvsdata "github.com/aws/aws-sdk-go-v2/service/cloudfrontkeyvaluestore"
	kvstypes "github.com/aws/aws-sdk-go-v2/service/cloudfrontkeyvaluestore/types"

	"github.com/berth-dev/berth/internal/edge"
	"github.com/berth-dev/berth/internal/edge/kvs"
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// Route provisions plan.KindRoute: one KeyValueStore entry, key = the route key, value =
// edge.EncodeValue of the target. Writes go through the data plane with the store's own
// ETag and are read back (kvs.Writer). Keys carry no tags: a route is berth's when the
// store it lives in is tagged for this app and stage, so a store owned by anything else is
// never written to.
//
// The deploy workflow writes all routes of an app in one kvs.Writer.Sync (a few
// UpdateKeys calls for thousands of routes, built with RouteEntry); this provisioner
// handles one route at a time, for drift checks and single-route repairs.
type Route struct {
	data    kvs.KVSDataAPI
	control tagLister
	w       *kvs.Writer
}

// NewRoute returns the provisioner for plan.KindRoute. data is the KeyValueStore data
// plane (SigV4A), control the CloudFront control plane (for the store's tags).
func NewRoute(data kvs.KVSDataAPI, control KVSControlAPI) *Route {
	return &Route{data: data, control: control, w: kvs.NewWriter(data)}
}

const kindRoute = string(plan.KindRoute)

// RouteEntry returns the store ARN, key and encoded value of a route resource, with its
// refs resolved: the store's Arn, and for Lambda routes the Function URL (a "Url" or a
// "DomainName" attribute both work).
func RouteEntry(env provision.Env, r plan.Resource) (storeARN, key, value string, err error) {
	p, storeARN, err := routeTarget(env, r)
	if err != nil {
		return "", "", "", err
	}
	v := edge.RouteValue{Container: p.Container, Target: p.Target}
	if p.Target == plan.RouteTargetLambda {
		if p.FunctionURL == nil {
			return "", "", "", &provision.RejectedError{Kind: kindRoute, Name: r.Name, Op: "read props", Cause: "a lambda route needs functionUrl"}
		}
		if v.Domain, err = functionURLHost(env, *p.FunctionURL); err != nil {
			return "", "", "", err
		}
	}
	value, err = edge.EncodeValue(v)
	if err != nil {
		return "", "", "", &provision.RejectedError{Kind: kindRoute, Name: r.Name, Op: "encode", Cause: err.Error()}
	}
	return storeARN, p.Key, value, nil
}

// RouteTable returns the store and the desired table (key → value) of every KindRoute in
// rs, ready for kvs.Writer.Sync. All routes must live in one store, each key once.
func RouteTable(env provision.Env, rs []plan.Resource) (storeARN string, table map[string]string, err error) {
	table = map[string]string{}
	for _, r := range rs {
		if r.Kind != plan.KindRoute {
			continue
		}
		arn, key, value, err := RouteEntry(env, r)
		if err != nil {
			return "", nil, err
		}
		switch {
		case storeARN != "" && arn != storeARN:
			return "", nil, &provision.RejectedError{Kind: kindRoute, Name: r.Name, Op: "build route table", Cause: "routes span two KeyValueStores: " + storeARN + " and " + arn}
		case table[key] != "":
			return "", nil, &provision.RejectedError{Kind: kindRoute, Name: r.Name, Op: "build route table", Cause: "key " + key + " is routed twice"}
		}
		storeARN, table[key] = arn, value
	}
	return storeARN, table, nil
}

// routeTarget reads the props and resolves the store: all that Delete needs.
func routeTarget(env provision.Env, r plan.Resource) (plan.RouteProps, string, error) {
	var p plan.RouteProps
	if err := json.Unmarshal(r.Props, &p); err != nil {
		return p, "", &provision.RejectedError{Kind: kindRoute, Name: r.Name, Op: "read props", Cause: err.Error()}
	}
	if err := edge.ValidateRouteKey(p.Key); err != nil {
		return p, "", &provision.RejectedError{Kind: kindRoute, Name: r.Name, Op: "read props", Cause: err.Error()}
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
			return "", &provision.PreconditionError{Kind: kindRoute, Name: ref.ID, Problem: err.Error()}
		}
	}
	return v, nil
}

// Observe implements provision.Provisioner. It reads the key and reports which of the
// target's fields differ.
func (rt *Route) Observe(ctx context.Context, env provision.Env, r plan.Resource) (provision.Observation, error) {
	arn, key, want, err := RouteEntry(env, r)
	if err != nil {
		return provision.Observation{}, err
	}
	owned, exists, err := rt.storeOwned(ctx, env, arn)
	if err != nil || !exists {
		return provision.Observation{}, err
	}
	out, err := rt.data.GetKey(ctx, &kvsdata.GetKeyInput{KvsARN: aws.String(arn), Key: aws.String(key)})
	var nf *kvstypes.ResourceNotFoundException
	if errors.As(err, &nf) {
		return provision.Observation{}, nil
	}
	if err != nil {
		return provision.Observation{}, provision.Classify(err, "GetKey", kindRoute, r.Name)
	}
	if !owned {
		return notOwnedObservation(env, r, "key in a store without berth's tags: "+arn), nil
	}
	return provision.Observation{Exists: true, Ready: true, Diff: routeDiff(want, aws.ToString(out.Value)), Outputs: routeOutputs(key)}, nil
}

// routeDiff compares two encoded values field by field, by the props' field names.
func routeDiff(want, got string) []provision.FieldDiff {
	if want == got {
		return nil
	}
	w, _ := edge.DecodeValue(want) // encoded by berth, always decodes
	g, err := edge.DecodeValue(got)
	if err != nil {
		return []provision.FieldDiff{{Field: "value", Desired: want, Actual: got}}
	}
	var d []provision.FieldDiff
	d = addDiff(d, "container", w.Container, g.Container)
	d = addDiff(d, "target", w.Target, g.Target)
	d = addDiff(d, "functionUrl", w.Domain, g.Domain)
	if len(d) == 0 {
		// Same route, different bytes: a write would still happen, so say so.
		d = append(d, provision.FieldDiff{Field: "value", Desired: want, Actual: got})
	}
	return d
}

// Create implements provision.Provisioner.
func (rt *Route) Create(ctx context.Context, env provision.Env, r plan.Resource) (provision.Outputs, error) {
	return rt.Update(ctx, env, r)
}

// Update implements provision.Provisioner: the key is written when it differs, and read
// back (*kvs.RouteMismatchError when it does not hold what was written).
func (rt *Route) Update(ctx context.Context, env provision.Env, r plan.Resource) (provision.Outputs, error) {
	arn, key, value, err := RouteEntry(env, r)
	if err != nil {
		return nil, err
	}
	if err := rt.mustOwn(ctx, env, r, arn); err != nil {
		return nil, err
	}
	if _, err := rt.w.Put(ctx, arn, key, value); err != nil {
		return nil, err
	}
	return routeOutputs(key), nil
}

// Delete implements provision.Provisioner. A missing key or store is already deleted.
func (rt *Route) Delete(ctx context.Context, env provision.Env, r plan.Resource) error {
	p, arn, err := routeTarget(env, r)
	if err != nil {
		return err
	}
	owned, exists, err := rt.storeOwned(ctx, env, arn)
	switch {
	case err != nil:
		return err
	case !exists:
		return nil
	case !owned:
		return &provision.NotOwnedError{Kind: kindRoute, Name: r.Name}
	}
	_, err = rt.w.Delete(ctx, arn, p.Key)
	return err
}

// mustOwn returns nil when the store exists and is berth's for this app and stage.
func (rt *Route) mustOwn(ctx context.Context, env provision.Env, r plan.Resource, arn string) error {
	owned, exists, err := rt.storeOwned(ctx, env, arn)
	switch {
	case err != nil:
		return err
	case !exists:
		return &provision.PreconditionError{Kind: kindRoute, Name: r.Name, Problem: "the KeyValueStore " + arn + " does not exist"}
	case !owned:
		return &provision.NotOwnedError{Kind: kindRoute, Name: r.Name}
	}
	return nil
}

// storeOwned reads the store's tags: berth's when they name this app and stage.
func (rt *Route) storeOwned(ctx context.Context, env provision.Env, arn string) (owned, exists bool, err error) {
	tags, err := edgeResourceTags(ctx, rt.control, arn)
	var gone *types.NoSuchResource
	switch {
	case errors.As(err, &gone):
		return false, false, nil
	case err != nil:
		return false, false, provision.Classify(err, "read store tags", kindRoute, arn)
	}
	return tags[provision.TagApp] == env.App && tags[provision.TagStage] == env.Stage, true, nil
}

func routeOutputs(key string) provision.Outputs { return provision.Outputs{"Key": key} }
