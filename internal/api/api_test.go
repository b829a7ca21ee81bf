package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/edge"
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
	"github.com/berth-dev/berth/internal/stage"
	"github.com/berth-dev/berth/internal/state"
	"github.com/berth-dev/berth/internal/workflow"
)

var testTarget = plan.Target{Region: "eu-west-1", Account: "123456789012"}

const validConfig = `name: my-app
deployment:
  type: aws@1.0
containers:
  api:
    image: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/my-app-api:1.4.2
    routing:
      pathPattern: /api/*
      pathHealthCheck: /health
    compute:
      type: awsLambda
      awsLambda:
        memory: 1024
`

// withDomain is validConfig with a custom domain, so the distribution has an alias.
var withDomain = strings.Replace(validConfig, "      pathPattern: /api/*\n", "      domain: shop.example.com\n      pathPattern: /api/*\n", 1)

const deploymentsPath = "/v1/apps/my-app/stages/prod/deployments"

func TestPostingAValidConfigStoresItAtTheUploadKeyTaggedWithTheNewDeploymentID(t *testing.T) {
	h := newHarness(t)
	rec := h.do("POST", deploymentsPath, []byte(validConfig))
	if rec.Code != http.StatusAccepted {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	got := decode[Accepted](t, rec)
	want := Accepted{DeploymentID: "dep-1", App: "my-app", Stage: "prod", ConfigVersion: "v1", Status: "PENDING",
		RequestedAt: testNow, Links: Links{Self: deploymentsPath + "/dep-1"}}
	if !equalJSON(t, got, want) {
		t.Errorf("answer %s, want %+v", rec.Body, want)
	}
	if loc := rec.Header().Get("Location"); loc != want.Links.Self {
		t.Errorf("Location %q", loc)
	}
	if len(h.configs.puts) != 1 {
		t.Fatalf("%d puts, want 1", len(h.configs.puts))
	}
	p := h.configs.puts[0]
	if p.Key != "my-app/prod/serverless.containers.yml" {
		t.Errorf("key %q", p.Key)
	}
	if string(p.Body) != validConfig {
		t.Errorf("stored %q, want the posted bytes", p.Body)
	}
	if len(p.Metadata) != 1 || p.Metadata[stage.MetadataDeploymentID] != "dep-1" {
		t.Errorf("metadata %v, want only %s=dep-1", p.Metadata, stage.MetadataDeploymentID)
	}
	// The key is one the upload trigger's workflow accepts, for the same app and stage.
	if app, stage, ok := stage.ParseKey(p.Key); !ok || app != "my-app" || stage != "prod" {
		t.Errorf("stage.ParseKey(%q) = %q, %q, %v", p.Key, app, stage, ok)
	}
	if len(h.remover.started) != 0 {
		t.Errorf("a deployment started an execution itself: %v", h.remover.started)
	}
}

func TestConfigWarningsComeBackWithTheAcceptedDeployment(t *testing.T) {
	h := newHarness(t)
	cfg := validConfig + "    dev: {}\n" // accepted for SCF compatibility, ignored with a warning
	rec := h.do("POST", deploymentsPath, []byte(cfg))
	if rec.Code != http.StatusAccepted {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	loaded, err := config.Load(context.Background(), []byte(cfg), config.Options{Stage: "prod"})
	if err != nil {
		t.Fatal(err)
	}
	got := decode[Accepted](t, rec).Warnings
	if len(loaded.Warnings) == 0 || len(got) != len(loaded.Warnings) || got[0].Path != "containers.api.dev" || got[0].Line != 14 {
		t.Errorf("warnings %+v, want the %d config.Load reports", got, len(loaded.Warnings))
	}
}

func TestPostedConfigsThatCannotBeDeployedAreRefusedBeforeAnythingIsStored(t *testing.T) {
	big := bytes.Repeat([]byte("#"), MaxBody+1)
	tests := []struct {
		name       string
		path       string
		body       []byte
		chunked    bool // no Content-Length: the limit must hold while reading
		status     int
		code       string
		wantErrors []Diagnostic // for invalid_config: path, line and column must match
		wantInMsg  string
		wantLine   bool // the first error has a line
	}{
		{name: "a body over 256 KB is payload_too_large", path: deploymentsPath, body: big, status: 413, code: CodePayloadTooLarge},
		{name: "a body over 256 KB without Content-Length is payload_too_large too", path: deploymentsPath, body: big, chunked: true, status: 413, code: CodePayloadTooLarge},
		{name: "an unknown key is invalid_config naming its path and position",
			path: deploymentsPath, body: []byte(strings.Replace(validConfig, "        memory: 1024\n", "        memory: 1024\n        memroy: 1\n", 1)),
			status: 400, code: CodeInvalidConfig,
			wantErrors: []Diagnostic{{Path: "containers.api.compute.awsLambda.memroy", Line: 14, Column: 9}}},
		{name: "every problem of a file is listed with its own line",
			path: deploymentsPath, body: []byte(strings.Replace(strings.Replace(validConfig, "memory: 1024", "memory: 1", 1), "type: aws@1.0", "type: aws@2.0", 1)),
			status: 400, code: CodeInvalidConfig,
			wantErrors: []Diagnostic{{Path: "deployment.type", Line: 3, Column: 9}, {Path: "containers.api.compute.awsLambda.memory", Line: 13, Column: 17}}},
		{name: "a YAML syntax error is invalid_config with its line",
			path: deploymentsPath, body: []byte("name: my-app\ncontainers: [\n"), status: 400, code: CodeInvalidConfig, wantLine: true},
		{name: "an empty body is invalid_config", path: deploymentsPath, body: nil, status: 400, code: CodeInvalidConfig, wantInMsg: "empty"},
		{name: "a stage the config format does not allow is invalid_path, by the config's own stage rule",
			path: "/v1/apps/my-app/stages/9prod/deployments", body: []byte(validConfig), status: 400, code: CodeInvalidPath,
			wantInMsg: "is not a valid stage name"},
		{name: "a container with src and no source uploaded or dropped is invalid_config at its src key",
			path: deploymentsPath, body: []byte(strings.Replace(validConfig, "    image: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/my-app-api:1.4.2\n", "    src: ./api\n", 1)),
			status: 400, code: CodeInvalidConfig, wantErrors: []Diagnostic{{Path: "containers.api.src"}}},
		{name: "a slack integration is invalid_config with its position, as the deploy would refuse it",
			path: deploymentsPath, body: []byte(validConfig + "    integrations:\n      bot: {type: slack, name: x}\n"),
			status: 400, code: CodeInvalidConfig, wantErrors: []Diagnostic{{Path: "containers.api.integrations.bot", Line: 15, Column: 7}}},
		{name: "a secret inside text is invalid_config at its key, as the deploy would refuse it",
			path: deploymentsPath, body: []byte(strings.Replace(validConfig, "    compute:\n", "    environment:\n      DATABASE_URL: \"postgres://u:${ssm:/pw}@db/x\"\n    compute:\n", 1)),
			status: 400, code: CodeInvalidConfig, wantErrors: []Diagnostic{{Path: "containers.api.environment.DATABASE_URL", Line: 11, Column: 21}}},
		{name: "a name other than the app in the path is name_mismatch",
			path: "/v1/apps/other-app/stages/prod/deployments", body: []byte(validConfig), status: 400, code: CodeNameMismatch, wantInMsg: `"my-app"`},
		{name: "an app with a dot is invalid_path", path: "/v1/apps/my.app/stages/prod/deployments", body: []byte(validConfig), status: 400, code: CodeInvalidPath},
		{name: "an app of two characters is invalid_path", path: "/v1/apps/ap/stages/prod/deployments", body: []byte(validConfig), status: 400, code: CodeInvalidPath},
		{name: "a stage with a dot is invalid_path", path: "/v1/apps/my-app/stages/pr.od/deployments", body: []byte(validConfig), status: 400, code: CodeInvalidPath},
		{name: "an escaped slash in the app is invalid_path", path: "/v1/apps/my%2Fapp/stages/prod/deployments", body: []byte(validConfig), status: 400, code: CodeInvalidPath},
		{name: "an app over 16 characters is invalid_path", path: "/v1/apps/" + strings.Repeat("a", 17) + "/stages/prod/deployments", body: []byte(validConfig), status: 400, code: CodeInvalidPath},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			req := httptest.NewRequest("POST", tt.path, bytes.NewReader(tt.body))
			if tt.chunked {
				req.ContentLength = -1
			}
			rec := httptest.NewRecorder()
			h.srv.ServeHTTP(rec, req)
			e := wantError(t, rec, tt.status, tt.code)
			if len(h.configs.puts) != 0 {
				t.Errorf("a refused config was stored: %v", h.configs.puts[0].Key)
			}
			for _, w := range tt.wantErrors {
				if !slices.ContainsFunc(e.Error.Errors, func(d Diagnostic) bool {
					return d.Path == w.Path && d.Line == w.Line && d.Column == w.Column && d.Message != ""
				}) {
					t.Errorf("errors %+v, want one at %s %d:%d", e.Error.Errors, w.Path, w.Line, w.Column)
				}
			}
			if tt.code == CodeInvalidConfig && len(e.Error.Errors) == 0 {
				t.Errorf("invalid_config without errors: %s", rec.Body)
			}
			if tt.wantLine && (len(e.Error.Errors) == 0 || e.Error.Errors[0].Line == 0) {
				t.Errorf("no line: %+v", e.Error.Errors)
			}
			if !strings.Contains(e.Error.Message, tt.wantInMsg) {
				t.Errorf("message %q, want it to mention %q", e.Error.Message, tt.wantInMsg)
			}
		})
	}
}

