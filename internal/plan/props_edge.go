package plan

// RouteHeader is the request header the router sets to the chosen container's name, and
// ALB listener rules match on.
const RouteHeader = "x-berth-container"

// DistributionProps: AWS::CloudFront::Distribution, one per app/stage.
type DistributionProps struct {
	Comment               string   `json:"comment"`
	Aliases               []string `json:"aliases,omitempty"`
	Certificate           *Ref     `json:"certificate,omitempty"` // us-east-1 ACM certificate
	WebACLArn             string   `json:"webAclArn,omitempty"`   // CLOUDFRONT-scope
	PriceClass            string   `json:"priceClass"`
	OriginReadTimeoutSec  int      `json:"originReadTimeoutSec"`
	CachePolicyID         string   `json:"cachePolicyId"`         // managed CachingDisabled
	OriginRequestPolicyID string   `json:"originRequestPolicyId"` // managed AllViewerExceptHostHeader
	RouterFunction        Ref      `json:"routerFunction"`        // viewer-request
	BodySigner            *Ref     `json:"bodySigner,omitempty"`  // origin-request Lambda@Edge, when any Lambda route
	ALBOrigin             *Ref     `json:"albOrigin,omitempty"`   // the load balancer, when any Fargate container
	VpcOrigin             *Ref     `json:"vpcOrigin,omitempty"`   // the VPC origin CloudFront reaches it through
}

// OACProps: AWS::CloudFront::OriginAccessControl for Lambda Function URLs. berth no longer
// plans one (the router signs inline); the kind stays so that apps planned before have
// theirs deleted.
type OACProps struct {
	OriginType      string `json:"originType"`      // lambda
	SigningProtocol string `json:"signingProtocol"` // sigv4
	SigningBehavior string `json:"signingBehavior"` // always
}

// CloudFrontFunctionProps: AWS::CloudFront::Function (the router), published LIVE with its
// KeyValueStore associated.
type CloudFrontFunctionProps struct {
	Runtime       string `json:"runtime"` // cloudfront-js-2.0
	KeyValueStore Ref    `json:"keyValueStore"`
	// CodeSHA256 identifies the router source berth renders (internal/edge); a new berth
	// version with a new router shows up as an update.
	CodeSHA256 string `json:"codeSha256"`
	// HostRouting and ALBOriginID are the render parameters of the router
	// (edge.RouterParams) besides the store: host-prefixed keys are looked up when any
	// container has a custom domain, and ALB routes select the origin ALBOriginID, set
	// while any container runs on Fargate.
	HostRouting bool   `json:"hostRouting"`
	ALBOriginID string `json:"albOriginId,omitempty"`
}

// ALBOriginID is the distribution's origin id for the load balancer; the router selects it
// for ALB routes.
const ALBOriginID = "berth-alb"

// KeyValueStoreProps: AWS::CloudFront::KeyValueStore holding one key per route.
type KeyValueStoreProps struct {
	Comment string `json:"comment"`
}

// RouteTableProps: Berth::CloudFront::RouteTable, the app's whole route table in its
// KeyValueStore. One resource, written in one batched sync and read back: a route is a
// field of it, so waves, verify, drift, repair and rollback treat routes like any other
// props.
type RouteTableProps struct {
	KeyValueStore Ref `json:"keyValueStore"`
	// Routes by KVS key ([host]pathPattern, see internal/edge); encoding/json sorts map
	// keys, so equal tables encode equally.
	Routes map[string]Route `json:"routes"`
}

// Route is where one key sends requests; internal/edge encodes it as the key's value once
// FunctionURL is resolved.
type Route struct {
	// Container is the container the route serves; for "alb" targets the router sends it
	// in RouteHeader so the listener rule picks the container's target group.
	Container   string `json:"container"`
	Target      string `json:"target"` // "lambda" | "alb"
	FunctionURL *Ref   `json:"functionUrl,omitempty"`
}

// Route targets.
const (
	RouteTargetLambda = "lambda"
	RouteTargetALB    = "alb"
)

// EdgeFunctionProps: the Lambda@Edge origin-request function (Node.js, us-east-1) that adds
// x-amz-content-sha256 for request bodies, published as a numbered version.
type EdgeFunctionProps struct {
	Runtime    string `json:"runtime"`
	Role       Ref    `json:"role"`
	CodeSHA256 string `json:"codeSha256"`
}

// CertificateProps: AWS::CertificateManager::Certificate, always in us-east-1, DNS validated.
type CertificateProps struct {
	DomainName              string   `json:"domainName"`
	SubjectAlternativeNames []string `json:"subjectAlternativeNames,omitempty"`
	// LoadBalancer: the certificate is for a private app's load balancer, in the app's
	// region (ELB takes certificates from its own region only), not for CloudFront.
	LoadBalancer bool `json:"loadBalancer,omitempty"`
}

// Certificate outputs carrying the DNS validation record of each of its domains: the
// attribute is the prefix followed by the domain, e.g. "ValidationName:shop.example.com".
const (
	AttrValidationName  = "ValidationName:"  // record name, e.g. _3f1c….shop.example.com.
	AttrValidationType  = "ValidationType:"  // CNAME
	AttrValidationValue = "ValidationValue:" // e.g. _9a8b….xyz.acm-validations.aws.
)

// RecordSetProps: AWS::Route53::RecordSet in the hosted zone found for HostedZoneDomain,
// or in HostedZoneID.
type RecordSetProps struct {
	HostedZoneDomain string `json:"hostedZoneDomain"` // the domain whose public zone is looked up
	// HostedZoneID names the zone instead (a private app's private hosted zone, which no
	// lookup by domain may pick: the public zone of the same name is the validation's).
	HostedZoneID string `json:"hostedZoneId,omitempty"`
	RecordName   string `json:"recordName"`
	Type         string `json:"type"` // A | AAAA alias to the distribution or load balancer, or CNAME for validation
	// AliasTo is the distribution (or a private app's load balancer) for A/AAAA aliases.
	AliasTo *Ref `json:"aliasTo,omitempty"`
	// AliasZone is the alias target's own hosted zone id (a load balancer's
	// CanonicalHostedZoneId); nil means CloudFront's.
	AliasZone *Ref `json:"aliasZone,omitempty"`
	// ValidationFor is the certificate whose DNS validation record this is; RecordName
	// is then the certificate domain validated (ACM chooses the record's own name), and
	// the record is read from the certificate's AttrValidation* outputs for that domain.
	ValidationFor *Ref `json:"validationFor,omitempty"`
}
