package codebuild

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/berth-dev/berth/internal/plan"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	cwltypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	cb "github.com/aws/aws-sdk-go-v2/service/codebuild"
	"github.com/aws/aws-sdk-go-v2/service/codebuild/types"
	awsecr "github.com/aws/aws-sdk-go-v2/service/ecr"
)

const manifest = `{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":2,"digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"},"layers":[]}`

// manifestDigest is what ECR reports for an image: the sha256 of its manifest.
func manifestDigest() string {
	sum := sha256.Sum256([]byte(manifest))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// fixture is a project and a repository in moto, and a build request for them.
type fixture struct {
	c   *clients
	req BuildRequest
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	c := newClients(t)
	ctx := context.Background()
	project := projectName("arm64")
	if _, err := NewProject(func(string) ProjectAPI { return c.raw }).Create(ctx, env, projectResource(t, project, ProjectProps{Arch: "arm64", ServiceRole: plan.RoleRef{Arn: roleArn}})); err != nil {
		t.Fatal(err)
	}
	repo := fmt.Sprintf("berth/shop-dev/api-%d", unique.Add(1))
	out, err := c.rawECR.CreateRepository(ctx, &awsecr.CreateRepositoryInput{RepositoryName: aws.String(repo)})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{c: c, req: BuildRequest{
		Container: "api", Project: project, Repository: repo, RepositoryUri: aws.ToString(out.Repository.RepositoryUri),
		SourceBucket: "artifacts", SourceKey: "shop/dev/src/abc.tar.gz", SourceHash: strings.Repeat("ab", 32),
	}}
}

func (f *fixture) builder(api BuildAPI) *Builder {
	if api == nil {
		api = f.c.codebuild
	}
	return &Builder{CodeBuild: api, Images: f.c.ecr, Logs: f.c.logs}
}

// pushed puts the image CodeBuild would have pushed, tagged with the source hash.
func (f *fixture) pushed(t *testing.T) {
	t.Helper()
	if _, err := f.c.rawECR.PutImage(context.Background(), &awsecr.PutImageInput{
		RepositoryName: aws.String(f.req.Repository), ImageManifest: aws.String(manifest),
		ImageTag: aws.String(f.req.SourceHash), ImageDigest: aws.String(manifestDigest()),
	}); err != nil {
		t.Fatal(err)
	}
}

func TestUnchangedSourceIsNotBuiltAgain(t *testing.T) {
	f := newFixture(t)
	f.pushed(t)
	st, err := f.builder(nil).Start(context.Background(), f.req)
	if err != nil {
		t.Fatal(err)
	}
	if !st.Done || st.BuildID != "" || st.Digest != manifestDigest() {
		t.Fatalf("state %+v; want done with %s and no build", st, manifestDigest())
	}
	if s := f.c.calls.Summary(); s.Mutating != 0 {
		t.Fatalf("a build of unchanged source made %d mutating calls: %+v", s.Mutating, s.Ops)
	}
}

func TestABuildIsStartedAndObservedUntilItsImageIsThere(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	b := f.builder(nil)
	st, err := b.Start(ctx, f.req)
	if err != nil {
		t.Fatal(err)
	}
	if st.Done || !strings.HasPrefix(st.BuildID, f.req.Project+":") {
		t.Fatalf("after start %+v", st)
	}
	if s := f.c.calls.Summary(); s.Mutating != 1 || len(s.Ops) != 2 || s.Ops[0].Operation != "StartBuild" {
		t.Fatalf("start made %+v, want one StartBuild after one ECR read", s.Ops)
	}
	f.pushed(t) // what the buildspec's push does
	st, err = b.Observe(ctx, f.req, st)
	if err != nil {
		t.Fatal(err)
	}
	if !st.Done || st.Digest != manifestDigest() || st.Status != "SUCCEEDED" {
		t.Fatalf("after observe %+v", st)
	}
}

func TestASucceededBuildWithoutItsImageFails(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	b := f.builder(nil)
	st, err := b.Start(ctx, f.req)
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.Observe(ctx, f.req, st)
	var bf *BuildFailedError
	if !errors.As(err, &bf) || !strings.Contains(bf.Message, "no image tagged "+f.req.SourceHash) {
		t.Fatalf("got %v, want *BuildFailedError about the missing image", err)
	}
}

// reportedBuild stands in for CodeBuild's BatchGetBuilds where moto cannot: moto 5.2.1
// reports every build SUCCEEDED on its next read, even one it stopped
// (codebuild/models.py, batch_get_builds). The build returned has the shape AWS documents
// (API_Build, API_BuildPhase, API_PhaseContext, API_LogsLocation). StartBuild is moto's.
type reportedBuild struct {
	BuildAPI
	build types.Build
}

func (r reportedBuild) BatchGetBuilds(ctx context.Context, in *cb.BatchGetBuildsInput, opts ...func(*cb.Options)) (*cb.BatchGetBuildsOutput, error) {
	b := r.build
	b.Id = aws.String(in.Ids[0])
	return &cb.BatchGetBuildsOutput{Builds: []types.Build{b}}, nil
}

func phases(failed types.BuildPhaseType, status types.StatusType, message string) []types.BuildPhase {
	var out []types.BuildPhase
	for _, p := range []types.BuildPhaseType{types.BuildPhaseTypeSubmitted, types.BuildPhaseTypeProvisioning, types.BuildPhaseTypePreBuild, types.BuildPhaseTypeBuild} {
		ph := types.BuildPhase{PhaseType: p, PhaseStatus: types.StatusTypeSucceeded}
		if p == failed {
			ph.PhaseStatus = status
			ph.Contexts = []types.PhaseContext{{StatusCode: aws.String("COMMAND_EXECUTION_ERROR"), Message: aws.String(message)}}
			out = append(out, ph)
			break
		}
		out = append(out, ph)
	}
	return out
}

// writeLog puts n lines into the log CodeBuild writes for build id.
func (f *fixture) writeLog(t *testing.T, group, stream string, n int) {
	t.Helper()
	ctx := context.Background()
	if _, err := f.c.rawLogs.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String(group)}); err != nil && !strings.Contains(err.Error(), "AlreadyExists") {
		t.Fatal(err)
	}
	if _, err := f.c.rawLogs.CreateLogStream(ctx, &cwl.CreateLogStreamInput{LogGroupName: aws.String(group), LogStreamName: aws.String(stream)}); err != nil {
		t.Fatal(err)
	}
	now := time.Now().Add(-time.Minute).UnixMilli()
	var events []cwltypes.InputLogEvent
	for i := range n {
		events = append(events, cwltypes.InputLogEvent{Message: aws.String(fmt.Sprintf("line %d\n", i)), Timestamp: aws.Int64(now + int64(i))})
	}
	if _, err := f.c.rawLogs.PutLogEvents(ctx, &cwl.PutLogEventsInput{LogGroupName: aws.String(group), LogStreamName: aws.String(stream), LogEvents: events}); err != nil {
		t.Fatal(err)
	}
}

