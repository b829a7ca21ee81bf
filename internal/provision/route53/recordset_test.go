package route53

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/route53/types"

	"github.com/berth-dev/berth/internal/awscalls"
	"github.com/berth-dev/berth/internal/motoserver"
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
	"github.com/berth-dev/berth/internal/provision/provtest"
)

func motoClients(t *testing.T) (*sdk.Client, *awscalls.Counter, *sdk.Client) {
	t.Helper()
	cfg, err := motoserver.Shared.AWSConfig(context.Background(), "eu-west-1")
	if err != nil {
		t.Fatal(err)
	}
	raw := sdk.NewFromConfig(cfg.Copy())
	counter := awscalls.New()
	counter.Attach(&cfg)
	return sdk.NewFromConfig(cfg), counter, raw
}

// zone creates a public hosted zone in moto and returns its id.
func zone(t *testing.T, raw *sdk.Client, name string) string {
	t.Helper()
	out, err := raw.CreateHostedZone(context.Background(), &sdk.CreateHostedZoneInput{
		Name: aws.String(name), CallerReference: aws.String(name + strconv.FormatInt(time.Now().UnixNano(), 10)),
	})
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimPrefix(aws.ToString(out.HostedZone.Id), "/hostedzone/")
}

func recordRes(t *testing.T, id, domain, typ string, p plan.RecordSetProps) plan.Resource {
	t.Helper()
	p.HostedZoneDomain, p.RecordName, p.Type = domain, domain, typ
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return plan.Resource{ID: id, Kind: plan.KindRecordSet, Name: "berth-shop-prod-dns-" + typ + "-" + domain + "-abc123", Region: "eu-west-1", Props: b}
}

func aliasTo(id string) plan.RecordSetProps {
	return plan.RecordSetProps{AliasTo: &plan.Ref{ID: id, Attr: plan.AttrDomainName}}
}

func recEnv(app string) provision.Env {
	return provision.Env{App: app, Stage: "prod", Account: motoserver.Account, Region: "eu-west-1", Refs: provision.OutputsByID{
		plan.IDDistribution: {plan.AttrDomainName: "d111111abcdef8.cloudfront.net"},
		"OldDistribution":   {plan.AttrDomainName: "d222222abcdef8.cloudfront.net"},
		plan.IDCertificate: {
			plan.AttrValidationName + "shop.example.net":   "_3f1c9d.shop.example.net.",
			plan.AttrValidationType + "shop.example.net":   "CNAME",
			plan.AttrValidationValue + "shop.example.net":  "_9a8b7c.xyzabc.acm-validations.aws.",
			plan.AttrValidationName + "adopt.example.net":  "_3f1c9d.adopt.example.net.",
			plan.AttrValidationValue + "adopt.example.net": "_9a8b7c.xyzabc.acm-validations.aws.",
		},
	}}
}

// ownsBoth stands in for cloudfront.Distribution.OwnsDomainName: both test distributions
// are this stage's.
func ownsBoth(_ context.Context, _ provision.Env, dnsName string) (bool, error) {
	return dnsName == "d111111abcdef8.cloudfront.net." || dnsName == "d222222abcdef8.cloudfront.net.", nil
}

func TestAliasRecordLifecycleAgainstMoto(t *testing.T) {
	api, calls, raw := motoClients(t)
	zoneID := zone(t, raw, "example.com")
	domain := "api.shop.example.com" // two levels below the zone: FindZone walks up
	provtest.Lifecycle(t, provtest.Case{
		Provisioner:   New(api, WithAliasOwner(ownsBoth)),
		Env:           recEnv("shop"),
		Calls:         calls,
		Initial:       recordRes(t, plan.AliasID(domain, "A"), domain, "A", aliasTo("OldDistribution")),
		Updated:       recordRes(t, plan.AliasID(domain, "A"), domain, "A", aliasTo(plan.IDDistribution)),
		UpdatedFields: []string{"aliasTo"},
		OutOfBand: func(ctx context.Context) error {
			_, err := raw.ChangeResourceRecordSets(ctx, &sdk.ChangeResourceRecordSetsInput{HostedZoneId: aws.String(zoneID), ChangeBatch: &types.ChangeBatch{Changes: []types.Change{{
				Action: types.ChangeActionUpsert, ResourceRecordSet: &types.ResourceRecordSet{Name: aws.String(domain + "."), Type: types.RRTypeA, AliasTarget: &types.AliasTarget{
					DNSName: aws.String("d111111abcdef8.cloudfront.net."), HostedZoneId: aws.String(CloudFrontZoneID), EvaluateTargetHealth: true,
				}},
			}}}})
			return err
		},
		DriftField: "aliasTo",
	})
}

