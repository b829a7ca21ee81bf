package cloudfront

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// Origin ids. The router function (internal/edge) selects the ALB origin by ALBOriginID
// with cf.selectRequestOriginById (the plan renders the same id into the router); Lambda
// routes never use the placeholder itself: the router replaces it per request with
// cf.updateRequestOrigin (the Function URL domain and the OAC signing settings), so adding
// or moving a Lambda route never updates the distribution.
const (
	PlaceholderOriginID = "berth-placeholder"
	ALBOriginID         = plan.ALBOriginID
)

// CloudFront managed policies (AWS-NOTES), the defaults when props leave them empty:
// never cache, and forward every viewer header except Host, which a Function URL would
// reject.
const (
	ManagedCachingDisabled           = plan.CachePolicyCachingDisabled
	ManagedAllViewerExceptHostHeader = plan.OriginRequestPolicyAllViewerExceptHostHeader
)

const (
	defaultPriceClass     = plan.DefaultPriceClass
	defaultReadTimeoutSec = 30
	// originKeepaliveSec is above CloudFront's 5 s default so steady traffic reuses
	// origin connections, and below the ALB's default 60 s idle timeout so CloudFront
	// never sends a request on a connection the ALB is about to close (a 502).
	originKeepaliveSec = 30
	viewerTLSPolicy    = types.MinimumProtocolVersionTLSv122021
	cloudFrontDefault  = "cloudfront-default-certificate"
)

// PlaceholderDomain is the default origin's domain. CloudFront requires a default origin
// even though the router sets the real one on every Lambda request. SST does the same
// with "placeholder.sst.dev", a custom origin without OAC (anomalyco/sst,
// platform/src/components/aws/router.ts); berth uses a name under AWS's own on.aws
// Function URL domain instead, so a request that ever reached the placeholder (none
// should: the router answers 404/503 itself when it finds no route) would go to AWS,
// never to a third party's host. It is a syntactically valid custom origin, which is all
// CloudFront checks; it is not a Function URL, so no OAC is attached to it: CloudFront
// refuses an OAC whose origin type differs from the origin's ("Illegal configuration: The
// origin type and OAC origin type differ", aws/aws-cdk#26405). Signing is switched on per
// request by the router's originAccessControlConfig instead, which is why the
// distribution does not reference the OAC resource's id.
//
// Fields the router does not set in cf.updateRequestOrigin are inherited from this
// origin, so its read timeout is the Lambda routes' read timeout.
func PlaceholderDomain(region string) string { return "lambda-url." + region + ".on.aws" }

// allowedMethods: all of them, so APIs behind the distribution get POST/PUT/PATCH/DELETE.
var allowedMethods = []types.Method{"GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"}
var cachedMethods = []types.Method{"GET", "HEAD"}

// spec is the desired distribution with every ref resolved and every default applied.
type spec struct {
	comment, region     string
	aliases             []string // sorted
	certArn             string   // "" = CloudFront's default certificate
	webACL              string
	priceClass          string
	readTimeout         int32
	cachePolicy         string
	originRequestPolicy string
	routerArn           string // viewer-request function
	signerArn           string // origin-request Lambda@Edge version, "" when none
	albDomain           string // "" when the app has no Fargate container
	vpcOriginID         string // the VPC origin CloudFront reaches the internal ALB through
}

const kindDistribution = string(plan.KindDistribution)

func specFor(env provision.Env, r plan.Resource, p plan.DistributionProps) (spec, error) {
	s := spec{
		comment:             r.Name,
		region:              env.Region,
		aliases:             sortedCopy(p.Aliases),
		webACL:              p.WebACLArn,
		priceClass:          orDefault(p.PriceClass, defaultPriceClass),
		readTimeout:         int32(p.OriginReadTimeoutSec),
		cachePolicy:         orDefault(p.CachePolicyID, ManagedCachingDisabled),
		originRequestPolicy: orDefault(p.OriginRequestPolicyID, ManagedAllViewerExceptHostHeader),
	}
	if s.readTimeout == 0 {
		s.readTimeout = defaultReadTimeoutSec
	}
	refs := []struct {
		ref  *plan.Ref
		into *string
	}{{&p.RouterFunction, &s.routerArn}, {p.Certificate, &s.certArn}, {p.BodySigner, &s.signerArn}, {p.ALBOrigin, &s.albDomain}, {p.VpcOrigin, &s.vpcOriginID}}
	for _, x := range refs {
		if x.ref == nil || x.ref.ID == "" {
			continue
		}
		v, err := resolveRef(env, *x.ref)
		if err != nil {
			return spec{}, err
		}
		*x.into = v
	}
	if len(s.aliases) > 0 && s.certArn == "" {
		return spec{}, &provision.RejectedError{Kind: kindDistribution, Name: r.Name, Op: "validate", Cause: "aliases " + joinList(s.aliases) + " need a certificate: CloudFront serves custom domains only with an ACM certificate from us-east-1"}
	}
	return s, nil
}