func TestAFailedBuildFailsWithTheTailOfItsLogAndALink(t *testing.T) {
	tests := []struct {
		name   string
		status types.StatusType
		// logsReported: the build names its log group and stream, as AWS does; without,
		// berth finds them from the project's group and the build id.
		logsReported bool
	}{
		{"a failed build command", types.StatusTypeFailed, true},
		{"a CodeBuild fault", types.StatusTypeFault, true},
		{"a build over its timeout", types.StatusTypeTimedOut, false},
		{"a stopped build", types.StatusTypeStopped, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			ctx := context.Background()
			st, err := f.builder(nil).Start(ctx, f.req)
			if err != nil {
				t.Fatal(err)
			}
			_, stream, _ := strings.Cut(st.BuildID, ":")
			group := LogGroup(f.req.Project)
			f.writeLog(t, group, stream, 60)
			link := "https://console.aws.amazon.com/cloudwatch/home?region=eu-west-1#logEvent:group=" + group
			build := types.Build{BuildStatus: tc.status, Phases: phases(types.BuildPhaseTypeBuild, tc.status, "Error while executing command: docker build. Reason: exit status 1"),
				Logs: &types.LogsLocation{DeepLink: aws.String(link)}}
			if tc.logsReported {
				build.Logs.GroupName, build.Logs.StreamName = aws.String(group), aws.String(stream)
			}
			_, err = f.builder(reportedBuild{f.c.codebuild, build}).Observe(ctx, f.req, st)
			var bf *BuildFailedError
			if !errors.As(err, &bf) {
				t.Fatalf("got %v, want *BuildFailedError", err)
			}
			if bf.Status != string(tc.status) || bf.Phase != "BUILD" || !strings.Contains(bf.Message, "docker build") || bf.LogLink != link || bf.Container != "api" {
				t.Fatalf("error %+v", bf)
			}
			if len(bf.LogTail) != DefaultTailLines || bf.LogTail[0] != "line 20" || bf.LogTail[len(bf.LogTail)-1] != "line 59" {
				t.Fatalf("log tail %q, want lines 20 to 59", bf.LogTail)
			}
			msg := bf.Error()
			for _, want := range []string{"container api", string(tc.status), "in phase BUILD", link, "line 59"} {
				if !strings.Contains(msg, want) {
					t.Errorf("message lacks %q:\n%s", want, msg)
				}
			}
		})
	}
}

func TestABuildStillRunningIsNotDone(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	st, err := f.builder(nil).Start(ctx, f.req)
	if err != nil {
		t.Fatal(err)
	}
	running := types.Build{BuildStatus: types.StatusTypeInProgress, CurrentPhase: aws.String("BUILD")}
	got, err := f.builder(reportedBuild{f.c.codebuild, running}).Observe(ctx, f.req, st)
	if err != nil || got.Done || got.Status != "IN_PROGRESS" || got.BuildID != st.BuildID {
		t.Fatalf("observe of a running build: %+v, %v", got, err)
	}
}

func TestAFailedBuildWhoseLogIsGoneStillFailsWithItsStatus(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	st, err := f.builder(nil).Start(ctx, f.req)
	if err != nil {
		t.Fatal(err)
	}
	failed := types.Build{BuildStatus: types.StatusTypeFailed, Phases: phases(types.BuildPhaseTypePreBuild, types.StatusTypeFailed, "source archive does not match")}
	_, err = f.builder(reportedBuild{f.c.codebuild, failed}).Observe(ctx, f.req, st)
	var bf *BuildFailedError
	if !errors.As(err, &bf) || bf.Phase != "PRE_BUILD" || bf.LogTail != nil {
		t.Fatalf("got %+v", err)
	}
}
