package ecs

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/smithy-go"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
	"github.com/berth-dev/berth/internal/provision/provtest"
)

func serviceProps(taskDef string, grace int) plan.ServiceProps {
	return plan.ServiceProps{
		Cluster:        plan.Ref{ID: plan.IDCluster, Attr: plan.AttrArn},
		TaskDefinition: plan.Ref{ID: taskDef, Attr: plan.AttrArn},
		TargetGroup:    plan.Ref{ID: "api/TargetGroup", Attr: plan.AttrArn},
		ContainerName:  "api", Port: 8080, DesiredCount: 1,
		SecurityGroups:             []plan.Ref{{ID: plan.IDTaskSecurityGroup, Attr: plan.AttrID}},
		AssignPublicIP:             true,
		HealthCheckGracePeriodSec:  grace,
		CircuitBreakerWithRollback: true,
	}
}

// serviceRefs makes the service's dependencies with the plain SDK: a cluster, two task
// definition revisions, a target group and the default VPC's default security group.
func (f *fixture) serviceRefs(prefix string) {
	ctx := context.Background()
	cluster, err := f.rawCluster(ctx, prefix+"-cluster")
	f.must(err)
	td1, err := f.rawTaskDefinition(ctx, prefix+"-task", "repo/api:1")
	f.must(err)
	td2, err := f.rawTaskDefinition(ctx, prefix+"-task", "repo/api:2")
	f.must(err)
	vpc, _, err := f.net.DefaultNetwork(ctx)
	f.must(err)
	sgs, err := f.ec2.DescribeSecurityGroups(ctx, nil)
	f.must(err)
	var sg string
	for _, g := range sgs.SecurityGroups {
		if aws.ToString(g.VpcId) == vpc {
			sg = aws.ToString(g.GroupId)
		}
	}
	f.refs[plan.IDCluster] = provision.Outputs{plan.AttrArn: cluster}
	f.refs["api/TaskDefinition"] = provision.Outputs{plan.AttrArn: td1}
	f.refs["api/TaskDefinition2"] = provision.Outputs{plan.AttrArn: td2}
	f.refs["api/TargetGroup"] = provision.Outputs{plan.AttrArn: f.rawTargetGroup(ctx, prefix+"-tg")}
	f.refs[plan.IDTaskSecurityGroup] = provision.Outputs{plan.AttrID: sg}
}

func TestTheServiceLifecycleDeploysANewRevisionAndRepairsItsCount(t *testing.T) {
	f := newFixture(t, "eu-west-1")
	f.serviceRefs("svc-life")
	name := "berth-shop-prod-api-svc-aaaaaa"
	initial := f.resource(plan.KindService, "api/Service", "api", name, serviceProps("api/TaskDefinition", 60))
	updated := f.resource(plan.KindService, "api/Service", "api", name, serviceProps("api/TaskDefinition2", 60))
	provtest.Lifecycle(t, provtest.Case{
		Provisioner: NewService(f.ecs, f.net, f.iam), Env: f.env, Calls: f.calls,
		Initial: initial, Updated: updated, UpdatedFields: []string{"taskDefinition"},
		OutOfBand: func(ctx context.Context) error {
			_, err := f.ecs.UpdateService(ctx, &ecs.UpdateServiceInput{Cluster: aws.String(f.refs[plan.IDCluster][plan.AttrArn]),
				Service: aws.String(name), DesiredCount: aws.Int32(3)})
			return err
		},
		DriftField: "desiredCount",
	})
}

func TestAServiceBerthDoesNotOwnIsNeverTouched(t *testing.T) {
	f := newFixture(t, "eu-west-2")
	f.serviceRefs("svc-foreign")
	name := "berth-shop-prod-api-svc-foreign"
	r := f.resource(plan.KindService, "api/Service", "api", name, serviceProps("api/TaskDefinition", 60))
	provtest.NotOwned(t, NewService(f.ecs, f.net, f.iam), f.env, r, func(ctx context.Context) error {
		_, err := f.ecs.CreateService(ctx, &ecs.CreateServiceInput{Cluster: aws.String(f.refs[plan.IDCluster][plan.AttrArn]),
			ServiceName: aws.String(name), TaskDefinition: aws.String(f.refs["api/TaskDefinition"][plan.AttrArn]), DesiredCount: aws.Int32(1), LaunchType: types.LaunchTypeFargate})
		return err
	})
}

