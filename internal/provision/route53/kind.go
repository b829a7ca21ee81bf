package route53

import (
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// IAM actions of plan.KindRecordSet, from the SDK calls each verb makes (Service
// Authorization Reference, "Amazon Route 53": ListHostedZonesByName has no resource-level
// permissions; record actions act on the hosted zone). Before replacing or deleting an
// alias the verbs ask the distribution provisioner whether berth owns its target
// (cloudfront:ListDistributions, cloudfront:ListTagsForResource).
var recordSetPermissions = provision.Permissions{
	Observe: []string{"route53:ListHostedZonesByName", "route53:ListResourceRecordSets"},
	Create:  []string{"route53:ChangeResourceRecordSets", "cloudfront:ListDistributions", "cloudfront:ListTagsForResource"},
	Update:  []string{"route53:ChangeResourceRecordSets", "cloudfront:ListDistributions", "cloudfront:ListTagsForResource"},
	Delete:  []string{"route53:ChangeResourceRecordSets", "cloudfront:ListDistributions", "cloudfront:ListTagsForResource"},
	Resources: map[string]string{
		"route53":                        "arn:${Partition}:route53:::hostedzone/*",
		"route53:ListHostedZonesByName":  "*",
		"cloudfront:ListDistributions":   "*",
		"cloudfront:ListTagsForResource": "arn:${Partition}:cloudfront::${Account}:distribution/*",
	},
}

// Kinds describes the kind Register adds. Records cannot be tagged (see RecordSet).
var Kinds = []provision.Descriptor{{Kind: plan.KindRecordSet, Function: provision.FunctionCDN,
	Budget: provision.QuickBudget, Ownership: provision.OwnedByValue, Permissions: recordSetPermissions,
	Describe: describeRecordSet}}
