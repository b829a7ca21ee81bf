package localrun

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
)

// An SCF config using ${env:} deploys locally from the caller's environment, and an SCF
// name with uppercase and underscores deploys under its own S3 folder.
func TestAnSCFConfigWithEnvVariablesDeploysFromTheCallersEnvironment(t *testing.T) {
	s := newSession(t)
	ctx := context.Background()
	body, err := os.ReadFile("testdata/scf-env.yml")
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"SHOP_API_KEY": "k-123", "SHOP_NAME": "berth", "UNUSED": "x"}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }

	seeded, err := s.SeedEnv(ctx, body, "dev", lookup)
	if err != nil {
		t.Fatal(err)
	}
	if len(seeded) != 2 || seeded[0] != "SHOP_API_KEY" || seeded[1] != "SHOP_NAME" {
		t.Fatalf("seeded %v, want SHOP_API_KEY and SHOP_NAME only", seeded)
	}
	p, err := ssm.NewFromConfig(s.Env.AWS).GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/berth/Shop_Env/dev/env/SHOP_API_KEY"), WithDecryption: aws.Bool(true)})
	if err != nil || aws.ToString(p.Parameter.Value) != "k-123" || p.Parameter.Type != "SecureString" {
		t.Fatalf("parameter: %v %+v", err, p)
	}
	r, err := s.Deploy(ctx, "scf-env.yml", body, "dev", "")
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, r, "SUCCEEDED")
	functions := 0
	for _, it := range r.Inventory {
		if it.Type == "AWS::Lambda::Function" {
			functions++
			if !strings.HasPrefix(it.Name, "berth-shop-env-dev-") {
				t.Errorf("function %q does not carry the lower-cased app name", it.Name)
			}
		}
	}
	if functions == 0 {
		t.Errorf("no function in the inventory: %v", types(r))
	}
}
