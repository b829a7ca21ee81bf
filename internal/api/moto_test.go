package api_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/berth-dev/berth/internal/api"
	"github.com/berth-dev/berth/internal/awsdeps"
	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/motoserver"
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/stage"
	"github.com/berth-dev/berth/internal/state"
)

// The API as the api function wires it (awsdeps.BuildAPI), against real S3, DynamoDB and
// Step Functions in moto (TestMain in main_test.go starts moto_server).

const motoRegion = "eu-west-1"

type motoEnv struct {
	srv      http.Handler
	s3       *s3.Client
	sfn      *sfn.Client
	store    *state.Store
	settings awsdeps.Settings
}

func newMotoEnv(t *testing.T) *motoEnv {
	t.Helper()
	ctx := context.Background()
	if err := motoserver.Shared.Reset(); err != nil {
		t.Fatal(err)
	}
	cfg, err := motoserver.Shared.AWSConfig(ctx, motoRegion)
	if err != nil {
		t.Fatal(err)
	}
	s := awsdeps.Settings{Region: motoRegion, Account: motoserver.Account, Table: "berth-state",
		ArtifactsBucket: "berth-artifacts", ConfigBucket: "berth-configs", Emulator: true}
	e := &motoEnv{settings: s, s3: s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }), sfn: sfn.NewFromConfig(cfg)}
	db := dynamodb.NewFromConfig(cfg)
	// template.yaml's StateTable key schema, and its two buckets; the config bucket is
	// versioned like template.yaml's ConfigBucket.
	if _, err := db.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName: aws.String(s.Table), BillingMode: ddbtypes.BillingModePayPerRequest,
		AttributeDefinitions: []ddbtypes.AttributeDefinition{
			{AttributeName: aws.String("pk"), AttributeType: ddbtypes.ScalarAttributeTypeS},
			{AttributeName: aws.String("sk"), AttributeType: ddbtypes.ScalarAttributeTypeS},
		},
		KeySchema: []ddbtypes.KeySchemaElement{
			{AttributeName: aws.String("pk"), KeyType: ddbtypes.KeyTypeHash},
			{AttributeName: aws.String("sk"), KeyType: ddbtypes.KeyTypeRange},
		},
	}); err != nil {
		t.Fatal(err)
	}
	for _, b := range []string{s.ConfigBucket, s.ArtifactsBucket} {
		if _, err := e.s3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b),
			CreateBucketConfiguration: &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraint(motoRegion)}}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.s3.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String(b),
			VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}}); err != nil {
			t.Fatal(err)
		}
	}
	sm, err := e.sfn.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{
		Name:       aws.String("berth-remove"),
		Definition: aws.String(`{"StartAt":"Init","States":{"Init":{"Type":"Pass","End":true}}}`),
		RoleArn:    aws.String("arn:aws:iam::" + motoserver.Account + ":role/berth/berth-remove-machine"),
	})
	if err != nil {
		t.Fatal(err)
	}
	e.settings.RemoveMachineArn = aws.ToString(sm.StateMachineArn)
	e.store = state.New(db, e.s3, s.Table, s.ArtifactsBucket)
	e.srv = awsdeps.BuildAPI(cfg, e.settings, slog.New(slog.NewTextHandler(io.Discard, nil)))
	return e
}

func (e *motoEnv) do(t *testing.T, method, path string, body []byte) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	e.srv.ServeHTTP(rec, httptest.NewRequest(method, path, bytes.NewReader(body)))
	return rec
}

// sampleConfig is the sample POST event's body: my-app, for stage prod.
func sampleConfig(t *testing.T) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "events", "api-post-deployment.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	body, err := base64.StdEncoding.DecodeString(ev.Body)
	if err != nil {
		t.Fatal(err)
	}
	return body
}

