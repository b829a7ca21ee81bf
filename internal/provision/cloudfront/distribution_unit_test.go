package cloudfront

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
	"github.com/berth-dev/berth/internal/provision/provtest"
)

// These tests use fakeCloudFront for what moto does not do like AWS (see its comment).

func fakeEnv() provision.Env {
	return provision.Env{App: "shop", Stage: "prod", Account: "123456789012", Region: "eu-west-1", Refs: edgeRefs()}
}

const fakeName = "berth-shop-prod-cdn-a1b2c3"

// createdDist returns a fake holding one deployed distribution berth created from props.
func createdDist(t *testing.T, p plan.DistributionProps) (*fakeCloudFront, *Distribution, plan.Resource) {
	t.Helper()
	f := newFakeCloudFront()
	d := NewDistribution(f)
	r := distResource(t, fakeName, p)
	if _, err := d.Create(context.Background(), fakeEnv(), r); err != nil {
		t.Fatal(err)
	}
	id, _ := f.only()
	f.deploy(id)
	return f, d, r
}

func withPriceClass(p plan.DistributionProps, pc string) plan.DistributionProps {
	p.PriceClass = pc
	return p
}

func TestDistributionUpdateWithStaleETag(t *testing.T) {
	tests := []struct {
		name        string
		staleWrites int // how many UpdateDistribution calls find the ETag changed under them
		wantErr     bool
		wantReads   int
	}{
		{"an update whose ETag went stale re-reads the config and succeeds on the second try", 1, false, 2},
		{"an update that finds the ETag stale twice gives up with a TransientError", 2, true, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, d, _ := createdDist(t, baseDistProps())
			stale := tc.staleWrites
			f.beforeWrite = func(op, id string) {
				if stale > 0 {
					stale--
					f.write(id, f.dists[id].cfg) // somebody else's change: new ETag
				}
			}
			f.calls = map[string]int{}
			_, err := d.Update(context.Background(), fakeEnv(), distResource(t, fakeName, withPriceClass(baseDistProps(), "PriceClass_All")))
			var te *provision.TransientError
			if tc.wantErr != (err != nil) || err != nil && !errors.As(err, &te) {
				t.Fatalf("update: got %v, want error=%v (TransientError)", err, tc.wantErr)
			}
			if got := f.calls["GetDistributionConfig"]; got != tc.wantReads {
				t.Errorf("GetDistributionConfig calls = %d, want %d (one re-read per stale ETag, at most one retry)", got, tc.wantReads)
			}
			if got := f.calls["UpdateDistribution"]; got != 2 {
				t.Errorf("UpdateDistribution calls = %d, want 2", got)
			}
			_, dist := f.only()
			if got := string(dist.cfg.PriceClass); !tc.wantErr && got != "PriceClass_All" {
				t.Errorf("price class after update = %s", got)
			}
		})
	}
}

func TestDistributionDeleteDisablesWaitsThenDeletes(t *testing.T) {
	ctx := context.Background()
	f, d, r := createdDist(t, baseDistProps())
	id, dist := f.only()
	env := fakeEnv()

	err := d.Delete(ctx, env, r)
	var te *provision.TransientError
	if !errors.As(err, &te) || te.Op != "delete" || te.Cause != DisablingCause {
		t.Fatalf("first delete of an enabled distribution: got %v, want TransientError{Op: delete, Cause: %q}", err, DisablingCause)
	}
	if aws.ToBool(dist.cfg.Enabled) || f.calls["DeleteDistribution"] != 0 {
		t.Fatalf("first delete must only disable (enabled=%v, DeleteDistribution calls=%d)", aws.ToBool(dist.cfg.Enabled), f.calls["DeleteDistribution"])
	}

	before := f.mutating()
	if err := d.Delete(ctx, env, r); !errors.As(err, &te) || te.Cause != DisablingCause {
		t.Fatalf("delete while the disable is deploying: got %v, want the same TransientError", err)
	}
	if f.mutating() != before {
		t.Fatalf("delete while deploying made %d writes, want 0", f.mutating()-before)
	}

	f.deploy(id)
	if err := d.Delete(ctx, env, r); err != nil {
		t.Fatalf("delete once disabled and deployed: %v", err)
	}
	if len(f.dists) != 0 {
		t.Fatal("distribution still there")
	}
	if err := d.Delete(ctx, env, r); err != nil {
		t.Fatalf("delete of a deleted distribution: %v", err)
	}
}