func TestAnAutoScaledServiceKeepsTheCountItWasScaledTo(t *testing.T) {
	f := newFixture(t, "eu-west-1")
	f.serviceRefs("svc-scaled")
	ctx := context.Background()
	props := serviceProps("api/TaskDefinition", 60)
	props.AutoScaled = true
	r := f.resource(plan.KindService, "api/Service", "api", "berth-shop-prod-api-svc-scaled", props)
	p := NewService(f.ecs, f.net, f.iam)
	_, err := p.Create(ctx, f.env, r)
	f.must(err)
	_, err = f.ecs.UpdateService(ctx, &ecs.UpdateServiceInput{Cluster: aws.String(f.refs[plan.IDCluster][plan.AttrArn]),
		Service: aws.String(r.Name), DesiredCount: aws.Int32(4)}) // what Application Auto Scaling does
	f.must(err)
	obs, err := p.Observe(ctx, f.env, r)
	f.must(err)
	if !obs.UpToDate() {
		t.Fatalf("observe reports %+v for a count autoscaling set", obs.Diff)
	}
}

// fakeServices answers DescribeServices with a fixed service, so the states moto cannot
// produce (it fakes running counts and never rolls a deployment forward, back or into
// DRAINING) can be checked. Mutating calls are recorded and fail the test if unexpected.
type fakeServices struct {
	API
	svc       *types.Service
	updates   []*ecs.UpdateServiceInput
	creates   int
	deletes   []*ecs.DeleteServiceInput
	createErr error // CreateService's answer; nil means ECS's service-linked role error
}

func (f *fakeServices) DescribeServices(context.Context, *ecs.DescribeServicesInput, ...func(*ecs.Options)) (*ecs.DescribeServicesOutput, error) {
	if f.svc == nil {
		return &ecs.DescribeServicesOutput{Failures: []types.Failure{{Reason: aws.String("MISSING")}}}, nil
	}
	return &ecs.DescribeServicesOutput{Services: []types.Service{*f.svc}}, nil
}

func (f *fakeServices) UpdateService(_ context.Context, in *ecs.UpdateServiceInput, _ ...func(*ecs.Options)) (*ecs.UpdateServiceOutput, error) {
	f.updates = append(f.updates, in)
	return &ecs.UpdateServiceOutput{Service: f.svc}, nil
}

func (f *fakeServices) CreateService(context.Context, *ecs.CreateServiceInput, ...func(*ecs.Options)) (*ecs.CreateServiceOutput, error) {
	f.creates++
	if f.createErr != nil {
		return nil, f.createErr
	}
	return nil, &smithy.GenericAPIError{Code: "InvalidParameterException", Message: "Unable to assume the service linked role. Please verify that the ECS service linked role exists."}
}

func (f *fakeServices) DeleteService(_ context.Context, in *ecs.DeleteServiceInput, _ ...func(*ecs.Options)) (*ecs.DeleteServiceOutput, error) {
	f.deletes = append(f.deletes, in)
	return &ecs.DeleteServiceOutput{}, nil
}

// fakeNet is a fixed default network.
type fakeNet struct{}

func (fakeNet) DefaultNetwork(context.Context) (string, []string, error) {
	return "vpc-1", []string{"subnet-a", "subnet-b"}, nil
}

var fakeEnv = provision.Env{App: "shop", Stage: "prod", Account: "123456789012", Region: "eu-west-1", Refs: provision.OutputsByID{
	plan.IDCluster:           {plan.AttrArn: "arn:aws:ecs:eu-west-1:123456789012:cluster/c"},
	"api/TaskDefinition":     {plan.AttrArn: "arn:aws:ecs:eu-west-1:123456789012:task-definition/t:2"},
	"api/TargetGroup":        {plan.AttrArn: "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/tg/1"},
	plan.IDTaskSecurityGroup: {plan.AttrID: "sg-1"},
}}

