package ec2

import (
	"context"
	"sort"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/berth-dev/berth/internal/provision"
)

// NetworkAPI is what default-network discovery calls.
type NetworkAPI interface {
	DescribeVpcs(ctx context.Context, in *ec2.DescribeVpcsInput, opts ...func(*ec2.Options)) (*ec2.DescribeVpcsOutput, error)
	DescribeSubnets(ctx context.Context, in *ec2.DescribeSubnetsInput, opts ...func(*ec2.Options)) (*ec2.DescribeSubnetsOutput, error)
}

// Network finds the account's default VPC and its default-for-AZ subnets: where berth
// puts the ALB, target groups, tasks and security groups when the config has no
// deployment.awsVpc. A found network is remembered for the life of the value (one Lambda
// invocation): the default VPC does not move under a running deployment.
type Network struct {
	client NetworkAPI

	mu      sync.Mutex
	vpcID   string
	subnets []string
}

// NewNetwork returns a default-network finder.
func NewNetwork(client NetworkAPI) *Network { return &Network{client: client} }

// noDefaultVPC is the fix we tell the user when there is nothing to fall back on.
const noDefaultVPC = "this account and region have no default VPC with default subnets, and the config names none: set deployment.awsVpc (id, publicSubnets, privateSubnets) in serverless.containers.yml, or create a default VPC with `aws ec2 create-default-vpc`"

// DefaultNetwork returns the default VPC id and its default-for-AZ subnet ids (sorted).
// No default VPC (or one without default subnets) is a *provision.PreconditionError.
func (n *Network) DefaultNetwork(ctx context.Context) (vpcID string, subnetIDs []string, err error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.vpcID != "" {
		return n.vpcID, append([]string(nil), n.subnets...), nil
	}
	vpcs, err := n.client.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{
		Filters: []types.Filter{{Name: aws.String("is-default"), Values: []string{"true"}}},
	})
	if err != nil {
		return "", nil, provision.Classify(err, "describe", "AWS::EC2::VPC", "default")
	}
	if len(vpcs.Vpcs) == 0 {
		return "", nil, &provision.PreconditionError{Kind: "AWS::EC2::VPC", Name: "default", Problem: noDefaultVPC}
	}
	vpcID = aws.ToString(vpcs.Vpcs[0].VpcId)
	subnetIDs, err = n.defaultSubnets(ctx, vpcID)
	if err != nil {
		return "", nil, err
	}
	n.vpcID, n.subnets = vpcID, subnetIDs
	return vpcID, append([]string(nil), subnetIDs...), nil
}

func (n *Network) defaultSubnets(ctx context.Context, vpcID string) ([]string, error) {
	in := &ec2.DescribeSubnetsInput{Filters: []types.Filter{
		{Name: aws.String("vpc-id"), Values: []string{vpcID}},
		{Name: aws.String("default-for-az"), Values: []string{"true"}},
	}}
	var ids []string
	for p := ec2.NewDescribeSubnetsPaginator(n.client, in); p.HasMorePages(); {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, provision.Classify(err, "describe", "AWS::EC2::Subnet", vpcID)
		}
		for _, s := range out.Subnets {
			ids = append(ids, aws.ToString(s.SubnetId))
		}
	}
	if len(ids) == 0 {
		return nil, &provision.PreconditionError{Kind: "AWS::EC2::VPC", Name: vpcID, Problem: noDefaultVPC}
	}
	sort.Strings(ids)
	return ids, nil
}

// VPCOrDefault returns vpcID, or the default VPC's id when vpcID is "".
func (n *Network) VPCOrDefault(ctx context.Context, vpcID string) (string, error) {
	if vpcID != "" {
		return vpcID, nil
	}
	vpcID, _, err := n.DefaultNetwork(ctx)
	return vpcID, err
}