func TestDistributionDeleteWithStaleETagRetriesOnce(t *testing.T) {
	ctx := context.Background()
	f, d, r := createdDist(t, baseDistProps())
	id, dist := f.only()
	dist.cfg.Enabled = aws.Bool(false)
	f.deploy(id)
	stale := true
	f.beforeWrite = func(op, id string) {
		if stale {
			stale = false
			f.write(id, f.dists[id].cfg)
			f.deploy(id)
		}
	}
	if err := d.Delete(ctx, fakeEnv(), r); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if f.calls["DeleteDistribution"] != 2 || len(f.dists) != 0 {
		t.Fatalf("DeleteDistribution calls = %d, left %d: want one retry with a fresh ETag", f.calls["DeleteDistribution"], len(f.dists))
	}
}

func TestDistributionObserve(t *testing.T) {
	otherRouter := "arn:aws:cloudfront::123456789012:function/somebody-elses-router"
	tests := []struct {
		name      string
		change    func(c *types.DistributionConfig)
		wantReady bool
		want      []string
	}{
		{"a freshly deployed distribution is ready and up to date", func(*types.DistributionConfig) {}, true, nil},
		{"a replaced viewer-request function shows as routerFunction", func(c *types.DistributionConfig) {
			c.DefaultCacheBehavior.FunctionAssociations.Items[0].FunctionARN = aws.String(otherRouter)
		}, false, []string{"routerFunction"}},
		{"a body signer without IncludeBody shows as bodySigner", func(c *types.DistributionConfig) {
			c.DefaultCacheBehavior.LambdaFunctionAssociations.Items[0].IncludeBody = aws.Bool(false)
		}, false, []string{"bodySigner"}},
		{"a removed alias and a lowered TLS policy show as aliases and certificate", func(c *types.DistributionConfig) {
			c.Aliases = &types.Aliases{Quantity: aws.Int32(1), Items: []string{"shop.example.com"}}
			c.ViewerCertificate.MinimumProtocolVersion = types.MinimumProtocolVersionTLSv12016
		}, false, []string{"aliases", "certificate"}},
		{"a disabled distribution shows as enabled", func(c *types.DistributionConfig) { c.Enabled = aws.Bool(false) }, false, []string{"enabled"}},
		{"a changed origin read timeout shows once", func(c *types.DistributionConfig) {
			c.Origins.Items[0].CustomOriginConfig.OriginReadTimeout = aws.Int32(10)
		}, false, []string{"originReadTimeoutSec"}},
		{"an ALB origin berth did not ask for shows as albOrigin", func(c *types.DistributionConfig) {
			s := spec{albDomain: "alb.example.com", readTimeout: 30}
			c.Origins.Items = append(c.Origins.Items, s.customOrigin(ALBOriginID, "alb.example.com", types.OriginProtocolPolicyHttpOnly))
		}, false, []string{"albOrigin"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, d, r := createdDist(t, baseDistProps())
			id, dist := f.only()
			tc.change(dist.cfg)
			if tc.want != nil {
				f.write(id, dist.cfg)
			}
			obs, err := d.Observe(context.Background(), fakeEnv(), r)
			if err != nil {
				t.Fatal(err)
			}
			if obs.Ready != tc.wantReady {
				t.Errorf("ready = %v, want %v", obs.Ready, tc.wantReady)
			}
			provtest.AssertFields(t, "observe", obs.Diff, tc.want)
		})
	}
}

func TestDistributionCreateAfterLostAnswer(t *testing.T) {
	tests := []struct {
		name    string
		prepare func(f *fakeCloudFront, id string)
		wantNew bool // a second distribution is made
	}{
		{"a retried create adopts the distribution its caller reference already made, though the list does not show it yet",
			func(f *fakeCloudFront, id string) { f.hidden[id] = true }, false},
		{"a caller reference left by a deleted distribution gets a fresh one",
			func(f *fakeCloudFront, id string) {
				f.gone["EGONE"] = aws.ToString(f.dists[id].cfg.CallerReference)
				delete(f.dists, id)
			}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, d, r := createdDist(t, baseDistProps())
			id, _ := f.only()
			tc.prepare(f, id)
			d.now = func() time.Time { return time.Unix(1767225600, 0) }
			f.calls = map[string]int{}
			out, err := d.Create(context.Background(), fakeEnv(), r)
			if err != nil {
				t.Fatal(err)
			}
			if got := f.calls["CreateDistributionWithTags"]; got != map[bool]int{false: 1, true: 2}[tc.wantNew] {
				t.Errorf("CreateDistributionWithTags calls = %d", got)
			}
			if !tc.wantNew && out[plan.AttrID] != id {
				t.Errorf("adopted %q, want %q", out[plan.AttrID], id)
			}
			if tc.wantNew {
				if _, nd := f.only(); nd == nil || aws.ToString(nd.cfg.CallerReference) == callerReference(fakeEnv(), r) {
					t.Errorf("new distribution must use a fresh caller reference")
				}
			}
		})
	}
}

