package iamcheck

import (
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/berth-dev/berth"
	"github.com/berth-dev/berth/internal/awscalls"
)

var install = Install{Partition: "aws", Region: "eu-west-1", Account: "123456789012", StackName: "berth",
	Names: map[string]string{"ConfigBucket": "berth-config", "ArtifactsBucket": "berth-artifacts", "StateTable": "berth-state"}}

func loadChecker(t *testing.T) (*Checker, *Template) {
	t.Helper()
	probe, err := Parse(berth.Template, install)
	if err != nil {
		t.Fatal(err)
	}
	c, tpl, err := Load(berth.Template, install, probe.ManagedPolicyArn("BerthRoleBoundary"))
	if err != nil {
		t.Fatal(err)
	}
	return c, tpl
}

func call(fn, svc, op, region string, in any) awscalls.Call {
	return awscalls.Call{Function: fn, Service: svc, Operation: op, Region: region, Input: in}
}

var appTags = map[string]string{"berth:app": "shop", "berth:stage": "prod", "berth:resource": "api/Function"}

// Calls berth makes on every deploy or removal, each allowed by template.yaml — among them
// the ones the IAM audit found denied (iam-coverage F1-F5, F10).
func TestTheTemplateAllowsWhatBerthCallsOnAWS(t *testing.T) {
	c, _ := loadChecker(t)
	for _, err := range c.Check(allowCalls()) {
		t.Error(err)
	}
}

func allowCalls() []awscalls.Call {
	return []awscalls.Call{
		call("berth-cdn", "CloudFront", "CreateFunction", "us-east-1", &cloudfront.CreateFunctionInput{Name: aws.String("berth-shop-prod-router-abc123"),
			Tags: &cftypes.Tags{Items: []cftypes.Tag{{Key: aws.String("berth:app"), Value: aws.String("shop")}}}}),
		call("berth-cdn", "CloudFront", "CreateKeyValueStore", "us-east-1", &cloudfront.CreateKeyValueStoreInput{Name: aws.String("berth-shop-prod-routes"),
			Tags: &cftypes.Tags{Items: []cftypes.Tag{{Key: aws.String("berth:app"), Value: aws.String("shop")}}}}),
		call("berth-verify", "CloudFront", "ListTagsForResource", "us-east-1", &cloudfront.ListTagsForResourceInput{Resource: aws.String("arn:aws:cloudfront::123456789012:key-value-store/0a1b2c")}),
		call("berth-verify", "CloudFront", "ListFunctions", "us-east-1", &cloudfront.ListFunctionsInput{}),
		call("berth-verify", "IAM", "ListRoles", "us-east-1", &iam.ListRolesInput{}),
		call("berth-compute", "IAM", "DeleteRole", "us-east-1", &iam.DeleteRoleInput{RoleName: aws.String("berth-shop-prod-api-role-d58d33")}),
		call("berth-compensate", "IAM", "DeleteRole", "us-east-1", &iam.DeleteRoleInput{RoleName: aws.String("berth-shop-prod-api-role-d58d33")}),
		call("berth-compute", "IAM", "CreateRole", "us-east-1", &iam.CreateRoleInput{RoleName: aws.String("berth-shop-prod-api-role-d58d33"),
			PermissionsBoundary: aws.String("arn:aws:iam::123456789012:policy/berth/BerthRoleBoundary"),
			Tags:                []iamtypes.Tag{{Key: aws.String("berth:app"), Value: aws.String("shop")}}}),
		call("berth-compute", "Lambda", "CreateFunction", "eu-west-1", &lambda.CreateFunctionInput{FunctionName: aws.String("berth-shop-prod-api-abc123"),
			Role: aws.String("arn:aws:iam::123456789012:role/berth-shop-prod-api-role-d58d33"), Tags: appTags}),
		call("berth-commit", "S3", "GetObject", "eu-west-1", &s3.GetObjectInput{Bucket: aws.String("berth-config"), Key: aws.String("shop/prod/serverless.containers.yml"), VersionId: aws.String("v1")}),
		call("berth-validate", "SSM", "GetParameter", "eu-west-1", &ssm.GetParameterInput{Name: aws.String("/berth/shop/prod/env/API_KEY")}),
		call("berth-validate", "ECR", "DescribeImages", "eu-west-1", &ecr.DescribeImagesInput{RegistryId: aws.String("123456789012"), RepositoryName: aws.String("shop/api")}),
		call("berth-plan", "ECR", "DescribeImages", "us-east-1", &ecr.DescribeImagesInput{RepositoryName: aws.String("web")}),
		// validate reads a private app's deployment.awsAlb.privateHostedZoneId.
		call("berth-validate", "Route 53", "GetHostedZone", "us-east-1", &route53.GetHostedZoneInput{Id: aws.String("Z0123456789ABCDEFGHIJ")}),
	}
}

