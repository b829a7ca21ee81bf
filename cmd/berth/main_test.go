package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/plan"
)

const appYAML = `name: shop
stages:
  default:
    params:
      memory: 1024
deployment:
  type: aws@1.0
containers:
  api:
    image: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/api:1
    routing:
      pathPattern: /api/*
      pathHealthCheck: /health
    environment:
      SECRET: ${ssm:/shop/secret}
    compute:
      type: awsLambda
      awsLambda:
        memory: ${param:memory}
`

// twoErrorsYAML has two independent mistakes; validate must report both.
const twoErrorsYAML = `name: shop
deployment:
  type: aws@1.0
containers:
  api:
    image: public.ecr.aws/x/y:1
    routing:
      pathPattern: /api/*
    compute:
      type: awsLambda
      awsLambda:
        memroy: 512
  web:
    image: public.ecr.aws/x/y:1
    routing:
      pathPattern: /*
    compute:
      type: awsLambda
      awsLambda:
        memory: 5
`

// warningYAML is valid but has a key berth accepts and ignores.
const warningYAML = `name: shop
deployment:
  type: aws@1.0
containers:
  api:
    src: ./api
    build:
      options: [--target=awsLambda]
    routing:
      pathPattern: /*
`

func write(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// berth runs the CLI in-process.
func berth(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestCommandLine(t *testing.T) {
	good := write(t, "serverless.containers.yml", appYAML)
	bad := write(t, "bad.yml", twoErrorsYAML)
	warn := write(t, "warn.yml", warningYAML)
	tests := []struct {
		name       string
		args       []string
		code       int
		stdout     string // regexp, "" = anything
		stderr     string // regexp, "" = anything
		noStderr   bool
		exactLines int // when > 0, stderr has exactly this many lines
	}{
		{name: "no command is a usage error", args: nil, code: 2, stderr: "Usage: berth <command>"},
		{name: "an unknown command is a usage error", args: []string{"deploy-all"}, code: 2, stderr: `unknown command "deploy-all"`},
		{name: "help lists the commands", args: []string{"help"}, code: 0, stdout: `(?s)plan .*schema .*validate .*version`},
		{name: "a valid file validates", args: []string{"validate", "-f", good}, code: 0, stdout: `valid \(app shop, stage dev, 1 container\)`, noStderr: true},
		{name: "--file is -f", args: []string{"validate", "--file", good, "--stage", "prod"}, code: 0, stdout: `stage prod`},
		{name: "validate prints every error with its position", args: []string{"validate", "-f", bad}, code: 1,
			stderr: `(?s)bad\.yml:12:9: containers\.api\.compute\.awsLambda\.memroy: .*bad\.yml:20:17: containers\.web\.compute\.awsLambda\.memory: .*2 errors`, exactLines: 3},
		{name: "warnings go to stderr and the file is still valid", args: []string{"validate", "-f", warn}, code: 0,
			stderr: `warn\.yml:7:5: containers\.api\.build: warning: `, stdout: "valid"},
		{name: "validate without -f is a usage error", args: []string{"validate"}, code: 2, stderr: "-f FILE is required"},
		{name: "a positional argument is a usage error", args: []string{"validate", "-f", good, "extra"}, code: 2, stderr: `unexpected argument "extra"`},
		{name: "an unknown flag is a usage error", args: []string{"validate", "--nope"}, code: 2, stderr: "flag provided but not defined"},
		{name: "a missing file fails", args: []string{"validate", "-f", filepath.Join(t.TempDir(), "none.yml")}, code: 1, stderr: "no such file"},
		{name: "-h prints the flags", args: []string{"plan", "-h"}, code: 0, stderr: "(?s)Usage: berth plan .*-applied"},
		{name: "plan needs a stage", args: []string{"plan", "-f", good}, code: 2, stderr: "--stage is required"},
		{name: "plan output is text or json", args: []string{"plan", "-f", good, "--stage", "dev", "--output", "yaml"}, code: 2, stderr: "text or json"},
		{name: "plan of an invalid file fails with its errors", args: []string{"plan", "-f", bad, "--stage", "dev"}, code: 1, stderr: "memroy"},
		{name: "a first plan creates everything", args: []string{"plan", "-f", good, "--stage", "prod", "--region", "eu-west-1", "--account", "123456789012"}, code: 0,
			stdout: `(?s)Plan for shop/prod \(eu-west-1, account 123456789012\).*Wave 0:.*\+ create KeyValueStore .*Plan: 13 to create, 0 to update, 0 to delete, 0 unchanged\.\n$`},
		{name: "schema prints the JSON Schema", args: []string{"schema"}, code: 0, stdout: `^\{(?s).*"\$schema"`},
		{name: "version prints a version", args: []string{"version"}, code: 0, stdout: `^berth \S+\n$`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := berth(tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.code, stdout, stderr)
			}
			if tt.stdout != "" && !regexp.MustCompile(tt.stdout).MatchString(stdout) {
				t.Errorf("stdout does not match %s:\n%s", tt.stdout, stdout)
			}
			if tt.stderr != "" && !regexp.MustCompile(tt.stderr).MatchString(stderr) {
				t.Errorf("stderr does not match %s:\n%s", tt.stderr, stderr)
			}
			if tt.noStderr && stderr != "" {
				t.Errorf("unexpected stderr: %s", stderr)
			}
			if n := strings.Count(stderr, "\n"); tt.exactLines > 0 && n != tt.exactLines {
				t.Errorf("stderr has %d lines, want %d:\n%s", n, tt.exactLines, stderr)
			}
		})
	}
}

