package acm

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/acm"

	"github.com/berth-dev/berth/internal/awscalls"
	"github.com/berth-dev/berth/internal/motoserver"
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
	"github.com/berth-dev/berth/internal/provision/provtest"
)

func motoClients(t *testing.T) (*sdk.Client, *awscalls.Counter, *sdk.Client) {
	t.Helper()
	cfg, err := motoserver.Shared.AWSConfig(context.Background(), plan.EdgeRegion)
	if err != nil {
		t.Fatal(err)
	}
	raw := sdk.NewFromConfig(cfg.Copy())
	counter := awscalls.New()
	counter.Attach(&cfg)
	return sdk.NewFromConfig(cfg), counter, raw
}

func certResource(t *testing.T, name, domain string, sans ...string) plan.Resource {
	t.Helper()
	b, err := json.Marshal(plan.CertificateProps{DomainName: domain, SubjectAlternativeNames: sans})
	if err != nil {
		t.Fatal(err)
	}
	return plan.Resource{ID: plan.IDCertificate, Kind: plan.KindCertificate, Name: name, Region: plan.EdgeRegion, Props: b}
}

func certEnv(app string) provision.Env {
	// berth runs in eu-west-1; the certificate is still made in us-east-1.
	return provision.Env{App: app, Stage: "prod", Account: motoserver.Account, Region: "eu-west-1"}
}

func TestCertificateLifecycleAgainstMoto(t *testing.T) {
	api, calls, _ := motoClients(t)
	name := "berth-shop-prod-cert-1a2b3c4d-5e6f70"
	provtest.Lifecycle(t, provtest.Case{
		Provisioner: New(api),
		Env:         certEnv("shop"),
		Calls:       calls,
		Initial:     certResource(t, name, "shop.example.com"),
		// Same name, another domain set: a new certificate (they are immutable).
		Updated:       certResource(t, name, "shop.example.com", "www.shop.example.com"),
		UpdatedFields: []string{"subjectAlternativeNames"},
	})
}

func TestCertificateOutputsCarryValidationRecords(t *testing.T) {
	api, _, _ := motoClients(t)
	ctx := context.Background()
	r := certResource(t, "berth-rec-prod-cert-00000000-aaaaaa", "rec.example.com", "www.rec.example.com")
	out, err := New(api).Create(ctx, certEnv("rec"), r)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"rec.example.com", "www.rec.example.com"} {
		name, typ, value := out[plan.AttrValidationName+d], out[plan.AttrValidationType+d], out[plan.AttrValidationValue+d]
		if !strings.HasSuffix(name, d+".") || typ != "CNAME" || value == "" {
			t.Errorf("validation record of %s: name %q type %q value %q", d, name, typ, value)
		}
	}
	if !strings.HasPrefix(out[plan.AttrArn], "arn:aws:acm:us-east-1:") {
		t.Errorf("outputs %v", out)
	}
	obs, err := New(api).Observe(ctx, certEnv("rec"), r)
	if err != nil || obs.Outputs[StatusOutput] == "" || obs.Outputs[plan.AttrArn] != out[plan.AttrArn] {
		t.Errorf("observe outputs %v (%v): want the same Arn and a Status", obs.Outputs, err)
	}
	if err := New(api).Delete(ctx, certEnv("rec"), r); err != nil {
		t.Fatal(err)
	}
}

func TestCertificateLeavesCertificatesItDidNotTag(t *testing.T) {
	api, _, raw := motoClients(t)
	ctx := context.Background()
	theirs, err := raw.RequestCertificate(ctx, &sdk.RequestCertificateInput{DomainName: aws.String("both.example.com"), ValidationMethod: "DNS"})
	if err != nil {
		t.Fatal(err)
	}
	r := certResource(t, "berth-both-prod-cert-11111111-bbbbbb", "both.example.com")
	out, err := New(api).Create(ctx, certEnv("both"), r)
	if err != nil {
		t.Fatal(err)
	}
	if out[plan.AttrArn] == aws.ToString(theirs.CertificateArn) {
		t.Fatal("berth adopted a certificate it did not request")
	}
	if err := New(api).Delete(ctx, certEnv("both"), r); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.DescribeCertificate(ctx, &sdk.DescribeCertificateInput{CertificateArn: theirs.CertificateArn}); err != nil {
		t.Fatalf("the untagged certificate is gone: %v", err)
	}
}

func TestCertificateOutsideUSEast1IsRejected(t *testing.T) {
	api, calls, _ := motoClients(t)
	r := certResource(t, "berth-eu-prod-cert-22222222-cccccc", "eu.example.com")
	r.Region = "eu-west-1"
	var re *provision.RejectedError
	ctx := context.Background()
	if _, err := New(api).Create(ctx, certEnv("eu"), r); !errors.As(err, &re) {
		t.Fatalf("create in eu-west-1: got %v, want RejectedError", err)
	}
	if s := calls.Summary(); s.Mutating+s.Read != 0 {
		t.Fatalf("a rejected certificate made %d AWS calls", s.Mutating+s.Read)
	}
}

func TestALoadBalancerCertificateIsMadeInItsOwnRegion(t *testing.T) {
	ctx := context.Background()
	cfg, err := motoserver.Shared.AWSConfig(ctx, "eu-west-1")
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(plan.CertificateProps{DomainName: "intra.example.com", LoadBalancer: true})
	if err != nil {
		t.Fatal(err)
	}
	r := plan.Resource{ID: plan.IDCertificate, Kind: plan.KindCertificate, Name: "berth-intra-prod-cert-33333333-dddddd", Region: "eu-west-1", Props: b}
	p := New(sdk.NewFromConfig(cfg))
	out, err := p.Create(ctx, certEnv("intra"), r)
	if err != nil {
		t.Fatal(err)
	}
	if arn := out[plan.AttrArn]; !strings.Contains(arn, ":acm:eu-west-1:") {
		t.Fatalf("certificate %s: want it in eu-west-1, the load balancer's region", arn)
	}
	if err := p.Delete(ctx, certEnv("intra"), r); err != nil {
		t.Fatal(err)
	}
}
