package ecs

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/smithy-go"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// services is one region's calls for the service kind.
type services struct {
	client API
	net    Network
	roles  ServiceLinkedRoleAPI
}

type serviceCall = provision.Call[*services, serviceWant]

// NewService returns the provisioner of AWS::ECS::Service: Fargate, awsvpc, behind the
// container's target group, with the deployment circuit breaker. Its ownership tags
// propagate to its tasks. roles may be nil (see Register).
//
// Lifecycle facts it is built around:
//   - CreateService fails unless a listener rule already uses the target group; the plan
//     orders the rule first.
//   - Delete scales to 0 and force-deletes; the service then stays DRAINING for minutes,
//     and a service of the same name cannot be created until it is INACTIVE, so Observe
//     reports a DRAINING service as existing (and not ready) until then, and Create as
//     transient.
//   - Readiness is a stable service: running == desired and one deployment, PRIMARY and
//     COMPLETED. A deployment the circuit breaker failed is reported as not ready with a
//     "deployment" diff, never as ready; once the rollback finishes, the service is stable
//     again on the previous task definition and the "taskDefinition" diff remains, so the
//     workflow sees that the desired revision did not take.
func NewService(client API, net Network, roles ServiceLinkedRoleAPI) provision.Provisioner {
	p := &services{client: client, net: net, roles: roles}
	return provision.Adapt(provision.Kind[*services, serviceWant, types.Service]{
		Clients: func(string) *services { return p },
		Desired: serviceOn,
		Find: func(ctx context.Context, c *serviceCall) (*types.Service, error) {
			return c.API.lookup(ctx, c.R, c.Props.cluster)
		},
		Owned: func(c *serviceCall, s *types.Service) bool { return owned(c.Env, c.R, s.Tags) },
		Diff: func(ctx context.Context, c *serviceCall, s *types.Service) (provision.Diffs, error) {
			w, err := c.API.complete(ctx, c.Env, c.Props)
			if err != nil {
				return nil, err
			}
			return serviceDiff(w, s), nil
		},
		Ready:   stable,
		Outputs: func(_ *serviceCall, s *types.Service) provision.Outputs { return serviceOutputs(s) },
		Create: func(ctx context.Context, c *serviceCall) (provision.Outputs, error) {
			w, err := c.API.complete(ctx, c.Env, c.Props)
			if err != nil {
				return nil, err
			}
			return c.API.create(ctx, c.Env, c.R, w)
		},
		Converge: func(ctx context.Context, c *serviceCall, s *types.Service, d provision.Diffs) (provision.Outputs, error) {
			if aws.ToString(s.Status) == "DRAINING" {
				return nil, &provision.TransientError{Kind: string(c.R.Kind), Name: c.R.Name, Op: "create",
					Cause: "a service of this name is still draining after a delete; ECS allows a new one once it is INACTIVE"}
			}
			w, err := c.API.complete(ctx, c.Env, c.Props)
			if err != nil {
				return nil, err
			}
			return c.API.update(ctx, c.R, w, s, d)
		},
		Remove: func(ctx context.Context, c *serviceCall, s *types.Service) error {
			return c.API.remove(ctx, c.R, c.Props.cluster, s)
		},
	})
}

// serviceWant is the desired service with refs and defaults resolved.
type serviceWant struct {
	props                         plan.ServiceProps
	cluster, taskDef, targetGroup string
	container                     string
	port, desired, grace          int
	subnets, sgs                  []string
	publicIP                      bool
	circuitBreaker                bool
	autoScaled                    bool
}

// serviceOn decodes the service and resolves its cluster: all a removal needs, so that it
// does not depend on the other refs resolving.
func serviceOn(_ context.Context, c *serviceCall) (serviceWant, error) {
	props, err := provision.Decode[plan.ServiceProps](c.R)
	if err != nil {
		return serviceWant{}, err
	}
	w := serviceWant{props: props}
	w.cluster, err = c.Env.Refs.Resolve(props.Cluster)
	return w, err
}

