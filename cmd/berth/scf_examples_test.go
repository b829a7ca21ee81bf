package main

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision/kinds"
	"github.com/berth-dev/berth/internal/srcpkg"
	"github.com/berth-dev/berth/internal/stage"
)

// imageBuildKind is the plan kind of an image build from src (branch build's
// plan.KindImageBuild): a test names it by its type string until it is on this branch.
const imageBuildKind = plan.Kind("Berth::Image::Build")

// scfRefusals are what a deployment refuses in the SCF examples for reasons other than
// their sources (by example folder): the config key refused.
var scfRefusals = map[string]string{
	"example-mastra-slack": "containers.agent.integrations.slack", // slack integrations are not delivered
}

// buildpacksApps have no Dockerfile in src: Cloud Native Buildpacks build them.
var buildpacksApps = map[string]bool{"example-hono": true, "example-mastra-slack": true}

// All 10 SCF examples, unchanged, with their sources beside them: each validates, its
// sources pack, the deploy refuses nothing about them, and its plan builds each src
// container.
func TestTheTenSCFExamplesWithTheirSourcesValidateAndPlanABuildPerSrcContainer(t *testing.T) {
	files, err := filepath.Glob("testdata/scf-examples/*/*.yml")
	if err != nil || len(files) != 10 {
		t.Fatalf("want the 10 SCF examples in testdata/scf-examples/<name>/, got %d (%v)", len(files), err)
	}
	_, buildErr := kinds.Lookup(imageBuildKind)
	for _, file := range files {
		name := filepath.Base(filepath.Dir(file))
		t.Run(name, func(t *testing.T) {
			if code, _, stderr := berth("validate", "-f", file); code != exitOK {
				t.Fatalf("validate exit %d; stderr:\n%s", code, stderr)
			}
			body, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := config.Load(context.Background(), body, config.Options{Stage: "dev", File: file})
			if err != nil {
				t.Fatal(err)
			}
			var refused []string
			for _, p := range stage.Deployable(cfg) {
				refused = append(refused, p.Path)
			}
			if want := scfRefusals[name]; strings.Join(refused, ",") != want {
				t.Errorf("the deploy refuses %v, want only %q: a container built from src is deployable", refused, want)
			}
			if err := stage.CheckSrc(cfg, filepath.Dir(file)); err != nil {
				t.Fatal(err)
			}
			var src []string
			for _, c := range cfg.Containers {
				if !stage.NeedsSource(c) {
					continue
				}
				src = append(src, c.Name)
				a, err := srcpkg.Pack(stage.SrcDir(c, filepath.Dir(file)), io.Discard, srcpkg.Options{Key: "containers." + c.Name + ".src"})
				if err != nil {
					t.Fatal(err)
				}
				if a.Dockerfile == buildpacksApps[name] || a.Files == 0 {
					t.Errorf("%s packs %d files, Dockerfile=%v; want files and a Dockerfile unless it is a buildpacks app", c.Name, a.Files, a.Dockerfile)
				}
			}
			if len(src) == 0 {
				t.Fatal("no container builds from src: every SCF example does")
			}

			code, stdout, stderr := berth("plan", "-f", file, "--stage", "dev", "--region", "eu-west-1", "--output", "json")
			if code != exitOK {
				t.Fatalf("plan exit %d; stderr:\n%s", code, stderr)
			}
			var p plan.Plan
			if err := json.Unmarshal([]byte(stdout), &p); err != nil {
				t.Fatalf("plan output: %v\n%s", err, stdout)
			}
			t.Run("the plan builds each src container", func(t *testing.T) {
				if buildErr != nil {
					t.Skip("needs the build kinds (branch build): ", buildErr)
				}
				builds := map[string]int{}
				for _, s := range p.Steps {
					if s.Kind == imageBuildKind && s.Action == plan.Create {
						builds[s.Container]++
					}
				}
				for _, c := range src {
					if builds[c] != 1 {
						t.Errorf("%d builds of %s planned, want 1 (steps: %d)", builds[c], c, len(p.Steps))
					}
				}
			})
		})
	}
}