func TestConfigErrorsNeverCarrySecretValuesBecauseNothingIsResolved(t *testing.T) {
	h := newHarness(t)
	cfg := strings.Replace(validConfig, "    compute:\n", "    environment:\n      DB_PASSWORD: ${ssm:/prod/db-password}\n    compute:\n", 1)
	cfg = strings.Replace(cfg, "memory: 1024", "memory: 1", 1)
	rec := h.do("POST", deploymentsPath, []byte(cfg))
	wantError(t, rec, 400, CodeInvalidConfig)
	if len(h.configs.puts) != 0 {
		t.Error("stored")
	}
	// The same config with a valid memory is accepted: ${ssm:} stays a reference.
	rec = h.do("POST", deploymentsPath, []byte(strings.Replace(cfg, "memory: 1", "memory: 1024", 1)))
	if rec.Code != http.StatusAccepted {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
}

func TestAStorageFailureIsAnInternalErrorThatEchoesNoDetail(t *testing.T) {
	h := newHarness(t)
	h.configs.err = errors.New("AccessDenied: arn:aws:iam::123456789012:role/berth/api is not allowed")
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("POST", deploymentsPath, strings.NewReader(validConfig))
	req.Header.Set("X-Request-Id", "req-7")
	h.srv.ServeHTTP(rec, req)
	e := wantError(t, rec, 500, CodeInternal)
	if strings.Contains(rec.Body.String(), "AccessDenied") || strings.Contains(rec.Body.String(), "arn:") {
		t.Errorf("the internal error leaked: %s", rec.Body)
	}
	if e.Error.RequestID != "req-7" || !strings.Contains(e.Error.Message, "req-7") {
		t.Errorf("request id missing: %s", rec.Body)
	}
	if !strings.Contains(h.logs.String(), "AccessDenied") {
		t.Errorf("the log lacks the cause: %s", h.logs)
	}
}

func TestGettingADeployment(t *testing.T) {
	recorded := &state.Deployment{ID: "rec-1", App: "my-app", Stage: "prod", Status: state.StatusSucceeded, Source: state.SourceAPI,
		Key: "my-app/prod/serverless.containers.yml", ConfigVersion: "v9", Started: testNow, Ended: testNow.Add(90e9),
		Steps:   []state.StepRecord{{Name: "validate", Status: "SUCCEEDED", Started: testNow}},
		Outputs: map[string]string{"distributionDomain": "d123.cloudfront.net"}}
	failed := &state.Deployment{ID: "rec-2", App: "my-app", Stage: "prod", Status: state.StatusRolledBack, Started: testNow,
		Error: "containers.api: image not found"}
	tests := []struct {
		name   string
		setup  func(h *harness)
		path   string
		status int
		code   string
		check  func(t *testing.T, body []byte)
	}{
		{name: "a recorded deployment is returned with its steps and outputs", path: deploymentsPath + "/rec-1", status: 200,
			check: func(t *testing.T, body []byte) {
				var d state.Deployment
				_ = json.Unmarshal(body, &d)
				if !equalJSON(t, d, recorded) {
					t.Errorf("got %s", body)
				}
			}},
		{name: "a failed deployment carries its error", path: deploymentsPath + "/rec-2", status: 200,
			check: func(t *testing.T, body []byte) {
				if !strings.Contains(string(body), `"status":"ROLLED_BACK"`) || !strings.Contains(string(body), "image not found") {
					t.Errorf("got %s", body)
				}
			}},
		{name: "a just-posted deployment the workflow has not recorded is PENDING",
			setup: func(h *harness) { h.do("POST", deploymentsPath, []byte(validConfig)) },
			path:  deploymentsPath + "/dep-1", status: 200,
			check: func(t *testing.T, body []byte) {
				want := `{"id":"dep-1","app":"my-app","stage":"prod","status":"PENDING","source":"api","key":"my-app/prod/serverless.containers.yml","configVersion":"v1"}`
				if strings.TrimSpace(string(body)) != want {
					t.Errorf("got %s\nwant %s", body, want)
				}
			}},
		{name: "a posted deployment superseded by a newer post before it was recorded is not_found",
			setup: func(h *harness) {
				h.do("POST", deploymentsPath, []byte(validConfig))
				h.do("POST", deploymentsPath, []byte(validConfig))
			},
			path: deploymentsPath + "/dep-1", status: 404, code: CodeNotFound},
		{name: "an unknown id is not_found", path: deploymentsPath + "/nope", status: 404, code: CodeNotFound},
		{name: "a deployment of another stage is not_found", path: "/v1/apps/my-app/stages/dev/deployments/rec-1", status: 404, code: CodeNotFound},
		{name: "an id with a dot is invalid_path", path: deploymentsPath + "/a.b", status: 400, code: CodeInvalidPath},
		{name: "an id over 80 characters is invalid_path", path: deploymentsPath + "/" + strings.Repeat("x", 81), status: 400, code: CodeInvalidPath},
		{name: "a store failure is internal", setup: func(h *harness) { h.state.err = errors.New("throttled") },
			path: deploymentsPath + "/rec-1", status: 500, code: CodeInternal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			h.state.deployments["rec-1"], h.state.deployments["rec-2"] = recorded, failed
			if tt.setup != nil {
				tt.setup(h)
			}
			rec := h.do("GET", tt.path, nil)
			if tt.code != "" {
				wantError(t, rec, tt.status, tt.code)
				return
			}
			if rec.Code != tt.status {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			tt.check(t, rec.Body.Bytes())
		})
	}
}

func TestListingDeployments(t *testing.T) {
	history := make([]state.Deployment, 30)
	for i := range history {
		history[i] = state.Deployment{ID: "d" + string(rune('a'+i%26)), App: "my-app", Stage: "prod", Status: state.StatusSucceeded, Started: testNow}
	}
	tests := []struct {
		name      string
		query     string
		history   []state.Deployment
		status    int
		code      string
		wantLimit int
		wantCount int
	}{
		{name: "without a limit the store's default of 20 applies", history: history, status: 200, wantLimit: 20, wantCount: 20},
		{name: "a limit is passed to the store", query: "?limit=5", history: history, status: 200, wantLimit: 5, wantCount: 5},
		{name: "the largest limit is 100", query: "?limit=100", history: history, status: 200, wantLimit: 100, wantCount: 30},
		{name: "a stage without deployments lists none as an empty array", status: 200, wantLimit: 20, wantCount: 0},
		{name: "a limit over 100 is invalid_query", query: "?limit=101", status: 400, code: CodeInvalidQuery},
		{name: "a zero limit is invalid_query", query: "?limit=0", status: 400, code: CodeInvalidQuery},
		{name: "a limit that is not a number is invalid_query", query: "?limit=ten", status: 400, code: CodeInvalidQuery},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			h.state.history = tt.history
			rec := h.do("GET", deploymentsPath+tt.query, nil)
			if tt.code != "" {
				wantError(t, rec, tt.status, tt.code)
				return
			}
			if rec.Code != tt.status {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			if !strings.Contains(rec.Body.String(), `"deployments":[`) {
				t.Errorf("deployments is not an array: %s", rec.Body)
			}
			got := decode[DeploymentList](t, rec)
			if got.App != "my-app" || got.Stage != "prod" || len(got.Deployments) != tt.wantCount || h.state.listLimit != tt.wantLimit {
				t.Errorf("%s/%s %d deployments (limit %d), want %d (limit %d)", got.App, got.Stage, len(got.Deployments), h.state.listLimit, tt.wantCount, tt.wantLimit)
			}
		})
	}
}

