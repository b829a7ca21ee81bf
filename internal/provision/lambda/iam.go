package lambda

import (
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
	FunctionPermissions = provision.Permissions{Kind: plan.KindFunction,
		Observe: []string{"lambda:GetFunction", "ssm:GetParameter", "kms:Decrypt"},
		Create: []string{"lambda:CreateFunction", "lambda:TagResource", "iam:PassRole", "ssm:GetParameter", "kms:Decrypt",
			"ec2:DescribeSecurityGroups", "ec2:DescribeSubnets", "ec2:DescribeVpcs", "ecr:GetRepositoryPolicy", "ecr:SetRepositoryPolicy"},
		Update: []string{"lambda:UpdateFunctionConfiguration", "lambda:UpdateFunctionCode", "iam:PassRole", "ssm:GetParameter", "kms:Decrypt",
			"ec2:DescribeSecurityGroups", "ec2:DescribeSubnets", "ec2:DescribeVpcs", "ecr:GetRepositoryPolicy", "ecr:SetRepositoryPolicy"},
		Delete:    []string{"lambda:DeleteFunction"},
		Resources: fnResources,
	}
	FunctionURLPermissions = provision.Permissions{Kind: plan.KindFunctionURL,
		Observe:   []string{"lambda:GetFunctionUrlConfig", "lambda:ListTags"},
		Create:    []string{"lambda:CreateFunctionUrlConfig"},
		Update:    []string{"lambda:UpdateFunctionUrlConfig"},
		Delete:    []string{"lambda:DeleteFunctionUrlConfig"},
		Resources: fnResources,
	}
	PermissionPermissions = provision.Permissions{Kind: plan.KindPermission,
		Observe:   []string{"lambda:GetFunction", "lambda:GetPolicy"},
		Create:    []string{"lambda:AddPermission"},
		Update:    []string{"lambda:AddPermission", "lambda:RemovePermission"},
		Delete:    []string{"lambda:RemovePermission"},
		Resources: fnResources,
	}
	// Lambda@Edge lives in us-east-1; publishing a version is what CloudFront replicates.
	EdgeFunctionPermissions = provision.Permissions{Kind: plan.KindEdgeFunctionVersion,
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

// Permissions lists the kinds Register adds.
var Permissions = []provision.Permissions{FunctionPermissions, FunctionURLPermissions, PermissionPermissions, EdgeFunctionPermissions}
