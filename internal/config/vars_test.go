package config

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// fakeResolver serves SSM parameters and ${env:} values from maps and counts lookups. Its
// NotFoundError texts follow the deployer's contract (see doc.go).
type fakeResolver struct {
	ssm    map[string]string
	secure map[string]bool
	env    map[string]string
	// envParam is the parameter an ${env:} value is found in ("" for elsewhere).
	envParam map[string]string
	fail     error // returned for every lookup when set
	calls    map[string]int
}

func newFakeResolver() *fakeResolver {
	return &fakeResolver{
		ssm: map[string]string{
			"/db/url":        "postgres://db.internal/app",
			"/db/password":   "S3cr3t-Passw0rd",
			"/app/dev/token": "dev-token-value",
			"/mem":           "2048",
		},
		secure: map[string]bool{"/db/password": true, "/app/dev/token": true},
		env:    map[string]string{"API_KEY": "sk-live-0123456789", "SHARED": "shared-value"},
		// SHARED is found in the app's parameter, shared by every stage (the fallback).
		envParam: map[string]string{"SHARED": "/berth/app/env/SHARED"},
		calls:    map[string]int{},
	}
}

func (f *fakeResolver) SSM(_ context.Context, name string) (string, bool, error) {
	f.calls["ssm:"+name]++
	if f.fail != nil {
		return "", false, f.fail
	}
	v, ok := f.ssm[name]
	if !ok {
		return "", false, &NotFoundError{Variable: "ssm:" + name, LookedUp: "SSM parameter " + name}
	}
	return v, f.secure[name], nil
}

func (f *fakeResolver) Env(_ context.Context, name string) (string, string, error) {
	f.calls["env:"+name]++
	v, ok := f.env[name]
	if !ok {
		return "", "", &NotFoundError{Variable: "env:" + name, LookedUp: "SSM parameter /berth/app/dev/env/" + name + " (nor /berth/app/env/" + name + ")"}
	}
	return v, f.envParam[name], nil
}

// varsDoc is head with stages and an environment block starting at line 17.
const varsDoc = `name: app
stages:
  prod:
    params:
      domain: prod.example.com
      tier: gold
  default:
    params:
      domain: dev.example.com
      mem: 2048
      lambda: {memory: 512, timeout: 30}
deployment:
  type: aws@1.0
containers:
  web:
    src: ./web
    environment:
`

func envDoc(entries ...string) string {
	return varsDoc + lines(entries...) + "    routing:\n      pathPattern: /*\n"
}

