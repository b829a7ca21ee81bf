package plan

import (
	"fmt"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/edge"
)

// CloudFront managed policies and fixed edge settings.
const (
	CachePolicyCachingDisabled                   = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
	OriginRequestPolicyAllViewerExceptHostHeader = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
	DefaultPriceClass                            = "PriceClass_All" // CloudFront's own default
	// CloudFrontVpcOriginsGroup is the security group CloudFront creates in a VPC for its
	// VPC origins, the only source berth's ALB admits: "CloudFront-VPCOrigins-Service-SG"
	// (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-vpc-origins.html).
	// Unlike CloudFront's origin-facing prefix list, which every distribution of every
	// account sends from, it carries only this account's VPC origins.
	CloudFrontVpcOriginsGroup = "CloudFront-VPCOrigins-Service-SG"
)

// edge adds the resources every app has: the route store, the router and the
// distribution (Build adds the route table once every route is known).
//
// The distribution's properties depend on the container set in exactly two ways, each a
// switch that flips once: BodySigner is set while any container runs on Lambda, ALBOrigin
// while any runs on Fargate. Lambda origins are chosen per request by the router from the
// route table, so adding, removing or switching a container otherwise touches only its own
// resources and its entry in the route table — never the distribution and its multi-minute deployment.
// (Custom domains are the other input: a new domain needs a new alias and certificate.)
func (b *builder) edge() {
	cf := b.cfg.Deployment.CloudFront
	b.g.add(IDKeyValueStore, KindKeyValueStore, "", b.n.keyValueStore(), EdgeRegion, KeyValueStoreProps{
		Comment: "berth routes for " + b.cfg.Name + "/" + b.cfg.Stage,
	})
	router := CloudFrontFunctionProps{
		Runtime:       edge.RouterRuntime,
		KeyValueStore: Ref{ID: IDKeyValueStore, Attr: AttrArn},
		CodeSHA256:    edge.RouterTemplateSHA256(),
		HostRouting:   len(b.domains) > 0,
	}
	if b.hasFargate {
		router.ALBOriginID = ALBOriginID
	}
	b.g.add(IDRouterFunction, KindCloudFrontFunction, "", b.n.routerFunction(), EdgeRegion, router)
	// No standalone origin access control: the router signs each Lambda request with an
	// inline originAccessControlConfig in cf.updateRequestOrigin (sigv4, always; the
	// app's own Authorization travels in AuthorizationSourceHeader), as SST's router
	// does, so a distribution-level OAC would be used by nothing. An app planned before
	// has one in its applied state; its next deploy deletes it.

	props := DistributionProps{
		Comment:               truncate("berth "+b.cfg.Name+"/"+b.cfg.Stage, limitDistributionComment),
		WebACLArn:             cf.WafAclArn,
		PriceClass:            orDefault(cf.PriceClass, DefaultPriceClass),
		OriginReadTimeoutSec:  orDefault(cf.OriginReadTimeout, config.DefaultOriginReadTimeout),
		CachePolicyID:         CachePolicyCachingDisabled,
		OriginRequestPolicyID: OriginRequestPolicyAllViewerExceptHostHeader,
		RouterFunction:        Ref{ID: IDRouterFunction, Attr: AttrArn},
	}
	var after []string
	if b.hasLambda {
		props.BodySigner = &Ref{ID: IDBodySigner, Attr: AttrVersionArn}
	}
	if b.hasFargate {
		props.ALBOrigin = &Ref{ID: IDLoadBalancer, Attr: AttrDNSName}
		props.VpcOrigin = &Ref{ID: IDVpcOrigin, Attr: AttrID}
		// An origin without a listener answers nothing, and CloudFront's requests are
		// dropped until the ALB's group admits them.
		after = append(after, IDListener)
		if b.ownsAlbGroup() {
			after = append(after, IDAlbIngress)
		}
	}
	if len(b.domains) > 0 {
		props.Aliases = b.domains
		props.Certificate = &Ref{ID: IDCertificate, Attr: AttrArn}
		// CloudFront accepts only an issued certificate; it is issued once its validation
		// records exist.
		for _, d := range b.domains {
			after = append(after, CertificateValidationID(d))
		}
	}
	b.g.add(IDDistribution, KindDistribution, "", b.n.distribution(), EdgeRegion, props, after...)
}