// appliedFor builds an applied state from a config, with outputs as the provisioners
// report them (including outputs the API must not show).
func appliedFor(t *testing.T, yml string) *state.Applied {
	t.Helper()
	cfg, err := config.Load(context.Background(), []byte(yml), config.Options{Stage: "prod"})
	if err != nil {
		t.Fatal(err)
	}
	desired, err := plan.Build(cfg, testTarget)
	if err != nil {
		t.Fatal(err)
	}
	route, err := edge.EncodeValue(edge.RouteValue{Container: "api", Target: edge.TargetLambda, Domain: "abc123.lambda-url.eu-west-1.on.aws"})
	if err != nil {
		t.Fatal(err)
	}
	return &state.Applied{
		Desired: desired,
		Outputs: map[string]provision.Outputs{
			"Distribution": {"Arn": "arn:aws:cloudfront::123456789012:distribution/E1", "Id": "E1", "DomainName": "d123.cloudfront.net"},
			"api/Function": {"Arn": "arn:aws:lambda:eu-west-1:123456789012:function:berth-my-app-prod-api-fn", "Stage": "internal-detail"},
			"api/Url":      {"Url": "https://abc123.lambda-url.eu-west-1.on.aws/"},
			// The route table's outputs are its entries as read back.
			plan.IDRouteTable: {"shop.example.com/api/*": route, "/legacy/*": "not-a-route-value"},
		},
		ConfigVersion: "v3", DeploymentID: "dep-0", UpdatedAt: testNow,
	}
}

