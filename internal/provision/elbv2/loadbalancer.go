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

// lbLive is a load balancer with its tags.
type lbLive struct {
	lb   types.LoadBalancer
	tags map[string]string
}

type lbCall = provision.Call[API, lbWant]

// NewLoadBalancer returns the provisioner of AWS::ElasticLoadBalancingV2::LoadBalancer
// (application), found by name. Deleting it deletes its listeners and rules; its target
// groups stay until their own delete, and AWS releases the ALB's network interfaces over
// the next minutes, which is why deleting the security groups may be transient for a
// while.
func NewLoadBalancer(client API, net Network) provision.Provisioner {
	return provision.Adapt(provision.Kind[API, lbWant, lbLive]{
		Clients: func(string) API { return client },
		Desired: func(_ context.Context, c *lbCall) (lbWant, error) { return lbProps(c.R) },
		Find:    lookupLB,
		Owned:   func(c *lbCall, l *lbLive) bool { return provision.Owned(c.Env, c.R, l.tags) },
		Diff: func(ctx context.Context, c *lbCall, l *lbLive) (provision.Diffs, error) {
			if err := resolveLB(ctx, net, c); err != nil {
				return nil, err
			}
			return lbDiff(ctx, c.API, c.Props, &l.lb)
		},
		Ready:   func(l *lbLive) bool { return l.lb.State != nil && l.lb.State.Code == types.LoadBalancerStateEnumActive },
		Outputs: func(c *lbCall, l *lbLive) provision.Outputs { return lbOutputs(c.R, &l.lb) },
		Create: func(ctx context.Context, c *lbCall) (provision.Outputs, error) {
			if err := resolveLB(ctx, net, c); err != nil {
				return nil, err
			}
			return createLB(ctx, c)
		},
		Converge: convergeLB,
		Remove: func(ctx context.Context, c *lbCall, l *lbLive) error {
			_, err := c.API.DeleteLoadBalancer(ctx, &elb.DeleteLoadBalancerInput{LoadBalancerArn: l.lb.LoadBalancerArn})
			return err
		},
	})
}

// lbWant is the desired state with refs and defaults resolved.
type lbWant struct {
	props          plan.LoadBalancerProps
	scheme         string
	subnets, sgs   []string
	idleTimeoutSec int
}

func lbProps(r plan.Resource) (lbWant, error) {
	props, err := provision.Decode[plan.LoadBalancerProps](r)
	if err != nil {
		return lbWant{}, err
	}
	w := lbWant{props: props, scheme: props.Scheme, subnets: props.SubnetIDs, idleTimeoutSec: props.IdleTimeoutSec}
	if w.scheme == "" {
		w.scheme = string(types.LoadBalancerSchemeEnumInternetFacing)
	}
	if w.idleTimeoutSec == 0 {
		w.idleTimeoutSec = defaultIdleTimeout
	}
	return w, nil
}

// resolveLB fills in the default subnets and the security groups' ids. They are looked
// up only to compare or create: deleting needs neither.
func resolveLB(ctx context.Context, net Network, c *lbCall) error {
	w := &c.Props
	var err error
	if len(w.subnets) == 0 {
		if _, w.subnets, err = net.DefaultNetwork(ctx); err != nil {
			return err
		}
	}
	w.sgs, err = resolveAll(c.Env, w.props.SecurityGroups, w.props.SecurityGroupIDs)
	return err
}

