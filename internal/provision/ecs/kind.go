package ecs

import (
	"time"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// IAM actions of this package's kinds, from the SDK calls each verb makes (Service
// Authorization Reference, "Amazon Elastic Container Service": create calls with tags
// are also authorized as ecs:TagResource; DescribeTaskDefinition, ListTaskDefinitions
// and DeregisterTaskDefinition have no resource-level permissions; RegisterTaskDefinition
// passes the task and execution roles, iam:PassRole; CreateService first makes sure the
// ECS service-linked role exists, iam:CreateServiceLinkedRole). A service without
// configured subnets runs in the default VPC's (ec2 Describe*, no resource-level
// permissions), looked up whenever its desired state is computed, Observe included.
var (
	ecsResources = map[string]string{
		"ecs":                          "arn:${Partition}:ecs:${Region}:${Account}:cluster/berth-*",
		"ecs:CreateService":            "arn:${Partition}:ecs:${Region}:${Account}:service/berth-*/berth-*",
		"ecs:UpdateService":            "arn:${Partition}:ecs:${Region}:${Account}:service/berth-*/berth-*",
		"ecs:DeleteService":            "arn:${Partition}:ecs:${Region}:${Account}:service/berth-*/berth-*",
		"ecs:DescribeServices":         "arn:${Partition}:ecs:${Region}:${Account}:service/berth-*/berth-*",
		"ecs:RegisterTaskDefinition":   "arn:${Partition}:ecs:${Region}:${Account}:task-definition/berth-*:*",
		"ecs:DescribeTaskDefinition":   "*",
		"ecs:ListTaskDefinitions":      "*",
		"ecs:DeregisterTaskDefinition": "*",
		"iam:PassRole":                 "arn:${Partition}:iam::${Account}:role/berth-*",
		"iam:CreateServiceLinkedRole":  "arn:${Partition}:iam::${Account}:role/aws-service-role/ecs.amazonaws.com/*",
		"ec2":                          "*",
	}
	clusterPermissions = provision.Permissions{
		Observe:   []string{"ecs:DescribeClusters"},
		Create:    []string{"ecs:CreateCluster", "ecs:TagResource", "ecs:UpdateCluster"},
		Update:    []string{"ecs:UpdateCluster"},
		Delete:    []string{"ecs:DeleteCluster"},
		Resources: ecsResources,
	}
	taskDefinitionPermissions = provision.Permissions{
		Observe:   []string{"ecs:DescribeTaskDefinition", "ecs:ListTaskDefinitions"},
		Create:    []string{"ecs:RegisterTaskDefinition", "ecs:TagResource", "iam:PassRole"},
		Update:    []string{"ecs:RegisterTaskDefinition", "ecs:TagResource", "iam:PassRole"},
		Delete:    []string{"ecs:DeregisterTaskDefinition"},
		Resources: ecsResources,
	}
	servicePermissions = provision.Permissions{
		Observe:   []string{"ecs:DescribeServices", "ec2:DescribeVpcs", "ec2:DescribeSubnets"},
		Create:    []string{"ecs:CreateService", "ecs:TagResource", "iam:CreateServiceLinkedRole"},
		Update:    []string{"ecs:UpdateService"},
		Delete:    []string{"ecs:UpdateService", "ecs:DeleteService"},
		Resources: ecsResources,
	}
)

// Kinds describes the kinds Register adds.
var Kinds = []provision.Descriptor{
	{Kind: plan.KindCluster, Function: provision.FunctionCompute, Budget: provision.QuickBudget,
		Ownership: provision.OwnedByTags, Permissions: clusterPermissions, Describe: describeCluster},
	{Kind: plan.KindTaskDefinition, Function: provision.FunctionCompute, Budget: provision.QuickBudget,
		Ownership: provision.OwnedByTags, Permissions: taskDefinitionPermissions, Describe: describeTaskDefinition},
	{Kind: plan.KindService, Function: provision.FunctionCompute,
		Budget:    provision.Budget{Wait: 10 * time.Second, Limit: 30 * time.Minute}, // ECS stabilisation
		Ownership: provision.OwnedByTags, Permissions: servicePermissions, Describe: describeService,
		WaitsFor: "ECS tasks to start and pass health checks (usually 1–3 min)"},
}
