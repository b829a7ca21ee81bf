// Package ec2 provisions the VPC-level pieces berth needs for Fargate containers (security
// groups) and finds the account's default network when the config names no VPC.
package ec2

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// API is the part of the EC2 client this package calls; *ec2.Client satisfies it.
type API interface {
	NetworkAPI
	DescribeSecurityGroups(ctx context.Context, in *ec2.DescribeSecurityGroupsInput, opts ...func(*ec2.Options)) (*ec2.DescribeSecurityGroupsOutput, error)
	CreateSecurityGroup(ctx context.Context, in *ec2.CreateSecurityGroupInput, opts ...func(*ec2.Options)) (*ec2.CreateSecurityGroupOutput, error)
	DeleteSecurityGroup(ctx context.Context, in *ec2.DeleteSecurityGroupInput, opts ...func(*ec2.Options)) (*ec2.DeleteSecurityGroupOutput, error)
	AuthorizeSecurityGroupIngress(ctx context.Context, in *ec2.AuthorizeSecurityGroupIngressInput, opts ...func(*ec2.Options)) (*ec2.AuthorizeSecurityGroupIngressOutput, error)
	RevokeSecurityGroupIngress(ctx context.Context, in *ec2.RevokeSecurityGroupIngressInput, opts ...func(*ec2.Options)) (*ec2.RevokeSecurityGroupIngressOutput, error)
}

// Register adds this package's kinds to reg. net is shared with the ELBv2 and ECS
// provisioners so the default network is looked up once per invocation.
func Register(reg provision.Registry, client API, net *Network) {
	reg[plan.KindSecurityGroup] = NewSecurityGroup(client, net)
	reg[plan.KindSecurityGroupIngress] = NewGroupIngress(client, net)
}
