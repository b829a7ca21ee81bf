package template

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/localrun"
)

// readJSON reads events/<name> into a generic value.
func readJSON(t testing.TB, name string) any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(t), "events", name))
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("events/%s: %v", name, err)
	}
	return v
}

// matches is the subset of EventBridge pattern matching the template uses: nested
// objects, lists of exact values, {"suffix": ...} and {"prefix": ...}.
func matches(pattern, event any) bool {
	switch p := pattern.(type) {
	case map[string]any:
		e, ok := event.(map[string]any)
		if !ok {
			return false
		}
		for k, sub := range p {
			v, ok := e[k]
			if !ok || !matches(sub, v) {
				return false
			}
		}
		return true
	case []any:
		for _, v := range asList(event) {
			for _, alt := range p {
				switch a := alt.(type) {
				case map[string]any:
					s, _ := v.(string)
					if suf, ok := a["suffix"].(string); ok && strings.HasSuffix(s, suf) {
						return true
					}
					if pre, ok := a["prefix"].(string); ok && strings.HasPrefix(s, pre) {
						return true
					}
				default:
					if alt == v {
						return true
					}
				}
			}
		}
	}
	return false
}

// transform applies an EventBridge InputTransformer (dot-path InputPathsMap, JSON
// template with unquoted placeholders).
func transform(t testing.TB, transformer map[string]any, event any) string {
	t.Helper()
	values := map[string]string{}
	for name, p := range transformer["InputPathsMap"].(map[string]any) {
		var v any = event
		for _, k := range strings.Split(strings.TrimPrefix(p.(string), "$."), ".") {
			m, _ := v.(map[string]any)
			v = m[k]
		}
		if v == nil {
			t.Fatalf("InputPathsMap %s = %s finds nothing in the event", name, p)
		}
		b, _ := json.Marshal(v)
		values[name] = string(b)
	}
	out := regexp.MustCompile(`<([A-Za-z0-9]+)>`).ReplaceAllStringFunc(transformer["InputTemplate"].(string), func(m string) string {
		v, ok := values[m[1:len(m)-1]]
		if !ok {
			t.Fatalf("InputTemplate uses %s, which InputPathsMap does not define", m)
		}
		return v
	})
	return out
}

func TestConfigUploadsTriggerTheDeployStateMachine(t *testing.T) {
	c := loadTemplate(t)
	rule := c.props("ConfigUploadedRule")
	event := readJSON(t, "s3-object-created.json")
	bucket := event.(map[string]any)["detail"].(map[string]any)["bucket"].(map[string]any)["name"].(string)
	p := pseudoBerth
	p.Refs = map[string]string{"ConfigBucket": bucket}
	pattern := p.render(cfnValue(get(rule, "EventPattern")))

	t.Run("the rule's pattern is localrun.TriggerPattern of the config bucket", func(t *testing.T) {
		if bucketRef, _ := refName(cfnValue(path(rule, "EventPattern", "detail", "bucket", "name")).([]any)[0]); bucketRef != "ConfigBucket" {
			t.Errorf("the pattern's bucket is %v, want !Ref ConfigBucket", bucketRef)
		}
		if !jsonEqual(t, pattern, []byte(localrun.TriggerPattern(bucket))) {
			got, _ := json.Marshal(pattern)
			t.Errorf("pattern\n %s\nwant\n %s", got, localrun.TriggerPattern(bucket))
		}
	})
	t.Run("the sample S3 event matches and other keys do not", func(t *testing.T) {
		if !matches(pattern, event) {
			t.Error("events/s3-object-created.json does not match the rule")
		}
		for key, want := range map[string]bool{"my-app/prod/serverless.containers.yaml": true, "my-app/prod/notes.txt": false,
			"my-app/prod/serverless.containers.yml.bak": false} {
			var e map[string]any
			b, _ := json.Marshal(event)
			_ = json.Unmarshal(b, &e)
			e["detail"].(map[string]any)["object"].(map[string]any)["key"] = key
			if got := matches(pattern, e); got != want {
				t.Errorf("key %s: matches = %v, want %v", key, got, want)
			}
		}
	})
	t.Run("the input transformer turns the S3 event into events/deploy-input.json", func(t *testing.T) {
		targets := cfnValue(get(rule, "Targets")).([]any)
		if len(targets) != 1 {
			t.Fatalf("%d targets, want 1", len(targets))
		}
		target := targets[0].(map[string]any)
		if r, _ := refName(target["Arn"]); r != "DeployStateMachine" {
			t.Errorf("target %v, want !Ref DeployStateMachine", target["Arn"])
		}
		got := transform(t, target["InputTransformer"].(map[string]any), event)
		if !jsonEqual(t, []byte(got), readJSON(t, "deploy-input.json")) {
			t.Errorf("transformed input %s, want events/deploy-input.json", got)
		}
		if target["DeadLetterConfig"] == nil || target["RetryPolicy"] == nil {
			t.Error("give the target a RetryPolicy and a DeadLetterConfig: a lost event is a lost deployment")
		}
		if r, _, _ := getAtt(target["RoleArn"]); r != "ConfigUploadedRuleRole" {
			t.Errorf("RoleArn %v", target["RoleArn"])
		}
	})
	t.Run("the rule's role may only start the deploy machine", func(t *testing.T) {
		for _, s := range c.roleStatements(t, "ConfigUploadedRuleRole") {
			if len(s.actions) != 1 || s.actions[0] != "states:StartExecution" || !jsonEqual(t, s.resource, map[string]any{"Ref": "DeployStateMachine"}) {
				t.Errorf("%s: want only states:StartExecution on !Ref DeployStateMachine", s)
			}
		}
		if svc := cfnValue(path(c.props("ConfigUploadedRuleRole"), "AssumeRolePolicyDocument")); !strings.Contains(toString(svc), `"events.amazonaws.com"`) {
			t.Errorf("trust %v", svc)
		}
	})
}