func TestGettingAStageShowsWhatRunsWithSafeOutputsOnly(t *testing.T) {
	h := newHarness(t)
	h.state.applied = appliedFor(t, withDomain)
	h.state.lock = &state.Lock{Holder: "dep-5", ExpiresAt: testNow.Add(3e12), Pending: &state.Request{DeploymentID: "dep-6", RequestedAt: testNow}}
	h.state.drift = &state.DriftReport{At: testNow, Resources: []state.ResourceDrift{{ID: "api/Function", Kind: plan.KindFunction,
		Diff: []provision.FieldDiff{{Field: "memoryMb", Desired: "1024", Actual: "512"}}}}}
	rec := h.do("GET", "/v1/apps/my-app/stages/prod", nil)
	if rec.Code != 200 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	got := decode[Stage](t, rec)
	if got.DistributionDomain != "d123.cloudfront.net" || !slices.Equal(got.CustomDomains, []string{"shop.example.com"}) {
		t.Errorf("domain %q custom %v", got.DistributionDomain, got.CustomDomains)
	}
	if got.DeploymentID != "dep-0" || got.ConfigVersion != "v3" || got.Region != "eu-west-1" || !got.UpdatedAt.Equal(testNow) {
		t.Errorf("header %+v", got)
	}
	wantRoutes := []Route{
		{Key: "/legacy/*", Value: "not-a-route-value"},
		{Key: "shop.example.com/api/*", Container: "api", Target: "lambda", Origin: "abc123.lambda-url.eu-west-1.on.aws"},
	}
	if !slices.Equal(got.Routes, wantRoutes) {
		t.Errorf("routes %+v\nwant %+v", got.Routes, wantRoutes)
	}
	if len(got.Resources) != len(h.state.applied.Desired.Resources) {
		t.Errorf("%d resources, want %d", len(got.Resources), len(h.state.applied.Desired.Resources))
	}
	byID := map[string]StageResource{}
	for _, r := range got.Resources {
		byID[r.ID] = r
		for k := range r.Outputs {
			if !slices.Contains(safeOutputs, k) {
				t.Errorf("%s shows output %s", r.ID, k)
			}
		}
	}
	if fn := byID["api/Function"]; fn.Kind != plan.KindFunction || fn.Name == "" || fn.Container != "api" || fn.Outputs["Arn"] == "" {
		t.Errorf("api/Function %+v", fn)
	}
	if byID["api/Url"].Outputs["Url"] != "https://abc123.lambda-url.eu-west-1.on.aws/" {
		t.Errorf("api/Url %+v", byID["api/Url"])
	}
	if strings.Contains(rec.Body.String(), "internal-detail") {
		t.Errorf("an unsafe output is shown: %s", rec.Body)
	}
	if got.Lock == nil || got.Lock.Holder != "dep-5" || got.Lock.Pending == nil || got.Lock.Pending.DeploymentID != "dep-6" {
		t.Errorf("lock %+v", got.Lock)
	}
	if got.Drift == nil || len(got.Drift.Resources) != 1 || got.Drift.Resources[0].Diff[0].Actual != "512" {
		t.Errorf("drift %+v", got.Drift)
	}
}

