package plan

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/config"
)

func srcContainer(c config.Container) config.Container {
	c.Image, c.Src = "", "./"+c.Name
	return c
}

func sourcesTarget(hashes map[string]string) Target {
	t := testTarget
	t.Sources = map[string]Source{}
	for c, h := range hashes {
		t.Sources[c] = Source{Bucket: "berth-artifacts", Key: "shop/prod/src/" + c + "-" + h + ".tar.gz", Hash: h}
	}
	return t
}

func mustBuildFor(t *testing.T, cfg *config.Config, target Target) *Desired {
	t.Helper()
	d, err := Build(cfg, target)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	return d
}

func TestASrcContainerGetsItsRepositoryBuildAndForLambdaTheAdapterLayer(t *testing.T) {
	arm := srcContainer(lambdaContainer("api", "/api/*"))
	arm.Compute.Lambda.Architecture = "arm64"
	optOut := srcContainer(lambdaContainer("raw", "/raw/*"))
	optOut.Compute.Lambda.NoWebAdapter = true
	cfg := appConfig(arm, optOut, srcContainer(fargateContainer("web", "/*")), lambdaContainer("img", "/img/*"))
	d := mustBuildFor(t, cfg, sourcesTarget(map[string]string{"api": "aa", "raw": "bb", "web": "cc"}))

	for _, tc := range []struct {
		container  string
		arch       string
		adapter    bool
		imageFrom  string
		lambdaPull bool
	}{
		{"api", "arm64", true, "api/WebAdapter", true},
		{"raw", "amd64", false, "raw/ImageBuild", true},
		{"web", "amd64", false, "web/ImageBuild", false},
	} {
		b := props[ImageBuildProps](t, mustFind(t, d, tc.container+"/ImageBuild"))
		if b.Arch != tc.arch || b.Project.ID != BuildProjectID(tc.arch) || b.Repository.ID != tc.container+"/Repository" || b.Source.Hash == "" {
			t.Errorf("%s build props %+v", tc.container, b)
		}
		if got := find(d, tc.container+"/WebAdapter") != nil; got != tc.adapter {
			t.Errorf("%s has an adapter layer: %v, want %v", tc.container, got, tc.adapter)
		}
		repo := mustFind(t, d, tc.container+"/Repository")
		if repo.Name != strings.ToLower(repo.Name) || !strings.HasPrefix(repo.Name, "berth-") {
			t.Errorf("repository name %q: ECR takes lower case only, and the build role pushes to berth-* only", repo.Name)
		}
		if got := props[RepositoryProps](t, repo).LambdaSourceArn != ""; got != tc.lambdaPull {
			t.Errorf("%s repository lets Lambda pull: %v, want %v", tc.container, got, tc.lambdaPull)
		}
	}
	if fn := props[FunctionProps](t, mustFind(t, d, "api/Function")); fn.ImageURI != "" || fn.Image == nil || fn.Image.ID != "api/WebAdapter" || fn.Image.Attr != AttrImage {
		t.Errorf("the function runs the adapter layer's output: %+v", fn.Image)
	}
	if td := props[TaskDefinitionProps](t, mustFind(t, d, "web/TaskDefinition")); td.Image == nil || td.Image.ID != "web/ImageBuild" {
		t.Errorf("the task definition runs the build's output: %+v", td.Image)
	}
	if find(d, "img/ImageBuild") != nil {
		t.Errorf("a container with image: builds nothing")
	}
	for _, id := range []string{"BuildProject-amd64", "BuildProject-arm64", "BuildRole"} {
		if r := mustFind(t, d, id); !r.Shared {
			t.Errorf("%s is not shared: every app uses the same build project", id)
		}
	}
}

func TestAnImageReferenceOnLambdaGetsTheAdapterInTheAppsRepositoryAndOtherwiseRunsAsItIs(t *testing.T) {
	optOut := lambdaContainer("raw", "/raw/*")
	optOut.Compute.Lambda.NoWebAdapter = true
	cfg := appConfig(lambdaContainer("img", "/img/*"), optOut, fargateContainer("web", "/*"))
	d := mustBuild(t, cfg)
	img := cfg.Containers[0].Image

	a := props[WebAdapterProps](t, mustFind(t, d, "img/WebAdapter"))
	if a.ImageURI != img || a.Image != nil || a.Repository != (Ref{ID: "img/Repository", Attr: AttrURI}) || a.Arch != "amd64" {
		t.Errorf("adapter props %+v, want the image reference appended into img/Repository", a)
	}
	if repo := props[RepositoryProps](t, mustFind(t, d, "img/Repository")); repo.LambdaSourceArn == "" || repo.KeepImages != KeepImages {
		t.Errorf("img's repository %+v: Lambda must be able to pull from it", repo)
	}
	if fn := props[FunctionProps](t, mustFind(t, d, "img/Function")); fn.ImageURI != "" || fn.Image == nil || *fn.Image != (Ref{ID: "img/WebAdapter", Attr: AttrImage}) {
		t.Errorf("img's function runs %q / %+v, want the adapter layer's output", fn.ImageURI, fn.Image)
	}
	if find(d, "img/ImageBuild") != nil || find(d, "BuildProject-amd64") != nil {
		t.Errorf("an image reference builds nothing")
	}
	for _, c := range []string{"raw", "web"} {
		if find(d, c+"/WebAdapter") != nil || find(d, c+"/Repository") != nil {
			t.Errorf("%s (opted out, or on Fargate) got an adapter or a repository", c)
		}
	}
	if fn := props[FunctionProps](t, mustFind(t, d, "raw/Function")); fn.ImageURI != optOut.Image || fn.Image != nil {
		t.Errorf("the opted-out function runs %q / %+v, want its image as it is", fn.ImageURI, fn.Image)
	}

	// A tag pushed again is pinned to a new digest at deploy time: the adapter appends again.
	pinned := func(digest string) *Desired {
		c := *cfg
		c.Containers = slices.Clone(cfg.Containers)
		c.Containers[0].Image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/img@sha256:" + digest
		return mustBuild(t, &c)
	}
	got := changed(mustDiff(t, pinned("bb"), pinned("aa")))
	slices.Sort(got)
	if want := []string{"update img/Function", "update img/WebAdapter"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("a new digest plans %v, want %v", got, want)
	}
}

