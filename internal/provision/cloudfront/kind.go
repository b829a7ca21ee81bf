package cloudfront

import (
	"time"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// IAM actions of this package's kinds, from the SDK calls each verb makes (Service
// Authorization Reference, "Amazon CloudFront": List* and the Create* of distributions,
// functions, KeyValueStores and origin access controls have no resource-level
// permissions; CreateDistributionWithTags, CreateFunction and CreateKeyValueStore with
// tags are also authorized as cloudfront:TagResource. A distribution associating a
// Lambda@Edge version also needs lambda:GetFunction and lambda:EnableReplication on it
// and, the first time, iam:CreateServiceLinkedRole for replicator.lambda.amazonaws.com;
// removing it, lambda:DisableReplication — "Setting IAM permissions and roles for
// Lambda@Edge", CloudFront Developer Guide. A distribution naming a web ACL is accepted
// only if the caller may read it, wafv2:GetWebACL ("Unable to verify read permissions on
// Web ACL", aws/aws-sdk-java#2901). "Amazon CloudFront KeyValueStore": data-plane
// actions act on the store's ARN.)
var (
	cf                      = "arn:${Partition}:cloudfront::${Account}:"
	distributionPermissions = provision.Permissions{
		Observe: []string{"cloudfront:ListDistributions", "cloudfront:GetDistribution", "cloudfront:ListTagsForResource"},
		Create: []string{"cloudfront:CreateDistribution", "cloudfront:TagResource", "wafv2:GetWebACL",
			"lambda:GetFunction", "lambda:EnableReplication*", "iam:CreateServiceLinkedRole"},
		Update: []string{"cloudfront:GetDistributionConfig", "cloudfront:UpdateDistribution", "wafv2:GetWebACL",
			"lambda:GetFunction", "lambda:EnableReplication*", "lambda:DisableReplication*", "iam:CreateServiceLinkedRole"},
		Delete: []string{"cloudfront:GetDistributionConfig", "cloudfront:UpdateDistribution", "cloudfront:DeleteDistribution",
			"lambda:DisableReplication*"},
		Resources: map[string]string{
			"cloudfront":                    cf + "distribution/*",
			"cloudfront:ListDistributions":  "*",
			"cloudfront:CreateDistribution": "*",
			"lambda":                        "arn:${Partition}:lambda:us-east-1:${Account}:function:berth-*",
			"iam:CreateServiceLinkedRole":   "arn:${Partition}:iam::${Account}:role/aws-service-role/replicator.lambda.amazonaws.com/*",
			"wafv2:GetWebACL":               "arn:${Partition}:wafv2:us-east-1:${Account}:global/webacl/*/*",
		},
	}
	oacPermissions = provision.Permissions{
		Observe:   []string{"cloudfront:ListOriginAccessControls"},
		Create:    []string{"cloudfront:CreateOriginAccessControl"},
		Update:    []string{"cloudfront:GetOriginAccessControl", "cloudfront:UpdateOriginAccessControl"},
		Delete:    []string{"cloudfront:GetOriginAccessControl", "cloudfront:DeleteOriginAccessControl"},
		Resources: map[string]string{"cloudfront": cf + "origin-access-control/*", "cloudfront:ListOriginAccessControls": "*", "cloudfront:CreateOriginAccessControl": "*"},
	}
	// VPC origins: CreateVpcOrigin with Tags is also authorized as cloudfront:TagResource;
	// ListVpcOrigins has no resource-level permission (Service Authorization Reference,
	// "Amazon CloudFront", resource type vpcorigin).
	vpcOriginPermissions = provision.Permissions{
		Observe:   []string{"cloudfront:ListVpcOrigins", "cloudfront:GetVpcOrigin", "cloudfront:ListTagsForResource"},
		Create:    []string{"cloudfront:CreateVpcOrigin", "cloudfront:TagResource"},
		Update:    []string{"cloudfront:GetVpcOrigin", "cloudfront:UpdateVpcOrigin"},
		Delete:    []string{"cloudfront:GetVpcOrigin", "cloudfront:DeleteVpcOrigin"},
		Resources: map[string]string{"cloudfront": cf + "vpcorigin/*", "cloudfront:ListVpcOrigins": "*"},
	}
	functionPermissions = provision.Permissions{
		Observe:   []string{"cloudfront:DescribeFunction", "cloudfront:GetFunction", "cloudfront:ListTagsForResource"},
		Create:    []string{"cloudfront:CreateFunction", "cloudfront:TagResource", "cloudfront:PublishFunction"},
		Update:    []string{"cloudfront:UpdateFunction", "cloudfront:PublishFunction"},
		Delete:    []string{"cloudfront:DeleteFunction"},
		Resources: map[string]string{"cloudfront": cf + "function/berth-*", "cloudfront:CreateFunction": "*"},
	}
	keyValueStorePermissions = provision.Permissions{
		Observe:   []string{"cloudfront:DescribeKeyValueStore", "cloudfront:ListTagsForResource"},
		Create:    []string{"cloudfront:CreateKeyValueStore", "cloudfront:TagResource"},
		Update:    []string{"cloudfront:UpdateKeyValueStore"},
		Delete:    []string{"cloudfront:DeleteKeyValueStore"},
		Resources: map[string]string{"cloudfront": cf + "key-value-store/*", "cloudfront:CreateKeyValueStore": "*"},
	}
	// The route table: Observe reads the store's tags and lists it; Create, Update and
	// Delete add one KVSWriter.Sync (data-plane describe for the ETag, batched
	// UpdateKeys, read back with GetKey or a listing).
	routeTablePermissions = provision.Permissions{
		Observe:   []string{"cloudfront:ListTagsForResource", "cloudfront-keyvaluestore:ListKeys"},
		Create:    []string{"cloudfront-keyvaluestore:DescribeKeyValueStore", "cloudfront-keyvaluestore:UpdateKeys", "cloudfront-keyvaluestore:GetKey"},
		Update:    []string{"cloudfront-keyvaluestore:DescribeKeyValueStore", "cloudfront-keyvaluestore:UpdateKeys", "cloudfront-keyvaluestore:GetKey"},
		Delete:    []string{"cloudfront-keyvaluestore:DescribeKeyValueStore", "cloudfront-keyvaluestore:UpdateKeys", "cloudfront-keyvaluestore:GetKey"},
		Resources: map[string]string{"cloudfront": cf + "key-value-store/*", "cloudfront-keyvaluestore": cf + "key-value-store/*"},
	}
)

// Kinds describes the kinds RegisterDistribution and RegisterEdge add.
var Kinds = []provision.Descriptor{
	{Kind: plan.KindDistribution, Function: provision.FunctionCDN,
		Budget:     provision.Budget{Wait: 15 * time.Second, Limit: 90 * time.Minute}, // minutes to tens of minutes
		ReadyGates: []plan.Kind{plan.KindCertificate}, Ownership: provision.OwnedByTags, Permissions: distributionPermissions, Describe: describeDistribution,
		WaitsFor: "CloudFront to deploy it to every edge location (usually 3–6 min)"},
	{Kind: plan.KindVpcOrigin, Function: provision.FunctionCDN,
		Budget:    provision.Budget{Wait: 15 * time.Second, Limit: 45 * time.Minute}, // Deploying → Deployed, like a distribution
		Ownership: provision.OwnedByTags, Permissions: vpcOriginPermissions, Describe: describeVpcOrigin,
		WaitsFor: "CloudFront to deploy the VPC origin (usually a few minutes)"},
	{Kind: plan.KindOAC, Function: provision.FunctionCDN, Budget: provision.QuickBudget,
		Ownership: provision.OwnedByMarker, Permissions: oacPermissions,
		Describe: describeOAC},
	{Kind: plan.KindCloudFrontFunction, Function: provision.FunctionCDN, Budget: provision.QuickBudget,
		Ownership: provision.OwnedByTags, Permissions: functionPermissions,
		Describe: describeFunction},
	{Kind: plan.KindKeyValueStore, Function: provision.FunctionCDN, Budget: provision.QuickBudget,
		Ownership: provision.OwnedByTags, Permissions: keyValueStorePermissions,
		Describe: describeKeyValueStore},
	{Kind: plan.KindRouteTable, Function: provision.FunctionCDN, Budget: provision.QuickBudget,
		Ownership: provision.OwnedByParentTags, Permissions: routeTablePermissions,
		Describe: describeRouteTable},
}