func TestVariablesResolveToValuesAndRecordTheirSource(t *testing.T) {
	cases := []struct {
		name  string
		stage string
		value string
		want  EnvVar
	}{
		{"a param comes from the selected stage", "prod", "${param:domain}", EnvVar{Value: "prod.example.com", Ref: "param:domain"}},
		{"a param falls back to stages.default", "dev", "${param:domain}", EnvVar{Value: "dev.example.com", Ref: "param:domain"}},
		{"a param missing from the stage falls back per key", "prod", "${param:mem}", EnvVar{Value: "2048", Ref: "param:mem"}},
		{"a param fallback is used when no stage defines it", "prod", "${param:region, 'eu-west-1'}", EnvVar{Value: "eu-west-1", Ref: "param:region"}},
		{"a self reference reads another value of the file", "dev", "${self:name}", EnvVar{Value: "app", Ref: "self:name"}},
		{"a self reference can go into lists and nested keys", "dev", "${self:containers.web.routing.pathPattern}", EnvVar{Value: "/*", Ref: "self:containers.web.routing.pathPattern"}},
		{"a plain SSM parameter is not secret", "dev", "${ssm:/db/url}", EnvVar{Value: "postgres://db.internal/app", Ref: "ssm:/db/url"}},
		{"a SecureString parameter is secret", "dev", "${ssm:/db/password}", EnvVar{Value: "S3cr3t-Passw0rd", Ref: "ssm:/db/password", Secret: true}},
		{"aws:ssm is the same as ssm", "dev", "${aws:ssm:/db/password}", EnvVar{Value: "S3cr3t-Passw0rd", Ref: "ssm:/db/password", Secret: true}},
		{"an env value is always secret", "dev", "${env:API_KEY}", EnvVar{Value: "sk-live-0123456789", Ref: "env:API_KEY", Secret: true}},
		// ECS injects the value from this parameter, and the execution role may read it.
		{"an env value is delivered from the parameter it was found in", "dev", "${env:SHARED}", EnvVar{Value: "shared-value", Ref: "ssm:/berth/app/env/SHARED", Secret: true}},
		{"a fallback can be another variable", "prod", "${ssm:/missing, ${param:tier}}", EnvVar{Value: "gold", Ref: "ssm:/missing"}},
		{"variables embed in text", "dev", "https://${param:domain}/${sls:stage}",
			EnvVar{Value: "https://dev.example.com/dev", Ref: "https://${param:domain}/${sls:stage}"}},
		{"a variable can build another variable's address", "dev", "${ssm:/app/${sls:stage}/token}", EnvVar{Value: "dev-token-value", Ref: "ssm:/app/dev/token", Secret: true}},
		{"sls:stage is the stage being deployed", "prod", "api-${sls:stage}", EnvVar{Value: "api-prod", Ref: "api-${sls:stage}"}},
		{"a reference to a secret passes on its secrecy and the parameter it comes from", "dev", "${self:containers.web.environment.OTHER}", EnvVar{Value: "S3cr3t-Passw0rd", Ref: "ssm:/db/password", Secret: true}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			doc := envDoc("      OTHER: ${ssm:/db/password}", "      X: \""+tc.value+"\"")
			cfg := mustLoad(t, doc, Options{Stage: tc.stage, Resolver: newFakeResolver()})
			got := *findEnv(t, cfg, "X")
			tc.want.Name = "X"
			if got != tc.want {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func findEnv(t *testing.T, cfg *Config, name string) *EnvVar {
	t.Helper()
	for i, ev := range cfg.Container("web").Environment {
		if ev.Name == name {
			return &cfg.Container("web").Environment[i]
		}
	}
	t.Fatalf("no environment variable %s", name)
	return nil
}

func TestWholeValueVariablesKeepTheirType(t *testing.T) {
	doc := strings.Replace(envDoc("      A: b"), "    routing:", lines(
		"    compute:",
		"      awsLambda: ${param:lambda}",
		"      awsFargateEcs:",
		"        memory: ${ssm:/mem}",
		"        cpu: ${param:cpu, 512}",
		"    routing:"), 1)
	doc = strings.TrimSuffix(doc, "\n")
	cfg := mustLoad(t, doc, Options{Resolver: newFakeResolver()})
	c := cfg.Container("web").Compute
	if c.Lambda.Memory != 512 || c.Lambda.Timeout != 30 || c.Fargate.Memory != 2048 || c.Fargate.CPU != 512 {
		t.Errorf("got lambda %+v fargate %+v", c.Lambda, c.Fargate)
	}
}

func TestOfflineDeployTimeVariablesStayUnresolved(t *testing.T) {
	doc := strings.Replace(envDoc("      DB: ${ssm:/db/url}", "      KEY: ${env:API_KEY}", "      D: ${param:domain}"), "      pathPattern: /*", lines(
		"      pathPattern: /*",
		"      domain: ${ssm:/domain}",
		"    compute:",
		"      awsLambda:",
		"        memory: ${ssm:/mem}"), 1)
	cfg := mustLoad(t, doc, Options{})
	for _, name := range []string{"DB", "KEY"} {
		ev := findEnv(t, cfg, name)
		if !ev.Unresolved || ev.Value != "" || ev.Ref == "" || !ev.Secret {
			t.Errorf("%s: want unresolved, empty, with a Ref and secret (kind unknown); got %+v", name, ev)
		}
	}
	if ev := findEnv(t, cfg, "D"); ev.Unresolved || ev.Value != "dev.example.com" {
		t.Errorf("params resolve offline: %+v", ev)
	}
	web := cfg.Container("web")
	if web.Routing.Domain != "${ssm:/domain}" || web.Compute.Lambda.Memory != DefaultLambdaMemory {
		t.Errorf("offline placeholders: domain %q (want the variable as written), memory %d (want the default)", web.Routing.Domain, web.Compute.Lambda.Memory)
	}
}

func TestMissingValuesSayWhereBerthLooked(t *testing.T) {
	cases := []struct {
		name     string
		value    string
		contains string
	}{
		{"a missing SSM parameter names the parameter", "${ssm:/nope}", "SSM parameter /nope does not exist"},
		{"a missing env value names the resolver's SSM parameter", "${env:SLACK_TOKEN}", "SSM parameter /berth/app/dev/env/SLACK_TOKEN (nor /berth/app/env/SLACK_TOKEN) does not exist"},
		{"a missing param names both stages", "${param:nope}", "stages.dev.params and stages.default.params"},
		{"a missing fallback variable reports the first variable", "${env:NOPE, ${param:nope}}", "${env:NOPE} could not be resolved"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			diags := mustErrors(t, envDoc("      X: \""+tc.value+"\""), Options{Resolver: newFakeResolver()})
			assertDiagnostics(t, diags, []want{{"containers.web.environment.X", 18, tc.contains}})
		})
	}
}

func TestUnsupportedVariableSourcesAreRejectedWithTheSupportedList(t *testing.T) {
	for _, v := range []string{"${vault:secret/data/db.password}", "${terraform:outputs:users_table_arn}", "${aws:s3:bucket/key}", "${opt:stage}", "${sls:region}", "${cf:stack.output}"} {
		t.Run(v, func(t *testing.T) {
			diags := mustErrors(t, envDoc("      X: \""+v+"\""), Options{})
			assertDiagnostics(t, diags, []want{{"containers.web.environment.X", 18, "supported: " + supportedSources}})
		})
	}
}

func TestVariableSyntaxErrorsAreReported(t *testing.T) {
	cases := []struct{ name, value, contains string }{
		{"a variable without a source is rejected", "${domain}", "write ${source:address}"},
		{"an unquoted text fallback is rejected", "${param:x, fallback}", "quote text ('value')"},
		{"a mapping cannot be embedded in text", "x-${param:lambda}", "can only be used as the whole value"},
		{"a param cycle is rejected", "${param:a}", "replace one of the references"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			doc := strings.Replace(envDoc("      X: \""+tc.value+"\""), "      mem: 2048", "      mem: 2048\n      a: ${param:b}\n      b: ${param:a}", 1)
			diags := mustErrors(t, doc, Options{})
			found := false
			for _, d := range diags {
				found = found || strings.Contains(d.Message, tc.contains)
			}
			if !found {
				t.Errorf("no diagnostic contains %q: %v", tc.contains, diags)
			}
		})
	}
}

func TestResolverFailuresOtherThanNotFoundAreRetryableErrors(t *testing.T) {
	res := newFakeResolver()
	res.fail = errors.New("ThrottlingException: rate exceeded")
	_, err := Load(context.Background(), []byte(envDoc("      X: ${ssm:/db/url}")), Options{Resolver: res})
	var re *ResolveError
	if !errors.As(err, &re) || !errors.Is(err, res.fail) || re.Path != "containers.web.environment.X" || re.Variable != "ssm:/db/url" {
		t.Fatalf("want a *ResolveError wrapping the cause, got %T %v", err, err)
	}
}

func TestEachParameterIsLookedUpOnceAndOnlyWhenUsed(t *testing.T) {
	doc := strings.Replace(envDoc("      A: ${ssm:/db/url}", "      B: ${ssm:/db/url}", "      C: ${ssm:/db/url}"), "      tier: gold", "      tier: gold\n      unused: ${ssm:/prod/only}", 1)
	doc = strings.Replace(doc, "    routing:", "    integrations:\n      slack: {type: slack, name: \"${env:SLACK_APP_NAME}\"}\n    routing:", 1)
	res := newFakeResolver()
	mustLoad(t, doc, Options{Stage: "prod", Resolver: res})
	if res.calls["ssm:/db/url"] != 1 {
		t.Errorf("/db/url looked up %d times, want once", res.calls["ssm:/db/url"])
	}
	if res.calls["ssm:/prod/only"] != 0 || res.calls["env:SLACK_APP_NAME"] != 0 {
		t.Errorf("unused or ignored values were looked up: %v", res.calls)
	}
}

func TestStagesAreKeptAsWrittenSoNoSecretIsStored(t *testing.T) {
	doc := strings.Replace(envDoc("      P: ${param:pw}"), "      tier: gold", "      tier: gold\n      pw: ${ssm:/db/password}", 1)
	cfg := mustLoad(t, doc, Options{Stage: "prod", Resolver: newFakeResolver()})
	if got := cfg.Stages["prod"].Params["pw"]; got != "${ssm:/db/password}" {
		t.Errorf("Stages holds %q, want the variable as written", got)
	}
	if ev := findEnv(t, cfg, "P"); ev.Value != "S3cr3t-Passw0rd" || !ev.Secret {
		t.Errorf("P: %+v", ev)
	}
}

func TestSecretValuesNeverAppearInErrorsOrWarnings(t *testing.T) {
	secrets := []string{"S3cr3t-Passw0rd", "sk-live-0123456789"}
	docs := []struct{ name, doc string }{
		{"a secret used as a port", head + "    port: ${ssm:/db/password}\n"},
		{"a secret used as a domain", head + "      domain: ${env:API_KEY}\n"},
		{"a secret embedded in a path pattern", strings.Replace(head, "pathPattern: /*", "pathPattern: \"/${ssm:/db/password}/*/x\"", 1)},
		{"a secret used as an image", head + "    image: ${env:API_KEY}\n"},
		{"a secret used as an IAM role", head + "    compute: {awsIam: {roleArn: \"arn:${ssm:/db/password}\"}}\n"},
		{"a secret used as a compute type", head + "    compute: {type: \"${env:API_KEY}\"}\n"},
		{"a secret used as a scale count", withScale("          - {type: desired, desired: \"${ssm:/db/password}\"}")},
		{"a secret used as a Lambda memory size", head + "    compute: {awsLambda: {memory: \"${env:API_KEY}\"}}\n"},
		{"a secret used as a deployment type", strings.Replace(head, "type: aws@1.0", "type: ${ssm:/db/password}", 1)},
	}
	for _, tc := range docs {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(context.Background(), []byte(tc.doc), Options{Resolver: newFakeResolver()})
			var errs *Errors
			if !errors.As(err, &errs) {
				t.Fatalf("want *Errors, got %v", err)
			}
			for _, s := range secrets {
				if strings.Contains(errs.Error(), s) {
					t.Errorf("the error text shows a secret:\n%s", errs.Error())
				}
			}
		})
	}
}

