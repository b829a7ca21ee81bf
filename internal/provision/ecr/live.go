package ecr

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecr "github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"

	"github.com/berth-dev/berth/internal/images"
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// LiveAPI is the part of the ECR SDK client MarkLive calls; *ecr.Client satisfies it.
type LiveAPI interface {
	BatchGetImage(ctx context.Context, in *awsecr.BatchGetImageInput, opts ...func(*awsecr.Options)) (*awsecr.BatchGetImageOutput, error)
	PutImage(ctx context.Context, in *awsecr.PutImageInput, opts ...func(*awsecr.Options)) (*awsecr.PutImageOutput, error)
}

// manifestTypes are the manifests BatchGetImage may return as they were pushed; without
// them ECR may convert an OCI manifest, and the re-put would be another image.
var manifestTypes = []string{
	"application/vnd.docker.distribution.manifest.v2+json",
	"application/vnd.oci.image.manifest.v1+json",
	"application/vnd.docker.distribution.manifest.list.v2+json",
	"application/vnd.oci.image.index.v1+json",
}

// repository is the KindRepository provisioner with MarkLive, which the commit step
// looks for.
type repository struct {
	provision.Provisioner
	clients ClientFactory
}

// MarkLive moves LiveTag, in the repository r, to image (repository@sha256:…), the image
// a committed deployment runs, so the lifecycle policy keeps it (see the package doc); the
// image that held the tag before loses it and is kept only while among the most recently
// pushed. An image outside r (an image: reference that already had the Web Adapter, run
// from the user's repository) is none of the repository's business and is left alone.
// Marking the image that already holds the tag changes nothing.
func (p repository) MarkLive(ctx context.Context, env provision.Env, r plan.Resource, image string) error {
	ref := images.Parse(image)
	if ref.Digest == "" || ref.Repository != r.Name {
		return nil
	}
	api := p.clients(provision.RegionOf(env, r))
	got, err := api.BatchGetImage(ctx, &awsecr.BatchGetImageInput{RepositoryName: aws.String(r.Name),
		ImageIds: []types.ImageIdentifier{{ImageDigest: aws.String(ref.Digest)}}, AcceptedMediaTypes: manifestTypes})
	if err != nil {
		return err
	}
	if len(got.Images) == 0 {
		return &provision.PreconditionError{Kind: string(r.Kind), Name: r.Name, Problem: "the deployed image " + ref.Digest + " is not in the repository"}
	}
	img := got.Images[0]
	_, err = api.PutImage(ctx, &awsecr.PutImageInput{RepositoryName: aws.String(r.Name), ImageTag: aws.String(LiveTag),
		ImageManifest: img.ImageManifest, ImageManifestMediaType: img.ImageManifestMediaType, ImageDigest: aws.String(ref.Digest)})
	if provision.ErrorCode(err) == "ImageAlreadyExistsException" { // it holds the tag already
		return nil
	}
	return err
}
