package codebuild

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"sync/atomic"
	"testing"

	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	cb "github.com/aws/aws-sdk-go-v2/service/codebuild"
	awsecr "github.com/aws/aws-sdk-go-v2/service/ecr"

	"github.com/berth-dev/berth/internal/awscalls"
	"github.com/berth-dev/berth/internal/motoserver"
	"github.com/berth-dev/berth/internal/provision"
)

func TestMain(m *testing.M) { os.Exit(motoserver.RunTests(m)) }

const testRegion = "eu-west-1"

// The project is the installation's, not an app's: its env names the installation.
var env = provision.Env{App: "berth", Stage: "main", Account: motoserver.Account, Region: testRegion}

var roleArn = "arn:aws:iam::" + motoserver.Account + ":role/berth-main-codebuild"

// clients is one test's moto clients; the counted ones are what berth's code gets.
type clients struct {
	calls     *awscalls.Counter
	codebuild MotoProjects
	ecr       *awsecr.Client
	logs      *cwl.Client
	raw       MotoProjects // uncounted, for setup and out-of-band changes
	rawECR    *awsecr.Client
	rawLogs   *cwl.Client
}

func newClients(t *testing.T) *clients {
	t.Helper()
	cfg, err := motoserver.Shared.AWSConfig(context.Background(), testRegion)
	if err != nil {
		t.Fatal(err)
	}
	cfg.HTTPClient = &http.Client{Transport: MotoTimestamps(nil)}
	raw := cfg.Copy()
	calls := awscalls.New()
	calls.Attach(&cfg)
	return &clients{
		calls: calls, codebuild: MotoProjects{cb.NewFromConfig(cfg)}, ecr: awsecr.NewFromConfig(cfg), logs: cwl.NewFromConfig(cfg),
		raw: MotoProjects{cb.NewFromConfig(raw)}, rawECR: awsecr.NewFromConfig(raw), rawLogs: cwl.NewFromConfig(raw),
	}
}

var unique atomic.Int64

func projectName(arch string) string {
	return fmt.Sprintf("berth-main-build-%s-%d", arch, unique.Add(1))
}