func TestValidationRecordLifecycleAgainstMoto(t *testing.T) {
	api, calls, raw := motoClients(t)
	zone(t, raw, "shop.example.net")
	domain := "shop.example.net"
	r := recordRes(t, plan.CertificateValidationID(domain), domain, "CNAME", plan.RecordSetProps{ValidationFor: &plan.Ref{ID: plan.IDCertificate, Attr: plan.AttrArn}})
	// The validation record of a certificate has nothing to update in place: the same
	// resource is applied twice (UpdatedFields empty) and then deleted.
	provtest.Lifecycle(t, provtest.Case{Provisioner: New(api), Env: recEnv("shop"), Calls: calls, Initial: r, Updated: r})
}

func TestRecordNotOwnedAgainstMoto(t *testing.T) {
	api, _, raw := motoClients(t)
	zoneID := zone(t, raw, "mall.example.org")
	domain := "www.mall.example.org"
	r := recordRes(t, plan.AliasID(domain, "A"), domain, "A", aliasTo(plan.IDDistribution))
	provtest.NotOwned(t, New(api, WithAliasOwner(ownsBoth)), recEnv("mall"), r, func(ctx context.Context) error {
		_, err := raw.ChangeResourceRecordSets(ctx, &sdk.ChangeResourceRecordSetsInput{HostedZoneId: aws.String(zoneID), ChangeBatch: &types.ChangeBatch{Changes: []types.Change{{
			Action: types.ChangeActionCreate, ResourceRecordSet: &types.ResourceRecordSet{Name: aws.String(domain), Type: types.RRTypeA, TTL: aws.Int64(60),
				ResourceRecords: []types.ResourceRecord{{Value: aws.String("192.0.2.10")}}},
		}}}})
		return err
	})
}

func TestRecordAliasToAForeignDistributionIsNotOwned(t *testing.T) {
	api, _, raw := motoClients(t)
	zoneID := zone(t, raw, "other.example.org")
	domain := "other.example.org"
	if _, err := raw.ChangeResourceRecordSets(context.Background(), &sdk.ChangeResourceRecordSetsInput{HostedZoneId: aws.String(zoneID), ChangeBatch: &types.ChangeBatch{Changes: []types.Change{{
		Action: types.ChangeActionCreate, ResourceRecordSet: &types.ResourceRecordSet{Name: aws.String(domain), Type: types.RRTypeAaaa, AliasTarget: &types.AliasTarget{
			DNSName: aws.String("d999999somebody.cloudfront.net."), HostedZoneId: aws.String(CloudFrontZoneID)}},
	}}}}); err != nil {
		t.Fatal(err)
	}
	r := recordRes(t, plan.AliasID(domain, "AAAA"), domain, "AAAA", aliasTo(plan.IDDistribution))
	for _, p := range []*RecordSet{New(api), New(api, WithAliasOwner(ownsBoth))} {
		var no *provision.NotOwnedError
		if _, err := p.Create(context.Background(), recEnv("other"), r); !errors.As(err, &no) {
			t.Fatalf("create over an alias to another account's distribution: got %v, want NotOwnedError", err)
		}
		if err := p.Delete(context.Background(), recEnv("other"), r); !errors.As(err, &no) {
			t.Fatalf("delete of an alias to another account's distribution: got %v, want NotOwnedError", err)
		}
	}
}

