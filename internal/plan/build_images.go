package plan

import (
	"fmt"
	"sort"
	"strings"

	"github.com/berth-dev/berth/internal/config"
)

// Logical ids and names of the image build path.
const (
	SuffixRepository = "Repository"
	SuffixImageBuild = "ImageBuild"
	SuffixWebAdapter = "WebAdapter"
	// IDBuildRole is the service role of the build projects, shared by every app.
	IDBuildRole = "BuildRole"
	// SharedBuildRoleName is the build projects' role (Resource.Shared).
	SharedBuildRoleName = "berth-shared-build-role"
	// AttrImage is the repository@sha256:… reference a build or an adapter layer outputs.
	AttrImage = "Image"
	// AttrURI is a repository's <account>.dkr.ecr.<region>.amazonaws.com/<name>.
	AttrURI = "Uri"
	// KeepImages is how many recently pushed images a repository's lifecycle keeps,
	// besides the one deployed last.
	KeepImages = 10
)

// BuildProjectID is the logical id of the shared build project for arch.
func BuildProjectID(arch string) string { return "BuildProject-" + arch }

// SharedBuildProjectName is the build project berth shares, per region, for arch.
func SharedBuildProjectName(arch string) string { return "berth-shared-build-" + arch }

// RepositoryProps: AWS::ECR::Repository, one per app/stage/container built from src.
type RepositoryProps struct {
	ScanOnPush bool `json:"scanOnPush"`
	// KeepImages is how many of the most recently pushed images the lifecycle policy keeps.
	KeepImages int `json:"keepImages"`
	// LambdaSourceArn lets the function (ARN pattern) pull the image: Lambda reads the
	// repository with its own service principal.
	LambdaSourceArn string `json:"lambdaSourceArn,omitempty"`
}

// BuildProjectProps: AWS::CodeBuild::Project, shared per region and architecture.
type BuildProjectProps struct {
	// Arch is "amd64" or "arm64": the build host's, so images are built natively.
	Arch string `json:"arch"`
	// ServiceRole is the role builds run as (source read, ECR push, logs).
	ServiceRole RoleRef `json:"serviceRole"`
	// TimeoutMinutes bounds one build (5-2160; 0 means 30).
	TimeoutMinutes int `json:"timeoutMinutes,omitempty"`
}

// ImageBuildProps: Berth::Image::Build, one container's image built from its source
// archive, tagged with the source hash.
type ImageBuildProps struct {
	Source     Source `json:"source"`
	Arch       string `json:"arch"`       // amd64 | arm64
	Project    Ref    `json:"project"`    // the build project's name
	Repository Ref    `json:"repository"` // the repository's URI
}

// WebAdapterProps: Berth::Image::WebAdapter, the source image plus the Lambda Web Adapter
// layer, pushed to Repository. The source is a build's output (Image) or a container's
// image: reference (ImageURI, pinned by digest at deploy time, so a re-pushed tag is a
// props change that appends again).
type WebAdapterProps struct {
	Image      *Ref   `json:"image,omitempty"`
	ImageURI   string `json:"imageUri,omitempty"`
	Arch       string `json:"arch"`
	Repository Ref    `json:"repository"` // the repository's URI
}

// buildArch is the build platform's architecture (Docker's name) of a container's image.
func buildArch(c config.Container) string {
	if strings.EqualFold(imageArchitecture(c), "arm64") {
		return "arm64"
	}
	return "amd64"
}

// image is the image a container runs: its image: URI, or a ref to the image berth builds
// from its src; for Lambda compute, unless opted out, either gets the Lambda Web Adapter
// appended in the container's repository, so a plain web-server image runs on Lambda.
func (b *builder) image(c config.Container, lambdaFunction string) (string, *Ref) {
	adapter := lambdaFunction != "" && !c.Compute.Lambda.NoWebAdapter
	if c.Image != "" && !adapter {
		return c.Image, nil
	}
	arch := buildArch(c)
	var src *Ref
	if c.Image == "" {
		if src = b.build(c, arch, lambdaFunction); src == nil || !adapter {
			return "", src
		}
	} else {
		b.repository(c, lambdaFunction)
	}
	adapterID := ContainerID(c.Name, SuffixWebAdapter)
	b.g.add(adapterID, KindWebAdapter, c.Name, b.n.repository(c.Name), b.t.Region, WebAdapterProps{
		Image: src, ImageURI: c.Image, Arch: arch, Repository: Ref{ID: ContainerID(c.Name, SuffixRepository), Attr: AttrURI},
	})
	b.builds = append(b.builds, adapterID)
	return "", &Ref{ID: adapterID, Attr: AttrImage}
}

// build adds the container's repository and the build of its src; nil when its source
// was not uploaded (recorded in b.err).
func (b *builder) build(c config.Container, arch, lambdaFunction string) *Ref {
	src, ok := b.t.Sources[c.Name]
	if !ok && b.t.Sources != nil {
		b.fail(fmt.Errorf("plan: container %s: its src %q was not uploaded with the config: deploy with `berth deploy -f`, which packs and uploads it, or set containers.%s.image", c.Name, c.Src, c.Name))
		return nil
	}
	repoID, buildID := b.repository(c, lambdaFunction), ContainerID(c.Name, SuffixImageBuild)
	b.buildProject(arch)
	b.g.add(buildID, KindImageBuild, c.Name, b.n.repository(c.Name), b.t.Region, ImageBuildProps{
		Source: src, Arch: arch,
		Project:    Ref{ID: BuildProjectID(arch), Attr: AttrName},
		Repository: Ref{ID: repoID, Attr: AttrURI},
	})
	b.builds = append(b.builds, buildID)
	return &Ref{ID: buildID, Attr: AttrImage}
}

