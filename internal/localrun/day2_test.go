package localrun

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/aws-sdk-go-v2/service/wafv2"
	waftypes "github.com/aws/aws-sdk-go-v2/service/wafv2/types"

	"github.com/berth-dev/berth/internal/images"
	"github.com/berth-dev/berth/internal/plan"
	ecrprov "github.com/berth-dev/berth/internal/provision/ecr"
)

// The day-2 suite: the changes users make to a running app, each through the real state
// machine and handlers. Scenarios run in chains, one emulator session per chain, each
// scenario's v1 being the previous one's v2 (a first deployment is the costliest step).
// Per scenario: v1→v2 with a fault injected at a task, which must roll the account back
// to v1 exactly (every observed attribute, task definition revisions and images
// included), so the next fault run starts from v1 → deploy v2 → what changed is live
// (read from AWS, not from the plan) and a drift check is clean → redeploying v2 makes no
// mutating call.
//
// Faults: by default each scenario is faulted at one task of its rotation (a
// deterministic pick, so the suite covers every task across scenarios); with
// BERTH_DAY2_FULL=1 at every task its v2 deployment invokes.

type day2Chain struct {
	name string
	v1   string // the chain's first config, in testdata/day2
	// setup runs before v1 (what configs refer to: a hosted zone, a web ACL, a
	// parameter) and returns text to replace in every version (an ARN it created).
	setup func(t *testing.T, s *Session) map[string]string
	// sources is a directory under testdata/day2 holding the containers' src trees: it
	// is copied to a temporary directory, where every version is deployed from.
	sources   string
	scenarios []day2Case
}

type day2Case struct {
	name  string
	edits []string // old, new pairs that turn v1 into v2 (each must match)
	// between runs with v1 live, before v2 (a secret rotated behind the same reference).
	between func(t *testing.T, s *Session)
	// files are written into the chain's sources (path: content) with v1 live, before v2.
	files map[string]string
	// builds are the containers v1→v2 builds, over all its deployments (fault runs
	// included: a rolled-back build's image stays, so the next try builds nothing);
	// checked in chains with sources.
	builds []string
	// noChange: v2 is v1, and deploying it makes no mutating call.
	noChange bool
	// rollsBack: v2's deployment fails with this in its error and leaves the account at v1
	// (every observed attribute); nothing else is checked.
	rollsBack string
	// want are live values after v2 (keys of liveState; "" is absent). An image is
	// written by tag and compared pinned: at the digest the tag has in ECR then.
	want map[string]string
	// distUpdates is the UpdateDistribution calls v1→v2 makes.
	distUpdates int
	// ops are exact counts of these operations in v1→v2.
	ops map[string]int
	// touches are the apply tasks (compute, alb, cdn) v2's steps run in.
	touches []string
	// alsoFault are tasks faulted besides the rotation's pick, in every run.
	alsoFault []string
	// recreates: v2 deletes something a rollback must create again, with new AWS ids.
	recreates bool
	// noFaults: the scenario's fault runs are left out (see its comment).
	noFaults bool
}

const ecrPrefix = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/"

