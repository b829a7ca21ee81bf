package iamcheck

import "strings"

// CloudFront (SAR "Amazon CloudFront"): global ARNs arn:aws:cloudfront::<account>:
// distribution/<id>, function/<name>, key-value-store/<id>, origin-access-control/<id>,
// vpcorigin/<id>.
// Creates have no resource-level permissions; Create*WithTags / CreateFunction /
// CreateKeyValueStore with tags also need cloudfront:TagResource on the new resource.
// Associating a Lambda@Edge function makes CloudFront check lambda:GetFunction and
// lambda:EnableReplication* on the version (CloudFront DG, Lambda@Edge permissions).
func (b *builder) cloudfront() bool {
	cf := func(r string) string { return "arn:" + b.a.Partition + ":cloudfront::" + b.a.ID + ":" + r }
	op := b.c.Operation
	switch op {
	case "ListDistributions", "ListOriginAccessControls", "ListFunctions", "ListKeyValueStores", "ListVpcOrigins":
		b.add("cloudfront:"+op, "*")
	case "GetDistribution", "GetDistributionConfig":
		b.add("cloudfront:"+op, cf("distribution/"+b.in("Id")), ownedTags)
	case "UpdateDistribution", "DeleteDistribution":
		b.add("cloudfront:"+op, cf("distribution/"+b.in("Id")), ownedTags)
		b.edgeAssociations()
	case "CreateDistributionWithTags":
		b.add("cloudfront:CreateDistribution", "*", b.tagged())
		b.tagOnCreate("cloudfront:TagResource", cf("distribution/"+placeholder))
		b.edgeAssociations()
	case "CreateFunction":
		b.add("cloudfront:CreateFunction", "*", b.tagged())
		b.tagOnCreate("cloudfront:TagResource", cf("function/"+b.in("Name")))
	case "CreateKeyValueStore":
		b.add("cloudfront:CreateKeyValueStore", "*", b.tagged())
		b.tagOnCreate("cloudfront:TagResource", cf("key-value-store/"+placeholder))
	case "CreateVpcOrigin":
		b.add("cloudfront:CreateVpcOrigin", "*", b.tagged())
		b.tagOnCreate("cloudfront:TagResource", cf("vpcorigin/"+placeholder))
	case "GetVpcOrigin", "UpdateVpcOrigin", "DeleteVpcOrigin":
		b.add("cloudfront:"+op, cf("vpcorigin/"+b.in("Id")), ownedTags)
	case "CreateOriginAccessControl":
		b.add("cloudfront:CreateOriginAccessControl", "*")
	case "DescribeFunction", "GetFunction", "UpdateFunction", "PublishFunction", "DeleteFunction":
		b.add("cloudfront:"+op, cf("function/"+b.in("Name")))
	case "DescribeKeyValueStore", "UpdateKeyValueStore", "DeleteKeyValueStore":
		b.add("cloudfront:"+op, cf("key-value-store/"+b.in("Name")), ownedTags)
	case "GetOriginAccessControl", "UpdateOriginAccessControl", "DeleteOriginAccessControl":
		b.add("cloudfront:"+op, cf("origin-access-control/"+b.in("Id")))
	case "ListTagsForResource", "TagResource":
		b.add("cloudfront:"+op, cloudFrontARN(b.in("Resource")), ownedTags, b.tagged())
	default:
		return false
	}
	return true
}

// cloudFrontARN puts back the empty region of a CloudFront ARN: moto 5.2.1 returns
// distribution ARNs as arn:aws:cloudfront:<account>:distribution/<id>, while AWS's are
// arn:aws:cloudfront::<account>:distribution/<id> (CloudFront API reference,
// Distribution.ARN), which is what IAM evaluates.
func cloudFrontARN(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) == 5 && parts[2] == "cloudfront" {
		return strings.Join(parts[:3], ":") + "::" + parts[3] + ":" + parts[4]
	}
	return arn
}