func TestAStageWithoutLockOrDriftReportShowsNulls(t *testing.T) {
	h := newHarness(t)
	h.state.applied = appliedFor(t, validConfig)
	rec := h.do("GET", "/v1/apps/my-app/stages/prod", nil)
	if rec.Code != 200 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	for _, want := range []string{`"lock":null`, `"drift":null`, `"customDomains":[]`} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("want %s in %s", want, rec.Body)
		}
	}
}

func TestAStageThatWasNeverDeployedIsNotFound(t *testing.T) {
	h := newHarness(t)
	wantError(t, h.do("GET", "/v1/apps/my-app/stages/prod", nil), 404, CodeNotFound)
}

func TestDeletingAStageStartsTheRemoveMachineWithTheWorkflowRequestShape(t *testing.T) {
	h := newHarness(t)
	h.state.applied = appliedFor(t, validConfig)
	rec := h.do("DELETE", "/v1/apps/my-app/stages/prod", nil)
	if rec.Code != http.StatusAccepted {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	got := decode[Accepted](t, rec)
	if got.DeploymentID != "dep-1" || got.Status != "PENDING" || got.Links.Self != deploymentsPath+"/dep-1" || !strings.HasSuffix(got.ExecutionArn, ":dep-1") {
		t.Errorf("answer %s", rec.Body)
	}
	want := []stage.RemoveRequest{{App: "my-app", Stage: "prod", Source: "api", DeploymentID: "dep-1"}}
	if !slices.Equal(h.remover.started, want) {
		t.Errorf("started %+v, want %+v", h.remover.started, want)
	}
	if len(h.configs.puts) != 0 {
		t.Error("a removal wrote a config")
	}
}

func TestDeletingAStageThatWasNeverDeployedIsNotFoundAndStartsNothing(t *testing.T) {
	h := newHarness(t)
	wantError(t, h.do("DELETE", "/v1/apps/my-app/stages/prod", nil), 404, CodeNotFound)
	if len(h.remover.started) != 0 {
		t.Errorf("started %v", h.remover.started)
	}
}

func TestARemovalThatCannotStartIsInternal(t *testing.T) {
	h := newHarness(t)
	h.state.applied = appliedFor(t, validConfig)
	h.remover.err = errors.New("ExecutionAlreadyExists")
	wantError(t, h.do("DELETE", "/v1/apps/my-app/stages/prod", nil), 500, CodeInternal)
}

// The remove machine's Init passes its input on as a workflow.Request: every field the
// API sends must exist there under the same name.
func TestTheRemoveInputDecodesIntoAWorkflowRequest(t *testing.T) {
	in, err := json.Marshal(stage.RemoveRequest{App: "my-app", Stage: "prod", Source: "api", DeploymentID: "dep-1"})
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(in))
	dec.DisallowUnknownFields()
	var r workflow.Request
	if err := dec.Decode(&r); err != nil {
		t.Fatalf("%s: %v", in, err)
	}
	if r != (workflow.Request{App: "my-app", Stage: "prod", Source: "api", DeploymentID: "dep-1"}) {
		t.Errorf("decoded %+v from %s", r, in)
	}
}

