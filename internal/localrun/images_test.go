package localrun

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/berth-dev/berth/internal/imagebuild"
	"github.com/berth-dev/berth/internal/images"
	ecrprov "github.com/berth-dev/berth/internal/provision/ecr"
)

// Images berth cannot deploy end the deployment at validation, each named by its key
// with the fix, before any mutating call.
func TestImagesBerthCannotDeployFailValidationBeforeAnythingChanges(t *testing.T) {
	s := newSession(t)
	ctx := context.Background()
	// A buildx-style push: an OCI image index (the image plus an attestation manifest).
	if err := s.Env.PushImage(ctx, ecrPrefix+"shop-multi:1.0", "v1"); err != nil { // creates the repository
		t.Fatal(err)
	}
	index := `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[` +
		`{"mediaType":"application/vnd.oci.image.manifest.v1+json","size":2,"digest":"` + sha("image") + `","platform":{"architecture":"arm64","os":"linux"}},` +
		`{"mediaType":"application/vnd.oci.image.manifest.v1+json","size":2,"digest":"` + sha("attestation") + `","platform":{"architecture":"unknown","os":"unknown"}}]}`
	if _, err := s.Env.ecr(s.Env.Region).PutImage(ctx, &ecr.PutImageInput{RepositoryName: aws.String("shop-multi"), ImageTag: aws.String("1.1"),
		ImageManifest: aws.String(index), ImageManifestMediaType: aws.String("application/vnd.oci.image.index.v1+json"), ImageDigest: aws.String(sha(index))}); err != nil {
		t.Fatal(err)
	}
	missing := ecrPrefix + "shop-api@sha256:" + strings.Repeat("0", 64) // by digest: never seeded
	body := `name: shop
deployment:
  type: aws@1.0
containers:
  api:
    image: ` + missing + `
    routing: { pathPattern: /api/* }
    compute: { type: awsLambda }
  hub:
    image: docker.io/library/nginx:1.27
    routing: { pathPattern: /hub/* }
    compute: { type: awsLambda }
  multi:
    image: ` + ecrPrefix + `shop-multi:1.1
    routing: { pathPattern: /* }
    compute: { type: awsLambda }
`
	r := deployBody(t, s, "bad-images.yml", body, "")
	wantStatus(t, r, "FAILED")
	for _, want := range []string{
		"containers.api.image: " + missing + " does not exist in ECR",
		"containers.hub.image: docker.io/library/nginx:1.27 is not in a private Amazon ECR repository",
		"containers.multi.image: " + ecrPrefix + "shop-multi:1.1 is a manifest list (application/vnd.oci.image.index.v1+json)",
	} {
		if !strings.Contains(r.Error, want) {
			t.Errorf("the error lacks %q:\n%s", want, r.Error)
		}
	}
	if r.Calls.Mutating != 0 || len(r.Inventory) != 0 {
		t.Fatalf("bad images still changed the account: %d mutating calls, %v", r.Calls.Mutating, names(r.Inventory))
	}
}

func sha(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// An image named by image: on Lambda gets the Web Adapter appended, as a build does: the
// function runs the layered image from the app's repository, with the adapter at its path
// and the image's own entrypoint and environment.
func TestAnImageReferenceOnLambdaRunsWithTheWebAdapterAppended(t *testing.T) {
	s := newSession(t)
	body := `name: shop
deployment:
  type: aws@1.0
containers:
  api:
    image: ` + ecrPrefix + `shop-plain:1.0
    routing: { pathPattern: /api/* }
    compute: { type: awsLambda }
`
	r := deployBody(t, s, "plain.yml", body, "")
	wantStatus(t, r, "SUCCEEDED")
	fn := scfLiveImage(t, s, "shop")
	if !strings.HasPrefix(fn, ecrPrefix+"berth-shop-dev-") || !strings.Contains(fn, "@sha256:") {
		t.Fatalf("the function runs %s, want the layered image in the app's repository (%sberth-shop-dev-…) by digest", fn, ecrPrefix)
	}
	ref, err := name.ParseReference(fn)
	if err != nil {
		t.Fatal(err)
	}
	img, err := remote.Image(ref, imagesFor(s.Env).options()...)
	if err != nil {
		t.Fatalf("the function's image %s is not in the registry: %v", fn, err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(cf.Config.Entrypoint, " ") != "/srv/server" || !slices.Contains(cf.Config.Env, "PORT=8080") {
		t.Errorf("the layered image's entrypoint %q and environment %q: want the pushed image's (/srv/server, PORT=8080)", cf.Config.Entrypoint, cf.Config.Env)
	}
	layers, err := img.Layers()
	if err != nil || len(layers) != 2 {
		t.Fatalf("the layered image has %d layers (%v), want the pushed image's one and the adapter's", len(layers), err)
	}
	rc, err := layers[1].Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	tr := tar.NewReader(rc)
	found := false
	for {
		h, err := tr.Next()
		if err != nil {
			break
		}
		if h.Name == imagebuild.AdapterPath {
			got, _ := io.ReadAll(tr)
			found = bytes.Equal(got, StandInAdapter("amd64")) && h.Mode&0o111 != 0
		}
	}
	if !found {
		t.Errorf("the top layer has no executable %s holding the adapter", imagebuild.AdapterPath)
	}
	// The commit marked it live, so the repository's lifecycle policy keeps it.
	fnRef := images.Parse(fn)
	d, err := s.Env.ecr(fnRef.Region).DescribeImages(context.Background(), &ecr.DescribeImagesInput{RepositoryName: aws.String(fnRef.Repository),
		ImageIds: []ecrtypes.ImageIdentifier{{ImageDigest: aws.String(fnRef.Digest)}}})
	if err != nil || len(d.ImageDetails) != 1 || !slices.Contains(d.ImageDetails[0].ImageTags, ecrprov.LiveTag) {
		t.Errorf("the function's image in ECR: %+v, %v; want it tagged %s", d, err, ecrprov.LiveTag)
	}
	again := deployBody(t, s, "plain.yml", body, "")
	wantStatus(t, again, "SUCCEEDED")
	if again.Calls.Mutating != 0 {
		t.Fatalf("redeploying made %d mutating calls: %+v", again.Calls.Mutating, again.Calls.Ops)
	}
}
