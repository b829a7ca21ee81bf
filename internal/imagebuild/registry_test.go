package imagebuild

import (
	"archive/tar"
	"bytes"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// reg is go-containerregistry's in-memory OCI registry served on loopback, with every
// request recorded so tests can count what was uploaded and read.
type reg struct {
	host string
	mu   sync.Mutex
	reqs []*http.Request
}

func newRegistry(t *testing.T) *reg {
	t.Helper()
	r := &reg{}
	h := registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		r.reqs = append(r.reqs, req.Clone(req.Context()))
		r.mu.Unlock()
		h.ServeHTTP(w, req)
	}))
	t.Cleanup(srv.Close)
	r.host = strings.TrimPrefix(srv.URL, "http://")
	return r
}

// counts summarises the requests since the last reset.
type counts struct {
	Uploads   int // blob uploads completed (PUT .../blobs/uploads/...)
	Manifests int // manifests written
	BlobReads int // blob bodies fetched
	Writes    int // every POST, PUT, PATCH and DELETE
}

func (r *reg) counts() counts {
	r.mu.Lock()
	defer r.mu.Unlock()
	var c counts
	for _, q := range r.reqs {
		p := q.URL.Path
		switch {
		case q.Method == http.MethodPut && strings.Contains(p, "/blobs/uploads/"):
			c.Uploads++
		case q.Method == http.MethodPut && strings.Contains(p, "/manifests/"):
			c.Manifests++
		case q.Method == http.MethodGet && strings.Contains(p, "/blobs/sha256:"):
			c.BlobReads++
		}
		if q.Method != http.MethodGet && q.Method != http.MethodHead {
			c.Writes++
		}
	}
	return c
}

// uploadedDigests lists the digests of completed blob uploads, sorted.
func (r *reg) uploadedDigests() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, q := range r.reqs {
		if q.Method == http.MethodPut && strings.Contains(q.URL.Path, "/blobs/uploads/") {
			out = append(out, q.URL.Query().Get("digest"))
		}
	}
	slices.Sort(out)
	return out
}

func (r *reg) reset() {
	r.mu.Lock()
	r.reqs = nil
	r.mu.Unlock()
}

// layerOf is a layer holding files (path → content; directories are implied).
func layerOf(t *testing.T, mt types.MediaType, files ...[2]string) v1.Layer {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		if err := tw.WriteHeader(&tar.Header{Name: f[0], Mode: 0o755, Size: int64(len(f[1])), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(f[1])); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	raw := buf.Bytes()
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(raw)), nil }, tarball.WithMediaType(mt))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// webImage is a plain web-server image: two layers, an entrypoint, a command and env.
func webImage(t *testing.T, oci bool, arch string, extra ...v1.Layer) v1.Image {
	t.Helper()
	base, mt := empty.Image, types.DockerLayer
	if oci {
		base = mutate.MediaType(mutate.ConfigMediaType(empty.Image, types.OCIConfigJSON), types.OCIManifestSchema1)
		mt = types.OCILayer
	}
	layers := append([]v1.Layer{
		layerOf(t, mt, [2]string{"usr/bin/node", "node-binary-" + arch}),
		layerOf(t, mt, [2]string{"app/server.js", "listen(8080)"}),
	}, extra...)
	img, err := mutate.AppendLayers(base, layers...)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", arch
	cf.Config.Entrypoint = []string{"/usr/bin/node"}
	cf.Config.Cmd = []string{"/app/server.js"}
	cf.Config.Env = []string{"PATH=/usr/bin", "PORT=8080", "NODE_ENV=production"}
	cf.Config.WorkingDir = "/app"
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func push(t *testing.T, ref string, img v1.Image) {
	t.Helper()
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(r, img); err != nil {
		t.Fatal(err)
	}
}

func pull(t *testing.T, ref string) v1.Image {
	t.Helper()
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	img, err := remote.Image(r)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func digestOf(t *testing.T, img v1.Image) string {
	t.Helper()
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d.String()
}

// stand-in adapter binaries: small, deterministic, different per architecture.
var standInAdapter = map[string][]byte{
	"amd64": []byte("#!/bin/sh\n# stand-in for the Lambda Web Adapter (amd64)\n"),
	"arm64": []byte("#!/bin/sh\n# stand-in for the Lambda Web Adapter (arm64)\n"),
}

func mustTag(t *testing.T, ref string) name.Tag {
	t.Helper()
	tag, err := name.NewTag(ref)
	if err != nil {
		t.Fatal(err)
	}
	return tag
}

func writeIndex(tag name.Tag, idx v1.ImageIndex) error { return remote.WriteIndex(tag, idx) }

// tarNames lists the entry names of a tar stream.
func tarNames(t *testing.T, r io.Reader) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out[h.Name] = true
	}
}

func contains(list []string, s string) bool { return slices.Contains(list, s) }
