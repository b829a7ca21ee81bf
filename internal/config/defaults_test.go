package config

import (
	"reflect"
	"strconv"
	"testing"
)

func TestAMinimalFileGetsSCFAndBerthDefaults(t *testing.T) {
	cfg := mustLoad(t, head, Options{})
	if cfg.Stage != "dev" {
		t.Errorf("stage: want dev (SCF's default), got %q", cfg.Stage)
	}
	wantDep := Deployment{Type: "aws@1.0", DriftRepair: true, LogRetentionDays: 30,
		CloudFront: CloudFront{OriginReadTimeout: 30, PriceClass: "PriceClass_All"}}
	if !reflect.DeepEqual(cfg.Deployment, wantDep) {
		t.Errorf("deployment:\n got %+v\nwant %+v", cfg.Deployment, wantDep)
	}
	web := cfg.Container("web")
	want := Container{Name: "web", Src: "./web", Port: 8080,
		Routing: Routing{PathPattern: "/*", PathHealthCheck: "/"},
		Compute: Compute{Type: ComputeLambda,
			Lambda:  LambdaCompute{Memory: 1024, Timeout: 6, InvokeMode: "BUFFERED", Architecture: "x86_64"},
			Fargate: FargateCompute{CPU: 256, Memory: 512}}}
	if !reflect.DeepEqual(*web, want) {
		t.Errorf("container:\n got %+v\nwant %+v", *web, want)
	}
	if len(cfg.Warnings) != 0 {
		t.Errorf("want no warnings, got %v", cfg.Warnings)
	}
}

func TestTheHealthCheckDefaultsToThePatternsBasePath(t *testing.T) {
	cases := []struct{ name, pattern, want string }{
		{"a catch-all checks the root", "/*", "/"},
		{"a prefix checks the prefix without the wildcard", "/api/*", "/api"},
		{"a nested prefix keeps its parents", "/api/v1/*", "/api/v1"},
		{"an exact path checks itself", "/images/logo.png", "/images/logo.png"},
		{"the root checks itself", "/", "/"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := basePath(tc.pattern); got != tc.want {
				t.Errorf("basePath(%q) = %q, want %q", tc.pattern, got, tc.want)
			}
		})
	}
}

func TestFargateFillsTheMissingHalfOfTheSizeWithTheSmallestValidValue(t *testing.T) {
	cases := []struct {
		name     string
		lines    []string
		cpu, mem int
	}{
		{"no size gets 256 CPU and 512 MiB", nil, 256, 512},
		{"cpu 1024 alone gets 2048 MiB", []string{"        cpu: 1024"}, 1024, 2048},
		{"memory 4096 alone gets 512 CPU", []string{"        memory: 4096"}, 512, 4096},
		{"an explicit pair is kept", []string{"        cpu: 4096", "        memory: 30720"}, 4096, 30720},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			doc := head + lines(append([]string{"    compute:", "      type: awsFargateEcs", "      awsFargateEcs:"}, tc.lines...)...)
			if len(tc.lines) == 0 {
				doc = head + lines("    compute:", "      type: awsFargateEcs")
			}
			f := mustLoad(t, doc, Options{}).Container("web").Compute.Fargate
			if f.CPU != tc.cpu || f.Memory != tc.mem {
				t.Errorf("got %d/%d, want %d/%d", f.CPU, f.Memory, tc.cpu, tc.mem)
			}
		})
	}
}

