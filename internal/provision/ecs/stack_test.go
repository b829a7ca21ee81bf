package ecs

import (
	"context"
	"fmt"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/transport/http/protocol/awsquery"
	"sort"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/awscalls"
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
	"github.com/berth-dev/berth/internal/provision/autoscaling"
	"github.com/berth-dev/berth/internal/provision/ec2"
	"github.com/berth-dev/berth/internal/provision/elbv2"
)

// fargateStack is one Fargate container's resources in the plan's dependency order, with
// the props the plan builds (internal/plan/build_fargate.go).
func (f *fixture) fargateStack() []plan.Resource {
	albSG := plan.Ref{ID: plan.IDAlbSecurityGroup, Attr: plan.AttrID}
	return []plan.Resource{
		f.resource(plan.KindSecurityGroup, plan.IDAlbSecurityGroup, "", "berth-shop-prod-alb-sg-stack", plan.SecurityGroupProps{
			Description:     "berth shop/prod load balancer: CloudFront VPC origins only",
			SeparateIngress: true,
		}),
		f.resource(plan.KindSecurityGroup, plan.IDTaskSecurityGroup, "", "berth-shop-prod-task-sg-stack", plan.SecurityGroupProps{
			Description: "berth shop/prod tasks: load balancer only",
			Ingress:     []plan.IngressRule{{FromPort: 0, ToPort: 65535, SourceGroup: &albSG}},
		}),
		f.resource(plan.KindLoadBalancer, plan.IDLoadBalancer, "", "berth-shop-prod-alb-stack", plan.LoadBalancerProps{
			Scheme: "internal", IdleTimeoutSec: 60, SecurityGroups: []plan.Ref{albSG},
		}),
		f.resource(plan.KindListener, plan.IDListener, "", "berth-shop-prod-listener-stack", plan.ListenerProps{
			LoadBalancer: plan.Ref{ID: plan.IDLoadBalancer, Attr: plan.AttrArn}, Port: 80,
		}),
		f.resource(plan.KindTargetGroup, "api/TargetGroup", "api", "berth-shop-prod-api-tg-stack", plan.TargetGroupProps{
			Port: 8080, HealthCheckPath: "/health", HealthCheckIntervalSec: 10, HealthCheckTimeoutSec: 5,
			HealthyThreshold: 2, UnhealthyThreshold: 3, Matcher: "200-399", DeregistrationDelaySec: 30,
		}),
		f.resource(plan.KindListenerRule, "api/ListenerRule", "api", "berth-shop-prod-api-rule-stack", plan.ListenerRuleProps{
			Listener: plan.Ref{ID: plan.IDListener, Attr: plan.AttrArn}, TargetGroup: plan.Ref{ID: "api/TargetGroup", Attr: plan.AttrArn},
			Priority: 4242, HeaderName: plan.RouteHeader, HeaderValue: "api",
		}),
		f.resource(plan.KindCluster, plan.IDCluster, "", "berth-shop-prod-cluster-stack", plan.ClusterProps{}),
		f.resource(plan.KindTaskDefinition, "api/TaskDefinition", "api", "berth-shop-prod-api-task-stack", taskProps("repo/api:1", 256, secretEnv)),
		f.resource(plan.KindService, "api/Service", "api", "berth-shop-prod-api-svc-stack", plan.ServiceProps{
			Cluster: plan.Ref{ID: plan.IDCluster, Attr: plan.AttrArn}, TaskDefinition: plan.Ref{ID: "api/TaskDefinition", Attr: plan.AttrArn},
			TargetGroup: plan.Ref{ID: "api/TargetGroup", Attr: plan.AttrArn}, ContainerName: "api", Port: 8080, DesiredCount: 1,
			SecurityGroups: []plan.Ref{{ID: plan.IDTaskSecurityGroup, Attr: plan.AttrID}}, AssignPublicIP: true,
			HealthCheckGracePeriodSec: 60, CircuitBreakerWithRollback: true, AutoScaled: true,
		}),
		f.resource(plan.KindScalableTarget, "api/ScalableTarget", "api", "service/berth-shop-prod-cluster-stack/berth-shop-prod-api-svc-stack", plan.ScalableTargetProps{
			Service: plan.Ref{ID: "api/Service", Attr: plan.AttrName}, Cluster: plan.Ref{ID: plan.IDCluster, Attr: plan.AttrName}, Min: 1, Max: 4,
		}),
		f.resource(plan.KindScalingPolicy, "api/ScalingPolicy-1", "api", "berth-shop-prod-api-scale-1-stack", plan.ScalingPolicyProps{
			Target: plan.Ref{ID: "api/ScalableTarget", Attr: plan.AttrID}, PolicyType: "TargetTrackingScaling",
			PredefinedMetric: "ECSServiceAverageCPUUtilization", TargetValue: 70,
		}),
	}
}

