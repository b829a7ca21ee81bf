package ec2

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"

	"github.com/berth-dev/berth/internal/awscalls"
	"github.com/berth-dev/berth/internal/motoserver"
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
	"github.com/berth-dev/berth/internal/provision/provtest"
)

func TestMain(m *testing.M) { os.Exit(motoserver.RunTests(m)) }

// cloudFrontGroup is the group CloudFront creates in a VPC with its first VPC origin.
const cloudFrontGroup = plan.CloudFrontVpcOriginsGroup

type fixture struct {
	client *ec2.Client
	calls  *awscalls.Counter
	net    *Network
	env    provision.Env
}

func newFixture(t *testing.T, region string) fixture {
	t.Helper()
	ctx := context.Background()
	cfg, err := motoserver.Shared.AWSConfig(ctx, region)
	if err != nil {
		t.Fatal(err)
	}
	calls := awscalls.New()
	calls.Attach(&cfg)
	client := ec2.NewFromConfig(cfg)
	return fixture{
		client: client, calls: calls, net: NewNetwork(client),
		env: provision.Env{App: "shop", Stage: "prod", Account: motoserver.Account, Region: region, Refs: provision.OutputsByID{}},
	}
}

func sgResource(t *testing.T, id, name string, props plan.SecurityGroupProps) plan.Resource {
	t.Helper()
	raw, err := json.Marshal(props)
	if err != nil {
		t.Fatal(err)
	}
	return plan.Resource{ID: id, Kind: plan.KindSecurityGroup, Name: name, Region: "eu-west-1", Props: raw}
}

// rawGroup creates a group with the plain SDK (no berth tags) in the default VPC.
func (f fixture) rawGroup(ctx context.Context, name string) (string, error) {
	vpc, _, err := f.net.DefaultNetwork(ctx)
	if err != nil {
		return "", err
	}
	out, err := f.client.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String(name), Description: aws.String("foreign"), VpcId: aws.String(vpc)})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.GroupId), nil
}

func TestTheSecurityGroupLifecycleReconcilesIngressFromNamedAndReferencedGroups(t *testing.T) {
	f := newFixture(t, "eu-west-1")
	ctx := context.Background()
	albSG, err := f.rawGroup(ctx, "some-alb-sg")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.rawGroup(ctx, cloudFrontGroup); err != nil {
		t.Fatal(err)
	}
	f.env.Refs = provision.OutputsByID{plan.IDAlbSecurityGroup: {plan.AttrID: albSG}}
	name := "berth-shop-prod-task-sg-abc123"
	initial := sgResource(t, plan.IDTaskSecurityGroup, name, plan.SecurityGroupProps{
		Description: "berth tasks",
		Ingress:     []plan.IngressRule{{FromPort: 80, ToPort: 80, SourceGroupName: cloudFrontGroup}},
	})
	updated := sgResource(t, plan.IDTaskSecurityGroup, name, plan.SecurityGroupProps{
		Description: "berth tasks",
		Ingress:     []plan.IngressRule{{FromPort: 8080, ToPort: 8080, SourceGroup: &plan.Ref{ID: plan.IDAlbSecurityGroup, Attr: plan.AttrID}}},
	})
	p := NewSecurityGroup(f.client, f.net)
	provtest.Lifecycle(t, provtest.Case{
		Provisioner: p, Env: f.env, Calls: f.calls,
		Initial: initial, Updated: updated, UpdatedFields: []string{"ingress"},
		OutOfBand: func(ctx context.Context) error {
			obs, err := p.Observe(ctx, f.env, updated)
			if err != nil {
				return err
			}
			_, err = f.client.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{
				GroupId: aws.String(obs.Outputs[plan.AttrID]), IpProtocol: aws.String("tcp"),
				FromPort: aws.Int32(8080), ToPort: aws.Int32(8080), CidrIp: aws.String("0.0.0.0/0"),
			})
			return err
		},
		DriftField: "ingress",
	})
}

