package codebuild

import "strings"

const (
	// PackVersion is the pinned Cloud Native Buildpacks CLI.
	PackVersion = "0.38.2"
	// PackBuilder is the pinned builder for sources without a Dockerfile; heroku/builder
	// is published for amd64 and arm64, so one builder serves both projects.
	PackBuilder = "heroku/builder:24"
)

// Build environment variables: the project sets the first three, every build the rest.
const (
	EnvArch          = "BERTH_ARCH"          // amd64 | arm64
	EnvPackBuilder   = "BERTH_PACK_BUILDER"  //
	EnvPackAsset     = "BERTH_PACK_ASSET"    // pack release asset suffix for the arch
	EnvSourceBucket  = "BERTH_SOURCE_BUCKET" // artifacts bucket
	EnvSourceKey     = "BERTH_SOURCE_KEY"    // key of the source archive
	EnvSourceHash    = "BERTH_SOURCE_HASH"   // srcpkg hash: the image tag
	EnvImageRepo     = "BERTH_IMAGE_REPO"    // <account>.dkr.ecr.<region>.amazonaws.com/<repository>
	EnvRegistry      = "BERTH_REGISTRY"      // <account>.dkr.ecr.<region>.amazonaws.com
	buildspecVersion = "0.2"
)

// Buildspec is the project's build: fetch the archive, check it is the source the hash
// names, log in to ECR, then `docker build` when there is a Dockerfile, else `pack
// build` with the pinned builder, and push the image tagged with the source hash. Paths
// are relative to the directory CodeBuild starts the build in.
//
// --provenance=false --sbom=false keep docker's output a single image manifest: with
// attestations buildx pushes an image index, which Lambda refuses ("The image manifest,
// config or layer media type for the source image ... is not supported";
// aws/aws-lambda-roadmap#82, docker/buildx#1533).
var Buildspec = strings.Join([]string{
	"version: " + buildspecVersion,
	"env:",
	"  shell: bash",
	"phases:",
	"  pre_build:",
	"    commands:",
	"      - |",
	"        set -euo pipefail",
	`        aws s3 cp "s3://${` + EnvSourceBucket + `}/${` + EnvSourceKey + `}" src.tar.gz --only-show-errors`,
	`        test "$(gunzip -c src.tar.gz | sha256sum | cut -d' ' -f1)" = "${` + EnvSourceHash + `}" || { echo "source archive does not match its hash ${` + EnvSourceHash + `}"; exit 1; }`,
	"        mkdir -p src && tar -xzf src.tar.gz -C src",
	`        aws ecr get-login-password | docker login --username AWS --password-stdin "${` + EnvRegistry + `}"`,
	"  build:",
	"    commands:",
	"      - |",
	"        set -euo pipefail",
	"        cd src",
	`        image="${` + EnvImageRepo + `}:${` + EnvSourceHash + `}"`,
	"        if [ -f Dockerfile ]; then",
	`          DOCKER_BUILDKIT=1 docker build --platform "linux/${` + EnvArch + `}" --provenance=false --sbom=false -t "$image" .`,
	`          docker push "$image"`,
	"        else",
	"          mkdir -p ../bin",
	`          curl -sSfL "https://github.com/buildpacks/pack/releases/download/v` + PackVersion + `/pack-v` + PackVersion + `-${` + EnvPackAsset + `}.tgz" | tar -xz -C ../bin pack`,
	`          ../bin/pack build "$image" --builder "${` + EnvPackBuilder + `}" --path . --publish`,
	"        fi",
	"",
}, "\n")