// complete resolves the rest of the desired service (with the default network's subnets
// when the props name none), which comparing, creating and updating need.
func (p *services) complete(ctx context.Context, env provision.Env, w serviceWant) (serviceWant, error) {
	props := w.props
	w.container, w.port, w.desired = props.ContainerName, props.Port, props.DesiredCount
	w.grace, w.subnets, w.publicIP = props.HealthCheckGracePeriodSec, props.SubnetIDs, props.AssignPublicIP
	w.circuitBreaker, w.autoScaled = props.CircuitBreakerWithRollback, props.AutoScaled
	var err error
	for _, x := range []struct {
		ref plan.Ref
		to  *string
	}{{props.TaskDefinition, &w.taskDef}, {props.TargetGroup, &w.targetGroup}} {
		if *x.to, err = env.Refs.Resolve(x.ref); err != nil {
			return serviceWant{}, err
		}
	}
	w.sgs = append(w.sgs, props.SecurityGroupIDs...)
	for _, ref := range props.SecurityGroups {
		id, err := env.Refs.Resolve(ref)
		if err != nil {
			return serviceWant{}, err
		}
		w.sgs = append(w.sgs, id)
	}
	if len(w.subnets) == 0 {
		if _, w.subnets, err = p.net.DefaultNetwork(ctx); err != nil {
			return serviceWant{}, err
		}
	}
	return w, nil
}

// lookup returns the service unless it is missing or INACTIVE (deleted). A missing
// cluster means a missing service.
func (p *services) lookup(ctx context.Context, r plan.Resource, cluster string) (*types.Service, error) {
	out, err := p.client.DescribeServices(ctx, &ecs.DescribeServicesInput{
		Cluster: aws.String(cluster), Services: []string{r.Name}, Include: []types.ServiceField{types.ServiceFieldTags},
	})
	if provision.ErrorCode(err) == "ClusterNotFoundException" {
		return nil, nil
	}
	if err != nil {
		return nil, provision.Classify(err, "describe", string(r.Kind), r.Name)
	}
	for i, s := range out.Services {
		if aws.ToString(s.Status) != "INACTIVE" {
			return &out.Services[i], nil
		}
	}
	return nil, nil
}

func serviceOutputs(s *types.Service) provision.Outputs {
	return provision.Outputs{plan.AttrArn: aws.ToString(s.ServiceArn), plan.AttrName: aws.ToString(s.ServiceName)}
}

func (w serviceWant) network() *types.NetworkConfiguration {
	ip := types.AssignPublicIpDisabled
	if w.publicIP {
		ip = types.AssignPublicIpEnabled
	}
	return &types.NetworkConfiguration{AwsvpcConfiguration: &types.AwsVpcConfiguration{
		Subnets: w.subnets, SecurityGroups: w.sgs, AssignPublicIp: ip,
	}}
}

func (w serviceWant) loadBalancers() []types.LoadBalancer {
	return []types.LoadBalancer{{TargetGroupArn: aws.String(w.targetGroup), ContainerName: aws.String(w.container), ContainerPort: aws.Int32(int32(w.port))}}
}

func (w serviceWant) deployment() *types.DeploymentConfiguration {
	return &types.DeploymentConfiguration{DeploymentCircuitBreaker: &types.DeploymentCircuitBreaker{Enable: w.circuitBreaker, Rollback: w.circuitBreaker}}
}