var day2Chains = []day2Chain{
	{name: "lambda side of a mixed app", v1: "base.yml", scenarios: []day2Case{
		// The function runs the image with the Web Adapter appended, from the app's repository.
		{name: "a new image on Lambda",
			edits:   []string{"shop-api:1.0", "shop-api:1.1"},
			want:    map[string]string{"fn:api.image": withAdapter + ecrPrefix + "shop-api:1.1"},
			ops:     map[string]int{"UpdateFunctionCode": 1},
			touches: []string{"compute"}},
		// The same tag pushed again with new content: the plan sees the new digest.
		{name: "the same image tag re-pushed on Lambda",
			between: repush(ecrPrefix + "shop-api:1.1"),
			want:    map[string]string{"fn:api.image": withAdapter + ecrPrefix + "shop-api:1.1"},
			ops:     map[string]int{"UpdateFunctionCode": 1},
			touches: []string{"compute"}},
		{name: "an environment change on Lambda",
			edits:   []string{"LOG_LEVEL: info", "LOG_LEVEL: debug"},
			want:    map[string]string{"fn:api.env.LOG_LEVEL": "debug"},
			touches: []string{"compute"}},
		{name: "a Lambda memory and timeout change",
			edits:   []string{"{ memory: 512, timeout: 10 }", "{ memory: 1024, timeout: 20 }"},
			want:    map[string]string{"fn:api.memory": "1024", "fn:api.timeout": "20"},
			touches: []string{"compute"}},
		{name: "a container added",
			edits:   []string{"  web:\n", adminContainer + "  web:\n"},
			want:    map[string]string{"fn:admin.image": withAdapter + ecrPrefix + "shop-admin:1.0", "route:/admin/*": "admin"},
			touches: []string{"compute", "cdn"}},
		// Only the route table changes: one cdn step moves the key. A fault at verify, after
		// the table was written, must put the old key back (an update to the previous props).
		{name: "a pathPattern change",
			edits:   []string{"pathPattern: /api/*", "pathPattern: /v2/*"},
			want:    map[string]string{"route:/v2/*": "api", "route:/api/*": ""},
			touches: []string{"cdn"}, alsoFault: []string{"verify"}},
		// admin stays on Lambda, so the distribution keeps its body signer: no update.
		{name: "a Lambda container switched to Fargate with an environment change in the same deploy",
			edits: []string{"LOG_LEVEL: debug", "LOG_LEVEL: trace",
				"      type: awsLambda\n      awsLambda: { memory: 1024, timeout: 20 }", "      type: awsFargateEcs"},
			want:    map[string]string{"task:api.env.LOG_LEVEL": "trace", "fn:api.image": "", "route:/v2/*": "api"},
			touches: []string{"compute", "alb", "cdn"}, recreates: true},
	}},
	{name: "fargate side of a mixed app", v1: "base.yml", scenarios: []day2Case{
		{name: "a new image on Fargate",
			edits:   []string{"shop-web:1.0", "shop-web:1.1"},
			want:    map[string]string{"task:web.image": ecrPrefix + "shop-web:1.1"},
			touches: []string{"compute"}},
		{name: "the same image tag re-pushed on Fargate",
			between: repush(ecrPrefix + "shop-web:1.1"),
			want:    map[string]string{"task:web.image": ecrPrefix + "shop-web:1.1"},
			touches: []string{"compute"}},
		{name: "an environment change on Fargate",
			edits:   []string{"THEME: light", "THEME: dark"},
			want:    map[string]string{"task:web.env.THEME": "dark"},
			touches: []string{"compute"}},
		{name: "a Fargate cpu and memory change",
			edits:   []string{"cpu: 256\n        memory: 512", "cpu: 512\n        memory: 1024"},
			want:    map[string]string{"task:web.cpu": "512", "task:web.memory": "1024"},
			touches: []string{"compute"}},
		{name: "scaling changes from min/max with a target to a step policy",
			edits: []string{"{ type: min, min: 1 }", "{ type: min, min: 2 }", "{ type: max, max: 4 }", "{ type: max, max: 6 }",
				"{ type: target, target: cpu, value: 70 }", stepPolicy},
			want:    map[string]string{"scale:web.min": "2", "scale:web.max": "6", "scale:web.policies": "StepScaling"},
			touches: []string{"compute"}, recreates: true},
		{name: "a health-check path change",
			edits:   []string{"pathHealthCheck: /health", "pathHealthCheck: /healthz"},
			want:    map[string]string{"tg:web.healthCheckPath": "/healthz"},
			touches: []string{"alb"}},
		// The ALB origin's read timeout is a distribution setting (and the ALB's idle timeout).
		{name: "an originReadTimeout change",
			edits:       []string{"  type: aws@1.0\n", "  type: aws@1.0\n  awsCloudFront:\n    originReadTimeout: 90\n"},
			want:        map[string]string{"lb.idleTimeout": "90"},
			distUpdates: 1, touches: []string{"alb", "cdn"}},
	}},
	{name: "edge of a Lambda-only app", v1: "lambda-only.yml",
		setup: func(t *testing.T, s *Session) map[string]string {
			hostedZone(t, s)
			return map[string]string{webACLArnToken: webACL(t, s)}
		},
		scenarios: []day2Case{
			{name: "a custom domain added",
				edits:       []string{"pathPattern: /*", "pathPattern: /*\n      domain: www.example.com"},
				want:        map[string]string{"dist.aliases": "www.example.com", "route:www.example.com/*": "site"},
				distUpdates: 1, touches: []string{"cdn"}},
			{name: "a custom domain removed",
				edits:       []string{"\n      domain: www.example.com", ""},
				want:        map[string]string{"dist.aliases": "", "route:/*": "site"},
				distUpdates: 1, touches: []string{"cdn"}, recreates: true},
			{name: "a WAF web ACL added",
				edits:       []string{"  type: aws@1.0\n", "  type: aws@1.0\n  awsCloudFront:\n    wafAclArn: " + webACLArnToken + "\n"},
				want:        map[string]string{"dist.webAcl": "set"},
				distUpdates: 1, touches: []string{"cdn"}},
			{name: "a WAF web ACL removed",
				edits:       []string{"  awsCloudFront:\n    wafAclArn: " + webACLArnToken + "\n", ""},
				want:        map[string]string{"dist.webAcl": ""},
				distUpdates: 1, touches: []string{"cdn"}},
			{name: "a container removed",
				edits:   []string{siteContainer, ""},
				want:    map[string]string{"route:/*": "", "fn:site.image": ""},
				touches: []string{"compute", "cdn"}, recreates: true},
		}},
	{name: "integrations", v1: "integrations.yml", scenarios: []day2Case{
		{name: "an awsEventBridge integration added on Lambda",
			edits: []string{"        webhookPath: /events\n", "        webhookPath: /events\n" + ordersIntegration},
			want: map[string]string{"rule:worker.orders.pattern": `{"source":["acme.orders"]}`, "rule:worker.orders.targets": "worker",
				"fn:worker.env.AWS_LWA_PASS_THROUGH_PATH": "/events"},
			touches: []string{"compute"}},
		{name: "an event pattern changed",
			edits:   []string{"source: [acme.orders]", "source: [acme.orders]\n          detail-type: [Order Placed]"},
			want:    map[string]string{"rule:worker.orders.pattern": `{"detail-type":["Order Placed"],"source":["acme.orders"]}`, "rule:worker.orders.targets": "worker"},
			touches: []string{"compute"}},
		{name: "an awsEventBridge integration removed",
			edits:   []string{ordersIntegration + "          detail-type: [Order Placed]\n", ""},
			want:    map[string]string{"rule:worker.orders.pattern": "", "rule:worker.orders.targets": ""},
			touches: []string{"compute"}, recreates: true},
	}},
	// Integrations on Fargate (issue 16, item 5): the first ones bring the container's
	// connection, events role, webhook listener rule and routes, one API destination and
	// rule per integration; the last ones removed take all of it away.
	{name: "integrations on fargate", v1: "fargate-integrations.yml", scenarios: []day2Case{
		{name: "a schedule and an awsEventBridge integration added on Fargate",
			edits: []string{"      type: awsFargateEcs\n", "      type: awsFargateEcs\n" + fargateIntegrations},
			want: map[string]string{"rule:worker.nightly.schedule": "cron(0 3 * * ? *)", "rule:worker.nightly.targets": "POST /jobs/nightly as role",
				"rule:worker.orders.pattern": `{"source":["acme.orders"]}`, "rule:worker.orders.targets": "POST /jobs/orders as role",
				"conn:worker": "API_KEY " + plan.WebhookKeyHeader, "route:/jobs/orders": plan.WebhookRoute("worker"),
				"route:/jobs/nightly": plan.WebhookRoute("worker"), "route:/*": "worker"},
			touches: []string{"compute", "alb", "cdn"}},
		{name: "an event pattern changed on Fargate",
			edits:   []string{"source: [acme.orders]", "source: [acme.orders]\n          detail-type: [Order Placed]"},
			want:    map[string]string{"rule:worker.orders.pattern": `{"detail-type":["Order Placed"],"source":["acme.orders"]}`, "rule:worker.orders.targets": "POST /jobs/orders as role"},
			touches: []string{"compute"}},
		{name: "the integrations removed from Fargate",
			edits: []string{fargateIntegrations + "          detail-type: [Order Placed]\n", ""},
			want: map[string]string{"rule:worker.nightly.schedule": "", "rule:worker.orders.pattern": "", "rule:worker.orders.targets": "",
				"conn:worker": "", "route:/jobs/orders": "", "route:/jobs/nightly": "", "route:/*": "worker"},
			touches: []string{"compute", "alb", "cdn"}, recreates: true},
	}},
	{name: "secrets", v1: "secret.yml",
		setup: func(t *testing.T, s *Session) map[string]string {
			putParameter(t, s, "/berth/shop/dev/db-password", "first")
			// Shared by every stage: ${env:API_KEY} falls back to it (config.EnvParameters).
			putParameter(t, s, "/berth/shop/env/API_KEY", "shared-key")
			return nil
		},
		scenarios: []day2Case{
			// No fault runs: a rollback re-resolves ${ssm:}, so it cannot bring back a value
			// rotated in SSM itself (berth never stores secret values).
			{name: "a secret rotated in SSM behind the same reference reaches both containers",
				between: func(t *testing.T, s *Session) { putParameter(t, s, "/berth/shop/dev/db-password", "second") },
				want: map[string]string{"fn:api.env.DB_PASSWORD": "second",
					"task:web.secret.DB_PASSWORD": "arn:aws:ssm:eu-west-1:123456789012:parameter/berth/shop/dev/db-password"},
				touches: []string{"compute"}, noFaults: true},
			// ECS injects the ${env:} value from the parameter the resolver found it in (the
			// app's shared one), and the execution role, read back from IAM, may read and
			// decrypt exactly the task's parameters. The rotation is a new task definition
			// revision (its fingerprint label), which the service rolls out. No fault runs,
			// as above: a rollback re-resolves the rotated value.
			{name: "a rotated secret on Fargate, with an ${env:} value shared by every stage",
				between: func(t *testing.T, s *Session) { putParameter(t, s, "/berth/shop/dev/db-password", "third") },
				edits:   []string{"      THEME: light\n", "      THEME: light\n      API_KEY: ${env:API_KEY}\n"},
				want: map[string]string{
					"task:web.secret.API_KEY":          "arn:aws:ssm:eu-west-1:123456789012:parameter/berth/shop/env/API_KEY",
					"task:web.fingerprint.DB_PASSWORD": fingerprintOf + "DB_PASSWORD=third",
					"task:web.execReads":               "all", "task:web.execDecrypts": "all", "task:web.execReadsOther": "denied",
					"fn:api.env.DB_PASSWORD": "third"},
				touches: []string{"compute"}, noFaults: true},
		}},
	// The ALB is internal and CloudFront reaches it only through a VPC origin: the first
	// Fargate container brings the ALB, its group admitting only CloudFront's VPC-origins
	// group, the VPC origin and the distribution's origin through it; the last one takes
	// them away (issue 13, item 1). Both are also faulted at cdn: for the addition, after
	// the ALB side exists and before the distribution reaches it.
	{name: "fargate in a Lambda-only app", v1: "lambda-only.yml", scenarios: []day2Case{
		{name: "the first Fargate container added to a Lambda-only app",
			edits: []string{"containers:\n", "containers:\n" + webFargateContainer},
			want: map[string]string{"task:web.image": ecrPrefix + "shop-web:1.0", "route:/web/*": "web",
				"lb.scheme": "internal", "vpcOrigin.status": "Deployed", "vpcOrigin.alb": "app ALB", "dist.vpcOrigin": "app VPC origin",
				"sg:alb.ingress":  "tcp 80-80 from " + plan.CloudFrontVpcOriginsGroup,
				"sg:task.ingress": "tcp 0-65535 from sg:alb"},
			distUpdates: 1, touches: []string{"compute", "alb", "cdn"}, alsoFault: []string{"cdn"}},
		{name: "the last Fargate container removed",
			edits: []string{webFargateContainer, ""},
			want: map[string]string{"task:web.image": "", "route:/web/*": "", "lb.scheme": "", "vpcOrigin.status": "",
				"vpcOrigin.alb": "", "dist.vpcOrigin": "", "sg:alb.ingress": "", "sg:task.ingress": ""},
			distUpdates: 1, touches: []string{"compute", "alb", "cdn"}, alsoFault: []string{"cdn", "verify"}, recreates: true},
	}},
	// Images built from src (issue 17): only what changed builds, and a failed build
	// changes nothing that runs.
	{name: "source builds", v1: "builds.yml", sources: "builds", scenarios: []day2Case{
		{name: "unchanged source redeploys with 0 mutating calls", noChange: true, noFaults: true},
		{name: "one file changed in one container rebuilds only that container",
			files:   map[string]string{"api/server.js": "require('http').createServer((q, r) => r.end('v2')).listen(8080);\n"},
			builds:  []string{"api"},
			ops:     map[string]int{"UpdateFunctionCode": 1, "RegisterTaskDefinition": 0},
			touches: []string{"compute"}},
		// The buildpacks container gets a Dockerfile: a new source, built the other way.
		{name: "a Dockerfile added to a buildpacks container",
			files:   map[string]string{"web/Dockerfile": "FROM public.ecr.aws/docker/library/node:22-alpine\nCOPY . /app\nCMD [\"node\", \"/app/index.js\"]\n"},
			builds:  []string{"web"},
			ops:     map[string]int{"UpdateFunctionCode": 0, "RegisterTaskDefinition": 1},
			touches: []string{"compute"}},
		// The build fails before any running resource changes (its failure is the fault: no
		// fault runs).
		{name: "a failed build rolls back to the previous images",
			files:     map[string]string{"api/" + FailBuildMarker: "1"},
			rollsBack: "BuildFailedError", noFaults: true},
	}},
	// A private app (issue 13, item 2): no CloudFront, so no cdn step but for the custom
	// domain's certificate and records; each change reaches the internal ALB's listener
	// rules, read back from ELBv2 (path:<host><pattern> = "<port> <target type>:<container>",
	// "+fn" when the Lambda is registered in its target group). The domain brings HTTPS:
	// the certificate, the 443 listener carrying the rules, the redirect on 80 and the
	// alias in the private zone; removing it takes them away.
	{name: "private app", v1: "private.yml",
		setup: func(t *testing.T, s *Session) map[string]string {
			hostedZone(t, s) // the validation record's public zone
			return map[string]string{privateZoneToken: privateHostedZone(t, s)}
		},
		scenarios: []day2Case{
			{name: "a new image on the Fargate container",
				edits:   []string{"shop-web:1.0", "shop-web:1.1"},
				want:    map[string]string{"task:web.image": ecrPrefix + "shop-web:1.1", "path:/*": "80 ip:web"},
				touches: []string{"compute"}},
			{name: "an environment change on the Lambda container",
				edits:   []string{"LOG_LEVEL: info", "LOG_LEVEL: debug"},
				want:    map[string]string{"fn:api.env.LOG_LEVEL": "debug", "path:/api/*": "80 lambda:api +fn"},
				touches: []string{"compute"}},
			{name: "a pathPattern change",
				edits:   []string{"pathPattern: /api/*", "pathPattern: /v2/*"},
				want:    map[string]string{"path:/v2/*": "80 lambda:api +fn", "path:/api/*": ""},
				touches: []string{"alb"}},
			{name: "a container added",
				edits:   []string{"  web:\n", adminContainer + "  web:\n"},
				want:    map[string]string{"fn:admin.image": withAdapter + ecrPrefix + "shop-admin:1.0", "path:/admin/*": "80 lambda:admin +fn"},
				touches: []string{"compute", "alb"}},
			{name: "a Lambda container switched to Fargate",
				edits: []string{"      type: awsLambda\n      awsLambda: { memory: 512, timeout: 10 }", "      type: awsFargateEcs"},
				want: map[string]string{"task:api.env.LOG_LEVEL": "debug", "fn:api.image": "", "path:/v2/*": "80 ip:api",
					"path:/admin/*": "80 lambda:admin +fn"},
				touches: []string{"compute", "alb"}, recreates: true},
			{name: "a custom domain added",
				edits: []string{"  private: true\n", "  private: true\n  awsAlb:\n    privateHostedZoneId: " + privateZoneToken + "\n",
					"pathPattern: /*", "pathPattern: /*\n      domain: www.example.com"},
				want: map[string]string{"listener:443": "HTTPS fixed-response cert www.example.com", "listener:80": "HTTP redirect HTTPS:443 HTTP_301",
					"path:www.example.com/*": "443 ip:web", "path:/v2/*": "443 ip:api", "path:/admin/*": "443 lambda:admin +fn",
					"dns:private:www.example.com A": "alias app ALB", "dns:public:www.example.com A": "",
					"certificates": "www.example.com@eu-west-1"},
				touches: []string{"alb", "cdn"}, recreates: true},
			{name: "a custom domain removed",
				edits: []string{"  awsAlb:\n    privateHostedZoneId: " + privateZoneToken + "\n", "", "\n      domain: www.example.com", ""},
				want: map[string]string{"listener:443": "", "listener:80": "HTTP fixed-response", "path:/*": "80 ip:web",
					"path:www.example.com/*": "", "dns:private:www.example.com A": "", "certificates": ""},
				touches: []string{"alb", "cdn"}, recreates: true},
		}},
}

