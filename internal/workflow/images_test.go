package workflow

import (
	"context"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/images"
)

// pinTo resolves every image to uri@digest, except the ones it refuses.
type pinTo struct {
	digest string
	refuse map[string]string // container -> problem
}

func (p pinTo) Resolve(_ context.Context, img images.Image) (images.Result, error) {
	if problem, ok := p.refuse[img.Container]; ok {
		return images.Result{}, &images.Error{Path: "containers." + img.Container + ".image", Problem: problem}
	}
	return images.Result{URI: images.Parse(img.URI).Pinned(p.digest)}, nil
}

const twoContainers = "name: shop\ndeployment: {type: aws@1.0}\ncontainers:\n  api:\n    image: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/api:1.0\n    routing: {pathPattern: /api/*}\n  web:\n    image: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:1.0\n    routing: {pathPattern: /*}\n"

func TestLoadConfigPinsEveryImageByDigest(t *testing.T) {
	d := &Deps{Resolvers: func(string, string) Resolver { return nil }, Images: pinTo{digest: "sha256:abc"}}
	cfg, err := d.loadConfig(context.Background(), Ctx{App: "shop", Stage: "dev", Key: "shop/dev/serverless.containers.yml"}, []byte(twoContainers))
	if err != nil {
		t.Fatal(err)
	}
	for _, ct := range cfg.Containers {
		if want := "123456789012.dkr.ecr.eu-west-1.amazonaws.com/" + ct.Name + "@sha256:abc"; ct.Image != want {
			t.Errorf("containers.%s.image = %s, want %s", ct.Name, ct.Image, want)
		}
	}
}

func TestAnImageBerthCannotDeployFailsValidationNamingEveryKey(t *testing.T) {
	d := &Deps{Resolvers: func(string, string) Resolver { return nil },
		Images: pinTo{refuse: map[string]string{"api": "does not exist", "web": "is a manifest list"}}}
	_, err := d.loadConfig(context.Background(), Ctx{App: "shop", Stage: "dev", Key: "shop/dev/serverless.containers.yml"}, []byte(twoContainers))
	ce, ok := err.(*ConfigError)
	if !ok || !strings.Contains(ce.Message, "shop/dev/serverless.containers.yml: containers.api.image: does not exist") ||
		!strings.Contains(ce.Message, "containers.web.image: is a manifest list") {
		t.Fatalf("want one ConfigError naming both images, got %T %v", err, err)
	}
}
