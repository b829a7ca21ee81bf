package api

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"

	"github.com/berth-dev/berth/internal/awscalls"
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/state"
)

// docs/openapi.yaml must describe exactly the routes the server has, every error code,
// and SigV4 on every operation.

func loadOpenAPI(t *testing.T) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "docs", "openapi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("docs/openapi.yaml: %v", err)
	}
	return doc
}

func get(v any, path ...string) any {
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

func TestTheOpenAPIDocumentListsExactlyTheServersRoutes(t *testing.T) {
	doc := loadOpenAPI(t)
	if v, _ := doc["openapi"].(string); !strings.HasPrefix(v, "3.1") {
		t.Errorf("openapi %q, want 3.1.x", v)
	}
	srv := New(Options{})
	var documented []string
	paths, _ := doc["paths"].(map[string]any)
	for path, item := range paths {
		for _, m := range httpMethods {
			if get(item, m) == nil {
				continue
			}
			pattern := strings.ToUpper(m) + " " + path
			documented = append(documented, pattern)
			// A concrete request for the documented operation reaches that very route.
			concrete := strings.NewReplacer("{app}", "my-app", "{stage}", "prod", "{id}", "dep-1").Replace(path)
			_, got := srv.mux.Handler(httptest.NewRequest(strings.ToUpper(m), concrete, nil))
			if got != pattern {
				t.Errorf("documented %s is served by %q", pattern, got)
			}
		}
	}
	slices.Sort(documented)
	routes := slices.Sorted(slices.Values(Routes))
	if !slices.Equal(documented, routes) {
		t.Errorf("documented %v\nserved %v", documented, routes)
	}
}

func TestEveryOperationRequiresSigV4(t *testing.T) {
	doc := loadOpenAPI(t)
	scheme := get(doc, "components", "securitySchemes", "sigv4")
	for k, want := range map[string]string{"type": "apiKey", "in": "header", "name": "Authorization", "x-amazon-apigateway-authtype": "awsSigv4"} {
		if got := get(scheme, k); got != want {
			t.Errorf("securitySchemes.sigv4.%s = %v, want %s", k, got, want)
		}
	}
	requiresSigV4 := func(v any) bool {
		list, _ := v.([]any)
		return len(list) > 0 && slices.ContainsFunc(list, func(req any) bool { return get(req, "sigv4") != nil })
	}
	if !requiresSigV4(doc["security"]) {
		t.Error("the document's default security is not sigv4")
	}
	paths, _ := doc["paths"].(map[string]any)
	for path, item := range paths {
		for _, m := range httpMethods {
			if op := get(item, m); op != nil && !requiresSigV4(get(op, "security")) {
				t.Errorf("%s %s does not require sigv4", m, path)
			}
		}
	}
}

func TestEveryErrorCodeIsDocumented(t *testing.T) {
	doc := loadOpenAPI(t)
	enum, _ := get(doc, "components", "schemas", "Error", "properties", "error", "properties", "code", "enum").([]any)
	var got []string
	for _, c := range enum {
		got = append(got, c.(string))
	}
	slices.Sort(got)
	want := slices.Sorted(slices.Values(ErrorCodes))
	if !slices.Equal(got, want) {
		t.Errorf("Error.code enum %v, want %v", got, want)
	}
	desc, _ := get(doc, "info", "description").(string)
	for _, c := range ErrorCodes {
		if !strings.Contains(desc, "| `"+c+"` |") {
			t.Errorf("the error table in info.description lacks %s", c)
		}
	}
}

func TestEveryReferenceInTheOpenAPIDocumentResolves(t *testing.T) {
	doc := loadOpenAPI(t)
	var walk func(v any)
	n := 0
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok {
				n++
				target := get(doc, strings.Split(strings.TrimPrefix(ref, "#/"), "/")...)
				if !strings.HasPrefix(ref, "#/") || target == nil {
					t.Errorf("$ref %s does not resolve", ref)
				}
			}
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(doc)
	if n == 0 {
		t.Error("no $ref found")
	}
}

// The bodies the handlers write validate against the schemas the document gives them.
func TestResponsesMatchTheirDocumentedSchemas(t *testing.T) {
	// Closed for the test only: a field the handlers write that the document does not
	// name fails here, while the published schemas stay open for additions.
	spec := loadOpenAPI(t)
	var closeObjects func(v any)
	closeObjects = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if _, ok := v["properties"].(map[string]any); ok {
				if _, set := v["additionalProperties"]; !set {
					v["additionalProperties"] = false
				}
			}
			for _, x := range v {
				closeObjects(x)
			}
		case []any:
			for _, x := range v {
				closeObjects(x)
			}
		}
	}
	closeObjects(get(spec, "components", "schemas"))
	raw, err := json.Marshal(spec)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	if err := c.AddResource("file:///openapi.json", doc); err != nil {
		t.Fatal(err)
	}
	schema := func(name string) *jsonschema.Schema {
		s, err := c.Compile("file:///openapi.json#/components/schemas/" + name)
		if err != nil {
			t.Fatalf("schema %s: %v", name, err)
		}
		return s
	}
	deployed := func(h *harness) {
		h.state.applied = appliedFor(t, withDomain)
		h.state.lock = &state.Lock{Holder: "dep-5", ExpiresAt: testNow, Pending: &state.Request{DeploymentID: "dep-6", Key: "k", RequestedAt: testNow}}
		h.state.drift = &state.DriftReport{At: testNow, Resources: []state.ResourceDrift{{ID: "api/Function", Kind: plan.KindFunction, Missing: true}}}
		h.state.deployments["rec-1"] = &state.Deployment{ID: "rec-1", App: "my-app", Stage: "prod", Status: state.StatusSucceeded, Source: state.SourceS3,
			Started: testNow, Ended: testNow, Steps: []state.StepRecord{{Name: "plan", Status: "SUCCEEDED", Started: testNow, Ended: testNow}},
			Calls:   awscalls.Summary{Mutating: 1, Read: 2, Ops: []awscalls.Op{{Service: "Lambda", Operation: "CreateFunction", Mutating: true, Count: 1}}},
			Outputs: map[string]string{"distributionDomain": "d123.cloudfront.net"}}
		h.state.history = []state.Deployment{*h.state.deployments["rec-1"]}
	}
	tests := []struct {
		name, method, path string
		body               string
		setup              func(h *harness)
		status             int
		schema             string
	}{
		{"an accepted deployment is an Accepted", "POST", deploymentsPath, validConfig, nil, 202, "Accepted"},
		{"an accepted removal is an Accepted", "DELETE", "/v1/apps/my-app/stages/prod", "", deployed, 202, "Accepted"},
		{"a recorded deployment is a Deployment", "GET", deploymentsPath + "/rec-1", "", deployed, 200, "Deployment"},
		{"a pending deployment is a PendingDeployment", "GET", deploymentsPath + "/dep-1", "", func(h *harness) { h.do("POST", deploymentsPath, []byte(validConfig)) }, 200, "PendingDeployment"},
		{"the history is a DeploymentList", "GET", deploymentsPath, "", deployed, 200, "DeploymentList"},
		{"a deployed stage is a Stage", "GET", "/v1/apps/my-app/stages/prod", "", deployed, 200, "Stage"},
		{"a stage without lock and drift is a Stage", "GET", "/v1/apps/my-app/stages/prod", "", func(h *harness) { h.state.applied = appliedFor(t, validConfig) }, 200, "Stage"},
		{"a plan is a PlanResult", "POST", "/v1/apps/my-app/stages/prod/plan", withDomain + "    dev: {}\n", deployed, 200, "PlanResult"},
		{"a timeline is a Timeline", "GET", deploymentsPath + "/dep-3/timeline", "", withRolledBack, 200, "Timeline"},
		{"a page of logs is Logs", "GET", "/v1/apps/my-app/stages/prod/logs?since=1h", "", withLogs(t, "hello"), 200, "Logs"},
		{"invalid_config is an Error", "POST", deploymentsPath, "name: x\n", nil, 400, "Error"},
		{"method_not_allowed is an Error", "PATCH", deploymentsPath, "", nil, 405, "Error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			if tt.setup != nil {
				tt.setup(h)
			}
			rec := h.do(tt.method, tt.path, []byte(tt.body))
			if rec.Code != tt.status {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			v, err := jsonschema.UnmarshalJSON(bytes.NewReader(rec.Body.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			if err := schema(tt.schema).Validate(v); err != nil {
				t.Errorf("%s\ndoes not match %s: %v", rec.Body, tt.schema, err)
			}
		})
	}
}
