package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/berth-dev/berth/internal/stage"
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

// PutConfig implements ConfigBucket as the CLI's upload does (stage.S3ConfigBucket).
func (b S3ConfigBucket) PutConfig(ctx context.Context, key string, body []byte, metadata map[string]string) (string, error) {
	return stage.S3ConfigBucket{Client: b.Client, Bucket: b.Bucket}.PutConfig(ctx, key, body, metadata)
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
