package template

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/stage"
	"github.com/berth-dev/berth/internal/workflow"
)

// strictDecode decodes events/<name> into v, refusing unknown fields and trailing data.
func strictDecode(t testing.TB, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(t), "events", name))
	if err != nil {
		t.Fatal(err)
	}
	strictDecodeBytes(t, "events/"+name, b, v, "")
}

// strictDecodeBytes decodes b into v like strictDecode; into names v's type in messages
// ("" = its Go type).
func strictDecodeBytes(t testing.TB, what string, b []byte, v any, into string) {
	t.Helper()
	if into == "" {
		into = fmt.Sprintf("%T", v)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s does not decode into %s: %v", what, into, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		t.Fatalf("%s: data after the JSON value", what)
	}
}

// s3ObjectCreated is the EventBridge event S3 sends for Object Created (no workflow type
// reads it: the trigger rule's input transformer turns it into a workflow.Request).
type s3ObjectCreated struct {
	Version    string   `json:"version"`
	ID         string   `json:"id"`
	DetailType string   `json:"detail-type"`
	Source     string   `json:"source"`
	Account    string   `json:"account"`
	Time       string   `json:"time"`
	Region     string   `json:"region"`
	Resources  []string `json:"resources"`
	Detail     struct {
		Version string `json:"version"`
		Bucket  struct {
			Name string `json:"name"`
		} `json:"bucket"`
		Object struct {
			Key       string `json:"key"`
			Size      int64  `json:"size"`
			ETag      string `json:"etag"`
			VersionID string `json:"version-id"`
			Sequencer string `json:"sequencer"`
		} `json:"object"`
		RequestID       string `json:"request-id"`
		Requester       string `json:"requester"`
		SourceIPAddress string `json:"source-ip-address"`
		Reason          string `json:"reason"`
	} `json:"detail"`
}

// eventBridgeEnvelope is the common part of every EventBridge event.
type eventBridgeEnvelope struct {
	Version    string          `json:"version"`
	ID         string          `json:"id"`
	DetailType string          `json:"detail-type"`
	Source     string          `json:"source"`
	Account    string          `json:"account"`
	Time       string          `json:"time"`
	Region     string          `json:"region"`
	Resources  []string        `json:"resources"`
	Detail     json.RawMessage `json:"detail"`
}

// executionStatusChangeDetail is the type of a "Step Functions Execution Status Change"
// detail: every field of workflow.ExecutionEvent's Detail plus the documented fields the
// handler ignores. Built by reflection so a field added to the workflow type must also
// be in the sample.
func executionStatusChangeDetail() reflect.Type {
	detail, _ := reflect.TypeOf(workflow.ExecutionEvent{}).FieldByName("Detail")
	var fields []reflect.StructField
	have := map[string]bool{}
	for i := 0; i < detail.Type.NumField(); i++ {
		f := detail.Type.Field(i)
		fields = append(fields, f)
		have[strings.Split(f.Tag.Get("json"), ",")[0]] = true
	}
	extra := []struct {
		name, tag string
		typ       reflect.Type
	}{
		{"StateMachineArn", "stateMachineArn", reflect.TypeOf("")},
		{"StartDate", "startDate", reflect.TypeOf(int64(0))},
		{"StopDate", "stopDate", reflect.TypeOf((*int64)(nil))},
		{"Output", "output", reflect.TypeOf((*string)(nil))},
		{"InputDetails", "inputDetails", reflect.TypeOf(map[string]bool{})},
		{"OutputDetails", "outputDetails", reflect.TypeOf(map[string]bool{})},
		{"Error", "error", reflect.TypeOf((*string)(nil))},
		{"Cause", "cause", reflect.TypeOf((*string)(nil))},
		{"RedriveCount", "redriveCount", reflect.TypeOf(0)},
		{"RedriveDate", "redriveDate", reflect.TypeOf((*int64)(nil))},
		{"RedriveStatus", "redriveStatus", reflect.TypeOf("")},
		{"RedriveStatusReason", "redriveStatusReason", reflect.TypeOf("")},
	}
	for _, e := range extra {
		if !have[e.tag] {
			fields = append(fields, reflect.StructField{Name: e.name, Type: e.typ, Tag: reflect.StructTag(`json:"` + e.tag + `"`)})
		}
	}
	return reflect.StructOf(fields)
}

