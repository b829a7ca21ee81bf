package route53

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/aws/smithy-go"

	"github.com/berth-dev/berth/internal/fakes/hostedzones"
	"github.com/berth-dev/berth/internal/provision"
)

// defaultVPC stands in for ec2.Network: the region's default VPC, or err.
type defaultVPC struct {
	id    string
	err   error
	asked int
}

func (d *defaultVPC) DefaultNetwork(context.Context) (string, []string, error) {
	d.asked++
	return d.id, []string{"subnet-a", "subnet-b"}, d.err
}

func hostedZone(id, name string, private bool, vpcs ...types.VPC) *sdk.GetHostedZoneOutput {
	return &sdk.GetHostedZoneOutput{HostedZone: &types.HostedZone{Id: aws.String("/hostedzone/" + id), Name: aws.String(name),
		Config: &types.HostedZoneConfig{PrivateZone: private}}, VPCs: vpcs}
}

func vpcIn(id string, region types.VPCRegion) types.VPC {
	return types.VPC{VPCId: aws.String(id), VPCRegion: region}
}

func TestCheckPrivateZone(t *testing.T) {
	zones := map[string]*sdk.GetHostedZoneOutput{
		"ZPRIVATE":  hostedZone("ZPRIVATE", "corp.example.org.", true, vpcIn("vpc-other", types.VPCRegionEuWest1), vpcIn("vpc-app", types.VPCRegionEuWest1)),
		"ZDEFAULT":  hostedZone("ZDEFAULT", "corp.example.org.", true, vpcIn("vpc-default", types.VPCRegionEuWest1)),
		"ZPUBLIC":   hostedZone("ZPUBLIC", "corp.example.org.", false),
		"ZELSE":     hostedZone("ZELSE", "corp.example.org.", true, vpcIn("vpc-other", types.VPCRegionEuWest1)),
		"ZREGION":   hostedZone("ZREGION", "corp.example.org.", true, vpcIn("vpc-app", types.VPCRegionUsEast1)),
		"ZNOCONFIG": {HostedZone: &types.HostedZone{Id: aws.String("/hostedzone/ZNOCONFIG"), Name: aws.String("corp.example.org.")}},
	}
	tests := []struct {
		name         string
		zone, vpc    string
		domains      map[string]string // nil: admin.corp.example.org
		err          error             // from GetHostedZone
		defaultErr   error             // from DefaultNetwork
		want         []string
		wantErr      string
		wantDefaults int // DefaultNetwork calls
	}{
		{name: "a private zone associated with the app's VPC in its region is accepted", zone: "ZPRIVATE", vpc: "vpc-app"},
		{name: "a private zone associated with the default VPC is accepted when the config names no VPC", zone: "ZDEFAULT", wantDefaults: 1},
		{name: "an id given with its /hostedzone/ prefix is the same zone", zone: "/hostedzone/ZPRIVATE", vpc: "vpc-app"},
		{name: "a zone that does not exist names the key, the VPC and how to create the zone", zone: "ZMISSING", vpc: "vpc-app",
			want: []string{"deployment.awsAlb.privateHostedZoneId: no Route 53 hosted zone ZMISSING exists in this account",
				"create a private hosted zone associated with VPC vpc-app (deployment.awsVpc.id) in eu-west-1",
				"--vpc VPCRegion=eu-west-1,VPCId=vpc-app"}},
		{name: "a public zone is refused: its records would publish the internal load balancer's name", zone: "ZPUBLIC", vpc: "vpc-app",
			want: []string{"deployment.awsAlb.privateHostedZoneId: hosted zone ZPUBLIC (corp.example.org) is public",
				"publish its internal load balancer's name to the internet", "name a private hosted zone associated with VPC vpc-app"}},
		{name: "a zone without its Config is taken as public", zone: "ZNOCONFIG", vpc: "vpc-app",
			want: []string{"hosted zone ZNOCONFIG (corp.example.org) is public"}},
		{name: "a private zone of another VPC is refused, naming the association to make", zone: "ZELSE", vpc: "vpc-app",
			want: []string{"deployment.awsAlb.privateHostedZoneId: private hosted zone ZELSE (corp.example.org) is associated with vpc-other in eu-west-1 but not with VPC vpc-app (deployment.awsVpc.id) in eu-west-1",
				"aws route53 associate-vpc-with-hosted-zone --hosted-zone-id ZELSE --vpc VPCRegion=eu-west-1,VPCId=vpc-app"}},
		{name: "the app's VPC id associated in another region is not the app's VPC", zone: "ZREGION", vpc: "vpc-app",
			want: []string{"is associated with vpc-app in us-east-1 but not with VPC vpc-app (deployment.awsVpc.id) in eu-west-1"}},
		{name: "without deployment.awsVpc the zone must be associated with the default VPC", zone: "ZELSE", wantDefaults: 1,
			want: []string{"but not with the default VPC vpc-default (deployment.awsVpc is not set) in eu-west-1",
				"--vpc VPCRegion=eu-west-1,VPCId=vpc-default"}},
		{name: "a domain at the zone's apex is in the zone", zone: "ZPRIVATE", vpc: "vpc-app",
			domains: map[string]string{"containers.admin.routing.domain": "Corp.Example.org."}},
		{name: "a domain outside the zone is refused by its container's key: Route 53 would refuse its record midway", zone: "ZPRIVATE", vpc: "vpc-app",
			domains: map[string]string{"containers.admin.routing.domain": "admin.example.com"},
			want:    []string{"containers.admin.routing.domain: admin.example.com is not in private hosted zone ZPRIVATE (corp.example.org)", "use a domain ending in .corp.example.org"}},
		{name: "a domain that only ends in the zone's name without a dot between is outside it", zone: "ZPRIVATE", vpc: "vpc-app",
			domains: map[string]string{"containers.admin.routing.domain": "admin.evilcorp.example.org"},
			want:    []string{"containers.admin.routing.domain: admin.evilcorp.example.org is not in"}},
		{name: "throttling is an error for the caller to classify, not a problem with the config", zone: "ZPRIVATE", vpc: "vpc-app",
			err: &smithy.GenericAPIError{Code: "Throttling", Message: "Rate exceeded"}, wantErr: "Throttling"},
		{name: "access denied is an error, not a problem with the config", zone: "ZPRIVATE", vpc: "vpc-app",
			err: &smithy.GenericAPIError{Code: "AccessDenied", Message: "not authorized to perform route53:GetHostedZone"}, wantErr: "AccessDenied"},
		{name: "an account without a default VPC is the default network's error", zone: "ZDEFAULT", wantDefaults: 1,
			defaultErr: &provision.PreconditionError{Kind: "AWS::EC2::VPC", Name: "default", Problem: "no default VPC"}, wantErr: "no default VPC"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			api := &hostedzones.Fake{Zones: zones, Err: tc.err}
			net := &defaultVPC{id: "vpc-default", err: tc.defaultErr}
			domains := tc.domains
			if domains == nil {
				domains = map[string]string{"containers.admin.routing.domain": "admin.corp.example.org"}
			}
			got, err := CheckPrivateZone(context.Background(), api, net, "eu-west-1", tc.zone, tc.vpc, domains)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || got != nil {
					t.Fatalf("got %q, %v; want only an error containing %q", got, err, tc.wantErr)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if len(tc.want) == 0 && len(got) != 0 {
				t.Fatalf("problems %q, want none", got)
			}
			if len(tc.want) > 0 && len(got) != 1 {
				t.Fatalf("problems %q, want one", got)
			}
			for _, w := range tc.want {
				if !strings.Contains(got[0], w) {
					t.Errorf("problem %q does not say %q", got[0], w)
				}
			}
			if net.asked != tc.wantDefaults {
				t.Errorf("%d DefaultNetwork calls, want %d (only when the config names no VPC)", net.asked, tc.wantDefaults)
			}
			for _, id := range api.Asked {
				if strings.HasPrefix(id, "/") {
					t.Errorf("GetHostedZone asked for %q: the id goes without /hostedzone/", id)
				}
			}
		})
	}
}

