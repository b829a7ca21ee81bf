package inventory

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	tagging "github.com/aws/aws-sdk-go-v2/service/resourcegroupstaggingapi"

	"github.com/berth-dev/berth/internal/plan"
)

// TaggingAPI finds resources by tag (Resource Groups Tagging API, one region).
type TaggingAPI interface {
	GetResources(ctx context.Context, in *tagging.GetResourcesInput, optFns ...func(*tagging.Options)) (*tagging.GetResourcesOutput, error)
}

// IAMAPI lists roles and their tags (IAM is global; the tagging API does not reliably
// return roles, and moto not at all).
type IAMAPI interface {
	ListRoles(ctx context.Context, in *iam.ListRolesInput, optFns ...func(*iam.Options)) (*iam.ListRolesOutput, error)
	ListRoleTags(ctx context.Context, in *iam.ListRoleTagsInput, optFns ...func(*iam.Options)) (*iam.ListRoleTagsOutput, error)
}

// LambdaAPI reads a function, its Function URL and its resource policy.
type LambdaAPI interface {
	GetFunction(ctx context.Context, in *lambda.GetFunctionInput, optFns ...func(*lambda.Options)) (*lambda.GetFunctionOutput, error)
	GetFunctionUrlConfig(ctx context.Context, in *lambda.GetFunctionUrlConfigInput, optFns ...func(*lambda.Options)) (*lambda.GetFunctionUrlConfigOutput, error)
	GetPolicy(ctx context.Context, in *lambda.GetPolicyInput, optFns ...func(*lambda.Options)) (*lambda.GetPolicyOutput, error)
}

// ELBAPI reads load balancers, their listeners and rules, and target groups.
type ELBAPI interface {
	DescribeLoadBalancers(ctx context.Context, in *elb.DescribeLoadBalancersInput, optFns ...func(*elb.Options)) (*elb.DescribeLoadBalancersOutput, error)
	DescribeListeners(ctx context.Context, in *elb.DescribeListenersInput, optFns ...func(*elb.Options)) (*elb.DescribeListenersOutput, error)
	DescribeRules(ctx context.Context, in *elb.DescribeRulesInput, optFns ...func(*elb.Options)) (*elb.DescribeRulesOutput, error)
	DescribeTargetGroups(ctx context.Context, in *elb.DescribeTargetGroupsInput, optFns ...func(*elb.Options)) (*elb.DescribeTargetGroupsOutput, error)
	DescribeTags(ctx context.Context, in *elb.DescribeTagsInput, optFns ...func(*elb.Options)) (*elb.DescribeTagsOutput, error)
}

// ECSAPI reads clusters, services and task definition revisions.
type ECSAPI interface {
	DescribeClusters(ctx context.Context, in *ecs.DescribeClustersInput, optFns ...func(*ecs.Options)) (*ecs.DescribeClustersOutput, error)
	DescribeServices(ctx context.Context, in *ecs.DescribeServicesInput, optFns ...func(*ecs.Options)) (*ecs.DescribeServicesOutput, error)
	ListTaskDefinitions(ctx context.Context, in *ecs.ListTaskDefinitionsInput, optFns ...func(*ecs.Options)) (*ecs.ListTaskDefinitionsOutput, error)
}

// CloudFrontAPI reads distributions, origin access controls, CloudFront Functions,
// KeyValueStores and the tags of the last two.
type CloudFrontAPI interface {
	GetDistribution(ctx context.Context, in *cloudfront.GetDistributionInput, optFns ...func(*cloudfront.Options)) (*cloudfront.GetDistributionOutput, error)
	ListOriginAccessControls(ctx context.Context, in *cloudfront.ListOriginAccessControlsInput, optFns ...func(*cloudfront.Options)) (*cloudfront.ListOriginAccessControlsOutput, error)
	ListFunctions(ctx context.Context, in *cloudfront.ListFunctionsInput, optFns ...func(*cloudfront.Options)) (*cloudfront.ListFunctionsOutput, error)
	ListKeyValueStores(ctx context.Context, in *cloudfront.ListKeyValueStoresInput, optFns ...func(*cloudfront.Options)) (*cloudfront.ListKeyValueStoresOutput, error)
	ListTagsForResource(ctx context.Context, in *cloudfront.ListTagsForResourceInput, optFns ...func(*cloudfront.Options)) (*cloudfront.ListTagsForResourceOutput, error)
}

// EC2API reads security groups (their names: the tagging API gives only ids).
type EC2API interface {
	DescribeSecurityGroups(ctx context.Context, in *ec2.DescribeSecurityGroupsInput, optFns ...func(*ec2.Options)) (*ec2.DescribeSecurityGroupsOutput, error)
}

// ACMAPI reads a certificate's domain and status.
type ACMAPI interface {
	DescribeCertificate(ctx context.Context, in *acm.DescribeCertificateInput, optFns ...func(*acm.Options)) (*acm.DescribeCertificateOutput, error)
}

// Clients are the AWS clients the Lister reads through. The Edge* clients talk to
// us-east-1, where CloudFront-scoped resources live (CloudFront's tags in the tagging
// API, ACM certificates for CloudFront, Lambda@Edge); an Edge* client may be nil when
// the app region is us-east-1, and the regional one is used instead. CloudFront and IAM
// are global.
type Clients struct {
	Tagging     TaggingAPI
	EdgeTagging TaggingAPI
	Lambda      LambdaAPI
	EdgeLambda  LambdaAPI
	ACM         ACMAPI
	EdgeACM     ACMAPI
	IAM         IAMAPI
	ELB         ELBAPI
	ECS         ECSAPI
	EC2         EC2API
	CloudFront  CloudFrontAPI
}

// FromConfig builds real SDK clients: regional ones from cfg (the app region), the
// us-east-1 ones (and the global IAM and CloudFront) from a copy of cfg with Region
// us-east-1. cfg's API options (a call counter, say) carry over to every client.
func FromConfig(cfg aws.Config) Clients {
	edge := cfg.Copy()
	edge.Region = plan.EdgeRegion
	c := Clients{
		Tagging:    tagging.NewFromConfig(cfg),
		Lambda:     lambda.NewFromConfig(cfg),
		ACM:        acm.NewFromConfig(cfg),
		IAM:        iam.NewFromConfig(edge),
		ELB:        elb.NewFromConfig(cfg),
		ECS:        ecs.NewFromConfig(cfg),
		EC2:        ec2.NewFromConfig(cfg),
		CloudFront: cloudfront.NewFromConfig(edge),
	}
	if cfg.Region != plan.EdgeRegion {
		c.EdgeTagging = tagging.NewFromConfig(edge)
		c.EdgeLambda = lambda.NewFromConfig(edge)
		c.EdgeACM = acm.NewFromConfig(edge)
	}
	return c
}
