package stage

import (
	"bytes"
	"context"
	"encoding/json"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
)

// ConfigPutter writes a config object (S3ConfigBucket on AWS).
type ConfigPutter interface {
	// PutConfig writes body at key with the given user metadata and returns the new
	// object version's id ("" when the bucket is not versioned).
	PutConfig(ctx context.Context, key string, body []byte, metadata map[string]string) (versionID string, err error)
}

// Submit stores body as the newest config of app/stage, naming the deployment id its
// upload starts and its source manifest (SourceStore.Upload's key; "" for none), and
// returns the object version. The bucket's upload trigger starts the deployment.
func Submit(ctx context.Context, b ConfigPutter, app, stage string, body []byte, id, sources string) (string, error) {
	meta := map[string]string{MetadataDeploymentID: id}
	if sources != "" {
		meta[MetadataSources] = sources
	}
	return b.PutConfig(ctx, Key(app, stage), body, meta)
}

// S3PutAPI is the part of the S3 client S3ConfigBucket writes with; *s3.Client satisfies it.
type S3PutAPI interface {
	PutObject(ctx context.Context, in *s3.PutObjectInput, opts ...func(*s3.Options)) (*s3.PutObjectOutput, error)
}

// S3ConfigBucket is the config bucket on S3.
type S3ConfigBucket struct {
	Client S3PutAPI
	Bucket string
}

// PutConfig implements ConfigPutter: one PutObject of exactly body, as an upload would.
func (b S3ConfigBucket) PutConfig(ctx context.Context, key string, body []byte, metadata map[string]string) (string, error) {
	out, err := b.Client.PutObject(ctx, &s3.PutObjectInput{
		Bucket:        aws.String(b.Bucket),
		Key:           aws.String(key),
		Body:          bytes.NewReader(body),
		ContentLength: aws.Int64(int64(len(body))),
		ContentType:   aws.String("application/yaml"),
		Metadata:      metadata,
	})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.VersionId), nil
}

// RemoveRequest is the remove state machine's input. Its JSON is that of the
// workflow.Request fields a removal uses (statemachine/remove.asl.json's Init).
type RemoveRequest struct {
	App          string `json:"app"`
	Stage        string `json:"stage"`
	Source       string `json:"source"`
	DeploymentID string `json:"deploymentId"`
}

// RemoveStarter starts a remove execution (StepFunctionsRemover on AWS).
type RemoveStarter interface {
	StartRemove(ctx context.Context, req RemoveRequest) (executionArn string, err error)
}

// Remove starts the removal of everything app/stage runs, as deployment id.
func Remove(ctx context.Context, s RemoveStarter, app, stage, source, id string) (string, error) {
	return s.StartRemove(ctx, RemoveRequest{App: app, Stage: stage, Source: source, DeploymentID: id})
}

// SFNAPI is the part of the Step Functions client StepFunctionsRemover uses;
// *sfn.Client satisfies it.
type SFNAPI interface {
	StartExecution(ctx context.Context, in *sfn.StartExecutionInput, opts ...func(*sfn.Options)) (*sfn.StartExecutionOutput, error)
}

// StepFunctionsRemover starts the remove state machine.
type StepFunctionsRemover struct {
	Client     SFNAPI
	MachineArn string
}

// StartRemove implements RemoveStarter. The execution is named after the deployment id
// (ids are valid execution names), so a retried request cannot start a second removal
// under the same id.
func (r StepFunctionsRemover) StartRemove(ctx context.Context, req RemoveRequest) (string, error) {
	input, err := json.Marshal(req)
	if err != nil {
		return "", err
	}
	out, err := r.Client.StartExecution(ctx, &sfn.StartExecutionInput{
		StateMachineArn: aws.String(r.MachineArn),
		Name:            aws.String(req.DeploymentID),
		Input:           aws.String(string(input)),
	})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.ExecutionArn), nil
}