func TestEveryFargatePairAWSAllowsIsAccepted(t *testing.T) {
	for cpu, mems := range fargateMemory {
		for _, mem := range mems {
			doc := head + lines("    compute:", "      awsFargateEcs:", "        cpu: "+itoa(cpu), "        memory: "+itoa(mem))
			if _, err := loadOffline(doc); err != nil {
				t.Errorf("cpu %d memory %d: %v", cpu, mem, err)
			}
		}
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestScalePoliciesGetSCFDefaults(t *testing.T) {
	doc := withScale("          - {type: target, target: memory}", "          - {type: max, max: 3}")
	target := mustLoad(t, doc, Options{}).Container("web").Compute.Fargate.Scale[0]
	if target.Value != 70 || !target.ScaleIn {
		t.Errorf("target: want value 70 and scaleIn true, got %+v", target)
	}
	doc = withScale("          - {type: step, adjustmentType: ChangeInCapacity, metricName: m, namespace: n, threshold: 1, comparisonOperator: GreaterThanThreshold, stepAdjustments: [{metricIntervalLowerBound: 0, scalingAdjustment: 1}]}", "          - {type: max, max: 3}")
	step := mustLoad(t, doc, Options{}).Container("web").Compute.Fargate.Scale[0]
	if step.Cooldown != 60 || step.MetricAggregationType != "Average" || step.StepAdjustments[0].UpperBound != nil || *step.StepAdjustments[0].LowerBound != 0 {
		t.Errorf("step: want cooldown 60, Average and an open upper bound, got %+v", step)
	}
}

func TestScaleSettingsAreKeptOnALambdaContainerForASwitchBack(t *testing.T) {
	doc := head + lines("    compute:", "      type: awsLambda", "      awsFargateEcs:", "        cpu: 512", "        scale:", "          - {type: desired, desired: 3}")
	f := mustLoad(t, doc, Options{}).Container("web").Compute.Fargate
	if f.CPU != 512 || f.Memory != 1024 || len(f.Scale) != 1 || f.Scale[0].Desired != 3 {
		t.Errorf("got %+v", f)
	}
}

func TestEnvironmentValuesOfAnyTypeBecomeStrings(t *testing.T) {
	doc := head + lines("    environment:",
		"      PORT: 8080",
		"      X: 1",
		"      DEBUG: true",
		"      RATIO: 1.5",
		"      NAME: web",
		"      EMPTY: ''",
		"      OBJ: {b: 1, a: [true, x, null]}",
		"      LIST: [1, two]")
	want := map[string]string{"PORT": "8080", "X": "1", "DEBUG": "true", "RATIO": "1.5", "NAME": "web", "EMPTY": "",
		"OBJ": `{"b":1,"a":[true,"x",null]}`, "LIST": `[1,"two"]`}
	env := mustLoad(t, doc, Options{}).Container("web").Environment
	if len(env) != len(want) {
		t.Fatalf("got %d variables, want %d", len(env), len(want))
	}
	for i, ev := range env {
		if i > 0 && env[i-1].Name > ev.Name {
			t.Errorf("variables are not in name order: %s before %s", env[i-1].Name, ev.Name)
		}
		if ev.Value != want[ev.Name] || ev.Ref != "" || ev.Secret || ev.Unresolved {
			t.Errorf("%s: got %+v, want value %q, a literal", ev.Name, ev, want[ev.Name])
		}
	}
}

func TestAcceptedButIgnoredKeysWarnAndAreRecorded(t *testing.T) {
	doc := head + lines("    build:", "      options: --target=prod", "    dev:", "      watchPath: ./src", "    integrations:", "      slack: {type: slack}")
	cfg := mustLoad(t, doc, Options{})
	web := cfg.Container("web")
	if !web.HasBuild || !web.HasDev || len(web.Integrations) != 1 || web.Integrations[0].Type != IntegrationSlack {
		t.Errorf("want HasBuild, HasDev and the slack integration, got %+v", web)
	}
	wantPaths := []string{"containers.web.build", "containers.web.dev", "containers.web.integrations.slack"}
	wantLines := []int{9, 11, 14}
	if len(cfg.Refusals) != 1 || cfg.Refusals[0].Path != wantPaths[2] {
		t.Errorf("want the slack integration as the one refusal, got %v", cfg.Refusals)
	}
	if len(cfg.Warnings) != 3 {
		t.Fatalf("want 3 warnings, got %v", cfg.Warnings)
	}
	for i, w := range cfg.Warnings {
		if w.Path != wantPaths[i] || w.Line != wantLines[i] {
			t.Errorf("warning %d: got %s at line %d, want %s at line %d", i, w.Path, w.Line, wantPaths[i], wantLines[i])
		}
	}
}

func TestOtherWarningsNameTheirKey(t *testing.T) {
	cases := []struct {
		name string
		doc  string
		path string
	}{
		{"desired with target scaling is ignored by AWS, so it warns", withScale("          - {type: desired, desired: 2}", "          - {type: target, target: cpu}", "          - {type: max, max: 4}"),
			"containers.web.compute.awsFargateEcs.scale[0]"},
		{"min without autoscaling does nothing, so it warns", withScale("          - {type: min, min: 2}"),
			"containers.web.compute.awsFargateEcs.scale[0]"},
		{"an ALB web ACL without Fargate containers does nothing, so it warns", withDeployment(lines("  awsAlb:", "    wafAclArn: arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/a/b")),
			"deployment.awsAlb.wafAclArn"},
		{"an origin timeout above 60 needs a quota, so it warns", withDeployment(lines("  awsCloudFront:", "    originReadTimeout: 90")),
			"deployment.awsCloudFront.originReadTimeout"},
		{"a stage that can never be selected warns", "name: app\nstages:\n  Prod: {params: {a: b}}\n" + head[10:], "stages.Prod"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := mustLoad(t, tc.doc, Options{})
			if len(cfg.Warnings) != 1 || cfg.Warnings[0].Path != tc.path {
				t.Errorf("want one warning at %s, got %v", tc.path, cfg.Warnings)
			}
		})
	}
}

func TestContainersComeInNameOrderAndCanBeLookedUp(t *testing.T) {
	doc := head + lines("  api:", "    src: ./api", "    routing: {pathPattern: /api/*}", "  admin:", "    image: public.ecr.aws/a/admin:1", "    routing: {pathPattern: /admin/*}")
	cfg := mustLoad(t, doc, Options{})
	var names []string
	for _, c := range cfg.Containers {
		names = append(names, c.Name)
	}
	if !reflect.DeepEqual(names, []string{"admin", "api", "web"}) {
		t.Errorf("got %v", names)
	}
	if cfg.Container("api").Routing.PathHealthCheck != "/api" || cfg.Container("nope") != nil {
		t.Error("Container lookup is wrong")
	}
}

func TestAnchorsAndMergeKeysAreExpanded(t *testing.T) {
	doc := `name: app
deployment: {type: aws@1.0}
containers:
  web: &base
    src: ./web
    routing: {pathPattern: /*}
    compute:
      type: awsFargateEcs
      awsFargateEcs: {cpu: 512}
  api:
    <<: *base
    routing: {pathPattern: /api/*}
`
	cfg := mustLoad(t, doc, Options{})
	api := cfg.Container("api")
	if api.Src != "./web" || api.Routing.PathPattern != "/api/*" || api.Compute.Fargate.CPU != 512 {
		t.Errorf("merge key not applied: %+v", api)
	}
}

func TestTheFullConfigKeepsEveryValue(t *testing.T) {
	cfg := mustLoad(t, fullConfig, Options{Stage: "prod"})
	d := cfg.Deployment
	if d.VPC == nil || len(d.VPC.PrivateSubnets) != 2 || d.Private || d.DriftRepair || d.LogRetentionDays != 90 ||
		d.CloudFront.OriginReadTimeout != 45 || d.CloudFront.PriceClass != "PriceClass_100" || d.ExecutionRole == "" {
		t.Errorf("deployment: %+v", d)
	}
	web := cfg.Container("web")
	if web.Routing.Domain != "shop.example.com" || web.Port != 3000 || web.Compute.Lambda.InvokeMode != "RESPONSE_STREAM" ||
		web.Compute.Lambda.Architecture != "arm64" || !web.Compute.Lambda.VPC || web.Compute.CustomPolicy["Version"] != "2012-10-17" {
		t.Errorf("web: %+v", web)
	}
	if got := cfg.Stages["default"].Params["domain"]; got != "dev.shop.example.com" {
		t.Errorf("stages: %+v", cfg.Stages)
	}
	if len(cfg.Warnings) != 3 {
		t.Errorf("want the build/dev/integrations warnings only, got %v", cfg.Warnings)
	}
}