// privateZoneToken is replaced by the id of the private hosted zone privateHostedZone made.
const privateZoneToken = "PRIVATE_ZONE_ID"

// fingerprintOf+"NAME=value" in a want is the label berth gives the secret NAME of that
// value: the installation-keyed fingerprint (plan.Fingerprint), cut as ECS labels carry it.
const fingerprintOf = "fingerprint of "

const stepPolicy = `{ type: step, adjustmentType: ChangeInCapacity, metricName: CPUUtilization, namespace: AWS/ECS,
              threshold: 80, comparisonOperator: GreaterThanThreshold,
              stepAdjustments: [ { metricIntervalLowerBound: 0, scalingAdjustment: 1 } ] }`

const ordersIntegration = `      orders:
        type: awsEventBridge
        webhookPath: /events
        pattern:
          source: [acme.orders]
`

const fargateIntegrations = `    integrations:
      nightly:
        type: schedule
        schedule: cron(0 3 * * ? *)
        webhookPath: /jobs/nightly
      orders:
        type: awsEventBridge
        webhookPath: /jobs/orders
        pattern:
          source: [acme.orders]
`

const adminContainer = `  admin:
    image: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop-admin:1.0
    routing:
      pathPattern: /admin/*
    compute:
      type: awsLambda
`

const siteContainer = `  site:
    image: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop-site:1.0
    routing:
      pathPattern: /*
    compute:
      type: awsLambda
`

