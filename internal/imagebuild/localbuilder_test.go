package imagebuild

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/mutate"

	"github.com/berth-dev/berth/internal/srcpkg"
)

// packed packs a small source tree and returns its archive bytes and description.
func packed(t *testing.T, files map[string]string) (srcpkg.Archive, []byte) {
	t.Helper()
	dir := t.TempDir()
	for n, c := range files {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, n)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, n), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	a, err := srcpkg.Pack(dir, &buf, srcpkg.Options{Key: "containers.api.src"})
	if err != nil {
		t.Fatal(err)
	}
	return a, buf.Bytes()
}

func TestTheLocalBuilderGivesTheSameDigestForTheSameSource(t *testing.T) {
	r := newRegistry(t)
	repo := r.host + "/berth/shop-dev-api"
	lb := LocalBuilder{}
	a, archive := packed(t, map[string]string{"Dockerfile": "FROM scratch\n", "server.js": "listen(8080)"})
	first, err := lb.Build(context.Background(), LocalBuild{Repository: repo, Hash: a.Hash, Archive: bytes.NewReader(archive), Arch: "arm64"})
	if err != nil {
		t.Fatal(err)
	}
	if !first.Pushed || !strings.HasPrefix(first.Reference, repo+"@sha256:") {
		t.Fatalf("first build %+v", first)
	}
	// The same source packed again elsewhere: same digest, nothing written.
	a2, archive2 := packed(t, map[string]string{"Dockerfile": "FROM scratch\n", "server.js": "listen(8080)"})
	r.reset()
	again, err := lb.Build(context.Background(), LocalBuild{Repository: repo, Hash: a2.Hash, Archive: bytes.NewReader(archive2), Arch: "arm64"})
	if err != nil {
		t.Fatal(err)
	}
	if again.Digest != first.Digest || again.Pushed || r.counts().Writes != 0 {
		t.Fatalf("rebuild of the same source: %+v after %+v, %+v", again, first, r.counts())
	}
	// One file changed: a new hash and a new digest.
	a3, archive3 := packed(t, map[string]string{"Dockerfile": "FROM scratch\n", "server.js": "listen(8081)"})
	changed, err := lb.Build(context.Background(), LocalBuild{Repository: repo, Hash: a3.Hash, Archive: bytes.NewReader(archive3), Arch: "arm64"})
	if err != nil {
		t.Fatal(err)
	}
	if changed.Digest == first.Digest || !changed.Pushed {
		t.Fatalf("changed source built %+v, first %+v", changed, first)
	}

	img := pull(t, repo+":"+a.Hash)
	cf, _ := img.ConfigFile()
	if cf.Config.Labels[SourceHashLabel] != a.Hash || cf.Architecture != "arm64" || cf.OS != "linux" {
		t.Fatalf("config %+v", cf)
	}
	fs := mutate.Extract(img)
	defer fs.Close()
	var names []string
	for n := range tarNames(t, fs) {
		names = append(names, n)
	}
	if !contains(names, "app/server.js") || !contains(names, "app/Dockerfile") {
		t.Fatalf("image files %v, want the source under app/", names)
	}
}

func TestTheLocalBuilderRefusesAnArchiveThatDoesNotMatchItsHash(t *testing.T) {
	r := newRegistry(t)
	_, archive := packed(t, map[string]string{"server.js": "listen(8080)"})
	other, _ := packed(t, map[string]string{"server.js": "something else"})
	_, err := LocalBuilder{}.Build(context.Background(), LocalBuild{Repository: r.host + "/berth/x", Hash: other.Hash, Archive: bytes.NewReader(archive), Arch: "amd64"})
	if err == nil || !strings.Contains(err.Error(), "changed after packing") {
		t.Fatalf("got %v, want a hash mismatch error", err)
	}
	if c := r.counts(); c.Writes != 0 {
		t.Fatalf("a refused build wrote to the registry: %+v", c)
	}
}

func TestTheAdapterIsAppendedToALocalBuildByTheProductionCode(t *testing.T) {
	r := newRegistry(t)
	repo := r.host + "/berth/shop-dev-api"
	a, archive := packed(t, map[string]string{"Dockerfile": "FROM scratch\n", "server.js": "listen(8080)"})
	built, err := LocalBuilder{}.Build(context.Background(), LocalBuild{Repository: repo, Hash: a.Hash, Archive: bytes.NewReader(archive), Arch: "amd64"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Append(context.Background(), AppendRequest{Source: built.Reference, Target: repo + ":" + a.Hash + "-lambda", Arch: "amd64", Adapter: standInAdapter["amd64"]})
	if err != nil {
		t.Fatal(err)
	}
	if res.Skipped || res.Digest == built.Digest {
		t.Fatalf("append on a local build: %+v", res)
	}
	if lastLayerFiles(t, pull(t, res.Reference))[AdapterPath] == nil {
		t.Fatal("no adapter in the extended local build")
	}
}
