package plan

import (
	"path/filepath"
	"strings"
	"testing"
)

// Every SCF example app (copied unchanged from serverless/containers, MIT) validates and
// plans, in a region other than us-east-1 too, and its plan has the shape its compute
// types call for.
func TestEverySCFExampleValidatesAndPlans(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "scf-examples", "*.yml"))
	if err != nil || len(files) < 10 {
		t.Fatalf("found %d examples: %v", len(files), err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			cfg := loadFile(t, f, "dev")
			for _, region := range []string{"us-east-1", "eu-west-1"} {
				d, err := Build(cfg, Target{Region: region})
				if err != nil {
					t.Fatal(err)
				}
				p := mustDiff(t, d, nil)
				if len(p.Steps) != len(d.Resources) {
					t.Fatalf("%d steps for %d resources", len(p.Steps), len(d.Resources))
				}
				fargate := cfg.Containers[0].Compute.Type == "awsFargateEcs"
				if (find(d, IDLoadBalancer) != nil) != fargate || (find(d, IDBodySigner) != nil) == fargate {
					t.Errorf("compute %s planned ALB=%v signer=%v", cfg.Containers[0].Compute.Type,
						find(d, IDLoadBalancer) != nil, find(d, IDBodySigner) != nil)
				}
				for _, r := range d.Resources {
					if strings.Contains(string(r.Props), "OPENAI") && strings.Contains(string(r.Props), `"value"`) &&
						!strings.Contains(string(r.Props), `"ref":"env:OPENAI_API_KEY"`) {
						t.Errorf("%s: ${env:} variable planned without its ref: %s", r.ID, r.Props)
					}
				}
			}
		})
	}
}
