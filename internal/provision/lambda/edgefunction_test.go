package lambda

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/smithy-go"

	"github.com/berth-dev/berth/internal/edge"
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
	"github.com/berth-dev/berth/internal/provision/provtest"
)

// source is a switchable body signer source, as a new berth build would bring.
type source struct {
	mu  sync.Mutex
	src string
}

func (s *source) get() string  { s.mu.Lock(); defer s.mu.Unlock(); return s.src }
func (s *source) set(v string) { s.mu.Lock(); defer s.mu.Unlock(); s.src = v }

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// edgeCase is the body signer resource in us-east-1 with its role ref resolved, for an
// app whose own region is testRegion.
func edgeCase(t *testing.T, m *moto, src string, runtime string) (plan.Resource, provision.Env) {
	t.Helper()
	env := testEnv(provision.OutputsByID{plan.IDBodySignerRole: {plan.AttrArn: m.role(t)}})
	return edgeResource(t, uniqueName("berth-shop-dev-signer"), src, runtime), env
}

func edgeResource(t *testing.T, name, src, runtime string) plan.Resource {
	return resource(t, plan.IDBodySigner, plan.KindEdgeFunctionVersion, name, plan.EdgeRegion, plan.EdgeFunctionProps{
		Runtime:    runtime,
		Role:       plan.Ref{ID: plan.IDBodySignerRole, Attr: plan.AttrArn},
		CodeSHA256: sha256Hex(src),
	})
}

func TestEdgeFunctionLifecycleAgainstMoto(t *testing.T) {
	m := newMoto(t)
	r, env := edgeCase(t, m, edge.BodySignerSource(), edge.BodySignerRuntime)
	updated := edgeResource(t, r.Name, edge.BodySignerSource(), "nodejs22.x")
	provtest.Lifecycle(t, provtest.Case{
		Provisioner:   NewEdgeFunction(m.clients, edge.BodySignerSource),
		Env:           env,
		Calls:         m.calls,
		Initial:       r,
		Updated:       updated,
		UpdatedFields: []string{"runtime"},
		// Deleting the published version CloudFront would use leaves $LATEST right but
		// unpublished.
		OutOfBand: func(ctx context.Context) error {
			obs, err := NewEdgeFunction(m.clients, edge.BodySignerSource).Observe(ctx, env, updated)
			if err != nil {
				return err
			}
			version := obs.Outputs[plan.AttrVersionArn]
			_, err = m.raw(plan.EdgeRegion).DeleteFunction(ctx, &awslambda.DeleteFunctionInput{FunctionName: aws.String(version)})
			return err
		},
		DriftField: "version",
	})
}

func TestEdgeFunctionNotOwnedIsLeftAlone(t *testing.T) {
	m := newMoto(t)
	r, env := edgeCase(t, m, edge.BodySignerSource(), edge.BodySignerRuntime)
	role, _ := env.Refs.Resolve(plan.Ref{ID: plan.IDBodySignerRole, Attr: plan.AttrArn})
	provtest.NotOwned(t, NewEdgeFunction(m.clients, edge.BodySignerSource), env, r, func(ctx context.Context) error {
		zipped, err := packageSource("exports.handler = async (e) => e.Records[0].cf.request;")
		if err != nil {
			return err
		}
		_, err = m.raw(plan.EdgeRegion).CreateFunction(ctx, &awslambda.CreateFunctionInput{
			FunctionName: aws.String(r.Name), Runtime: types.RuntimeNodejs20x, Handler: aws.String(edgeHandler),
			Role: aws.String(role), Code: &types.FunctionCode{ZipFile: zipped},
		})
		return err
	})
}

