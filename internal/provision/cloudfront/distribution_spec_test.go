package cloudfront

import (
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

func mustSpec(t *testing.T, p plan.DistributionProps) spec {
	t.Helper()
	s, err := specFor(fakeEnv(), distResource(t, fakeName, p), p)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestDistributionSpec(t *testing.T) {
	withALB := baseDistProps()
	withALB.ALBOrigin = &plan.Ref{ID: plan.IDLoadBalancer, Attr: plan.AttrDNSName}
	withALB.VpcOrigin = &plan.Ref{ID: plan.IDVpcOrigin, Attr: plan.AttrID}
	noDomain := baseDistProps()
	noDomain.Aliases, noDomain.Certificate, noDomain.BodySigner = nil, nil, nil

	tests := []struct {
		name  string
		props plan.DistributionProps
		check func(t *testing.T, c *types.DistributionConfig)
	}{
		{"the default origin is an https placeholder in the app's region without an OAC", baseDistProps(), func(t *testing.T, c *types.DistributionConfig) {
			o := findOrigin(c.Origins, PlaceholderOriginID)
			if aws.ToString(o.DomainName) != "lambda-url.eu-west-1.on.aws" || o.CustomOriginConfig.OriginProtocolPolicy != types.OriginProtocolPolicyHttpsOnly || o.OriginAccessControlId != nil {
				t.Errorf("placeholder origin %s", describeOrigin(o))
			}
			if aws.ToString(c.DefaultCacheBehavior.TargetOriginId) != PlaceholderOriginID {
				t.Errorf("default behaviour targets %s", aws.ToString(c.DefaultCacheBehavior.TargetOriginId))
			}
		}},
		{"the ALB origin is reached through the VPC origin, under the id the router selects", withALB, func(t *testing.T, c *types.DistributionConfig) {
			o := findOrigin(c.Origins, ALBOriginID)
			if o == nil || o.CustomOriginConfig != nil || o.VpcOriginConfig == nil ||
				aws.ToString(o.VpcOriginConfig.VpcOriginId) != "vo_0123456789abcdef012345" || aws.ToInt32(o.VpcOriginConfig.OriginReadTimeout) != 30 ||
				aws.ToString(o.DomainName) != edgeRefs()[plan.IDLoadBalancer][plan.AttrDNSName] {
				t.Errorf("alb origin %s", describeOrigin(o))
			}
		}},
		{"custom domains get the ACM certificate, SNI and TLS 1.2 (2021)", baseDistProps(), func(t *testing.T, c *types.DistributionConfig) {
			v := c.ViewerCertificate
			if aws.ToString(v.ACMCertificateArn) == "" || v.SSLSupportMethod != types.SSLSupportMethodSniOnly || v.MinimumProtocolVersion != types.MinimumProtocolVersionTLSv122021 {
				t.Errorf("viewer certificate %s", describeCert(v))
			}
		}},
		{"without domains CloudFront's default certificate serves and no body signer is attached", noDomain, func(t *testing.T, c *types.DistributionConfig) {
			if !aws.ToBool(c.ViewerCertificate.CloudFrontDefaultCertificate) || aws.ToInt32(c.Aliases.Quantity) != 0 {
				t.Errorf("viewer certificate %s, aliases %v", describeCert(c.ViewerCertificate), c.Aliases.Items)
			}
			if aws.ToInt32(c.DefaultCacheBehavior.LambdaFunctionAssociations.Quantity) != 0 {
				t.Errorf("lambda associations %s", describeLambdas(c.DefaultCacheBehavior.LambdaFunctionAssociations))
			}
		}},
		{"the default behaviour allows every method, never caches and forwards all but Host", baseDistProps(), func(t *testing.T, c *types.DistributionConfig) {
			b := c.DefaultCacheBehavior
			if aws.ToInt32(b.AllowedMethods.Quantity) != 7 || aws.ToString(b.CachePolicyId) != ManagedCachingDisabled ||
				aws.ToString(b.OriginRequestPolicyId) != ManagedAllViewerExceptHostHeader || b.ViewerProtocolPolicy != types.ViewerProtocolPolicyRedirectToHttps {
				t.Errorf("default behaviour %s", describeBehavior(b))
			}
			if describeFunctions(b.FunctionAssociations) != "viewer-request="+edgeRefs()[plan.IDRouterFunction][plan.AttrArn] {
				t.Errorf("functions %s", describeFunctions(b.FunctionAssociations))
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := mustSpec(t, tc.props)
			c := s.newConfig("ref")
			tc.check(t, c)
			if d := s.diff(c); len(d) != 0 {
				t.Errorf("a config built from the spec differs from it: %+v", d)
			}
		})
	}
}

func TestDistributionApplyKeepsWhatBerthDoesNotManage(t *testing.T) {
	s := mustSpec(t, baseDistProps())
	c := s.newConfig("ref")
	c.Logging = &types.LoggingConfig{Enabled: aws.Bool(true), Bucket: aws.String("logs.s3.amazonaws.com")}
	extra := types.Origin{Id: aws.String("static"), DomainName: aws.String("assets.example.com")}
	c.Origins.Items = append(c.Origins.Items, extra)
	c.PriceClass = types.PriceClassPriceClass200

	s.apply(c)
	if !aws.ToBool(c.Logging.Enabled) || findOrigin(c.Origins, "static") == nil || aws.ToInt32(c.Origins.Quantity) != int32(len(c.Origins.Items)) {
		t.Errorf("apply dropped logging or the extra origin: %+v", c.Origins)
	}
	if d := s.diff(c); len(d) != 0 {
		t.Errorf("after apply: %+v", d)
	}
}

func TestDistributionSpecRejects(t *testing.T) {
	noCert := baseDistProps()
	noCert.Certificate = nil
	missingRef := baseDistProps()
	missingRef.ALBOrigin = &plan.Ref{ID: "NotApplied", Attr: plan.AttrDNSName}
	tests := []struct {
		name  string
		props plan.DistributionProps
		want  any
	}{
		{"aliases without a certificate are rejected before any write", noCert, new(*provision.RejectedError)},
		{"a ref to a resource not applied yet is a precondition", missingRef, new(*provision.PreconditionError)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := specFor(fakeEnv(), distResource(t, fakeName, tc.props), tc.props)
			if err == nil || !errors.As(err, tc.want) {
				t.Fatalf("got %v, want %T", err, tc.want)
			}
		})
	}
}

func TestExistingID(t *testing.T) {
	tests := []struct{ name, msg, want string }{
		{"the id after 'Already exists:' is the distribution holding the reference", "DistributionAlreadyExists: The caller reference ... Already exists: E2O6U8DECVP5UD", "E2O6U8DECVP5UD"},
		{"an id followed by more text is cut at the space", "Already exists: E2ABC (Service: CloudFront)", "E2ABC"},
		{"a message without an id gives none", "DistributionAlreadyExists: taken", ""},
		{"a message ending at the marker gives none", "Already exists: ", ""},
		{"trailing punctuation is not part of the id", "Already exists: E2ABC.", "E2ABC"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := existingID(errors.New(tc.msg)); got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}
