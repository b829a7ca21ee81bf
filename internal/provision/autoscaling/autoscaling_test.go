package autoscaling

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	aas "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	"github.com/aws/aws-sdk-go-v2/service/applicationautoscaling/types"
	cw "github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/transport/http/protocol/awsquery"

	"github.com/berth-dev/berth/internal/awscalls"
	"github.com/berth-dev/berth/internal/motoserver"
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
	"github.com/berth-dev/berth/internal/provision/provtest"
)

func TestMain(m *testing.M) { os.Exit(motoserver.RunTests(m)) }

type fixture struct {
	t     *testing.T
	aas   *aas.Client
	cw    *cw.Client
	calls *awscalls.Counter
	env   provision.Env
	refs  provision.OutputsByID
}

// newFixture makes a cluster and a service with the plain SDK (Application Auto Scaling
// refuses targets for services that do not exist) and the refs that name them.
func newFixture(t *testing.T, region, prefix string) *fixture {
	t.Helper()
	ctx := context.Background()
	cfg, err := motoserver.Shared.AWSConfig(ctx, region)
	if err != nil {
		t.Fatal(err)
	}
	calls := awscalls.New()
	calls.Attach(&cfg)
	client := ecs.NewFromConfig(cfg)
	cluster, err := client.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String(prefix + "-cluster")})
	must(t, err)
	td, err := client.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{Family: aws.String(prefix + "-task"), Memory: aws.String("512"),
		ContainerDefinitions: []ecstypes.ContainerDefinition{{Name: aws.String("api"), Image: aws.String("repo/api:1")}}})
	must(t, err)
	svc, err := client.CreateService(ctx, &ecs.CreateServiceInput{Cluster: cluster.Cluster.ClusterArn, ServiceName: aws.String(prefix + "-svc"),
		TaskDefinition: td.TaskDefinition.TaskDefinitionArn, DesiredCount: aws.Int32(1)})
	must(t, err)
	refs := provision.OutputsByID{
		plan.IDCluster: {plan.AttrName: prefix + "-cluster", plan.AttrArn: aws.ToString(cluster.Cluster.ClusterArn)},
		"api/Service":  {plan.AttrName: prefix + "-svc", plan.AttrArn: aws.ToString(svc.Service.ServiceArn)},
	}
	return &fixture{t: t, aas: aas.NewFromConfig(cfg), cw: cw.NewFromConfig(cfg, queryProtocol), calls: calls, refs: refs,
		env: provision.Env{App: "shop", Stage: "prod", Account: motoserver.Account, Region: region, Refs: refs}}
}

// queryProtocol makes the CloudWatch client speak awsQuery: the SDK defaults to RPC v2
// CBOR, which AWS serves but moto 5.2.1 does not (it answers 404). Operations, shapes and
// error codes are the same in both, so the provisioner is exercised unchanged.
func queryProtocol(o *cw.Options) {
	o.Protocol = awsquery.New(&smithy.ServiceSchema{Version: "2010-08-01"})
}