// delta is the calls made between two summaries, rendered "Service:Op×n".
func delta(before, after awscalls.Summary) (mutating, read int, ops string) {
	prev := map[string]int{}
	for _, o := range before.Ops {
		prev[o.Service+":"+o.Operation] = o.Count
	}
	var parts []string
	for _, o := range after.Ops {
		if n := o.Count - prev[o.Service+":"+o.Operation]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s:%s×%d", o.Service, o.Operation, n))
		}
	}
	sort.Strings(parts)
	return after.Mutating - before.Mutating, after.Read - before.Read, strings.Join(parts, " ")
}

// One Fargate container's whole stack is created in plan order against the emulator, the
// AWS calls of each resource are reported, a second apply makes no mutating call, and the
// reverse-order delete leaves nothing behind. This is also the ordering AWS requires:
// listener rule before service (CreateService needs a target group a rule uses).
func TestAWholeFargateStackIsCreatedOnceAndRemovedCompletely(t *testing.T) {
	f := newFixture(t, "us-west-2")
	f.taskRefs()
	ctx := context.Background()
	reg := provision.Registry{}
	ec2.Register(reg, ec2.Clients(f.cfg), func(string) *ec2.Network { return f.net })
	elbv2.Register(reg, elbv2.Clients(f.cfg), func(string) elbv2.Network { return f.net })
	Register(reg, Clients(f.cfg), func(string) Network { return f.net }, f.iam)
	autoscaling.Register(reg, autoscaling.Clients(f.cfg), autoscaling.Alarms(f.cfg, func(o *cloudwatch.Options) {
		o.Protocol = awsquery.New(&smithy.ServiceSchema{Version: "2010-08-01"}) // moto reads awsQuery, not the SDK's CBOR default
	}))
	stack := f.fargateStack()

	start := f.calls.Summary()
	for _, r := range stack {
		before := f.calls.Summary()
		out, err := reg[r.Kind].Create(ctx, f.env, r)
		if err != nil {
			t.Fatalf("create %s: %v", r.ID, err)
		}
		f.refs[r.ID] = out
		m, n, ops := delta(before, f.calls.Summary())
		t.Logf("create %-20s %2d mutating %2d read  %s", r.ID, m, n, ops)
	}
	m, n, _ := delta(start, f.calls.Summary())
	t.Logf("whole stack: %d mutating, %d read", m, n)

	before := f.calls.Summary()
	for _, r := range stack {
		if _, err := reg[r.Kind].Create(ctx, f.env, r); err != nil {
			t.Fatalf("create %s again: %v", r.ID, err)
		}
		obs, err := reg[r.Kind].Observe(ctx, f.env, r)
		if err != nil || !obs.UpToDate() || !obs.Ready {
			t.Fatalf("observe %s after create: %+v %v", r.ID, obs, err)
		}
	}
	m, n, _ = delta(before, f.calls.Summary())
	t.Logf("second apply and observe of the whole stack: %d mutating, %d read", m, n)
	if m != 0 {
		t.Fatalf("a second apply of an unchanged stack made %d mutating calls", m)
	}

	for i := len(stack) - 1; i >= 0; i-- {
		r := stack[i]
		if err := reg[r.Kind].Delete(ctx, f.env, r); err != nil {
			t.Fatalf("delete %s: %v", r.ID, err)
		}
	}
	for _, r := range stack {
		if obs, err := reg[r.Kind].Observe(ctx, f.env, r); err != nil || obs.Exists {
			t.Fatalf("%s after delete: exists=%v err=%v", r.ID, obs.Exists, err)
		}
	}
}
