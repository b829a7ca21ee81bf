package awsdeps

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/stage"
	"github.com/berth-dev/berth/internal/workflow"
)

// maxConfigBytes bounds what berth reads as a config (a real one is a few KB).
const maxConfigBytes = 1 << 20

type configSource struct{ client *s3.Client }

func (c configSource) GetConfig(ctx context.Context, bucket, key, version string) ([]byte, map[string]string, error) {
	in := &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}
	if version != "" {
		in.VersionId = aws.String(version)
	}
	out, err := c.client.GetObject(ctx, in)
	var missing *s3types.NoSuchKey
	if errors.As(err, &missing) {
		return nil, nil, fmt.Errorf("s3://%s/%s: %w", bucket, key, fs.ErrNotExist)
	}
	if err != nil {
		return nil, nil, err
	}
	defer out.Body.Close()
	body, err := io.ReadAll(io.LimitReader(out.Body, maxConfigBytes+1))
	if err != nil {
		return nil, nil, err
	}
	if len(body) > maxConfigBytes {
		return nil, nil, &workflow.ConfigError{Message: key + ": config is larger than 1 MB"}
	}
	return body, out.Metadata, nil
}

func (c configSource) LatestVersion(ctx context.Context, bucket, key string) (string, error) {
	out, err := c.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.VersionId), nil
}

type starter struct {
	client  *sfn.Client
	machine string
}

// StartDeploy starts a deploy execution for a queued deployment. The request carries the
// deployment id, so the queued record continues; the execution gets a fresh name because
// the queued execution already used that id.
func (s starter) StartDeploy(ctx context.Context, req workflow.Request) (string, error) {
	input, _ := json.Marshal(req)
	in := &sfn.StartExecutionInput{StateMachineArn: aws.String(s.machine), Input: aws.String(string(input))}
	name := fmt.Sprintf("%s-run-%d", req.DeploymentID, time.Now().UnixMilli())
	in.Name = aws.String(name[max(0, len(name)-80):])
	out, err := s.client.StartExecution(ctx, in)
	if err != nil {
		return "", err
	}
	return aws.ToString(out.ExecutionArn), nil
}

// SourceFinder is the workflow's Sources dependency (workflow.Deps.Sources): where a
// config's sources live is stage.SourceStore's rule, shared with the CLI, the API and the
// local runtime. A source that cannot be found is a ConfigError: nothing has changed, and
// the message names containers.<name>.src and the fix.
type SourceFinder struct{ Store stage.SourceStore }

// NewSourceFinder finds sources in s's config and artifacts buckets.
func NewSourceFinder(client stage.SourceS3API, s Settings) SourceFinder {
	return SourceFinder{Store: stage.SourceStore{Client: client, ConfigBucket: s.ConfigBucket, ArtifactsBucket: s.ArtifactsBucket}}
}

// Sources resolves the source of every container of cfg built from src, for the config
// version c names.
func (f SourceFinder) Sources(ctx context.Context, c workflow.Ctx, cfg *config.Config) (map[string]plan.Source, error) {
	out, err := f.Store.ResolveConfig(ctx, cfg, c.App, c.Stage, c.Key, c.VersionID)
	var se *stage.SourceError
	if errors.As(err, &se) {
		return nil, &workflow.ConfigError{Message: se.Error()}
	}
	return out, err
}