func TestEdgeFunctionNewSourcePublishesANewVersionInUSEast1(t *testing.T) {
	m := newMoto(t)
	ctx := context.Background()
	src := &source{src: "exports.handler = async (e) => e.Records[0].cf.request; // v1"}
	r, env := edgeCase(t, m, src.get(), edge.BodySignerRuntime)
	e := NewEdgeFunction(m.clients, src.get)
	first, err := e.Create(ctx, env, r)
	if err != nil {
		t.Fatal(err)
	}
	assertCalls(t, m, "edge function", 1, 1)
	if !strings.HasPrefix(first[plan.AttrVersionArn], "arn:aws:lambda:us-east-1:") || !strings.HasSuffix(first[plan.AttrVersionArn], ":1") {
		t.Fatalf("VersionArn %q, want version 1 in us-east-1", first[plan.AttrVersionArn])
	}

	src.set("exports.handler = async (e) => e.Records[0].cf.request; // v2")
	r2 := edgeResource(t, r.Name, src.get(), edge.BodySignerRuntime)
	obs, err := e.Observe(ctx, env, r2)
	if err != nil {
		t.Fatal(err)
	}
	provtest.AssertFields(t, "with new code", obs.Diff, []string{"codeSha256"})
	second, err := e.Update(ctx, env, r2)
	if err != nil {
		t.Fatal(err)
	}
	if second[plan.AttrVersionArn] == first[plan.AttrVersionArn] || second[plan.AttrArn] != first[plan.AttrArn] {
		t.Fatalf("after a code change outputs %v, first %v: want a new version of the same function", second, first)
	}
	obs = provtest.WaitReady(t, e, env, r2)
	if !obs.UpToDate() || obs.Outputs[plan.AttrVersionArn] != second[plan.AttrVersionArn] {
		t.Fatalf("after update observe %+v, want up to date at %s", obs, second[plan.AttrVersionArn])
	}
}

func TestEdgeFunctionRefusesAPlanMadeForOtherCode(t *testing.T) {
	m := newMoto(t)
	r, env := edgeCase(t, m, "some other build's signer", edge.BodySignerRuntime)
	_, err := NewEdgeFunction(m.clients, edge.BodySignerSource).Create(context.Background(), env, r)
	var pe *provision.PreconditionError
	if !errors.As(err, &pe) {
		t.Fatalf("create with a mismatched codeSha256: %v, want *provision.PreconditionError", err)
	}
}

func TestEdgeFunctionZipIsDeterministic(t *testing.T) {
	a, err := packageSource(edge.BodySignerSource())
	if err != nil {
		t.Fatal(err)
	}
	b, _ := packageSource(edge.BodySignerSource())
	if codeSha256(a) != codeSha256(b) {
		t.Fatal("the same source packaged twice gives different zips")
	}
}

// Lambda@Edge behaviour moto does not have: replicas blocking deletion, and updates that
// stay InProgress.
func TestEdgeFunctionAgainstAFakeOfLambdaEdge(t *testing.T) {
	replicated := &smithy.GenericAPIError{Code: "InvalidParameterValueException", Message: "Lambda was unable to delete arn:aws:lambda:us-east-1:123456789012:function:berth-shop-dev-signer:1 because it is a replicated function. Please see our documentation for Deleting Lambda@Edge Functions and Replicas."}
	tests := []struct {
		name      string
		setup     func(*fakeLambda)
		run       func(*EdgeFunction, provision.Env, plan.Resource) error
		wantErr   any
		wantCalls string
	}{
		{
			name:  "deleting while CloudFront still holds replicas is transient",
			setup: func(f *fakeLambda) { f.deleteError = replicated },
			run: func(e *EdgeFunction, env provision.Env, r plan.Resource) error {
				return e.Delete(context.Background(), env, r)
			},
			wantErr:   &provision.TransientError{},
			wantCalls: "GetFunction,DeleteFunction",
		},
		{
			name: "a runtime change still applying defers the publish",
			setup: func(f *fakeLambda) {
				f.cfg.Runtime = types.RuntimeNodejs18x
				f.configStatus = types.LastUpdateStatusInProgress
			},
			run: func(e *EdgeFunction, env provision.Env, r plan.Resource) error {
				_, err := e.Update(context.Background(), env, r)
				return err
			},
			wantErr:   &provision.TransientError{},
			wantCalls: "GetFunction,ListVersionsByFunction,UpdateFunctionConfiguration",
		},
		{
			name:  "matching but unpublished code is published with its hash as a guard",
			setup: func(*fakeLambda) {},
			run: func(e *EdgeFunction, env provision.Env, r plan.Resource) error {
				out, err := e.Update(context.Background(), env, r)
				if err == nil && !strings.HasSuffix(out[plan.AttrVersionArn], ":8") {
					return errors.New("VersionArn " + out[plan.AttrVersionArn])
				}
				return err
			},
			wantCalls: "GetFunction,ListVersionsByFunction,PublishVersion",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fake, env, r := fakeEdge(t)
			tc.setup(fake)
			err := tc.run(NewEdgeFunction(fake.factory(), edge.BodySignerSource), env, r)
			switch tc.wantErr.(type) {
			case nil:
				if err != nil {
					t.Fatal(err)
				}
			case *provision.TransientError:
				var te *provision.TransientError
				if !errors.As(err, &te) {
					t.Fatalf("error %v, want *provision.TransientError", err)
				}
			}
			if got := strings.Join(fake.calls, ","); got != tc.wantCalls {
				t.Fatalf("calls %s, want %s", got, tc.wantCalls)
			}
		})
	}
}

