package iam

import (
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// IAM actions of plan.KindRole, from the SDK calls each verb makes (Service
// Authorization Reference, "AWS Identity and Access Management": CreateRole with Tags is
// also authorized as iam:TagRole).
var Permissions = []provision.Permissions{{Kind: plan.KindRole,
	Observe: []string{"iam:GetRole", "iam:GetRolePolicy", "iam:ListAttachedRolePolicies"},
	Create:  []string{"iam:CreateRole", "iam:TagRole", "iam:PutRolePolicy", "iam:AttachRolePolicy"},
	Update: []string{"iam:PutRolePermissionsBoundary", "iam:UpdateAssumeRolePolicy", "iam:AttachRolePolicy",
		"iam:DetachRolePolicy", "iam:PutRolePolicy", "iam:DeleteRolePolicy"},
	Delete:    []string{"iam:DetachRolePolicy", "iam:ListRolePolicies", "iam:DeleteRolePolicy", "iam:DeleteRole"},
	Resources: map[string]string{"iam": "arn:${Partition}:iam::${Account}:role/berth-*"},
}}
