package elbv2

import (
	"context"
	"encoding/json"
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsec2 "github.com/aws/aws-sdk-go-v2/service/ec2"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/berth-dev/berth/internal/awscalls"
	"github.com/berth-dev/berth/internal/motoserver"
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
	"github.com/berth-dev/berth/internal/provision/ec2"
)

func TestMain(m *testing.M) { os.Exit(motoserver.RunTests(m)) }

// fixture is one region of the emulator with counted clients and the default network.
type fixture struct {
	t       *testing.T
	elb     *elb.Client
	ec2     *awsec2.Client
	calls   *awscalls.Counter
	net     *ec2.Network
	env     provision.Env
	refs    provision.OutputsByID
	vpc     string
	subnets []string
}

func newFixture(t *testing.T, region string) *fixture {
	t.Helper()
	ctx := context.Background()
	cfg, err := motoserver.Shared.AWSConfig(ctx, region)
	if err != nil {
		t.Fatal(err)
	}
	calls := awscalls.New()
	calls.Attach(&cfg)
	f := &fixture{t: t, elb: elb.NewFromConfig(cfg), ec2: awsec2.NewFromConfig(cfg), calls: calls, refs: provision.OutputsByID{}}
	f.net = ec2.NewNetwork(f.ec2)
	if f.vpc, f.subnets, err = f.net.DefaultNetwork(ctx); err != nil {
		t.Fatal(err)
	}
	f.env = provision.Env{App: "shop", Stage: "prod", Account: motoserver.Account, Region: region, Refs: f.refs}
	return f
}

func (f *fixture) resource(kind plan.Kind, id, name string, props any) plan.Resource {
	f.t.Helper()
	raw, err := json.Marshal(props)
	if err != nil {
		f.t.Fatal(err)
	}
	return plan.Resource{ID: id, Kind: kind, Name: name, Region: f.env.Region, Props: raw}
}

// group makes a plain security group and returns its id.
func (f *fixture) group(name string) string {
	f.t.Helper()
	out, err := f.ec2.CreateSecurityGroup(context.Background(), &awsec2.CreateSecurityGroupInput{
		GroupName: aws.String(name), Description: aws.String("test"), VpcId: aws.String(f.vpc)})
	if err != nil {
		f.t.Fatal(err)
	}
	return aws.ToString(out.GroupId)
}

// rawLoadBalancer makes an untagged ALB with the plain SDK and returns its ARN.
func (f *fixture) rawLoadBalancer(ctx context.Context, name string) (string, error) {
	out, err := f.elb.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String(name), Subnets: f.subnets})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.LoadBalancers[0].LoadBalancerArn), nil
}

// rawTargetGroup makes an untagged ip target group and returns its ARN.
func (f *fixture) rawTargetGroup(ctx context.Context, name string) (string, error) {
	out, err := f.elb.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{Name: aws.String(name),
		TargetType: types.TargetTypeEnumIp, Protocol: types.ProtocolEnumHttp, Port: aws.Int32(80), VpcId: aws.String(f.vpc)})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.TargetGroups[0].TargetGroupArn), nil
}

// rawListener makes an untagged HTTP:80 listener and returns its ARN.
func (f *fixture) rawListener(ctx context.Context, lbArn string) (string, error) {
	out, err := f.elb.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: aws.String(lbArn), Port: aws.Int32(80),
		Protocol: types.ProtocolEnumHttp, DefaultActions: []types.Action{noRouteAction()}})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.Listeners[0].ListenerArn), nil
}

func (f *fixture) must(err error) {
	f.t.Helper()
	if err != nil {
		f.t.Fatal(err)
	}
}

var awsec2CreateVpc = awsec2.CreateVpcInput{CidrBlock: aws.String("10.1.0.0/16")}