func accepted(t *testing.T, rec *httptest.ResponseRecorder) api.Accepted {
	t.Helper()
	if rec.Code != http.StatusAccepted {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	var a api.Accepted
	if err := json.Unmarshal(rec.Body.Bytes(), &a); err != nil {
		t.Fatal(err)
	}
	return a
}

func TestPostedConfigsLandInTheVersionedConfigBucketExactlyAsUploaded(t *testing.T) {
	e := newMotoEnv(t)
	ctx := context.Background()
	const path = "/v1/apps/my-app/stages/prod/deployments"
	const key = "my-app/prod/serverless.containers.yml"
	first := sampleConfig(t)
	second := bytes.Replace(first, []byte("memory: 1024"), []byte("memory: 2048"), 1)
	if bytes.Equal(first, second) {
		t.Fatal("the sample config has no memory: 1024 to change")
	}

	a1 := accepted(t, e.do(t, "POST", path, first))
	a2 := accepted(t, e.do(t, "POST", path, second))
	if a1.DeploymentID == a2.DeploymentID || a1.ConfigVersion == "" || a1.ConfigVersion == a2.ConfigVersion {
		t.Fatalf("ids %s %s versions %q %q", a1.DeploymentID, a2.DeploymentID, a1.ConfigVersion, a2.ConfigVersion)
	}

	// Both versions are kept, each with its own bytes and its own deployment id.
	versions, err := e.s3.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: aws.String(e.settings.ConfigBucket)})
	if err != nil {
		t.Fatal(err)
	}
	if len(versions.Versions) != 2 {
		t.Fatalf("%d versions, want 2: %+v", len(versions.Versions), versions.Versions)
	}
	for _, v := range versions.Versions {
		if aws.ToString(v.Key) != key {
			t.Errorf("object at %q, want %q", aws.ToString(v.Key), key)
		}
	}
	for _, want := range []struct {
		a    api.Accepted
		body []byte
	}{{a1, first}, {a2, second}} {
		out, err := e.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(e.settings.ConfigBucket), Key: aws.String(key), VersionId: aws.String(want.a.ConfigVersion)})
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(out.Body)
		out.Body.Close()
		if !bytes.Equal(got, want.body) {
			t.Errorf("version %s holds %q, want the posted bytes %q", want.a.ConfigVersion, got, want.body)
		}
		if len(out.Metadata) != 1 || out.Metadata[stage.MetadataDeploymentID] != want.a.DeploymentID {
			t.Errorf("version %s metadata %v, want only %s=%s", want.a.ConfigVersion, out.Metadata, stage.MetadataDeploymentID, want.a.DeploymentID)
		}
	}
	// The newest version is what an unversioned read (the trigger's LatestVersion) sees.
	head, err := e.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(e.settings.ConfigBucket), Key: aws.String(key)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(head.VersionId) != a2.ConfigVersion {
		t.Errorf("latest version %s, want %s", aws.ToString(head.VersionId), a2.ConfigVersion)
	}

	// Before the workflow records them: the newest is PENDING, the superseded one unknown.
	rec := e.do(t, "GET", path+"/"+a2.DeploymentID, nil)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"status":"PENDING"`) || !strings.Contains(rec.Body.String(), a2.ConfigVersion) {
		t.Errorf("pending deployment: %d %s", rec.Code, rec.Body)
	}
	if rec := e.do(t, "GET", path+"/"+a1.DeploymentID, nil); rec.Code != 404 {
		t.Errorf("superseded deployment: %d %s", rec.Code, rec.Body)
	}

	// Once recorded, the record answers, and the history lists it.
	if err := e.store.CreateDeployment(ctx, state.Deployment{ID: a2.DeploymentID, App: "my-app", Stage: "prod", Status: state.StatusRunning,
		Source: state.SourceS3, Bucket: e.settings.ConfigBucket, Key: key, ConfigVersion: a2.ConfigVersion, Started: a2.RequestedAt}); err != nil {
		t.Fatal(err)
	}
	rec = e.do(t, "GET", path+"/"+a2.DeploymentID, nil)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"status":"RUNNING"`) {
		t.Errorf("recorded deployment: %d %s", rec.Code, rec.Body)
	}
	rec = e.do(t, "GET", path+"?limit=10", nil)
	var list api.DeploymentList
	if err := json.Unmarshal(rec.Body.Bytes(), &list); err != nil || rec.Code != 200 || len(list.Deployments) != 1 || list.Deployments[0].ID != a2.DeploymentID {
		t.Errorf("history: %d %s", rec.Code, rec.Body)
	}
}

func TestARemovalStartsTheRemoveMachineOnceTheStageIsDeployed(t *testing.T) {
	e := newMotoEnv(t)
	ctx := context.Background()
	if rec := e.do(t, "DELETE", "/v1/apps/my-app/stages/prod", nil); rec.Code != 404 {
		t.Fatalf("removal of a stage never deployed: %d %s", rec.Code, rec.Body)
	}
	if rec := e.do(t, "GET", "/v1/apps/my-app/stages/prod", nil); rec.Code != 404 {
		t.Fatalf("a stage never deployed: %d %s", rec.Code, rec.Body)
	}

	cfg, err := config.Load(ctx, sampleConfig(t), config.Options{Stage: "prod"})
	if err != nil {
		t.Fatal(err)
	}
	desired, err := plan.Build(cfg, plan.Target{Region: motoRegion, Account: motoserver.Account})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.store.SaveApplied(ctx, "my-app", "prod", state.Applied{Desired: desired, DeploymentID: "dep-0"}); err != nil {
		t.Fatal(err)
	}
	rec := e.do(t, "GET", "/v1/apps/my-app/stages/prod", nil)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"deploymentId":"dep-0"`) {
		t.Fatalf("stage: %d %s", rec.Code, rec.Body)
	}

	a := accepted(t, e.do(t, "DELETE", "/v1/apps/my-app/stages/prod", nil))
	x, err := e.sfn.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(a.ExecutionArn)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(x.StateMachineArn) != e.settings.RemoveMachineArn || aws.ToString(x.Name) != a.DeploymentID {
		t.Errorf("execution %s of %s, want %s of the remove machine", aws.ToString(x.Name), aws.ToString(x.StateMachineArn), a.DeploymentID)
	}
	var in map[string]string
	if err := json.Unmarshal([]byte(aws.ToString(x.Input)), &in); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"app": "my-app", "stage": "prod", "source": "api", "deploymentId": a.DeploymentID}
	if len(in) != len(want) {
		t.Errorf("input %v, want %v", in, want)
	}
	for k, v := range want {
		if in[k] != v {
			t.Errorf("input %v, want %v", in, want)
		}
	}

	// A plan against the applied state of the same config changes nothing, and writes nothing.
	rec = e.do(t, "POST", "/v1/apps/my-app/stages/prod/plan", sampleConfig(t))
	var p api.PlanResult
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || rec.Code != 200 || p.Summary.Noop == 0 || p.Summary.Create+p.Summary.Update+p.Summary.Delete != 0 {
		t.Errorf("plan: %d %s", rec.Code, rec.Body)
	}
	versions, err := e.s3.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: aws.String(e.settings.ConfigBucket)})
	if err != nil || len(versions.Versions) != 0 {
		t.Errorf("the config bucket holds %d objects after a plan and a removal (%v)", len(versions.Versions), err)
	}
}
