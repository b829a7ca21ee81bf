package config

import (
	"strings"
	"testing"
)

func TestPathPatternsBerthCanRouteAreAccepted(t *testing.T) {
	for _, p := range []string{"/", "/*", "/api", "/api/*", "/images/logo.png", "/a/b/c/*", "/api-v1/*", "/~user/x.json", "/" + strings.Repeat("a", 499)} {
		if problem, _ := pathPatternProblem(p); problem != "" {
			t.Errorf("%q: %s", p, problem)
		}
	}
}

func TestPathPatternsWithOtherWildcardsSuggestThePrefixForm(t *testing.T) {
	cases := []struct{ name, pattern, hint string }{
		{"a trailing star without a slash becomes a directory prefix", "/api*", `"/api/*"`},
		{"a question mark keeps the directory", "/profile/202?", `"/profile/*"`},
		{"a middle star keeps what comes before it", "/assets/*/images/*", `"/assets/*"`},
		{"a star inside a segment keeps the directory", "/files/*.png", `"/files/*"`},
		{"a star at the root falls back to everything", "/*.js", `"/*"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			problem, hint := pathPatternProblem(tc.pattern)
			if !strings.Contains(problem, "exact path") || !strings.Contains(hint, tc.hint) {
				t.Errorf("got %q / %q, want a hint with %s", problem, hint, tc.hint)
			}
		})
	}
}

func TestDomainsMustBeBareLowercaseHostNames(t *testing.T) {
	cases := []struct {
		name, domain string
		ok           bool
	}{
		{"an apex domain is fine", "example.com", true},
		{"a subdomain is fine", "api.eu.example.co.uk", true},
		{"a punycode name is fine", "xn--bcher-kva.example", true},
		{"a single label is not a public host name", "localhost", false},
		{"a label starting with a hyphen is rejected", "-api.example.com", false},
		{"a numeric top-level label is rejected", "10.0.0.1", false},
		{"a port is rejected", "example.com:443", false},
		{"a wildcard is rejected", "*.example.com", false},
		{"an underscore is rejected", "my_api.example.com", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			problem, _ := domainProblem(tc.domain)
			if (problem == "") != tc.ok {
				t.Errorf("domainProblem(%q) = %q", tc.domain, problem)
			}
		})
	}
}

func TestImageURIsNeedARegistryAndAValidReference(t *testing.T) {
	digest := "@sha256:" + strings.Repeat("ab", 32)
	cases := []struct {
		name, image string
		ok          bool
	}{
		{"a private ECR image with a tag is fine", "123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1.4.2", true},
		{"a public ECR image with a nested repository is fine", "public.ecr.aws/acme/shop/web:latest", true},
		{"a Docker Hub image with its registry is fine", "docker.io/library/nginx:1.27-alpine", true},
		{"a digest-pinned image is fine", "ghcr.io/acme/web" + digest, true},
		{"a tag and a digest together are fine", "ghcr.io/acme/web:1.0" + digest, true},
		{"a local registry with a port is fine", "localhost:5000/web", true},
		{"an image without a registry is rejected", "nginx:latest", false},
		{"a bare name is rejected", "nginx", false},
		{"an uppercase repository is rejected", "ghcr.io/Acme/web", false},
		{"an empty tag is rejected", "ghcr.io/acme/web:", false},
		{"a short digest is rejected", "ghcr.io/acme/web@sha256:abc", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if problem := imageProblem(tc.image); (problem == "") != tc.ok {
				t.Errorf("imageProblem(%q) = %q", tc.image, problem)
			}
		})
	}
}

func TestValidEdgeCasesAreAccepted(t *testing.T) {
	cases := []struct {
		name  string
		doc   string
		stage string
	}{
		{"a 4-character name like SCF's deno example passes", strings.Replace(head, "name: app", "name: deno", 1), ""},
		{"a 16-character name passes", strings.Replace(head, "name: app", "name: abcdefghijklmnop", 1), ""},
		{"the older awsApi@1.0 type passes", strings.Replace(head, "aws@1.0", "awsApi@1.0", 1), ""},
		{"a one-letter stage passes", head, "a"},
		{"a 16-character stage with digits and hyphens passes", head, "prod-eu-west-1ab"},
		{"AWS_REGION is allowed on Fargate", head + lines("    environment:", "      AWS_REGION: eu-west-1", "    compute:", "      type: awsFargateEcs"), ""},
		{"a container name with a trailing hyphen passes, as the rule allows", strings.Replace(head, "  web:", "  web-:", 1), ""},
		{"a 24-character container name passes", strings.Replace(head, "  web:", "  abcdefghijklmnopqrstuvwx:", 1), ""},
		{"the same path on two domains passes", head + "      domain: a.example.com\n" + lines("  api:", "    src: ./api", "    routing:", "      pathPattern: /*", "      domain: b.example.com"), ""},
		{"a 17-hex-digit VPC with two subnets each passes", withDeployment(lines("  awsVpc:", "    id: vpc-0a1b2c3d4e5f67890", "    publicSubnets: [subnet-0a1b2c3d4e5f67890, subnet-11111111]", "    privateSubnets: [subnet-0a1b2c3d4e5f67890, subnet-11111111]", "    s2sSecurityGroupId: sg-0a1b2c3d4e5f67890", "    loadBalancerSecurityGroupId: sg-12345678")), ""},
		{"a GovCloud role ARN passes", withDeployment(lines("  awsIam:", "    roleArn: arn:aws-us-gov:iam::123456789012:role/path/to/role")), ""},
		{"numbers written as strings pass, as variables yield strings", head + lines("    port: '3000'", "    compute:", "      awsLambda: {memory: '2048', vpc: 'false'}"), ""},
		{"an empty optional block passes", head + lines("    compute:", "      awsLambda:"), ""},
		{"a health check with a query string passes", head + "      pathHealthCheck: /health?full=1\n", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			mustLoad(t, tc.doc, Options{Stage: tc.stage})
		})
	}
}
