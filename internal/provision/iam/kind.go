package iam

import (
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// IAM actions of plan.KindRole, from the SDK calls each verb makes (Service
// Authorization Reference, "AWS Identity and Access Management": CreateRole with Tags is
// also authorized as iam:TagRole).
var rolePermissions = provision.Permissions{
	Observe: []string{"iam:GetRole", "iam:GetRolePolicy", "iam:ListAttachedRolePolicies"},
	Create:  []string{"iam:CreateRole", "iam:TagRole", "iam:PutRolePolicy", "iam:AttachRolePolicy"},
	Update: []string{"iam:PutRolePermissionsBoundary", "iam:UpdateAssumeRolePolicy", "iam:AttachRolePolicy",
		"iam:DetachRolePolicy", "iam:PutRolePolicy", "iam:DeleteRolePolicy"},
	Delete:    []string{"iam:DetachRolePolicy", "iam:ListRolePolicies", "iam:DeleteRolePolicy", "iam:DeleteRole"},
	Resources: map[string]string{"iam": "arn:${Partition}:iam::${Account}:role/berth-*"},
}

// Kinds describes the kind Register adds.
var Kinds = []provision.Descriptor{{Kind: plan.KindRole, Function: provision.FunctionCompute,
	Budget: provision.QuickBudget, Ownership: provision.OwnedByTags, Permissions: rolePermissions,
	Describe: describeRole}}