func (f *fixture) resource(kind plan.Kind, id, name string, props any) plan.Resource {
	f.t.Helper()
	raw, err := json.Marshal(props)
	must(f.t, err)
	return plan.Resource{ID: id, Kind: kind, Container: "api", Name: name, Region: f.env.Region, Props: raw}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func targetProps(min, max int) plan.ScalableTargetProps {
	return plan.ScalableTargetProps{
		Service: plan.Ref{ID: "api/Service", Attr: plan.AttrName},
		Cluster: plan.Ref{ID: plan.IDCluster, Attr: plan.AttrName},
		Min:     min, Max: max,
	}
}

func TestTheScalableTargetLifecycleReconcilesItsRange(t *testing.T) {
	f := newFixture(t, "eu-west-1", "st-life")
	name := "service/st-life-cluster/st-life-svc"
	initial := f.resource(plan.KindScalableTarget, "api/ScalableTarget", name, targetProps(1, 4))
	updated := f.resource(plan.KindScalableTarget, "api/ScalableTarget", name, targetProps(2, 6))
	provtest.Lifecycle(t, provtest.Case{
		Provisioner: NewScalableTarget(f.aas), Env: f.env, Calls: f.calls,
		Initial: initial, Updated: updated, UpdatedFields: []string{"min", "max"},
		OutOfBand: func(ctx context.Context) error {
			_, err := f.aas.RegisterScalableTarget(ctx, &aas.RegisterScalableTargetInput{ServiceNamespace: namespace, ScalableDimension: dimension,
				ResourceId: aws.String(name), MaxCapacity: aws.Int32(10)})
			return err
		},
		DriftField: "max",
	})
}

func TestTheScalableTargetIdIsTheSameFromNamesOrARNs(t *testing.T) {
	f := newFixture(t, "eu-west-1", "st-arn")
	byName, err := wantTarget(context.Background(), &targetCall{Env: f.env, R: f.resource(plan.KindScalableTarget, "api/ScalableTarget", "x", targetProps(1, 2))})
	must(t, err)
	props := targetProps(1, 2)
	props.Service.Attr, props.Cluster.Attr = plan.AttrArn, plan.AttrArn
	byArn, err := wantTarget(context.Background(), &targetCall{Env: f.env, R: f.resource(plan.KindScalableTarget, "api/ScalableTarget", "x", props)})
	must(t, err)
	if byName.resourceID != "service/st-arn-cluster/st-arn-svc" || byArn.resourceID != byName.resourceID {
		t.Fatalf("resource ids %q and %q, want service/st-arn-cluster/st-arn-svc", byName.resourceID, byArn.resourceID)
	}
}

// scalingRefs registers the target the policies attach to.
func (f *fixture) scalingRefs(prefix string) {
	ctx := context.Background()
	out, err := NewScalableTarget(f.aas).Create(ctx, f.env, f.resource(plan.KindScalableTarget, "api/ScalableTarget", "service/"+prefix, targetProps(1, 4)))
	must(f.t, err)
	f.refs["api/ScalableTarget"] = out
}

func cpuPolicy(target float64) plan.ScalingPolicyProps {
	return plan.ScalingPolicyProps{
		Target: plan.Ref{ID: "api/ScalableTarget", Attr: plan.AttrID}, PolicyType: "TargetTrackingScaling",
		PredefinedMetric: "ECSServiceAverageCPUUtilization", TargetValue: target, ScaleInCooldown: 120, ScaleOutCooldown: 30,
	}
}

func TestATargetTrackingPolicyLifecycle(t *testing.T) {
	f := newFixture(t, "eu-west-1", "tt-life")
	f.scalingRefs("tt-life")
	name := "berth-shop-prod-api-scale-1-aaaaaa"
	initial := f.resource(plan.KindScalingPolicy, "api/ScalingPolicy-1", name, cpuPolicy(70))
	updated := f.resource(plan.KindScalingPolicy, "api/ScalingPolicy-1", name, cpuPolicy(50))
	provtest.Lifecycle(t, provtest.Case{
		Provisioner: NewScalingPolicy(f.aas, f.cw), Env: f.env, Calls: f.calls,
		Initial: initial, Updated: updated, UpdatedFields: []string{"targetValue"},
		OutOfBand: func(ctx context.Context) error {
			w := policyWant{props: cpuPolicy(90)}
			_, err := f.aas.PutScalingPolicy(ctx, &aas.PutScalingPolicyInput{PolicyName: aws.String(name), ServiceNamespace: namespace,
				ScalableDimension: dimension, ResourceId: aws.String(f.refs["api/ScalableTarget"][plan.AttrID]),
				PolicyType: types.PolicyTypeTargetTrackingScaling, TargetTrackingScalingPolicyConfiguration: w.targetTracking()})
			return err
		},
		DriftField: "targetValue",
	})
}

func TestRequestCountPoliciesLabelTheLoadBalancerAndTargetGroup(t *testing.T) {
	cases := []struct{ name, lb, tg string }{
		{"from full names", "app/alb/50dc6c495c0c9188", "targetgroup/tg/73e2d6bc24d8a067"},
		{"from ARNs", "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/alb/50dc6c495c0c9188",
			"arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/tg/73e2d6bc24d8a067"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			env := provision.Env{Refs: provision.OutputsByID{
				"api/ScalableTarget": {plan.AttrID: "service/c/s"}, plan.IDLoadBalancer: {"X": c.lb}, "api/TargetGroup": {"X": c.tg},
			}}
			props := plan.ScalingPolicyProps{Target: plan.Ref{ID: "api/ScalableTarget", Attr: plan.AttrID}, PolicyType: "TargetTrackingScaling",
				PredefinedMetric: "ALBRequestCountPerTarget", TargetValue: 100,
				LoadBalancer: &plan.Ref{ID: plan.IDLoadBalancer, Attr: "X"}, TargetGroup: &plan.Ref{ID: "api/TargetGroup", Attr: "X"}}
			raw, _ := json.Marshal(props)
			w, err := policyOn(env, plan.Resource{Kind: plan.KindScalingPolicy, Props: raw})
			must(t, err)
			w, err = w.labelled(env)
			must(t, err)
			if got := aws.ToString(w.targetTracking().PredefinedMetricSpecification.ResourceLabel); got != "app/alb/50dc6c495c0c9188/targetgroup/tg/73e2d6bc24d8a067" {
				t.Fatalf("resource label = %q", got)
			}
		})
	}
}

func TestAnUnknownPolicyTypeIsRejected(t *testing.T) {
	f := newFixture(t, "eu-west-1", "bad-type")
	f.scalingRefs("bad-type")
	props := cpuPolicy(50)
	props.PolicyType = "PredictiveScaling"
	_, err := NewScalingPolicy(f.aas, f.cw).Create(context.Background(), f.env, f.resource(plan.KindScalingPolicy, "api/ScalingPolicy-1", "berth-bad", props))
	var re *provision.RejectedError
	if !errors.As(err, &re) {
		t.Fatalf("got %v, want *provision.RejectedError", err)
	}
}
