package wafv2

import (
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// IAM actions of plan.KindWebACLAssociation, from the SDK calls each verb makes (Service
// Authorization Reference, "AWS WAF V2": AssociateWebACL is authorized on the web ACL and
// on the load balancer, which also needs elasticloadbalancing:SetWebAcl — no
// resource-level permissions). The web ACL named is read, wafv2:GetWebACL, as for a
// CloudFront distribution (kept from template.yaml; not re-verified on AWS).
var webACLAssociationPermissions = provision.Permissions{
	Observe: []string{"wafv2:GetWebACLForResource"},
	Create:  []string{"wafv2:AssociateWebACL", "wafv2:GetWebACL", "elasticloadbalancing:SetWebAcl"},
	Update:  []string{"wafv2:AssociateWebACL", "wafv2:GetWebACL", "wafv2:DisassociateWebACL", "elasticloadbalancing:SetWebAcl"},
	Delete:  []string{"wafv2:DisassociateWebACL"},
	Resources: map[string]string{
		"wafv2":                          "arn:${Partition}:elasticloadbalancing:${Region}:${Account}:loadbalancer/app/berth-*/*",
		"elasticloadbalancing:SetWebAcl": "*",
		"wafv2:GetWebACL":                "arn:${Partition}:wafv2:${Region}:${Account}:regional/webacl/*/*",
	},
}

// Kinds describes the kind Register adds. The association is the load balancer's web ACL
// slot, not a resource of its own (see WebACLAssociation).
var Kinds = []provision.Descriptor{{Kind: plan.KindWebACLAssociation, Function: provision.FunctionALB,
	Budget: provision.QuickBudget, Ownership: provision.OwnedByNone, Permissions: webACLAssociationPermissions,
	Describe: describeAssociation}}