const webFargateContainer = `  web:
    image: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop-web:1.0
    routing:
      pathPattern: /web/*
      pathHealthCheck: /health
    compute:
      type: awsFargateEcs
`

// webACLArnToken is replaced by the ARN of the web ACL webACL created.
const webACLArnToken = "WEB_ACL_ARN"

// allTasks are the deploy state machine's Lambda tasks in the order a deployment runs them.
var allTasks = []string{"validate", "lock", "plan", "compute", "alb", "cdn", "verify", "commit"}

// faultTasks are the tasks a scenario's v2 deployment invokes.
func (c day2Case) faultTasks() []string {
	var out []string
	for _, task := range allTasks {
		switch task {
		case "compute", "alb", "cdn":
			if !containsString(c.touches, task) {
				continue
			}
		}
		out = append(out, task)
	}
	return out
}

func containsString(xs []string, x string) bool {
	for _, y := range xs {
		if x == y {
			return true
		}
	}
	return false
}

// day2Measure is one scenario's v1→v2 deployment, for the closing table.
type day2Measure struct {
	name                  string
	mutating, distUpdates int
	wall                  time.Duration
	faults                []string
}

func TestDay2Changes(t *testing.T) {
	// Parallel with the package's other tests: as a sequential test it held them all back
	// until its longest chain ended, which then ran alone.
	t.Parallel()
	full := os.Getenv("BERTH_DAY2_FULL") == "1"
	var measures [][]day2Measure
	t.Run("chains", func(t *testing.T) {
		n := 0 // scenarios so far: the fault rotation runs across chains
		for _, ch := range day2Chains {
			measures = append(measures, make([]day2Measure, len(ch.scenarios)))
			runDay2Chain(t, ch, n, full, measures[len(measures)-1])
			n += len(ch.scenarios)
		}
	})
	var b strings.Builder
	fmt.Fprintf(&b, "\n%-88s %8s %12s %8s  %s\n", "scenario (v1→v2)", "mutating", "dist updates", "wall", "faults rolled back")
	for _, ms := range measures {
		for _, m := range ms {
			if m.name != "" { // "" when not run (-run, or an earlier scenario failed)
				fmt.Fprintf(&b, "%-88s %8d %12d %8s  %s\n", m.name, m.mutating, m.distUpdates, m.wall.Round(10*time.Millisecond), strings.Join(m.faults, ","))
			}
		}
	}
	t.Log(b.String())
}

