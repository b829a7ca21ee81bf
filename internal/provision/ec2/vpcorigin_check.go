package ec2

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// CheckAPI is what CheckVpcOriginNetwork reads.
type CheckAPI interface {
	NetworkAPI
	DescribeInternetGateways(ctx context.Context, in *ec2.DescribeInternetGatewaysInput, opts ...func(*ec2.Options)) (*ec2.DescribeInternetGatewaysOutput, error)
}

// CheckVpcOriginNetwork checks, before anything is created, what a CloudFront VPC origin
// and the internal ALB behind it need from the network; vpcID "" is the default VPC and
// subnetIDs then its default subnets:
//   - an internet gateway attached to the VPC. CloudFront requires one before it creates
//     a VPC origin, though no traffic goes through it and no route table needs it
//     ("Restrict access with VPC origins", prerequisites,
//     https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-vpc-origins.html);
//   - subnets in at least two Availability Zones, which an Application Load Balancer
//     requires (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html#availability-zones).
//
// A private app (private) has no VPC origin, so only the subnets are checked.
//
// Problems come back as sentences naming the config key and the fix; nil means none.
func CheckVpcOriginNetwork(ctx context.Context, api CheckAPI, net *Network, vpcID string, subnetIDs []string, private bool) ([]string, error) {
	key, subnetKey := "deployment.awsVpc.id", "deployment.awsVpc.privateSubnets"
	if vpcID == "" {
		var err error
		key, subnetKey = "deployment.awsVpc (not set: the default VPC)", "deployment.awsVpc (not set: the default VPC's subnets)"
		if vpcID, subnetIDs, err = net.DefaultNetwork(ctx); err != nil {
			return nil, err
		}
	}
	var problems []string
	if !private {
		p, err := checkGateway(ctx, api, key, vpcID)
		if err != nil {
			return nil, err
		}
		problems = append(problems, p...)
	}
	if len(subnetIDs) > 0 {
		out, err := api.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: subnetIDs})
		if err != nil {
			return nil, fmt.Errorf("describe subnets %s: %w", strings.Join(subnetIDs, ", "), err)
		}
		zones := map[string]bool{}
		for _, s := range out.Subnets {
			zones[aws.ToString(s.AvailabilityZone)] = true
		}
		if len(zones) < 2 {
			names := make([]string, 0, len(zones))
			for z := range zones {
				names = append(names, z)
			}
			sort.Strings(names)
			problems = append(problems, fmt.Sprintf("%s: subnets %s are in %d Availability Zone(s) (%s), and an Application Load Balancer needs subnets in at least 2: list a subnet of another zone", subnetKey, strings.Join(subnetIDs, ", "), len(zones), strings.Join(names, ", ")))
		}
	}
	return problems, nil
}

// checkGateway: CloudFront creates a VPC origin only in a VPC with an internet gateway.
func checkGateway(ctx context.Context, api CheckAPI, key, vpcID string) ([]string, error) {
	igw, err := api.DescribeInternetGateways(ctx, &ec2.DescribeInternetGatewaysInput{Filters: []types.Filter{
		{Name: aws.String("attachment.vpc-id"), Values: []string{vpcID}},
	}})
	if err != nil {
		return nil, fmt.Errorf("describe internet gateways of %s: %w", vpcID, err)
	}
	if len(igw.InternetGateways) == 0 {
		return []string{fmt.Sprintf("%s: VPC %s has no internet gateway attached, and CloudFront creates a VPC origin (how it reaches the internal load balancer of Fargate containers) only in a VPC with one; it carries no traffic and needs no route: attach one (aws ec2 create-internet-gateway, then aws ec2 attach-internet-gateway --vpc-id %s --internet-gateway-id <id>)", key, vpcID, vpcID)}, nil
	}
	return nil, nil
}
