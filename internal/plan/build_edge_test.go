package plan

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/config"
)

func withDomains(domains ...string) *config.Config {
	var cs []config.Container
	for i, d := range domains {
		c := lambdaContainer(fmt.Sprintf("c%d", i), fmt.Sprintf("/c%d/*", i))
		c.Routing.Domain = d
		cs = append(cs, c)
	}
	return appConfig(cs...)
}

func certificateProps(t *testing.T, d *Desired) CertificateProps {
	t.Helper()
	for _, r := range d.Resources {
		if r.ID == IDCertificate {
			var p CertificateProps
			if err := json.Unmarshal(r.Props, &p); err != nil {
				t.Fatal(err)
			}
			return p
		}
	}
	t.Fatal("no certificate")
	return CertificateProps{}
}

// ACM refuses a Common Name over 64 octets (RequestCertificateInput.DomainName).
func TestTheCertificatePrimaryNameIsTheFirstDomainOfAtMost64Characters(t *testing.T) {
	long := strings.Repeat("a", 60) + ".example.com" // 72 characters, sorts first
	d, err := Build(withDomains(long, "shop.example.com"), testTarget)
	if err != nil {
		t.Fatal(err)
	}
	p := certificateProps(t, d)
	if p.DomainName != "shop.example.com" || len(p.SubjectAlternativeNames) != 1 || p.SubjectAlternativeNames[0] != long {
		t.Fatalf("certificate %+v, want primary shop.example.com and the long name as a SAN", p)
	}
}

func TestAnAppWhoseDomainsAreAllLongerThan64IsRefusedNamingTheKey(t *testing.T) {
	_, err := Build(withDomains(strings.Repeat("a", 60)+".example.com"), testTarget)
	if err == nil || !strings.Contains(err.Error(), "routing.domain") || !strings.Contains(err.Error(), "64") {
		t.Fatalf("got %v, want an error naming routing.domain and the 64-character limit", err)
	}
}

// One distribution has one certificate, which holds 10 names under ACM's default quota
// (RequestCertificateInput.SubjectAlternativeNames).
func TestMoreThanTenDomainsAreRefusedBeforeACMWouldBe(t *testing.T) {
	var ten []string
	for i := 0; i < 10; i++ {
		ten = append(ten, fmt.Sprintf("d%d.example.com", i))
	}
	if _, err := Build(withDomains(ten...), testTarget); err != nil {
		t.Fatalf("10 domains: %v", err)
	}
	_, err := Build(withDomains(append(ten, "d10.example.com")...), testTarget)
	if err == nil || !strings.Contains(err.Error(), "routing.domain") || !strings.Contains(err.Error(), "11 custom domains") {
		t.Fatalf("11 domains: %v, want a refusal naming routing.domain", err)
	}
}

// The router signs Lambda requests with an inline OAC config, so no standalone OAC is
// planned; an app planned before has its unused one deleted by its next deploy.
func TestNoStandaloneOACIsPlannedAndAnOldOneIsPruned(t *testing.T) {
	d, err := Build(appConfig(lambdaContainer("api", "/api/*")), testTarget)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range d.Resources {
		if r.Kind == KindOAC {
			t.Fatalf("planned %s", r.ID)
		}
	}
	old := *d
	old.Resources = append(append([]Resource{}, d.Resources...), Resource{ID: IDOriginAccessControl, Kind: KindOAC, Name: "berth-shop-prod-oac-123456", Region: EdgeRegion, Props: json.RawMessage(`{}`)})
	p, err := Diff(d, &old)
	if err != nil {
		t.Fatal(err)
	}
	var deleted bool
	for _, s := range p.Steps {
		deleted = deleted || (s.ID == IDOriginAccessControl && s.Action == Delete)
	}
	if !deleted {
		t.Fatalf("steps %+v: the old OAC is not deleted", p.Steps)
	}
}