func (b *builder) edgeAssociations() {
	for _, behaviours := range [][]string{
		{"DistributionConfig", "DefaultCacheBehavior", "LambdaFunctionAssociations", "Items", "LambdaFunctionARN"},
		{"DistributionConfigWithTags", "DistributionConfig", "DefaultCacheBehavior", "LambdaFunctionAssociations", "Items", "LambdaFunctionARN"},
		{"DistributionConfig", "CacheBehaviors", "Items", "LambdaFunctionAssociations", "Items", "LambdaFunctionARN"},
		{"DistributionConfigWithTags", "DistributionConfig", "CacheBehaviors", "Items", "LambdaFunctionAssociations", "Items", "LambdaFunctionARN"},
	} {
		for _, v := range deep(b.c.Input, behaviours...) {
			b.add("lambda:GetFunction", v, ownedTags)
			b.add("lambda:EnableReplication", v)
		}
	}
}

// KeyValueStore data plane (SAR "Amazon CloudFront KeyValueStore"): the store's ARN, no
// condition keys.
func (b *builder) kvs() bool {
	switch b.c.Operation {
	case "DescribeKeyValueStore", "GetKey", "ListKeys", "UpdateKeys":
		b.add("cloudfront-keyvaluestore:"+b.c.Operation, b.in("KvsARN"))
		return true
	}
	return false
}

// ACM: certificate ARNs; ListCertificates and RequestCertificate have no resource-level
// permissions; RequestCertificate with tags also needs acm:AddTagsToCertificate.
func (b *builder) acm() bool {
	op := b.c.Operation
	switch op {
	case "ListCertificates":
		b.add("acm:ListCertificates", "*")
	case "DescribeCertificate", "ListTagsForCertificate", "DeleteCertificate":
		b.add("acm:"+op, b.in("CertificateArn"), ownedTags)
	case "RequestCertificate":
		b.add("acm:RequestCertificate", "*", b.tagged())
		b.tagOnCreate("acm:AddTagsToCertificate", b.arn("acm", b.c.Region, "certificate/"+placeholder))
	default:
		return false
	}
	return true
}

// Route 53: hostedzone/<id>, change/<id>; ChangeResourceRecordSets carries the record
// types, names and actions as route53:ChangeResourceRecordSets* keys.
func (b *builder) route53() bool {
	zone := "arn:" + b.a.Partition + ":route53:::hostedzone/" + strings.TrimPrefix(b.in("HostedZoneId"), "/hostedzone/")
	op := b.c.Operation
	switch op {
	case "ListHostedZonesByName", "ListHostedZones":
		b.add("route53:"+op, "*")
	case "ListResourceRecordSets":
		b.add("route53:ListResourceRecordSets", zone)
	case "GetHostedZone": // its input names the zone Id, not HostedZoneId
		b.add("route53:GetHostedZone", "arn:"+b.a.Partition+":route53:::hostedzone/"+strings.TrimPrefix(b.in("Id"), "/hostedzone/"))
	case "GetChange":
		b.add("route53:GetChange", "arn:"+b.a.Partition+":route53:::change/"+strings.TrimPrefix(b.in("Id"), "/change/"))
	case "ChangeResourceRecordSets":
		var names []string
		for _, n := range deep(b.c.Input, "ChangeBatch", "Changes", "ResourceRecordSet", "Name") {
			names = append(names, strings.ToLower(strings.TrimSuffix(n, ".")))
		}
		b.add("route53:ChangeResourceRecordSets", zone, map[string][]string{
			"route53:ChangeResourceRecordSetsRecordTypes":           deep(b.c.Input, "ChangeBatch", "Changes", "ResourceRecordSet", "Type"),
			"route53:ChangeResourceRecordSetsActions":               deep(b.c.Input, "ChangeBatch", "Changes", "Action"),
			"route53:ChangeResourceRecordSetsNormalizedRecordNames": names,
		})
	default:
		return false
	}
	return true
}

// WAFV2: the web ACL and the associated resource are both authorized; associating an
// ALB also needs elasticloadbalancing:SetWebAcl (no resource-level permissions).
func (b *builder) wafv2() bool {
	op := b.c.Operation
	switch op {
	case "GetWebACLForResource", "DisassociateWebACL":
		b.add("wafv2:"+op, b.in("ResourceArn"))
	case "AssociateWebACL":
		b.add("wafv2:AssociateWebACL", b.in("WebACLArn"))
		b.add("wafv2:AssociateWebACL", b.in("ResourceArn"))
		b.add("elasticloadbalancing:SetWebAcl", "*")
	case "GetWebACL":
		b.add("wafv2:GetWebACL", b.in("ARN"))
	default:
		return false
	}
	return true
}
