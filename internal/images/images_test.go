package images

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecr "github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/smithy-go"
)

const (
	digestA = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	digestI = "sha256:1111111111111111111111111111111111111111111111111111111111111111"
	host    = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"
)

// fakeECR answers DescribeImages the way ECR does: ImageNotFoundException for an
// unknown tag or digest, RepositoryNotFoundException for an unknown repository.
type fakeECR struct {
	images map[string]types.ImageDetail // "<repo>:<tag>" or "<repo>@<digest>"
	calls  []string
}

func (f *fakeECR) DescribeImages(_ context.Context, in *awsecr.DescribeImagesInput, _ ...func(*awsecr.Options)) (*awsecr.DescribeImagesOutput, error) {
	repo := aws.ToString(in.RepositoryName)
	id := in.ImageIds[0]
	key := repo + ":" + aws.ToString(id.ImageTag)
	if id.ImageDigest != nil {
		key = repo + "@" + aws.ToString(id.ImageDigest)
	}
	f.calls = append(f.calls, aws.ToString(in.RegistryId)+"/"+key)
	if aws.ToString(in.RegistryId) == "999999999999" {
		return nil, &smithy.GenericAPIError{Code: "AccessDeniedException"}
	}
	if repo == "gone" {
		return nil, &smithy.GenericAPIError{Code: "RepositoryNotFoundException"}
	}
	d, ok := f.images[key]
	if !ok {
		return nil, &smithy.GenericAPIError{Code: "ImageNotFoundException"}
	}
	return &awsecr.DescribeImagesOutput{ImageDetails: []types.ImageDetail{d}}, nil
}

func TestResolve(t *testing.T) {
	single := types.ImageDetail{ImageDigest: aws.String(digestA), ImageManifestMediaType: aws.String("application/vnd.docker.distribution.manifest.v2+json")}
	index := types.ImageDetail{ImageDigest: aws.String(digestI), ImageManifestMediaType: aws.String("application/vnd.oci.image.index.v1+json")}
	fake := &fakeECR{images: map[string]types.ImageDetail{
		"web:1.0": single, "web@" + digestA: single, "web:latest": single, "multi:1.0": index,
	}}
	r := &Resolver{Client: func(string) ECR { return fake }, Region: "eu-west-1", Account: "123456789012"}
	tests := []struct {
		name, uri string
		lambda    bool
		want      string // pinned URI, or a fragment of the warning/error
		warn, err bool
	}{
		{name: "a tag in ECR is pinned to its digest", uri: host + "/web:1.0", lambda: true, want: host + "/web@" + digestA},
		{name: "an image without a tag resolves latest", uri: host + "/web", want: host + "/web@" + digestA},
		{name: "an image given by digest is checked and kept", uri: host + "/web:1.0@" + digestA, lambda: true, want: host + "/web@" + digestA},
		{name: "a missing tag fails with the key path and the fix", uri: host + "/web:2.0", want: "containers.api.image: " + host + "/web:2.0 does not exist in ECR (ImageNotFoundException): push it", err: true},
		{name: "a missing repository fails", uri: host + "/gone:1.0", want: "RepositoryNotFoundException", err: true},
		{name: "a Lambda image in another account berth may not read fails with the fix", uri: "999999999999.dkr.ecr.eu-west-1.amazonaws.com/web:1.0", lambda: true, want: "berth may not read", err: true},
		{name: "a Fargate image in another account berth may not read keeps its tag with a warning", uri: "999999999999.dkr.ecr.eu-west-1.amazonaws.com/web:1.0", want: "deployed by tag, not pinned", warn: true},
		{name: "a manifest list on Lambda is refused", uri: host + "/multi:1.0", lambda: true, want: "is a manifest list (application/vnd.oci.image.index.v1+json), which AWS Lambda cannot run", err: true},
		{name: "a manifest list on Fargate is pinned", uri: host + "/multi:1.0", want: host + "/multi@" + digestI},
		{name: "an image outside ECR on Lambda is refused", uri: "docker.io/library/nginx:1.27", lambda: true, want: "AWS Lambda runs only images from private ECR", err: true},
		{name: "an image outside ECR on Fargate keeps its tag with a warning", uri: "docker.io/library/nginx:1.27", want: "cannot pin it by digest", warn: true},
		{name: "an ECR image in another region on Lambda is refused", uri: "123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1.0", lambda: true, want: "only images from ECR in the function's own region (eu-west-1)", err: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := r.Resolve(context.Background(), Image{Container: "api", URI: tt.uri, Lambda: tt.lambda})
			var ie *Error
			switch {
			case tt.err:
				if !errors.As(err, &ie) || !strings.Contains(err.Error(), tt.want) || ie.Path != "containers.api.image" {
					t.Fatalf("error = %v, want *Error at containers.api.image containing %q", err, tt.want)
				}
			case err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tt.warn:
				if got.URI != tt.uri || !strings.Contains(got.Warning, tt.want) {
					t.Fatalf("got %+v, want %s kept with a warning containing %q", got, tt.uri, tt.want)
				}
			case got.URI != tt.want || got.Warning != "":
				t.Fatalf("got %+v, want %s", got, tt.want)
			}
		})
	}
}

func TestResolveAsksTheImagesRegistry(t *testing.T) {
	fake := &fakeECR{images: map[string]types.ImageDetail{"web:1.0": {ImageDigest: aws.String(digestA)}}}
	var regions []string
	r := &Resolver{Client: func(region string) ECR { regions = append(regions, region); return fake }, Region: "eu-west-1"}
	if _, err := r.Resolve(context.Background(), Image{Container: "w", URI: "210987654321.dkr.ecr.us-east-1.amazonaws.com/web:1.0"}); err != nil {
		t.Fatal(err)
	}
	if strings.Join(regions, ",") != "us-east-1" || strings.Join(fake.calls, ",") != "210987654321/web:1.0" {
		t.Fatalf("asked regions %v for %v, want us-east-1 for registry 210987654321", regions, fake.calls)
	}
}