func TestASecurityGroupBerthDoesNotOwnIsNeverTouched(t *testing.T) {
	f := newFixture(t, "eu-west-2")
	name := "berth-shop-prod-alb-sg-def456"
	r := sgResource(t, plan.IDAlbSecurityGroup, name, plan.SecurityGroupProps{Description: "berth alb",
		Ingress: []plan.IngressRule{{FromPort: 80, ToPort: 80, SourceGroupID: "sg-0123456789abcdef0"}}})
	provtest.NotOwned(t, NewSecurityGroup(f.client, f.net), f.env, r, func(ctx context.Context) error {
		_, err := f.rawGroup(ctx, name)
		return err
	})
}

func TestCreatingASecurityGroupCountsItsCalls(t *testing.T) {
	f := newFixture(t, "eu-central-1")
	ctx := context.Background()
	src, err := f.rawGroup(ctx, "count-source-sg")
	if err != nil {
		t.Fatal(err)
	}
	r := sgResource(t, plan.IDAlbSecurityGroup, "berth-shop-prod-alb-sg-count1", plan.SecurityGroupProps{Description: "berth alb",
		Ingress: []plan.IngressRule{{FromPort: 80, ToPort: 80, SourceGroupID: src}}})
	before := f.calls.Summary().Mutating
	if _, err := NewSecurityGroup(f.client, f.net).Create(ctx, f.env, r); err != nil {
		t.Fatal(err)
	}
	s := f.calls.Summary()
	t.Logf("one security group create: %d mutating, %d read: %+v", s.Mutating-before, s.Read, s.Ops)
	if s.Mutating-before != 2 {
		t.Fatalf("create made %d mutating calls, want 2 (CreateSecurityGroup, AuthorizeSecurityGroupIngress)", s.Mutating-before)
	}
}

