package workflow

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/aws/smithy-go"

	"github.com/berth-dev/berth/internal/awscalls"
	"github.com/berth-dev/berth/internal/fakes/hostedzones"
	"github.com/berth-dev/berth/internal/provision"
	r53prov "github.com/berth-dev/berth/internal/provision/route53"
	"github.com/berth-dev/berth/internal/state"
)

// oneConfig is a config bucket holding one version (v1) of every key.
type oneConfig string

func (c oneConfig) GetConfig(context.Context, string, string, string) ([]byte, map[string]string, error) {
	return []byte(c), nil, nil
}

func (oneConfig) LatestVersion(context.Context, string, string) (string, error) { return "v1", nil }

// publicZoneFound: every custom domain has its public hosted zone (checkDomains passes).
type publicZoneFound struct{}

func (publicZoneFound) FindZone(context.Context, string) (string, error) { return "ZPUBLICPARENT", nil }

// networkFits: the VPC holds the internal ALB (checkNetwork passes).
type networkFits struct{}

func (networkFits) CheckVpcOriginNetwork(context.Context, string, []string, bool) ([]string, error) {
	return nil, nil
}

// defaultVPCIs is the region's default VPC.
type defaultVPCIs string

func (v defaultVPCIs) DefaultNetwork(context.Context) (string, []string, error) {
	return string(v), []string{"subnet-a", "subnet-b"}, nil
}

// zoneChecker is the PrivateZoneChecker awsdeps wires: route53.CheckPrivateZone over a
// Route 53 client, the default network and berth's region.
type zoneChecker struct{ api *hostedzones.Fake }

func (z zoneChecker) CheckPrivateZone(ctx context.Context, zoneID, vpcID string, domains map[string]string) ([]string, error) {
	return r53prov.CheckPrivateZone(ctx, z.api, defaultVPCIs("vpc-default"), "eu-west-1", zoneID, vpcID, domains)
}

func privateZoneOf(id string, private bool, vpcs ...string) *sdk.GetHostedZoneOutput {
	out := &sdk.GetHostedZoneOutput{HostedZone: &r53types.HostedZone{Id: aws.String("/hostedzone/" + id), Name: aws.String("intra.example.org."),
		Config: &r53types.HostedZoneConfig{PrivateZone: private}}}
	for _, v := range vpcs {
		out.VPCs = append(out.VPCs, r53types.VPC{VPCId: aws.String(v), VPCRegion: r53types.VPCRegionEuWest1})
	}
	return out
}

// privateApp is a private app with a custom domain whose records go in zone; extra is
// added to its deployment block.
func privateApp(zone, extra string) string {
	return "name: shop\ndeployment:\n  type: aws@1.0\n  private: true\n  awsAlb:\n    privateHostedZoneId: " + zone + "\n" + extra +
		"containers:\n  web:\n    image: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:1.0\n    routing:\n      pathPattern: /*\n      domain: intra.example.org\n"
}

const appVPC = "  awsVpc:\n    id: vpc-0a1b2c3d\n    publicSubnets: [subnet-0a000001, subnet-0a000002]\n    privateSubnets: [subnet-0b000001, subnet-0b000002]\n" +
	"    s2sSecurityGroupId: sg-0c000001\n    loadBalancerSecurityGroupId: sg-0c000002\n"