func TestAdoptedValidationRecordSurvivesDelete(t *testing.T) {
	api, _, raw := motoClients(t)
	zoneID := zone(t, raw, "adopt.example.net")
	domain := "adopt.example.net"
	// The user validated a certificate of their own for the same domain: ACM asked them
	// for the very record it now asks berth for.
	if _, err := raw.ChangeResourceRecordSets(context.Background(), &sdk.ChangeResourceRecordSetsInput{HostedZoneId: aws.String(zoneID), ChangeBatch: &types.ChangeBatch{Changes: []types.Change{{
		Action: types.ChangeActionCreate, ResourceRecordSet: &types.ResourceRecordSet{Name: aws.String("_3f1c9d.adopt.example.net."), Type: types.RRTypeCname, TTL: aws.Int64(60),
			ResourceRecords: []types.ResourceRecord{{Value: aws.String("_9a8b7c.xyzabc.acm-validations.aws.")}}},
	}}}}); err != nil {
		t.Fatal(err)
	}
	r := recordRes(t, plan.CertificateValidationID(domain), domain, "CNAME", plan.RecordSetProps{ValidationFor: &plan.Ref{ID: plan.IDCertificate}})
	env := recEnv("shop")
	out, err := New(api).Create(context.Background(), env, r)
	if err != nil || out[AdoptedOutput] != "true" {
		t.Fatalf("create over the user's identical record: %v %v, want %s=true", out, err, AdoptedOutput)
	}
	live, err := raw.ListResourceRecordSets(context.Background(), &sdk.ListResourceRecordSetsInput{HostedZoneId: aws.String(zoneID), StartRecordName: aws.String("_3f1c9d.adopt.example.net."), StartRecordType: types.RRTypeCname, MaxItems: aws.Int32(1)})
	if err != nil || len(live.ResourceRecordSets) != 1 || aws.ToInt64(live.ResourceRecordSets[0].TTL) != 60 {
		t.Fatalf("berth rewrote the user's record: %+v %v", live, err)
	}
	env.Refs.(provision.OutputsByID)[r.ID] = out // the applied state, as the workflow keeps it
	if err := New(api).Delete(context.Background(), env, r); err != nil {
		t.Fatal(err)
	}
	obs, err := New(api).Observe(context.Background(), env, r)
	if err != nil || !obs.Exists {
		t.Fatalf("the user's validation record was deleted (%v)", err)
	}
}

func TestRecordWithoutZoneIsAPrecondition(t *testing.T) {
	api, calls, _ := motoClients(t)
	r := recordRes(t, plan.AliasID("nowhere.example.invalid", "A"), "nowhere.example.invalid", "A", aliasTo(plan.IDDistribution))
	var pe *provision.PreconditionError
	_, err := New(api).Create(context.Background(), recEnv("shop"), r)
	if !errors.As(err, &pe) || !strings.Contains(pe.Error(), "nowhere.example.invalid") || !strings.Contains(pe.Error(), "create a public hosted zone") {
		t.Fatalf("got %v, want a PreconditionError naming the domain", err)
	}
	if calls.Summary().Mutating != 0 {
		t.Fatal("a record without a zone made a mutating call")
	}
	if err := New(api).Delete(context.Background(), recEnv("shop"), r); err != nil {
		t.Fatalf("delete without a zone: %v", err)
	}
}

// Observe compares values only and never asks the alias owner (its IAM actions are
// Route 53 reads); the writing verbs ask it before touching a record with another value,
// and refuse a foreign one naming the record as DNS shows it.
func TestOnlyTheWritingVerbsAskWhoOwnsAnAliasTarget(t *testing.T) {
	api, _, raw := motoClients(t)
	zoneID := zone(t, raw, "ask.example.org")
	domain := "ask.example.org"
	if _, err := raw.ChangeResourceRecordSets(context.Background(), &sdk.ChangeResourceRecordSetsInput{HostedZoneId: aws.String(zoneID), ChangeBatch: &types.ChangeBatch{Changes: []types.Change{{
		Action: types.ChangeActionCreate, ResourceRecordSet: &types.ResourceRecordSet{Name: aws.String(domain), Type: types.RRTypeA, AliasTarget: &types.AliasTarget{
			DNSName: aws.String("d999999somebody.cloudfront.net."), HostedZoneId: aws.String(CloudFrontZoneID)}},
	}}}}); err != nil {
		t.Fatal(err)
	}
	asked := 0
	p := New(api, WithAliasOwner(func(ctx context.Context, env provision.Env, dnsName string) (bool, error) {
		asked++
		return ownsBoth(ctx, env, dnsName)
	}))
	r := recordRes(t, plan.AliasID(domain, "A"), domain, "A", aliasTo(plan.IDDistribution))
	obs, err := p.Observe(context.Background(), recEnv("ask"), r)
	if err != nil || !obs.Exists || len(obs.Diff) != 1 || obs.Diff[0].Field != "aliasTo" || asked != 0 {
		t.Fatalf("observe: %+v %v, alias owner asked %d times", obs, err, asked)
	}
	var no *provision.NotOwnedError
	if _, err := p.Update(context.Background(), recEnv("ask"), r); !errors.As(err, &no) || no.Name != domain+" A" || asked != 1 {
		t.Fatalf("update: %v, alias owner asked %d times; want a NotOwnedError naming %q", err, asked, domain+" A")
	}
}

