package route53

import (
	"context"
	"errors"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/route53/types"

	"github.com/berth-dev/berth/internal/provision"
)

// fakeZones answers ListHostedZonesByName as Route 53 does and moto 5.2.1 does not: the
// zones from DNSName onwards in reversed-label order, so the first answer is often a
// different name (moto returns exact matches only), private zones included.
type fakeZones struct {
	zones []types.HostedZone
	calls int
}

func reversed(name string) string {
	l := strings.Split(strings.TrimSuffix(name, "."), ".")
	for i, j := 0, len(l)-1; i < j; i, j = i+1, j-1 {
		l[i], l[j] = l[j], l[i]
	}
	return strings.Join(l, ".")
}

func (f *fakeZones) ListHostedZonesByName(_ context.Context, in *sdk.ListHostedZonesByNameInput, _ ...func(*sdk.Options)) (*sdk.ListHostedZonesByNameOutput, error) {
	f.calls++
	zs := append([]types.HostedZone(nil), f.zones...)
	sort.SliceStable(zs, func(i, j int) bool { return reversed(aws.ToString(zs[i].Name)) < reversed(aws.ToString(zs[j].Name)) })
	out := &sdk.ListHostedZonesByNameOutput{}
	for _, z := range zs {
		if reversed(aws.ToString(z.Name)) >= reversed(aws.ToString(in.DNSName)) && len(out.HostedZones) < int(aws.ToInt32(in.MaxItems)) {
			out.HostedZones = append(out.HostedZones, z)
		}
	}
	return out, nil
}

func hz(id, name string, private bool) types.HostedZone {
	return types.HostedZone{Id: aws.String("/hostedzone/" + id), Name: aws.String(name), Config: &types.HostedZoneConfig{PrivateZone: private}}
}

func TestFindZone(t *testing.T) {
	tests := []struct {
		name      string
		zones     []types.HostedZone
		domain    string
		want      string
		wantCalls int
		wantErr   string // substring of the PreconditionError
	}{
		{"the zone named like the domain wins", []types.HostedZone{hz("Z1", "example.com.", false), hz("Z2", "shop.example.com.", false)}, "shop.example.com", "Z2", 1, ""},
		{"a subdomain without its own zone is found in the nearest parent", []types.HostedZone{hz("Z1", "example.com.", false), hz("Z9", "zzz.example.com.", false)}, "api.shop.example.com", "Z1", 3, ""},
		{"a trailing dot and capitals do not matter", []types.HostedZone{hz("Z1", "example.com.", false)}, "API.Example.com.", "Z1", 2, ""},
		{"a private zone with the name is skipped for the public parent", []types.HostedZone{hz("P1", "shop.example.com.", true), hz("Z1", "example.com.", false)}, "shop.example.com", "Z1", 2, ""},
		{"no zone at any level is a precondition naming the domain", []types.HostedZone{hz("Z1", "example.org.", false)}, "api.shop.example.com", "", 3, "no public Route 53 hosted zone holds api.shop.example.com"},
		{"two public zones with one name are a precondition, not a guess", []types.HostedZone{hz("Z1", "example.com.", false), hz("Z2", "example.com.", false)}, "example.com", "", 1, "several public hosted zones"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeZones{zones: tc.zones}
			got, err := FindZone(context.Background(), f, tc.domain)
			if tc.wantErr != "" {
				var pe *provision.PreconditionError
				if !errors.As(err, &pe) || !strings.Contains(pe.Error(), tc.wantErr) {
					t.Fatalf("got %q, %v; want PreconditionError containing %q", got, err, tc.wantErr)
				}
			} else if err != nil || got != tc.want {
				t.Fatalf("got %q, %v; want %q", got, err, tc.want)
			}
			if f.calls != tc.wantCalls {
				t.Errorf("%d ListHostedZonesByName calls, want %d (one per level)", f.calls, tc.wantCalls)
			}
		})
	}
}