func TestValidateChecksTheNamedPrivateHostedZoneBeforeAnythingIsCreated(t *testing.T) {
	zones := map[string]*sdk.GetHostedZoneOutput{
		"ZDEFAULT": privateZoneOf("ZDEFAULT", true, "vpc-default"),
		"ZAPPVPC":  privateZoneOf("ZAPPVPC", true, "vpc-other", "vpc-0a1b2c3d"),
		"ZPUBLIC":  privateZoneOf("ZPUBLIC", false),
		"ZELSE":    privateZoneOf("ZELSE", true, "vpc-other"),
	}
	tests := []struct {
		name      string
		config    string
		err       error  // every GetHostedZone answers it
		wantAsked string // the zone GetHostedZone was asked for ("" = none)
		wantError string // substring of a *ConfigError ("" = none)
		wantType  error  // the typed error when not a ConfigError
	}{
		{name: "a private zone associated with the default VPC is accepted", config: privateApp("ZDEFAULT", ""), wantAsked: "ZDEFAULT"},
		{name: "a private zone associated with the VPC in deployment.awsVpc is accepted", config: privateApp("ZAPPVPC", appVPC), wantAsked: "ZAPPVPC"},
		{name: "a zone that does not exist is refused naming the key and how to create it", config: privateApp("ZMISSING", ""), wantAsked: "ZMISSING",
			wantError: "deployment.awsAlb.privateHostedZoneId: no Route 53 hosted zone ZMISSING exists in this account"},
		{name: "a public zone is refused: the internal load balancer's name would be published", config: privateApp("ZPUBLIC", ""), wantAsked: "ZPUBLIC",
			wantError: "deployment.awsAlb.privateHostedZoneId: hosted zone ZPUBLIC (intra.example.org) is public"},
		{name: "a private zone not associated with the default VPC is refused naming the association", config: privateApp("ZELSE", ""), wantAsked: "ZELSE",
			wantError: "but not with the default VPC vpc-default (deployment.awsVpc is not set) in eu-west-1, so the app's domains would not resolve inside the app's VPC: associate it"},
		{name: "a private zone of the default VPC is refused when the app names its own VPC", config: privateApp("ZDEFAULT", appVPC), wantAsked: "ZDEFAULT",
			wantError: "but not with VPC vpc-0a1b2c3d (deployment.awsVpc.id) in eu-west-1"},
		{name: "a domain outside the zone is refused by its container's key", wantAsked: "ZDEFAULT",
			config:    strings.Replace(privateApp("ZDEFAULT", ""), "domain: intra.example.org", "domain: admin.example.com", 1),
			wantError: "containers.web.routing.domain: admin.example.com is not in private hosted zone ZDEFAULT (intra.example.org)"},
		{name: "throttling is transient, not a config error", config: privateApp("ZDEFAULT", ""), wantAsked: "ZDEFAULT",
			err: &smithy.GenericAPIError{Code: "Throttling", Message: "Rate exceeded"}, wantType: &provision.TransientError{}},
		{name: "access denied is a rejected call, not a config error", config: privateApp("ZDEFAULT", ""), wantAsked: "ZDEFAULT",
			err: &smithy.GenericAPIError{Code: "AccessDenied", Message: "not authorized to perform route53:GetHostedZone"}, wantType: &provision.RejectedError{}},
		{name: "a private app without a domain has no zone to check", wantAsked: "",
			config: strings.Replace(privateApp("ZMISSING", ""), "      domain: intra.example.org\n", "", 1)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			api := &hostedzones.Fake{Zones: zones, Err: tc.err}
			m := state.NewMemory()
			d := &Deps{Records: m, Configs: oneConfig(tc.config),
				Resolvers: func(string, string) Resolver { return nil },
				NewClients: func(*awscalls.Counter) Clients {
					return Clients{Zones: publicZoneFound{}, Network: networkFits{}, PrivateZones: zoneChecker{api}}
				},
				Now: func() time.Time { return tasksT0 }, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
			}
			in := ValidateInput{Request: Request{Bucket: "config", Key: "shop/dev/serverless.containers.yml", VersionID: "v1"},
				Execution: Execution{Name: "d1", Arn: "arn:execution:d1"}}
			_, err := d.Validate(context.Background(), in)

			if got := strings.Join(api.Asked, ","); got != tc.wantAsked {
				t.Errorf("GetHostedZone asked for %q, want %q", got, tc.wantAsked)
			}
			switch {
			case tc.wantError != "":
				ce, ok := err.(*ConfigError) // unwrapped: the state machine matches the type name
				if !ok || !strings.Contains(ce.Message, tc.wantError) {
					t.Fatalf("Validate = %T %v, want a *ConfigError containing %q", err, err, tc.wantError)
				}
			case tc.wantType != nil:
				if errors.As(err, new(*ConfigError)) || !sameType(err, tc.wantType) {
					t.Fatalf("Validate = %T %v, want %T", err, err, tc.wantType)
				}
			case err != nil:
				t.Fatalf("Validate = %v, want the config accepted", err)
			}
			dep, rerr := m.GetDeploymentHeader(context.Background(), "shop", "dev", "d1")
			if rerr != nil {
				t.Fatal(rerr)
			}
			if refused := err != nil; refused != (dep == nil) {
				t.Errorf("refused %v but deployment record %+v: a refused config records nothing, an accepted one starts its deployment", refused, dep)
			}
		})
	}
}

// sameType reports whether err is, unwrapped, of want's type (the state machine matches
// error type names).
func sameType(err, want error) bool {
	switch want.(type) {
	case *provision.TransientError:
		_, ok := err.(*provision.TransientError)
		return ok
	case *provision.RejectedError:
		_, ok := err.(*provision.RejectedError)
		return ok
	}
	return false
}