// serviceDiff compares what berth manages. Fields the service does not report are not
// compared (AWS always reports them; moto omits the grace period and deployment
// configuration until an UpdateService sets them).
func serviceDiff(w serviceWant, s *types.Service) provision.Diffs {
	var d provision.Diffs
	if aws.ToString(s.Status) != "ACTIVE" {
		d.Add("status", "ACTIVE", aws.ToString(s.Status))
		return d
	}
	d.Add("taskDefinition", w.taskDef, aws.ToString(s.TaskDefinition))
	if !w.autoScaled {
		d.Add("desiredCount", w.desired, s.DesiredCount)
	}
	lb := "(none)"
	if len(s.LoadBalancers) > 0 {
		l := s.LoadBalancers[0]
		lb = aws.ToString(l.TargetGroupArn) + " " + aws.ToString(l.ContainerName) + ":" + strconv.Itoa(int(aws.ToInt32(l.ContainerPort)))
	}
	d.Add("targetGroup", w.targetGroup+" "+w.container+":"+strconv.Itoa(w.port), lb)
	var net types.AwsVpcConfiguration
	if s.NetworkConfiguration != nil && s.NetworkConfiguration.AwsvpcConfiguration != nil {
		net = *s.NetworkConfiguration.AwsvpcConfiguration
	}
	d.Add("subnetIds", joined(w.subnets), joined(net.Subnets))
	d.Add("securityGroups", joined(w.sgs), joined(net.SecurityGroups))
	d.Add("assignPublicIp", w.publicIP, net.AssignPublicIp == types.AssignPublicIpEnabled)
	if s.HealthCheckGracePeriodSeconds != nil {
		d.Add("healthCheckGracePeriodSec", w.grace, aws.ToInt32(s.HealthCheckGracePeriodSeconds))
	}
	if dc := s.DeploymentConfiguration; dc != nil {
		cb := dc.DeploymentCircuitBreaker != nil && dc.DeploymentCircuitBreaker.Enable && dc.DeploymentCircuitBreaker.Rollback
		d.Add("circuitBreakerWithRollback", w.circuitBreaker, cb)
	}
	for _, dep := range s.Deployments {
		if dep.RolloutState == types.DeploymentRolloutStateFailed {
			d = append(d, provision.FieldDiff{Field: "deployment", Desired: "COMPLETED", Actual: "FAILED (circuit breaker rolled back): " + aws.ToString(dep.RolloutStateReason)})
			break
		}
	}
	return d
}

// stable is ECS's "services stable": every desired task running, one deployment left,
// PRIMARY and done rolling out.
func stable(s *types.Service) bool {
	if aws.ToString(s.Status) != "ACTIVE" || len(s.Deployments) != 1 || s.RunningCount != s.DesiredCount {
		return false
	}
	dep := s.Deployments[0]
	return aws.ToString(dep.Status) == "PRIMARY" && (dep.RolloutState == types.DeploymentRolloutStateCompleted || dep.RolloutState == "")
}

func (p *services) create(ctx context.Context, env provision.Env, r plan.Resource, w serviceWant) (provision.Outputs, error) {
	in := &ecs.CreateServiceInput{
		ServiceName:                   aws.String(r.Name),
		Cluster:                       aws.String(w.cluster),
		TaskDefinition:                aws.String(w.taskDef),
		LaunchType:                    types.LaunchTypeFargate,
		DesiredCount:                  aws.Int32(int32(w.desired)),
		NetworkConfiguration:          w.network(),
		LoadBalancers:                 w.loadBalancers(),
		HealthCheckGracePeriodSeconds: aws.Int32(int32(w.grace)),
		DeploymentConfiguration:       w.deployment(),
		PropagateTags:                 types.PropagateTagsService,
		EnableECSManagedTags:          true,
		Tags:                          tags(env, r),
	}
	var out *ecs.CreateServiceOutput
	err := provision.Retry(ctx, func() (err error) { // "Role is not valid" right after IAM changes
		out, err = p.client.CreateService(ctx, in)
		return err
	})
	switch {
	case needsServiceLinkedRole(err):
		return nil, p.createServiceLinkedRole(ctx, r, err)
	case targetGroupNotAttachedYet(err):
		return nil, &provision.TransientError{Kind: string(r.Kind), Name: r.Name, Op: "create", Cause: err.Error()}
	case err != nil:
		return nil, provision.Classify(err, "create", string(r.Kind), r.Name)
	}
	return serviceOutputs(out.Service), nil
}

// targetGroupNotAttachedYet recognises "The target group with targetGroupArn … does not
// have an associated load balancer": ECS has not yet seen the listener rule the plan
// created just before the service. The rule exists (the plan orders it first), so a retry
// of the step succeeds once ELBv2 and ECS agree.
func targetGroupNotAttachedYet(err error) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && strings.Contains(ae.ErrorMessage(), "does not have an associated load balancer")
}

