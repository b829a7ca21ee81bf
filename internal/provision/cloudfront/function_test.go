package cloudfront

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/berth-dev/berth/internal/edge"
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
	"github.com/berth-dev/berth/internal/provision/provtest"
)

const routerName = "berth-shop-prod-router"

func routerResource(t *testing.T, hostRouting bool, albOriginID string) plan.Resource {
	return edgeFakeResource(t, plan.IDRouterFunction, plan.KindCloudFrontFunction, routerName, plan.CloudFrontFunctionProps{
		Runtime:       edge.RouterRuntime,
		KeyValueStore: plan.Ref{ID: plan.IDKeyValueStore, Attr: plan.AttrArn},
		CodeSHA256:    edge.RouterTemplateSHA256(),
		HostRouting:   hostRouting,
		ALBOriginID:   albOriginID,
	})
}

// routerEnv is an env whose KeyValueStore ref resolves to a store in the fake.
func routerEnv(t *testing.T, r *edgeFakeRig) (provision.Env, string) {
	env := edgeFakeEnv(nil)
	arn := r.store(t, "berth-shop-prod-kvs", &env)
	env.Refs = provision.OutputsByID{plan.IDKeyValueStore: {plan.AttrArn: arn}}
	return env, arn
}

func TestRouterFunctionLifecycleAgainstTheEdgeFake(t *testing.T) {
	r := newEdgeFakeRig(t)
	env, _ := routerEnv(t, r)
	provtest.Lifecycle(t, provtest.Case{
		Provisioner:   NewFunction(r.cf),
		Env:           env,
		Calls:         r.calls,
		Initial:       routerResource(t, false, ""),
		Updated:       routerResource(t, true, plan.ALBOriginID),
		UpdatedFields: []string{"codeSha256"},
		// Someone detaches the store in the console and publishes.
		OutOfBand: func(ctx context.Context) error {
			d, err := r.rawCF.DescribeFunction(ctx, &sdk.DescribeFunctionInput{Name: aws.String(routerName)})
			if err != nil {
				return err
			}
			code, err := r.rawCF.GetFunction(ctx, &sdk.GetFunctionInput{Name: aws.String(routerName)})
			if err != nil {
				return err
			}
			up, err := r.rawCF.UpdateFunction(ctx, &sdk.UpdateFunctionInput{Name: aws.String(routerName), IfMatch: d.ETag,
				FunctionConfig: fnStateFor("").config("edited"), FunctionCode: code.FunctionCode})
			if err != nil {
				return err
			}
			_, err = r.rawCF.PublishFunction(ctx, &sdk.PublishFunctionInput{Name: aws.String(routerName), IfMatch: up.ETag})
			return err
		},
		DriftField: "keyValueStore",
	})
}

func TestRouterFunctionNotOwnedAgainstTheEdgeFake(t *testing.T) {
	r := newEdgeFakeRig(t)
	env, _ := routerEnv(t, r)
	provtest.NotOwned(t, NewFunction(r.cf), env, routerResource(t, false, ""), func(ctx context.Context) error {
		_, err := r.rawCF.CreateFunction(ctx, &sdk.CreateFunctionInput{Name: aws.String(routerName), FunctionCode: []byte("x"), FunctionConfig: fnStateFor("").config("someone else's")})
		return err
	})
}

func TestRouterFunctionIsPublishedLiveWithItsStore(t *testing.T) {
	ctx := context.Background()
	r := newEdgeFakeRig(t)
	env, arn := routerEnv(t, r)
	out, err := NewFunction(r.cf).Create(ctx, env, routerResource(t, true, plan.ALBOriginID))
	if err != nil {
		t.Fatal(err)
	}
	s := r.calls.Summary()
	t.Logf("one router function create: %d mutating, %d read: %v", s.Mutating, s.Read, opCounts(noCalls, s))
	if s.Mutating != 2 || s.Read != 1 {
		t.Fatalf("one create made %d mutating and %d read calls, want 2 (create, publish) and 1", s.Mutating, s.Read)
	}

	live, err := r.rawCF.DescribeFunction(ctx, &sdk.DescribeFunctionInput{Name: aws.String(routerName), Stage: types.FunctionStageLive})
	if err != nil {
		t.Fatalf("the function is not LIVE: %v", err)
	}
	cfg := live.FunctionSummary.FunctionConfig
	if out[plan.AttrArn] != aws.ToString(live.FunctionSummary.FunctionMetadata.FunctionARN) || out["Stage"] != "LIVE" {
		t.Fatalf("outputs = %v", out)
	}
	if cfg.Runtime != types.FunctionRuntimeCloudfrontJs20 || aws.ToString(cfg.KeyValueStoreAssociations.Items[0].KeyValueStoreARN) != arn {
		t.Fatalf("LIVE config = runtime %s, store %+v", cfg.Runtime, cfg.KeyValueStoreAssociations)
	}
	if aws.ToString(cfg.Comment) != OwnerMarker(env, routerResource(t, true, plan.ALBOriginID)) {
		t.Fatalf("comment = %q, want the owner marker", aws.ToString(cfg.Comment))
	}
	code, err := r.rawCF.GetFunction(ctx, &sdk.GetFunctionInput{Name: aws.String(routerName), Stage: types.FunctionStageLive})
	if err != nil {
		t.Fatal(err)
	}
	want, err := edge.RenderRouter(edge.RouterParams{KeyValueStoreARN: arn, HostRouting: true, ALBOriginID: plan.ALBOriginID})
	if err != nil || string(code.FunctionCode) != want {
		t.Fatalf("LIVE code is not the rendered router (render err %v)", err)
	}
}

