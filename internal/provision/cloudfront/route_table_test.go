package cloudfront

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	kvsdata "github.com/aws/aws-sdk-go-v2/service/cloudfrontkeyvaluestore"

	"github.com/berth-dev/berth/internal/edge"
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
	"github.com/berth-dev/berth/internal/provision/provtest"
)

const (
	urlA    = "https://abc123def456.lambda-url.eu-west-1.on.aws/"
	urlB    = "https://zyx987wvu654.lambda-url.eu-west-1.on.aws/"
	domainA = "abc123def456.lambda-url.eu-west-1.on.aws"
)

// routeTable is a table resource: api on Lambda through urlID, and, when web is set, web
// on the ALB.
func routeTable(t *testing.T, urlID string, web bool) plan.Resource {
	routes := map[string]plan.Route{"/api/*": {Container: "api", Target: plan.RouteTargetLambda, FunctionURL: &plan.Ref{ID: urlID, Attr: plan.AttrURL}}}
	if web {
		routes["/*"] = plan.Route{Container: "web", Target: plan.RouteTargetALB}
	}
	return edgeFakeResource(t, plan.IDRouteTable, plan.KindRouteTable, "berth-shop-prod-routes", plan.RouteTableProps{
		KeyValueStore: plan.Ref{ID: plan.IDKeyValueStore, Attr: plan.AttrArn},
		Routes:        routes,
	})
}

// routeEnv has a berth-owned store and two Function URLs to route to.
func routeEnv(t *testing.T, r *edgeFakeRig) (provision.Env, string) {
	env := edgeFakeEnv(nil)
	arn := r.store(t, "berth-shop-prod-kvs", &env)
	env.Refs = provision.OutputsByID{
		plan.IDKeyValueStore: {plan.AttrArn: arn},
		"api/Url":            {plan.AttrURL: urlA},
		"api/UrlB":           {plan.AttrURL: urlB},
	}
	return env, arn
}

func putRaw(ctx context.Context, r *edgeFakeRig, arn, key, value string) error {
	d, err := r.rawKVS.DescribeKeyValueStore(ctx, &kvsdata.DescribeKeyValueStoreInput{KvsARN: aws.String(arn)})
	if err != nil {
		return err
	}
	_, err = r.rawKVS.PutKey(ctx, &kvsdata.PutKeyInput{KvsARN: aws.String(arn), Key: aws.String(key), Value: aws.String(value), IfMatch: d.ETag})
	return err
}

