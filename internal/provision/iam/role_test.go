package iam

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
	"github.com/berth-dev/berth/internal/provision/provtest"
)

func TestRoleLifecycleAgainstMoto(t *testing.T) {
	m := newMoto(t)
	name := uniqueName("berth-shop-dev-api-role")
	initial := roleResource(t, name, plan.RoleProps{TrustServices: []string{"lambda.amazonaws.com"}, ManagedPolicyArns: []string{basicExecution}})
	updated := roleResource(t, name, plan.RoleProps{
		TrustServices:     []string{"lambda.amazonaws.com", "edgelambda.amazonaws.com"},
		ManagedPolicyArns: []string{basicExecution, vpcAccess},
		InlinePolicy: map[string]any{"Version": "2012-10-17", "Statement": []any{
			map[string]any{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::shop-assets/*"},
		}},
	})
	provtest.Lifecycle(t, provtest.Case{
		Provisioner:   NewRole(m.api),
		Env:           testEnv("eu-west-1"),
		Calls:         m.calls,
		Initial:       initial,
		Updated:       updated,
		UpdatedFields: []string{"trustServices", "managedPolicyArns", "inlinePolicy"},
		OutOfBand: func(ctx context.Context) error {
			_, err := m.raw.PutRolePolicy(ctx, &awsiam.PutRolePolicyInput{
				RoleName: aws.String(name), PolicyName: aws.String(InlinePolicyName),
				PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`),
			})
			return err
		},
		DriftField: "inlinePolicy",
	})
}

func TestRoleNotOwnedIsLeftAlone(t *testing.T) {
	m := newMoto(t)
	name := uniqueName("berth-shop-dev-api-role")
	r := roleResource(t, name, plan.RoleProps{TrustServices: []string{"lambda.amazonaws.com"}})
	provtest.NotOwned(t, NewRole(m.api), testEnv("eu-west-1"), r, func(ctx context.Context) error {
		_, err := m.raw.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[]}`)})
		return err
	})
}

func TestRoleDeleteStripsPoliciesAddedByHand(t *testing.T) {
	m := newMoto(t)
	ctx := context.Background()
	name := uniqueName("berth-shop-dev-api-role")
	r := roleResource(t, name, plan.RoleProps{TrustServices: []string{"lambda.amazonaws.com"}, ManagedPolicyArns: []string{basicExecution}})
	ro := NewRole(m.api)
	if _, err := ro.Create(ctx, testEnv("eu-west-1"), r); err != nil {
		t.Fatal(err)
	}
	assertCalls(t, m, 2, 1)
	if _, err := m.raw.AttachRolePolicy(ctx, &awsiam.AttachRolePolicyInput{RoleName: aws.String(name), PolicyArn: aws.String(vpcAccess)}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.raw.PutRolePolicy(ctx, &awsiam.PutRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String("by-hand"), PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	if err := ro.Delete(ctx, testEnv("eu-west-1"), r); err != nil {
		t.Fatal(err)
	}
	if _, err := m.raw.GetRole(ctx, &awsiam.GetRoleInput{RoleName: aws.String(name)}); !provision.IsNotFound(err) {
		t.Fatalf("role still there after delete: %v", err)
	}
}

func TestRoleTrustPolicyReadBackNamesOnlyTheServices(t *testing.T) {
	m := newMoto(t)
	ctx := context.Background()
	name := uniqueName("berth-shop-dev-api-role")
	r := roleResource(t, name, plan.RoleProps{TrustServices: []string{"lambda.amazonaws.com", "edgelambda.amazonaws.com"}})
	if _, err := NewRole(m.api).Create(ctx, testEnv("eu-west-1"), r); err != nil {
		t.Fatal(err)
	}
	out, err := m.raw.GetRole(ctx, &awsiam.GetRoleInput{RoleName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{"Service":["edgelambda.amazonaws.com","lambda.amazonaws.com"]}}],"Version":"2012-10-17"}`
	if got := normalize(aws.ToString(out.Role.AssumeRolePolicyDocument)); got != want {
		t.Fatalf("trust policy %s, want %s", got, want)
	}
	got := map[string]string{}
	for _, tag := range out.Role.Tags {
		got[aws.ToString(tag.Key)] = aws.ToString(tag.Value)
	}
	if !provision.Owned(testEnv("eu-west-1"), r, got) {
		t.Fatalf("role tags %v do not mark it as berth's", got)
	}
}

func TestRoleRefusesTrustInAnythingButAServiceBeforeCallingAWS(t *testing.T) {
	tests := []struct {
		name     string
		services []string
	}{
		{"a wildcard principal", []string{"*"}},
		{"a wildcard service", []string{"*.amazonaws.com"}},
		{"an account", []string{"arn:aws:iam::210987654321:root"}},
		{"a bare account id", []string{"210987654321"}},
		{"no service at all", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name+" is refused", func(t *testing.T) {
			r := roleResource(t, "berth-shop-dev-api-role", plan.RoleProps{TrustServices: tc.services})
			_, err := NewRole(func(string) API { return nil }).Create(context.Background(), testEnv("eu-west-1"), r)
			var re *provision.RejectedError
			if !errors.As(err, &re) {
				t.Fatalf("error %v, want *provision.RejectedError (a nil client proves no AWS call was made)", err)
			}
		})
	}
}

func TestManagedPolicyArnsFollowTheRegionsPartition(t *testing.T) {
	tests := []struct {
		name, region, want string
	}{
		{"a commercial region keeps aws", "eu-west-1", "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"},
		{"a China region uses aws-cn", "cn-north-1", "arn:aws-cn:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"},
		{"a GovCloud region uses aws-us-gov", "us-gov-west-1", "arn:aws-us-gov:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := managedArns([]string{basicExecution, basicExecution}, partition(tc.region))
			if !slices.Equal(got, []string{tc.want}) {
				t.Fatalf("managedArns = %v, want [%s]", got, tc.want)
			}
		})
	}
	if got := managedArns([]string{"arn:aws-cn:iam::aws:policy/X"}, "aws-cn"); got[0] != "arn:aws-cn:iam::aws:policy/X" {
		t.Fatalf("an ARN already in the partition changed to %s", got[0])
	}
}

func TestPolicyDocumentsCompareAsNormalizedJSON(t *testing.T) {
	tests := []struct {
		name  string
		a, b  string
		equal bool
	}{
		{"IAM's URL-encoded form equals the plain document", "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D", `{"Statement":[],"Version":"2012-10-17"}`, true},
		{"key order and spacing do not count", `{ "b": 1, "a": [ "x" ] }`, `{"a":["x"],"b":1}`, true},
		{"a literal plus is not a space", "%7B%22Action%22%3A%22a+b%22%7D", `{"Action":"a+b"}`, true},
		{"different actions differ", `{"Action":"s3:GetObject"}`, `{"Action":"s3:*"}`, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := normalize(tc.a) == normalize(tc.b); got != tc.equal {
				t.Fatalf("normalize(%q) == normalize(%q) is %v, want %v", tc.a, tc.b, got, tc.equal)
			}
		})
	}
}

func TestTrustDiffNamesForeignPrincipals(t *testing.T) {
	got := trustedServices(`{"Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com","AWS":"*"},"Action":"sts:AssumeRole"}]}`)
	if !strings.Contains(got, "AWS:*") || !strings.Contains(got, "lambda.amazonaws.com") {
		t.Fatalf("trustedServices = %q, want the service and the AWS:* principal", got)
	}
}

// assertCalls checks and logs the AWS calls one create made.
func assertCalls(t *testing.T, m *moto, mutating, read int) {
	t.Helper()
	s := m.calls.Summary()
	t.Logf("one role create: %d mutating, %d read: %+v", s.Mutating, s.Read, s.Ops)
	if s.Mutating != mutating || s.Read != read {
		t.Fatalf("one role create made %d mutating and %d read calls, want %d and %d", s.Mutating, s.Read, mutating, read)
	}
}

func TestRolesBerthCreatesCarryThePermissionsBoundaryAndKeepIt(t *testing.T) {
	m := newMoto(t)
	ctx := context.Background()
	boundary, err := m.raw.CreatePolicy(ctx, &awsiam.CreatePolicyInput{PolicyName: aws.String(uniqueName("berth-boundary")),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(boundary.Policy.Arn)
	name := uniqueName("berth-shop-dev-api-role")
	initial := roleResource(t, name, plan.RoleProps{TrustServices: []string{"lambda.amazonaws.com"}, ManagedPolicyArns: []string{basicExecution}})
	updated := roleResource(t, name, plan.RoleProps{TrustServices: []string{"lambda.amazonaws.com"}, ManagedPolicyArns: []string{basicExecution, vpcAccess}})
	provtest.Lifecycle(t, provtest.Case{
		Provisioner:   NewRole(m.api, WithPermissionsBoundary(arn)),
		Env:           testEnv("eu-west-1"),
		Calls:         m.calls,
		Initial:       initial,
		Updated:       updated,
		UpdatedFields: []string{"managedPolicyArns"},
		OutOfBand: func(ctx context.Context) error {
			_, err := m.raw.DeleteRolePermissionsBoundary(ctx, &awsiam.DeleteRolePermissionsBoundaryInput{RoleName: aws.String(name)})
			return err
		},
		DriftField: "permissionsBoundary",
	})
}