func TestTheDefaultNetworkIsTheDefaultVPCAndItsDefaultSubnets(t *testing.T) {
	f := newFixture(t, "eu-west-3")
	ctx := context.Background()
	vpc, subnets, err := f.net.DefaultNetwork(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(vpc, "vpc-") || len(subnets) == 0 {
		t.Fatalf("default network = %q %v", vpc, subnets)
	}
	before := f.calls.Summary().Read
	if _, _, err := f.net.DefaultNetwork(ctx); err != nil {
		t.Fatal(err)
	}
	if after := f.calls.Summary().Read; after != before {
		t.Fatalf("a second lookup made %d calls; the default network is remembered", after-before)
	}
}

// fakeNetwork answers the two discovery calls with fixed results.
type fakeNetwork struct {
	vpcs    []types.Vpc
	subnets []types.Subnet
}

func (f fakeNetwork) DescribeVpcs(context.Context, *ec2.DescribeVpcsInput, ...func(*ec2.Options)) (*ec2.DescribeVpcsOutput, error) {
	return &ec2.DescribeVpcsOutput{Vpcs: f.vpcs}, nil
}

func (f fakeNetwork) DescribeSubnets(context.Context, *ec2.DescribeSubnetsInput, ...func(*ec2.Options)) (*ec2.DescribeSubnetsOutput, error) {
	return &ec2.DescribeSubnetsOutput{Subnets: f.subnets}, nil
}

// moto always has a default VPC, so the accounts without one are faked.
func TestAnAccountWithoutADefaultNetworkIsAPreconditionNamingAwsVpc(t *testing.T) {
	cases := []struct {
		name string
		fake fakeNetwork
	}{
		{"no default VPC", fakeNetwork{}},
		{"a default VPC without default subnets", fakeNetwork{vpcs: []types.Vpc{{VpcId: aws.String("vpc-1")}}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := NewNetwork(c.fake).DefaultNetwork(context.Background())
			var pe *provision.PreconditionError
			if !errors.As(err, &pe) || !strings.Contains(pe.Problem, "deployment.awsVpc") {
				t.Fatalf("got %v, want a PreconditionError naming deployment.awsVpc", err)
			}
		})
	}
}

func TestAnIngressRuleWithoutASourceIsRefusedRatherThanOpenedToTheWorld(t *testing.T) {
	f := newFixture(t, "eu-west-1")
	r := sgResource(t, "OpenSG", "berth-shop-prod-open-sg-000000", plan.SecurityGroupProps{Ingress: []plan.IngressRule{{FromPort: 80, ToPort: 80}}})
	_, err := NewSecurityGroup(f.client, f.net).Create(context.Background(), f.env, r)
	var pe *provision.PreconditionError
	if !errors.As(err, &pe) {
		t.Fatalf("got %v, want *provision.PreconditionError", err)
	}
}

// CloudFront makes its group with the VPC origin; until it exists the rule is retried.
func TestASourceGroupCloudFrontHasNotMadeYetIsTransient(t *testing.T) {
	f := newFixture(t, "sa-east-1")
	r := sgResource(t, "NamedSG", "berth-shop-prod-named-sg-000000", plan.SecurityGroupProps{Ingress: []plan.IngressRule{{FromPort: 80, ToPort: 80, SourceGroupName: cloudFrontGroup}}})
	_, err := NewSecurityGroup(f.client, f.net).Create(context.Background(), f.env, r)
	var te *provision.TransientError
	if !errors.As(err, &te) || !strings.Contains(te.Error(), cloudFrontGroup) {
		t.Fatalf("got %v, want *provision.TransientError naming %s", err, cloudFrontGroup)
	}
}

// dependentGroupAPI is the real client except that DeleteSecurityGroup answers
// DependencyViolation, as AWS does while a deleted ALB's or stopped task's ENIs are still
// attached (moto deletes immediately).
type dependentGroupAPI struct {
	API
	deletes int
}

func (d *dependentGroupAPI) DeleteSecurityGroup(context.Context, *ec2.DeleteSecurityGroupInput, ...func(*ec2.Options)) (*ec2.DeleteSecurityGroupOutput, error) {
	d.deletes++
	return nil, &smithy.GenericAPIError{Code: "DependencyViolation", Message: "resource sg-1 has a dependent object"}
}

func TestDeletingAGroupStillInUseIsTransient(t *testing.T) {
	saved := provision.Backoff
	provision.Backoff = nil
	defer func() { provision.Backoff = saved }()
	f := newFixture(t, "eu-west-1")
	ctx := context.Background()
	src, err := f.rawGroup(ctx, "busy-source-sg")
	if err != nil {
		t.Fatal(err)
	}
	r := sgResource(t, "BusySG", "berth-shop-prod-busy-sg-000000", plan.SecurityGroupProps{Ingress: []plan.IngressRule{{FromPort: 80, ToPort: 80, SourceGroupID: src}}})
	if _, err := NewSecurityGroup(f.client, f.net).Create(ctx, f.env, r); err != nil {
		t.Fatal(err)
	}
	busy := &dependentGroupAPI{API: f.client}
	err = NewSecurityGroup(busy, f.net).Delete(ctx, f.env, r)
	var te *provision.TransientError
	if !errors.As(err, &te) || busy.deletes == 0 {
		t.Fatalf("got %v after %d deletes, want *provision.TransientError", err, busy.deletes)
	}
}

// A private app's load balancer group admits its VPC's own ranges: read from EC2, so a
// secondary range the VPC gains is admitted at the next deploy.
func TestAGroupAdmittingItsVPCAllowsExactlyTheVPCRanges(t *testing.T) {
	f := newFixture(t, "ca-central-1")
	ctx := context.Background()
	vpc, _, err := f.net.DefaultNetwork(ctx)
	if err != nil {
		t.Fatal(err)
	}
	out, err := f.client.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{vpc}})
	if err != nil {
		t.Fatal(err)
	}
	cidr := aws.ToString(out.Vpcs[0].CidrBlock)
	r := sgResource(t, plan.IDAlbSecurityGroup, "berth-shop-prod-alb-sg-000000", plan.SecurityGroupProps{
		Description: "berth private load balancer", Ingress: []plan.IngressRule{{FromPort: 80, ToPort: 80, FromVPC: true}},
	})
	p := NewSecurityGroup(f.client, f.net)
	outs, err := p.Create(ctx, f.env, r)
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.client.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{outs[plan.AttrID]}})
	if err != nil {
		t.Fatal(err)
	}
	if rules := liveRules(got.SecurityGroups[0].IpPermissions).String(); rules != "tcp 80-80 from "+cidr {
		t.Fatalf("ingress %q, want tcp 80-80 from the VPC's %s only", rules, cidr)
	}
	if obs, err := p.Observe(ctx, f.env, r); err != nil || len(obs.Diff) != 0 {
		t.Fatalf("observe after create: %+v, %v", obs, err)
	}
}
