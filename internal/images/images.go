// Package images pins container images by digest: at plan time each `image` tag is
// resolved through ECR, so a tag pushed again shows up as a changed digest in the plan
// and rollback restores exactly the image that ran before.
package images

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecr "github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/smithy-go"
)

// ECR is the part of the ECR client Resolver calls; *ecr.Client satisfies it.
type ECR interface {
	DescribeImages(ctx context.Context, in *awsecr.DescribeImagesInput, opts ...func(*awsecr.Options)) (*awsecr.DescribeImagesOutput, error)
}

// Media types of a manifest list / image index: a multi-platform image, or what docker
// buildx pushes by default (an index holding the image and its attestation manifests).
// Lambda runs only a single image manifest: "Lambda doesn't support multi-architecture
// container images" (Lambda Developer Guide, "Create a Lambda function using a container
// image", requirements), so such an image is refused for a Lambda container.
var indexTypes = map[string]bool{
	"application/vnd.docker.distribution.manifest.list.v2+json": true,
	"application/vnd.oci.image.index.v1+json":                   true,
}

// Ref is an image URI split into its parts.
type Ref struct {
	Registry, Repository, Tag, Digest string
	// Account and Region are set for a private ECR registry
	// (<account>.dkr.ecr.<region>.amazonaws.com[.cn]).
	Account, Region string
}

var ecrHost = regexp.MustCompile(`^([0-9]{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$`)

// Parse splits <registry>/<repository>[:tag][@sha256:...]; config validation has
// already checked the syntax.
func Parse(uri string) Ref {
	rest, digest, _ := strings.Cut(uri, "@")
	registry, path, _ := strings.Cut(rest, "/")
	repo, tag, _ := strings.Cut(path, ":")
	r := Ref{Registry: registry, Repository: repo, Tag: tag, Digest: digest}
	if m := ecrHost.FindStringSubmatch(registry); m != nil {
		r.Account, r.Region = m[1], m[2]
	}
	return r
}

// Pinned is the image URI by digest: <registry>/<repository>@sha256:...
func (r Ref) Pinned(digest string) string { return r.Registry + "/" + r.Repository + "@" + digest }

// Image is one container's image to pin.
type Image struct {
	Container string // the container's name, for the key path
	URI       string
	Lambda    bool // Lambda's rules apply: private ECR in the app's region, no manifest list
}

// Result is an image's resolution.
type Result struct {
	URI string // pinned by digest, or the URI as written (Warning says why)
	// Warning is set when the image is kept as written: not in private ECR, so berth
	// cannot pin it (Fargate pulls it by tag).
	Warning string
}

// Error is an image berth cannot deploy: Path is the config key, Problem says why and
// how to fix it.
type Error struct{ Path, Problem string }

func (e *Error) Error() string { return e.Path + ": " + e.Problem }

// Resolver resolves image tags to digests through ECR in each image's region.
type Resolver struct {
	// Client returns the ECR client for a region.
	Client func(region string) ECR
	// Region and Account are the app's: Lambda runs only images from a private ECR
	// repository in the function's own region ("Container image settings", Lambda
	// Developer Guide); a repository in another account also needs a repository policy.
	Region, Account string
}

// Resolve pins one image. The error is *Error for an image that cannot be deployed, or
// the ECR call's error.
func (r *Resolver) Resolve(ctx context.Context, img Image) (Result, error) {
	path := "containers." + img.Container + ".image"
	ref := Parse(img.URI)
	if ref.Account == "" {
		if img.Lambda {
			return Result{}, &Error{Path: path, Problem: fmt.Sprintf("%s is not in a private Amazon ECR repository; AWS Lambda runs only images from private ECR in the app's region (%s): push it to <account>.dkr.ecr.%s.amazonaws.com/<repository> and use that URI, or run the container on awsFargateEcs", img.URI, r.Region, r.Region)}
		}
		return Result{URI: img.URI, Warning: fmt.Sprintf("%s: %s is not in private Amazon ECR, so berth cannot pin it by digest; Fargate pulls the tag at each task start, so a re-pushed tag is not an update berth sees (push it to ECR to pin it)", path, img.URI)}, nil
	}
	if img.Lambda && ref.Region != r.Region {
		return Result{}, &Error{Path: path, Problem: fmt.Sprintf("%s is in ECR in %s; AWS Lambda runs only images from ECR in the function's own region (%s): replicate or push the image to %s.dkr.ecr.%s.amazonaws.com/%s and use that URI", img.URI, ref.Region, r.Region, ref.Account, r.Region, ref.Repository)}
	}
	id := types.ImageIdentifier{}
	if ref.Digest != "" {
		id.ImageDigest = aws.String(ref.Digest)
	} else {
		id.ImageTag = aws.String(orLatest(ref.Tag))
	}
	out, err := r.Client(ref.Region).DescribeImages(ctx, &awsecr.DescribeImagesInput{
		RegistryId: aws.String(ref.Account), RepositoryName: aws.String(ref.Repository), ImageIds: []types.ImageIdentifier{id}})
	if missing(err) || (err == nil && len(out.ImageDetails) == 0) {
		return Result{}, &Error{Path: path, Problem: fmt.Sprintf("%s does not exist in ECR (%s): push it (docker push %s) or fix the repository or tag", img.URI, errText(err), img.URI)}
	}
	if denied(err) && !img.Lambda && ref.Account != r.Account {
		// Fargate pulls it with the task execution role, under the other account's
		// repository policy; berth's roles read only this account's registry.
		return Result{URI: img.URI, Warning: fmt.Sprintf("%s: %s is in another account's ECR, which berth may not read, so it is deployed by tag, not pinned by digest", path, img.URI)}, nil
	}
	if denied(err) {
		return Result{}, &Error{Path: path, Problem: fmt.Sprintf("berth may not read %s (AccessDeniedException): berth's roles read images only from this account's (%s) ECR repositories; copy the image into one of them and use that URI", img.URI, r.Account)}
	}
	if err != nil {
		return Result{}, err
	}
	d := out.ImageDetails[0]
	if img.Lambda && indexTypes[aws.ToString(d.ImageManifestMediaType)] {
		return Result{}, &Error{Path: path, Problem: fmt.Sprintf("%s is a manifest list (%s), which AWS Lambda cannot run; push a single-platform image, e.g. docker buildx build --platform linux/amd64 --provenance=false --sbom=false --push", img.URI, aws.ToString(d.ImageManifestMediaType))}
	}
	return Result{URI: ref.Pinned(aws.ToString(d.ImageDigest))}, nil
}

// orLatest is the tag a URI without one means (docker's default).
func orLatest(tag string) string {
	if tag == "" {
		return "latest"
	}
	return tag
}

// missing reports ECR's "no such image" and "no such repository" errors.
func missing(err error) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && (ae.ErrorCode() == "ImageNotFoundException" || ae.ErrorCode() == "RepositoryNotFoundException")
}

func denied(err error) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && ae.ErrorCode() == "AccessDeniedException"
}

func errText(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return "no image with that tag"
}
