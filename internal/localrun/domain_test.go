package localrun

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/route53"
)

func TestACustomDomainWithoutAHostedZoneFailsBeforeAnythingIsCreated(t *testing.T) {
	s := newSession(t)
	r := deploy(t, s, "custom-domain.yml", "")
	wantStatus(t, r, "FAILED")
	if !strings.Contains(r.Error, "containers.site.routing.domain") || !strings.Contains(r.Error, "www.example.com") {
		t.Fatalf("the error does not name the domain and its key: %s", r.Error)
	}
	if r.Calls.Mutating != 0 || len(r.Inventory) != 0 {
		t.Fatalf("a missing hosted zone still changed the account: %d mutating calls, %v", r.Calls.Mutating, names(r.Inventory))
	}
}

func TestACustomDomainDeployedFromEuropeGetsItsCertificateInUSEast1(t *testing.T) {
	s := newSession(t)
	ctx := context.Background()
	_, err := route53.NewFromConfig(s.Env.AWS).CreateHostedZone(ctx, &route53.CreateHostedZoneInput{
		Name: aws.String("example.com"), CallerReference: aws.String("berth-test")})
	if err != nil {
		t.Fatal(err)
	}
	r := deploy(t, s, "custom-domain.yml", "")
	wantStatus(t, r, "SUCCEEDED")
	var cert, dist bool
	for _, it := range r.Inventory {
		switch it.Type {
		case "AWS::CertificateManager::Certificate":
			cert = true
			if !strings.Contains(it.Arn, ":us-east-1:") || it.Attributes["domainName"] != "www.example.com" {
				t.Fatalf("certificate %s for %s: want us-east-1 and www.example.com", it.Arn, it.Attributes["domainName"])
			}
		case "AWS::CloudFront::Distribution":
			dist = true
			if it.Attributes["aliases"] != "www.example.com" {
				t.Fatalf("distribution aliases %q, want www.example.com", it.Attributes["aliases"])
			}
		}
	}
	if !cert || !dist {
		t.Fatalf("want a certificate and a distribution, got %v", names(r.Inventory))
	}
	if _, ok := r.Routes["www.example.com/*"]; !ok {
		t.Fatalf("routes %v: want the host-specific key www.example.com/*", r.Routes)
	}
}
