package elbv2

import (
	"context"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// idleTimeoutKey is the load balancer attribute holding the idle timeout; AWS's default is
// 60 s, which berth raises to the CloudFront origin read timeout so the ALB never cuts a
// response CloudFront is still waiting for.
const (
	idleTimeoutKey     = "idle_timeout.timeout_seconds"
	defaultIdleTimeout = 60
)

// LoadBalancer provisions AWS::ElasticLoadBalancingV2::LoadBalancer (application), found
// by name.
type LoadBalancer struct {
	client API
	net    Network
}

// NewLoadBalancer returns the load balancer provisioner.
func NewLoadBalancer(client API, net Network) *LoadBalancer {
	return &LoadBalancer{client: client, net: net}
}

// lbWant is the desired state with refs and defaults resolved.
type lbWant struct {
	scheme         string
	subnets, sgs   []string
	idleTimeoutSec int
}

func (p *LoadBalancer) want(ctx context.Context, env provision.Env, r plan.Resource) (lbWant, error) {
	props, err := provision.Decode[plan.LoadBalancerProps](r)
	if err != nil {
		return lbWant{}, err
	}
	w := lbWant{scheme: props.Scheme, subnets: props.SubnetIDs, idleTimeoutSec: props.IdleTimeoutSec}
	if w.scheme == "" {
		w.scheme = string(types.LoadBalancerSchemeEnumInternetFacing)
	}
	if w.idleTimeoutSec == 0 {
		w.idleTimeoutSec = defaultIdleTimeout
	}
	if len(w.subnets) == 0 {
		if _, w.subnets, err = p.net.DefaultNetwork(ctx); err != nil {
			return lbWant{}, err
		}
	}
	if w.sgs, err = resolveAll(env, props.SecurityGroups, props.SecurityGroupIDs); err != nil {
		return lbWant{}, err
	}
	return w, nil
}

// lookup returns the load balancer named r.Name, or nil.
func (p *LoadBalancer) lookup(ctx context.Context, r plan.Resource) (*types.LoadBalancer, error) {
	return describeByName(r, func() ([]types.LoadBalancer, error) {
		out, err := p.client.DescribeLoadBalancers(ctx, &elb.DescribeLoadBalancersInput{Names: []string{r.Name}})
		if err != nil {
			return nil, err
		}
		return out.LoadBalancers, nil
	})
}

func lbOutputs(r plan.Resource, lb *types.LoadBalancer) provision.Outputs {
	arn := aws.ToString(lb.LoadBalancerArn)
	dns := aws.ToString(lb.DNSName)
	return provision.Outputs{
		plan.AttrArn: arn, plan.AttrName: r.Name, plan.AttrFullName: fullName(arn),
		// "DnsName" is the provisioner contract's key, "DNSName" plan.AttrDNSName: both, so
		// refs written either way resolve.
		"DnsName": dns, plan.AttrDNSName: dns,
		"CanonicalHostedZoneId": aws.ToString(lb.CanonicalHostedZoneId),
	}
}

// idleTimeout reads the live idle timeout (AWS always reports it; moto omits the default).
func (p *LoadBalancer) idleTimeout(ctx context.Context, r plan.Resource, arn string) (int, error) {
	out, err := p.client.DescribeLoadBalancerAttributes(ctx, &elb.DescribeLoadBalancerAttributesInput{LoadBalancerArn: aws.String(arn)})
	if err != nil {
		return 0, provision.Classify(err, "describe attributes", string(r.Kind), r.Name)
	}
	for _, a := range out.Attributes {
		if aws.ToString(a.Key) == idleTimeoutKey {
			return strconv.Atoi(aws.ToString(a.Value))
		}
	}
	return defaultIdleTimeout, nil
}

func (p *LoadBalancer) diff(ctx context.Context, r plan.Resource, w lbWant, lb *types.LoadBalancer) (provision.Diffs, error) {
	var d provision.Diffs
	d.Add("scheme", w.scheme, lb.Scheme)
	var subnets []string
	for _, az := range lb.AvailabilityZones {
		subnets = append(subnets, aws.ToString(az.SubnetId))
	}
	d.Add("subnetIds", joined(w.subnets), joined(subnets))
	d.Add("securityGroups", joined(w.sgs), joined(lb.SecurityGroups))
	idle, err := p.idleTimeout(ctx, r, aws.ToString(lb.LoadBalancerArn))
	if err != nil {
		return nil, err
	}
	d.Add("idleTimeoutSec", w.idleTimeoutSec, idle)
	return d, nil
}

// Observe reports the load balancer; it is Ready once its state is active.
func (p *LoadBalancer) Observe(ctx context.Context, env provision.Env, r plan.Resource) (provision.Observation, error) {
	w, err := p.want(ctx, env, r)
	if err != nil {
		return provision.Observation{}, err
	}
	lb, err := p.lookup(ctx, r)
	if err != nil || lb == nil {
		return provision.Observation{}, err
	}
	obs := provision.Observation{Exists: true, Outputs: lbOutputs(r, lb),
		Ready: lb.State != nil && lb.State.Code == types.LoadBalancerStateEnumActive}
	return observeOwned(ctx, p.client, env, r, aws.ToString(lb.LoadBalancerArn), obs, func() (provision.Diffs, error) {
		return p.diff(ctx, r, w, lb)
	})
}

// Create makes the load balancer, or brings an existing one in line.
func (p *LoadBalancer) Create(ctx context.Context, env provision.Env, r plan.Resource) (provision.Outputs, error) {
	w, err := p.want(ctx, env, r)
	if err != nil {
		return nil, err
	}
	lb, err := p.lookup(ctx, r)
	if err != nil {
		return nil, err
	}
	if lb == nil {
		return p.create(ctx, env, r, w)
	}
	return p.update(ctx, env, r, w, lb)
}

// Update applies changed subnets, security groups and idle timeout. The scheme cannot
// change in place.
func (p *LoadBalancer) Update(ctx context.Context, env provision.Env, r plan.Resource) (provision.Outputs, error) {
	return p.Create(ctx, env, r)
}

func (p *LoadBalancer) create(ctx context.Context, env provision.Env, r plan.Resource, w lbWant) (provision.Outputs, error) {
	out, err := p.client.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{
		Name:           aws.String(r.Name),
		Type:           types.LoadBalancerTypeEnumApplication,
		Scheme:         types.LoadBalancerSchemeEnum(w.scheme),
		IpAddressType:  types.IpAddressTypeIpv4,
		Subnets:        w.subnets,
		SecurityGroups: w.sgs,
		Tags:           tags(env, r),
	})
	if err != nil {
		return nil, provision.Classify(err, "create", string(r.Kind), r.Name)
	}
	lb := &out.LoadBalancers[0]
	if w.idleTimeoutSec != defaultIdleTimeout {
		if err := p.setIdleTimeout(ctx, r, aws.ToString(lb.LoadBalancerArn), w.idleTimeoutSec); err != nil {
			return nil, err
		}
	}
	return lbOutputs(r, lb), nil
}

