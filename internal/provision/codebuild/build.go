package codebuild

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	cb "github.com/aws/aws-sdk-go-v2/service/codebuild"
	"github.com/aws/aws-sdk-go-v2/service/codebuild/types"
	awsecr "github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"

	"github.com/berth-dev/berth/internal/provision"
)

// BuildAPI is the part of CodeBuild the build step calls.
type BuildAPI interface {
	StartBuild(ctx context.Context, in *cb.StartBuildInput, opts ...func(*cb.Options)) (*cb.StartBuildOutput, error)
	BatchGetBuilds(ctx context.Context, in *cb.BatchGetBuildsInput, opts ...func(*cb.Options)) (*cb.BatchGetBuildsOutput, error)
}

// ImagesAPI is the part of ECR the build step calls.
type ImagesAPI interface {
	DescribeImages(ctx context.Context, in *awsecr.DescribeImagesInput, opts ...func(*awsecr.Options)) (*awsecr.DescribeImagesOutput, error)
}

// LogsAPI is the part of CloudWatch Logs the build step calls.
type LogsAPI interface {
	GetLogEvents(ctx context.Context, in *cwl.GetLogEventsInput, opts ...func(*cwl.Options)) (*cwl.GetLogEventsOutput, error)
}

// DefaultTailLines is how many log lines a failed build reports.
const DefaultTailLines = 40

// Builder is the deploy workflow's build step for one region.
type Builder struct {
	CodeBuild BuildAPI
	Images    ImagesAPI
	Logs      LogsAPI
	// TailLines is how many lines of a failed build's log to report (0: DefaultTailLines).
	TailLines int
}

// BuildRequest is one container's build.
type BuildRequest struct {
	Container  string `json:"container"`
	Project    string `json:"project"`    // KindProject's name for the container's arch
	Repository string `json:"repository"` // ECR repository name
	// RepositoryUri is <account>.dkr.ecr.<region>.amazonaws.com/<repository>.
	RepositoryUri string `json:"repositoryUri"`
	SourceBucket  string `json:"sourceBucket"`
	SourceKey     string `json:"sourceKey"`
	SourceHash    string `json:"sourceHash"` // srcpkg hash: the image tag
}

// BuildState is what the state machine carries between Start and Observe (small).
type BuildState struct {
	BuildID string `json:"buildId,omitempty"` // "" when no build was needed
	Done    bool   `json:"done"`
	// Digest is the image's digest once Done.
	Digest string `json:"digest,omitempty"`
	Status string `json:"status,omitempty"` // CodeBuild's build status
}

// BuildFailedError: the build ended without an image. The state machine matches it by
// name and fails the deployment before any running resource changes.
type BuildFailedError struct {
	Container, BuildID string
	Status             string // FAILED, FAULT, STOPPED or TIMED_OUT
	Phase, Message     string // the phase that failed and CodeBuild's message for it
	LogTail            []string
	LogLink            string
}

func (e *BuildFailedError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "building container %s: build %s %s", e.Container, e.BuildID, e.Status)
	if e.Phase != "" {
		fmt.Fprintf(&b, " in phase %s", e.Phase)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	if e.LogLink != "" {
		fmt.Fprintf(&b, "\nfull log: %s", e.LogLink)
	}
	if len(e.LogTail) > 0 {
		fmt.Fprintf(&b, "\nlast %d log lines:\n%s", len(e.LogTail), strings.Join(e.LogTail, "\n"))
	}
	return b.String()
}

// Start begins req's build, unless the repository already holds an image tagged with
// the source hash: then it is Done with that image's digest and makes no mutating call.
func (b *Builder) Start(ctx context.Context, req BuildRequest) (BuildState, error) {
	digest, err := b.digest(ctx, req)
	if err != nil {
		return BuildState{}, err
	}
	if digest != "" {
		return BuildState{Done: true, Digest: digest}, nil
	}
	env := func(k, v string) types.EnvironmentVariable {
		return types.EnvironmentVariable{Name: aws.String(k), Value: aws.String(v), Type: types.EnvironmentVariableTypePlaintext}
	}
	registry, _, _ := strings.Cut(req.RepositoryUri, "/")
	out, err := b.CodeBuild.StartBuild(ctx, &cb.StartBuildInput{
		ProjectName: aws.String(req.Project),
		// A retried Start within CodeBuild's idempotency window (5 minutes) gets the
		// same build instead of a second one.
		IdempotencyToken: aws.String(req.Repository + ":" + req.SourceHash),
		EnvironmentVariablesOverride: []types.EnvironmentVariable{
			env(EnvSourceBucket, req.SourceBucket), env(EnvSourceKey, req.SourceKey), env(EnvSourceHash, req.SourceHash),
			env(EnvImageRepo, req.RepositoryUri), env(EnvRegistry, registry),
		},
	})
	if err != nil {
		return BuildState{}, provision.Classify(err, "start build", string(KindProject), req.Project)
	}
	return BuildState{BuildID: aws.ToString(out.Build.Id), Status: string(out.Build.BuildStatus)}, nil
}