// samples maps every file under events/ to how it is checked.
var samples = map[string]func(t *testing.T, name string){
	"deploy-input.json": decodeAs[workflow.Request],
	"drift.json":        decodeAs[workflow.Request],
	"validate.json":     decodeAs[workflow.ValidateInput],
	"lock.json":         decodeAs[workflow.LockInput],
	"plan.json":         decodeAs[workflow.PlanInput],
	"plan-wave.json":    decodeAs[workflow.PlanInput],
	"compute.json":      decodeAs[workflow.StepInput],
	"alb.json":          decodeAs[workflow.StepInput],
	"cdn.json":          decodeAs[workflow.StepInput],
	"verify.json":       decodeAs[workflow.VerifyInput],
	"commit.json":       decodeAs[workflow.CommitInput],
	"compensate.json":   decodeAs[workflow.CompensateInput],
	"s3-object-created.json": func(t *testing.T, name string) {
		var e s3ObjectCreated
		strictDecode(t, name, &e)
		if e.Source != "aws.s3" || e.DetailType != "Object Created" || e.Detail.Object.VersionID == "" {
			t.Errorf("%s is not an S3 Object Created event of a versioned bucket", name)
		}
	},
	"unlock.json": func(t *testing.T, name string) {
		var env eventBridgeEnvelope
		strictDecode(t, name, &env)
		if env.Source != "aws.states" || env.DetailType != "Step Functions Execution Status Change" {
			t.Errorf("%s: source %q, detail-type %q", name, env.Source, env.DetailType)
		}
		detail := reflect.New(executionStatusChangeDetail()).Interface()
		strictDecodeBytes(t, name+" detail", env.Detail, detail, "workflow.ExecutionEvent.Detail plus the documented Step Functions status-change fields")
		var ev workflow.ExecutionEvent
		b, _ := os.ReadFile(filepath.Join(repoRoot(t), "events", name))
		if err := json.Unmarshal(b, &ev); err != nil {
			t.Fatal(err)
		}
		d := reflect.ValueOf(ev.Detail)
		for i := 0; i < d.NumField(); i++ {
			if d.Field(i).IsZero() {
				t.Errorf("%s: workflow.ExecutionEvent.Detail.%s is empty", name, d.Type().Field(i).Name)
			}
		}
		var input workflow.Request
		strictDecodeBytes(t, name+" detail.input", []byte(ev.Detail.Input), &input, "")
	},
	"api-post-deployment.json": decodeAPI,
	"api-get-stage.json":       decodeAPI,
}

func decodeAs[T any](t *testing.T, name string) {
	var v T
	strictDecode(t, name, &v)
}

// maxAPIBody is the body limit the api function enforces.
const maxAPIBody = 256 << 10

func decodeAPI(t *testing.T, name string) {
	var e events.APIGatewayV2HTTPRequest
	strictDecode(t, name, &e)
	if e.Version != "2.0" || e.RouteKey != "ANY /v1/{proxy+}" || e.RequestContext.RouteKey != e.RouteKey {
		t.Errorf("%s: version %q route %q: want payload 2.0 on the template's route ANY /v1/{proxy+}", name, e.Version, e.RouteKey)
	}
	iam := e.RequestContext.Authorizer
	if iam == nil || iam.IAM == nil || iam.IAM.UserARN == "" || iam.IAM.AccountID == "" {
		t.Errorf("%s: requestContext.authorizer.iam is not filled in (every route is IAM-authorized)", name)
	}
	if !strings.HasPrefix(e.RawPath, "/v1/") || e.PathParameters["proxy"] != strings.TrimPrefix(e.RawPath, "/v1/") {
		t.Errorf("%s: rawPath %q and pathParameters.proxy %q disagree", name, e.RawPath, e.PathParameters["proxy"])
	}
	if len(e.Body) > maxAPIBody {
		t.Errorf("%s: the body is over the 256 KB the api accepts", name)
	}
}

func TestEverySampleEventDecodesIntoTheTypeItStandsForWithNoUnknownFields(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(repoRoot(t), "events", "*"))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, f := range files {
		name := filepath.Base(f)
		seen[name] = true
		check, ok := samples[name]
		if !ok {
			t.Errorf("events/%s is checked by no test: add it to samples", name)
			continue
		}
		t.Run(name, func(t *testing.T) { check(t, name) })
	}
	for name := range samples {
		if !seen[name] {
			t.Errorf("events/%s is missing", name)
		}
	}
}