func mustEncode(t *testing.T, v edge.RouteValue) string {
	s, err := edge.EncodeValue(v)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestRouteTableLifecycleAgainstTheEdgeFake(t *testing.T) {
	r := newEdgeFakeRig(t)
	env, arn := routeEnv(t, r)
	provtest.Lifecycle(t, provtest.Case{
		Provisioner: NewRouteTable(r.data, r.cf),
		Env:         env,
		Calls:       r.calls,
		Initial:     routeTable(t, "api/Url", false),
		// A new route and a moved Function URL: each differing key is one field.
		Updated:       routeTable(t, "api/UrlB", true),
		UpdatedFields: []string{"/api/*", "/*"},
		OutOfBand: func(ctx context.Context) error {
			return putRaw(ctx, r, arn, "/*", mustEncode(t, edge.RouteValue{Container: "intruder", Target: edge.TargetALB}))
		},
		DriftField: "/*",
	})
}

func TestRouteTableNotOwnedAgainstTheEdgeFake(t *testing.T) {
	r := newEdgeFakeRig(t)
	env, _ := routeEnv(t, r)
	foreign := r.store(t, "someone-elses-kvs", nil)
	env.Refs.(provision.OutputsByID)[plan.IDKeyValueStore] = provision.Outputs{plan.AttrArn: foreign}
	provtest.NotOwned(t, NewRouteTable(r.data, r.cf), env, routeTable(t, "api/Url", false), func(ctx context.Context) error {
		return putRaw(ctx, r, foreign, "/api/*", "their value")
	})
}

func TestRouteTableWritesEveryRouteInOneBatchAndReportsWhatItHolds(t *testing.T) {
	ctx := context.Background()
	r := newEdgeFakeRig(t)
	env, arn := routeEnv(t, r)
	p := NewRouteTable(r.data, r.cf)
	res := routeTable(t, "api/Url", true)
	out, err := p.Create(ctx, env, res)
	if err != nil {
		t.Fatal(err)
	}
	s := r.calls.Summary()
	t.Logf("a two-route create: %d mutating, %d read: %v", s.Mutating, s.Read, opCounts(noCalls, s))
	if ops := opCounts(noCalls, s); s.Mutating != 1 || ops["CloudFront KeyValueStore:UpdateKeys"] != 1 {
		t.Fatalf("a create made %d mutating calls (%v), want 1 UpdateKeys for both routes", s.Mutating, ops)
	}
	got, err := r.rawKVS.GetKey(ctx, &kvsdata.GetKeyInput{KvsARN: aws.String(arn), Key: aws.String("/api/*")})
	if err != nil {
		t.Fatal(err)
	}
	if v, err := edge.DecodeValue(aws.ToString(got.Value)); err != nil || v != (edge.RouteValue{Container: "api", Target: edge.TargetLambda, Domain: domainA}) {
		t.Fatalf("stored %q (%+v, %v)", aws.ToString(got.Value), v, err)
	}
	want := map[string]string{"/api/*": aws.ToString(got.Value), "/*": mustEncode(t, edge.RouteValue{Container: "web", Target: edge.TargetALB})}
	if len(out) != 2 || out["/api/*"] != want["/api/*"] || out["/*"] != want["/*"] {
		t.Fatalf("outputs = %v, want the entries %v", out, want)
	}
	before := r.calls.Summary()
	obs, err := p.Observe(ctx, env, res)
	if err != nil || !obs.Exists || !obs.Ready || !obs.UpToDate() || len(obs.Outputs) != 2 || obs.Outputs["/*"] != want["/*"] {
		t.Fatalf("observe = %+v, %v", obs, err)
	}
	if n := opCounts(before, r.calls.Summary()); n["CloudFront KeyValueStore:GetKey"] != 0 {
		t.Fatalf("observe read key by key (%v); one listing compares the whole table", n)
	}
}

func TestRouteTableDeleteEmptiesTheStoreAndTheTableIsGone(t *testing.T) {
	ctx := context.Background()
	r := newEdgeFakeRig(t)
	env, arn := routeEnv(t, r)
	p := NewRouteTable(r.data, r.cf)
	res := routeTable(t, "api/Url", true)
	if _, err := p.Create(ctx, env, res); err != nil {
		t.Fatal(err)
	}
	if err := putRaw(ctx, r, arn, "/stray/*", "left by hand"); err != nil {
		t.Fatal(err)
	}
	// The Function URLs a removed table pointed at may be gone already.
	delete(env.Refs.(provision.OutputsByID), "api/Url")
	if err := p.Delete(ctx, env, res); err != nil {
		t.Fatal(err)
	}
	list, err := r.rawKVS.ListKeys(ctx, &kvsdata.ListKeysInput{KvsARN: aws.String(arn)})
	if err != nil || len(list.Items) != 0 {
		t.Fatalf("after delete the store holds %d keys (%v)", len(list.Items), err)
	}
}

func TestRouteTableWriteThatDoesNotLandIsAMismatch(t *testing.T) {
	r := newEdgeFakeRig(t)
	env, _ := routeEnv(t, r)
	r.fake.CorruptOnWrite("/api/*", "")
	_, err := NewRouteTable(r.data, r.cf).Create(context.Background(), env, routeTable(t, "api/Url", false))
	if _, ok := err.(*RouteMismatchError); !ok {
		t.Fatalf("got %v (%T), want *RouteMismatchError unwrapped", err, err)
	}
}

func TestRouteTableInAMissingStore(t *testing.T) {
	ctx := context.Background()
	r := newEdgeFakeRig(t)
	env, _ := routeEnv(t, r)
	env.Refs.(provision.OutputsByID)[plan.IDKeyValueStore] = provision.Outputs{plan.AttrArn: "arn:aws:cloudfront::123456789012:key-value-store/0f0e0d0c-1b1a-4c2d-8e3f-405060708090"}
	res := routeTable(t, "api/Url", false)
	p := NewRouteTable(r.data, r.cf)
	var pe *provision.PreconditionError
	if _, err := p.Create(ctx, env, res); !errors.As(err, &pe) {
		t.Fatalf("create: %v, want *provision.PreconditionError", err)
	}
	if obs, err := p.Observe(ctx, env, res); err != nil || obs.Exists {
		t.Fatalf("observe = %+v, %v, want not found", obs, err)
	}
	if err := p.Delete(ctx, env, res); err != nil {
		t.Fatalf("delete from a store that is gone: %v", err)
	}
}

func TestRouteEntriesTakeAFunctionURLOrItsDomain(t *testing.T) {
	for _, attr := range []string{plan.AttrURL, plan.AttrDomainName} {
		env := edgeFakeEnv(provision.OutputsByID{
			plan.IDKeyValueStore: {plan.AttrArn: "arn:aws:cloudfront::123456789012:key-value-store/0f0e0d0c-1b1a-4c2d-8e3f-405060708090"},
			"api/Url":            {plan.AttrURL: urlA, plan.AttrDomainName: domainA},
		})
		res := routeTable(t, "api/Url", false)
		res.Props = []byte(`{"keyValueStore":{"ref":"KeyValueStore","attr":"Arn"},"routes":{"/api/*":{"container":"api","target":"lambda","functionUrl":{"ref":"api/Url","attr":"` + attr + `"}}}}`)
		_, table, err := RouteEntries(env, res)
		if err != nil {
			t.Fatalf("attr %s: %v", attr, err)
		}
		if v, _ := edge.DecodeValue(table["/api/*"]); len(table) != 1 || v.Domain != domainA {
			t.Fatalf("attr %s: %v", attr, table)
		}
	}
}

func TestRouteEntriesRefuseWhatTheRouterCannotServe(t *testing.T) {
	env := edgeFakeEnv(provision.OutputsByID{plan.IDKeyValueStore: {plan.AttrArn: "arn:aws:cloudfront::123456789012:key-value-store/x"}})
	for name, routes := range map[string]string{
		"a key the router never looks up": `{"api*":{"container":"api","target":"alb"}}`,
		"a lambda route without its URL":  `{"/api/*":{"container":"api","target":"lambda"}}`,
		"an unknown target":               `{"/api/*":{"container":"api","target":"ec2"}}`,
	} {
		t.Run(name, func(t *testing.T) {
			res := routeTable(t, "api/Url", false)
			res.Props = []byte(`{"keyValueStore":{"ref":"KeyValueStore","attr":"Arn"},"routes":` + routes + `}`)
			var re *provision.RejectedError
			if _, _, err := RouteEntries(env, res); !errors.As(err, &re) {
				t.Fatalf("got %v, want *provision.RejectedError", err)
			}
		})
	}
}

func TestDiffRoutesNamesEachDifferingKey(t *testing.T) {
	want := map[string]string{"/api/*": "A", "/*": "W"}
	tests := []struct {
		name string
		live map[string]string
		diff []provision.FieldDiff
	}{
		{"identical tables differ in nothing", map[string]string{"/api/*": "A", "/*": "W"}, nil},
		{"a missing key", map[string]string{"/*": "W"}, []provision.FieldDiff{{Field: "/api/*", Desired: "A", Actual: provision.Absent}}},
		{"a changed value", map[string]string{"/api/*": "B", "/*": "W"}, []provision.FieldDiff{{Field: "/api/*", Desired: "A", Actual: "B"}}},
		{"an extra key", map[string]string{"/api/*": "A", "/*": "W", "/old/*": "O"}, []provision.FieldDiff{{Field: "/old/*", Desired: provision.Absent, Actual: "O"}}},
		{"an empty store, sorted by key", map[string]string{}, []provision.FieldDiff{{Field: "/*", Desired: "W", Actual: provision.Absent}, {Field: "/api/*", Desired: "A", Actual: provision.Absent}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := DiffRoutes(want, tc.live); !slices.Equal(got, tc.diff) {
				t.Fatalf("DiffRoutes = %+v, want %+v", got, tc.diff)
			}
		})
	}
}

func TestRouteTableInAnEmptyStore(t *testing.T) {
	ctx := context.Background()
	r := newEdgeFakeRig(t)
	env, arn := routeEnv(t, r)
	res := routeTable(t, "api/Url", false)
	p := NewRouteTable(r.data, r.cf)
	if obs, err := p.Observe(ctx, env, res); err != nil || obs.Exists {
		t.Fatalf("observe of berth's empty store = %+v, %v, want not found", obs, err)
	}
	if err := p.Delete(ctx, env, res); err != nil || r.calls.Summary().Mutating != 0 {
		t.Fatalf("delete from an empty store: %v after %d writes, want none", err, r.calls.Summary().Mutating)
	}
	out, err := p.Create(ctx, env, res)
	if err != nil || len(out) != 1 {
		t.Fatalf("create into the empty store = %v, %v", out, err)
	}
	list, err := r.rawKVS.ListKeys(ctx, &kvsdata.ListKeysInput{KvsARN: aws.String(arn)})
	if err != nil || len(list.Items) != 1 || aws.ToString(list.Items[0].Value) != out["/api/*"] {
		t.Fatalf("the store holds %+v (%v), want the outputs %v", list.Items, err, out)
	}
}

// Routes that can never be written are reported before the store is: the same error
// whether or not it exists.
func TestRouteTableWithAnUnknownFunctionURLInAMissingStore(t *testing.T) {
	r := newEdgeFakeRig(t)
	env, _ := routeEnv(t, r)
	env.Refs.(provision.OutputsByID)[plan.IDKeyValueStore] = provision.Outputs{plan.AttrArn: "arn:aws:cloudfront::123456789012:key-value-store/0f0e0d0c-1b1a-4c2d-8e3f-405060708090"}
	_, err := NewRouteTable(r.data, r.cf).Create(context.Background(), env, routeTable(t, "api/NotYet", false))
	var pe *provision.PreconditionError
	if !errors.As(err, &pe) || pe.Name != "api/NotYet" {
		t.Fatalf("create: %v, want the Function URL's *provision.PreconditionError", err)
	}
}
