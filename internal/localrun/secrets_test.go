package localrun

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/berth-dev/berth/internal/plan"
)

const secretsApp = `name: %s
deployment:
  type: aws@1.0
containers:
  web:
    image: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:%s
    routing: {pathPattern: /*, pathHealthCheck: /health}
    environment:
%s
    compute: {type: %s}
`

func secretsConfig(app, tag, env, compute string) []byte {
	return []byte(fmt.Sprintf(secretsApp, app, tag, env, compute))
}

// Secrets of the security probe (audits/security-probe.md 3.8, 3.12, 3.13) through the real
// workflow: a secret is fingerprinted with the installation's key, and one berth could not
// deliver as a secret stops the deploy at validation, before anything exists.
func TestSecretsAreFingerprintedWithTheInstallationKeyAndMisplacedOnesChangeNothing(t *testing.T) {
	s := newSession(t)
	ctx := context.Background()
	// Each app's secrets live under its own /berth/<app>/: by default berth's roles read only
	// parameter/berth/* (template.yaml), and a config may not read another app's.
	for name, value := range map[string]string{"/berth/sec/key": "SECRETKEY42", "/berth/tag/tag": "secrettag42",
		"/berth/embed/key": "SECRETKEY42"} {
		if _, err := ssm.NewFromConfig(s.Env.AWS).PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String(name),
			Value: aws.String(value), Type: ssmtypes.ParameterTypeSecureString}); err != nil {
			t.Fatal(err)
		}
	}
	r, err := s.Deploy(ctx, "sec.yml", secretsConfig("sec", "1.0", "      KEY: ${ssm:/berth/sec/key}", "awsLambda"), "dev", "")
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, r, "SUCCEEDED")
	applied, err := s.store.LoadApplied(ctx, "sec", "dev")
	if err != nil || applied == nil {
		t.Fatalf("applied state: %v", err)
	}
	var fn plan.FunctionProps
	for _, res := range applied.Desired.Resources {
		if res.ID == "web/Function" {
			if err := json.Unmarshal(res.Props, &fn); err != nil {
				t.Fatal(err)
			}
		}
	}
	if want := plan.Fingerprint(s.Env.FingerprintKey, "sec", "dev", "KEY", "SECRETKEY42"); len(s.Env.FingerprintKey) < 32 || fn.Environment["KEY"].Fingerprint != want {
		t.Errorf("KEY = %+v, want the fingerprint keyed with the installation's %d-byte key", fn.Environment["KEY"], len(s.Env.FingerprintKey))
	}
	items, err := dynamodb.NewFromConfig(s.Env.AWS).Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(StateTable)})
	if err != nil {
		t.Fatal(err)
	}
	if dump, _ := json.Marshal(items.Items); strings.Contains(string(dump), "SECRETKEY42") {
		t.Error("the secret is in the state table")
	}

	misplaced := []struct {
		name, app, tag, env, compute, path string
	}{
		{"a SecureString image tag", "tag", "${ssm:/berth/tag/tag}", "      A: b", "awsLambda", "containers.web.image"},
		{"a SecureString embedded in a Fargate URL", "embed", "1.0", `      DATABASE_URL: "postgres://app:${ssm:/berth/embed/key}@db:5432/app"`, "awsFargateEcs", "containers.web.environment.DATABASE_URL"},
	}
	for _, tc := range misplaced {
		r, err := s.Deploy(ctx, tc.app+".yml", secretsConfig(tc.app, tc.tag, tc.env, tc.compute), "dev", "")
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != "FAILED" || !strings.Contains(r.Error, tc.path) || strings.Contains(r.Error, "secrettag42") || strings.Contains(r.Error, "SECRETKEY42") {
			t.Errorf("%s: status %s, error %q; want FAILED naming %s and no value", tc.name, r.Status, r.Error, tc.path)
		}
		if r.Calls.Mutating != 0 || len(r.Inventory) != 0 {
			t.Errorf("%s changed the account: %d mutating calls, inventory %v", tc.name, r.Calls.Mutating, r.Inventory)
		}
	}
}

// The local runtime reads ${file()} values from disk beside the config, as the CLI does.
func TestTheLocalRuntimeDeploysFileVariablesFromBesideTheConfig(t *testing.T) {
	s := newSession(t)
	dir := t.TempDir()
	cfg := secretsConfig("files", "1.0", "      GREETING: ${file(./values.yml):greeting}", "awsLambda")
	if err := os.WriteFile(dir+"/values.yml", []byte("greeting: hi from disk\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := s.Deploy(context.Background(), dir+"/serverless.containers.yml", cfg, "dev", "")
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, r, "SUCCEEDED")
	applied, err := s.store.LoadApplied(context.Background(), "files", "dev")
	if err != nil || applied == nil {
		t.Fatalf("applied state: %v", err)
	}
	found := false
	for _, res := range applied.Desired.Resources {
		found = found || (res.ID == "web/Function" && strings.Contains(string(res.Props), `"hi from disk"`))
	}
	if !found {
		t.Error("no web/Function with the file's value in the applied state")
	}
}