func TestSchemaIsJSON(t *testing.T) {
	_, stdout, _ := berth("schema")
	if !json.Valid([]byte(stdout)) {
		t.Fatal("schema output is not JSON")
	}
}

func TestPlanRegionDefaultsToAWSRegion(t *testing.T) {
	good := write(t, "app.yml", appYAML)
	t.Setenv("AWS_REGION", "ap-northeast-1")
	_, stdout, _ := berth("plan", "-f", good, "--stage", "dev")
	if !strings.Contains(stdout, "(ap-northeast-1)") {
		t.Errorf("region not from AWS_REGION:\n%s", stdout)
	}
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	_, stdout, _ = berth("plan", "-f", good, "--stage", "dev")
	if !strings.Contains(stdout, "(us-east-1)") {
		t.Errorf("region does not default to us-east-1:\n%s", stdout)
	}
}

// planJSON runs berth plan --output json and decodes it.
func planJSON(t *testing.T, args ...string) (*plan.Plan, string) {
	t.Helper()
	code, stdout, stderr := berth(append([]string{"plan", "--output", "json", "--region", "eu-west-1"}, args...)...)
	if code != 0 {
		t.Fatalf("plan exit %d: %s", code, stderr)
	}
	var p plan.Plan
	if err := json.Unmarshal([]byte(stdout), &p); err != nil {
		t.Fatalf("plan JSON: %v\n%s", err, stdout)
	}
	return &p, stdout
}

