package config

import (
	"strings"
	"testing"
)

// secureResolver adds the probe's SecureStrings to the usual fake.
func secureResolver() *fakeResolver {
	r := newFakeResolver()
	for name, v := range map[string]string{"/secure/tag": "secrettag42", "/secure/port": "8080", "/berth/app/dev/env/X": "own-value", "/berth/shop/prod/env/DB_PASSWORD": "shop-secret"} {
		r.ssm[name], r.secure[name] = v, true
	}
	return r
}

func TestAConfigCannotBorrowAnotherAppsIdentity(t *testing.T) {
	const berthRole = "arn:aws:iam::123456789012:role/berth-shop-prod-api-role-d58d33"
	cases := []struct {
		name, doc, path, want string
	}{
		{"a container role named after another app's berth role", strings.Replace(head, "    routing:", "    compute: {awsIam: {roleArn: "+berthRole+"}}\n    routing:", 1),
			"containers.web.compute.awsIam.roleArn", "names a role berth created (role/berth-*)"},
		{"the deployment role", strings.Replace(head, "  type: aws@1.0\n", "  type: aws@1.0\n  awsIam: {roleArn: "+berthRole+"}\n", 1),
			"deployment.awsIam.roleArn", "names a role berth created"},
		{"the Fargate execution role", strings.Replace(head, "  type: aws@1.0\n", "  type: aws@1.0\n  awsFargateEcs: {executionRoleArn: \"arn:aws:iam::123456789012:role/berth-shop-prod-exec-role-abcdef\"}\n", 1),
			"deployment.awsFargateEcs.executionRoleArn", "names a role berth created"},
		{"another app's ${env:} parameter through ${ssm:}", envDoc("      STOLEN: ${ssm:/berth/shop/prod/env/DB_PASSWORD}"),
			"containers.web.environment.STOLEN", "reads /berth/shop/prod/env/DB_PASSWORD, which belongs to another app"},
		{"the same through ${aws:ssm:} and an ARN", envDoc("      STOLEN: ${aws:ssm:arn:aws:ssm:eu-west-1:123456789012:parameter/berth/shop/prod/env/DB_PASSWORD}"),
			"containers.web.environment.STOLEN", "which belongs to another app"},
		{"an app whose name is a prefix of the other's", strings.Replace(envDoc("      STOLEN: ${ssm:/berth/app-b/dev/env/X}"), "name: app", "name: app", 1),
			"containers.web.environment.STOLEN", "which belongs to another app"},
		{"an ${env:} name that is a path", envDoc("      STOLEN: ${env:../../shop/prod/env/DB_PASSWORD}"),
			"containers.web.environment.STOLEN", "takes a variable name, not a path"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, res := range []Resolver{nil, secureResolver()} {
				diags := mustErrors(t, tc.doc, Options{Resolver: res})
				if len(diags) != 1 || diags[0].Path != tc.path || !strings.Contains(diags[0].Message, tc.want) || diags[0].Line == 0 {
					t.Fatalf("want one diagnostic at %s containing %q, got %v", tc.path, tc.want, diags)
				}
			}
		})
	}
}

func TestAConfigReadsItsOwnAppsParametersAndNamesItsOwnRoles(t *testing.T) {
	doc := strings.Replace(envDoc("      OWN: ${ssm:/berth/app/dev/env/X}"), "    routing:", "    compute: {awsIam: {roleArn: \"arn:aws:iam::123456789012:role/app-web\"}}\n    routing:", 1)
	cfg := mustLoad(t, doc, Options{Resolver: secureResolver()})
	if ev := findEnv(t, cfg, "OWN"); ev.Value != "own-value" || !ev.Secret || ev.Ref != "ssm:/berth/app/dev/env/X" {
		t.Errorf("got %+v", ev)
	}
}