// bodySigner adds the Lambda@Edge origin-request function that hashes request bodies into
// x-amz-content-sha256, which OAC-signed requests to Function URLs need, and its role.
//
// Both are shared: one per account, in us-east-1, named for berth rather than the app
// (SharedBodySignerName), tagged berth:shared, and never deleted with an app. Each app's
// distribution pins a numbered version, so an app with a newer berth publishing a new
// version leaves the others' versions untouched; and removing an app never waits for
// CloudFront to drop its Lambda@Edge replicas (which takes up to hours).
func (b *builder) bodySigner() {
	b.g.addResource(Resource{ID: IDBodySignerRole, Kind: KindRole, Name: SharedBodySignerRoleName, Region: EdgeRegion, Shared: true}, RoleProps{
		TrustServices:     []string{"edgelambda.amazonaws.com", "lambda.amazonaws.com"},
		ManagedPolicyArns: []string{b.managedPolicy("service-role/AWSLambdaBasicExecutionRole")},
	})
	b.g.addResource(Resource{ID: IDBodySigner, Kind: KindEdgeFunctionVersion, Name: SharedBodySignerName, Region: EdgeRegion, Shared: true}, EdgeFunctionProps{
		Runtime:    edge.BodySignerRuntime,
		Role:       Ref{ID: IDBodySignerRole, Attr: AttrArn},
		CodeSHA256: edge.BodySignerSHA256(),
	})
}

// customDomains adds the us-east-1 certificate (CloudFront accepts no other region), its
// DNS validation records and the alias records. HostedZoneDomain is the domain itself; the
// provisioner walks up its labels to the closest hosted zone.
func (b *builder) customDomains() {
	if len(b.domains) == 0 || !b.certificate(EdgeRegion, false) {
		return
	}
	for _, d := range b.domains {
		for _, typ := range []string{"A", "AAAA"} {
			b.g.add(AliasID(d, typ), KindRecordSet, "", b.n.record(d, typ), EdgeRegion, RecordSetProps{
				HostedZoneDomain: d,
				RecordName:       d,
				Type:             typ,
				AliasTo:          &Ref{ID: IDDistribution, Attr: AttrDomainName},
			})
		}
	}
}

// certificate adds the ACM certificate for the app's domains in region, and each domain's
// DNS validation record. The records go in the domain's public hosted zone, on a private
// app too: ACM validates by resolving the CNAME through public DNS, so a record in a
// private hosted zone would never validate ("DNS validation", ACM User Guide,
// https://docs.aws.amazon.com/acm/latest/userguide/dns-validation.html).
func (b *builder) certificate(region string, loadBalancer bool) bool {
	props, err := certificateNames(b.domains)
	if err != nil {
		b.fail(err)
		return false
	}
	props.LoadBalancer = loadBalancer
	b.g.add(IDCertificate, KindCertificate, "", b.n.certificate(b.domains), region, props)
	for _, d := range b.domains {
		b.g.add(CertificateValidationID(d), KindRecordSet, "", b.n.record(d, "validation"), EdgeRegion, RecordSetProps{
			HostedZoneDomain: d,
			RecordName:       d,
			Type:             "CNAME",
			ValidationFor:    &Ref{ID: IDCertificate, Attr: AttrArn},
		})
	}
	return true
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// ACM limits on one certificate (RequestCertificateInput, acm v1.51.3 service model):
// the DomainName (Common Name) is at most 64 octets, longer names go in the SANs only;
// a certificate holds 10 names by default (the quota can be raised to 100). A
// distribution has exactly one viewer certificate, so the app's domains cannot be split
// over several: more than the default quota is refused here rather than by ACM mid-deploy.
const (
	maxCertificateCommonName = 64
	maxCertificateNames      = 10
)

// certificateNames picks the certificate's primary name: the first domain (in sorted
// order) short enough to be a Common Name; every other domain is a SAN.
func certificateNames(domains []string) (CertificateProps, error) {
	if len(domains) > maxCertificateNames {
		return CertificateProps{}, fmt.Errorf("containers.*.routing.domain: the app has %d custom domains, but they share one ACM certificate (its CloudFront distribution's, or a private app's HTTPS listener's), which holds at most %d names under ACM's default quota: use at most %d domains per app/stage (or split the app)", len(domains), maxCertificateNames, maxCertificateNames)
	}
	for i, d := range domains {
		if len(d) <= maxCertificateCommonName {
			rest := append(append([]string{}, domains[:i]...), domains[i+1:]...)
			return CertificateProps{DomainName: d, SubjectAlternativeNames: rest}, nil
		}
	}
	return CertificateProps{}, fmt.Errorf("containers.*.routing.domain: every custom domain is longer than %d characters, and ACM needs one that short as the certificate's primary name (Common Name): add a domain of at most %d characters", maxCertificateCommonName, maxCertificateCommonName)
}