func (p *LoadBalancer) update(ctx context.Context, env provision.Env, r plan.Resource, w lbWant, lb *types.LoadBalancer) (provision.Outputs, error) {
	arn := aws.ToString(lb.LoadBalancerArn)
	if err := mustOwn(ctx, p.client, env, r, arn); err != nil {
		return nil, err
	}
	d, err := p.diff(ctx, r, w, lb)
	if err != nil {
		return nil, err
	}
	if d.Has("scheme") {
		return nil, immutable(r, "scheme", w.scheme, string(lb.Scheme))
	}
	if d.Has("subnetIds") {
		if _, err := p.client.SetSubnets(ctx, &elb.SetSubnetsInput{LoadBalancerArn: aws.String(arn), Subnets: w.subnets}); err != nil {
			return nil, provision.Classify(err, "set subnets", string(r.Kind), r.Name)
		}
	}
	if d.Has("securityGroups") {
		if _, err := p.client.SetSecurityGroups(ctx, &elb.SetSecurityGroupsInput{LoadBalancerArn: aws.String(arn), SecurityGroups: w.sgs}); err != nil {
			return nil, provision.Classify(err, "set security groups", string(r.Kind), r.Name)
		}
	}
	if d.Has("idleTimeoutSec") {
		if err := p.setIdleTimeout(ctx, r, arn, w.idleTimeoutSec); err != nil {
			return nil, err
		}
	}
	return lbOutputs(r, lb), nil
}

func (p *LoadBalancer) setIdleTimeout(ctx context.Context, r plan.Resource, arn string, sec int) error {
	_, err := p.client.ModifyLoadBalancerAttributes(ctx, &elb.ModifyLoadBalancerAttributesInput{
		LoadBalancerArn: aws.String(arn),
		Attributes:      []types.LoadBalancerAttribute{{Key: aws.String(idleTimeoutKey), Value: aws.String(strconv.Itoa(sec))}},
	})
	return provision.Classify(err, "set idle timeout", string(r.Kind), r.Name)
}

// Delete removes the load balancer (its listeners and rules go with it). Its target
// groups stay until their own delete; AWS releases the ALB's network interfaces over the
// next minutes, which is why deleting the security groups may be transient for a while.
func (p *LoadBalancer) Delete(ctx context.Context, env provision.Env, r plan.Resource) error {
	lb, err := p.lookup(ctx, r)
	if err != nil || lb == nil {
		return err
	}
	if err := mustOwn(ctx, p.client, env, r, aws.ToString(lb.LoadBalancerArn)); err != nil {
		return err
	}
	_, err = p.client.DeleteLoadBalancer(ctx, &elb.DeleteLoadBalancerInput{LoadBalancerArn: lb.LoadBalancerArn})
	return deleted(r, err)
}