// A private app's alias: the record goes in the private zone the plan names, even when a
// public zone of the same name exists (where FindZone would have put it), and points at
// the load balancer through the load balancer's own hosted zone.
func TestAnAliasToALoadBalancerGoesInTheNamedPrivateZone(t *testing.T) {
	api, _, raw := motoClients(t)
	ctx := context.Background()
	public := zone(t, raw, "corp.example.org")
	out, err := raw.CreateHostedZone(ctx, &sdk.CreateHostedZoneInput{
		Name: aws.String("corp.example.org"), CallerReference: aws.String("private" + strconv.FormatInt(time.Now().UnixNano(), 10)),
		HostedZoneConfig: &types.HostedZoneConfig{PrivateZone: true},
		VPC:              &types.VPC{VPCId: aws.String("vpc-0a1b2c3d"), VPCRegion: types.VPCRegionEuWest1},
	})
	if err != nil {
		t.Fatal(err)
	}
	private := strings.TrimPrefix(aws.ToString(out.HostedZone.Id), "/hostedzone/")
	const lbZone, lbDNS = "Z32O12XQLNTSW2", "internal-berth-shop-prod-ialb-1234567890.eu-west-1.elb.amazonaws.com"
	env := recEnv("shop")
	env.Refs = provision.OutputsByID{plan.IDLoadBalancer: {plan.AttrDNSName: lbDNS, plan.AttrCanonicalHostedZoneID: lbZone}}
	domain := "intra.corp.example.org"
	r := recordRes(t, plan.AliasID(domain, "A"), domain, "A", plan.RecordSetProps{
		HostedZoneID: private,
		AliasTo:      &plan.Ref{ID: plan.IDLoadBalancer, Attr: plan.AttrDNSName},
		AliasZone:    &plan.Ref{ID: plan.IDLoadBalancer, Attr: plan.AttrCanonicalHostedZoneID},
	})
	p := New(api)
	if _, err := p.Create(ctx, env, r); err != nil {
		t.Fatal(err)
	}
	find := func(zoneID string) *types.ResourceRecordSet {
		rs, err := raw.ListResourceRecordSets(ctx, &sdk.ListResourceRecordSetsInput{HostedZoneId: aws.String(zoneID)})
		if err != nil {
			t.Fatal(err)
		}
		for i := range rs.ResourceRecordSets {
			if rr := &rs.ResourceRecordSets[i]; rr.Type == types.RRTypeA && fqdn(aws.ToString(rr.Name)) == domain+"." {
				return rr
			}
		}
		return nil
	}
	if find(public) != nil {
		t.Fatal("the alias went in the public zone of the same name")
	}
	rr := find(private)
	if rr == nil || rr.AliasTarget == nil || fqdn(aws.ToString(rr.AliasTarget.DNSName)) != lbDNS+"." || aws.ToString(rr.AliasTarget.HostedZoneId) != lbZone {
		t.Fatalf("private zone record %+v: want an alias to %s in zone %s", rr, lbDNS, lbZone)
	}
	obs, err := p.Observe(ctx, env, r)
	if err != nil || !obs.Exists || len(obs.Diff) != 0 {
		t.Fatalf("observe after create: %+v, %v", obs, err)
	}
	if err := p.Delete(ctx, env, r); err != nil {
		t.Fatal(err)
	}
	if find(private) != nil {
		t.Fatal("the alias is still in the private zone after Delete")
	}
}
