package config

import (
	"strings"
	"testing"
)

func TestPrivateAppsAreDeclaredByDeploymentPrivateOrItsAlias(t *testing.T) {
	cases := []struct {
		name  string
		extra string
		want  bool
	}{
		{"deployment.private: true makes a private app", "  private: true\n", true},
		{"deployment.awsAlb.internal: true is its alias", "  awsAlb: {internal: true}\n", true},
		{"both true agree", "  private: true\n  awsAlb: {internal: true}\n", true},
		{"neither is a public app", "", false},
		{"deployment.private: false is a public app", "  private: false\n", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := mustLoad(t, withDeployment(c.extra), Options{})
			if cfg.Deployment.Private != c.want {
				t.Fatalf("Private = %t, want %t", cfg.Deployment.Private, c.want)
			}
			if len(cfg.Warnings) != 0 {
				t.Errorf("warnings: %v", cfg.Warnings)
			}
		})
	}
}

func TestPrivateAppErrorsNameTheKeyAndTheFix(t *testing.T) {
	lambda := func(extra string) string {
		return "name: app\ndeployment:\n  type: aws@1.0\n  private: true\n" + extra +
			"containers:\n  web:\n    src: ./web\n    routing:\n      pathPattern: /*\n      domain: web.corp.internal\n    compute:\n      type: awsLambda\n      awsLambda: {invokeMode: RESPONSE_STREAM}\n"
	}
	cases := []struct {
		name string
		doc  string
		want map[string]string // path → part of the message
	}{
		{"the alias contradicting deployment.private is refused",
			withDeployment("  private: true\n  awsAlb: {internal: false}\n"),
			map[string]string{"deployment.awsAlb.internal": "alias of deployment.private"}},
		{"a custom domain on a private app without its private hosted zone is refused naming the key, and so is response streaming",
			lambda(""),
			map[string]string{"containers.web.routing.domain": "needs deployment.awsAlb.privateHostedZoneId", "containers.web.compute.awsLambda.invokeMode": "use BUFFERED"}},
		{"a private hosted zone id that is not one is refused",
			lambda("  awsAlb: {privateHostedZoneId: corp.internal}\n"),
			map[string]string{"deployment.awsAlb.privateHostedZoneId": "not a Route 53 hosted zone id", "containers.web.compute.awsLambda.invokeMode": "use BUFFERED"}},
		{"a CloudFront web ACL on a private app would protect nothing",
			withDeployment("  private: true\n  awsCloudFront: {wafAclArn: arn:aws:wafv2:us-east-1:123456789012:global/webacl/edge/0a1b2c3d}\n"),
			map[string]string{"deployment.awsCloudFront.wafAclArn": "deployment.awsAlb.wafAclArn"}},
		{"a path pattern longer than an ALB condition takes is refused on a private app",
			strings.Replace(withDeployment("  private: true\n"), "pathPattern: /*", "pathPattern: /"+strings.Repeat("a", 130)+"/*", 1),
			map[string]string{"containers.web.routing.pathPattern": "at most 128"}},
		{"integrations on a Fargate container of a private app are refused (no CloudFront URL to deliver to)",
			"name: app\ndeployment:\n  type: aws@1.0\n  private: true\n" +
				"containers:\n  jobs:\n    src: ./jobs\n    port: 8080\n    routing: {pathPattern: /*}\n    compute: {type: awsFargateEcs}\n" +
				"    integrations:\n      nightly: {type: schedule, schedule: rate(1 day), webhookPath: /nightly}\n",
			map[string]string{"containers.jobs.integrations": "a private app has none"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := map[string]string{}
			for _, d := range mustErrors(t, c.doc, Options{}) {
				got[d.Path] += d.Message
			}
			for path, part := range c.want {
				if !strings.Contains(got[path], part) {
					t.Errorf("%s: got %q, want it to contain %q (all: %v)", path, got[path], part, got)
				}
			}
			if len(got) != len(c.want) {
				t.Errorf("got errors at %d paths, want %d: %v", len(got), len(c.want), got)
			}
		})
	}
}

func TestAPrivateLambdaOnlyAppGetsNoNoALBWarning(t *testing.T) {
	cfg := mustLoad(t, withDeployment("  private: true\n  awsAlb: {wafAclArn: arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/a/0a1b2c3d}\n"), Options{})
	if len(cfg.Warnings) != 0 {
		t.Fatalf("a private app always has its ALB, but got warnings %v", cfg.Warnings)
	}
}

func TestACustomDomainOnAPrivateAppTakesItsPrivateHostedZone(t *testing.T) {
	doc := "name: app\ndeployment:\n  type: aws@1.0\n  private: true\n  awsAlb: {privateHostedZoneId: /hostedzone/Z0123456789ABCDEFGHIJ}\n" +
		"containers:\n  web:\n    src: ./web\n    routing:\n      pathPattern: /*\n      domain: web.corp.example.com\n"
	cfg := mustLoad(t, doc, Options{})
	if got := cfg.Deployment.PrivateHostedZoneID; got != "Z0123456789ABCDEFGHIJ" {
		t.Fatalf("PrivateHostedZoneID = %q, want the id without /hostedzone/", got)
	}
}

func TestAPrivateHostedZoneOnAPublicAppIsAWarning(t *testing.T) {
	cfg := mustLoad(t, withDeployment("  awsAlb: {privateHostedZoneId: Z0123456789ABCDEFGHIJ}\n"), Options{})
	if len(cfg.Warnings) != 1 || !strings.Contains(cfg.Warnings[0].Path, "deployment.awsAlb.privateHostedZoneId") {
		t.Fatalf("warnings %v, want one naming deployment.awsAlb.privateHostedZoneId", cfg.Warnings)
	}
}
