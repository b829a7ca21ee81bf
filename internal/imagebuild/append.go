package imagebuild

import (
	"context"
	"fmt"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// AppendRequest asks for the adapter to be added to one image.
type AppendRequest struct {
	// Source is the image to extend: a tag or digest reference, in the target's registry
	// (a berth build) or any other (an `image:` reference, whose layers are then copied).
	Source string
	// Target is the tag to push the extended image to (the app's repository).
	Target string
	// Arch is the Lambda architecture, "amd64" or "arm64": an image index in Source is
	// resolved to its linux/Arch image.
	Arch string
	// Adapter is the adapter binary (FetchAdapter).
	Adapter []byte
}

// AppendResult is the image to deploy.
type AppendResult struct {
	// Digest identifies the image to deploy: Target's when the adapter was added,
	// Source's when it was skipped.
	Digest string `json:"digest"`
	// Reference is the repository@digest reference Lambda is given.
	Reference string `json:"reference"`
	// Skipped: Source already had /opt/extensions/lambda-adapter; nothing was pushed.
	Skipped bool `json:"skipped"`
	// Pushed: the extended image was written to Target (false when Target already held
	// it, so a repeated call uploads nothing).
	Pushed bool `json:"pushed"`
}

// ImageError names the image operation that failed and the image it was on.
type ImageError struct {
	Op, Ref, Cause string
}

func (e *ImageError) Error() string {
	return fmt.Sprintf("image %s: %s: %s", e.Ref, e.Op, e.Cause)
}

// Append adds the adapter to req.Source as one layer and pushes the result to
// req.Target. Only the new layer, the new config and the manifest are uploaded: the
// source's layers are already in the target repository or are mounted from the source's
// repository on the same registry. An image that already has the adapter (by berth's
// label, or by a file at /opt/extensions/lambda-adapter in its layers) is skipped.
func Append(ctx context.Context, req AppendRequest, opts ...remote.Option) (AppendResult, error) {
	res, _, err := appendOrCheck(ctx, req, true, opts)
	return res, err
}

// Appended reports, reading only, what Append would give for req and whether it is
// already done: the source has the adapter, or the target holds the extended image.
func Appended(ctx context.Context, req AppendRequest, opts ...remote.Option) (AppendResult, bool, error) {
	return appendOrCheck(ctx, req, false, opts)
}

func appendOrCheck(ctx context.Context, req AppendRequest, push bool, opts []remote.Option) (res AppendResult, done bool, err error) {
	src, err := name.ParseReference(req.Source)
	if err != nil {
		return AppendResult{}, false, &ImageError{Op: "parse", Ref: req.Source, Cause: err.Error()}
	}
	dst, err := name.NewTag(req.Target)
	if err != nil {
		return AppendResult{}, false, &ImageError{Op: "parse", Ref: req.Target, Cause: err.Error()}
	}
	opts = append(opts, remote.WithContext(ctx))
	img, err := remote.Image(src, append(opts, remote.WithPlatform(v1.Platform{OS: "linux", Architecture: req.Arch}))...)
	if err != nil {
		return AppendResult{}, false, &ImageError{Op: "read it to add the Lambda Web Adapter", Ref: req.Source, Cause: err.Error()}
	}
	if labelled(img) {
		res, err := skipped(src, img)
		return res, true, err
	}
	out, err := withAdapter(img, req.Adapter)
	if err != nil {
		return AppendResult{}, false, &ImageError{Op: "add the Lambda Web Adapter", Ref: req.Source, Cause: err.Error()}
	}
	digest, err := out.Digest()
	if err != nil {
		return AppendResult{}, false, &ImageError{Op: "add the Lambda Web Adapter", Ref: req.Source, Cause: err.Error()}
	}
	res = AppendResult{Digest: digest.String(), Reference: dst.Context().Digest(digest.String()).String()}
	// Target already holds exactly this image: a repeat, nothing to read or upload.
	if d, err := remote.Head(dst, opts...); err == nil && d.Digest == digest {
		return res, true, nil
	}
	has, err := hasFile(img, AdapterPath)
	if err != nil {
		return AppendResult{}, false, &ImageError{Op: "look for the Lambda Web Adapter in its layers", Ref: req.Source, Cause: err.Error()}
	}
	if has {
		res, err := skipped(src, img)
		return res, true, err
	}
	if !push {
		return res, false, nil
	}
	if err := remote.Write(dst, out, opts...); err != nil {
		return AppendResult{}, false, &ImageError{Op: "push with the Lambda Web Adapter", Ref: req.Target, Cause: err.Error()}
	}
	res.Pushed = true
	return res, true, nil
}

// withAdapter is img plus the adapter layer and berth's label; entrypoint, command,
// environment and everything else in the config are kept.
func withAdapter(img v1.Image, bin []byte) (v1.Image, error) {
	mt, err := layerMediaType(img)
	if err != nil {
		return nil, err
	}
	layer, err := AdapterLayer(bin, mt)
	if err != nil {
		return nil, err
	}
	out, err := mutate.Append(img, mutate.Addendum{Layer: layer, History: v1.History{
		Created:   v1.Time{Time: epoch},
		CreatedBy: "berth: AWS Lambda Web Adapter " + AdapterVersion + " at /" + AdapterPath,
		Comment:   "added by berth",
	}})
	if err != nil {
		return nil, err
	}
	cf, err := out.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	if cf.Config.Labels == nil {
		cf.Config.Labels = map[string]string{}
	}
	cf.Config.Labels[AdapterLabel] = AdapterVersion
	return mutate.ConfigFile(out, cf)
}

func labelled(img v1.Image) bool {
	cf, err := img.ConfigFile()
	return err == nil && cf.Config.Labels[AdapterLabel] != ""
}

func skipped(src name.Reference, img v1.Image) (AppendResult, error) {
	d, err := img.Digest()
	if err != nil {
		return AppendResult{}, &ImageError{Op: "read", Ref: src.String(), Cause: err.Error()}
	}
	return AppendResult{Digest: d.String(), Reference: src.Context().Digest(d.String()).String(), Skipped: true}, nil
}
