package codebuild

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/berth-dev/berth/internal/srcpkg"
)

// buildspecDoc is the part of the buildspec format berth uses
// (docs.aws.amazon.com/codebuild/latest/userguide/build-spec-ref.html).
type buildspecDoc struct {
	Version string `yaml:"version"`
	Env     struct {
		Shell string `yaml:"shell"`
	} `yaml:"env"`
	Phases map[string]struct {
		Commands []string `yaml:"commands"`
	} `yaml:"phases"`
}

// stub writes an executable that appends its name and arguments to $STUB_LOG.
func stub(t *testing.T, dir, name, extra string) {
	t.Helper()
	script := "#!/bin/bash\necho \"" + name + " $*\" >> \"$STUB_LOG\"\n" + extra
	if err := os.WriteFile(filepath.Join(dir, name), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
}

// packRelease is a .tgz holding a stub `pack`, standing in for the pack release download.
func packRelease(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	body := "#!/bin/bash\necho \"pack $*\" >> \"$STUB_LOG\"\n"
	if err := tw.WriteHeader(&tar.Header{Name: "pack", Mode: 0o755, Size: int64(len(body))}); err != nil {
		t.Fatal(err)
	}
	if _, err := tw.Write([]byte(body)); err != nil {
		t.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// runBuildspec runs the buildspec's pre_build and build phases in bash, as CodeBuild
// does, with aws, docker and curl replaced by stubs that record their arguments. It
// returns the log and the error of the first failing command.
func runBuildspec(t *testing.T, src map[string]string, hash func(srcpkg.Archive) string) (string, error) {
	t.Helper()
	var doc buildspecDoc
	if err := yaml.Unmarshal([]byte(Buildspec), &doc); err != nil {
		t.Fatalf("buildspec is not YAML: %v", err)
	}
	if doc.Version != "0.2" || doc.Env.Shell != "bash" {
		t.Fatalf("buildspec version %q shell %q", doc.Version, doc.Env.Shell)
	}
	srcDir, work, bin := t.TempDir(), t.TempDir(), t.TempDir()
	for n, c := range src {
		if err := os.WriteFile(filepath.Join(srcDir, n), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	a, path, err := srcpkg.WriteFile(srcDir, t.TempDir(), srcpkg.Options{})
	if err != nil {
		t.Fatal(err)
	}
	release := filepath.Join(t.TempDir(), "pack.tgz")
	if err := os.WriteFile(release, packRelease(t), 0o644); err != nil {
		t.Fatal(err)
	}
	stub(t, bin, "aws", `if [ "$1 $2" = "s3 cp" ]; then cp "$STUB_ARCHIVE" "$4"; fi
if [ "$1 $2" = "ecr get-login-password" ]; then echo token; fi`)
	stub(t, bin, "docker", `[ "$1" = login ] && cat > /dev/null; true`)
	stub(t, bin, "curl", `cat "$STUB_RELEASE"`)
	log := filepath.Join(work, "stub.log")
	environ := append(os.Environ(),
		"PATH="+bin+":"+os.Getenv("PATH"), "STUB_LOG="+log, "STUB_ARCHIVE="+path, "STUB_RELEASE="+release,
		EnvArch+"=arm64", EnvPackAsset+"=linux-arm64", EnvPackBuilder+"="+PackBuilder,
		EnvSourceBucket+"=artifacts", EnvSourceKey+"=src/"+a.Name(), EnvSourceHash+"="+hash(a),
		EnvImageRepo+"=123456789012.dkr.ecr.eu-west-1.amazonaws.com/berth/shop-dev/api", EnvRegistry+"=123456789012.dkr.ecr.eu-west-1.amazonaws.com",
	)
	var runErr error
	for _, phase := range []string{"pre_build", "build"} {
		for _, c := range doc.Phases[phase].Commands {
			cmd := exec.Command("bash", "-c", c)
			cmd.Dir, cmd.Env = work, environ
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Logf("%s failed: %v\n%s", phase, err, out)
				runErr = err
				break
			}
		}
		if runErr != nil {
			break
		}
	}
	got, _ := os.ReadFile(log)
	return string(got), runErr
}

func sourceHash(a srcpkg.Archive) string { return a.Hash }

func TestTheBuildspecRunsDockerBuildWhenThereIsADockerfile(t *testing.T) {
	log, err := runBuildspec(t, map[string]string{"Dockerfile": "FROM scratch\n", "app.js": "x"}, sourceHash)
	if err != nil {
		t.Fatalf("%v\n%s", err, log)
	}
	image := "123456789012.dkr.ecr.eu-west-1.amazonaws.com/berth/shop-dev/api:"
	for _, want := range []string{
		"aws s3 cp s3://artifacts/src/",
		"docker login --username AWS --password-stdin 123456789012.dkr.ecr.eu-west-1.amazonaws.com",
		"docker build --platform linux/arm64 --provenance=false --sbom=false -t " + image,
		"docker push " + image,
	} {
		if !strings.Contains(log, want) {
			t.Errorf("no %q in\n%s", want, log)
		}
	}
	if strings.Contains(log, "pack ") {
		t.Errorf("pack ran for a source with a Dockerfile:\n%s", log)
	}
}

func TestTheBuildspecRunsBuildpacksWithThePinnedBuilderWithoutADockerfile(t *testing.T) {
	log, err := runBuildspec(t, map[string]string{"package.json": "{}", "app.js": "x"}, sourceHash)
	if err != nil {
		t.Fatalf("%v\n%s", err, log)
	}
	for _, want := range []string{
		"curl -sSfL https://github.com/buildpacks/pack/releases/download/v" + PackVersion + "/pack-v" + PackVersion + "-linux-arm64.tgz",
		"pack build 123456789012.dkr.ecr.eu-west-1.amazonaws.com/berth/shop-dev/api:",
		"--builder " + PackBuilder + " --path . --publish",
	} {
		if !strings.Contains(log, want) {
			t.Errorf("no %q in\n%s", want, log)
		}
	}
	if strings.Contains(log, "docker build") {
		t.Errorf("docker build ran for a source without a Dockerfile:\n%s", log)
	}
}

func TestTheBuildspecRefusesAnArchiveThatIsNotTheHashedSource(t *testing.T) {
	log, err := runBuildspec(t, map[string]string{"Dockerfile": "FROM scratch\n"}, func(srcpkg.Archive) string { return strings.Repeat("0", 64) })
	if err == nil {
		t.Fatalf("a mismatched archive was built:\n%s", log)
	}
	if strings.Contains(log, "docker build") || strings.Contains(log, "docker push") {
		t.Fatalf("built or pushed after the hash check failed:\n%s", log)
	}
}
