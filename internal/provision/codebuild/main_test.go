package codebuild

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	cb "github.com/aws/aws-sdk-go-v2/service/codebuild"
	"github.com/aws/aws-sdk-go-v2/service/codebuild/types"
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

// motoCodeBuild is the real SDK client against moto with two moto 5.2.1 gaps filled the
// way AWS behaves:
//   - moto requires source.location for every source type (codebuild/responses.py,
//     _validate_required_params_source); AWS takes none for NO_SOURCE, whose build is the
//     buildspec (API_ProjectSource). A placeholder location is sent to moto only.
//   - moto has no UpdateProject; AWS changes the given settings of the project in place
//     and keeps the rest, tags included (API_UpdateProject). Here: read, delete, recreate
//     with the changes applied.
type motoCodeBuild struct{ *cb.Client }

func (m motoCodeBuild) CreateProject(ctx context.Context, in *cb.CreateProjectInput, opts ...func(*cb.Options)) (*cb.CreateProjectOutput, error) {
	if in.Source != nil && in.Source.Type == types.SourceTypeNoSource && in.Source.Location == nil {
		cp, src := *in, *in.Source
		src.Location = aws.String("moto-requires-a-location")
		cp.Source = &src
		in = &cp
	}
	return m.Client.CreateProject(ctx, in, opts...)
}

func (m motoCodeBuild) UpdateProject(ctx context.Context, in *cb.UpdateProjectInput, opts ...func(*cb.Options)) (*cb.UpdateProjectOutput, error) {
	got, err := m.Client.BatchGetProjects(ctx, &cb.BatchGetProjectsInput{Names: []string{aws.ToString(in.Name)}})
	if err != nil || len(got.Projects) == 0 {
		return nil, fmt.Errorf("update project %s: not found (%v)", aws.ToString(in.Name), err)
	}
	p := got.Projects[0]
	create := &cb.CreateProjectInput{Name: p.Name, Source: p.Source, Environment: p.Environment, LogsConfig: p.LogsConfig,
		Artifacts: p.Artifacts, ServiceRole: p.ServiceRole, TimeoutInMinutes: p.TimeoutInMinutes, Tags: p.Tags, Description: p.Description}
	if in.Source != nil {
		create.Source = in.Source
	}
	if in.Environment != nil {
		create.Environment = in.Environment
	}
	if in.LogsConfig != nil {
		create.LogsConfig = in.LogsConfig
	}
	if in.ServiceRole != nil {
		create.ServiceRole = in.ServiceRole
	}
	if in.TimeoutInMinutes != nil {
		create.TimeoutInMinutes = in.TimeoutInMinutes
	}
	if _, err := m.Client.DeleteProject(ctx, &cb.DeleteProjectInput{Name: in.Name}); err != nil {
		return nil, err
	}
	out, err := m.CreateProject(ctx, create, opts...)
	if err != nil {
		return nil, err
	}
	return &cb.UpdateProjectOutput{Project: out.Project}, nil
}

// clients is one test's moto clients; the counted ones are what berth's code gets.
type clients struct {
	calls     *awscalls.Counter
	codebuild motoCodeBuild
	ecr       *awsecr.Client
	logs      *cwl.Client
	raw       motoCodeBuild // uncounted, for setup and out-of-band changes
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
		calls: calls, codebuild: motoCodeBuild{cb.NewFromConfig(cfg)}, ecr: awsecr.NewFromConfig(cfg), logs: cwl.NewFromConfig(cfg),
		raw: motoCodeBuild{cb.NewFromConfig(raw)}, rawECR: awsecr.NewFromConfig(raw), rawLogs: cwl.NewFromConfig(raw),
	}
}

var unique atomic.Int64

func projectName(arch string) string {
	return fmt.Sprintf("berth-main-build-%s-%d", arch, unique.Add(1))
}
