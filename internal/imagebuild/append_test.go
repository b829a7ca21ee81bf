package imagebuild

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"io"
	"slices"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// lastLayerFiles lists the entries of img's top layer with their modes and contents.
func lastLayerFiles(t *testing.T, img v1.Image) map[string]*tar.Header {
	t.Helper()
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	rc, err := layers[len(layers)-1].Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	out := map[string]*tar.Header{}
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out[h.Name] = h
	}
}

func TestTheAdapterIsAppendedAsOneLayerKeepingEntrypointCommandAndEnvironment(t *testing.T) {
	for _, oci := range []bool{false, true} {
		r := newRegistry(t)
		src := r.host + "/berth/shop-dev-api:abc123"
		base := webImage(t, oci, "arm64")
		push(t, src, base)

		res, err := Append(context.Background(), AppendRequest{Source: src, Target: r.host + "/berth/shop-dev-api:abc123-lambda", Arch: "arm64", Adapter: standInAdapter["arm64"]})
		if err != nil {
			t.Fatal(err)
		}
		if res.Skipped || !res.Pushed {
			t.Fatalf("result %+v, want pushed", res)
		}
		got := pull(t, res.Reference)
		if digestOf(t, got) != res.Digest {
			t.Fatalf("pulled %s, result says %s", digestOf(t, got), res.Digest)
		}
		baseLayers, _ := base.Layers()
		gotLayers, _ := got.Layers()
		if len(gotLayers) != len(baseLayers)+1 {
			t.Fatalf("%d layers, want the base's %d plus one", len(gotLayers), len(baseLayers))
		}
		for i, l := range baseLayers {
			want, _ := l.Digest()
			have, _ := gotLayers[i].Digest()
			if want != have {
				t.Fatalf("layer %d changed: %s → %s", i, want, have)
			}
		}
		files := lastLayerFiles(t, got)
		h := files[AdapterPath]
		if h == nil || h.Mode != 0o755 || h.Typeflag != tar.TypeReg || h.Size != int64(len(standInAdapter["arm64"])) {
			t.Fatalf("adapter entry %+v in the new layer %v", h, files)
		}
		wantMT := types.DockerLayer
		if oci {
			wantMT = types.OCILayer
		}
		if mt, _ := gotLayers[len(gotLayers)-1].MediaType(); mt != wantMT {
			t.Fatalf("appended layer media type %s, want %s to match the manifest", mt, wantMT)
		}
		want, _ := base.ConfigFile()
		have, _ := got.ConfigFile()
		if !slices.Equal(have.Config.Entrypoint, want.Config.Entrypoint) || !slices.Equal(have.Config.Cmd, want.Config.Cmd) ||
			!slices.Equal(have.Config.Env, want.Config.Env) || have.Config.WorkingDir != want.Config.WorkingDir || have.Architecture != "arm64" {
			t.Fatalf("config changed:\n have %+v\n want %+v", have.Config, want.Config)
		}
		if have.Config.Labels[AdapterLabel] != AdapterVersion {
			t.Fatalf("labels %v, want %s=%s", have.Config.Labels, AdapterLabel, AdapterVersion)
		}
	}
}

func TestOnlyTheNewLayerConfigAndManifestAreUploaded(t *testing.T) {
	// pkg/registry keeps blobs registry-wide, so a base layer pushed to one repository is
	// found by the HEAD check in another; on ECR go-containerregistry asks for a
	// cross-repository mount instead. Either way no base layer is uploaded again.
	for _, repo := range []string{"/berth/shop-dev-api", "/berth/shop-prod-api"} {
		t.Run("into "+repo, func(t *testing.T) {
			r := newRegistry(t)
			src := r.host + "/berth/shop-dev-api:abc123"
			push(t, src, webImage(t, false, "amd64"))
			r.reset()
			res, err := Append(context.Background(), AppendRequest{Source: src, Target: r.host + repo + ":abc123-lambda", Arch: "amd64", Adapter: standInAdapter["amd64"]})
			if err != nil {
				t.Fatal(err)
			}
			c := r.counts()
			t.Logf("append: %+v", c)
			got := pull(t, res.Reference)
			layers, _ := got.Layers()
			adapter, _ := layers[len(layers)-1].Digest()
			config, _ := got.ConfigName()
			want := []string{adapter.String(), config.String()}
			slices.Sort(want)
			uploaded := r.uploadedDigests()
			if !slices.Equal(uploaded, want) || c.Manifests != 1 {
				t.Fatalf("uploaded %v and %d manifests; want exactly the adapter layer and the config %v, and 1 manifest", uploaded, c.Manifests, want)
			}
		})
	}
}

