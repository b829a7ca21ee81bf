package codebuild

import (
	"context"
	"errors"
	"strings"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// KindImageBuild is one container's image built from its source archive.
const KindImageBuild = plan.KindImageBuild

// Outputs of KindImageBuild besides plan.AttrImage: the build that makes the image, and
// the source hash it builds, so a later poll of the same deployment finds that build and
// a build of another source is never taken for it.
const (
	AttrBuildID    = "BuildId"
	AttrSourceHash = "SourceHash"
)

// Builders returns the build step for a region; it should cache them.
type Builders func(region string) *Builder

// imageLive is a build's state: the image's digest once it exists, else the running build.
type imageLive struct {
	digest, buildID string
}

type imageCall = provision.Call[*Builder, BuildRequest]

// NewImageBuild returns the provisioner of KindImageBuild. Create starts the build
// (Builder.Start: nothing when the repository already holds the image tagged with the
// source hash); Observe reports it absent until started, existing but not ready while it
// runs, ready with the image once pushed, and *BuildFailedError when it failed, which
// fails the deployment: every other mutation waits for the builds (plan.Build). Delete
// removes nothing (NothingToDelete): the repository's lifecycle policy expires images.
func NewImageBuild(builders Builders) provision.Provisioner {
	return provision.Adapt(provision.Kind[*Builder, BuildRequest, imageLive]{
		Clients:  builders,
		Desired:  imageRequest,
		Find:     findImage,
		Ready:    func(l *imageLive) bool { return l.digest != "" },
		Outputs:  func(c *imageCall, l *imageLive) provision.Outputs { return imageOutputs(c.Props, l) },
		Create:   startImage,
		Remove:   func(context.Context, *imageCall, *imageLive) error { return nil },
		Classify: classifyBuild,
	})
}

// RegisterImageBuild adds KindImageBuild to reg.
func RegisterImageBuild(reg provision.Registry, builders Builders) {
	reg[KindImageBuild] = NewImageBuild(builders)
}

func imageRequest(_ context.Context, c *imageCall) (BuildRequest, error) {
	r := c.R
	props, err := provision.Decode[plan.ImageBuildProps](r)
	if err != nil {
		return BuildRequest{}, err
	}
	if props.Source.Hash == "" || props.Source.Bucket == "" || props.Source.Key == "" {
		return BuildRequest{}, &provision.RejectedError{Kind: string(r.Kind), Name: r.Name, Op: "validate",
			Cause: "container " + r.Container + " has no uploaded source archive: deploy with `berth deploy -f`, which packs and uploads src"}
	}
	project, err := c.Env.Refs.Resolve(props.Project)
	if err != nil {
		return BuildRequest{}, err
	}
	uri, err := c.Env.Refs.Resolve(props.Repository)
	if err != nil {
		return BuildRequest{}, err
	}
	return BuildRequest{
		Container: r.Container, Project: project, Repository: r.Name, RepositoryUri: uri,
		SourceBucket: props.Source.Bucket, SourceKey: props.Source.Key, SourceHash: props.Source.Hash,
	}, nil
}

// findImage: the image tagged with the source hash; else this source's build started
// earlier (its id is in the resource's own outputs, journaled by Create).
func findImage(ctx context.Context, c *imageCall) (*imageLive, error) {
	b, req := c.API, c.Props
	digest, err := b.digest(ctx, req)
	if err != nil || digest != "" {
		return &imageLive{digest: digest}, err
	}
	id := ownBuild(c.Env, c.R, req.SourceHash)
	if id == "" {
		return nil, nil
	}
	st, err := b.Observe(ctx, req, BuildState{BuildID: id})
	if err != nil {
		return nil, err
	}
	return &imageLive{digest: st.Digest, buildID: id}, nil
}

// ownBuild is the id of the build Create started for hash, "" when none.
func ownBuild(env provision.Env, r plan.Resource, hash string) string {
	if env.Refs == nil {
		return ""
	}
	h, err := env.Refs.Resolve(plan.Ref{ID: r.ID, Attr: AttrSourceHash})
	if err != nil || h != hash {
		return ""
	}
	id, _ := env.Refs.Resolve(plan.Ref{ID: r.ID, Attr: AttrBuildID})
	return id
}

func startImage(ctx context.Context, c *imageCall) (provision.Outputs, error) {
	st, err := c.API.Start(ctx, c.Props)
	if err != nil {
		return nil, err
	}
	return imageOutputs(c.Props, &imageLive{digest: st.Digest, buildID: st.BuildID}), nil
}

func imageOutputs(req BuildRequest, l *imageLive) provision.Outputs {
	out := provision.Outputs{AttrSourceHash: req.SourceHash, plan.AttrName: req.Repository}
	if l.buildID != "" {
		out[AttrBuildID] = l.buildID
	}
	if l.digest != "" {
		out[plan.AttrImage] = repositoryOf(req.RepositoryUri) + "@" + l.digest
	}
	return out
}

// repositoryOf drops a tag or digest from an image reference.
func repositoryOf(uri string) string {
	if i := strings.LastIndex(uri, "@"); i >= 0 {
		uri = uri[:i]
	}
	if i := strings.LastIndex(uri, ":"); i > strings.LastIndex(uri, "/") {
		uri = uri[:i]
	}
	return uri
}

// classifyBuild keeps *BuildFailedError as it is: the state machine and `berth deploy`
// show its log tail and link.
func classifyBuild(err error, op string, r plan.Resource) error {
	var bf *BuildFailedError
	if errors.As(err, &bf) {
		return bf
	}
	return provision.ClassifyFor(err, op, r)
}
