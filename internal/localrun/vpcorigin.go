package localrun

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"

	"github.com/berth-dev/berth/internal/plan"
)

// attachDefaultInternetGateway gives moto's default VPC the internet gateway every AWS
// default VPC has ("Default VPCs": a default VPC comes with an internet gateway,
// https://docs.aws.amazon.com/vpc/latest/userguide/default-vpc.html); moto creates the
// VPC without one, and CloudFront VPC origins need it.
func (e *Env) attachDefaultInternetGateway(ctx context.Context) error {
	c := ec2.NewFromConfig(e.AWS)
	vpcs, err := c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: []ec2types.Filter{{Name: aws.String("is-default"), Values: []string{"true"}}}})
	if err != nil || len(vpcs.Vpcs) == 0 {
		return err
	}
	igw, err := c.CreateInternetGateway(ctx, &ec2.CreateInternetGatewayInput{})
	if err != nil {
		return err
	}
	_, err = c.AttachInternetGateway(ctx, &ec2.AttachInternetGatewayInput{InternetGatewayId: igw.InternetGateway.InternetGatewayId, VpcId: vpcs.Vpcs[0].VpcId})
	return err
}

// vpcOriginEffects is what CloudFront does in EC2 when it creates a VPC origin, for the
// CloudFront fake (which cannot see EC2): it refuses a VPC without an internet gateway and
// creates CloudFront-VPCOrigins-Service-SG in the load balancer's VPC ("Restrict access
// with VPC origins", CloudFront Developer Guide).
func (e *Env) vpcOriginEffects(ctx context.Context, albArn string) error {
	lbs, err := elasticloadbalancingv2.NewFromConfig(e.AWS).DescribeLoadBalancers(ctx, &elasticloadbalancingv2.DescribeLoadBalancersInput{LoadBalancerArns: []string{albArn}})
	if err != nil {
		return err
	}
	if len(lbs.LoadBalancers) == 0 {
		return errors.New("no load balancer " + albArn)
	}
	vpc := aws.ToString(lbs.LoadBalancers[0].VpcId)
	c := ec2.NewFromConfig(e.AWS)
	igw, err := c.DescribeInternetGateways(ctx, &ec2.DescribeInternetGatewaysInput{Filters: []ec2types.Filter{{Name: aws.String("attachment.vpc-id"), Values: []string{vpc}}}})
	if err != nil {
		return err
	}
	if len(igw.InternetGateways) == 0 {
		return fmt.Errorf("VPC %s has no internet gateway attached", vpc)
	}
	sgs, err := c.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: []ec2types.Filter{
		{Name: aws.String("group-name"), Values: []string{plan.CloudFrontVpcOriginsGroup}},
		{Name: aws.String("vpc-id"), Values: []string{vpc}},
	}})
	if err != nil || len(sgs.SecurityGroups) > 0 {
		return err
	}
	_, err = c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String(plan.CloudFrontVpcOriginsGroup),
		Description: aws.String("CloudFront VPC origins"), VpcId: aws.String(vpc)})
	return err
}