func TestSecretsAreRefusedWhereBerthCannotDeliverThemAsSecrets(t *testing.T) {
	const where = "berth delivers secrets only as environment values"
	const whole = "the value must be exactly one ${ssm:/name} or ${env:NAME} that exists"
	cases := []struct {
		name, doc string
		offline   bool // also refused offline (the value is secret whatever the parameter)
		path      string
		want      string
	}{
		{"a SecureString as an image tag (probe 3.8)", strings.Replace(head, "    src: ./web", "    image: "+probeImage[:len(probeImage)-4]+":${ssm:/secure/tag}", 1), false,
			"containers.web.image", where},
		{"an ${env:} value as a domain", strings.Replace(head, "      pathPattern: /*", "      pathPattern: /*\n      domain: ${env:DOMAIN}", 1), true,
			"containers.web.routing.domain", where},
		{"a SecureString through a stage parameter into a port", strings.Replace(strings.Replace(head, "    src: ./web", "    src: ./web\n    port: ${param:port}", 1), "deployment:", "stages:\n  default:\n    params:\n      port: ${ssm:/secure/port}\ndeployment:", 1), false,
			"containers.web.port", where},
		// Refused offline too (validate, plan and the API resolve nothing), whatever the
		// parameter's kind, and on either compute type.
		{"a SecureString embedded in a URL (probe 3.12)", envDoc("      DATABASE_URL: \"postgres://app:${ssm:/db/password}@db.internal:5432/app\""), true,
			"containers.web.environment.DATABASE_URL", whole},
		{"a String parameter embedded in a URL on Fargate", strings.Replace(envDoc("      DATABASE_URL: \"postgres://u:${ssm:/db/url}@db/x\""), "    routing:", "    compute: {type: awsFargateEcs}\n    routing:", 1), true,
			"containers.web.environment.DATABASE_URL", "put the whole value (e.g. the full database URL) in one SecureString parameter"},
		{"a parameter embedded in text through a stage parameter", strings.Replace(envDoc("      URL: \"https://${param:host}/x\""), "      mem: 2048\n", "      mem: 2048\n      host: ${ssm:/db/url}\n", 1), true,
			"containers.web.environment.URL", whole},
		{"an ${env:} value embedded in text", envDoc("      AUTH: \"Bearer ${env:API_KEY}\""), true,
			"containers.web.environment.AUTH", whole},
		{"an ${env:} value standing in by a literal fallback", envDoc("      KEY: ${env:MISSING, 'local'}"), false,
			"containers.web.environment.KEY", whole},
		{"a secret inside a mapping value", envDoc("      CFG: {password: '${ssm:/db/password}'}"), true,
			"containers.web.environment.CFG", whole},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resolvers := []Resolver{secureResolver()}
			if tc.offline {
				resolvers = append(resolvers, nil)
			}
			for _, res := range resolvers {
				diags := mustErrors(t, tc.doc, Options{Resolver: res})
				found := false
				for _, d := range diags {
					found = found || (d.Path == tc.path && strings.Contains(d.Message, tc.want))
					for _, secret := range []string{"secrettag42", "S3cr3t-Passw0rd", "sk-live-0123456789"} {
						if strings.Contains(d.Message, secret) {
							t.Errorf("a secret reached a message: %s", d.Message)
						}
					}
				}
				if !found {
					t.Fatalf("want a diagnostic at %s containing %q, got %v", tc.path, tc.want, diags)
				}
			}
		})
	}
}

func TestSecretsThatBerthCanDeliverAreAccepted(t *testing.T) {
	doc := strings.Replace(envDoc("      A: ${ssm:/db/password}", "      B: ${env:API_KEY}", "      C: ${param:pw}"),
		"      tier: gold\n", "      tier: gold\n      pw: ${ssm:/db/password}\n", 1)
	for _, res := range []Resolver{nil, secureResolver()} {
		cfg := mustLoad(t, doc, Options{Stage: "prod", Resolver: res})
		for name, ref := range map[string]string{"A": "ssm:/db/password", "B": "env:API_KEY", "C": "ssm:/db/password"} {
			if ev := findEnv(t, cfg, name); ev.Ref != ref || !ev.Secret {
				t.Errorf("%s: got %+v, want a secret delivered from %s", name, ev, ref)
			}
		}
	}
}

func TestDeadPatternsAndControlCharactersAreRefused(t *testing.T) {
	cases := []struct {
		name, doc, path, want string
	}{
		{"a dot-dot segment", strings.Replace(head, "pathPattern: /*", "pathPattern: /a/../b", 1), "containers.web.routing.pathPattern", `is not a canonical path, so no request would ever match it`},
		{"a dot segment", strings.Replace(head, "pathPattern: /*", "pathPattern: /./a/*", 1), "containers.web.routing.pathPattern", `did you mean "/a/*"?`},
		{"an empty segment", strings.Replace(head, "pathPattern: /*", "pathPattern: //api/*", 1), "containers.web.routing.pathPattern", `did you mean "/api/*"?`},
		{"a backslash", strings.Replace(head, "pathPattern: /*", `pathPattern: '/a\b'`, 1), "containers.web.routing.pathPattern", `did you mean "/a/b"?`},
		{"a 200,000-character image repository", strings.Replace(head, "    src: ./web", "    image: a.io/"+strings.Repeat("r", 200000)+":1", 1), "containers.web.image", "the repository name is 200000 characters; registries allow at most 256"},
		{"NUL in an environment value", envDoc(`      A: "x\0y"`), "containers.web.environment.A", "holds a control character (byte 0x00 at offset 1)"},
		{"an escape sequence in an environment value", envDoc(`      A: "\e[31mred"`), "containers.web.environment.A", "byte 0x1b at offset 0"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			diags := mustErrors(t, tc.doc, Options{})
			if len(diags) != 1 || diags[0].Path != tc.path || !strings.Contains(diags[0].Message, tc.want) {
				t.Fatalf("want one diagnostic at %s containing %q, got %v", tc.path, tc.want, diags)
			}
		})
	}
}

func TestCanonicalPatternsAndMultiLineValuesAreAccepted(t *testing.T) {
	for _, p := range []string{"/*", "/", "/api/", "/api/*", "/a;b", "/a%2Fb", "/v1.2/x"} {
		mustLoad(t, strings.Replace(head, "pathPattern: /*", "pathPattern: '"+p+"'", 1), Options{})
	}
	mustLoad(t, envDoc(`      PEM: "-----BEGIN KEY-----\nabc\r\n\tdef\n-----END KEY-----"`), Options{})
}