func TestExecutionsThatEndAbnormallyTriggerUnlock(t *testing.T) {
	c := loadTemplate(t)
	ev := path(c.props("UnlockFunction"), "Events")
	if len(keys(ev)) != 1 {
		t.Fatalf("unlock has events %v, want one EventBridgeRule", keys(ev))
	}
	e := get(ev, keys(ev)[0])
	if scalar(get(e, "Type")) != "EventBridgeRule" {
		t.Fatalf("unlock's event is %s", scalar(get(e, "Type")))
	}
	raw := cfnValue(path(e, "Properties", "Pattern")).(map[string]any)
	detail := raw["detail"].(map[string]any)
	if got := sorted(strs(detail["status"])); strings.Join(got, ",") != "ABORTED,FAILED,TIMED_OUT" {
		t.Errorf("statuses %v, want FAILED, TIMED_OUT, ABORTED", got)
	}
	var machines []string
	for _, m := range asList(detail["stateMachineArn"]) {
		r, _ := refName(m)
		machines = append(machines, r)
	}
	if strings.Join(sorted(machines), ",") != "DeployStateMachine,RemoveStateMachine" {
		t.Errorf("stateMachineArn %v, want !Ref DeployStateMachine and !Ref RemoveStateMachine", machines)
	}
	sample := readJSON(t, "unlock.json").(map[string]any)
	p := pseudoBerth
	p.Refs = map[string]string{
		"DeployStateMachine": "arn:aws:states:eu-west-1:123456789012:stateMachine:berth-deploy",
		"RemoveStateMachine": "arn:aws:states:eu-west-1:123456789012:stateMachine:berth-remove",
	}
	pattern := p.render(raw)
	if !matches(pattern, sample) {
		t.Error("events/unlock.json does not match unlock's rule")
	}
	sample["detail"].(map[string]any)["status"] = "SUCCEEDED"
	if matches(pattern, sample) {
		t.Error("a SUCCEEDED execution matches unlock's rule")
	}
}

func TestDriftRunsOnTheDriftScheduleWithTheSampleInput(t *testing.T) {
	c := loadTemplate(t)
	ev := path(c.props("DriftFunction"), "Events")
	if len(keys(ev)) != 1 {
		t.Fatalf("drift has events %v, want one ScheduleV2", keys(ev))
	}
	e := get(ev, keys(ev)[0])
	if scalar(get(e, "Type")) != "ScheduleV2" {
		t.Fatalf("drift's event is %s, want ScheduleV2 (EventBridge Scheduler)", scalar(get(e, "Type")))
	}
	props := get(e, "Properties")
	if r, _ := refName(cfnValue(get(props, "ScheduleExpression"))); r != "DriftSchedule" {
		t.Errorf("ScheduleExpression %v, want !Ref DriftSchedule", r)
	}
	if d := scalar(path(c.root, "Parameters", "DriftSchedule", "Default")); d != "rate(1 hour)" {
		t.Errorf("DriftSchedule defaults to %q", d)
	}
	if !jsonEqual(t, []byte(scalar(get(props, "Input"))), readJSON(t, "drift.json")) {
		t.Errorf("the schedule sends %s; events/drift.json says %v", scalar(get(props, "Input")), readJSON(t, "drift.json"))
	}
	if r, _, _ := getAtt(cfnValue(get(props, "RoleArn"))); r != "DriftScheduleRole" {
		t.Fatalf("RoleArn %v", cfnValue(get(props, "RoleArn")))
	}
	for _, s := range c.roleStatements(t, "DriftScheduleRole") {
		fn, _, _ := getAtt(s.resource)
		if len(s.actions) != 1 || s.actions[0] != "lambda:InvokeFunction" || fn != "DriftFunction" {
			t.Errorf("%s: want only lambda:InvokeFunction on the drift function", s)
		}
	}
}

