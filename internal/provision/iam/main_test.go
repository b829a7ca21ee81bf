package iam

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sync/atomic"
	"testing"

	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/berth-dev/berth/internal/awscalls"
	"github.com/berth-dev/berth/internal/motoserver"
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

func TestMain(m *testing.M) { os.Exit(run(m)) }

// run is motoserver.RunTests with AWS managed policies loaded: roles attach
// arn:aws:iam::aws:policy/… ARNs, which moto only knows with this switch.
func run(m *testing.M) int {
	s, err := motoserver.Start(motoserver.Options{Env: []string{"MOTO_IAM_LOAD_MANAGED_POLICIES=true"}})
	if err != nil {
		fmt.Fprintln(os.Stderr, "FAIL:", err)
		return 1
	}
	defer s.Stop()
	motoserver.Shared = s
	return m.Run()
}

// moto is one test's clients: the provisioner's, counted, and a raw one for setup and
// out-of-band changes.
type moto struct {
	calls *awscalls.Counter
	api   ClientFactory
	raw   *awsiam.Client
}

func newMoto(t *testing.T) *moto {
	t.Helper()
	cfg, err := motoserver.Shared.AWSConfig(context.Background(), "eu-west-1")
	if err != nil {
		t.Fatal(err)
	}
	raw := awsiam.NewFromConfig(cfg.Copy())
	calls := awscalls.New()
	calls.Attach(&cfg)
	return &moto{calls: calls, api: Clients(cfg), raw: raw}
}

var unique atomic.Int64

func uniqueName(prefix string) string { return fmt.Sprintf("%s-%d", prefix, unique.Add(1)) }

func testEnv(region string) provision.Env {
	return provision.Env{App: "shop", Stage: "dev", Account: motoserver.Account, Region: region}
}

func roleResource(t *testing.T, name string, props plan.RoleProps) plan.Resource {
	t.Helper()
	raw, err := json.Marshal(props)
	if err != nil {
		t.Fatal(err)
	}
	return plan.Resource{ID: "api/Role", Kind: plan.KindRole, Name: name, Region: plan.EdgeRegion, Props: raw}
}

const (
	basicExecution = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
	vpcAccess      = "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
)
