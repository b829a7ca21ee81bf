package imagebuild

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

const (
	// AdapterVersion is the pinned AWS Lambda Web Adapter release.
	AdapterVersion = "0.9.1"
	// AdapterImage is the adapter's public image; its binary is /lambda-adapter (the
	// project README's `COPY --from=public.ecr.aws/awsguru/aws-lambda-adapter:<v>
	// /lambda-adapter /opt/extensions/lambda-adapter`).
	AdapterImage = "public.ecr.aws/awsguru/aws-lambda-adapter:" + AdapterVersion
	// AdapterSourcePath is the binary's path inside AdapterImage.
	AdapterSourcePath = "lambda-adapter"
	// AdapterPath is where Lambda looks for the extension: Lambda starts every executable
	// in /opt/extensions (docs.aws.amazon.com/lambda/latest/dg/extensions-api.html).
	AdapterPath = "opt/extensions/lambda-adapter"
	// AdapterLabel marks images berth added the adapter to, with the adapter version, so
	// they are recognised without reading their layers.
	AdapterLabel = "dev.berth.lambda-adapter"
)

// epoch is the mtime of every file berth writes into a layer and the time of the history
// entries it adds (fixed, so the digest depends only on the content).
var epoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// AdapterError: the adapter image does not hold what berth expects.
type AdapterError struct {
	Ref, Problem string
}

func (e *AdapterError) Error() string {
	return fmt.Sprintf("Lambda Web Adapter image %s: %s", e.Ref, e.Problem)
}

// FetchAdapter reads the adapter binary for linux/arch ("amd64" or "arm64") from ref
// (AdapterImage in production).
func FetchAdapter(ctx context.Context, ref, arch string, opts ...remote.Option) ([]byte, error) {
	r, err := name.ParseReference(ref)
	if err != nil {
		return nil, &AdapterError{Ref: ref, Problem: err.Error()}
	}
	opts = append(opts, remote.WithContext(ctx), remote.WithPlatform(v1.Platform{OS: "linux", Architecture: arch}))
	img, err := remote.Image(r, opts...)
	if err != nil {
		return nil, &AdapterError{Ref: ref, Problem: err.Error()}
	}
	bin, found, err := readFile(img, AdapterSourcePath)
	if err != nil {
		return nil, &AdapterError{Ref: ref, Problem: err.Error()}
	}
	if !found {
		return nil, &AdapterError{Ref: ref, Problem: "no /" + AdapterSourcePath + " in the image for linux/" + arch}
	}
	return bin, nil
}

// AdapterLayer is the one layer holding bin at /opt/extensions/lambda-adapter (mode 0755,
// with its two parent directories), of media type mt: its digest depends on bin alone.
func AdapterLayer(bin []byte, mt types.MediaType) (v1.Layer, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, d := range []string{"opt/", "opt/extensions/"} {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: d, Mode: 0o755, ModTime: epoch, Format: tar.FormatPAX}); err != nil {
			return nil, err
		}
	}
	h := &tar.Header{Typeflag: tar.TypeReg, Name: AdapterPath, Mode: 0o755, Size: int64(len(bin)), ModTime: epoch, Format: tar.FormatPAX}
	if err := tw.WriteHeader(h); err != nil {
		return nil, err
	}
	if _, err := tw.Write(bin); err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	raw := buf.Bytes()
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(raw)), nil
	}, tarball.WithMediaType(mt))
}

// layerMediaType is the layer media type that matches img's manifest: Docker schema 2
// manifests list Docker layers, OCI manifests OCI layers.
func layerMediaType(img v1.Image) (types.MediaType, error) {
	mt, err := img.MediaType()
	if err != nil {
		return "", err
	}
	if mt == types.OCIManifestSchema1 {
		return types.OCILayer, nil
	}
	return types.DockerLayer, nil
}

// hasFile reports whether img's filesystem has file (a clean path without leading "/"),
// reading layers from the top down and stopping at the first layer that has it or
// deletes it (a whiteout of it or of a parent, or an opaque parent directory).
func hasFile(img v1.Image, file string) (bool, error) {
	_, found, err := scan(img, file, false)
	return found, err
}

// readFile returns file's content from img's filesystem.
func readFile(img v1.Image, file string) ([]byte, bool, error) {
	return scan(img, file, true)
}

func scan(img v1.Image, file string, read bool) ([]byte, bool, error) {
	layers, err := img.Layers()
	if err != nil {
		return nil, false, err
	}
	for i := len(layers) - 1; i >= 0; i-- {
		content, state, err := scanLayer(layers[i], file, read)
		if err != nil || state != absent {
			return content, state == present, err
		}
	}
	return nil, false, nil
}

type fileState int

const (
	absent fileState = iota // the layer says nothing about the file
	present
	deleted
)

// scanLayer looks for file in one layer. Whiteouts follow the OCI image spec's layer
// changeset rules (github.com/opencontainers/image-spec/blob/main/layer.md#whiteouts).
func scanLayer(l v1.Layer, file string, read bool) ([]byte, fileState, error) {
	rc, err := l.Uncompressed()
	if err != nil {
		return nil, absent, err
	}
	defer rc.Close()
	hidden := hiddenBy(file)
	state := absent
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil, state, nil
		}
		if err != nil {
			return nil, absent, err
		}
		n := path.Clean(strings.TrimPrefix(h.Name, "/"))
		switch {
		case n == file && (h.Typeflag == tar.TypeReg || h.Typeflag == tar.TypeSymlink || h.Typeflag == tar.TypeLink):
			if !read {
				return nil, present, nil
			}
			content, err := io.ReadAll(tr)
			return content, present, err
		case hidden[n]:
			state = deleted
		}
	}
}

// hiddenBy lists the whiteout entries that would delete file from lower layers.
func hiddenBy(file string) map[string]bool {
	out := map[string]bool{}
	for p := file; p != "." && p != "/"; p = path.Dir(p) {
		out[path.Join(path.Dir(p), ".wh."+path.Base(p))] = true
		if p != file {
			out[path.Join(p, ".wh..wh..opq")] = true
		}
	}
	return out
}
