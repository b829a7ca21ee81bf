package imagebuild

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecr "github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/smithy-go"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// ImagePutter is the part of ECR that Register calls.
type ImagePutter interface {
	PutImage(ctx context.Context, in *awsecr.PutImageInput, opts ...func(*awsecr.Options)) (*awsecr.PutImageOutput, error)
}

// Register records the manifest at ref in an ECR repository under tag, with its digest:
// what pushing to ECR's registry records. The local runtime calls it after
// LocalBuilder.Build because the emulator's ECR has no registry API, so the build step's
// ECR lookups find the image with the digest the loopback registry serves.
// Recording an image that is already there succeeds.
func Register(ctx context.Context, api ImagePutter, repository, tag, ref string, opts ...remote.Option) error {
	r, err := name.ParseReference(ref)
	if err != nil {
		return &ImageError{Op: "parse", Ref: ref, Cause: err.Error()}
	}
	desc, err := remote.Get(r, append(opts, remote.WithContext(ctx))...)
	if err != nil {
		return &ImageError{Op: "read", Ref: ref, Cause: err.Error()}
	}
	_, err = api.PutImage(ctx, &awsecr.PutImageInput{
		RepositoryName: aws.String(repository), ImageTag: aws.String(tag),
		ImageManifest: aws.String(string(desc.Manifest)), ImageManifestMediaType: aws.String(string(desc.MediaType)),
		ImageDigest: aws.String(desc.Digest.String()),
	})
	var ae smithy.APIError
	if err != nil && !(errors.As(err, &ae) && ae.ErrorCode() == "ImageAlreadyExistsException") {
		return &ImageError{Op: "record in ECR", Ref: repository + ":" + tag, Cause: err.Error()}
	}
	return nil
}
