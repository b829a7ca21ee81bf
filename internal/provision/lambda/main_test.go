package lambda

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/berth-dev/berth/internal/awscalls"
	"github.com/berth-dev/berth/internal/motoserver"
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

func TestMain(m *testing.M) { os.Exit(motoserver.RunTests(m)) }

// Region the tests' app runs in; the body signer goes to plan.EdgeRegion.
const testRegion = "eu-west-1"

// moto is one test's view of the emulator: provisioner clients counted by calls, and
// uncounted raw clients for setup and out-of-band changes.
type moto struct {
	calls   *awscalls.Counter
	clients ClientFactory
	raw     func(region string) *awslambda.Client
	iam     *awsiam.Client
}

func newMoto(t *testing.T) *moto {
	t.Helper()
	ctx := context.Background()
	cfg, err := motoserver.Shared.AWSConfig(ctx, testRegion)
	if err != nil {
		t.Fatal(err)
	}
	rawCfg := cfg.Copy()
	calls := awscalls.New()
	calls.Attach(&cfg)
	return &moto{
		calls:   calls,
		clients: Clients(cfg),
		raw: func(region string) *awslambda.Client {
			return awslambda.NewFromConfig(rawCfg, func(o *awslambda.Options) { o.Region = region })
		},
		iam: awsiam.NewFromConfig(rawCfg),
	}
}

var unique atomic.Int64

// uniqueName keeps tests apart in the one emulator they share.
func uniqueName(prefix string) string {
	return fmt.Sprintf("%s-%d", prefix, unique.Add(1))
}

// role makes an execution role Lambda (and Lambda@Edge) can assume; moto checks the role
// exists when a function is created.
func (m *moto) role(t *testing.T) string {
	t.Helper()
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":["edgelambda.amazonaws.com","lambda.amazonaws.com"]},"Action":"sts:AssumeRole"}]}`
	out, err := m.iam.CreateRole(context.Background(), &awsiam.CreateRoleInput{RoleName: aws.String(uniqueName("role")), AssumeRolePolicyDocument: aws.String(trust)})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.Role.Arn)
}

// imageFunction creates a function with the raw client: owned by functionID when tags is
// set, foreign otherwise.
func (m *moto) imageFunction(t *testing.T, name, role string, tags map[string]string) string {
	t.Helper()
	out, err := m.raw(testRegion).CreateFunction(context.Background(), &awslambda.CreateFunctionInput{
		FunctionName: aws.String(name),
		PackageType:  "Image",
		Code:         &lambdatypes.FunctionCode{ImageUri: aws.String(image("v1"))},
		Role:         aws.String(role),
		Tags:         tags,
	})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.FunctionArn)
}

func image(tag string) string {
	return motoserver.Account + ".dkr.ecr." + testRegion + ".amazonaws.com/shop-api:" + tag
}

// testKey is the installation's fingerprint key in these tests.
var testKey = []byte("lambda-test-installation-key-0123456789")

// testEnv is the app/stage every test deploys.
func testEnv(refs provision.OutputsByID) provision.Env {
	return provision.Env{App: "shop", Stage: "dev", Account: motoserver.Account, Region: testRegion, Refs: refs, Secrets: secrets{}, FingerprintKey: testKey}
}

// secrets is a fixed secret store.
type secrets map[string]string

func (s secrets) ResolveSecret(_ context.Context, ref string) (string, error) {
	if v, ok := s[ref]; ok {
		return v, nil
	}
	if v, ok := testSecrets[ref]; ok {
		return v, nil
	}
	return "", fmt.Errorf("no secret %s", ref)
}

var testSecrets = map[string]string{"ssm:/shop/db-url": "postgres://u:hunter2@db/shop", "ssm:/shop/db-url-v2": "postgres://u:correct-horse@db/shop"}

// resource builds a plan resource with props encoded as the planner does.
func resource(t *testing.T, id string, kind plan.Kind, name, region string, props any) plan.Resource {
	t.Helper()
	raw, err := json.Marshal(props)
	if err != nil {
		t.Fatal(err)
	}
	return plan.Resource{ID: id, Kind: kind, Name: name, Region: region, Props: raw}
}

// ownedTags are the tags berth gives the function with logical id "api/Function".
func ownedTags() map[string]string {
	return provision.Tags(testEnv(nil), plan.Resource{ID: "api/Function"})
}
