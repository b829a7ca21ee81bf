package cloudfront

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	acmsdk "github.com/aws/aws-sdk-go-v2/service/acm"
	sdk "github.com/aws/aws-sdk-go-v2/service/cloudfront"
	r53sdk "github.com/aws/aws-sdk-go-v2/service/route53"

	"github.com/berth-dev/berth/internal/awscalls"
	"github.com/berth-dev/berth/internal/motoserver"
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
	"github.com/berth-dev/berth/internal/provision/acm"
	"github.com/berth-dev/berth/internal/provision/route53"
)

// TestCustomDomainStackCallCounts applies a custom-domain edge stack in dependency order,
// as the deploy workflow does: certificate → validation record → (certificate issued) →
// OAC → distribution → A and AAAA aliases, then applies it again. It reports the AWS
// calls of each Create and checks the totals: one write per resource the first time, no
// write the second time.
func TestCustomDomainStackCallCounts(t *testing.T) {
	ctx := context.Background()
	counter := awscalls.New()
	cfg, err := motoserver.Shared.AWSConfig(ctx, plan.EdgeRegion)
	if err != nil {
		t.Fatal(err)
	}
	rawCfg := cfg.Copy()
	rawR53 := r53sdk.NewFromConfig(rawCfg)
	if _, err := rawR53.CreateHostedZone(ctx, &r53sdk.CreateHostedZoneInput{Name: aws.String("stack.example.com"), CallerReference: aws.String("stack-zone")}); err != nil {
		t.Fatal(err)
	}
	cf, _, _ := motoClients(t)
	counter.Attach(&cfg)
	cf.Client = sdk.NewFromConfig(cfg)
	certs := acm.New(acmsdk.NewFromConfig(cfg))
	records := route53.New(r53sdk.NewFromConfig(cfg))
	oacs, dists := NewOAC(func(string) OACAPI { return cf }), NewDistribution(cf)

	domain := "stack.example.com"
	refs := edgeRefs()
	delete(refs, plan.IDCertificate)
	env := provision.Env{App: "stack", Stage: "prod", Account: motoserver.Account, Region: "eu-west-1", Refs: refs}
	res := func(id string, kind plan.Kind, name string, props any) plan.Resource {
		b, err := json.Marshal(props)
		if err != nil {
			t.Fatal(err)
		}
		return plan.Resource{ID: id, Kind: kind, Name: name, Region: plan.EdgeRegion, Props: b}
	}
	distProps := baseDistProps()
	distProps.Aliases = []string{domain}
	steps := []struct {
		p provision.Provisioner
		r plan.Resource
	}{
		{certs, res(plan.IDCertificate, plan.KindCertificate, "berth-stack-prod-cert-0f0f0f0f-123456", plan.CertificateProps{DomainName: domain})},
		{records, res(plan.CertificateValidationID(domain), plan.KindRecordSet, "berth-stack-prod-dns-CNAME-stack-example-com-abcdef",
			plan.RecordSetProps{HostedZoneDomain: domain, RecordName: domain, Type: "CNAME", ValidationFor: &plan.Ref{ID: plan.IDCertificate, Attr: plan.AttrArn}})},
		{oacs, res(plan.IDOriginAccessControl, plan.KindOAC, "berth-stack-prod-oac-abcdef", plan.OACProps{OriginType: "lambda", SigningProtocol: "sigv4", SigningBehavior: "always"})},
		{dists, distResource(t, "berth-stack-prod-cdn-abcdef", distProps)},
	}
	for _, typ := range []string{"A", "AAAA"} {
		steps = append(steps, struct {
			p provision.Provisioner
			r plan.Resource
		}{records, res(plan.AliasID(domain, typ), plan.KindRecordSet, "berth-stack-prod-dns-"+typ+"-stack-example-com-abcdef",
			plan.RecordSetProps{HostedZoneDomain: domain, RecordName: domain, Type: typ, AliasTo: &plan.Ref{ID: plan.IDDistribution, Attr: plan.AttrDomainName}})})
	}

	apply := func(round string) awscalls.Summary {
		start := counter.Summary()
		for _, s := range steps {
			before := counter.Summary()
			out, err := s.p.Create(ctx, env, s.r)
			if err != nil {
				t.Fatalf("%s: create %s: %v", round, s.r.ID, err)
			}
			refs[s.r.ID] = out
			t.Logf("%s %-40s %s", round, s.r.ID, describeCalls(before, counter.Summary()))
			if s.r.ID == plan.CertificateValidationID(domain) {
				// Polled with an uncounted client: the polls' count depends on timing.
				waitIssued(t, acm.New(acmsdk.NewFromConfig(rawCfg)), env, steps[0].r)
			}
		}
		return callsBetween(start, counter.Summary())
	}
	first := apply("create")
	t.Logf("create total: %d mutating, %d read", first.Mutating, first.Read)
	if first.Mutating != len(steps) {
		t.Errorf("first apply made %d mutating calls, want %d (one per resource)", first.Mutating, len(steps))
	}
	second := apply("again ")
	t.Logf("again total: %d mutating, %d read", second.Mutating, second.Read)
	if second.Mutating != 0 {
		t.Errorf("applying the same stack again made %d mutating calls, want 0", second.Mutating)
	}
	for _, s := range steps {
		before := counter.Summary()
		if _, err := s.p.Observe(ctx, env, s.r); err != nil {
			t.Fatal(err)
		}
		t.Logf("observe %-40s %s", s.r.ID, describeCalls(before, counter.Summary()))
	}
}

// waitIssued polls the certificate as the workflow does before the distribution needs it.
func waitIssued(t *testing.T, p provision.Provisioner, env provision.Env, r plan.Resource) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		obs, err := p.Observe(context.Background(), env, r)
		if err != nil {
			t.Fatal(err)
		}
		if obs.Ready {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("certificate never issued")
		}
	}
}

// callsBetween is the calls made between two summaries of one counter.
func callsBetween(before, after awscalls.Summary) awscalls.Summary {
	neg := awscalls.Summary{Mutating: -before.Mutating, Read: -before.Read}
	for _, o := range before.Ops {
		o.Count = -o.Count
		neg.Ops = append(neg.Ops, o)
	}
	return after.Add(neg)
}

// describeCalls renders the calls made between two summaries, per operation.
func describeCalls(before, after awscalls.Summary) string {
	d := callsBetween(before, after)
	var ops []string
	for _, o := range d.Ops {
		if o.Count != 0 {
			kind := "r"
			if o.Mutating {
				kind = "w"
			}
			ops = append(ops, fmt.Sprintf("%s:%s×%d(%s)", o.Service, o.Operation, o.Count, kind))
		}
	}
	return fmt.Sprintf("mutating %d read %d  %s", d.Mutating, d.Read, strings.Join(ops, " "))
}