func lookupLB(ctx context.Context, c *lbCall) (*lbLive, error) {
	out, err := c.API.DescribeLoadBalancers(ctx, &elb.DescribeLoadBalancersInput{Names: []string{c.R.Name}})
	if err != nil || len(out.LoadBalancers) == 0 {
		return nil, err
	}
	lb := out.LoadBalancers[0]
	arn := aws.ToString(lb.LoadBalancerArn)
	t, err := tagsOf(ctx, c.API, []string{arn})
	if err != nil {
		return nil, err
	}
	return &lbLive{lb: lb, tags: t[arn]}, nil
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
func idleTimeout(ctx context.Context, client API, arn string) (int, error) {
	out, err := client.DescribeLoadBalancerAttributes(ctx, &elb.DescribeLoadBalancerAttributesInput{LoadBalancerArn: aws.String(arn)})
	if err != nil {
		return 0, err
	}
	for _, a := range out.Attributes {
		if aws.ToString(a.Key) == idleTimeoutKey {
			return strconv.Atoi(aws.ToString(a.Value))
		}
	}
	return defaultIdleTimeout, nil
}

func lbDiff(ctx context.Context, client API, w lbWant, lb *types.LoadBalancer) (provision.Diffs, error) {
	var d provision.Diffs
	d.Add("scheme", w.scheme, lb.Scheme)
	var subnets []string
	for _, az := range lb.AvailabilityZones {
		subnets = append(subnets, aws.ToString(az.SubnetId))
	}
	d.Add("subnetIds", joined(w.subnets), joined(subnets))
	d.Add("securityGroups", joined(w.sgs), joined(lb.SecurityGroups))
	idle, err := idleTimeout(ctx, client, aws.ToString(lb.LoadBalancerArn))
	if err != nil {
		return nil, err
	}
	d.Add("idleTimeoutSec", w.idleTimeoutSec, idle)
	return d, nil
}

func createLB(ctx context.Context, c *lbCall) (provision.Outputs, error) {
	r, w := c.R, c.Props
	out, err := c.API.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{
		Name:           aws.String(r.Name),
		Type:           types.LoadBalancerTypeEnumApplication,
		Scheme:         types.LoadBalancerSchemeEnum(w.scheme),
		IpAddressType:  types.IpAddressTypeIpv4,
		Subnets:        w.subnets,
		SecurityGroups: w.sgs,
		Tags:           tags(c.Env, r),
	})
	if err != nil {
		return nil, err
	}
	lb := &out.LoadBalancers[0]
	if w.idleTimeoutSec != defaultIdleTimeout {
		if err := setIdleTimeout(ctx, c.API, aws.ToString(lb.LoadBalancerArn), w.idleTimeoutSec); err != nil {
			return nil, err
		}
	}
	return lbOutputs(r, lb), nil
}

// convergeLB applies changed subnets, security groups and idle timeout. The scheme
// cannot change in place.
func convergeLB(ctx context.Context, c *lbCall, l *lbLive, d provision.Diffs) (provision.Outputs, error) {
	r, w, lb := c.R, c.Props, &l.lb
	arn := aws.ToString(lb.LoadBalancerArn)
	if d.Has("scheme") {
		return nil, immutable(r, "scheme", w.scheme, string(lb.Scheme))
	}
	if d.Has("subnetIds") {
		if _, err := c.API.SetSubnets(ctx, &elb.SetSubnetsInput{LoadBalancerArn: aws.String(arn), Subnets: w.subnets}); err != nil {
			return nil, err
		}
	}
	if d.Has("securityGroups") {
		if _, err := c.API.SetSecurityGroups(ctx, &elb.SetSecurityGroupsInput{LoadBalancerArn: aws.String(arn), SecurityGroups: w.sgs}); err != nil {
			return nil, err
		}
	}
	if d.Has("idleTimeoutSec") {
		if err := setIdleTimeout(ctx, c.API, arn, w.idleTimeoutSec); err != nil {
			return nil, err
		}
	}
	return lbOutputs(r, lb), nil
}

func setIdleTimeout(ctx context.Context, client API, arn string, sec int) error {
	_, err := client.ModifyLoadBalancerAttributes(ctx, &elb.ModifyLoadBalancerAttributesInput{
		LoadBalancerArn: aws.String(arn),
		Attributes:      []types.LoadBalancerAttribute{{Key: aws.String(idleTimeoutKey), Value: aws.String(strconv.Itoa(sec))}},
	})
	return err
}
