package stage

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/edge"
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
	"github.com/berth-dev/berth/internal/state"
)

const lambdaConfig = `name: shop
deployment:
  type: aws@1.0
containers:
  api:
    image: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop-api:1.4.2
    routing:
      domain: shop.example.com
      pathPattern: /api/*
      pathHealthCheck: /health
    compute:
      type: awsLambda
`

func load(t *testing.T, body string) *config.Config {
	t.Helper()
	cfg, err := config.Load(context.Background(), []byte(body), config.Options{Stage: "prod"})
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestConfigKeys(t *testing.T) {
	cases := []struct {
		name, key, app, stage string
		ok                    bool
	}{
		{"a yml under app and stage is a config", "shop/prod/serverless.containers.yml", "shop", "prod", true},
		{"a yaml under app and stage is a config", "shop/dev/serverless.containers.yaml", "shop", "dev", true},
		{"a file at the bucket root is not", "serverless.containers.yml", "", "", false},
		{"a deeper path is not", "shop/prod/x/serverless.containers.yml", "", "", false},
		{"another file name is not", "shop/prod/notes.yml", "", "", false},
		{"an SCF name with uppercase and underscores is a config", "My_Shop/prod/serverless.containers.yml", "My_Shop", "prod", true},
		{"an app outside SCF's name rule is not", "my.shop/prod/serverless.containers.yml", "", "", false},
		{"an uppercase stage is not", "shop/Prod/serverless.containers.yml", "", "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			app, stg, ok := ParseKey(c.key)
			if app != c.app || stg != c.stage || ok != c.ok {
				t.Fatalf("ParseKey(%q) = %q, %q, %v", c.key, app, stg, ok)
			}
		})
	}
}

func TestAKeyMadeForAnAppAndStageParsesBackToThem(t *testing.T) {
	app, stg, ok := ParseKey(Key("My_Shop", "prod"))
	if !ok || app != "My_Shop" || stg != "prod" {
		t.Fatalf("ParseKey(Key(My_Shop, prod)) = %q, %q, %v", app, stg, ok)
	}
}

func TestAContainerBuiltFromSrcIsDeployable(t *testing.T) {
	cfg := load(t, strings.Replace(lambdaConfig, "    image: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop-api:1.4.2\n", "    src: ./api\n", 1))
	if cfg.Containers[0].Image != "" || cfg.Containers[0].Src == "" {
		t.Fatalf("the config under test has image %q, src %q", cfg.Containers[0].Image, cfg.Containers[0].Src)
	}
	if got := Deployable(cfg); len(got) != 0 {
		t.Fatalf("Deployable = %v, want none: the deployer builds src in the account", got)
	}
}

func TestAConfigWithImagesAndNoRefusalsIsDeployable(t *testing.T) {
	if got := Deployable(load(t, lambdaConfig)); len(got) != 0 {
		t.Errorf("Deployable = %v, want none", got)
	}
}

func TestASettingTheDeployRefusesIsListedWithItsPosition(t *testing.T) {
	cfg := load(t, lambdaConfig+"    integrations:\n      bot: {type: slack, name: x}\n")
	got := Deployable(cfg)
	if len(got) != 1 || got[0].Path != "containers.api.integrations.bot" || got[0].Line == 0 {
		t.Errorf("Deployable = %+v, want the slack integration with its line", got)
	}
}

func TestPreviewingAConfigAgainstItsOwnAppliedGraphIsAllUnchangedAndARemovalDeletesWhatTheStageOwns(t *testing.T) {
	cfg := load(t, lambdaConfig)
	target := plan.Target{Region: "eu-west-1"}
	first, err := PreviewConfig(cfg, target, nil)
	if err != nil {
		t.Fatal(err)
	}
	n := len(first.Plan.Steps)
	if n == 0 || first.Summary != (Summary{Create: n}) {
		t.Fatalf("first preview summary %+v over %d steps, want all creates", first.Summary, n)
	}
	again, err := PreviewConfig(cfg, target, first.Plan.Desired)
	if err != nil {
		t.Fatal(err)
	}
	if again.Summary != (Summary{Noop: n}) || again.Summary.Changes() != 0 {
		t.Errorf("second preview summary %+v, want %d unchanged", again.Summary, n)
	}
	gone, err := PreviewRemoval("shop", "prod", target, first.Plan.Desired)
	if err != nil {
		t.Fatal(err)
	}
	owned := 0 // shared resources (the account's, not the stage's) outlive a removal
	for _, r := range first.Plan.Desired.Resources {
		if !r.Shared {
			owned++
		}
	}
	if owned == n || gone.Summary != (Summary{Delete: owned}) {
		t.Errorf("removal summary %+v, want %d deletes of %d resources", gone.Summary, owned, n)
	}
}

