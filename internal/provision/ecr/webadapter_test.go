package ecr

import (
	"context"
	"encoding/json"
	"io"
	"log"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/berth-dev/berth/internal/imagebuild"
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// pushWebServer pushes a random single-layer image with an entrypoint and environment to
// ref and returns ref's repository at the pushed digest (what deploy-time pinning gives).
func pushWebServer(t *testing.T, ref string) string {
	t.Helper()
	img, err := random.Image(64, 1)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", "amd64"
	cf.Config.Entrypoint, cf.Config.Env = []string{"/srv/server"}, []string{"PORT=8080"}
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		t.Fatal(err)
	}
	tag, err := name.NewTag(ref)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(tag, img); err != nil {
		t.Fatal(err)
	}
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return tag.Context().Digest(d.String()).String()
}

func adapterResource(t *testing.T, imageURI, repoURI string) (plan.Resource, provision.Env) {
	t.Helper()
	raw, err := json.Marshal(plan.WebAdapterProps{ImageURI: imageURI, Arch: "amd64", Repository: plan.Ref{ID: "api/Repository", Attr: plan.AttrURI}})
	if err != nil {
		t.Fatal(err)
	}
	e := env
	e.Refs = provision.OutputsByID{"api/Repository": {plan.AttrURI: repoURI}}
	return plan.Resource{ID: "api/WebAdapter", Kind: KindWebAdapter, Container: "api", Name: "berth-shop-dev-api", Region: testRegion, Props: raw}, e
}

func TestAnImageReferenceGetsTheAdapterInTheAppsRepositoryAndARePushedTagAppendsAgain(t *testing.T) {
	ctx := context.Background()
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")
	appRepo := host + "/berth-shop-dev-api"
	adapter := []byte("#!/bin/sh\n# stand-in adapter\n")
	p := NewWebAdapter(func(string) *Images {
		return &Images{
			Options: func(context.Context) ([]remote.Option, error) { return nil, nil },
			Adapter: func(context.Context, string) ([]byte, error) { return adapter, nil },
		}
	})

	deploy := func(pinned string) string {
		t.Helper()
		r, e := adapterResource(t, pinned, appRepo)
		if obs, err := p.Observe(ctx, e, r); err != nil || obs.Exists {
			t.Fatalf("before create: %+v, %v; want not there yet", obs, err)
		}
		out, err := p.Create(ctx, e, r)
		if err != nil {
			t.Fatal(err)
		}
		if obs, err := p.Observe(ctx, e, r); err != nil || !obs.Exists || len(obs.Diff) != 0 || obs.Outputs[plan.AttrImage] != out[plan.AttrImage] {
			t.Fatalf("after create: %+v, %v; want it there with output %s", obs, err, out[plan.AttrImage])
		}
		return out[plan.AttrImage]
	}

	first := deploy(pushWebServer(t, host+"/shop/web:1.0"))
	if !strings.HasPrefix(first, appRepo+"@sha256:") {
		t.Fatalf("the function gets %s, want an image in the app's repository %s by digest", first, appRepo)
	}
	ref, err := name.ParseReference(first)
	if err != nil {
		t.Fatal(err)
	}
	img, err := remote.Image(ref)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(cf.Config.Entrypoint, " ") != "/srv/server" || !containsEnv(cf, "PORT=8080") || cf.Config.Labels[imagebuild.AdapterLabel] == "" {
		t.Fatalf("the adapted image's config %+v: want the source's entrypoint and environment, and berth's label", cf.Config)
	}
	layers, err := img.Layers()
	if err != nil || len(layers) != 2 {
		t.Fatalf("the adapted image has %d layers (%v), want the source's one plus the adapter's", len(layers), err)
	}

	// The tag pushed again: deploy-time pinning gives a new digest, which appends again.
	second := deploy(pushWebServer(t, host+"/shop/web:1.0"))
	if second == first || !strings.HasPrefix(second, appRepo+"@") {
		t.Fatalf("a re-pushed tag deploys %s, want a new adapted image in %s (was %s)", second, appRepo, first)
	}
}

func TestAnImageReferenceThatIsNotPinnedIsRejected(t *testing.T) {
	p := NewWebAdapter(func(string) *Images {
		return &Images{
			Options: func(context.Context) ([]remote.Option, error) { return nil, nil },
			Adapter: func(context.Context, string) ([]byte, error) { return []byte("x"), nil },
		}
	})
	r, e := adapterResource(t, "123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/web:1.0", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/berth-shop-dev-api")
	_, err := p.Create(context.Background(), e, r)
	if _, ok := err.(*provision.RejectedError); !ok {
		t.Fatalf("got %v, want *provision.RejectedError: the adapter is appended to a digest, never a tag that can move", err)
	}
}

func containsEnv(cf *v1.ConfigFile, kv string) bool {
	for _, e := range cf.Config.Env {
		if e == kv {
			return true
		}
	}
	return false
}
