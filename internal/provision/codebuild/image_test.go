package codebuild

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/codebuild/types"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// imageStep is the build's plan resource and an env whose refs resolve to the fixture's
// project and repository, plus what this deployment journaled for the step.
func (f *fixture) imageStep(t *testing.T, journaled provision.Outputs) (plan.Resource, provision.Env) {
	t.Helper()
	raw, err := json.Marshal(plan.ImageBuildProps{
		Source:  plan.Source{Bucket: f.req.SourceBucket, Key: f.req.SourceKey, Hash: f.req.SourceHash},
		Arch:    "arm64",
		Project: plan.Ref{ID: "BuildProject-arm64", Attr: plan.AttrName}, Repository: plan.Ref{ID: "api/Repository", Attr: plan.AttrURI},
	})
	if err != nil {
		t.Fatal(err)
	}
	r := plan.Resource{ID: "api/ImageBuild", Kind: KindImageBuild, Container: "api", Name: f.req.Repository, Region: testRegion, Props: raw}
	refs := provision.OutputsByID{
		"BuildProject-arm64": {plan.AttrName: f.req.Project},
		"api/Repository":     {plan.AttrURI: f.req.RepositoryUri},
	}
	if journaled != nil {
		refs[r.ID] = journaled
	}
	e := env
	e.Refs = refs
	return r, e
}

func TestAnImageBuildIsAbsentThenRunningThenReadyWithTheImageDigest(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	p := NewImageBuild(func(string) *Builder { return f.builder(nil) })
	r, e := f.imageStep(t, nil)
	if obs, err := p.Observe(ctx, e, r); err != nil || obs.Exists {
		t.Fatalf("before the build: %+v, %v; want absent", obs, err)
	}
	out, err := p.Create(ctx, e, r)
	if err != nil || out[AttrBuildID] == "" || out[AttrSourceHash] != f.req.SourceHash || out[plan.AttrImage] != "" {
		t.Fatalf("create: %v, %v; want the started build's id and hash, no image yet", out, err)
	}
	r, e = f.imageStep(t, out) // the workflow journals the outputs; the next poll sees them
	running := NewImageBuild(func(string) *Builder {
		return f.builder(reportedBuild{f.c.codebuild, types.Build{BuildStatus: types.StatusTypeInProgress}})
	})
	if obs, err := running.Observe(ctx, e, r); err != nil || !obs.Exists || obs.Ready {
		t.Fatalf("while building: %+v, %v; want existing, not ready", obs, err)
	}
	f.pushed(t) // the buildspec's push
	obs, err := p.Observe(ctx, e, r)
	if err != nil || !obs.Ready || obs.Outputs[plan.AttrImage] != f.req.RepositoryUri+"@"+manifestDigest() {
		t.Fatalf("after the push: %+v, %v; want ready with %s@%s", obs, err, f.req.RepositoryUri, manifestDigest())
	}
	// A build journaled for another source is not this source's build.
	f2 := newFixture(t)
	r2, e2 := f2.imageStep(t, provision.Outputs{AttrBuildID: out[AttrBuildID], AttrSourceHash: "other"})
	if obs, err := NewImageBuild(func(string) *Builder { return f2.builder(nil) }).Observe(ctx, e2, r2); err != nil || obs.Exists {
		t.Fatalf("another source's build taken for this one: %+v, %v", obs, err)
	}
}

func TestAFailedImageBuildFailsTheStepWithBuildFailedError(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	st, err := f.builder(nil).Start(ctx, f.req)
	if err != nil {
		t.Fatal(err)
	}
	failed := reportedBuild{f.c.codebuild, types.Build{BuildStatus: types.StatusTypeFailed,
		Phases: phases(types.BuildPhaseTypeBuild, types.StatusTypeFailed, "Error while executing command: docker build. Reason: exit status 1")}}
	p := NewImageBuild(func(string) *Builder { return f.builder(failed) })
	r, e := f.imageStep(t, provision.Outputs{AttrBuildID: st.BuildID, AttrSourceHash: f.req.SourceHash})
	_, err = p.Observe(ctx, e, r)
	var bf *BuildFailedError
	if !errors.As(err, &bf) || bf.Container != "api" || bf.Status != "FAILED" {
		t.Fatalf("got %v (%T), want *BuildFailedError kept as it is for the state machine", err, err)
	}
}

func TestAnImageBuildWithoutAnUploadedSourceIsRefusedBeforeAnyCall(t *testing.T) {
	f := newFixture(t)
	r, e := f.imageStep(t, nil)
	r.Props = json.RawMessage(`{"source":{"bucket":"","key":"","hash":""},"arch":"arm64","project":{"ref":"BuildProject-arm64","attr":"Name"},"repository":{"ref":"api/Repository","attr":"Uri"}}`)
	before := f.c.calls.Summary()
	_, err := NewImageBuild(func(string) *Builder { return f.builder(nil) }).Create(context.Background(), e, r)
	var re *provision.RejectedError
	if !errors.As(err, &re) {
		t.Fatalf("got %v, want *provision.RejectedError", err)
	}
	if after := f.c.calls.Summary(); after.Mutating+after.Read != before.Mutating+before.Read {
		t.Fatalf("a refused build made calls: %+v", after.Ops)
	}
}
