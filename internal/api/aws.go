package api

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/smithy-go"
)

// S3API is the part of the S3 client S3ConfigBucket uses; *s3.Client satisfies it.
type S3API interface {
	PutObject(ctx context.Context, in *s3.PutObjectInput, opts ...func(*s3.Options)) (*s3.PutObjectOutput, error)
	HeadObject(ctx context.Context, in *s3.HeadObjectInput, opts ...func(*s3.Options)) (*s3.HeadObjectOutput, error)
}

// S3ConfigBucket is the config bucket on S3.
type S3ConfigBucket struct {
	Client S3API
	Bucket string
}

// PutConfig implements ConfigBucket: one PutObject of exactly body, as an upload would.
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

// HeadConfig implements ConfigBucket.
func (b S3ConfigBucket) HeadConfig(ctx context.Context, key string) (map[string]string, string, bool, error) {
	out, err := b.Client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(b.Bucket), Key: aws.String(key)})
	if err != nil {
		var ae smithy.APIError
		if errors.As(err, &ae) && (ae.ErrorCode() == "NotFound" || ae.ErrorCode() == "NoSuchKey") {
			return nil, "", false, nil
		}
		return nil, "", false, err
	}
	return out.Metadata, aws.ToString(out.VersionId), true, nil
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

// RandomIDs makes random UUID-shaped (version 4) deployment ids, the shape of the
// execution names EventBridge gives upload-triggered deployments.
type RandomIDs struct{}

// NewID implements IDGenerator.
func (RandomIDs) NewID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
