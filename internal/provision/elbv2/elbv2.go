// Package elbv2 provisions the Application Load Balancer side of Fargate containers (and
// of every container of a private app): the load balancer, its HTTP listener, one target
// group and one listener rule per container, and a private app's Lambda function
// registered in its lambda target group.
package elbv2

import (
	"context"
	"github.com/aws/aws-sdk-go-v2/aws"

	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// API is the part of the ELBv2 client this package calls; *elasticloadbalancingv2.Client
// satisfies it.
type API interface {
	DescribeTags(ctx context.Context, in *elb.DescribeTagsInput, opts ...func(*elb.Options)) (*elb.DescribeTagsOutput, error)

	DescribeLoadBalancers(ctx context.Context, in *elb.DescribeLoadBalancersInput, opts ...func(*elb.Options)) (*elb.DescribeLoadBalancersOutput, error)
	CreateLoadBalancer(ctx context.Context, in *elb.CreateLoadBalancerInput, opts ...func(*elb.Options)) (*elb.CreateLoadBalancerOutput, error)
	DeleteLoadBalancer(ctx context.Context, in *elb.DeleteLoadBalancerInput, opts ...func(*elb.Options)) (*elb.DeleteLoadBalancerOutput, error)
	SetSubnets(ctx context.Context, in *elb.SetSubnetsInput, opts ...func(*elb.Options)) (*elb.SetSubnetsOutput, error)
	SetSecurityGroups(ctx context.Context, in *elb.SetSecurityGroupsInput, opts ...func(*elb.Options)) (*elb.SetSecurityGroupsOutput, error)
	DescribeLoadBalancerAttributes(ctx context.Context, in *elb.DescribeLoadBalancerAttributesInput, opts ...func(*elb.Options)) (*elb.DescribeLoadBalancerAttributesOutput, error)
	ModifyLoadBalancerAttributes(ctx context.Context, in *elb.ModifyLoadBalancerAttributesInput, opts ...func(*elb.Options)) (*elb.ModifyLoadBalancerAttributesOutput, error)

	DescribeTargetGroups(ctx context.Context, in *elb.DescribeTargetGroupsInput, opts ...func(*elb.Options)) (*elb.DescribeTargetGroupsOutput, error)
	CreateTargetGroup(ctx context.Context, in *elb.CreateTargetGroupInput, opts ...func(*elb.Options)) (*elb.CreateTargetGroupOutput, error)
	ModifyTargetGroup(ctx context.Context, in *elb.ModifyTargetGroupInput, opts ...func(*elb.Options)) (*elb.ModifyTargetGroupOutput, error)
	DeleteTargetGroup(ctx context.Context, in *elb.DeleteTargetGroupInput, opts ...func(*elb.Options)) (*elb.DeleteTargetGroupOutput, error)
	DescribeTargetGroupAttributes(ctx context.Context, in *elb.DescribeTargetGroupAttributesInput, opts ...func(*elb.Options)) (*elb.DescribeTargetGroupAttributesOutput, error)
	ModifyTargetGroupAttributes(ctx context.Context, in *elb.ModifyTargetGroupAttributesInput, opts ...func(*elb.Options)) (*elb.ModifyTargetGroupAttributesOutput, error)
	DescribeTargetHealth(ctx context.Context, in *elb.DescribeTargetHealthInput, opts ...func(*elb.Options)) (*elb.DescribeTargetHealthOutput, error)
	RegisterTargets(ctx context.Context, in *elb.RegisterTargetsInput, opts ...func(*elb.Options)) (*elb.RegisterTargetsOutput, error)
	DeregisterTargets(ctx context.Context, in *elb.DeregisterTargetsInput, opts ...func(*elb.Options)) (*elb.DeregisterTargetsOutput, error)

	DescribeListeners(ctx context.Context, in *elb.DescribeListenersInput, opts ...func(*elb.Options)) (*elb.DescribeListenersOutput, error)
	CreateListener(ctx context.Context, in *elb.CreateListenerInput, opts ...func(*elb.Options)) (*elb.CreateListenerOutput, error)
	ModifyListener(ctx context.Context, in *elb.ModifyListenerInput, opts ...func(*elb.Options)) (*elb.ModifyListenerOutput, error)
	DeleteListener(ctx context.Context, in *elb.DeleteListenerInput, opts ...func(*elb.Options)) (*elb.DeleteListenerOutput, error)

	DescribeRules(ctx context.Context, in *elb.DescribeRulesInput, opts ...func(*elb.Options)) (*elb.DescribeRulesOutput, error)
	CreateRule(ctx context.Context, in *elb.CreateRuleInput, opts ...func(*elb.Options)) (*elb.CreateRuleOutput, error)
	ModifyRule(ctx context.Context, in *elb.ModifyRuleInput, opts ...func(*elb.Options)) (*elb.ModifyRuleOutput, error)
	SetRulePriorities(ctx context.Context, in *elb.SetRulePrioritiesInput, opts ...func(*elb.Options)) (*elb.SetRulePrioritiesOutput, error)
	DeleteRule(ctx context.Context, in *elb.DeleteRuleInput, opts ...func(*elb.Options)) (*elb.DeleteRuleOutput, error)
}

// Network finds the default VPC and subnets when the config names none (ec2.Network).
type Network interface {
	DefaultNetwork(ctx context.Context) (vpcID string, subnetIDs []string, err error)
}

// ClientFactory returns the ELBv2 client for a region.
type ClientFactory func(region string) API

// Clients is the ClientFactory of real SDK clients built from cfg.
func Clients(cfg aws.Config) ClientFactory {
	return func(region string) API {
		return elb.NewFromConfig(cfg, func(o *elb.Options) { o.Region = region })
	}
}

// Register adds this package's kinds to reg; each resource's region picks its client and
// default network.
func Register(reg provision.Registry, clients ClientFactory, networks func(region string) Network) {
	byRegion := func(build func(API, Network) provision.Provisioner) provision.Provisioner {
		return provision.ByRegion(func(region string) provision.Provisioner { return build(clients(region), networks(region)) })
	}
	reg[plan.KindLoadBalancer] = byRegion(func(c API, n Network) provision.Provisioner { return NewLoadBalancer(c, n) })
	reg[plan.KindTargetGroup] = byRegion(NewTargetGroup)
	reg[plan.KindListener] = byRegion(func(c API, _ Network) provision.Provisioner { return NewListener(c) })
	reg[plan.KindListenerRule] = byRegion(func(c API, _ Network) provision.Provisioner { return NewListenerRule(c) })
	reg[plan.KindLambdaTarget] = byRegion(func(c API, _ Network) provision.Provisioner { return NewLambdaTarget(c) })
}
