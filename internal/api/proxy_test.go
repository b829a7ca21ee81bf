package api

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"
)

// These tests run the sample API Gateway events (events/, also used by sam local invoke)
// through the same adapter the api function uses: httpadapter.NewV2(...).ProxyWithContext.

func loadEvent(t *testing.T, name string) events.APIGatewayV2HTTPRequest {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "events", name))
	if err != nil {
		t.Fatal(err)
	}
	var e events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return e
}

func eventBody(t *testing.T, e events.APIGatewayV2HTTPRequest) []byte {
	t.Helper()
	if !e.IsBase64Encoded {
		return []byte(e.Body)
	}
	b, err := base64.StdEncoding.DecodeString(e.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func proxy(t *testing.T, h *harness, e events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPResponse {
	t.Helper()
	resp, err := httpadapter.NewV2(h.srv).ProxyWithContext(context.Background(), e)
	if err != nil {
		t.Fatal(err)
	}
	if resp.IsBase64Encoded {
		t.Errorf("a JSON response came back base64-encoded")
	}
	if ct := resp.Headers["Content-Type"]; ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	return resp
}

func TestTheSamplePostEventStoresItsConfigAndAnswers202ThroughTheProxy(t *testing.T) {
	h := newHarness(t)
	e := loadEvent(t, "api-post-deployment.json")
	resp := proxy(t, h, e)
	if resp.StatusCode != 202 {
		t.Fatalf("status %d: %s", resp.StatusCode, resp.Body)
	}
	var got Accepted
	if err := json.Unmarshal([]byte(resp.Body), &got); err != nil {
		t.Fatal(err)
	}
	if got.DeploymentID != "dep-1" || got.App != "my-app" || got.Stage != "prod" || got.Status != "PENDING" || got.ConfigVersion != "v1" {
		t.Errorf("answer %s", resp.Body)
	}
	if resp.Headers["Location"] != "/v1/apps/my-app/stages/prod/deployments/dep-1" {
		t.Errorf("Location %q", resp.Headers["Location"])
	}
	if len(h.configs.puts) != 1 || !bytes.Equal(h.configs.puts[0].Body, eventBody(t, e)) || h.configs.puts[0].Key != "my-app/prod/serverless.containers.yml" {
		t.Fatalf("puts %+v", h.configs.puts)
	}
	// The log line names API Gateway's request id and the IAM caller.
	for _, want := range []string{`"requestId":"Ql8Hzg1FjoEEJ3g="`, `"caller":"arn:aws:sts::123456789012:assumed-role/ci-deployer/ci-deployer"`, `"route":"` + RoutePostDeployment + `"`} {
		if !strings.Contains(h.logs.String(), want) {
			t.Errorf("log lacks %s: %s", want, h.logs)
		}
	}
}

func TestTheSampleGetStageEventReturnsTheStageThroughTheProxy(t *testing.T) {
	h := newHarness(t)
	h.state.applied = appliedFor(t, withDomain)
	resp := proxy(t, h, loadEvent(t, "api-get-stage.json"))
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, resp.Body)
	}
	var got Stage
	if err := json.Unmarshal([]byte(resp.Body), &got); err != nil {
		t.Fatal(err)
	}
	if got.App != "my-app" || got.Stage != "prod" || got.DistributionDomain != "d123.cloudfront.net" || len(got.CustomDomains) != 1 || len(got.Routes) != 2 || len(got.Resources) == 0 {
		t.Errorf("stage %s", resp.Body)
	}
}

func TestProxiedErrorsKeepTheEnvelopeAndAPIGatewaysRequestID(t *testing.T) {
	tests := []struct {
		name   string
		event  string
		change func(e *events.APIGatewayV2HTTPRequest)
		status int
		code   string
		reqID  string
	}{
		{name: "a stage never deployed is not_found", event: "api-get-stage.json", status: 404, code: CodeNotFound, reqID: "Ql8JAhUrjoEEJdw="},
		{name: "a PATCH of the stage is method_not_allowed", event: "api-get-stage.json", status: 405, code: CodeMethodNotAllowed, reqID: "Ql8JAhUrjoEEJdw=",
			change: func(e *events.APIGatewayV2HTTPRequest) { e.RequestContext.HTTP.Method = "PATCH" }},
		{name: "an unknown path is not_found", event: "api-get-stage.json", status: 404, code: CodeNotFound, reqID: "Ql8JAhUrjoEEJdw=",
			change: func(e *events.APIGatewayV2HTTPRequest) { e.RawPath = "/v1/apps/my-app/things" }},
		{name: "a base64 body over 256 KB is payload_too_large", event: "api-post-deployment.json", status: 413, code: CodePayloadTooLarge, reqID: "Ql8Hzg1FjoEEJ3g=",
			change: func(e *events.APIGatewayV2HTTPRequest) {
				e.Body = base64.StdEncoding.EncodeToString(bytes.Repeat([]byte("#"), MaxBody+1))
			}},
		{name: "a config posted under another app is name_mismatch", event: "api-post-deployment.json", status: 400, code: CodeNameMismatch, reqID: "Ql8Hzg1FjoEEJ3g=",
			change: func(e *events.APIGatewayV2HTTPRequest) { e.RawPath = "/v1/apps/shop/stages/prod/deployments" }},
		{name: "a config with an unknown key is invalid_config", event: "api-post-deployment.json", status: 400, code: CodeInvalidConfig, reqID: "Ql8Hzg1FjoEEJ3g=",
			change: func(e *events.APIGatewayV2HTTPRequest) {
				e.Body = base64.StdEncoding.EncodeToString([]byte("name: my-app\nfoo: 1\n"))
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			e := loadEvent(t, tt.event)
			if tt.change != nil {
				tt.change(&e)
			}
			resp := proxy(t, h, e)
			if resp.StatusCode != tt.status {
				t.Errorf("status %d, want %d: %s", resp.StatusCode, tt.status, resp.Body)
			}
			var got apiError
			if err := json.Unmarshal([]byte(resp.Body), &got); err != nil {
				t.Fatalf("%q: %v", resp.Body, err)
			}
			if got.Error.Code != tt.code || got.Error.RequestID != tt.reqID {
				t.Errorf("error %s, want code %s and request id %s", resp.Body, tt.code, tt.reqID)
			}
			if len(h.configs.puts) != 0 {
				t.Error("stored a config")
			}
		})
	}
}
