package plan

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/edge"
)

var update = flag.Bool("update", false, "rewrite testdata/golden from the current output")

// loadFile parses a config as the CLI does (offline: no resolver).
func loadFile(t testing.TB, path, stage string) *config.Config {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(context.Background(), data, config.Options{Stage: stage, File: path})
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return cfg
}

// The golden files are the full first-deploy plan (desired graph and steps) of each
// config. The edge code hashes are replaced by placeholders so that a change to the
// router's JavaScript does not rewrite every golden file.
// Update with: go test ./internal/plan -run Golden -update
func TestGoldenPlans(t *testing.T) {
	tests := []struct {
		golden, config, stage, region string
	}{
		{"lambda-only", "lambda-only.yml", "prod", "eu-west-1"},
		{"fargate-only", "fargate-only.yml", "prod", "eu-west-1"},
		{"mixed", "mixed.yml", "prod", "eu-west-1"},
		{"custom-domain", "custom-domain.yml", "prod", "ap-southeast-2"},
		{"multi-stage-dev", "multi-stage.yml", "dev", "eu-central-1"},
		{"multi-stage-prod", "multi-stage.yml", "prod", "eu-central-1"},
		{"autoscaling", "autoscaling.yml", "prod", "eu-west-1"},
		{"integrations", "integrations.yml", "prod", "eu-west-1"},
		{"private", "private.yml", "prod", "eu-west-1"},
		{"private-domain", "private-domain.yml", "prod", "eu-west-1"},
		{"integrations-fargate", "integrations-fargate.yml", "prod", "eu-west-1"},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			cfg := loadFile(t, filepath.Join("testdata", "configs", tt.config), tt.stage)
			d, err := Build(cfg, Target{Region: tt.region, Account: "123456789012"})
			if err != nil {
				t.Fatal(err)
			}
			got, err := json.MarshalIndent(mustDiff(t, d, nil), "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			got = bytes.ReplaceAll(got, []byte(edge.RouterTemplateSHA256()), []byte("<edge.RouterTemplateSHA256>"))
			got = bytes.ReplaceAll(got, []byte(edge.BodySignerSHA256()), []byte("<edge.BodySignerSHA256>"))
			path := filepath.Join("testdata", "golden", tt.golden+".json")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from the plan; if the change is intended, run go test ./internal/plan -run Golden -update\n%s",
					path, firstDifference(string(want), string(got)))
			}
		})
	}
}

// firstDifference shows the first differing line, for a readable failure.
func firstDifference(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return "line " + strconv.Itoa(i+1) + ":\nwant: " + wl + "\n got: " + gl
		}
	}
	return ""
}
