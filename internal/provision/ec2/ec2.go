// Package ec2 provisions the VPC-level pieces berth needs for Fargate containers (security
// groups) and finds the account's default network when the config names no VPC.
package ec2

import (
	"context"
	"github.com/aws/aws-sdk-go-v2/aws"

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

// ClientFactory returns the EC2 client for a region.
type ClientFactory func(region string) API

// Clients is the ClientFactory of real SDK clients built from cfg.
func Clients(cfg aws.Config) ClientFactory {
	return func(region string) API {
		return ec2.NewFromConfig(cfg, func(o *ec2.Options) { o.Region = region })
	}
}

// Register adds this package's kinds to reg. networks is shared with the ELBv2 and ECS
// provisioners so each region's default network is looked up once per invocation.
func Register(reg provision.Registry, clients ClientFactory, networks func(region string) *Network) {
	reg[plan.KindSecurityGroup] = provision.ByRegion(func(region string) provision.Provisioner {
		return NewSecurityGroup(clients(region), networks(region))
	})
	reg[plan.KindSecurityGroupIngress] = provision.ByRegion(func(region string) provision.Provisioner {
		return NewGroupIngress(clients(region), networks(region))
	})
}