func runDay2Chain(t *testing.T, ch day2Chain, n int, full bool, measures []day2Measure) {
	t.Run(ch.name, func(t *testing.T) {
		s := newSession(t)
		var tokens map[string]string
		if ch.setup != nil {
			tokens = ch.setup(t, s)
		}
		dir := "" // where the versions are deployed from: their src paths are relative to it
		if ch.sources != "" {
			dir = t.TempDir()
			if err := os.CopyFS(dir, os.DirFS(filepath.Join("testdata", "day2", ch.sources))); err != nil {
				t.Fatal(err)
			}
		}
		v1 := readDay2(t, ch.v1)
		last := deployBody(t, s, filepath.Join(dir, "v1.yml"), v1, "") // what the account runs: v1 of the next scenario
		wantStatus(t, last, "SUCCEEDED")
		for i, c := range ch.scenarios {
			var faults []string
			if !c.noFaults {
				faults = c.faultTasks()
				if !full {
					faults = []string{faults[(3+n+i)%len(faults)]}
					for _, task := range c.alsoFault {
						if !containsString(faults, task) {
							faults = append(faults, task)
						}
					}
				}
			}
			v2 := edited(t, v1, c.edits, tokens)
			if !t.Run(c.name, func(t *testing.T) { runDay2(t, s, c, dir, v2, faults, &measures[i], &last) }) {
				return // the next scenario starts from this one's v2
			}
			v1 = v2
		}
	})
}