// liveService is a stable service matching serviceProps("api/TaskDefinition", 60) in fakeEnv.
func liveService() *types.Service {
	r := plan.Resource{ID: "api/Service"}
	return &types.Service{
		ServiceName: aws.String("svc"), ServiceArn: aws.String("arn:aws:ecs:eu-west-1:123456789012:service/c/svc"), Status: aws.String("ACTIVE"),
		TaskDefinition: aws.String("arn:aws:ecs:eu-west-1:123456789012:task-definition/t:2"), DesiredCount: 1, RunningCount: 1,
		LoadBalancers: []types.LoadBalancer{{TargetGroupArn: aws.String("arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/tg/1"), ContainerName: aws.String("api"), ContainerPort: aws.Int32(8080)}},
		NetworkConfiguration: &types.NetworkConfiguration{AwsvpcConfiguration: &types.AwsVpcConfiguration{
			Subnets: []string{"subnet-b", "subnet-a"}, SecurityGroups: []string{"sg-1"}, AssignPublicIp: types.AssignPublicIpEnabled}},
		HealthCheckGracePeriodSeconds: aws.Int32(60),
		DeploymentConfiguration:       &types.DeploymentConfiguration{DeploymentCircuitBreaker: &types.DeploymentCircuitBreaker{Enable: true, Rollback: true}},
		Deployments:                   []types.Deployment{{Status: aws.String("PRIMARY"), RolloutState: types.DeploymentRolloutStateCompleted}},
		Tags:                          tags(fakeEnv, r),
	}
}

func fakeResource(t *testing.T) plan.Resource {
	f := &fixture{t: t}
	return f.resource(plan.KindService, "api/Service", "api", "svc", serviceProps("api/TaskDefinition", 60))
}

func TestServiceReadinessFollowsTheDeployment(t *testing.T) {
	cases := []struct {
		name      string
		change    func(s *types.Service)
		ready     bool
		exists    bool
		diffField string
	}{
		{"a stable service is ready", func(*types.Service) {}, true, true, ""},
		{"a rollout in progress is not ready", func(s *types.Service) {
			s.Deployments[0].RolloutState = types.DeploymentRolloutStateInProgress
		}, false, true, ""},
		{"an old deployment still draining is not ready", func(s *types.Service) {
			s.Deployments = append(s.Deployments, types.Deployment{Status: aws.String("ACTIVE"), RolloutState: types.DeploymentRolloutStateCompleted})
		}, false, true, ""},
		{"fewer running tasks than desired is not ready", func(s *types.Service) { s.RunningCount = 0 }, false, true, ""},
		{"a deployment the circuit breaker failed is not ready and says so", func(s *types.Service) {
			s.Deployments = []types.Deployment{
				{Status: aws.String("PRIMARY"), RolloutState: types.DeploymentRolloutStateInProgress},
				{Status: aws.String("ACTIVE"), RolloutState: types.DeploymentRolloutStateFailed, RolloutStateReason: aws.String("tasks failed to start")},
			}
		}, false, true, "deployment"},
		{"a draining service still exists and is not ready", func(s *types.Service) { s.Status = aws.String("DRAINING") }, false, true, "status"},
		{"an inactive service is gone", func(s *types.Service) { s.Status = aws.String("INACTIVE") }, false, false, ""},
		{"a grace period changed out of band is a diff", func(s *types.Service) { s.HealthCheckGracePeriodSeconds = aws.Int32(5) }, true, true, "healthCheckGracePeriodSec"},
		{"a circuit breaker turned off is a diff", func(s *types.Service) {
			s.DeploymentConfiguration.DeploymentCircuitBreaker.Rollback = false
		}, true, true, "circuitBreakerWithRollback"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			svc := liveService()
			c.change(svc)
			obs, err := NewService(&fakeServices{svc: svc}, fakeNet{}, nil).Observe(context.Background(), fakeEnv, fakeResource(t))
			if err != nil {
				t.Fatal(err)
			}
			if obs.Exists != c.exists || obs.Ready != c.ready {
				t.Fatalf("exists=%v ready=%v, want exists=%v ready=%v", obs.Exists, obs.Ready, c.exists, c.ready)
			}
			var want []string
			if c.diffField != "" {
				want = []string{c.diffField}
			}
			provtest.AssertFields(t, c.name, obs.Diff, want)
		})
	}
}

