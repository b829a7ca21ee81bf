// Package ecs provisions the ECS side of Fargate containers: the app's cluster, one task
// definition family and one service per container.
package ecs

import (
	"context"
	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// API is the part of the ECS client this package calls; *ecs.Client satisfies it.
type API interface {
	DescribeClusters(ctx context.Context, in *ecs.DescribeClustersInput, opts ...func(*ecs.Options)) (*ecs.DescribeClustersOutput, error)
	CreateCluster(ctx context.Context, in *ecs.CreateClusterInput, opts ...func(*ecs.Options)) (*ecs.CreateClusterOutput, error)
	UpdateCluster(ctx context.Context, in *ecs.UpdateClusterInput, opts ...func(*ecs.Options)) (*ecs.UpdateClusterOutput, error)
	DeleteCluster(ctx context.Context, in *ecs.DeleteClusterInput, opts ...func(*ecs.Options)) (*ecs.DeleteClusterOutput, error)

	DescribeTaskDefinition(ctx context.Context, in *ecs.DescribeTaskDefinitionInput, opts ...func(*ecs.Options)) (*ecs.DescribeTaskDefinitionOutput, error)
	ListTaskDefinitions(ctx context.Context, in *ecs.ListTaskDefinitionsInput, opts ...func(*ecs.Options)) (*ecs.ListTaskDefinitionsOutput, error)
	RegisterTaskDefinition(ctx context.Context, in *ecs.RegisterTaskDefinitionInput, opts ...func(*ecs.Options)) (*ecs.RegisterTaskDefinitionOutput, error)
	DeregisterTaskDefinition(ctx context.Context, in *ecs.DeregisterTaskDefinitionInput, opts ...func(*ecs.Options)) (*ecs.DeregisterTaskDefinitionOutput, error)

	DescribeServices(ctx context.Context, in *ecs.DescribeServicesInput, opts ...func(*ecs.Options)) (*ecs.DescribeServicesOutput, error)
	CreateService(ctx context.Context, in *ecs.CreateServiceInput, opts ...func(*ecs.Options)) (*ecs.CreateServiceOutput, error)
	UpdateService(ctx context.Context, in *ecs.UpdateServiceInput, opts ...func(*ecs.Options)) (*ecs.UpdateServiceOutput, error)
	DeleteService(ctx context.Context, in *ecs.DeleteServiceInput, opts ...func(*ecs.Options)) (*ecs.DeleteServiceOutput, error)
}

// ServiceLinkedRoleAPI creates ECS's service-linked role on first use; *iam.Client
// satisfies it.
type ServiceLinkedRoleAPI interface {
	CreateServiceLinkedRole(ctx context.Context, in *iam.CreateServiceLinkedRoleInput, opts ...func(*iam.Options)) (*iam.CreateServiceLinkedRoleOutput, error)
}

// Network finds the default VPC's subnets when the config names none (ec2.Network).
type Network interface {
	DefaultNetwork(ctx context.Context) (vpcID string, subnetIDs []string, err error)
}

// Register adds this package's kinds to reg. roles may be nil: an account whose ECS
// service-linked role is missing then gets a *provision.PreconditionError with the fix.
// IAM is global: roles is one client. Each resource's region picks its ECS client and
// default network.
func Register(reg provision.Registry, clients ClientFactory, networks func(region string) Network, roles ServiceLinkedRoleAPI) {
	reg[plan.KindCluster] = provision.ByRegion(func(region string) provision.Provisioner { return NewCluster(clients(region)) })
	tds := provision.PerRegion(func(region string) *TaskDefinition { return NewTaskDefinition(clients(region)) })
	reg[plan.KindTaskDefinition] = taskDefinitions{provision.ByRegion(func(region string) provision.Provisioner { return tds(region) }), tds}
	reg[plan.KindService] = provision.ByRegion(func(region string) provision.Provisioner {
		return NewService(clients(region), networks(region), roles)
	})
}

// ClientFactory returns the ECS client for a region.
type ClientFactory func(region string) API

// Clients is the ClientFactory of real SDK clients built from cfg.
func Clients(cfg aws.Config) ClientFactory {
	return func(region string) API {
		return ecs.NewFromConfig(cfg, func(o *ecs.Options) { o.Region = region })
	}
}

// taskDefinitions keeps TaskDefinition's Prune, which the commit step looks for, visible
// behind provision.ByRegion.
type taskDefinitions struct {
	provision.Provisioner
	byRegion func(region string) *TaskDefinition
}

// Prune is TaskDefinition.Prune in r's region.
func (t taskDefinitions) Prune(ctx context.Context, env provision.Env, r plan.Resource, keep provision.Outputs) error {
	return t.byRegion(provision.RegionOf(env, r)).Prune(ctx, env, r, keep)
}