func TestASelfReferenceToItsOwnContainerIsACycle(t *testing.T) {
	diags := mustErrors(t, envDoc("      X: ${self:containers.web}"), Options{})
	assertDiagnostics(t, diags, []want{{"containers.web.environment.X", 18, "still being resolved"}})
}

func TestASelfReferenceToAnotherContainerCopiesIt(t *testing.T) {
	doc := envDoc("      A: b") + lines("  api: ${self:containers.web}")
	diags := mustErrors(t, doc, Options{})
	// The copy routes the same path on the same domain, which is the only problem.
	assertDiagnostics(t, diags, []want{{"containers.api.routing.pathPattern", 21, `already routed to container "web"`}})
}

func TestEnvNamesListsTheEnvVariablesADeployResolvesOnce(t *testing.T) {
	doc := envDoc("      A: ${env:API_KEY}", "      B: x-${env:DB_USER}-${env:API_KEY}", "      C: ${param:missing, ${env:FALLBACK}}")
	doc = strings.Replace(doc, "    routing:", "    integrations:\n      slack: {type: slack, name: \"${env:SLACK_APP_NAME}\"}\n    routing:", 1)
	got := EnvNames(context.Background(), []byte(doc), "prod")
	if strings.Join(got, ",") != "API_KEY,DB_USER,FALLBACK" {
		t.Errorf("EnvNames = %v, want API_KEY, DB_USER, FALLBACK (not SLACK_APP_NAME: integrations are never resolved)", got)
	}
}