func resolveRef(env provision.Env, ref plan.Ref) (string, error) {
	if env.Refs == nil {
		return "", &provision.PreconditionError{Kind: "ref", Name: ref.ID, Problem: "no applied outputs to resolve " + ref.Attr + " from"}
	}
	return env.Refs.Resolve(ref)
}

// newConfig is the whole configuration of a distribution berth creates.
func (s spec) newConfig(callerRef string) *types.DistributionConfig {
	c := &types.DistributionConfig{
		CallerReference:   aws.String(callerRef),
		DefaultRootObject: aws.String(""),
		Restrictions: &types.Restrictions{GeoRestriction: &types.GeoRestriction{
			RestrictionType: types.GeoRestrictionTypeNone, Quantity: aws.Int32(0),
		}},
	}
	s.apply(c)
	return c
}

// apply sets the fields berth manages on a configuration read back from CloudFront and
// leaves the others (logging, error responses, extra behaviours, origins with other ids)
// as they are.
func (s spec) apply(c *types.DistributionConfig) {
	c.Comment = aws.String(s.comment)
	c.Enabled = aws.Bool(true)
	c.HttpVersion = types.HttpVersionHttp2and3
	c.IsIPV6Enabled = aws.Bool(true)
	c.PriceClass = types.PriceClass(s.priceClass)
	c.WebACLId = aws.String(s.webACL)
	c.Aliases = &types.Aliases{Quantity: aws.Int32(int32(len(s.aliases))), Items: s.aliases}
	c.ViewerCertificate = s.viewerCertificate()
	c.Origins = s.origins(c.Origins)
	c.DefaultCacheBehavior = s.defaultBehavior()
}

func (s spec) viewerCertificate() *types.ViewerCertificate {
	if s.certArn == "" {
		return &types.ViewerCertificate{CloudFrontDefaultCertificate: aws.Bool(true)}
	}
	return &types.ViewerCertificate{
		ACMCertificateArn:      aws.String(s.certArn),
		SSLSupportMethod:       types.SSLSupportMethodSniOnly,
		MinimumProtocolVersion: viewerTLSPolicy,
	}
}

// origins returns berth's origins followed by any other origin already configured.
func (s spec) origins(live *types.Origins) *types.Origins {
	items := []types.Origin{s.customOrigin(PlaceholderOriginID, PlaceholderDomain(s.region), types.OriginProtocolPolicyHttpsOnly)}
	if s.albDomain != "" {
		items = append(items, s.albOrigin())
	}
	if live != nil {
		for _, o := range live.Items {
			if id := aws.ToString(o.Id); id != PlaceholderOriginID && id != ALBOriginID {
				items = append(items, o)
			}
		}
	}
	return &types.Origins{Quantity: aws.Int32(int32(len(items))), Items: items}
}

func (s spec) customOrigin(id, domain string, policy types.OriginProtocolPolicy) types.Origin {
	return types.Origin{
		Id:         aws.String(id),
		DomainName: aws.String(domain),
		OriginPath: aws.String(""),
		CustomOriginConfig: &types.CustomOriginConfig{
			HTTPPort:               aws.Int32(80),
			HTTPSPort:              aws.Int32(443),
			OriginProtocolPolicy:   policy,
			OriginSslProtocols:     &types.OriginSslProtocols{Quantity: aws.Int32(1), Items: []types.SslProtocol{types.SslProtocolTLSv12}},
			OriginReadTimeout:      aws.Int32(s.readTimeout),
			OriginKeepaliveTimeout: aws.Int32(originKeepaliveSec),
		},
	}
}

// albOrigin is the internal ALB, reached through the VPC origin: its domain is the ALB's
// DNS name and VpcOriginConfig replaces CustomOriginConfig (the VPC origin itself holds
// the ports and protocol). Origin and VpcOriginConfig, CloudFront API reference.
func (s spec) albOrigin() types.Origin {
	return types.Origin{
		Id:         aws.String(ALBOriginID),
		DomainName: aws.String(s.albDomain),
		OriginPath: aws.String(""),
		VpcOriginConfig: &types.VpcOriginConfig{
			VpcOriginId:            aws.String(s.vpcOriginID),
			OriginReadTimeout:      aws.Int32(s.readTimeout),
			OriginKeepaliveTimeout: aws.Int32(originKeepaliveSec),
		},
	}
}