func TestTheHTTPAPIRequiresIAMOnEveryRoute(t *testing.T) {
	c := loadTemplate(t)
	apis := c.resourcesOfType("AWS::Serverless::HttpApi")
	if len(apis) != 1 || apis[0] != "BerthApi" {
		t.Fatalf("HTTP APIs %v, want BerthApi only", apis)
	}
	auth := get(c.props("BerthApi"), "Auth")
	if scalar(get(auth, "DefaultAuthorizer")) != "AWS_IAM" || scalar(get(auth, "EnableIamAuthorizer")) != "true" {
		t.Errorf("BerthApi Auth = %v, want DefaultAuthorizer AWS_IAM and EnableIamAuthorizer true", cfnValue(auth))
	}
	for _, kind := range []string{"AWS::Serverless::Api", "AWS::ApiGatewayV2::Api", "AWS::ApiGateway::RestApi", "AWS::Lambda::Url"} {
		if r := c.resourcesOfType(kind); len(r) > 0 {
			t.Errorf("%s %v: berth's only API is the IAM-authenticated BerthApi", kind, r)
		}
	}
	routes := 0
	for _, fn := range c.resourcesOfType("AWS::Serverless::Function") {
		if get(c.props(fn), "FunctionUrlConfig") != nil {
			t.Errorf("%s has a function URL", fn)
		}
		for _, name := range keys(path(c.props(fn), "Events")) {
			e := path(c.props(fn), "Events", name)
			if scalar(get(e, "Type")) != "HttpApi" {
				continue
			}
			routes++
			p := get(e, "Properties")
			// Without ApiId SAM creates an implicit API that has no authorizer.
			if r, _ := refName(cfnValue(get(p, "ApiId"))); r != "BerthApi" {
				t.Errorf("%s.%s: ApiId %v, want !Ref BerthApi", fn, name, cfnValue(get(p, "ApiId")))
			}
			if a := scalar(path(p, "Auth", "Authorizer")); a != "" && a != "AWS_IAM" {
				t.Errorf("%s.%s overrides the authorizer with %q: unauthenticated access", fn, name, a)
			}
			if fn != "ApiFunction" || scalar(get(p, "Path")) != "/v1/{proxy+}" || scalar(get(p, "Method")) != "ANY" ||
				scalar(get(p, "PayloadFormatVersion")) != "2.0" {
				t.Errorf("%s.%s: want the api function on ANY /v1/{proxy+}, payload 2.0", fn, name)
			}
		}
	}
	if routes != 1 {
		t.Errorf("%d HttpApi routes, want 1", routes)
	}
}

func TestOutputsAndParameters(t *testing.T) {
	c := loadTemplate(t)
	for _, o := range []string{"ConfigBucketName", "ArtifactsBucketName", "StateTableName", "DeployStateMachineArn", "RemoveStateMachineArn", "ApiUrl"} {
		if path(c.root, "Outputs", o, "Value") == nil {
			t.Errorf("no output %s", o)
		}
	}
	if url := toString(pseudoBerth.render(cfnValue(path(c.root, "Outputs", "ApiUrl", "Value")))); url != "https://<BerthApi>.execute-api.eu-west-1.amazonaws.com/" {
		t.Errorf("ApiUrl renders to %s", url)
	}
	for name, want := range map[string]string{"LogRetentionDays": "30", "DriftSchedule": "rate(1 hour)", "PassRoleArns": "", "SsmParameterArns": ""} {
		p := path(c.root, "Parameters", name)
		if p == nil {
			t.Errorf("no parameter %s", name)
		} else if got := scalar(get(p, "Default")); got != want {
			t.Errorf("%s defaults to %q, want %q", name, got, want)
		}
	}
}
