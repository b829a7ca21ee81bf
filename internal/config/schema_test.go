package config

import (
	"bytes"
	"encoding/json"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"
)

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(Schema()))
	if err != nil {
		t.Fatalf("schema.json is not JSON: %v", err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("schema.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("schema.json")
	if err != nil {
		t.Fatalf("schema.json does not compile: %v", err)
	}
	return sch
}

// yamlToJSONValue converts a YAML document to the values jsonschema expects (as decoded
// from JSON), going through encoding/json so numbers and maps have JSON's types.
func yamlToJSONValue(t *testing.T, data []byte) any {
	t.Helper()
	var v any
	if err := yaml.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	out, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestEverySCFExampleValidatesAgainstTheSchema(t *testing.T) {
	sch := compileSchema(t)
	for _, file := range exampleFiles(t) {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if err := sch.Validate(yamlToJSONValue(t, data)); err != nil {
			t.Errorf("%s: %v", file, err)
		}
	}
}

func TestTheSchemaAcceptsAFullConfigWithEveryExtension(t *testing.T) {
	sch := compileSchema(t)
	if err := sch.Validate(yamlToJSONValue(t, []byte(fullConfig))); err != nil {
		t.Fatal(err)
	}
}

func TestTheSchemaRejectsInvalidDocuments(t *testing.T) {
	sch := compileSchema(t)
	cases := []struct{ name, doc string }{
		{"an unknown top-level key is rejected", "name: app\ndeployment: {type: aws@1.0}\ncontainers: {web: {src: ., routing: {pathPattern: /*}}}\nregion: us-east-1\n"},
		{"an unknown deployment type is rejected", "name: app\ndeployment: {type: aws@2.0}\ncontainers: {web: {src: ., routing: {pathPattern: /*}}}\n"},
		{"a missing name is rejected", "deployment: {type: aws@1.0}\ncontainers: {web: {src: ., routing: {pathPattern: /*}}}\n"},
		{"a name with a dot is rejected", "name: my.app\ndeployment: {type: aws@1.0}\ncontainers: {web: {src: ., routing: {pathPattern: /*}}}\n"},
		{"a container without routing is rejected", "name: app\ndeployment: {type: aws@1.0}\ncontainers: {web: {src: .}}\n"},
		{"a container without src or image is rejected", "name: app\ndeployment: {type: aws@1.0}\ncontainers: {web: {routing: {pathPattern: /*}}}\n"},
		{"a mid-path wildcard is rejected", "name: app\ndeployment: {type: aws@1.0}\ncontainers: {web: {src: ., routing: {pathPattern: /a/*/b}}}\n"},
		{"a Fargate cpu of 300 is rejected", "name: app\ndeployment: {type: aws@1.0}\ncontainers: {web: {src: ., routing: {pathPattern: /*}, compute: {awsFargateEcs: {cpu: 300}}}}\n"},
		{"an invalid Fargate pair is rejected", "name: app\ndeployment: {type: aws@1.0}\ncontainers: {web: {src: ., routing: {pathPattern: /*}, compute: {awsFargateEcs: {cpu: 1024, memory: 512}}}}\n"},
		{"Lambda memory above 10240 is rejected", "name: app\ndeployment: {type: aws@1.0}\ncontainers: {web: {src: ., routing: {pathPattern: /*}, compute: {awsLambda: {memory: 20000}}}}\n"},
		{"a regional ACL on CloudFront is rejected", "name: app\ndeployment: {type: aws@1.0, awsCloudFront: {wafAclArn: 'arn:aws:wafv2:us-east-1:123456789012:regional/webacl/a/b'}}\ncontainers: {web: {src: ., routing: {pathPattern: /*}}}\n"},
		{"customPolicy with roleArn is rejected", "name: app\ndeployment: {type: aws@1.0}\ncontainers: {web: {src: ., routing: {pathPattern: /*}, compute: {awsIam: {roleArn: 'arn:aws:iam::123456789012:role/r', customPolicy: {Statement: []}}}}}\n"},
		{"a scale policy with another type's key is rejected", "name: app\ndeployment: {type: aws@1.0}\ncontainers: {web: {src: ., routing: {pathPattern: /*}, compute: {awsFargateEcs: {scale: [{type: min, max: 3}]}}}}\n"},
		{"a retention CloudWatch does not offer is rejected", "name: app\ndeployment: {type: aws@1.0, logs: {retentionInDays: 31}}\ncontainers: {web: {src: ., routing: {pathPattern: /*}}}\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := sch.Validate(yamlToJSONValue(t, []byte(tc.doc))); err == nil {
				t.Fatal("the schema accepted it")
			}
			// The loader must reject it too, so the schema never promises more than berth.
			if _, err := loadOffline(tc.doc); err == nil {
				t.Fatal("Load accepted it")
			}
		})
	}
}

// TestTheSchemaHasTheLoadersKeys keeps schema.json and the loader's key lists in step.
func TestTheSchemaHasTheLoadersKeys(t *testing.T) {
	var root map[string]any
	if err := json.Unmarshal(Schema(), &root); err != nil {
		t.Fatal(err)
	}
	levels := map[string][]string{
		"/properties": rootKeys,
		"/properties/stages/additionalProperties/properties":                stageKeys,
		"/properties/deployment/properties":                                 deploymentKeys,
		"/properties/deployment/properties/awsVpc/properties":               vpcKeys,
		"/properties/deployment/properties/awsIam/properties":               deploymentIamKeys,
		"/properties/deployment/properties/awsAlb/properties":               albKeys,
		"/properties/deployment/properties/awsFargateEcs/properties":        deploymentFargateKeys,
		"/properties/deployment/properties/awsCloudFront/properties":        cloudFrontKeys,
		"/properties/deployment/properties/drift/properties":                driftKeys,
		"/properties/deployment/properties/logs/properties":                 logsKeys,
		"/definitions/container/properties":                                 containerKeys,
		"/definitions/container/properties/build/properties":                buildKeys,
		"/definitions/container/properties/dev/properties":                  devKeys,
		"/definitions/container/properties/dev/properties/hooks/properties": hooksKeys,
		"/definitions/routing/properties":                                   routingKeys,
		"/definitions/compute/properties":                                   computeKeys,
		"/definitions/compute/properties/awsLambda/properties":              lambdaKeys,
		"/definitions/compute/properties/awsFargateEcs/properties":          fargateKeys,
		"/definitions/compute/properties/awsIam/properties":                 computeIamKeys,
		"/definitions/stepAdjustment/properties":                            stepAdjustmentKeys,
		"/definitions/dimension/properties":                                 dimensionKeys,
	}
	for i, typ := range scaleTypes {
		levels["/definitions/scalePolicy/allOf/"+string(rune('0'+i))+"/then/properties"] = scaleKeys[typ]
	}
	for ptr, want := range levels {
		node := any(root)
		for _, tok := range strings.Split(ptr, "/")[1:] {
			switch n := node.(type) {
			case map[string]any:
				node = n[tok]
			case []any:
				node = n[int(tok[0]-'0')]
			}
		}
		props, ok := node.(map[string]any)
		if !ok {
			t.Errorf("%s: not found in schema.json", ptr)
			continue
		}
		got := sortedKeys(props)
		w := append([]string(nil), want...)
		sort.Strings(w)
		if strings.Join(got, ",") != strings.Join(w, ",") {
			t.Errorf("%s: schema has %v, loader has %v", ptr, got, w)
		}
	}
}

func TestEveryPropertyInTheSchemaIsDescribed(t *testing.T) {
	var root map[string]any
	if err := json.Unmarshal(Schema(), &root); err != nil {
		t.Fatal(err)
	}
	var walk func(path string, n any)
	walk = func(path string, n any) {
		switch v := n.(type) {
		case map[string]any:
			if props, ok := v["properties"].(map[string]any); ok && !strings.Contains(path, "/then") && !strings.Contains(path, "/if") {
				for k, p := range props {
					pm, _ := p.(map[string]any)
					if _, ok := pm["description"]; !ok && pm["$ref"] == nil {
						t.Errorf("%s/properties/%s has no description", path, k)
					}
				}
			}
			for k, c := range v {
				walk(path+"/"+k, c)
			}
		case []any:
			for i, c := range v {
				walk(path+"/"+string(rune('0'+i%10)), c)
			}
		}
	}
	walk("", root)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