func TestRouterFunctionUpdateSurvivesAConcurrentModification(t *testing.T) {
	ctx := context.Background()
	r := newEdgeFakeRig(t)
	env, _ := routerEnv(t, r)
	p := NewFunction(r.cf)
	if _, err := p.Create(ctx, env, routerResource(t, false, "")); err != nil {
		t.Fatal(err)
	}
	before := r.calls.Summary()
	r.fake.InjectConcurrentWrite()
	if _, err := p.Update(ctx, env, routerResource(t, true, "")); err != nil {
		t.Fatalf("update after a concurrent modification: %v", err)
	}
	ops := opCounts(before, r.calls.Summary())
	if ops["CloudFront:UpdateFunction"] != 2 || ops["CloudFront:PublishFunction"] != 1 {
		t.Fatalf("calls = %v, want the stale UpdateFunction redone once, then one publish", ops)
	}
	if obs := provtest.WaitReady(t, p, env, routerResource(t, true, "")); !obs.UpToDate() {
		t.Fatalf("after update: %+v", obs.Diff)
	}
}

func TestRouterFunctionWithUnpublishedChangesIsNotReady(t *testing.T) {
	ctx := context.Background()
	r := newEdgeFakeRig(t)
	env, arn := routerEnv(t, r)
	p, res := NewFunction(r.cf), routerResource(t, false, "")
	if _, err := p.Create(ctx, env, res); err != nil {
		t.Fatal(err)
	}
	d, err := r.rawCF.DescribeFunction(ctx, &sdk.DescribeFunctionInput{Name: aws.String(routerName)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.rawCF.UpdateFunction(ctx, &sdk.UpdateFunctionInput{Name: aws.String(routerName), IfMatch: d.ETag,
		FunctionConfig: fnStateFor(arn).config("x"), FunctionCode: []byte("unpublished")}); err != nil {
		t.Fatal(err)
	}
	obs, err := p.Observe(ctx, env, res)
	if err != nil {
		t.Fatal(err)
	}
	if obs.Ready {
		t.Fatalf("a function with unpublished changes is reported ready")
	}
	provtest.AssertFields(t, "unpublished change", obs.Diff, []string{"stage"})
	if _, err := p.Update(ctx, env, res); err != nil {
		t.Fatal(err)
	}
	if obs := provtest.WaitReady(t, p, env, res); !obs.UpToDate() {
		t.Fatalf("after update: %+v", obs.Diff)
	}
}

func TestRouterFunctionWithAnUnresolvableStoreIsAPrecondition(t *testing.T) {
	r := newEdgeFakeRig(t)
	_, err := NewFunction(r.cf).Create(context.Background(), edgeFakeEnv(provision.OutputsByID{}), routerResource(t, false, ""))
	var pe *provision.PreconditionError
	if !errors.As(err, &pe) {
		t.Fatalf("got %v, want *provision.PreconditionError", err)
	}
	if n := len(r.calls.Summary().Ops); n != 0 {
		t.Fatalf("made %d kinds of AWS calls before finding the ref missing", n)
	}
}

// inUse answers DeleteFunction as CloudFront does while a distribution still uses the
// function; the fake has no distributions (they live in moto), so it cannot.
func TestRouterFunctionInUseIsTransientOnDelete(t *testing.T) {
	ctx := context.Background()
	r := newEdgeFakeRig(t)
	env, _ := routerEnv(t, r)
	if _, err := NewFunction(r.cf).Create(ctx, env, routerResource(t, false, "")); err != nil {
		t.Fatal(err)
	}
	r.fake.SetFunctionInUse(routerResource(t, false, "").Name, true)
	err := NewFunction(r.cf).Delete(ctx, env, routerResource(t, false, ""))
	var te *provision.TransientError
	if !errors.As(err, &te) || !strings.Contains(err.Error(), "FunctionInUse") {
		t.Fatalf("got %v, want *provision.TransientError for FunctionInUse", err)
	}
	r.fake.SetFunctionInUse(routerResource(t, false, "").Name, false)
	if err := NewFunction(r.cf).Delete(ctx, env, routerResource(t, false, "")); err != nil {
		t.Fatalf("delete once the distribution released it: %v", err)
	}
}

// A delete whose ETag went stale reads the function again and deletes it; delete never
// reads the stages' code, and neither does a create that loses its publish's ETag before
// it converges what it made.
func TestRouterFunctionDeleteAndCreateSurviveAConcurrentModification(t *testing.T) {
	ctx := context.Background()
	r := newEdgeFakeRig(t)
	env, _ := routerEnv(t, r)
	p, res := NewFunction(r.cf), routerResource(t, false, "")
	before := r.calls.Summary()
	r.fake.InjectConcurrentWrite() // the publish right after CreateFunction
	if _, err := p.Create(ctx, env, res); err != nil {
		t.Fatalf("create whose publish found the ETag stale: %v", err)
	}
	if ops := opCounts(before, r.calls.Summary()); ops["CloudFront:CreateFunction"] != 1 || ops["CloudFront:PublishFunction"] != 2 {
		t.Fatalf("create calls = %v, want one create and the stale publish redone once", ops)
	}
	if obs := provtest.WaitReady(t, p, env, res); !obs.UpToDate() {
		t.Fatalf("after create: %+v", obs.Diff)
	}
	before = r.calls.Summary()
	r.fake.InjectConcurrentWrite()
	if err := p.Delete(ctx, env, res); err != nil {
		t.Fatalf("delete after a concurrent modification: %v", err)
	}
	ops := opCounts(before, r.calls.Summary())
	if ops["CloudFront:DeleteFunction"] != 2 || ops["CloudFront:DescribeFunction"] != 2 || ops["CloudFront:GetFunction"] != 0 {
		t.Fatalf("delete calls = %v, want two reads of DEVELOPMENT, the stale delete redone once, no code read", ops)
	}
	if obs, err := p.Observe(ctx, env, res); err != nil || obs.Exists {
		t.Fatalf("observe after delete: %+v %v", obs, err)
	}
}

// A router or route table whose name berth's plan uses but that berth does not own shows
// as provision.NotOwnedDiff, the "ownership" field the drift checker reports and never
// repairs.
func TestForeignEdgeResourcesShowAsAnOwnershipDiff(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name    string
		foreign func(t *testing.T, r *edgeFakeRig) (provision.Provisioner, provision.Env, plan.Resource)
	}{
		{"a router function without berth's tags", func(t *testing.T, r *edgeFakeRig) (provision.Provisioner, provision.Env, plan.Resource) {
			env, _ := routerEnv(t, r)
			if _, err := r.rawCF.CreateFunction(ctx, &sdk.CreateFunctionInput{Name: aws.String(routerName), FunctionCode: []byte("x"), FunctionConfig: fnStateFor("").config("someone else's")}); err != nil {
				t.Fatal(err)
			}
			return NewFunction(r.cf), env, routerResource(t, false, "")
		}},
		{"a route table in a store without berth's tags", func(t *testing.T, r *edgeFakeRig) (provision.Provisioner, provision.Env, plan.Resource) {
			env, _ := routeEnv(t, r)
			foreign := r.store(t, "someone-elses-kvs", nil)
			env.Refs.(provision.OutputsByID)[plan.IDKeyValueStore] = provision.Outputs{plan.AttrArn: foreign}
			if err := putRaw(ctx, r, foreign, "/api/*", "their value"); err != nil {
				t.Fatal(err)
			}
			return NewRouteTable(r.data, r.cf), env, routeTable(t, "api/Url", false)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, env, res := tc.foreign(t, newEdgeFakeRig(t))
			obs, err := p.Observe(ctx, env, res)
			if err != nil || !obs.Exists || len(obs.Diff) != 1 || obs.Diff[0] != provision.NotOwnedDiff(env, res) || obs.Outputs != nil {
				t.Fatalf("observe: %+v %v, want only %+v", obs, err, provision.NotOwnedDiff(env, res))
			}
		})
	}
}