func TestPlanningIsADryRunThatDiffsAgainstTheAppliedState(t *testing.T) {
	tests := []struct {
		name    string
		applied *state.Applied
		body    string
		want    func(stage.Summary) bool
		applyID string
		// wantDelete is a kind the plan must delete.
		wantDelete plan.Kind
	}{
		{name: "a stage never deployed plans only creates", body: validConfig,
			want: func(s stage.Summary) bool { return s.Create > 0 && s.Update == 0 && s.Delete == 0 && s.Noop == 0 }},
		{name: "the applied config planned again is all noops", applied: appliedFor(t, validConfig), body: validConfig, applyID: "dep-0",
			want: func(s stage.Summary) bool { return s.Noop > 0 && s.Create == 0 && s.Update == 0 && s.Delete == 0 }},
		{name: "a changed memory size is an update", applied: appliedFor(t, validConfig), body: strings.Replace(validConfig, "memory: 1024", "memory: 2048", 1), applyID: "dep-0",
			want: func(s stage.Summary) bool { return s.Update == 1 && s.Create == 0 && s.Delete == 0 }},
		{name: "dropping the custom domain deletes its certificate and records", applied: appliedFor(t, withDomain), body: validConfig, applyID: "dep-0",
			// The route's key loses its domain: an update of the route table, no create.
			want: func(s stage.Summary) bool { return s.Delete > 0 && s.Create == 0 && s.Update > 0 }, wantDelete: plan.KindCertificate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			h.state.applied = tt.applied
			rec := h.do("POST", "/v1/apps/my-app/stages/prod/plan", []byte(tt.body))
			if rec.Code != 200 {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			got := decode[PlanResult](t, rec)
			if !tt.want(got.Summary) {
				t.Errorf("summary %+v", got.Summary)
			}
			var counted stage.Summary
			deletes := map[plan.Kind]bool{}
			for _, s := range got.Steps {
				if s.Action == plan.Delete {
					deletes[s.Kind] = true
				}
				switch s.Action {
				case plan.Create:
					counted.Create++
				case plan.Update:
					counted.Update++
				case plan.Delete:
					counted.Delete++
				case plan.Noop:
					counted.Noop++
				}
			}
			if tt.wantDelete != "" && !deletes[tt.wantDelete] {
				t.Errorf("no delete of a %s: %+v", tt.wantDelete, got.Steps)
			}
			if counted != got.Summary {
				t.Errorf("summary %+v, steps count %+v", got.Summary, counted)
			}
			if got.Desired == nil || got.Desired.App != "my-app" || got.Desired.Stage != "prod" || got.Desired.Region != "eu-west-1" || got.Desired.Account != "123456789012" {
				t.Errorf("desired %+v", got.Desired)
			}
			if got.AppliedDeploymentID != tt.applyID {
				t.Errorf("appliedDeploymentId %q, want %q", got.AppliedDeploymentID, tt.applyID)
			}
			// The plan JSON is docs/plan-json.md's: it decodes as a plan.Plan.
			var p plan.Plan
			if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || len(p.Steps) != len(got.Steps) {
				t.Errorf("not a plan.Plan: %v", err)
			}
			if len(h.configs.puts) != 0 || len(h.remover.started) != 0 {
				t.Error("a plan wrote something")
			}
		})
	}
}

