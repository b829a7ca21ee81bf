package localrun

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/smithy-go"
	"gopkg.in/yaml.v3"

	"github.com/berth-dev/berth/internal/images"
	"github.com/berth-dev/berth/internal/motoserver"
)

// seedImages pushes, to the emulator's ECR, every image of the emulator's account a
// config names that is not there yet, so validate and plan can pin it by digest as they
// would a pushed image on AWS. An image already there is left as it is: a test re-pushes
// a tag with PushImage to change its digest.
func (e *Env) seedImages(ctx context.Context, body []byte) error {
	var doc struct {
		Containers map[string]struct {
			Image string `yaml:"image"`
		} `yaml:"containers"`
	}
	if yaml.Unmarshal(body, &doc) != nil {
		return nil // the deploy reports the config's problems
	}
	for _, ct := range doc.Containers {
		ref := images.Parse(ct.Image)
		if ref.Account != motoserver.Account || ref.Digest != "" {
			continue
		}
		client := e.ecr(ref.Region)
		_, err := client.DescribeImages(ctx, &ecr.DescribeImagesInput{RepositoryName: aws.String(ref.Repository),
			ImageIds: []ecrtypes.ImageIdentifier{{ImageTag: aws.String(tagOf(ref))}}})
		var ae smithy.APIError
		if err == nil {
			continue
		}
		if !errors.As(err, &ae) || (ae.ErrorCode() != "ImageNotFoundException" && ae.ErrorCode() != "RepositoryNotFoundException") {
			return fmt.Errorf("look up %s in the emulator's ECR: %w", ct.Image, err)
		}
		if err := e.PushImage(ctx, ct.Image, "v1"); err != nil {
			return err
		}
	}
	return nil
}

// PushImage pushes a small single-platform image manifest to uri's repository and tag in
// the emulator's ECR, creating the repository if needed; content makes its digest: the
// same tag pushed with other content gets a new digest, as a rebuilt image does. It
// returns nothing but an error: read the digest with DescribeImages.
func (e *Env) PushImage(ctx context.Context, uri, content string) error {
	ref := images.Parse(uri)
	client := e.ecr(ref.Region)
	_, err := client.CreateRepository(ctx, &ecr.CreateRepositoryInput{RepositoryName: aws.String(ref.Repository)})
	var ae smithy.APIError
	if err != nil && !(errors.As(err, &ae) && ae.ErrorCode() == "RepositoryAlreadyExistsException") {
		return fmt.Errorf("create ECR repository %s: %w", ref.Repository, err)
	}
	layer := sha(uri + "\n" + content)
	manifest := fmt.Sprintf(`{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json",`+
		`"config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":2,"digest":"%s"},`+
		`"layers":[{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","size":2,"digest":"%s"}]}`, sha("config "+layer), layer)
	// ECR's image digest is the sha256 of the manifest bytes (ECR User Guide, "Pushing an
	// image"); moto derives its own from the layers unless told, so tell it.
	_, err = client.PutImage(ctx, &ecr.PutImageInput{RepositoryName: aws.String(ref.Repository), ImageTag: aws.String(tagOf(ref)),
		ImageManifest: aws.String(manifest), ImageManifestMediaType: aws.String("application/vnd.docker.distribution.manifest.v2+json"),
		ImageDigest: aws.String(sha(manifest))})
	if err != nil {
		return fmt.Errorf("push %s to the emulator's ECR: %w", uri, err)
	}
	return nil
}

func (e *Env) ecr(region string) *ecr.Client {
	cfg := e.AWS.Copy()
	cfg.Region = region
	return ecr.NewFromConfig(cfg)
}

func tagOf(r images.Ref) string {
	if r.Tag == "" {
		return "latest"
	}
	return r.Tag
}

func sha(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "sha256:" + hex.EncodeToString(sum[:])
}