func TestDistributionFindUsesAppliedID(t *testing.T) {
	f, d, r := createdDist(t, baseDistProps())
	id, _ := f.only()
	env := fakeEnv()
	refs := edgeRefs()
	refs[plan.IDDistribution] = provision.Outputs{plan.AttrID: id}
	env.Refs = refs
	f.calls = map[string]int{}
	obs, err := d.Observe(context.Background(), env, r)
	if err != nil || !obs.UpToDate() {
		t.Fatalf("observe: %+v %v", obs, err)
	}
	if f.calls["ListDistributions"] != 0 {
		t.Errorf("observe listed distributions although the applied state names the id")
	}
}

func TestDistributionOwnsDomainName(t *testing.T) {
	f, d, _ := createdDist(t, baseDistProps())
	id, _ := f.only()
	domain := "d" + id + ".cloudfront.net."
	tests := []struct {
		name string
		env  provision.Env
		dns  string
		want bool
	}{
		{"the domain of this stage's distribution is berth's", fakeEnv(), domain, true},
		{"the same distribution seen from another stage is not", provision.Env{App: "shop", Stage: "dev"}, domain, false},
		{"a domain no distribution here has is not", fakeEnv(), "d999.cloudfront.net.", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := d.OwnsDomainName(context.Background(), tc.env, tc.dns)
			if err != nil || got != tc.want {
				t.Fatalf("got %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}

// certNotIssued answers like CloudFront does for a certificate still pending validation.
type certNotIssued struct{ *fakeCloudFront }

func (certNotIssued) CreateDistributionWithTags(context.Context, *sdk.CreateDistributionWithTagsInput, ...func(*sdk.Options)) (*sdk.CreateDistributionWithTagsOutput, error) {
	return nil, apiErr("InvalidViewerCertificate", "The specified SSL certificate doesn't exist, isn't in us-east-1 region, isn't valid, or doesn't include a valid certificate chain.")
}

func TestDistributionWithAPendingCertificateIsTransient(t *testing.T) {
	d := NewDistribution(certNotIssued{newFakeCloudFront()})
	_, err := d.Create(context.Background(), fakeEnv(), distResource(t, fakeName, baseDistProps()))
	var te *provision.TransientError
	if !errors.As(err, &te) {
		t.Fatalf("got %v, want TransientError (the certificate may simply not be issued yet)", err)
	}
}

func TestDistributionErrorsThatClearByThemselvesAreTransientAndOthersAreNot(t *testing.T) {
	r := plan.Resource{Name: fakeName}
	for _, tc := range []struct {
		name      string
		err       error
		transient bool
	}{
		{"a second viewer-certificate change while one is in progress", apiErr("IllegalUpdate", "Only one viewer certificate change may be in progress at a time."), true},
		{"a Lambda@Edge version still Pending", apiErr("InvalidLambdaFunctionAssociation", "The function must be in an Active state. The current state for function arn:aws:lambda:us-east-1:123456789012:function:berth-body-signer:3 is Pending"), true},
		{"a Lambda@Edge function with an environment", apiErr("InvalidLambdaFunctionAssociation", "The function cannot have environment variables."), false},
		{"a malformed config", apiErr("InvalidArgument", "The parameter Comment is too long."), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := classify(tc.err, "update", r)
			var te *provision.TransientError
			if errors.As(err, &te) != tc.transient {
				t.Fatalf("%v: transient %v, want %v", err, !tc.transient, tc.transient)
			}
		})
	}
}

// The spec's refs are resolved only to compare or write: a removal whose router,
// certificate or signer outputs are gone still disables and deletes the distribution,
// and a distribution that is not there is absent whatever its refs.
func TestDistributionDeleteNeedsNoRefs(t *testing.T) {
	ctx := context.Background()
	f, d, r := createdDist(t, baseDistProps())
	id, dist := f.only()
	env := fakeEnv()
	env.Refs = provision.OutputsByID{}
	var te *provision.TransientError
	if err := d.Delete(ctx, env, r); !errors.As(err, &te) || te.Cause != DisablingCause || aws.ToBool(dist.cfg.Enabled) {
		t.Fatalf("delete without refs: %v (enabled %v), want the distribution disabled and TransientError %q", err, aws.ToBool(dist.cfg.Enabled), DisablingCause)
	}
	f.deploy(id)
	if err := d.Delete(ctx, env, r); err != nil || len(f.dists) != 0 {
		t.Fatalf("delete once deployed: %v, %d left", err, len(f.dists))
	}
	if obs, err := d.Observe(ctx, env, r); err != nil || obs.Exists {
		t.Fatalf("observe of the deleted distribution without refs: %+v %v", obs, err)
	}
	var pe *provision.PreconditionError
	if _, err := d.Create(ctx, env, r); !errors.As(err, &pe) || f.calls["CreateDistributionWithTags"] != 1 {
		t.Fatalf("create without refs: %v after %d creates, want a PreconditionError and no second create", err, f.calls["CreateDistributionWithTags"])
	}
}