// update deploys a new task definition, count, network, target group, grace period or
// circuit breaker setting, in one UpdateService call that carries only what d (the
// service's diff) says changed.
func (p *services) update(ctx context.Context, r plan.Resource, w serviceWant, s *types.Service, d provision.Diffs) (provision.Outputs, error) {
	if err := failedRollout(r, w, s); err != nil {
		return nil, err
	}
	d = withoutField(d, "deployment") // a failed rollout is fixed by deploying, not by a setting
	if len(d) == 0 {
		return serviceOutputs(s), nil
	}
	in := &ecs.UpdateServiceInput{Cluster: aws.String(w.cluster), Service: s.ServiceArn}
	if d.Has("taskDefinition") {
		in.TaskDefinition = aws.String(w.taskDef)
	}
	if d.Has("desiredCount") {
		in.DesiredCount = aws.Int32(int32(w.desired))
	}
	if d.Has("targetGroup") {
		in.LoadBalancers = w.loadBalancers()
	}
	if d.Has("subnetIds") || d.Has("securityGroups") || d.Has("assignPublicIp") {
		in.NetworkConfiguration = w.network()
	}
	if d.Has("healthCheckGracePeriodSec") {
		in.HealthCheckGracePeriodSeconds = aws.Int32(int32(w.grace))
	}
	if d.Has("circuitBreakerWithRollback") {
		in.DeploymentConfiguration = w.deployment()
	}
	out, err := p.client.UpdateService(ctx, in)
	if err != nil {
		return nil, provision.Classify(err, "update", string(r.Kind), r.Name)
	}
	return serviceOutputs(out.Service), nil
}

// failedRollout is final: the circuit breaker marked the deployment of the desired
// revision FAILED and is rolling the service back, and deploying the revision again would
// only repeat that. "If the deployment circuit breaker is enabled, a service deployment
// will transition to a failed state and stop launching new tasks" —
// https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeploymentCircuitBreaker.html
func failedRollout(r plan.Resource, w serviceWant, s *types.Service) error {
	for _, dep := range s.Deployments {
		if dep.RolloutState == types.DeploymentRolloutStateFailed && aws.ToString(dep.TaskDefinition) == w.taskDef {
			return &provision.RolloutFailedError{Kind: string(r.Kind), Name: r.Name,
				Reason: "the ECS deployment circuit breaker failed the deployment of " + w.taskDef + ": " + aws.ToString(dep.RolloutStateReason)}
		}
	}
	return nil
}

func withoutField(d provision.Diffs, field string) provision.Diffs {
	var out provision.Diffs
	for _, f := range d {
		if f.Field != field {
			out = append(out, f)
		}
	}
	return out
}

// remove scales the service to 0 and force-deletes it. It then drains (Observe reports it
// until INACTIVE); a service already draining is left to finish.
func (p *services) remove(ctx context.Context, r plan.Resource, cluster string, s *types.Service) error {
	if aws.ToString(s.Status) == "DRAINING" {
		return nil
	}
	if s.DesiredCount > 0 {
		_, err := p.client.UpdateService(ctx, &ecs.UpdateServiceInput{Cluster: aws.String(cluster), Service: s.ServiceArn, DesiredCount: aws.Int32(0)})
		if err != nil && !serviceGone(err) {
			return provision.ClassifyFor(err, "scale to 0", r)
		}
	}
	_, err := p.client.DeleteService(ctx, &ecs.DeleteServiceInput{Cluster: aws.String(cluster), Service: s.ServiceArn, Force: aws.Bool(true)})
	if err != nil && !serviceGone(err) {
		return provision.ClassifyFor(err, "delete", r)
	}
	return nil
}

func serviceGone(err error) bool {
	switch provision.ErrorCode(err) {
	case "ServiceNotFoundException", "ServiceNotActiveException", "ClusterNotFoundException":
		return true
	}
	return false
}