func (s spec) defaultBehavior() *types.DefaultCacheBehavior {
	b := &types.DefaultCacheBehavior{
		TargetOriginId:       aws.String(PlaceholderOriginID),
		ViewerProtocolPolicy: types.ViewerProtocolPolicyRedirectToHttps,
		AllowedMethods: &types.AllowedMethods{
			Quantity:      aws.Int32(int32(len(allowedMethods))),
			Items:         allowedMethods,
			CachedMethods: &types.CachedMethods{Quantity: aws.Int32(int32(len(cachedMethods))), Items: cachedMethods},
		},
		CachePolicyId:              aws.String(s.cachePolicy),
		OriginRequestPolicyId:      aws.String(s.originRequestPolicy),
		Compress:                   aws.Bool(true),
		FunctionAssociations:       &types.FunctionAssociations{Quantity: aws.Int32(0)},
		LambdaFunctionAssociations: &types.LambdaFunctionAssociations{Quantity: aws.Int32(0)},
	}
	if s.routerArn != "" {
		b.FunctionAssociations = &types.FunctionAssociations{Quantity: aws.Int32(1), Items: []types.FunctionAssociation{
			{EventType: types.EventTypeViewerRequest, FunctionARN: aws.String(s.routerArn)},
		}}
	}
	if s.signerArn != "" {
		// IncludeBody: the signer hashes the body into x-amz-content-sha256, which OAC
		// signing requires for POST/PUT to a Function URL.
		b.LambdaFunctionAssociations = &types.LambdaFunctionAssociations{Quantity: aws.Int32(1), Items: []types.LambdaFunctionAssociation{
			{EventType: types.EventTypeOriginRequest, LambdaFunctionARN: aws.String(s.signerArn), IncludeBody: aws.Bool(true)},
		}}
	}
	return b
}

// diff compares the fields berth sets with a configuration read back from CloudFront,
// using the props' JSON names where the field comes from props.
func (s spec) diff(c *types.DistributionConfig) []provision.FieldDiff {
	var d []provision.FieldDiff
	d = addDiff(d, "enabled", "true", strconv.FormatBool(aws.ToBool(c.Enabled)))
	d = addDiff(d, "aliases", joinList(s.aliases), joinList(sortedCopy(aliasItems(c.Aliases))))
	d = addDiff(d, "certificate", describeCert(s.viewerCertificate()), describeCert(c.ViewerCertificate))
	d = addDiff(d, "webAclArn", s.webACL, aws.ToString(c.WebACLId))
	d = addDiff(d, "priceClass", s.priceClass, string(c.PriceClass))
	d = addDiff(d, "httpVersion", string(types.HttpVersionHttp2and3), string(c.HttpVersion))
	d = addDiff(d, "ipv6Enabled", "true", strconv.FormatBool(aws.ToBool(c.IsIPV6Enabled)))

	want := s.origins(nil)
	d = addDiff(d, "origins", describeOrigin(&want.Items[0]), describeOrigin(findOrigin(c.Origins, PlaceholderOriginID)))
	wantALB := ""
	if s.albDomain != "" {
		wantALB = describeOrigin(&want.Items[1])
	}
	d = addDiff(d, "albOrigin", wantALB, describeOrigin(findOrigin(c.Origins, ALBOriginID)))
	d = addDiff(d, "originReadTimeoutSec", strconv.Itoa(int(s.readTimeout)), liveReadTimeout(c.Origins, s.readTimeout))

	wb, lb := s.defaultBehavior(), c.DefaultCacheBehavior
	if lb == nil {
		lb = &types.DefaultCacheBehavior{}
	}
	d = addDiff(d, "cachePolicyId", s.cachePolicy, aws.ToString(lb.CachePolicyId))
	d = addDiff(d, "originRequestPolicyId", s.originRequestPolicy, aws.ToString(lb.OriginRequestPolicyId))
	d = addDiff(d, "routerFunction", describeFunctions(wb.FunctionAssociations), describeFunctions(lb.FunctionAssociations))
	d = addDiff(d, "bodySigner", describeLambdas(wb.LambdaFunctionAssociations), describeLambdas(lb.LambdaFunctionAssociations))
	d = addDiff(d, "defaultCacheBehavior", describeBehavior(wb), describeBehavior(lb))
	return d
}

func aliasItems(a *types.Aliases) []string {
	if a == nil {
		return nil
	}
	return a.Items
}

func findOrigin(o *types.Origins, id string) *types.Origin {
	if o == nil {
		return nil
	}
	for i := range o.Items {
		if aws.ToString(o.Items[i].Id) == id {
			return &o.Items[i]
		}
	}
	return nil
}

