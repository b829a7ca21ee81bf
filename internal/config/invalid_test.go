package config

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
)

// head is a valid file; container "web" continues at line 9 with 4-space indented keys.
const head = `name: app
deployment:
  type: aws@1.0
containers:
  web:
    src: ./web
    routing:
      pathPattern: /*
`

// lines joins lines into a document fragment.
func lines(ls ...string) string { return strings.Join(ls, "\n") + "\n" }

// withDeployment is a valid file whose deployment block continues at line 4 (2-space
// indented keys) with extra.
func withDeployment(extra string) string {
	return "name: app\ndeployment:\n  type: aws@1.0\n" + extra + "containers:\n  web:\n    src: ./web\n    routing:\n      pathPattern: /*\n"
}

// withScale is head plus a Fargate scale list whose first policy starts at line 12.
func withScale(policies ...string) string {
	return head + lines(append([]string{"    compute:", "      awsFargateEcs:", "        scale:"}, policies...)...)
}

type want struct {
	path     string
	line     int
	contains string // part of the message saying what is valid
}

type invalidCase struct {
	name  string
	doc   string
	stage string
	want  []want
}

var invalidCases = []invalidCase{
	// name and stage
	{"a missing name is reported at the top of the file", "deployment:\n  type: aws@1.0\ncontainers:\n  web: {src: ., routing: {pathPattern: /*}}\n", "",
		[]want{{"name", 1, "add e.g. name: my-app"}}},
	{"a two-letter name is rejected with the naming rule", strings.Replace(head, "name: app", "name: ab", 1), "",
		[]want{{"name", 1, "use 3-16 letters, digits, hyphens and underscores"}}},
	{"a name with characters outside SCF's rule is rejected with a suggestion", strings.Replace(head, "name: app", "name: my.app", 1), "",
		[]want{{"name", 1, `e.g. "my-app"`}}},
	{"a name with a space is rejected", strings.Replace(head, "name: app", "name: my app", 1), "",
		[]want{{"name", 1, "SCF's rule"}}},
	{"a 17-character name is rejected", strings.Replace(head, "name: app", "name: abcdefghijklmnopq", 1), "",
		[]want{{"name", 1, "3-16 letters"}}},
	{"an uppercase stage is rejected with the stage rule", head, "Prod",
		[]want{{"stage", 0, "1-16 lowercase letters"}}},
	// file shape
	{"a YAML syntax error is reported with its line", "name: app\ndeployment:\n  type: aws@1.0\n containers: [\n", "",
		[]want{{"", 3, "invalid YAML"}}},
	{"a top-level list is rejected", "- name: app\n", "",
		[]want{{"", 1, "top level must be a mapping"}}},
	{"an empty file is rejected", "# nothing\n", "",
		[]want{{"", 0, "needs at least name, deployment and containers"}}},
	{"two YAML documents are rejected", head + "---\nname: other\n", "",
		[]want{{"", 9, "one configuration per file"}}},
	{"an alias that contains itself is rejected", "name: app\nx: &a [*a]\n", "",
		[]want{{"", 2, "must point at a complete, earlier value"}}},
	{"an unknown top-level key lists the valid keys", head + "region: us-east-1\n", "",
		[]want{{"region", 9, "valid keys here: name, org, frameworkVersion, stages, deployment, containers"}}},
	{"a duplicate key names the line of the first", head + "    src: ./other\n", "",
		[]want{{"containers.web.src", 9, "first set on line 6"}}},
	// deployment
	{"a missing deployment is reported", "name: app\ncontainers:\n  web: {src: ., routing: {pathPattern: /*}}\n", "",
		[]want{{"deployment", 1, "type: aws@1.0"}}},
	{"a missing deployment type names both accepted types", "name: app\ndeployment:\n  awsIam: {roleArn: 'arn:aws:iam::123456789012:role/r'}\ncontainers:\n  web: {src: ., routing: {pathPattern: /*}}\n", "",
		[]want{{"deployment.type", 2, "aws@1.0 or awsApi@1.0"}}},
	{"an unknown deployment type lists aws@1.0 and awsApi@1.0", strings.Replace(head, "aws@1.0", "aws@2.0", 1), "",
		[]want{{"deployment.type", 3, "use one of aws@1.0, awsApi@1.0"}}},
	{"an awsVpc without the load balancer security group is incomplete", withDeployment(lines("  awsVpc:", "    id: vpc-12345678", "    publicSubnets: [subnet-11111111, subnet-22222222]", "    privateSubnets: [subnet-33333333, subnet-44444444]", "    s2sSecurityGroupId: sg-12345678")), "",
		[]want{{"deployment.awsVpc.loadBalancerSecurityGroupId", 4, "bring all of id, publicSubnets"}}},
	{"an awsVpc with one public subnet needs two", withDeployment(lines("  awsVpc:", "    id: vpc-12345678", "    publicSubnets: [subnet-11111111]", "    privateSubnets: [subnet-33333333, subnet-44444444]", "    s2sSecurityGroupId: sg-12345678", "    loadBalancerSecurityGroupId: sg-87654321")), "",
		[]want{{"deployment.awsVpc.publicSubnets", 6, "at least two are required"}}},
	{"a malformed VPC id shows the valid shape", withDeployment(lines("  awsVpc:", "    id: vpc-xyz", "    publicSubnets: [subnet-11111111, subnet-22222222]", "    privateSubnets: [subnet-33333333, subnet-44444444]", "    s2sSecurityGroupId: sg-12345678", "    loadBalancerSecurityGroupId: sg-87654321")), "",
		[]want{{"deployment.awsVpc.id", 5, "vpc- followed by 8 or 17 hex digits"}}},
	{"a subnet listed twice is rejected", withDeployment(lines("  awsVpc:", "    id: vpc-12345678", "    publicSubnets: [subnet-11111111, subnet-22222222]", "    privateSubnets:", "      - subnet-33333333", "      - subnet-33333333", "    s2sSecurityGroupId: sg-12345678", "    loadBalancerSecurityGroupId: sg-87654321")), "",
		[]want{{"deployment.awsVpc.privateSubnets[1]", 9, "list each subnet once"}}},
	{"a malformed deployment role ARN shows the role ARN shape", withDeployment(lines("  awsIam:", "    roleArn: arn:aws:iam::123:role/x")), "",
		[]want{{"deployment.awsIam.roleArn", 5, "arn:aws:iam::<12-digit account>:role/<name>"}}},
	{"a malformed execution role ARN is rejected", withDeployment(lines("  awsFargateEcs:", "    executionRoleArn: arn:aws:iam::123456789012:user/x")), "",
		[]want{{"deployment.awsFargateEcs.executionRoleArn", 5, "is not an IAM role ARN"}}},
	{"a regional web ACL on CloudFront asks for a CLOUDFRONT-scope ACL in us-east-1", withDeployment(lines("  awsCloudFront:", "    wafAclArn: arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/a/b")), "",
		[]want{{"deployment.awsCloudFront.wafAclArn", 5, "CLOUDFRONT-scope web ACL, created in us-east-1"}}},
	{"a CloudFront web ACL outside us-east-1 is rejected", withDeployment(lines("  awsCloudFront:", "    wafAclArn: arn:aws:wafv2:eu-west-1:123456789012:global/webacl/a/b")), "",
		[]want{{"deployment.awsCloudFront.wafAclArn", 5, "always live in us-east-1"}}},
	{"a global web ACL on the ALB asks for a regional ACL", withDeployment(lines("  awsAlb:", "    wafAclArn: arn:aws:wafv2:us-east-1:123456789012:global/webacl/a/b")), "",
		[]want{{"deployment.awsAlb.wafAclArn", 5, "an ALB needs a REGIONAL web ACL"}}},
	{"an origin read timeout of 0 gives the range", withDeployment(lines("  awsCloudFront:", "    originReadTimeout: 0")), "",
		[]want{{"deployment.awsCloudFront.originReadTimeout", 5, "between 1 and 120"}}},
	{"an unknown price class lists the three", withDeployment(lines("  awsCloudFront:", "    priceClass: PriceClass_50")), "",
		[]want{{"deployment.awsCloudFront.priceClass", 5, "PriceClass_All, PriceClass_200, PriceClass_100"}}},
	{"a log retention CloudWatch does not offer lists the allowed values", withDeployment(lines("  logs:", "    retentionInDays: 31")), "",
		[]want{{"deployment.logs.retentionInDays", 5, "1, 3, 5, 7, 14, 30, 60"}}},
	{"drift repair must be a boolean", withDeployment(lines("  drift:", "    repair: sometimes")), "",
		[]want{{"deployment.drift.repair", 5, "must be true or false"}}},
	// containers
	{"missing containers are reported", "name: app\ndeployment:\n  type: aws@1.0\n", "",
		[]want{{"containers", 1, "add at least one"}}},
	{"an empty containers mapping is reported", "name: app\ndeployment:\n  type: aws@1.0\ncontainers: {}\n", "",
		[]want{{"containers", 4, "add at least one"}}},
	{"a container name with an underscore gives the naming rule", strings.Replace(head, "  web:", "  web_1:", 1), "",
		[]want{{"containers.web_1", 5, "up to 24 lowercase letters"}}},
	{"a 25-character container name is too long", strings.Replace(head, "  web:", "  abcdefghijklmnopqrstuvwxy:", 1), "",
		[]want{{"containers.abcdefghijklmnopqrstuvwxy", 5, "up to 24"}}},
	{"a container without src or image asks for an image", strings.Replace(head, "    src: ./web\n", "", 1), "",
		[]want{{"containers.web", 5, "needs image"}}},
	{"a container that is not a mapping is reported once", head + "  api: ./api\n", "",
		[]want{{"containers.api", 9, "must be a mapping with the keys src, image, port"}}},
	{"a misspelled container key suggests the right one", head + "    enviroment: {A: b}\n", "",
		[]want{{"containers.web.enviroment", 9, `did you mean "environment"?`}}},
	{"environment under compute says where it belongs", head + lines("    compute:", "      environment: {A: b}"), "",
		[]want{{"containers.web.compute.environment", 10, "belongs under containers.<name>"}}},
	{"an image without a registry shows the URI shape", head + "    image: nginx:latest\n", "",
		[]want{{"containers.web.image", 9, "<registry>/<repository>[:tag]"}}},
	{"an image with a short digest is rejected", head + "    image: public.ecr.aws/a/b@sha256:abc\n", "",
		[]want{{"containers.web.image", 9, "64 lowercase hex digits"}}},
	{"port 70000 is out of range", head + "    port: 70000\n", "",
		[]want{{"containers.web.port", 9, "between 1 and 65535"}}},
	{"a port that is not a number is rejected", head + "    port: http\n", "",
		[]want{{"containers.web.port", 9, "must be a whole number"}}},
	{"an environment variable name starting with a digit is rejected", head + lines("    environment:", "      1BAD: x"), "",
		[]want{{"containers.web.environment.1BAD", 10, "letters, digits and underscores"}}},
	{"AWS_REGION in a Lambda container's environment is reserved", head + lines("    environment:", "      AWS_REGION: us-east-1"), "",
		[]want{{"containers.web.environment.AWS_REGION", 10, "reserved by AWS Lambda"}}},
	{"an environment variable without a value is rejected", head + lines("    environment:", "      EMPTY:"), "",
		[]want{{"containers.web.environment.EMPTY", 10, `EMPTY: ""`}}},
	{"a Lambda environment above 4 KB is rejected", head + lines("    environment:", "      BIG: "+strings.Repeat("x", 4100)), "",
		[]want{{"containers.web.environment", 9, "4 KB AWS Lambda allows"}}},
	// routing
	{"a container without routing asks for a pathPattern", strings.Replace(head, "    routing:\n      pathPattern: /*\n", "", 1), "",
		[]want{{"containers.web.routing", 5, "set at least routing.pathPattern"}}},
	{"routing without a pathPattern is reported", strings.Replace(head, "      pathPattern: /*\n", "      domain: example.com\n", 1), "",
		[]want{{"containers.web.routing.pathPattern", 7, "e.g. /* or /api/*"}}},
	{"a pathPattern without a leading slash suggests one", strings.Replace(head, "pathPattern: /*", "pathPattern: api/*", 1), "",
		[]want{{"containers.web.routing.pathPattern", 8, `did you mean "/api/*"?`}}},
	{"a pathPattern with ? suggests the prefix form", strings.Replace(head, "pathPattern: /*", "pathPattern: /profile/202?", 1), "",
		[]want{{"containers.web.routing.pathPattern", 8, `use "/profile/*"`}}},
	{"a pathPattern with a * in the middle suggests the prefix form", strings.Replace(head, "pathPattern: /*", "pathPattern: /assets/*/images/*", 1), "",
		[]want{{"containers.web.routing.pathPattern", 8, `use "/assets/*"`}}},
	{"a pathPattern over 500 bytes is rejected", strings.Replace(head, "pathPattern: /*", "pathPattern: /"+strings.Repeat("a", 500), 1), "",
		[]want{{"containers.web.routing.pathPattern", 8, "500 bytes"}}},
	{"a pathHealthCheck without a leading slash is rejected", head + "      pathHealthCheck: health\n", "",
		[]want{{"containers.web.routing.pathHealthCheck", 9, `did you mean "/health"?`}}},
	{"a domain with a scheme suggests the bare host", head + "      domain: https://example.com/\n", "",
		[]want{{"containers.web.routing.domain", 9, `did you mean "example.com"?`}}},
	{"an uppercase domain suggests lowercase", head + "      domain: Example.com\n", "",
		[]want{{"containers.web.routing.domain", 9, `did you mean "example.com"?`}}},
	{"a domain with a trailing dot is rejected", head + "      domain: example.com.\n", "",
		[]want{{"containers.web.routing.domain", 9, "no scheme, path, port or trailing dot"}}},
	{"the same domain and path on two containers names the first", head + lines("  api:", "    src: ./api", "    routing:", "      pathPattern: /*"), "",
		[]want{{"containers.api.routing.pathPattern", 12, `already routed to container "web"`}}},
	// compute
	{"an unknown compute type suggests the close match", head + lines("    compute:", "      type: awsLamda"), "",
		[]want{{"containers.web.compute.type", 10, `use one of awsLambda, awsFargateEcs; did you mean "awsLambda"?`}}},
	{"Lambda memory of 64 gives the range", head + lines("    compute:", "      awsLambda:", "        memory: 64"), "",
		[]want{{"containers.web.compute.awsLambda.memory", 11, "between 128 and 10240"}}},
	{"a Lambda timeout of 901 gives the range", head + lines("    compute:", "      awsLambda:", "        timeout: 901"), "",
		[]want{{"containers.web.compute.awsLambda.timeout", 11, "between 1 and 900"}}},
	{"an unknown invoke mode lists both", head + lines("    compute:", "      awsLambda:", "        invokeMode: STREAM"), "",
		[]want{{"containers.web.compute.awsLambda.invokeMode", 11, "BUFFERED, RESPONSE_STREAM"}}},
	{"an unknown architecture lists both", head + lines("    compute:", "      awsLambda:", "        architecture: amd64"), "",
		[]want{{"containers.web.compute.awsLambda.architecture", 11, "x86_64, arm64"}}},
	{"a Lambda in a VPC needs deployment.awsVpc", head + lines("    compute:", "      awsLambda:", "        vpc: true"), "",
		[]want{{"containers.web.compute.awsLambda.vpc", 11, "needs deployment.awsVpc"}}},
	{"a Fargate cpu of 300 is rejected with the valid values", head + lines("    compute:", "      awsFargateEcs:", "        cpu: 300"), "",
		[]want{{"containers.web.compute.awsFargateEcs.cpu", 11, "256, 512, 1024, 2048, 4096, 8192, 16384"}}},
	{"Fargate memory of 512 with 1024 cpu lists the memory 1024 cpu allows", head + lines("    compute:", "      awsFargateEcs:", "        cpu: 1024", "        memory: 512"), "",
		[]want{{"containers.web.compute.awsFargateEcs.memory", 12, "2048, 3072, 4096, 5120, 6144, 7168, 8192 MiB with 1024 CPU units"}}},
	{"Fargate memory no cpu allows is checked against the default cpu", head + lines("    compute:", "      awsFargateEcs:", "        memory: 3000"), "",
		[]want{{"containers.web.compute.awsFargateEcs.memory", 11, "(the default cpu): Fargate allows 512, 1024, 2048"}}},
	{"roleArn and customPolicy together are rejected", head + lines("    compute:", "      awsIam:", "        roleArn: arn:aws:iam::123456789012:role/r", "        customPolicy: {Statement: []}"), "",
		[]want{{"containers.web.compute.awsIam.roleArn", 11, "cannot both be set"}}},
	{"a customPolicy that is a string is rejected", head + lines("    compute:", "      awsIam:", "        customPolicy: allow-all"), "",
		[]want{{"containers.web.compute.awsIam.customPolicy", 11, "a mapping with Version and Statement"}}},
	{"a customPolicy without Statement is rejected", head + lines("    compute:", "      awsIam:", "        customPolicy: {Version: '2012-10-17'}"), "",
		[]want{{"containers.web.compute.awsIam.customPolicy", 11, "Statement list"}}},
	// scale
	{"an unknown scale policy type lists the five", withScale("          - type: auto"), "",
		[]want{{"containers.web.compute.awsFargateEcs.scale[0].type", 12, "desired, min, max, target, step"}}},
	{"a key of another policy type is unknown in a min policy", withScale("          - type: min", "            min: 1", "            max: 3"), "",
		[]want{{"containers.web.compute.awsFargateEcs.scale[0].max", 14, "valid keys here: type, min"}}},
	{"a target policy without max asks for one", withScale("          - type: target", "            target: cpu"), "",
		[]want{{"containers.web.compute.awsFargateEcs.scale", 11, "add - { type: max, max: 10 }"}}},
	{"target and step policies together are rejected", withScale("          - {type: target, target: cpu}", "          - {type: max, max: 4}",
		"          - {type: step, adjustmentType: ChangeInCapacity, metricName: m, namespace: n, threshold: 1, comparisonOperator: GreaterThanThreshold, stepAdjustments: [{metricIntervalLowerBound: 0, scalingAdjustment: 1}]}"), "",
		[]want{{"containers.web.compute.awsFargateEcs.scale[2].type", 14, "use target tracking"}}},
	{"two cpu target policies are rejected", withScale("          - {type: target, target: cpu}", "          - {type: target, target: cpu, value: 50}", "          - {type: max, max: 4}"), "",
		[]want{{"containers.web.compute.awsFargateEcs.scale[1].target", 13, "each target (cpu, memory, albRequestsPerTarget) can have one policy"}}},
	{"an unknown target lists the three", withScale("          - {type: target, target: requests}", "          - {type: max, max: 4}"), "",
		[]want{{"containers.web.compute.awsFargateEcs.scale[0].target", 12, "cpu, memory, albRequestsPerTarget"}}},
	{"a target value of 150 gives the range", withScale("          - {type: target, target: cpu, value: 150}", "          - {type: max, max: 4}"), "",
		[]want{{"containers.web.compute.awsFargateEcs.scale[0].value", 12, "between 1 and 100"}}},
	{"a scale-in cooldown of 0 gives SCF's range", withScale("          - {type: target, target: cpu, scaleInCooldown: 0}", "          - {type: max, max: 4}"), "",
		[]want{{"containers.web.compute.awsFargateEcs.scale[0].scaleInCooldown", 12, "between 1 and 100"}}},
	{"min above max is rejected", withScale("          - {type: min, min: 5}", "          - {type: max, max: 2}", "          - {type: target, target: memory}"), "",
		[]want{{"containers.web.compute.awsFargateEcs.scale[0].min", 12, "min must be at most max"}}},
	{"a second min policy is rejected", withScale("          - {type: min, min: 1}", "          - {type: min, min: 2}"), "",
		[]want{{"containers.web.compute.awsFargateEcs.scale[1].type", 13, "keep one"}}},
	{"a desired policy without a count is rejected", withScale("          - type: desired"), "",
		[]want{{"containers.web.compute.awsFargateEcs.scale[0].desired", 12, "a whole number of tasks"}}},
	{"a step policy without metricName lists the required keys", withScale("          - type: step", "            adjustmentType: ChangeInCapacity", "            namespace: AWS/ECS", "            threshold: 75",
		"            comparisonOperator: GreaterThanThreshold", "            stepAdjustments: [{metricIntervalLowerBound: 0, scalingAdjustment: 1}]", "          - {type: max, max: 4}"), "",
		[]want{{"containers.web.compute.awsFargateEcs.scale[0].metricName", 12, "required: adjustmentType, stepAdjustments, metricName"}}},
	{"an unknown adjustment type lists the three", withScale("          - {type: step, adjustmentType: Add, metricName: m, namespace: n, threshold: 1, comparisonOperator: GreaterThanThreshold, stepAdjustments: [{metricIntervalLowerBound: 0, scalingAdjustment: 1}]}", "          - {type: max, max: 4}"), "",
		[]want{{"containers.web.compute.awsFargateEcs.scale[0].adjustmentType", 12, "ChangeInCapacity, PercentChangeInCapacity, ExactCapacity"}}},
	{"an unknown comparison operator lists the four", withScale("          - {type: step, adjustmentType: ExactCapacity, metricName: m, namespace: n, threshold: 1, comparisonOperator: Above, stepAdjustments: [{metricIntervalLowerBound: 0, scalingAdjustment: 1}]}", "          - {type: max, max: 4}"), "",
		[]want{{"containers.web.compute.awsFargateEcs.scale[0].comparisonOperator", 12, "GreaterThanOrEqualToThreshold, GreaterThanThreshold"}}},
	{"an unknown metric aggregation lists the three", withScale("          - {type: step, adjustmentType: ExactCapacity, metricName: m, namespace: n, threshold: 1, comparisonOperator: LessThanThreshold, metricAggregationType: Sum, stepAdjustments: [{metricIntervalLowerBound: 0, scalingAdjustment: 1}]}", "          - {type: max, max: 4}"), "",
		[]want{{"containers.web.compute.awsFargateEcs.scale[0].metricAggregationType", 12, "Average, Minimum, Maximum"}}},
	{"a step adjustment without bounds needs one", withScale("          - type: step", "            adjustmentType: ChangeInCapacity", "            metricName: m", "            namespace: n", "            threshold: 1",
		"            comparisonOperator: GreaterThanThreshold", "            stepAdjustments:", "              - scalingAdjustment: 1", "          - {type: max, max: 4}"), "",
		[]want{{"containers.web.compute.awsFargateEcs.scale[0].stepAdjustments[0]", 19, "needs metricIntervalLowerBound, metricIntervalUpperBound or both"}}},
	{"a gap between step adjustments is rejected", withScale("          - type: step", "            adjustmentType: ChangeInCapacity", "            metricName: m", "            namespace: n", "            threshold: 1",
		"            comparisonOperator: GreaterThanThreshold", "            stepAdjustments:", "              - {metricIntervalLowerBound: 0, metricIntervalUpperBound: 10, scalingAdjustment: 1}",
		"              - {metricIntervalLowerBound: 20, scalingAdjustment: 2}", "          - {type: max, max: 4}"), "",
		[]want{{"containers.web.compute.awsFargateEcs.scale[0].stepAdjustments[1].metricIntervalLowerBound", 20, "must start where the previous one ends (10)"}}},
	{"a step adjustment whose upper bound is below its lower bound is rejected", withScale("          - type: step", "            adjustmentType: ChangeInCapacity", "            metricName: m", "            namespace: n", "            threshold: 1",
		"            comparisonOperator: GreaterThanThreshold", "            stepAdjustments:", "              - {metricIntervalLowerBound: 10, metricIntervalUpperBound: 5, scalingAdjustment: 1}", "          - {type: max, max: 4}"), "",
		[]want{{"containers.web.compute.awsFargateEcs.scale[0].stepAdjustments[0].metricIntervalUpperBound", 19, "must be greater than metricIntervalLowerBound"}}},
	// variables
	{"an unsupported variable source lists the supported ones", head + lines("    environment:", "      DB: ${vault:secret/db}"), "",
		[]want{{"containers.web.environment.DB", 10, "supported: ${param:name}, ${self:path.to.key}, ${ssm:/parameter}"}}},
	{"an undefined param says where berth looked", head + lines("    environment:", "      DOMAIN: ${param:domain}"), "",
		[]want{{"containers.web.environment.DOMAIN", 10, "berth looked in stages.dev.params and stages.default.params"}}},
	{"a self reference to a missing key is rejected", head + lines("    environment:", "      X: ${self:custom.value}"), "",
		[]want{{"containers.web.environment.X", 10, "use the dotted path of an existing value"}}},
	{"an unterminated variable is rejected", head + lines("    environment:", "      X: ${param:x"), "",
		[]want{{"containers.web.environment.X", 10, `no closing "}"`}}},
	{"a self reference cycle is rejected", head + lines("    environment:", "      A: ${self:containers.web.environment.B}", "      B: ${self:containers.web.environment.A}"), "",
		[]want{{"containers.web.environment.B", 11, "replace one of the references with a plain value"}}},
	{"a stage parameter without a value is rejected", "name: app\nstages:\n  default:\n    params:\n      domain:\n" + head[10:], "",
		[]want{{"stages.default.params.domain", 5, `use "" for an empty string`}}},
}