func TestAppendingAgainIsANoOpWithTheSameDigest(t *testing.T) {
	r := newRegistry(t)
	src := r.host + "/berth/shop-dev-api:abc123"
	push(t, src, webImage(t, false, "amd64"))
	req := AppendRequest{Source: src, Target: r.host + "/berth/shop-dev-api:abc123-lambda", Arch: "amd64", Adapter: standInAdapter["amd64"]}
	first, err := Append(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	r.reset()
	again, err := Append(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	c := r.counts()
	if again.Digest != first.Digest || again.Pushed || again.Skipped {
		t.Fatalf("second append %+v, first %+v", again, first)
	}
	if c.Writes != 0 || c.BlobReads != 1 {
		t.Fatalf("second append made %+v; want no writes and only the config read", c)
	}
}

func TestImagesThatAlreadyHaveTheAdapterAreSkipped(t *testing.T) {
	adapterLayer := func(t *testing.T) v1.Layer {
		// What `COPY --from=...aws-lambda-adapter /lambda-adapter /opt/extensions/lambda-adapter` makes.
		return layerOf(t, types.DockerLayer, [2]string{"opt/extensions/lambda-adapter", "real adapter"})
	}
	tests := []struct {
		name       string
		extra      func(t *testing.T) []v1.Layer
		label      bool
		wantSkip   bool
		wantNoRead bool
	}{
		{"the adapter copied in by the image's Dockerfile", func(t *testing.T) []v1.Layer {
			return []v1.Layer{adapterLayer(t), layerOf(t, types.DockerLayer, [2]string{"app/later.js", "x"})}
		}, false, true, false},
		{"the adapter in a lower layer deleted by a whiteout above", func(t *testing.T) []v1.Layer {
			return []v1.Layer{adapterLayer(t), layerOf(t, types.DockerLayer, [2]string{"opt/extensions/.wh.lambda-adapter", ""})}
		}, false, false, false},
		{"the adapter under a directory made opaque above", func(t *testing.T) []v1.Layer {
			return []v1.Layer{adapterLayer(t), layerOf(t, types.DockerLayer, [2]string{"opt/.wh..wh..opq", ""})}
		}, false, false, false},
		{"an image berth already extended, recognised by its label without reading layers", nil, true, true, true},
		{"another extension but not the adapter", func(t *testing.T) []v1.Layer {
			return []v1.Layer{layerOf(t, types.DockerLayer, [2]string{"opt/extensions/other", "x"})}
		}, false, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newRegistry(t)
			var extra []v1.Layer
			if tc.extra != nil {
				extra = tc.extra(t)
			}
			img := webImage(t, false, "amd64", extra...)
			if tc.label {
				cf, _ := img.ConfigFile()
				cf = cf.DeepCopy()
				cf.Config.Labels = map[string]string{AdapterLabel: AdapterVersion}
				img, _ = mutate.ConfigFile(img, cf)
			}
			src := r.host + "/berth/shop-dev-api:abc123"
			push(t, src, img)
			r.reset()
			res, err := Append(context.Background(), AppendRequest{Source: src, Target: r.host + "/berth/shop-dev-api:abc123-lambda", Arch: "amd64", Adapter: standInAdapter["amd64"]})
			if err != nil {
				t.Fatal(err)
			}
			c := r.counts()
			if res.Skipped != tc.wantSkip {
				t.Fatalf("skipped=%v, want %v (%+v)", res.Skipped, tc.wantSkip, res)
			}
			if tc.wantSkip && (res.Digest != digestOf(t, img) || c.Writes != 0) {
				t.Fatalf("skip returned %s (source %s) after %+v; want the source digest and no writes", res.Digest, digestOf(t, img), c)
			}
			if tc.wantNoRead && c.BlobReads != 1 {
				t.Fatalf("label check read %d blobs, want only the config", c.BlobReads)
			}
		})
	}
}

func TestAnIndexIsResolvedToTheLambdaArchitecture(t *testing.T) {
	r := newRegistry(t)
	amd, arm := webImage(t, true, "amd64"), webImage(t, true, "arm64")
	idx := mutate.AppendManifests(mutate.IndexMediaType(empty.Index, types.OCIImageIndex),
		mutate.IndexAddendum{Add: amd, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "amd64"}}},
		mutate.IndexAddendum{Add: arm, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "arm64"}}},
	)
	ref := r.host + "/library/web:1"
	tag := mustTag(t, ref)
	if err := writeIndex(tag, idx); err != nil {
		t.Fatal(err)
	}
	res, err := Append(context.Background(), AppendRequest{Source: ref, Target: r.host + "/berth/shop-dev-web:img-lambda", Arch: "arm64", Adapter: standInAdapter["arm64"]})
	if err != nil {
		t.Fatal(err)
	}
	got := pull(t, res.Reference)
	mt, _ := got.MediaType()
	cf, _ := got.ConfigFile()
	if mt != types.OCIManifestSchema1 || cf.Architecture != "arm64" {
		t.Fatalf("result is %s for %s; want a single OCI image for arm64 (Lambda takes no index)", mt, cf.Architecture)
	}
	files := lastLayerFiles(t, got)
	if files[AdapterPath] == nil {
		t.Fatalf("no adapter in %v", files)
	}
}