// liveReadTimeout is the first of berth's origins whose read timeout is not want, or want.
func liveReadTimeout(o *types.Origins, want int32) string {
	for _, id := range []string{PlaceholderOriginID, ALBOriginID} {
		x := findOrigin(o, id)
		var got *int32
		switch {
		case x == nil:
			continue
		case x.CustomOriginConfig != nil:
			got = x.CustomOriginConfig.OriginReadTimeout
		case x.VpcOriginConfig != nil:
			got = x.VpcOriginConfig.OriginReadTimeout
		}
		if got != nil && *got != want {
			return strconv.Itoa(int(*got))
		}
	}
	return strconv.Itoa(int(want))
}

// describeOrigin renders the origin settings berth sets, except the read timeout (its
// own field), so want and live compare as strings.
func describeOrigin(o *types.Origin) string {
	if o == nil {
		return ""
	}
	if v := o.VpcOriginConfig; v != nil {
		return fmt.Sprintf("%s vpc-origin:%s keepalive:%ds", aws.ToString(o.DomainName), aws.ToString(v.VpcOriginId), aws.ToInt32(v.OriginKeepaliveTimeout))
	}
	c := o.CustomOriginConfig
	if c == nil {
		return aws.ToString(o.DomainName) + " (not a custom origin)"
	}
	var tls []string
	if c.OriginSslProtocols != nil {
		for _, p := range c.OriginSslProtocols.Items {
			tls = append(tls, string(p))
		}
	}
	return fmt.Sprintf("%s %s http:%d https:%d tls:%s keepalive:%ds", aws.ToString(o.DomainName), c.OriginProtocolPolicy,
		aws.ToInt32(c.HTTPPort), aws.ToInt32(c.HTTPSPort), joinList(tls), aws.ToInt32(c.OriginKeepaliveTimeout))
}

func describeCert(v *types.ViewerCertificate) string {
	if v == nil || aws.ToString(v.ACMCertificateArn) == "" {
		return cloudFrontDefault
	}
	return fmt.Sprintf("%s %s %s", aws.ToString(v.ACMCertificateArn), v.SSLSupportMethod, v.MinimumProtocolVersion)
}

func describeFunctions(f *types.FunctionAssociations) string {
	if f == nil {
		return ""
	}
	var s []string
	for _, a := range f.Items {
		s = append(s, string(a.EventType)+"="+aws.ToString(a.FunctionARN))
	}
	return joinList(s)
}

func describeLambdas(f *types.LambdaFunctionAssociations) string {
	if f == nil {
		return ""
	}
	var s []string
	for _, a := range f.Items {
		body := ""
		if !aws.ToBool(a.IncludeBody) {
			body = " (without body)"
		}
		s = append(s, string(a.EventType)+"="+aws.ToString(a.LambdaFunctionARN)+body)
	}
	return joinList(s)
}

func describeBehavior(b *types.DefaultCacheBehavior) string {
	var methods, cached []string
	if b.AllowedMethods != nil {
		for _, m := range b.AllowedMethods.Items {
			methods = append(methods, string(m))
		}
		if b.AllowedMethods.CachedMethods != nil {
			for _, m := range b.AllowedMethods.CachedMethods.Items {
				cached = append(cached, string(m))
			}
		}
	}
	return fmt.Sprintf("origin:%s viewer:%s methods:%s cached:%s compress:%t", aws.ToString(b.TargetOriginId), b.ViewerProtocolPolicy,
		joinList(sortedCopy(methods)), joinList(sortedCopy(cached)), aws.ToBool(b.Compress))
}

// callerReference is deterministic, so a create retried after a lost answer is
// recognised by CloudFront (DistributionAlreadyExists) instead of making a second
// distribution.
func callerReference(env provision.Env, r plan.Resource) string {
	return "berth-" + shortHash(env.App, env.Stage, r.ID)
}

func distributionTags(env provision.Env, r plan.Resource) *types.Tags {
	t := provision.Tags(env, r)
	t["Name"] = r.Name
	var items []types.Tag
	for _, k := range sortedCopy(keys(t)) {
		items = append(items, types.Tag{Key: aws.String(k), Value: aws.String(t[k])})
	}
	return &types.Tags{Items: items}
}

func keys(m map[string]string) []string {
	var k []string
	for x := range m {
		k = append(k, x)
	}
	return k
}

// partitionOf returns the partition of an ARN ("aws" when it cannot tell).
func partitionOf(arn string) string {
	if p := strings.Split(arn, ":"); len(p) > 2 && p[0] == "arn" && p[1] != "" {
		return p[1]
	}
	return "aws"
}