// fakeEdge is a fake holding the body signer's $LATEST, matching the resource but with no
// published version.
func fakeEdge(t *testing.T) (*fakeLambda, provision.Env, plan.Resource) {
	t.Helper()
	role := "arn:aws:iam::123456789012:role/berth-shop-dev-signer-role"
	env := testEnv(provision.OutputsByID{plan.IDBodySignerRole: {plan.AttrArn: role}})
	r := edgeResource(t, "berth-shop-dev-signer", edge.BodySignerSource(), edge.BodySignerRuntime)
	zipped, err := packageSource(edge.BodySignerSource())
	if err != nil {
		t.Fatal(err)
	}
	return &fakeLambda{
		cfg: &types.FunctionConfiguration{
			FunctionName: aws.String(r.Name), FunctionArn: aws.String("arn:aws:lambda:us-east-1:123456789012:function:" + r.Name),
			Version: aws.String("$LATEST"), State: types.StateActive, LastUpdateStatus: types.LastUpdateStatusSuccessful,
			Runtime: types.Runtime(edge.BodySignerRuntime), Role: aws.String(role), CodeSha256: aws.String(codeSha256(zipped)),
		},
		tags: provision.Tags(env, r),
	}, env, r
}

// CloudFront is given the numbered version; while that version is Pending, the signer is
// not ready even though $LATEST is Active (goldstack/goldstack#18: CloudFront answers
// InvalidLambdaFunctionAssociation "The function must be in an Active state").
func TestEdgeFunctionIsReadyOnlyWhenThePublishedVersionIsActive(t *testing.T) {
	for _, tc := range []struct {
		state  types.State
		status types.LastUpdateStatus
		ready  bool
	}{
		{types.StatePending, "", false},
		{types.StateActive, types.LastUpdateStatusInProgress, false},
		{types.StateActive, types.LastUpdateStatusSuccessful, true},
	} {
		fake, env, r := fakeEdge(t)
		v := *fake.cfg
		v.Version, v.FunctionArn = aws.String("8"), aws.String(aws.ToString(fake.cfg.FunctionArn)+":8")
		v.State, v.LastUpdateStatus = tc.state, tc.status
		fake.versions = []types.FunctionConfiguration{v}
		obs, err := NewEdgeFunction(fake.factory(), edge.BodySignerSource).Observe(context.Background(), env, r)
		if err != nil {
			t.Fatal(err)
		}
		if !obs.UpToDate() || obs.Ready != tc.ready {
			t.Errorf("version %s/%s with $LATEST Active: up to date %v ready %v, want true %v", tc.state, tc.status, obs.UpToDate(), obs.Ready, tc.ready)
		}
	}
}

