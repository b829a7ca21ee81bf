package lambda

import (
	"time"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// IAM actions of this package's kinds, from the SDK calls each verb makes (Service
// Authorization Reference, "AWS Lambda" and "AWS Identity and Access Management":
// CreateFunction with Tags is also authorized as lambda:TagResource and passes the
// execution role, iam:PassRole; UpdateFunctionConfiguration passes it again). Secret
// environment values are read through env.Secrets, ssm:GetParameter WithDecryption,
// which for SecureString parameters also needs kms:Decrypt on the key (Systems Manager
// User Guide, "Restricting access to Parameter Store parameters using IAM policies").
// A function with a VPC config needs the caller to describe its security groups, subnets
// and VPC (Lambda DG, "Giving Lambda functions access to resources in an Amazon VPC");
// one with an ECR image, to read and extend the repository policy so Lambda may pull it
// (Lambda DG, "Amazon ECR permissions"; iam-coverage F8 — template.yaml grants
// SetRepositoryPolicy only on the repositories the installer lists).
var (
	fnResources = map[string]string{
		"lambda":           "arn:${Partition}:lambda:${Region}:${Account}:function:berth-*",
		"iam:PassRole":     "arn:${Partition}:iam::${Account}:role/berth-*",
		"ssm:GetParameter": "arn:${Partition}:ssm:${Region}:${Account}:parameter/berth/*",
		"kms:Decrypt":      "arn:${Partition}:kms:${Region}:${Account}:key/*",
		"ec2":              "*",
		"ecr":              "arn:${Partition}:ecr:${Region}:${Account}:repository/*",
	}
	functionPermissions = provision.Permissions{
		Observe: []string{"lambda:GetFunction", "ssm:GetParameter", "kms:Decrypt"},
		Create: []string{"lambda:CreateFunction", "lambda:TagResource", "iam:PassRole", "ssm:GetParameter", "kms:Decrypt",
			"ec2:DescribeSecurityGroups", "ec2:DescribeSubnets", "ec2:DescribeVpcs", "ecr:GetRepositoryPolicy", "ecr:SetRepositoryPolicy"},
		Update: []string{"lambda:UpdateFunctionConfiguration", "lambda:UpdateFunctionCode", "iam:PassRole", "ssm:GetParameter", "kms:Decrypt",
			"ec2:DescribeSecurityGroups", "ec2:DescribeSubnets", "ec2:DescribeVpcs", "ecr:GetRepositoryPolicy", "ecr:SetRepositoryPolicy"},
		Delete:    []string{"lambda:DeleteFunction"},
		Resources: fnResources,
	}
	functionURLPermissions = provision.Permissions{
		Observe:   []string{"lambda:GetFunctionUrlConfig", "lambda:ListTags"},
		Create:    []string{"lambda:CreateFunctionUrlConfig"},
		Update:    []string{"lambda:UpdateFunctionUrlConfig"},
		Delete:    []string{"lambda:DeleteFunctionUrlConfig"},
		Resources: fnResources,
	}
	permissionPermissions = provision.Permissions{
		Observe:   []string{"lambda:GetFunction", "lambda:GetPolicy"},
		Create:    []string{"lambda:AddPermission"},
		Update:    []string{"lambda:AddPermission", "lambda:RemovePermission"},
		Delete:    []string{"lambda:RemovePermission"},
		Resources: fnResources,
	}
	// Lambda@Edge lives in us-east-1; publishing a version is what CloudFront replicates.
	edgeFunctionPermissions = provision.Permissions{
		Observe: []string{"lambda:GetFunction", "lambda:ListVersionsByFunction"},
		Create:  []string{"lambda:CreateFunction", "lambda:TagResource", "lambda:PublishVersion", "iam:PassRole"},
		Update:  []string{"lambda:UpdateFunctionConfiguration", "lambda:UpdateFunctionCode", "lambda:PublishVersion", "iam:PassRole"},
		Delete:  []string{"lambda:DeleteFunction"},
		Resources: map[string]string{
			"lambda":       "arn:${Partition}:lambda:us-east-1:${Account}:function:berth-*",
			"iam:PassRole": "arn:${Partition}:iam::${Account}:role/berth-*",
		},
	}
)

// Kinds describes the kinds Register adds. A function's URL and its policy statements
// belong to the function, whose tags decide.
var Kinds = []provision.Descriptor{
	{Kind: plan.KindFunction, Function: provision.FunctionCompute, Budget: provision.QuickBudget,
		Ownership: provision.OwnedByTags, Permissions: functionPermissions, Describe: describeFunction,
		WaitsFor: "Lambda to make the function Active (usually under 1 min)"},
	{Kind: plan.KindFunctionURL, Function: provision.FunctionCompute, Budget: provision.QuickBudget,
		Ownership: provision.OwnedByParentTags, Permissions: functionURLPermissions, Describe: describeWithFunction},
	{Kind: plan.KindPermission, Function: provision.FunctionCompute, Budget: provision.QuickBudget,
		Ownership: provision.OwnedByParentTags, Permissions: permissionPermissions, Describe: describeWithFunction},
	{Kind: plan.KindEdgeFunctionVersion, Function: provision.FunctionCDN,
		Budget:    provision.Budget{Wait: 30 * time.Second, Limit: 4 * time.Hour}, // replicas linger after disassociation
		Ownership: provision.OwnedByTags, Permissions: edgeFunctionPermissions, Describe: describeEdgeVersion,
		WaitsFor: "Lambda@Edge replicas (minutes; hours when deleting)"},
}