func TestEveryMutationOutsideTheBuildPathWaitsForEveryBuild(t *testing.T) {
	cfg := appConfig(srcContainer(lambdaContainer("api", "/api/*")), srcContainer(fargateContainer("web", "/*")), lambdaContainer("img", "/img/*"))
	d := mustBuildFor(t, cfg, sourcesTarget(map[string]string{"api": "aa", "web": "cc"}))
	p := mustDiff(t, d, nil)
	lastBuildWave := 0
	for _, s := range p.Steps {
		if buildPath(s.Kind) || s.ID == IDBuildRole {
			lastBuildWave = max(lastBuildWave, s.Wave)
		}
	}
	for _, s := range p.Steps {
		if buildPath(s.Kind) || s.ID == IDBuildRole {
			continue
		}
		if s.Wave <= lastBuildWave {
			t.Errorf("%s runs in wave %d, not after the builds (last build wave %d)", s.ID, s.Wave, lastBuildWave)
		}
		for _, b := range []string{"api/ImageBuild", "api/WebAdapter", "web/ImageBuild"} {
			if !slices.Contains(s.DependsOn, b) {
				t.Errorf("%s does not depend on %s", s.ID, b)
			}
		}
	}
}

func TestAChangedSourceRebuildsOnlyItsContainerAndMovesItsFunctionOntoTheNewImage(t *testing.T) {
	cfg := appConfig(srcContainer(lambdaContainer("api", "/api/*")), srcContainer(fargateContainer("web", "/*")))
	before := mustBuildFor(t, cfg, sourcesTarget(map[string]string{"api": "aa", "web": "cc"}))
	if got := changed(mustDiff(t, mustBuildFor(t, cfg, sourcesTarget(map[string]string{"api": "aa", "web": "cc"})), before)); len(got) != 0 {
		t.Fatalf("unchanged sources plan %v, want nothing", got)
	}
	p := mustDiff(t, mustBuildFor(t, cfg, sourcesTarget(map[string]string{"api": "a2", "web": "cc"})), before)
	want := []string{"update api/Function", "update api/ImageBuild", "update api/WebAdapter"}
	got := changed(p)
	slices.Sort(got)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("one changed source plans %v, want %v", got, want)
	}
	var lines []string
	for _, s := range p.Steps {
		if l := BuildLine(s); l != "" {
			lines = append(lines, l)
		}
	}
	if !reflect.DeepEqual(lines, []string{"~ build api (source changed)"}) {
		t.Fatalf("plan text build lines %q", lines)
	}
	if l := BuildLine(Step{Action: Create, Kind: KindImageBuild, Container: "web"}); l != "+ build web" {
		t.Fatalf("a first build reads %q", l)
	}
}

func TestASrcContainerWhoseSourceWasNotUploadedIsRefusedNamingTheKey(t *testing.T) {
	cfg := appConfig(srcContainer(lambdaContainer("api", "/api/*")), srcContainer(fargateContainer("web", "/*")))
	_, err := Build(cfg, sourcesTarget(map[string]string{"api": "aa"}))
	if err == nil || !strings.Contains(err.Error(), "container web") || !strings.Contains(err.Error(), "containers.web.image") {
		t.Fatalf("err = %v, want one naming container web and the image key", err)
	}
	// Offline (no Sources at all) the plan still shows the build, without its hash.
	d := mustBuild(t, cfg)
	if b := props[ImageBuildProps](t, mustFind(t, d, "web/ImageBuild")); b.Source.Hash != "" {
		t.Fatalf("offline build props %+v", b)
	}
}

func TestTheLiveImageOfARepositoryIsTheAdapterLayerWhenThereIsOneElseTheBuild(t *testing.T) {
	optOut := srcContainer(lambdaContainer("raw", "/raw/*"))
	optOut.Compute.Lambda.NoWebAdapter = true
	cfg := appConfig(srcContainer(lambdaContainer("api", "/api/*")), optOut, srcContainer(fargateContainer("web", "/*")), lambdaContainer("img", "/img/*"))
	got := LiveImages(mustBuildFor(t, cfg, sourcesTarget(map[string]string{"api": "aa", "raw": "bb", "web": "cc"})))
	want := map[string]string{"api/Repository": "api/WebAdapter", "raw/Repository": "raw/ImageBuild", "web/Repository": "web/ImageBuild", "img/Repository": "img/WebAdapter"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("live images %v, want %v", got, want)
	}
}
