package ecr

import (
	"context"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/berth-dev/berth/internal/imagebuild"
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// KindWebAdapter is an image with the Lambda Web Adapter layer appended.
const KindWebAdapter = plan.KindWebAdapter

// Images reaches a region's registry for KindWebAdapter.
type Images struct {
	// Options are the registry options for the region (ECR credentials, transport).
	Options func(ctx context.Context) ([]remote.Option, error)
	// Adapter returns the adapter binary for an architecture (imagebuild.FetchAdapter of
	// imagebuild.AdapterImage on AWS; it should cache).
	Adapter func(ctx context.Context, arch string) ([]byte, error)
	// Pushed records a pushed image where the registry does not (the local runtime's
	// registry on loopback is not its emulated ECR); nil on AWS, where a push is the record.
	Pushed func(ctx context.Context, repository, tag, ref string) error
}

// ImagesFor returns the Images of a region; it should cache them.
type ImagesFor func(region string) *Images

type adapterWant struct {
	req        imagebuild.AppendRequest
	repository string
	opts       []remote.Option
}

type adapterCall = provision.Call[*Images, adapterWant]

// NewWebAdapter returns the provisioner of KindWebAdapter: Create appends the adapter to
// the source image (a build's output, or an image: reference by digest, whose layers are
// then read from the user's repository) with imagebuild.Append and pushes it to the
// app's repository under a tag naming the source digest and the adapter version; Observe reads the same, without
// pushing. An image that already has /opt/extensions/lambda-adapter is used as it is.
// Delete removes nothing (NothingToDelete): the repository's lifecycle expires images.
func NewWebAdapter(images ImagesFor) provision.Provisioner {
	return provision.Adapt(provision.Kind[*Images, adapterWant, imagebuild.AppendResult]{
		Clients: images,
		Desired: adapterRequest,
		Find: func(ctx context.Context, c *adapterCall) (*imagebuild.AppendResult, error) {
			res, done, err := imagebuild.Appended(ctx, c.Props.req, c.Props.opts...)
			if err != nil || !done {
				return nil, err
			}
			return &res, record(ctx, c, res.Reference)
		},
		Outputs: func(_ *adapterCall, l *imagebuild.AppendResult) provision.Outputs {
			return provision.Outputs{plan.AttrImage: l.Reference}
		},
		Create: func(ctx context.Context, c *adapterCall) (provision.Outputs, error) {
			res, err := imagebuild.Append(ctx, c.Props.req, c.Props.opts...)
			if err != nil {
				return nil, err
			}
			return provision.Outputs{plan.AttrImage: res.Reference}, record(ctx, c, res.Reference)
		},
		Remove: func(context.Context, *adapterCall, *imagebuild.AppendResult) error { return nil },
	})
}

// record keeps the local runtime's emulated ECR holding what its registry holds (Pushed):
// a repository deleted and created again (a rollback, then a redeploy) leaves the image
// in the registry on loopback but not in the emulator, while on AWS, where the registry
// is ECR, both went together. Nil Pushed (AWS): nothing to do.
func record(ctx context.Context, c *adapterCall, ref string) error {
	if c.API.Pushed == nil {
		return nil
	}
	return c.API.Pushed(ctx, c.Props.repository, tagOf(c.Props.req.Target), ref)
}

// RegisterWebAdapter adds KindWebAdapter to reg.
func RegisterWebAdapter(reg provision.Registry, images ImagesFor) {
	reg[KindWebAdapter] = NewWebAdapter(images)
}

func adapterRequest(ctx context.Context, c *adapterCall) (adapterWant, error) {
	r := c.R
	props, err := provision.Decode[plan.WebAdapterProps](r)
	if err != nil {
		return adapterWant{}, err
	}
	src := props.ImageURI
	if props.Image != nil {
		if src, err = c.Env.Refs.Resolve(*props.Image); err != nil {
			return adapterWant{}, err
		}
	}
	repo, err := c.Env.Refs.Resolve(props.Repository)
	if err != nil {
		return adapterWant{}, err
	}
	d, err := name.NewDigest(src)
	if err != nil {
		return adapterWant{}, reject(r, err)
	}
	bin, err := c.API.Adapter(ctx, props.Arch)
	if err != nil {
		return adapterWant{}, provision.ClassifyFor(err, "fetch the Lambda Web Adapter", r)
	}
	opts, err := c.API.Options(ctx)
	if err != nil {
		return adapterWant{}, provision.ClassifyFor(err, "log in to the registry", r)
	}
	return adapterWant{
		req:        imagebuild.AppendRequest{Source: src, Target: repo + ":" + AdapterTag(d.DigestStr()), Arch: props.Arch, Adapter: bin},
		repository: r.Name, opts: opts,
	}, nil
}

// AdapterTag is the tag of an image with the adapter: the adapter version and the
// source image's digest, so a rebuilt source or a new adapter version gets a new tag.
func AdapterTag(sourceDigest string) string {
	hex := strings.TrimPrefix(sourceDigest, "sha256:")
	return "lwa-" + imagebuild.AdapterVersion + "-" + hex[:min(len(hex), 32)]
}

func tagOf(ref string) string { return ref[strings.LastIndex(ref, ":")+1:] }
