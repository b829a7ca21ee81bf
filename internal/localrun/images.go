package localrun

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"gopkg.in/yaml.v3"

	"github.com/berth-dev/berth/internal/imagebuild"
	"github.com/berth-dev/berth/internal/images"
	"github.com/berth-dev/berth/internal/motoserver"
)

// seedImages pushes (PushImage), to the emulator's ECR and the loopback registry, every image of the emulator's account a
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
		// ${...}: resolved at deploy time, so there is nothing to push by that name.
		if ref.Account != motoserver.Account || ref.Digest != "" || strings.Contains(ct.Image, "${") {
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

// PushImage pushes a small single-platform web-server image (entrypoint /srv/server,
// environment PORT=8080) to uri's repository and tag: its bytes to the loopback registry,
// which serves every ECR host (so the Web Adapter layer can be appended to it as on AWS),
// and its manifest to the emulator's ECR, creating the repository if needed. content
// makes its digest: the same tag pushed with other content gets a new digest, as a
// rebuilt image does. It returns nothing but an error: read the digest with DescribeImages.
func (e *Env) PushImage(ctx context.Context, uri, content string) error {
	ref := images.Parse(uri)
	client := e.ecr(ref.Region)
	_, err := client.CreateRepository(ctx, &ecr.CreateRepositoryInput{RepositoryName: aws.String(ref.Repository)})
	var ae smithy.APIError
	if err != nil && !(errors.As(err, &ae) && ae.ErrorCode() == "RepositoryAlreadyExistsException") {
		return fmt.Errorf("create ECR repository %s: %w", ref.Repository, err)
	}
	tag, err := name.NewTag(ref.Registry + "/" + ref.Repository + ":" + tagOf(ref))
	if err != nil {
		return err
	}
	img, err := webServerImage(uri + "\n" + content)
	if err != nil {
		return err
	}
	opts := append(imagesFor(e).options(), remote.WithContext(ctx))
	if err := remote.Write(tag, img, opts...); err != nil {
		return fmt.Errorf("push %s to the loopback registry: %w", uri, err)
	}
	d, err := img.Digest()
	if err != nil {
		return err
	}
	return imagebuild.Register(ctx, client, ref.Repository, tagOf(ref), tag.Context().Digest(d.String()).String(), opts...)
}

// webServerImage is a one-layer image standing in for a user's web server: /srv/server
// holds text, so the image's digest follows it.
func webServerImage(text string) (v1.Image, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	body := "#!/bin/sh\n# berth local runtime: stand-in web server\n# " + text + "\n"
	if err := tw.WriteHeader(&tar.Header{Name: "srv/server", Mode: 0o755, Size: int64(len(body)), ModTime: time.Unix(0, 0), Format: tar.FormatPAX}); err != nil {
		return nil, err
	}
	if _, err := tw.Write([]byte(body)); err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return imagebuild.OneLayerImage(buf.Bytes(), v1.History{}, func(cf *v1.ConfigFile) {
		cf.OS, cf.Architecture = "linux", "amd64"
		cf.Config.Entrypoint = []string{"/srv/server"}
		cf.Config.Env = []string{"PATH=/usr/local/bin:/usr/bin:/bin", "PORT=8080"}
	})
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