func TestASummaryCountsEveryStepOnce(t *testing.T) {
	p := &plan.Plan{Steps: []plan.Step{{Action: plan.Create}, {Action: plan.Create}, {Action: plan.Update}, {Action: plan.Delete}, {Action: plan.Noop}}}
	if got, want := Summarize(p), (Summary{Create: 2, Update: 1, Delete: 1, Noop: 1}); got != want {
		t.Errorf("Summarize = %+v, want %+v", got, want)
	}
}

type fakeReader struct {
	applied *state.Applied
	lock    *state.Lock
	drift   *state.DriftReport
}

func (f fakeReader) LoadApplied(context.Context, string, string) (*state.Applied, error) {
	return f.applied, nil
}
func (f fakeReader) GetLock(context.Context, string, string) (*state.Lock, error) { return f.lock, nil }
func (f fakeReader) LoadDrift(context.Context, string, string) (*state.DriftReport, error) {
	return f.drift, nil
}

func TestAStatusViewShowsTheDistributionItsAliasesAndDecodedRoutesByKey(t *testing.T) {
	pv, err := PreviewConfig(load(t, lambdaConfig), plan.Target{Region: "eu-west-1"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var dist string
	for _, r := range pv.Plan.Desired.Resources {
		if r.Kind == plan.KindDistribution {
			dist = r.ID
		}
	}
	good, err := edge.EncodeValue(edge.RouteValue{Container: "api", Target: "lambda", Domain: "abc.lambda-url.eu-west-1.on.aws"})
	if err != nil {
		t.Fatal(err)
	}
	applied := &state.Applied{Desired: pv.Plan.Desired, DeploymentID: "dep-1",
		Outputs: map[string]provision.Outputs{dist: {plan.AttrDomainName: "d123.cloudfront.net"},
			plan.IDRouteTable: {"/z/*": "not a route", "/api/*": good}}}
	lock := &state.Lock{Holder: "dep-2"}
	v, err := Status(context.Background(), fakeReader{applied: applied, lock: lock}, "shop", "prod")
	if err != nil {
		t.Fatal(err)
	}
	if !v.Deployed() || v.DistributionDomain != "d123.cloudfront.net" || !reflect.DeepEqual(v.Aliases, []string{"shop.example.com"}) || v.Lock != lock {
		t.Errorf("view %+v", v)
	}
	want := []Route{{Key: "/api/*", Value: edge.RouteValue{Container: "api", Target: "lambda", Domain: "abc.lambda-url.eu-west-1.on.aws"}},
		{Key: "/z/*", Raw: "not a route"}}
	if !reflect.DeepEqual(v.Routes, want) {
		t.Errorf("routes %+v, want %+v", v.Routes, want)
	}
}

func TestAStageWithNoAppliedGraphIsNotDeployed(t *testing.T) {
	v, err := Status(context.Background(), fakeReader{}, "shop", "prod")
	if err != nil {
		t.Fatal(err)
	}
	if v.Deployed() || v.Routes != nil || v.Aliases != nil {
		t.Errorf("view %+v, want nothing deployed", v)
	}
}

type fakeBucket struct {
	key      string
	metadata map[string]string
}

func (f *fakeBucket) PutConfig(_ context.Context, key string, _ []byte, metadata map[string]string) (string, error) {
	f.key, f.metadata = key, metadata
	return "v1", nil
}

func TestSubmittingStoresTheConfigAtTheStageKeyNamingTheDeployment(t *testing.T) {
	b := &fakeBucket{}
	v, err := Submit(context.Background(), b, "shop", "prod", []byte(lambdaConfig), "dep-1")
	if err != nil || v != "v1" {
		t.Fatalf("Submit = %q, %v", v, err)
	}
	if b.key != "shop/prod/serverless.containers.yml" || !reflect.DeepEqual(b.metadata, map[string]string{MetadataDeploymentID: "dep-1"}) {
		t.Errorf("stored at %q with %v", b.key, b.metadata)
	}
}

type fakeSFN struct{ in *sfn.StartExecutionInput }

func (f *fakeSFN) StartExecution(_ context.Context, in *sfn.StartExecutionInput, _ ...func(*sfn.Options)) (*sfn.StartExecutionOutput, error) {
	f.in = in
	return &sfn.StartExecutionOutput{ExecutionArn: aws.String("arn:exec")}, nil
}

func TestARemovalIsAnExecutionNamedAfterItsDeploymentWithTheRemoveInput(t *testing.T) {
	c := &fakeSFN{}
	arn, err := Remove(context.Background(), StepFunctionsRemover{Client: c, MachineArn: "arn:remove"}, "shop", "prod", "cli", "dep-9")
	if err != nil || arn != "arn:exec" {
		t.Fatalf("Remove = %q, %v", arn, err)
	}
	var in map[string]string
	if err := json.Unmarshal([]byte(aws.ToString(c.in.Input)), &in); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"app": "shop", "stage": "prod", "source": "cli", "deploymentId": "dep-9"}
	if aws.ToString(c.in.Name) != "dep-9" || !reflect.DeepEqual(in, want) {
		t.Errorf("execution %q with input %v, want dep-9 with %v", aws.ToString(c.in.Name), in, want)
	}
}