func TestPlanningRefusesWhatDeployingWould(t *testing.T) {
	tests := []struct {
		name   string
		path   string
		body   []byte
		status int
		code   string
	}{
		{name: "a bad config is invalid_config", path: "/v1/apps/my-app/stages/prod/plan", body: []byte("name: my-app\n"), status: 400, code: CodeInvalidConfig},
		{name: "another app's config is name_mismatch", path: "/v1/apps/shop/stages/prod/plan", body: []byte(validConfig), status: 400, code: CodeNameMismatch},
		{name: "a body over 256 KB is payload_too_large", path: "/v1/apps/my-app/stages/prod/plan", body: bytes.Repeat([]byte("a"), MaxBody+1), status: 413, code: CodePayloadTooLarge},
		{name: "a bad stage is invalid_path", path: "/v1/apps/my-app/stages/-x/plan", body: []byte(validConfig), status: 400, code: CodeInvalidPath},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			wantError(t, h.do("POST", tt.path, tt.body), tt.status, tt.code)
		})
	}
}

func TestRequestsNoRouteServesGetTheErrorEnvelope(t *testing.T) {
	tests := []struct {
		name, method, path string
		status             int
		code               string
		allow              []string
	}{
		{name: "an unknown path is not_found", method: "GET", path: "/v1/nothing", status: 404, code: CodeNotFound},
		{name: "the root is not_found", method: "GET", path: "/", status: 404, code: CodeNotFound},
		{name: "a path under an app without a stage is not_found", method: "GET", path: "/v1/apps/my-app", status: 404, code: CodeNotFound},
		{name: "a trailing slash is not_found", method: "GET", path: "/v1/apps/my-app/stages/prod/", status: 404, code: CodeNotFound},
		{name: "PUT on deployments is method_not_allowed", method: "PUT", path: deploymentsPath, status: 405, code: CodeMethodNotAllowed, allow: []string{"GET", "POST"}},
		{name: "DELETE on a deployment is method_not_allowed", method: "DELETE", path: deploymentsPath + "/dep-1", status: 405, code: CodeMethodNotAllowed, allow: []string{"GET"}},
		{name: "POST on a stage is method_not_allowed", method: "POST", path: "/v1/apps/my-app/stages/prod", status: 405, code: CodeMethodNotAllowed, allow: []string{"DELETE", "GET"}},
		{name: "GET on plan is method_not_allowed", method: "GET", path: "/v1/apps/my-app/stages/prod/plan", status: 405, code: CodeMethodNotAllowed, allow: []string{"POST"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			rec := h.do(tt.method, tt.path, nil)
			wantError(t, rec, tt.status, tt.code)
			allow := rec.Header().Get("Allow")
			for _, m := range tt.allow {
				if !strings.Contains(allow, m) {
					t.Errorf("Allow %q, want %s in it", allow, m)
				}
			}
			if tt.allow == nil && allow != "" {
				t.Errorf("Allow %q on a 404", allow)
			}
		})
	}
}

