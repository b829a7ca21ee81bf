package config

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sharedExamples is the compatibility corpus next to the repository (shared/ is cloned as
// a sibling of the repo root); testdata/scf-examples is a copy so tests run without it.
const sharedExamples = "../../../shared/compat/scf-examples"

func exampleFiles(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob("testdata/scf-examples/*.yml")
	if err != nil || len(files) != 10 {
		t.Fatalf("want the 10 SCF examples in testdata/scf-examples, got %d (%v)", len(files), err)
	}
	if shared, _ := filepath.Glob(filepath.Join(sharedExamples, "*.yml")); len(shared) > 0 {
		files = append(files, shared...)
	}
	return files
}

// exampleWarnings are the only warnings the examples produce: keys berth ignores.
var exampleWarnings = map[string]string{
	"example-deno.yml":         "containers.service.build",
	"example-mastra-slack.yml": "containers.agent.integrations.slack",
}

func TestEverySCFExampleLoadsOffline(t *testing.T) {
	for _, file := range exampleFiles(t) {
		t.Run(file, func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := Load(context.Background(), data, Options{File: filepath.Base(file)})
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			var got []string
			for _, w := range cfg.Warnings {
				got = append(got, w.Path)
				if !strings.HasSuffix(w.Path, ".build") && !strings.HasSuffix(w.Path, ".dev") && !strings.HasSuffix(w.Path, ".integrations.slack") {
					t.Errorf("unexpected warning %s", w.Format(file))
				}
			}
			if want := exampleWarnings[filepath.Base(file)]; strings.Join(got, ",") != want {
				t.Errorf("warnings at %v, want %q", got, want)
			}
		})
	}
}

func TestTheSharedCorpusMatchesTheTestdataCopy(t *testing.T) {
	shared, _ := filepath.Glob(filepath.Join(sharedExamples, "*"))
	if len(shared) == 0 {
		t.Skip("shared/ is not checked out next to the repository")
	}
	for _, file := range shared {
		want, _ := os.ReadFile(file)
		got, err := os.ReadFile(filepath.Join("testdata/scf-examples", filepath.Base(file)))
		if err != nil || string(got) != string(want) {
			t.Errorf("testdata/scf-examples/%s differs from %s; copy it again", filepath.Base(file), file)
		}
	}
}

func TestTheMastraExampleKeepsItsValuesAndItsSecretsUnresolved(t *testing.T) {
	data, err := os.ReadFile("testdata/scf-examples/example-mastra-slack.yml")
	if err != nil {
		t.Fatal(err)
	}
	cfg := mustLoad(t, string(data), Options{})
	agent := cfg.Container("agent")
	if cfg.Deployment.Type != "aws@1.0" || agent.Compute.Type != ComputeFargate || agent.Compute.Fargate.CPU != 1024 || agent.Compute.Fargate.Memory != 2048 {
		t.Errorf("got %+v", agent.Compute)
	}
	for _, ev := range agent.Environment {
		switch {
		case ev.Name == "PORT":
			if ev.Value != "8080" || ev.Secret || ev.Unresolved {
				t.Errorf("PORT: %+v", ev)
			}
		case !ev.Unresolved || !ev.Secret || ev.Ref != "env:"+ev.Name || ev.Value != "":
			t.Errorf("%s: want an unresolved secret ${env:} value, got %+v", ev.Name, ev)
		}
	}
}