// Lambda refuses CreateFunction on a runtime past its block-create date
// (lambda-nodejs.html); berth says so before calling.
func TestEdgeFunctionRefusesToCreateOnABlockedRuntime(t *testing.T) {
	fake, env, r := fakeEdge(t)
	fake.missing = true
	e := NewEdgeFunction(fake.factory(), edge.BodySignerSource)
	e.now = func() time.Time { return time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC) }
	_, err := e.Create(context.Background(), env, r)
	var pe *provision.PreconditionError
	if !errors.As(err, &pe) || !strings.Contains(pe.Problem, "blocks creating") {
		t.Fatalf("create after the block date: %v, want *provision.PreconditionError naming the block", err)
	}
	if strings.Contains(strings.Join(fake.calls, ","), "CreateFunction") {
		t.Fatalf("calls %v: CreateFunction made anyway", fake.calls)
	}
}

// The shared body signer is created once, tagged berth:shared and with no app's tags, and
// every other app finds it as its own and reuses it without a mutating call.
func TestTheSharedBodySignerIsCreatedOnceAndReusedByEveryApp(t *testing.T) {
	m := newMoto(t)
	ctx := context.Background()
	shop, _ := edgeCase(t, m, edge.BodySignerSource(), edge.BodySignerRuntime)
	shop.Shared = true
	shopEnv := testEnv(provision.OutputsByID{plan.IDBodySignerRole: {plan.AttrArn: m.role(t)}})
	blogEnv := shopEnv
	blogEnv.App, blogEnv.Stage = "blog", "prod"
	e := NewEdgeFunction(m.clients, edge.BodySignerSource)

	first, err := e.Create(ctx, shopEnv, shop)
	if err != nil {
		t.Fatal(err)
	}
	fn, err := m.raw(plan.EdgeRegion).GetFunction(ctx, &awslambda.GetFunctionInput{FunctionName: aws.String(shop.Name)})
	if err != nil {
		t.Fatal(err)
	}
	if fn.Tags[provision.TagShared] != plan.IDBodySigner || fn.Tags[provision.TagApp] != "" || fn.Tags[provision.TagStage] != "" {
		t.Fatalf("tags %v, want berth:shared=%s and no app or stage", fn.Tags, plan.IDBodySigner)
	}
	obs := provtest.WaitReady(t, e, blogEnv, shop)
	if !obs.UpToDate() || obs.Outputs[plan.AttrVersionArn] != first[plan.AttrVersionArn] {
		t.Fatalf("another app observes %+v, want the same published version %s", obs, first[plan.AttrVersionArn])
	}
	before := m.calls.Summary().Mutating
	again, err := e.Update(ctx, blogEnv, shop)
	if err != nil || again[plan.AttrVersionArn] != first[plan.AttrVersionArn] || m.calls.Summary().Mutating != before {
		t.Fatalf("another app's apply: %v, %v, %d mutating calls; want the same version and none", again, err, m.calls.Summary().Mutating-before)
	}
}

// A signer planned by an older berth build (other code, a role no longer known) is still
// observed and deleted: only creating and comparing need this build's code and the role.
func TestEdgeFunctionPlannedByAnotherBuildIsObservedAndDeleted(t *testing.T) {
	ctx := context.Background()
	fake, env, _ := fakeEdge(t)
	env.Refs = provision.OutputsByID{}
	r := edgeResource(t, "berth-shop-dev-signer", "an older build's signer", edge.BodySignerRuntime)
	e := NewEdgeFunction(fake.factory(), edge.BodySignerSource)

	fake.missing = true
	if obs, err := e.Observe(ctx, env, r); err != nil || obs.Exists {
		t.Fatalf("observe of a missing signer: %+v %v, want absent", obs, err)
	}
	fake.missing = false
	if _, err := e.Observe(ctx, env, r); err == nil {
		t.Fatal("observe of an existing signer compared it with code this build does not have")
	}
	fake.calls = nil
	if err := e.Delete(ctx, env, r); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(fake.calls, ","); got != "GetFunction,DeleteFunction" {
		t.Fatalf("calls %s, want GetFunction,DeleteFunction", got)
	}
	fake.calls, fake.tags = nil, map[string]string{provision.TagApp: "other"}
	var no *provision.NotOwnedError
	if err := e.Delete(ctx, env, r); !errors.As(err, &no) || strings.Join(fake.calls, ",") != "GetFunction" {
		t.Fatalf("delete of a foreign signer: %v after %v, want *provision.NotOwnedError after GetFunction", err, fake.calls)
	}
}