func TestInvalidConfigsReportPathLineAndWhatIsValid(t *testing.T) {
	if len(invalidCases) < 45 {
		t.Fatalf("want at least 45 invalid cases, have %d", len(invalidCases))
	}
	for _, tc := range invalidCases {
		t.Run(tc.name, func(t *testing.T) {
			diags := mustErrors(t, tc.doc, Options{File: "test.yml", Stage: tc.stage})
			assertDiagnostics(t, diags, tc.want)
		})
	}
}

// assertDiagnostics checks that diags are exactly want (in order of position).
func assertDiagnostics(t *testing.T, diags []Diagnostic, wants []want) {
	t.Helper()
	var got strings.Builder
	for _, d := range diags {
		fmt.Fprintf(&got, "\n  %s", d.Format("test.yml"))
	}
	if len(diags) != len(wants) {
		t.Fatalf("want %d diagnostics, got %d:%s", len(wants), len(diags), got.String())
	}
	for i, w := range wants {
		d := diags[i]
		if d.Path != w.path || d.Line != w.line || !strings.Contains(d.Message, w.contains) {
			t.Errorf("diagnostic %d: want %s at line %d containing %q; got:%s", i, w.path, w.line, w.contains, got.String())
		}
	}
}

func TestFilesWithManyErrorsReportThemAllTogether(t *testing.T) {
	cases := []struct {
		name string
		file string
		want []want
	}{
		{"a file with one mistake per section reports all ten", "testdata/invalid/many-errors.yml", []want{
			{"name", 2, "3-16 letters"},
			{"deployment.awsCloudFront.wafAclArn", 6, "CLOUDFRONT-scope"},
			{"deployment.awsCloudFront.pricClass", 7, `did you mean "priceClass"?`},
			{"containers.api.image", 10, "<registry>/<repository>"},
			{"containers.api.environment.TOKEN", 13, "supported:"},
			{"containers.api.routing.domain", 15, `did you mean "api.example.com"?`},
			{"containers.api.routing.pathPattern", 16, `use "/api/*"`},
			{"containers.api.compute.awsFargateEcs.memory", 21, "2048, 3072"},
			{"containers.web.compute.awsLambda.memory", 28, "between 128 and 10240"},
			{"containers.web.compute.awsLambda.vpc", 29, "needs deployment.awsVpc"},
		}},
		{"a scaling list with five mistakes reports all five", "testdata/invalid/scaling-errors.yml", []want{
			{"containers.worker.compute.awsFargateEcs.scale", 13, "a max policy is required"},
			{"containers.worker.compute.awsFargateEcs.scale[1].value", 18, "between 1 and 100"},
			{"containers.worker.compute.awsFargateEcs.scale[2].target", 20, "can have one policy"},
			{"containers.worker.compute.awsFargateEcs.scale[3].type", 21, "cannot be combined"},
			{"containers.worker.compute.awsFargateEcs.scale[3].stepAdjustments[1]", 30, "only the last step may be open-ended"},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			data, err := os.ReadFile(tc.file)
			if err != nil {
				t.Fatal(err)
			}
			assertDiagnostics(t, mustErrors(t, string(data), Options{File: "test.yml"}), tc.want)
		})
	}
}

func TestYAMLTagsAreRefusedWithTheirKeyPath(t *testing.T) {
	for _, c := range []struct{ name, doc, path string }{
		{"a !Sub scalar", strings.Replace(head, "pathPattern: /*", "pathPattern: !Sub /${AWS::Region}/*", 1), "containers.web.routing.pathPattern"},
		{"a !GetAtt in a list", head + "    environment: {A: [x, !GetAtt Table.Arn]}\n", "containers.web.environment.A[1]"},
		{"a tagged mapping", head + "    environment: !If {A: b}\n", "containers.web.environment"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := loadOffline(c.doc)
			var errs *Errors
			if !errors.As(err, &errs) || len(errs.Diagnostics) != 1 || errs.Diagnostics[0].Path != c.path || !strings.Contains(errs.Diagnostics[0].Message, "is not supported") {
				t.Fatalf("want one YAML tag error at %s, got %v", c.path, err)
			}
		})
	}
	if _, err := loadOffline(strings.Replace(head, "pathPattern: /*", "pathPattern: !!str /*", 1)); err != nil {
		t.Errorf("a standard !!str tag must stay accepted: %v", err)
	}
}