func TestCreatingOverADrainingServiceIsTransient(t *testing.T) {
	svc := liveService()
	svc.Status = aws.String("DRAINING")
	_, err := NewService(&fakeServices{svc: svc}, fakeNet{}, nil).Create(context.Background(), fakeEnv, fakeResource(t))
	var te *provision.TransientError
	if !errors.As(err, &te) {
		t.Fatalf("got %v, want *provision.TransientError", err)
	}
}

func TestAnUpdateSendsOnlyWhatChanged(t *testing.T) {
	svc := liveService()
	svc.TaskDefinition = aws.String("arn:aws:ecs:eu-west-1:123456789012:task-definition/t:1")
	fake := &fakeServices{svc: svc}
	_, err := NewService(fake, fakeNet{}, nil).Update(context.Background(), fakeEnv, fakeResource(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(fake.updates) != 1 {
		t.Fatalf("%d UpdateService calls, want 1", len(fake.updates))
	}
	in := fake.updates[0]
	if aws.ToString(in.TaskDefinition) != "arn:aws:ecs:eu-west-1:123456789012:task-definition/t:2" || in.DesiredCount != nil ||
		in.NetworkConfiguration != nil || in.LoadBalancers != nil || in.HealthCheckGracePeriodSeconds != nil || in.DeploymentConfiguration != nil {
		t.Fatalf("UpdateService input carries more than the new task definition: %+v", in)
	}
}

// moto never fails a rollout, so the fake reports what ECS's circuit breaker does
// (API_DeploymentCircuitBreaker.html): the new revision's deployment FAILED while the
// service rolls back to the last completed one.
func TestARolloutTheCircuitBreakerFailedIsFinalAndNotDeployedAgain(t *testing.T) {
	const want = "arn:aws:ecs:eu-west-1:123456789012:task-definition/t:2"
	svc := liveService()
	svc.TaskDefinition = aws.String("arn:aws:ecs:eu-west-1:123456789012:task-definition/t:1")
	svc.Deployments = []types.Deployment{
		{Status: aws.String("PRIMARY"), TaskDefinition: svc.TaskDefinition, RolloutState: types.DeploymentRolloutStateInProgress},
		{Status: aws.String("ACTIVE"), TaskDefinition: aws.String(want), RolloutState: types.DeploymentRolloutStateFailed,
			RolloutStateReason: aws.String("ECS deployment circuit breaker: tasks failed to start.")},
	}
	fake := &fakeServices{svc: svc}
	_, err := NewService(fake, fakeNet{}, nil).Update(context.Background(), fakeEnv, fakeResource(t))
	var rf *provision.RolloutFailedError
	if !errors.As(err, &rf) || !strings.Contains(rf.Reason, "tasks failed to start") || !strings.Contains(rf.Reason, want) {
		t.Fatalf("got %v, want *provision.RolloutFailedError naming the revision and ECS's reason", err)
	}
	if len(fake.updates) != 0 {
		t.Fatalf("%d UpdateService calls after a failed rollout, want 0", len(fake.updates))
	}
}

// A failed deployment of another revision (an earlier one) does not fail this one.
func TestAFailedRolloutOfAnotherRevisionDoesNotStopTheUpdate(t *testing.T) {
	svc := liveService()
	svc.TaskDefinition = aws.String("arn:aws:ecs:eu-west-1:123456789012:task-definition/t:1")
	svc.Deployments = append(svc.Deployments, types.Deployment{Status: aws.String("ACTIVE"),
		TaskDefinition: aws.String("arn:aws:ecs:eu-west-1:123456789012:task-definition/t:0"), RolloutState: types.DeploymentRolloutStateFailed})
	fake := &fakeServices{svc: svc}
	if _, err := NewService(fake, fakeNet{}, nil).Update(context.Background(), fakeEnv, fakeResource(t)); err != nil {
		t.Fatal(err)
	}
	if len(fake.updates) != 1 {
		t.Fatalf("%d UpdateService calls, want 1", len(fake.updates))
	}
}

// ECS in an account that never used it answers CreateService with a service-linked role
// error; moto never does, so the fake above gives that answer.
func TestAMissingServiceLinkedRoleIsCreatedOnceAndTheStepRetried(t *testing.T) {
	f := newFixture(t, "eu-west-1")
	_, err := NewService(&fakeServices{}, fakeNet{}, f.iam).Create(context.Background(), fakeEnv, fakeResource(t))
	var te *provision.TransientError
	if !errors.As(err, &te) {
		t.Fatalf("got %v, want *provision.TransientError", err)
	}
	role, err := f.iam.GetRole(context.Background(), &iam.GetRoleInput{RoleName: aws.String("AWSServiceRoleForECS")})
	if err != nil {
		// moto names it after the service prefix.
		role, err = f.iam.GetRole(context.Background(), &iam.GetRoleInput{RoleName: aws.String("AWSServiceRoleForecs")})
	}
	if err != nil || role.Role == nil {
		t.Fatalf("the service-linked role was not created: %v", err)
	}
	// A second attempt while the role already exists is the same transient answer.
	_, err = NewService(&fakeServices{}, fakeNet{}, f.iam).Create(context.Background(), fakeEnv, fakeResource(t))
	if !errors.As(err, &te) {
		t.Fatalf("second attempt: got %v, want *provision.TransientError", err)
	}
}

func TestWithoutIAMAMissingServiceLinkedRoleIsAPreconditionWithTheFix(t *testing.T) {
	_, err := NewService(&fakeServices{}, fakeNet{}, nil).Create(context.Background(), fakeEnv, fakeResource(t))
	var pe *provision.PreconditionError
	if !errors.As(err, &pe) {
		t.Fatalf("got %v, want *provision.PreconditionError", err)
	}
}

// Right after the listener rule is created ECS may not see the target group in use yet;
// moto never checks, so the fake gives ECS's answer.
func TestATargetGroupECSDoesNotSeeAttachedYetIsTransient(t *testing.T) {
	fake := &fakeServices{createErr: &smithy.GenericAPIError{Code: "InvalidParameterException",
		Message: "The target group with targetGroupArn arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/tg/1 does not have an associated load balancer."}}
	_, err := NewService(fake, fakeNet{}, nil).Create(context.Background(), fakeEnv, fakeResource(t))
	var te *provision.TransientError
	if !errors.As(err, &te) {
		t.Fatalf("got %v, want *provision.TransientError", err)
	}
}

// A removal resolves only the cluster: the service is scaled to 0 and force-deleted, and
// one already draining is left to finish.
func TestDeletingAServiceNeedsOnlyItsClusterAndLeavesADrainingOneAlone(t *testing.T) {
	env := fakeEnv
	env.Refs = provision.OutputsByID{plan.IDCluster: fakeEnv.Refs.(provision.OutputsByID)[plan.IDCluster]}
	fake := &fakeServices{svc: liveService()}
	if err := NewService(fake, fakeNet{}, nil).Delete(context.Background(), env, fakeResource(t)); err != nil {
		t.Fatal(err)
	}
	if len(fake.updates) != 1 || aws.ToInt32(fake.updates[0].DesiredCount) != 0 || len(fake.deletes) != 1 || !aws.ToBool(fake.deletes[0].Force) {
		t.Fatalf("updates %+v, deletes %+v: want a scale to 0, then a forced delete", fake.updates, fake.deletes)
	}
	draining := liveService()
	draining.Status = aws.String("DRAINING")
	fake = &fakeServices{svc: draining}
	if err := NewService(fake, fakeNet{}, nil).Delete(context.Background(), env, fakeResource(t)); err != nil || len(fake.updates)+len(fake.deletes) != 0 {
		t.Fatalf("delete of a draining service: %v, %d mutating calls", err, len(fake.updates)+len(fake.deletes))
	}
}