// moto 5.2.1 keeps a private zone's VPC associations and answers NoSuchHostedZone as
// Route 53 does, so the check reads what the local runtime's account holds.
func TestCheckPrivateZoneAgainstMoto(t *testing.T) {
	_, _, raw := motoClients(t)
	ctx := context.Background()
	out, err := raw.CreateHostedZone(ctx, &sdk.CreateHostedZoneInput{
		Name: aws.String("intra.example.org"), CallerReference: aws.String("private" + strconv.FormatInt(time.Now().UnixNano(), 10)),
		HostedZoneConfig: &types.HostedZoneConfig{PrivateZone: true},
		VPC:              &types.VPC{VPCId: aws.String("vpc-0a1b2c3d"), VPCRegion: types.VPCRegionEuWest1},
	})
	if err != nil {
		t.Fatal(err)
	}
	private := strings.TrimPrefix(aws.ToString(out.HostedZone.Id), "/hostedzone/")
	public := zone(t, raw, "intra.example.org")
	net := &defaultVPC{id: "vpc-0a1b2c3d"}
	tests := []struct {
		name, zone, vpc, want string
	}{
		{"the private zone of the app's VPC is accepted", private, "vpc-0a1b2c3d", ""},
		{"the private zone of the default VPC is accepted without deployment.awsVpc", private, "", ""},
		{"the private zone is refused for a VPC it is not associated with", private, "vpc-9f8e7d6c", "is associated with vpc-0a1b2c3d in eu-west-1 but not with VPC vpc-9f8e7d6c"},
		{"the public zone of the same name is refused", public, "vpc-0a1b2c3d", "is public"},
		{"a zone id the account does not hold is refused", "Z0000000000000000000", "vpc-0a1b2c3d", "no Route 53 hosted zone Z0000000000000000000 exists"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := CheckPrivateZone(ctx, raw, net, "eu-west-1", tc.zone, tc.vpc, map[string]string{"containers.admin.routing.domain": "admin.intra.example.org"})
			if err != nil {
				t.Fatal(err)
			}
			if tc.want == "" && len(got) != 0 || tc.want != "" && (len(got) != 1 || !strings.Contains(got[0], tc.want)) {
				t.Fatalf("problems %q, want %q", got, tc.want)
			}
		})
	}
	var nf *types.NoSuchHostedZone
	if _, err := raw.GetHostedZone(ctx, &sdk.GetHostedZoneInput{Id: aws.String("Z0000000000000000000")}); !errors.As(err, &nf) {
		t.Fatalf("moto's answer for a missing zone: %v, want NoSuchHostedZone", err)
	}
}
