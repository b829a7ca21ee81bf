package imagebuild

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// SourceHashLabel carries the source hash an image was built from.
const SourceHashLabel = "dev.berth.source-hash"

// LocalBuilder is the local runtime's stand-in for AWS CodeBuild. It does not run a
// Dockerfile or buildpacks: it pushes a small deterministic image holding the source
// archive's files under /app, labelled with the source hash, to a real OCI registry (on
// loopback in the local runtime). The same archive always gives the same digest, so
// "unchanged source → nothing rebuilt" is observable exactly as in AWS.
type LocalBuilder struct {
	// Options reach the registry (auth, transport).
	Options []remote.Option
}

// LocalBuild asks for one image.
type LocalBuild struct {
	// Repository is the registry/repository to push to; the tag is Hash.
	Repository string
	// Hash is the source hash the archive was packed with (srcpkg.Archive.Hash).
	Hash string
	// Archive is the gzip-compressed source archive.
	Archive io.Reader
	// Arch is "amd64" or "arm64".
	Arch string
}

// LocalBuildResult is what a build leaves in the registry.
type LocalBuildResult struct {
	Digest    string `json:"digest"`
	Reference string `json:"reference"` // repository@digest
	Pushed    bool   `json:"pushed"`    // false when the tag already held this image
}

// Build pushes the image for b, tagged b.Hash, unless the tag already holds it. An
// archive whose tar stream does not hash to b.Hash is refused.
func (lb LocalBuilder) Build(ctx context.Context, b LocalBuild) (LocalBuildResult, error) {
	tag, err := name.NewTag(b.Repository + ":" + b.Hash)
	if err != nil {
		return LocalBuildResult{}, &ImageError{Op: "parse", Ref: b.Repository, Cause: err.Error()}
	}
	layerTar, err := underApp(b.Archive, b.Hash)
	if err != nil {
		return LocalBuildResult{}, &ImageError{Op: "read the source archive", Ref: tag.String(), Cause: err.Error()}
	}
	img, err := localImage(layerTar, b.Hash, b.Arch)
	if err != nil {
		return LocalBuildResult{}, &ImageError{Op: "assemble", Ref: tag.String(), Cause: err.Error()}
	}
	d, err := img.Digest()
	if err != nil {
		return LocalBuildResult{}, &ImageError{Op: "assemble", Ref: tag.String(), Cause: err.Error()}
	}
	res := LocalBuildResult{Digest: d.String(), Reference: tag.Context().Digest(d.String()).String()}
	opts := append(lb.Options, remote.WithContext(ctx))
	if have, err := remote.Head(tag, opts...); err == nil && have.Digest == d {
		return res, nil
	}
	if err := remote.Write(tag, img, opts...); err != nil {
		return LocalBuildResult{}, &ImageError{Op: "push", Ref: tag.String(), Cause: err.Error()}
	}
	res.Pushed = true
	return res, nil
}

// underApp re-roots the archive's entries under app/ and checks the tar stream's hash.
func underApp(archive io.Reader, hash string) ([]byte, error) {
	gz, err := gzip.NewReader(archive)
	if err != nil {
		return nil, err
	}
	sum := sha256.New()
	tr := tar.NewReader(io.TeeReader(gz, sum))
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: "app/", Mode: 0o755, ModTime: epoch, Format: tar.FormatPAX}); err != nil {
		return nil, err
	}
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		h.Name = "app/" + h.Name
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if _, err := io.Copy(tw, tr); err != nil {
			return nil, err
		}
	}
	// Drain the end-of-archive blocks so the hash covers the whole stream.
	if _, err := io.Copy(io.Discard, io.TeeReader(gz, sum)); err != nil {
		return nil, err
	}
	if got := hex.EncodeToString(sum.Sum(nil)); got != hash {
		return nil, fmt.Errorf("the archive's content hash is %s, not %s: it was changed after packing", got, hash)
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func localImage(layerTar []byte, hash, arch string) (v1.Image, error) {
	history := v1.History{Created: v1.Time{Time: epoch}, CreatedBy: "berth local builder: source " + hash}
	return OneLayerImage(layerTar, history, func(cf *v1.ConfigFile) {
		cf.OS, cf.Architecture, cf.Created = "linux", arch, v1.Time{Time: epoch}
		cf.Config.WorkingDir = "/app"
		cf.Config.Labels = map[string]string{SourceHashLabel: hash}
	})
}

// OneLayerImage is an image of one uncompressed Docker layer (layerTar) with its history
// entry, whose config configure sets: the local builder's images and the local runtime's
// stand-ins for users' images.
func OneLayerImage(layerTar []byte, history v1.History, configure func(*v1.ConfigFile)) (v1.Image, error) {
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(layerTar)), nil
	}, tarball.WithMediaType(types.DockerLayer))
	if err != nil {
		return nil, err
	}
	img, err := mutate.Append(empty.Image, mutate.Addendum{Layer: layer, History: history})
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	configure(cf)
	return mutate.ConfigFile(img, cf)
}