// The samples tell one deployment's story, so `sam local invoke` with them chains up:
// the S3 event, the state machine's input, the validated context every later state
// carries, and the execution that failed.
func TestTheSamplesDescribeOneDeploymentConsistently(t *testing.T) {
	var req workflow.Request
	strictDecode(t, "deploy-input.json", &req)
	var v workflow.ValidateInput
	strictDecode(t, "validate.json", &v)
	if v.Request != req {
		t.Errorf("validate.json's request %+v is not events/deploy-input.json %+v", v.Request, req)
	}
	app, stg, ok := stage.ParseKey(req.Key)
	if !ok {
		t.Fatalf("deploy-input.json key %q is not <app>/<stage>/serverless.containers.yml", req.Key)
	}
	want := workflow.Ctx{DeploymentID: v.Execution.Name, App: app, Stage: stg, Bucket: req.Bucket, Key: req.Key,
		VersionID: req.VersionID, Source: req.Source, ExecutionArn: v.Execution.Arn}
	ctxOf := map[string]func() workflow.Ctx{
		"lock.json":       ctxIn(t, "lock.json", func(x workflow.LockInput) workflow.Ctx { return x.Ctx }),
		"plan.json":       ctxIn(t, "plan.json", func(x workflow.PlanInput) workflow.Ctx { return x.Ctx }),
		"plan-wave.json":  ctxIn(t, "plan-wave.json", func(x workflow.PlanInput) workflow.Ctx { return x.Ctx }),
		"verify.json":     ctxIn(t, "verify.json", func(x workflow.VerifyInput) workflow.Ctx { return x.Ctx }),
		"compensate.json": ctxIn(t, "compensate.json", func(x workflow.CompensateInput) workflow.Ctx { return x.Ctx }),
		"commit.json": ctxIn(t, "commit.json", func(x workflow.CommitInput) workflow.Ctx {
			if x.Ctx == nil {
				t.Fatal("commit.json has no ctx")
			}
			return *x.Ctx
		}),
	}
	for _, fn := range []string{"compute", "alb", "cdn"} {
		ctxOf[fn+".json"] = ctxIn(t, fn+".json", func(x workflow.StepInput) workflow.Ctx {
			if x.Step.Fn != fn {
				t.Errorf("%s.json runs step %q with fn %q", fn, x.Step.ID, x.Step.Fn)
			}
			if !contains([]string{"create", "update", "delete", "noop"}, x.Step.Action) {
				t.Errorf("%s.json: action %q", fn, x.Step.Action)
			}
			return x.Ctx
		})
	}
	for name, get := range ctxOf {
		if got := get(); got != want {
			t.Errorf("%s ctx = %+v\nwant (from deploy-input.json and validate.json) %+v", name, got, want)
		}
	}
	var plan, wave workflow.PlanInput
	strictDecode(t, "plan.json", &plan)
	strictDecode(t, "plan-wave.json", &wave)
	if plan.Action != "plan" || wave.Action != "wave" || wave.Phase != "apply" {
		t.Errorf("plan.json action %q, plan-wave.json action %q phase %q", plan.Action, wave.Action, wave.Phase)
	}
	var comp workflow.CompensateInput
	strictDecode(t, "compensate.json", &comp)
	var cause struct {
		ErrorType string `json:"errorType"`
	}
	if comp.Error == nil || json.Unmarshal([]byte(comp.Error.Cause), &cause) != nil || cause.ErrorType != comp.Error.Error {
		t.Errorf("compensate.json: error %+v: Cause should be the Lambda error JSON whose errorType is Error", comp.Error)
	}

	var s3 s3ObjectCreated
	strictDecode(t, "s3-object-created.json", &s3)
	if s3.Detail.Bucket.Name != req.Bucket || s3.Detail.Object.Key != req.Key || s3.Detail.Object.VersionID != req.VersionID {
		t.Error("s3-object-created.json is not the upload deploy-input.json starts")
	}

	var env eventBridgeEnvelope
	strictDecode(t, "unlock.json", &env)
	var ev workflow.ExecutionEvent
	b, _ := os.ReadFile(filepath.Join(repoRoot(t), "events", "unlock.json"))
	_ = json.Unmarshal(b, &ev)
	if ev.Detail.Name != v.Execution.Name || ev.Detail.ExecutionArn != v.Execution.Arn || ev.Detail.Status != "FAILED" {
		t.Errorf("unlock.json is not the FAILED end of the sample execution: %+v", ev.Detail)
	}
	var input workflow.Request
	_ = json.Unmarshal([]byte(ev.Detail.Input), &input)
	if input != req {
		t.Errorf("unlock.json detail.input %+v, want deploy-input.json %+v", input, req)
	}
}

// ctxIn returns a function that decodes events/<name> as T and picks its ctx.
func ctxIn[T any](t *testing.T, name string, pick func(T) workflow.Ctx) func() workflow.Ctx {
	return func() workflow.Ctx {
		var x T
		strictDecode(t, name, &x)
		return pick(x)
	}
}

// The POST sample's body is a config berth accepts, for the app and stage in its path.
func TestTheAPIDeploymentSampleCarriesAValidConfigForItsPath(t *testing.T) {
	var e events.APIGatewayV2HTTPRequest
	strictDecode(t, "api-post-deployment.json", &e)
	body := []byte(e.Body)
	if e.IsBase64Encoded {
		var err error
		if body, err = base64.StdEncoding.DecodeString(e.Body); err != nil {
			t.Fatal(err)
		}
	}
	if e.RequestContext.HTTP.Method != "POST" || e.Headers["content-type"] != "application/yaml" {
		t.Errorf("method %q content-type %q", e.RequestContext.HTTP.Method, e.Headers["content-type"])
	}
	parts := strings.Split(strings.TrimPrefix(e.RawPath, "/v1/"), "/") // apps/<app>/stages/<stage>/deployments
	if len(parts) != 5 || parts[0] != "apps" || parts[2] != "stages" || parts[4] != "deployments" {
		t.Fatalf("path %s, want /v1/apps/<app>/stages/<stage>/deployments", e.RawPath)
	}
	cfg, err := config.Load(context.Background(), body, config.Options{Stage: parts[3], File: "api-post-deployment.json body"})
	if err != nil {
		t.Fatalf("the body is not a valid config: %v", err)
	}
	if cfg.Name != parts[1] {
		t.Errorf("config name %q, path app %q", cfg.Name, parts[1])
	}
}
