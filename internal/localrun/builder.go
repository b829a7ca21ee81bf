package localrun

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	cwltypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	cb "github.com/aws/aws-sdk-go-v2/service/codebuild"
	cbtypes "github.com/aws/aws-sdk-go-v2/service/codebuild/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/berth-dev/berth/internal/awsdeps"
	"github.com/berth-dev/berth/internal/imagebuild"
	cbprov "github.com/berth-dev/berth/internal/provision/codebuild"
)

// FailBuildMarker is a file which, in a source tree, makes the local builder fail the
// build the way CodeBuild reports a failed one (status FAILED, log in CloudWatch Logs).
const FailBuildMarker = "BERTH_LOCAL_BUILD_FAILS"

// StandInAdapter is the local runtime's stand-in for the Lambda Web Adapter binary: a
// small deterministic file, so the appended layer (and the image digest) is stable. On
// AWS berth fetches the pinned adapter image (imagebuild.AdapterImage).
func StandInAdapter(arch string) []byte {
	return []byte("#!/bin/sh\n# berth local runtime: stand-in for the AWS Lambda Web Adapter " + imagebuild.AdapterVersion + " (linux/" + arch + ")\n")
}

// localImages builds images where CodeBuild would: the build step's CodeBuild and ECR
// calls go to the emulator, and each StartBuild first runs imagebuild.LocalBuilder,
// which pushes the image to a real OCI registry on loopback (go-containerregistry's
// pkg/registry), and records it in the emulator's ECR (imagebuild.Register), which has
// no registry of its own. Repository URIs stay ECR's: requests to any ECR registry host
// go to the loopback registry.
type localImages struct {
	env *Env
	srv *httptest.Server

	mu     sync.Mutex
	failed map[string][]string // build id -> log lines of a failed build
}

var sessionsImages sync.Map // *Env -> *localImages

// imagesFor returns env's local image builder, starting its registry on first use.
func imagesFor(env *Env) *localImages {
	if l, ok := sessionsImages.Load(env); ok {
		return l.(*localImages)
	}
	l, _ := sessionsImages.LoadOrStore(env, &localImages{env: env, srv: httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0)))), failed: map[string][]string{}})
	return l.(*localImages)
}

// closeImages stops env's registry.
func closeImages(env *Env) {
	if l, ok := sessionsImages.LoadAndDelete(env); ok {
		l.(*localImages).srv.Close()
	}
}

// hooks are what the handlers use instead of CodeBuild's builders and ECR's registry.
func (l *localImages) hooks() awsdeps.ImageHooks {
	return awsdeps.ImageHooks{
		CodeBuild: func(region string, api cbprov.BuildAPI) cbprov.BuildAPI {
			return localCodeBuild{BuildAPI: api, l: l, region: region}
		},
		Registry: l.options(),
		Adapter:  func(_ context.Context, arch string) ([]byte, error) { return StandInAdapter(arch), nil },
		Pushed: func(ctx context.Context, region, repository, tag, ref string) error {
			return imagebuild.Register(ctx, l.env.ecr(region), repository, tag, ref, l.options()...)
		},
	}
}

func (l *localImages) options() []remote.Option {
	return []remote.Option{remote.WithTransport(toLoopback{host: strings.TrimPrefix(l.srv.URL, "http://")})}
}

// toLoopback sends every registry request to the loopback registry, over plain HTTP.
type toLoopback struct{ host string }

func (t toLoopback) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	r.URL.Scheme, r.URL.Host, r.Host = "http", t.host, t.host
	return http.DefaultTransport.RoundTrip(r)
}

// localCodeBuild is CodeBuild in the emulator with the local builder run at StartBuild.
type localCodeBuild struct {
	cbprov.BuildAPI
	l      *localImages
	region string
}

func (c localCodeBuild) StartBuild(ctx context.Context, in *cb.StartBuildInput, opts ...func(*cb.Options)) (*cb.StartBuildOutput, error) {
	vars := map[string]string{}
	for _, v := range in.EnvironmentVariablesOverride {
		vars[aws.ToString(v.Name)] = aws.ToString(v.Value)
	}
	logLines, buildErr := c.l.build(ctx, c.region, vars)
	out, err := c.BuildAPI.StartBuild(ctx, in, opts...)
	if err != nil || buildErr == nil {
		return out, err
	}
	id := aws.ToString(out.Build.Id)
	project, stream, _ := strings.Cut(id, ":")
	lines := append(logLines, buildErr.Error())
	c.l.mu.Lock()
	c.l.failed[id] = lines
	c.l.mu.Unlock()
	return out, c.l.writeLog(ctx, c.region, cbprov.LogGroup(project), stream, lines)
}

