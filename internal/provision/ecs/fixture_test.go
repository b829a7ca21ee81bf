package ecs

import (
	"context"
	"encoding/json"
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsec2 "github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/berth-dev/berth/internal/awscalls"
	"github.com/berth-dev/berth/internal/motoserver"
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
	"github.com/berth-dev/berth/internal/provision/ec2"
)

// moto fakes a service's running count with this variable (read when a service is
// created); 1 lets a one-task service become stable as it would on AWS.
func TestMain(m *testing.M) {
	os.Setenv("MOTO_ECS_SERVICE_RUNNING", "1")
	os.Exit(motoserver.RunTests(m))
}

type fixture struct {
	t     *testing.T
	cfg   aws.Config
	ecs   *ecs.Client
	ec2   *awsec2.Client
	elb   *elb.Client
	iam   *iam.Client
	calls *awscalls.Counter
	net   *ec2.Network
	env   provision.Env
	refs  provision.OutputsByID
}

func newFixture(t *testing.T, region string) *fixture {
	t.Helper()
	cfg, err := motoserver.Shared.AWSConfig(context.Background(), region)
	if err != nil {
		t.Fatal(err)
	}
	calls := awscalls.New()
	calls.Attach(&cfg)
	f := &fixture{t: t, cfg: cfg, ecs: ecs.NewFromConfig(cfg), ec2: awsec2.NewFromConfig(cfg), elb: elb.NewFromConfig(cfg),
		iam: iam.NewFromConfig(cfg), calls: calls, refs: provision.OutputsByID{}}
	f.net = ec2.NewNetwork(f.ec2)
	f.env = provision.Env{App: "shop", Stage: "prod", Account: motoserver.Account, Region: region, Refs: f.refs}
	return f
}

func (f *fixture) resource(kind plan.Kind, id, container, name string, props any) plan.Resource {
	f.t.Helper()
	raw, err := json.Marshal(props)
	if err != nil {
		f.t.Fatal(err)
	}
	return plan.Resource{ID: id, Kind: kind, Container: container, Name: name, Region: f.env.Region, Props: raw}
}

func (f *fixture) must(err error) {
	f.t.Helper()
	if err != nil {
		f.t.Fatal(err)
	}
}

// rawTaskDefinition registers an untagged one-container revision and returns its ARN.
func (f *fixture) rawTaskDefinition(ctx context.Context, family, image string) (string, error) {
	out, err := f.ecs.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{
		Family: aws.String(family), RequiresCompatibilities: []types.Compatibility{types.CompatibilityFargate},
		NetworkMode: types.NetworkModeAwsvpc, Cpu: aws.String("256"), Memory: aws.String("512"),
		ContainerDefinitions: []types.ContainerDefinition{{Name: aws.String("api"), Image: aws.String(image),
			PortMappings: []types.PortMapping{{ContainerPort: aws.Int32(8080)}}}},
	})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.TaskDefinition.TaskDefinitionArn), nil
}

// rawCluster creates an untagged cluster and returns its ARN.
func (f *fixture) rawCluster(ctx context.Context, name string) (string, error) {
	out, err := f.ecs.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String(name)})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.Cluster.ClusterArn), nil
}

// rawTargetGroup creates an untagged ip target group and returns its ARN.
func (f *fixture) rawTargetGroup(ctx context.Context, name string) string {
	vpc, _, err := f.net.DefaultNetwork(ctx)
	f.must(err)
	out, err := f.elb.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{Name: aws.String(name), TargetType: "ip",
		Protocol: "HTTP", Port: aws.Int32(8080), VpcId: aws.String(vpc)})
	f.must(err)
	return aws.ToString(out.TargetGroups[0].TargetGroupArn)
}
