package acm

import (
	"time"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// IAM actions of plan.KindCertificate, from the SDK calls each verb makes (Service
// Authorization Reference, "AWS Certificate Manager": ListCertificates and
// RequestCertificate have no resource-level permissions; RequestCertificate with Tags is
// also authorized as acm:AddTagsToCertificate). CloudFront certificates live in us-east-1,
// a private app's load balancer's in the app's region.
var certificatePermissions = provision.Permissions{
	Observe: []string{"acm:ListCertificates", "acm:DescribeCertificate", "acm:ListTagsForCertificate"},
	Create:  []string{"acm:RequestCertificate", "acm:AddTagsToCertificate"},
	Update:  []string{},
	Delete:  []string{"acm:DeleteCertificate"},
	Resources: map[string]string{
		"acm":                    "arn:${Partition}:acm:*:${Account}:certificate/*",
		"acm:ListCertificates":   "*",
		"acm:RequestCertificate": "*",
	},
}

// Kinds describes the kind Register adds.
var Kinds = []provision.Descriptor{{
	Kind: plan.KindCertificate, Function: provision.FunctionCDN,
	Budget:         provision.Budget{Wait: 15 * time.Second, Limit: 75 * time.Minute}, // DNS validation
	DoneWhenExists: true, Ownership: provision.OwnedByTags, Permissions: certificatePermissions,
	WaitsFor: "DNS validation of the certificate (usually 2–30 min)",
	Describe: describeCertificate,
}}