// BatchGetBuilds reports the builds the local builder failed as CodeBuild reports a
// failed build: status FAILED, the BUILD phase FAILED with its message, and where the
// log is (API_Build, API_BuildPhase, API_LogsLocation).
func (c localCodeBuild) BatchGetBuilds(ctx context.Context, in *cb.BatchGetBuildsInput, opts ...func(*cb.Options)) (*cb.BatchGetBuildsOutput, error) {
	out, err := c.BuildAPI.BatchGetBuilds(ctx, in, opts...)
	if err != nil {
		return out, err
	}
	c.l.mu.Lock()
	defer c.l.mu.Unlock()
	for i, b := range out.Builds {
		lines, failed := c.l.failed[aws.ToString(b.Id)]
		if !failed {
			continue
		}
		project, stream, _ := strings.Cut(aws.ToString(b.Id), ":")
		b.BuildStatus = cbtypes.StatusTypeFailed
		b.Phases = []cbtypes.BuildPhase{{PhaseType: cbtypes.BuildPhaseTypeBuild, PhaseStatus: cbtypes.StatusTypeFailed,
			Contexts: []cbtypes.PhaseContext{{StatusCode: aws.String("COMMAND_EXECUTION_ERROR"), Message: aws.String(lines[len(lines)-1])}}}}
		b.Logs = &cbtypes.LogsLocation{GroupName: aws.String(cbprov.LogGroup(project)), StreamName: aws.String(stream),
			DeepLink: aws.String("https://console.aws.amazon.com/cloudwatch/home?region=" + c.region + "#logEvent:group=" + cbprov.LogGroup(project) + ";stream=" + stream)}
		out.Builds[i] = b
	}
	return out, nil
}

// build runs the local builder for one StartBuild's variables: the log lines it wrote,
// and an error when the build fails.
func (l *localImages) build(ctx context.Context, region string, vars map[string]string) ([]string, error) {
	obj, err := s3.NewFromConfig(l.env.AWS, func(o *s3.Options) { o.UsePathStyle = true }).GetObject(ctx, &s3.GetObjectInput{
		Bucket: aws.String(vars[cbprov.EnvSourceBucket]), Key: aws.String(vars[cbprov.EnvSourceKey])})
	if err != nil {
		return nil, fmt.Errorf("download source archive: %w", err)
	}
	defer obj.Body.Close()
	archive, err := io.ReadAll(obj.Body)
	if err != nil {
		return nil, err
	}
	hash, repo := vars[cbprov.EnvSourceHash], vars[cbprov.EnvImageRepo]
	lines := []string{"berth local builder: source " + hash + " for " + repo}
	if has, err := hasFile(archive, FailBuildMarker); err != nil || has {
		return lines, errOr(err, fmt.Errorf("the source has %s: the local builder fails this build", FailBuildMarker))
	}
	res, err := imagebuild.LocalBuilder{Options: l.options()}.Build(ctx, imagebuild.LocalBuild{
		Repository: repo, Hash: hash, Archive: bytes.NewReader(archive), Arch: vars[cbprov.EnvArch]})
	if err != nil {
		return lines, err
	}
	name := repo[strings.Index(repo, "/")+1:]
	return lines, imagebuild.Register(ctx, l.env.ecr(region), name, hash, res.Reference, l.options()...)
}

func (l *localImages) writeLog(ctx context.Context, region, group, stream string, lines []string) error {
	logs := cwl.NewFromConfig(l.env.AWS, func(o *cwl.Options) { o.Region = region })
	if _, err := logs.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String(group)}); err != nil && !strings.Contains(err.Error(), "AlreadyExists") {
		return err
	}
	if _, err := logs.CreateLogStream(ctx, &cwl.CreateLogStreamInput{LogGroupName: aws.String(group), LogStreamName: aws.String(stream)}); err != nil {
		return err
	}
	now := time.Now().UnixMilli()
	var events []cwltypes.InputLogEvent
	for _, line := range lines {
		events = append(events, cwltypes.InputLogEvent{Message: aws.String(line), Timestamp: aws.Int64(now)})
	}
	_, err := logs.PutLogEvents(ctx, &cwl.PutLogEventsInput{LogGroupName: aws.String(group), LogStreamName: aws.String(stream), LogEvents: events})
	return err
}

// hasFile reports whether the gzip-compressed tar archive holds a file named name
// (at any depth).
func hasFile(archive []byte, name string) (bool, error) {
	gz, err := gzip.NewReader(bytes.NewReader(archive))
	if err != nil {
		return false, err
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		if path.Base(h.Name) == name {
			return true, nil
		}
	}
}

func errOr(err, def error) error {
	if err != nil {
		return err
	}
	return def
}