func TestFetchAdapterReadsTheBinaryForTheArchitecture(t *testing.T) {
	r := newRegistry(t)
	// A stand-in for AdapterImage: an index with the binary at /lambda-adapter per arch.
	var idx v1.ImageIndex = empty.Index
	for _, arch := range []string{"amd64", "arm64"} {
		img, err := mutate.AppendLayers(empty.Image, layerOf(t, types.DockerLayer, [2]string{AdapterSourcePath, string(standInAdapter[arch])}))
		if err != nil {
			t.Fatal(err)
		}
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: arch}}})
	}
	ref := r.host + "/awsguru/aws-lambda-adapter:" + AdapterVersion
	if err := writeIndex(mustTag(t, ref), idx); err != nil {
		t.Fatal(err)
	}
	for _, arch := range []string{"amd64", "arm64"} {
		bin, err := FetchAdapter(context.Background(), ref, arch)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(bin, standInAdapter[arch]) {
			t.Fatalf("%s: got %q", arch, bin)
		}
	}
	push(t, r.host+"/awsguru/not-the-adapter:1", webImage(t, false, "amd64"))
	_, err := FetchAdapter(context.Background(), r.host+"/awsguru/not-the-adapter:1", "amd64")
	var ae *AdapterError
	if !errors.As(err, &ae) {
		t.Fatalf("image without /lambda-adapter: got %v, want *AdapterError", err)
	}
}

func TestTheAdapterLayerDependsOnTheBinaryAlone(t *testing.T) {
	digest := func(bin []byte) v1.Hash {
		l, err := AdapterLayer(bin, types.DockerLayer)
		if err != nil {
			t.Fatal(err)
		}
		d, err := l.Digest()
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	a, b := digest(standInAdapter["amd64"]), digest(bytes.Clone(standInAdapter["amd64"]))
	if a != b {
		t.Fatalf("same binary, digests %s and %s", a, b)
	}
	if c := digest(standInAdapter["arm64"]); c == a {
		t.Fatal("a different binary gave the same layer digest")
	}
}