func TestEveryRequestIsLoggedWithItsRouteAppAndStage(t *testing.T) {
	h := newHarness(t)
	h.state.applied = appliedFor(t, validConfig)
	h.do("GET", "/v1/apps/my-app/stages/prod", nil)
	var line map[string]any
	if err := json.Unmarshal([]byte(strings.Split(h.logs.String(), "\n")[0]), &line); err != nil {
		t.Fatalf("log %q: %v", h.logs, err)
	}
	for k, want := range map[string]any{"route": RouteGetStage, "app": "my-app", "stage": "prod", "status": float64(200), "msg": "request"} {
		if line[k] != want {
			t.Errorf("log %s = %v, want %v (%s)", k, line[k], want, h.logs)
		}
	}
}

func TestRandomIDsAreValidDistinctDeploymentIDs(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		id := RandomIDs{}.NewID()
		if checkID(id) != nil || len(id) != 36 || seen[id] {
			t.Fatalf("id %q", id)
		}
		seen[id] = true
	}
}

func TestAnInvalidIDFromTheGeneratorIsAnInternalErrorNotAStoredConfig(t *testing.T) {
	h := newHarness(t)
	h.srv.o.IDs = IDFunc(func() string { return "bad#id" })
	wantError(t, h.do("POST", deploymentsPath, []byte(validConfig)), 500, CodeInternal)
	if len(h.configs.puts) != 0 {
		t.Error("stored")
	}
}

// equalJSON compares two values by their JSON encoding.
func equalJSON(t *testing.T, a, b any) bool {
	t.Helper()
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	return bytes.Equal(x, y)
}
