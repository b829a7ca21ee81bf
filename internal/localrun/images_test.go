package localrun

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
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