// Observe reads the build's status: not Done while it runs; Done with the image digest
// once it succeeded; *BuildFailedError when it ended otherwise.
func (b *Builder) Observe(ctx context.Context, req BuildRequest, st BuildState) (BuildState, error) {
	if st.Done || st.BuildID == "" {
		return st, nil
	}
	out, err := b.CodeBuild.BatchGetBuilds(ctx, &cb.BatchGetBuildsInput{Ids: []string{st.BuildID}})
	if err != nil {
		return st, provision.Classify(err, "observe build", string(KindProject), req.Project)
	}
	if len(out.Builds) == 0 {
		return st, &provision.PreconditionError{Kind: string(KindProject), Name: req.Project, Problem: "build " + st.BuildID + " is not known to CodeBuild"}
	}
	build := out.Builds[0]
	st.Status = string(build.BuildStatus)
	switch build.BuildStatus {
	case types.StatusTypeInProgress:
		return st, nil
	case types.StatusTypeSucceeded:
		digest, err := b.digest(ctx, req)
		if err != nil {
			return st, err
		}
		if digest == "" {
			return st, &BuildFailedError{Container: req.Container, BuildID: st.BuildID, Status: st.Status,
				Message: fmt.Sprintf("the build succeeded but %s has no image tagged %s", req.Repository, req.SourceHash), LogLink: logLink(build)}
		}
		st.Done, st.Digest = true, digest
		return st, nil
	}
	return st, b.failure(ctx, req, build)
}

// failure describes a build that ended without success, with its log's tail.
func (b *Builder) failure(ctx context.Context, req BuildRequest, build types.Build) *BuildFailedError {
	e := &BuildFailedError{Container: req.Container, BuildID: aws.ToString(build.Id), Status: string(build.BuildStatus), LogLink: logLink(build)}
	for _, ph := range build.Phases {
		if ph.PhaseStatus != "" && ph.PhaseStatus != types.StatusTypeSucceeded {
			e.Phase = string(ph.PhaseType)
			for _, c := range ph.Contexts {
				if m := aws.ToString(c.Message); m != "" {
					e.Message = m
				}
			}
			break
		}
	}
	e.LogTail = b.tail(ctx, build)
	return e
}

// tail is the last lines of the build's log; nil when the log cannot be read (the error
// still reports the build's status and link).
func (b *Builder) tail(ctx context.Context, build types.Build) []string {
	group, stream := logLocation(build)
	n := b.TailLines
	if n <= 0 {
		n = DefaultTailLines
	}
	out, err := b.Logs.GetLogEvents(ctx, &cwl.GetLogEventsInput{
		LogGroupName: aws.String(group), LogStreamName: aws.String(stream),
		StartFromHead: aws.Bool(false), Limit: aws.Int32(int32(n)),
	})
	if err != nil {
		return nil
	}
	var lines []string
	for _, ev := range out.Events {
		lines = append(lines, strings.TrimRight(aws.ToString(ev.Message), "\n"))
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return lines
}

// logLocation is where the build logged: the build's own report when it has one, else
// the project's group (LogGroup) and CodeBuild's stream name for a group without a
// stream prefix, the build id after "<project>:".
func logLocation(build types.Build) (group, stream string) {
	if l := build.Logs; l != nil && aws.ToString(l.GroupName) != "" && aws.ToString(l.StreamName) != "" {
		return aws.ToString(l.GroupName), aws.ToString(l.StreamName)
	}
	project, id, _ := strings.Cut(aws.ToString(build.Id), ":")
	return LogGroup(project), id
}

func logLink(build types.Build) string {
	if build.Logs != nil {
		return aws.ToString(build.Logs.DeepLink)
	}
	return ""
}

// digest is the digest of the image tagged with the source hash; "" when there is none.
func (b *Builder) digest(ctx context.Context, req BuildRequest) (string, error) {
	out, err := b.Images.DescribeImages(ctx, &awsecr.DescribeImagesInput{
		RepositoryName: aws.String(req.Repository),
		ImageIds:       []ecrtypes.ImageIdentifier{{ImageTag: aws.String(req.SourceHash)}},
	})
	if provision.ErrorCode(err) == "ImageNotFoundException" {
		return "", nil
	}
	if err != nil {
		return "", provision.Classify(err, "describe images", "ECR repository", req.Repository)
	}
	if len(out.ImageDetails) == 0 {
		return "", nil
	}
	return aws.ToString(out.ImageDetails[0].ImageDigest), nil
}
