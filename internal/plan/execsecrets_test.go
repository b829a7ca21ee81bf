package plan

import (
	"encoding/json"
	"testing"

	"github.com/berth-dev/berth/internal/config"
)

func TestTheFargateExecutionRoleMayReadExactlyTheSecretsItsTasksInject(t *testing.T) {
	api := fargateContainer("api", "/*")
	api.Environment = []config.EnvVar{
		{Name: "DB_URL", Value: "postgres://secret", Ref: "ssm:/db/url", Secret: true},
		{Name: "API_KEY", Ref: "env:API_KEY", Secret: true, Unresolved: true},
		// A resolved ${env:} names the parameter it was found in (here the app's shared one).
		{Name: "SHARED", Value: "s", Ref: "ssm:/berth/shop/env/SHARED", Secret: true},
		{Name: "PLAIN", Value: "x"},
	}
	worker := fargateContainer("worker", "/jobs/*")
	worker.Environment = []config.EnvVar{{Name: "DB_URL", Value: "postgres://secret", Ref: "aws:ssm:/db/url", Secret: true}}
	web := lambdaContainer("web", "/web/*")
	web.Environment = []config.EnvVar{{Name: "LAMBDA_ONLY", Value: "s", Ref: "ssm:/lambda/only", Secret: true}}

	role := find(mustBuild(t, appConfig(api, worker, web)), IDExecutionRole)
	if role == nil {
		t.Fatal("no execution role planned")
	}
	var props RoleProps
	if err := json.Unmarshal(role.Props, &props); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(props.InlinePolicy)
	var doc struct {
		Statement []struct {
			Action    string
			Resource  any
			Condition map[string]map[string]any
		}
	}
	if err := json.Unmarshal(b, &doc); err != nil || len(doc.Statement) != 2 {
		t.Fatalf("inline policy %s: want two statements (%v)", b, err)
	}
	got, _ := json.Marshal(doc.Statement[0].Resource)
	// An ${env:} left unresolved (an offline plan) may come from either place it is read from.
	want := `["arn:aws:ssm:eu-west-1:${aws:PrincipalAccount}:parameter/berth/shop/env/API_KEY",` +
		`"arn:aws:ssm:eu-west-1:${aws:PrincipalAccount}:parameter/berth/shop/env/SHARED",` +
		`"arn:aws:ssm:eu-west-1:${aws:PrincipalAccount}:parameter/berth/shop/prod/env/API_KEY",` +
		`"arn:aws:ssm:eu-west-1:${aws:PrincipalAccount}:parameter/db/url"]`
	if doc.Statement[0].Action != "ssm:GetParameters" || string(got) != want {
		t.Errorf("read statement = %s on %s, want ssm:GetParameters on %s", doc.Statement[0].Action, got, want)
	}
	eq := doc.Statement[1].Condition["StringEquals"]
	params, _ := json.Marshal(eq["kms:EncryptionContext:PARAMETER_ARN"])
	if doc.Statement[1].Action != "kms:Decrypt" || eq["kms:ViaService"] != "ssm.eu-west-1.amazonaws.com" || string(params) != want {
		t.Errorf("decrypt statement = %+v, want kms:Decrypt only via SSM in eu-west-1 and only of %s", doc.Statement[1], want)
	}
}

func TestAnExecutionRoleWithoutSecretsGetsNoInlinePolicy(t *testing.T) {
	role := find(mustBuild(t, appConfig(fargateContainer("api", "/*"))), IDExecutionRole)
	if role == nil {
		t.Fatal("no execution role planned")
	}
	var props RoleProps
	if err := json.Unmarshal(role.Props, &props); err != nil || props.InlinePolicy != nil {
		t.Fatalf("execution role props %s: want no inline policy (%v)", role.Props, err)
	}
}