func TestTheTemplateRefusesWhatBerthMustNotDo(t *testing.T) {
	c, _ := loadChecker(t)
	tests := []struct {
		name string
		call awscalls.Call
	}{
		{"a router function created without the ownership tag", call("berth-cdn", "CloudFront", "CreateFunction", "us-east-1",
			&cloudfront.CreateFunctionInput{Name: aws.String("berth-shop-prod-router-abc123")})},
		{"a Lambda function outside berth's names", call("berth-compute", "Lambda", "DeleteFunction", "eu-west-1",
			&lambda.DeleteFunctionInput{FunctionName: aws.String("payroll")})},
		{"a role without the boundary", call("berth-compute", "IAM", "CreateRole", "us-east-1", &iam.CreateRoleInput{
			RoleName: aws.String("berth-shop-prod-api-role-d58d33"), Tags: []iamtypes.Tag{{Key: aws.String("berth:app"), Value: aws.String("shop")}}})},
		{"an SSM parameter outside /berth/ by default", call("berth-validate", "SSM", "GetParameter", "eu-west-1",
			&ssm.GetParameterInput{Name: aws.String("/prod/db/password")})},
		{"an image in another account's registry", call("berth-plan", "ECR", "DescribeImages", "eu-west-1",
			&ecr.DescribeImagesInput{RegistryId: aws.String("999999999999"), RepositoryName: aws.String("web")})},
		{"image reads from a function that does not pin images", call("berth-lock", "ECR", "DescribeImages", "eu-west-1",
			&ecr.DescribeImagesInput{RepositoryName: aws.String("web")})},
		{"a hosted zone read by a function that checks no private zone", call("berth-compute", "Route 53", "GetHostedZone", "us-east-1",
			&route53.GetHostedZoneInput{Id: aws.String("Z0123456789ABCDEFGHIJ")})},
		{"a function writing what is not its job", call("berth-validate", "S3", "PutObject", "eu-west-1",
			&s3.PutObjectInput{Bucket: aws.String("berth-artifacts"), Key: aws.String("applied/shop/prod/applied.json")})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := c.Check([]awscalls.Call{tt.call})
			var d *Denied
			if len(errs) != 1 || !errors.As(errs[0], &d) {
				t.Fatalf("Check = %v, want one denial", errs)
			}
		})
	}
}

// Removing a statement the code needs makes the check fail, naming function, action,
// resource and the statement to add.
func TestRemovingANeededStatementFailsNamingFunctionActionAndResource(t *testing.T) {
	c, _ := loadChecker(t)
	kvs := call("berth-cdn", "CloudFront", "CreateKeyValueStore", "us-east-1", &cloudfront.CreateKeyValueStoreInput{Name: aws.String("berth-shop-prod-routes"),
		Tags: &cftypes.Tags{Items: []cftypes.Tag{{Key: aws.String("berth:app"), Value: aws.String("shop")}}}})
	if errs := c.Check([]awscalls.Call{kvs}); len(errs) != 0 {
		t.Fatalf("with the full template: %v", errs)
	}
	errs := c.Without("CdnApplyPolicy", "TagEdgeResourcesOnCreate").Check([]awscalls.Call{kvs})
	if len(errs) != 1 {
		t.Fatalf("without TagEdgeResourcesOnCreate: %v, want one denial", errs)
	}
	msg := errs[0].Error()
	for _, want := range []string{"berth-cdn", "cloudfront:TagResource", "arn:aws:cloudfront::123456789012:key-value-store/", "add to the function's role"} {
		if !strings.Contains(msg, want) {
			t.Errorf("%q does not name %q", msg, want)
		}
	}
}

func TestAnUnmappedCallFailsSayingWhereToMapIt(t *testing.T) {
	c, _ := loadChecker(t)
	errs := c.Check([]awscalls.Call{call("berth-compute", "Lambda", "PutProvisionedConcurrencyConfig", "eu-west-1", &lambda.PutProvisionedConcurrencyConfigInput{})})
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "internal/iamcheck/actions.go") || !strings.Contains(errs[0].Error(), "Lambda:PutProvisionedConcurrencyConfig") {
		t.Fatalf("Check = %v, want an error naming the call and where to map it", errs)
	}
}

func TestEveryFunctionOfTheTemplateHasPolicies(t *testing.T) {
	c, _ := loadChecker(t)
	for _, fn := range []string{"validate", "lock", "plan", "compute", "alb", "cdn", "verify", "commit", "compensate", "unlock", "drift", "api"} {
		if p := c.Policies["berth-"+fn]; p == nil || len(p.Statements) == 0 {
			t.Errorf("berth-%s: no policies rendered", fn)
		}
	}
}

func TestADistributionCreatedWithTagsAndMotosARNsAreRecognised(t *testing.T) {
	c, _ := loadChecker(t)
	calls := []awscalls.Call{
		call("berth-cdn", "CloudFront", "CreateDistributionWithTags", "us-east-1", &cloudfront.CreateDistributionWithTagsInput{
			DistributionConfigWithTags: &cftypes.DistributionConfigWithTags{Tags: &cftypes.Tags{Items: []cftypes.Tag{{Key: aws.String("berth:app"), Value: aws.String("shop")}}}}}),
		call("berth-verify", "CloudFront", "ListTagsForResource", "us-east-1", &cloudfront.ListTagsForResourceInput{Resource: aws.String("arn:aws:cloudfront:123456789012:distribution/E1")}),
	}
	for _, err := range c.Check(calls) {
		t.Error(err)
	}
}