// edited applies old, new pairs to v1, then the setup's tokens.
func edited(t *testing.T, v1 string, edits []string, tokens map[string]string) string {
	t.Helper()
	v2 := v1
	for i := 0; i+1 < len(edits); i += 2 {
		old := edits[i]
		for token, value := range tokens {
			old = strings.ReplaceAll(old, token, value)
		}
		if !strings.Contains(v2, old) {
			t.Fatalf("edit %q does not match the config:\n%s", old, v2)
		}
		v2 = strings.Replace(v2, old, edits[i+1], 1)
	}
	for token, value := range tokens {
		v2 = strings.ReplaceAll(v2, token, value)
	}
	return v2
}

func runDay2(t *testing.T, s *Session, c day2Case, dir, v2 string, faults []string, m *day2Measure, last **Report) {
	ctx := context.Background()
	if c.between != nil {
		c.between(t, s)
	}
	for file, content := range c.files {
		if err := os.WriteFile(filepath.Join(dir, file), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	file := filepath.Join(dir, "v2.yml")
	// Faults first: each rolled-back run leaves the account at v1, where the next starts.
	var base map[string]string
	if len(faults) > 0 || c.rollsBack != "" {
		base = liveState(t, s, *last)
	}
	builds := 0
	for _, task := range faults {
		r := deployBody(t, s, file, v2, task)
		wantStatus(t, r, "ROLLED_BACK")
		assertSameLive(t, task, base, liveState(t, s, r), c.recreates)
		m.faults = append(m.faults, task)
		builds += countOp(r, "StartBuild")
	}
	if c.rollsBack != "" {
		r := deployBody(t, s, file, v2, "")
		wantStatus(t, r, "ROLLED_BACK")
		if !strings.Contains(r.Error, c.rollsBack) {
			t.Errorf("v2 failed with %q, want %q in it", r.Error, c.rollsBack)
		}
		assertSameLive(t, "v2's own failure", base, liveState(t, s, r), false)
		m.name, m.mutating, m.wall = c.name, r.Calls.Mutating, time.Duration(r.DurationMs)*time.Millisecond
		return
	}

	up := deployBody(t, s, file, v2, "")
	wantStatus(t, up, "SUCCEEDED")
	if builds += countOp(up, "StartBuild"); dir != "" && builds != len(c.builds) {
		t.Errorf("v1→v2 started %d builds, want %d (%v)", builds, len(c.builds), c.builds)
	}
	if c.noChange && up.Calls.Mutating != 0 {
		t.Errorf("deploying v1 again made %d mutating calls: %+v", up.Calls.Mutating, up.Calls.Ops)
	}
	m.name, m.mutating, m.distUpdates = c.name, up.Calls.Mutating, countOp(up, "UpdateDistribution")
	m.wall = time.Duration(up.DurationMs) * time.Millisecond
	live := liveState(t, s, up)
	for op, n := range c.ops {
		if got := countOp(up, op); got != n {
			t.Errorf("v1→v2 made %d %s calls, want %d", got, op, n)
		}
	}
	for k, want := range c.want {
		if uri, ok := strings.CutPrefix(want, withAdapter); ok {
			want = adaptedNow(t, s, "shop", k[strings.Index(k, ":")+1:strings.Index(k, ".")], uri)
		} else if strings.HasPrefix(want, ecrPrefix) {
			want = pinnedNow(t, s, want)
		}
		if nv, ok := strings.CutPrefix(want, fingerprintOf); ok {
			name, value, _ := strings.Cut(nv, "=")
			want = plan.Fingerprint(s.Env.FingerprintKey, "shop", "dev", name, value)[:16]
		}
		if got := live[k]; got != want {
			t.Errorf("after v2, live %s = %q, want %q", k, got, want)
		}
	}
	assertOnlyRunningRevisions(t, up)
	if m.distUpdates != c.distUpdates {
		t.Errorf("v1→v2 made %d UpdateDistribution calls, want %d", m.distUpdates, c.distUpdates)
	}
	check, err := s.Drift(ctx, "shop", "dev")
	if err != nil {
		t.Fatal(err)
	}
	if len(check.Check.Drifted) != 0 || check.Check.Repaired {
		t.Fatalf("drift after v2: %+v", check.Check)
	}
	again := deployBody(t, s, file, v2, "")
	wantStatus(t, again, "SUCCEEDED")
	if again.Calls.Mutating != 0 {
		t.Fatalf("redeploying v2 made %d mutating calls: %+v", again.Calls.Mutating, again.Calls.Ops)
	}
	*last = again
}

// assertOnlyRunningRevisions: once a deployment commits, the revisions it superseded are
// deregistered; the only ACTIVE ones are those the services run.
func assertOnlyRunningRevisions(t *testing.T, r *Report) {
	t.Helper()
	running := map[string]bool{}
	for _, it := range r.Inventory {
		if it.Type == "AWS::ECS::Service" {
			running[it.Attributes["taskDefinition"]] = true
		}
	}
	for _, it := range r.Inventory {
		if it.Type == "AWS::ECS::TaskDefinition" && !running[it.Name] {
			t.Errorf("after commit, task definition %s is still ACTIVE but no service runs it", it.Name)
		}
	}
}

func readDay2(t *testing.T, file string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/day2/" + file)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func deployBody(t *testing.T, s *Session, file, body, failAt string) *Report {
	t.Helper()
	r, err := s.Deploy(context.Background(), file, []byte(body), "dev", failAt)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("deploy %s (fault at %q): %s in %d ms, %d mutating calls", file, failAt, r.Status, r.DurationMs, r.Calls.Mutating)
	return r
}

func countOp(r *Report, op string) int {
	n := 0
	for _, o := range r.Calls.Ops {
		if o.Operation == op {
			n += o.Count
		}
	}
	return n
}

// assertSameLive compares two live states key by key. A rollback that recreates what v2
// deleted cannot bring back ids AWS assigned (identityAttributes), nor keys named by them.
var targetGroupID = regexp.MustCompile(`targetgroup/([^/]+)/[0-9a-f]+`)

func assertSameLive(t *testing.T, task string, want, got map[string]string, recreates bool) {
	t.Helper()
	norm := func(m map[string]string) map[string]string {
		out := map[string]string{}
		for k, v := range m {
			attr := k[strings.LastIndex(k, " ")+1:]
			if strings.HasPrefix(k, "AWS::ECS::Cluster ") && (attr == "runningTasks" || attr == "activeServices") {
				// moto miscounts these on service updates (runningTasks goes negative).
				continue
			}
			if !recreates {
				out[k] = v
				continue
			}
			if identityAttributes[attr] || strings.HasPrefix(k, "AWS::ECS::TaskDefinition ") {
				continue
			}
			if strings.HasPrefix(k, "routeValue:") { // a recreated Function URL has a new domain
				continue
			}
			// A permission names its target group by ARN, whose last part AWS assigns anew
			// when a rollback recreates the group.
			out[k] = targetGroupID.ReplaceAllString(v, "targetgroup/$1/<id>")
		}
		return out
	}
	w, g := norm(want), norm(got)
	var diffs []string
	for k, v := range w {
		if g[k] != v {
			diffs = append(diffs, fmt.Sprintf("%s = %q, before %q", k, g[k], v))
		}
	}
	for k, v := range g {
		if _, ok := w[k]; !ok {
			diffs = append(diffs, fmt.Sprintf("%s = %q, absent before", k, v))
		}
	}
	sort.Strings(diffs)
	if len(diffs) > 0 {
		t.Fatalf("fault at %s: after rollback the account differs from v1:\n  %s", task, strings.Join(diffs, "\n  "))
	}
}

var containerOf = regexp.MustCompile(`^berth-shop-dev-(.+?)-(fn|svc|task|tg|ltg|conn)-`)

func container(name string) string {
	if m := containerOf.FindStringSubmatch(name); m != nil {
		return m[1]
	}
	return name
}

// repush pushes uri's tag again with new content, as a rebuilt image: a new digest.
func repush(uri string) func(t *testing.T, s *Session) {
	return func(t *testing.T, s *Session) {
		t.Helper()
		before := pinnedNow(t, s, uri)
		if err := s.Env.PushImage(context.Background(), uri, "rebuilt"); err != nil {
			t.Fatal(err)
		}
		if after := pinnedNow(t, s, uri); after == before {
			t.Fatalf("re-pushing %s kept its digest %s", uri, before)
		}
	}
}

// withAdapter+uri in a want is the image berth made of uri, as its tag is now, with the
// Web Adapter appended (a Lambda container's image: reference).
const withAdapter = "with the Web Adapter: "

// adaptedNow is the image berth layered on uri for container c of app (stage dev): in the
// container's repository, tagged for uri's digest now, by digest.
func adaptedNow(t testing.TB, s *Session, app, c, uri string) string {
	t.Helper()
	src := images.Parse(pinnedNow(t, s, uri))
	applied, err := s.store.LoadApplied(context.Background(), app, "dev")
	if err != nil || applied == nil {
		t.Fatalf("no applied state: %v", err)
	}
	var repo string
	for _, r := range applied.Desired.Resources {
		if r.ID == plan.ContainerID(c, plan.SuffixRepository) {
			repo = r.Name
		}
	}
	out, err := s.Env.ecr(src.Region).DescribeImages(context.Background(), &ecr.DescribeImagesInput{
		RepositoryName: aws.String(repo), ImageIds: []ecrtypes.ImageIdentifier{{ImageTag: aws.String(ecrprov.AdapterTag(src.Digest))}}})
	if err != nil || len(out.ImageDetails) != 1 {
		t.Fatalf("%s with the adapter, in %s: %v", uri, repo, err)
	}
	return src.Registry + "/" + repo + "@" + aws.ToString(out.ImageDetails[0].ImageDigest)
}

// pinnedNow is uri (<registry>/<repository>:<tag>) at the digest its tag has in ECR.
func pinnedNow(t testing.TB, s *Session, uri string) string {
	t.Helper()
	ref := images.Parse(uri)
	out, err := s.Env.ecr(ref.Region).DescribeImages(context.Background(), &ecr.DescribeImagesInput{
		RepositoryName: aws.String(ref.Repository), ImageIds: []ecrtypes.ImageIdentifier{{ImageTag: aws.String(ref.Tag)}}})
	if err != nil || len(out.ImageDetails) != 1 {
		t.Fatalf("%s in ECR: %v", uri, err)
	}
	return ref.Pinned(aws.ToString(out.ImageDetails[0].ImageDigest))
}

func putParameter(t *testing.T, s *Session, name, value string) {
	t.Helper()
	_, err := ssm.NewFromConfig(s.Env.AWS).PutParameter(context.Background(), &ssm.PutParameterInput{
		Name: aws.String(name), Value: aws.String(value), Type: ssmtypes.ParameterTypeSecureString, Overwrite: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
}

func hostedZone(t *testing.T, s *Session) {
	t.Helper()
	_, err := route53.NewFromConfig(s.Env.AWS).CreateHostedZone(context.Background(), &route53.CreateHostedZoneInput{
		Name: aws.String("example.com"), CallerReference: aws.String("berth-day2")})
	if err != nil {
		t.Fatal(err)
	}
}

// privateHostedZone creates a private hosted zone example.com for the default VPC, as a
// private app's user would, and returns its id.
func privateHostedZone(t *testing.T, s *Session) string {
	t.Helper()
	ctx := context.Background()
	vpcs, err := ec2.NewFromConfig(s.Env.AWS).DescribeVpcs(ctx, &ec2.DescribeVpcsInput{
		Filters: []ec2types.Filter{{Name: aws.String("is-default"), Values: []string{"true"}}}})
	if err != nil || len(vpcs.Vpcs) != 1 {
		t.Fatalf("default VPC: %v", err)
	}
	out, err := route53.NewFromConfig(s.Env.AWS).CreateHostedZone(ctx, &route53.CreateHostedZoneInput{
		Name: aws.String("example.com"), CallerReference: aws.String("berth-day2-private"),
		HostedZoneConfig: &r53types.HostedZoneConfig{PrivateZone: true},
		VPC:              &r53types.VPC{VPCId: vpcs.Vpcs[0].VpcId, VPCRegion: r53types.VPCRegion(s.Env.Region)},
	})
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimPrefix(aws.ToString(out.HostedZone.Id), "/hostedzone/")
}

// webACL creates a CLOUDFRONT-scope web ACL, which lives in us-east-1, and returns its ARN.
func webACL(t *testing.T, s *Session) string {
	t.Helper()
	out, err := wafv2.NewFromConfig(s.Env.AWS, func(o *wafv2.Options) { o.Region = "us-east-1" }).CreateWebACL(context.Background(), &wafv2.CreateWebACLInput{
		Name: aws.String("shop-edge"), Scope: waftypes.ScopeCloudfront,
		DefaultAction:    &waftypes.DefaultAction{Allow: &waftypes.AllowAction{}},
		VisibilityConfig: &waftypes.VisibilityConfig{MetricName: aws.String("shop"), CloudWatchMetricsEnabled: false, SampledRequestsEnabled: false},
	})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.Summary.ARN)
}