func TestPlanJSONRoundTrip(t *testing.T) {
	good := write(t, "app.yml", appYAML)
	first, out := planJSON(t, "-f", good, "--stage", "prod")
	for _, s := range first.Steps {
		if s.Action != plan.Create {
			t.Fatalf("first plan has %s %s", s.Action, s.ID)
		}
	}
	if strings.Contains(out, "${ssm") || !strings.Contains(out, `"ref": "ssm:/shop/secret"`) {
		t.Error("the secret is not kept as a ref")
	}
	wholePlan := write(t, "plan.json", out)
	desiredOnly, err := json.Marshal(first.Desired)
	if err != nil {
		t.Fatal(err)
	}
	desiredFile := write(t, "desired.json", string(desiredOnly))

	t.Run("re-planning against the whole plan JSON is all noop", func(t *testing.T) {
		again, _ := planJSON(t, "-f", good, "--stage", "prod", "--applied", wholePlan)
		for _, s := range again.Steps {
			if s.Action != plan.Noop {
				t.Errorf("%s %s", s.Action, s.ID)
			}
		}
		_, stdout, _ := berth("plan", "-f", good, "--stage", "prod", "--region", "eu-west-1", "--applied", wholePlan)
		if !strings.HasSuffix(stdout, "No changes.\n\nPlan: 0 to create, 0 to update, 0 to delete, 13 unchanged.\n") {
			t.Errorf("text:\n%s", stdout)
		}
	})
	t.Run("re-planning against the desired document alone is all noop", func(t *testing.T) {
		again, _ := planJSON(t, "-f", good, "--stage", "prod", "--applied", desiredFile)
		for _, s := range again.Steps {
			if s.Action != plan.Noop {
				t.Errorf("%s %s", s.Action, s.ID)
			}
		}
	})
	t.Run("a changed config plans exactly the steps it needs", func(t *testing.T) {
		changed := strings.Replace(appYAML, "pathPattern: /api/*", "pathPattern: /v2/*", 1) + `  web:
    image: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:1
    routing:
      pathPattern: /*
    compute:
      type: awsLambda
`
		changed = strings.Replace(changed, "memory: 1024", "memory: 2048", 1)
		f := write(t, "changed.yml", changed)
		code, stdout, stderr := berth("plan", "-f", f, "--stage", "prod", "--region", "eu-west-1", "--applied", wholePlan)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		var lines []string
		for _, l := range strings.Split(stdout, "\n") {
			if strings.HasPrefix(l, "  ") {
				lines = append(lines, strings.Join(strings.Fields(l), " "))
			}
		}
		want := []string{
			// An image reference on Lambda runs from the app's repository, Web Adapter appended.
			"+ create web/Repository AWS::ECR::Repository (berth-shop-prod-web-img-",
			"+ create web/WebAdapter Berth::Image::WebAdapter (berth-shop-prod-web-img-",
			"+ create web/LogGroup AWS::Logs::LogGroup (/aws/lambda/berth-shop-prod-web-fn-",
			"+ create web/Role AWS::IAM::Role (berth-shop-prod-web-role-",
			"~ update api/Function AWS::Lambda::Function (changes: memoryMb)",
			"+ create web/Function AWS::Lambda::Function (berth-shop-prod-web-fn-",
			"+ create web/Url AWS::Lambda::Url (berth-shop-prod-web-url-",
			"+ create web/Permission AWS::Lambda::Permission (berth-shop-prod-web-cf-",
			"~ update RouteTable Berth::CloudFront::RouteTable (changes: routes)",
			// The route table's step names each key it adds, changes or removes.
			"+ /* -> web (lambda)",
			"- /api/* -> api (lambda)",
			"+ /v2/* -> api (lambda)",
		}
		if len(lines) != len(want) {
			t.Fatalf("steps:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
		}
		for i := range want {
			if !strings.HasPrefix(lines[i], want[i]) {
				t.Errorf("step %d: %q, want %q…", i, lines[i], want[i])
			}
		}
		if !strings.HasSuffix(stdout, "Plan: 7 to create, 2 to update, 0 to delete, 11 unchanged.\n") {
			t.Errorf("summary:\n%s", stdout)
		}
	})
	t.Run("an applied document of another stage is refused", func(t *testing.T) {
		code, _, stderr := berth("plan", "-f", good, "--stage", "dev", "--applied", wholePlan)
		if code != 1 || !strings.Contains(stderr, "shop/prod, not shop/dev") {
			t.Errorf("exit %d: %s", code, stderr)
		}
	})
	t.Run("a file that is not a plan is refused", func(t *testing.T) {
		code, _, stderr := berth("plan", "-f", good, "--stage", "prod", "--applied", write(t, "x.json", `{"hello":1}`))
		if code != 1 || !strings.Contains(stderr, "not a berth plan") {
			t.Errorf("exit %d: %s", code, stderr)
		}
	})
}
