package cloudfront

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	kvsdata "github.com/aws/aws-sdk-go-v2/service/cloudfrontkeyvaluestore"

	"github.com/berth-dev/berth/internal/edge"
	"github.com/berth-dev/berth/internal/edge/kvs"
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
	"github.com/berth-dev/berth/internal/provision/provtest"
)

const (
	urlA = "https://abc123def456.lambda-url.eu-west-1.on.aws/"
	urlB = "https://zyx987wvu654.lambda-url.eu-west-1.on.aws/"
)

func routeResource(t *testing.T, target, urlID string) plan.Resource {
	p := plan.RouteProps{
		KeyValueStore: plan.Ref{ID: plan.IDKeyValueStore, Attr: plan.AttrArn},
		Key:           "/api/*",
		Target:        target,
		Container:     "api",
	}
	if urlID != "" {
		p.FunctionURL = &plan.Ref{ID: urlID, Attr: plan.AttrURL}
	}
	return edgeFakeResource(t, plan.ContainerID("api", plan.SuffixRoute), plan.KindRoute, "berth-shop-prod-api-route", p)
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

func TestRouteLifecycleAgainstTheEdgeFake(t *testing.T) {
	r := newEdgeFakeRig(t)
	env, arn := routeEnv(t, r)
	provtest.Lifecycle(t, provtest.Case{
		Provisioner:   NewRoute(r.data, r.cf),
		Env:           env,
		Calls:         r.calls,
		Initial:       routeResource(t, plan.RouteTargetLambda, "api/Url"),
		Updated:       routeResource(t, plan.RouteTargetLambda, "api/UrlB"),
		UpdatedFields: []string{"functionUrl"},
		OutOfBand: func(ctx context.Context) error {
			v, err := edge.EncodeValue(edge.RouteValue{Container: "intruder", Target: edge.TargetLambda, Domain: "zyx987wvu654.lambda-url.eu-west-1.on.aws"})
			if err != nil {
				return err
			}
			return putRaw(ctx, r, arn, "/api/*", v)
		},
		DriftField: "container",
	})
}

func TestRouteNotOwnedAgainstTheEdgeFake(t *testing.T) {
	r := newEdgeFakeRig(t)
	env, _ := routeEnv(t, r)
	foreign := r.store(t, "someone-elses-kvs", nil)
	env.Refs.(provision.OutputsByID)[plan.IDKeyValueStore] = provision.Outputs{plan.AttrArn: foreign}
	provtest.NotOwned(t, NewRoute(r.data, r.cf), env, routeResource(t, plan.RouteTargetLambda, "api/Url"), func(ctx context.Context) error {
		return putRaw(ctx, r, foreign, "/api/*", "their value")
	})
}

func TestRouteWritesTheEncodedTargetAndCountsItsCalls(t *testing.T) {
	ctx := context.Background()
	r := newEdgeFakeRig(t)
	env, arn := routeEnv(t, r)
	out, err := NewRoute(r.data, r.cf).Create(ctx, env, routeResource(t, plan.RouteTargetLambda, "api/Url"))
	if err != nil {
		t.Fatal(err)
	}
	s := r.calls.Summary()
	t.Logf("one route create: %d mutating, %d read: %v", s.Mutating, s.Read, opCounts(noCalls, s))
	if s.Mutating != 1 || s.Read != 4 {
		t.Fatalf("one create made %d mutating and %d read calls, want 1 (PutKey) and 4 (tags, describe, get, read-back)", s.Mutating, s.Read)
	}
	got, err := r.rawKVS.GetKey(ctx, &kvsdata.GetKeyInput{KvsARN: aws.String(arn), Key: aws.String("/api/*")})
	if err != nil {
		t.Fatal(err)
	}
	v, err := edge.DecodeValue(aws.ToString(got.Value))
	if err != nil || v != (edge.RouteValue{Container: "api", Target: edge.TargetLambda, Domain: "abc123def456.lambda-url.eu-west-1.on.aws"}) {
		t.Fatalf("stored %q (%+v, %v)", aws.ToString(got.Value), v, err)
	}
	if out["Key"] != "/api/*" {
		t.Fatalf("outputs = %v", out)
	}
}

func TestRouteReportsWhichTargetFieldsDiffer(t *testing.T) {
	lambdaA := mustEncode(t, edge.RouteValue{Container: "api", Target: edge.TargetLambda, Domain: "abc123def456.lambda-url.eu-west-1.on.aws"})
	tests := []struct {
		name      string
		want, got string
		fields    []string
	}{
		{"identical values differ in nothing", lambdaA, lambdaA, nil},
		{"a switch to Fargate changes the target and drops the URL", mustEncode(t, edge.RouteValue{Container: "api", Target: edge.TargetALB}), lambdaA, []string{"target", "functionUrl"}},
		{"another container", mustEncode(t, edge.RouteValue{Container: "web", Target: edge.TargetLambda, Domain: "abc123def456.lambda-url.eu-west-1.on.aws"}), lambdaA, []string{"container"}},
		{"a value the router cannot read", lambdaA, `{"routes":[1,2]}`, []string{"value"}},
		{"the same route encoded differently", lambdaA, `{"t":"l","v":1,"c":"api","d":"abc123def456.lambda-url.eu-west-1.on.aws"}`, []string{"value"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			provtest.AssertFields(t, tc.name, routeDiff(tc.want, tc.got), tc.fields)
		})
	}
}

func mustEncode(t *testing.T, v edge.RouteValue) string {
	s, err := edge.EncodeValue(v)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestRouteEntryTakesAFunctionURLOrItsDomain(t *testing.T) {
	for _, attr := range []string{plan.AttrURL, plan.AttrDomainName} {
		env := edgeFakeEnv(provision.OutputsByID{
			plan.IDKeyValueStore: {plan.AttrArn: "arn:aws:cloudfront::123456789012:key-value-store/0f0e0d0c-1b1a-4c2d-8e3f-405060708090"},
			"api/Url":            {plan.AttrURL: urlA, plan.AttrDomainName: "abc123def456.lambda-url.eu-west-1.on.aws"},
		})
		res := routeResource(t, plan.RouteTargetLambda, "api/Url")
		res.Props = []byte(`{"keyValueStore":{"ref":"KeyValueStore","attr":"Arn"},"key":"/api/*","target":"lambda","container":"api","functionUrl":{"ref":"api/Url","attr":"` + attr + `"}}`)
		_, key, value, err := RouteEntry(env, res)
		if err != nil {
			t.Fatalf("attr %s: %v", attr, err)
		}
		if v, _ := edge.DecodeValue(value); key != "/api/*" || v.Domain != "abc123def456.lambda-url.eu-west-1.on.aws" {
			t.Fatalf("attr %s: %s = %s", attr, key, value)
		}
	}
}

func TestRouteWriteThatDoesNotLandIsAMismatch(t *testing.T) {
	r := newEdgeFakeRig(t)
	env, _ := routeEnv(t, r)
	r.fake.CorruptOnWrite("/api/*", "")
	_, err := NewRoute(r.data, r.cf).Create(context.Background(), env, routeResource(t, plan.RouteTargetLambda, "api/Url"))
	if _, ok := err.(*kvs.RouteMismatchError); !ok {
		t.Fatalf("got %v (%T), want *kvs.RouteMismatchError unwrapped", err, err)
	}
}

func TestRouteIntoAMissingStore(t *testing.T) {
	ctx := context.Background()
	r := newEdgeFakeRig(t)
	env, _ := routeEnv(t, r)
	env.Refs.(provision.OutputsByID)[plan.IDKeyValueStore] = provision.Outputs{plan.AttrArn: "arn:aws:cloudfront::123456789012:key-value-store/0f0e0d0c-1b1a-4c2d-8e3f-405060708090"}
	res := routeResource(t, plan.RouteTargetALB, "")
	p := NewRoute(r.data, r.cf)
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

func TestRouteTableCollectsEveryRouteOfOneStore(t *testing.T) {
	env := edgeFakeEnv(provision.OutputsByID{
		plan.IDKeyValueStore: {plan.AttrArn: "arn:aws:cloudfront::123456789012:key-value-store/0f0e0d0c-1b1a-4c2d-8e3f-405060708090"},
		"api/Url":            {plan.AttrURL: urlA},
	})
	api := routeResource(t, plan.RouteTargetLambda, "api/Url")
	web := edgeFakeResource(t, "web/Route", plan.KindRoute, "web-route", plan.RouteProps{
		KeyValueStore: plan.Ref{ID: plan.IDKeyValueStore, Attr: plan.AttrArn}, Key: "/*", Target: plan.RouteTargetALB, Container: "web",
	})
	other := edgeFakeResource(t, plan.IDKeyValueStore, plan.KindKeyValueStore, "kvs", plan.KeyValueStoreProps{})
	arn, table, err := RouteTable(env, []plan.Resource{api, other, web})
	if err != nil {
		t.Fatal(err)
	}
	if arn == "" || len(table) != 2 || table["/api/*"] == "" || table["/*"] != mustEncode(t, edge.RouteValue{Container: "web", Target: edge.TargetALB}) {
		t.Fatalf("table = %s %v", arn, table)
	}
	var re *provision.RejectedError
	if _, _, err := RouteTable(env, []plan.Resource{api, api}); !errors.As(err, &re) {
		t.Fatalf("a key routed twice: %v, want *provision.RejectedError", err)
	}
}