// repository adds the container's image repository and returns its id; Lambda may pull
// from it for the container's function.
func (b *builder) repository(c config.Container, lambdaFunction string) string {
	repoID := ContainerID(c.Name, SuffixRepository)
	repo := RepositoryProps{ScanOnPush: true, KeepImages: KeepImages}
	if lambdaFunction != "" {
		repo.LambdaSourceArn = b.functionArn(lambdaFunction)
	}
	b.g.add(repoID, KindRepository, c.Name, b.n.repository(c.Name), b.t.Region, repo)
	return repoID
}

// buildProject adds, once per architecture, the build project berth shares between apps
// (created on first use, never deleted with an app: Resource.Shared) and its role.
//
// The role may read only source archives — sources/... in the artifacts bucket (the CLI's
// and API's uploads) and <app>/<stage>/src/... beside a config dropped in the config bucket
// (stage.SourceStore) — and push only to berth's repositories ("berth-*"), whatever app builds.
func (b *builder) buildProject(arch string) {
	id := BuildProjectID(arch)
	if b.g.ids[id] {
		return
	}
	if !b.g.ids[IDBuildRole] {
		b.g.addResource(Resource{ID: IDBuildRole, Kind: KindRole, Name: SharedBuildRoleName, Region: EdgeRegion, Shared: true}, RoleProps{
			TrustServices: []string{"codebuild.amazonaws.com"},
			InlinePolicy:  b.buildPolicy(),
		})
	}
	b.g.addResource(Resource{ID: id, Kind: KindBuildProject, Name: SharedBuildProjectName(arch), Region: b.t.Region, Shared: true},
		BuildProjectProps{Arch: arch, ServiceRole: RoleRef{Ref: &Ref{ID: IDBuildRole, Attr: AttrArn}}})
}

// buildPolicy is the build role's grant (the same for every app: the role is shared).
// ECR's GetAuthorizationToken takes no resource (docs.aws.amazon.com/service-authorization/
// latest/reference/list_amazonelasticcontainerregistry.html).
func (b *builder) buildPolicy() map[string]any {
	p := b.partition
	account := "${aws:PrincipalAccount}"
	return map[string]any{
		"Version": "2012-10-17",
		"Statement": []any{
			map[string]any{"Sid": "ReadSources", "Effect": "Allow", "Action": []any{"s3:GetObject", "s3:GetObjectVersion"},
				"Resource":  []any{"arn:" + p + ":s3:::*/sources/*", "arn:" + p + ":s3:::*/*/*/src/*"},
				"Condition": map[string]any{"StringEquals": map[string]any{"s3:ResourceAccount": account}}},
			map[string]any{"Sid": "Login", "Effect": "Allow", "Action": []any{"ecr:GetAuthorizationToken"}, "Resource": "*"},
			map[string]any{"Sid": "PushToBerthRepositories", "Effect": "Allow", "Action": []any{
				"ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:InitiateLayerUpload",
				"ecr:UploadLayerPart", "ecr:CompleteLayerUpload", "ecr:PutImage", "ecr:DescribeImages"},
				"Resource": []any{"arn:" + p + ":ecr:*:" + account + ":repository/berth-*"}},
			map[string]any{"Sid": "Logs", "Effect": "Allow", "Action": []any{"logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"},
				"Resource": []any{"arn:" + p + ":logs:*:" + account + ":log-group:/aws/codebuild/berth-shared-build-*"}},
		},
	}
}

// LiveImages maps each image repository of g to the id of the node whose output
// (AttrImage) its container runs: the Web Adapter layer when image gives it one, else the
// build.
func LiveImages(g *Desired) map[string]string {
	ids := map[string]bool{}
	for _, r := range g.Resources {
		ids[r.ID] = true
	}
	out := map[string]string{}
	for _, r := range g.Resources {
		if r.Kind != KindRepository {
			continue
		}
		for _, suffix := range []string{SuffixWebAdapter, SuffixImageBuild} {
			if id := ContainerID(r.Container, suffix); ids[id] {
				out[r.ID] = id
				break
			}
		}
	}
	return out
}

// afterBuilds makes every resource outside the build path depend on every build, so a
// failed build fails the deployment before any running resource changes.
func (b *builder) afterBuilds() {
	if len(b.builds) == 0 {
		return
	}
	builds := append([]string(nil), b.builds...)
	sort.Strings(builds)
	for i := range b.g.res {
		r := &b.g.res[i]
		if buildPath(r.Kind) || r.ID == IDBuildRole {
			continue
		}
		r.DependsOn = sortedUnique(append(r.DependsOn, builds...))
	}
}

// MakesImage reports whether a step of kind k makes the image a container runs: a build
// from src, or the Web Adapter appended to an image.
func MakesImage(k Kind) bool { return k == KindImageBuild || k == KindWebAdapter }

// buildPath reports whether k is a step of building images.
func buildPath(k Kind) bool {
	return k == KindRepository || k == KindBuildProject || k == KindImageBuild || k == KindWebAdapter
}

// BuildLine renders a build step for `berth plan`: "+ build api", "~ build api (source
// changed)", "- build api"; "" for any other step.
func BuildLine(s Step) string {
	if s.Kind != KindImageBuild {
		return ""
	}
	switch s.Action {
	case Create:
		return "+ build " + s.Container
	case Update:
		return "~ build " + s.Container + " (source changed)"
	case Delete:
		return "- build " + s.Container
	}
	return ""
}
