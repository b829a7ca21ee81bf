package template

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/aslgen"
	"github.com/berth-dev/berth/internal/localrun"
	"github.com/berth-dev/berth/internal/workflow"
)

// berthFunctions are the functions template.yaml deploys, with the timeout each needs;
// the state machines' functions have theirs in aslgen.FunctionTimeouts (their Tasks'
// TimeoutSeconds derive from it).
var berthFunctions = []struct {
	name    string
	timeout int
}{
	{"validate", 0}, {"lock", 0}, {"plan", 0}, {"compute", 0}, {"alb", 0}, {"cdn", 0},
	{"verify", 0}, {"commit", 0}, {"compensate", 0},
	{"unlock", 60}, {"drift", 300},
	{"api", 29}, // API Gateway gives up after 30 s
}

// timeoutOf is the timeout a function needs.
func timeoutOf(fn string, listed int) int {
	if t, ok := aslgen.FunctionTimeouts[logicalID(fn)]; ok {
		return t
	}
	return listed
}

// logicalID is "Validate" for "validate".
func logicalID(fn string) string { return strings.ToUpper(fn[:1]) + fn[1:] }

// fnProp is a function's effective property: its own, else the Globals one.
func (c *cfnTemplate) fnProp(fn, key string) any {
	if v := get(c.props(logicalID(fn)+"Function"), key); v != nil {
		return cfnValue(v)
	}
	return cfnValue(path(c.root, "Globals", "Function", key))
}

func TestEveryFunction(t *testing.T) {
	c := loadTemplate(t)
	for _, f := range berthFunctions {
		fn, id := f.name, logicalID(f.name)
		if c.resource(id+"Function") == nil {
			t.Errorf("no %sFunction resource", id)
			continue
		}
		t.Run(fn+" runs bin/"+fn+"/bootstrap on provided.al2023 arm64", func(t *testing.T) {
			if got := c.fnProp(fn, "CodeUri"); got != "bin/"+fn+"/" {
				t.Errorf("CodeUri = %v, want bin/%s/ (make build writes bin/%s/bootstrap)", got, fn, fn)
			}
			if got := c.fnProp(fn, "Runtime"); got != "provided.al2023" {
				t.Errorf("Runtime = %v", got)
			}
			if got := c.fnProp(fn, "Handler"); got != "bootstrap" {
				t.Errorf("Handler = %v", got)
			}
			if got := strs(c.fnProp(fn, "Architectures")); len(got) != 1 || got[0] != "arm64" {
				t.Errorf("Architectures = %v, want [arm64]", got)
			}
			if got := c.fnProp(fn, "MemorySize"); got != 256 {
				t.Errorf("MemorySize = %v, want 256", got)
			}
		})
		t.Run(fn+" is named after the stack and logs to its own log group with the retention parameter", func(t *testing.T) {
			if got, _ := subString(c.fnProp(fn, "FunctionName")); got != "${AWS::StackName}-"+fn {
				t.Errorf("FunctionName = %q, want !Sub ${AWS::StackName}-%s", got, fn)
			}
			lg := c.props(id + "LogGroup")
			if lg == nil || scalar(get(c.resource(id+"LogGroup"), "Type")) != "AWS::Logs::LogGroup" {
				t.Fatalf("no %sLogGroup", id)
			}
			if got, _ := subString(cfnValue(get(lg, "LogGroupName"))); got != "/aws/lambda/${AWS::StackName}-"+fn {
				t.Errorf("LogGroupName = %q, want /aws/lambda/${AWS::StackName}-%s (where Lambda writes)", got, fn)
			}
			if got, _ := refName(cfnValue(get(lg, "RetentionInDays"))); got != "LogRetentionDays" {
				t.Errorf("RetentionInDays = %v, want !Ref LogRetentionDays", got)
			}
		})
		t.Run(fn+" runs as its own role, which Lambda alone assumes and which writes only its own log group", func(t *testing.T) {
			role := id + "FunctionRole"
			if r, _, _ := getAtt(c.fnProp(fn, "Role")); r != role {
				t.Fatalf("Role = %v, want !GetAtt %s.Arn", c.fnProp(fn, "Role"), role)
			}
			trust := cfnValue(get(c.props(role), "AssumeRolePolicyDocument"))
			want := map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
				"Effect": "Allow", "Principal": map[string]any{"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}}}
			if !jsonEqual(t, trust, want) {
				t.Errorf("trust policy = %v, want only lambda.amazonaws.com", trust)
			}
			wrote := false
			for _, s := range c.roleStatements(t, role) {
				if !s.allows() || !(containsAction(s.actions, "logs:PutLogEvents") || containsAction(s.actions, "logs:CreateLogStream")) {
					continue
				}
				for _, r := range asList(s.resource) {
					if lg, attr, ok := getAtt(r); ok && lg == id+"LogGroup" && attr == "Arn" {
						wrote = true
					} else {
						t.Errorf("%s writes log events to %v, not only to its own log group", s, r)
					}
				}
			}
			if !wrote {
				t.Errorf("%s cannot write to %sLogGroup", role, id)
			}
		})
		t.Run(fn+" has the timeout its work needs", func(t *testing.T) {
			if want := timeoutOf(fn, f.timeout); want == 0 || c.fnProp(fn, "Timeout") != want {
				t.Errorf("Timeout = %v, want %d", c.fnProp(fn, "Timeout"), want)
			}
		})
	}
}

func TestTheTemplateDeploysExactlyBerthsFunctionsAndEveryFunctionsDirectory(t *testing.T) {
	c := loadTemplate(t)
	want := map[string]bool{}
	for _, f := range berthFunctions {
		want[logicalID(f.name)+"Function"] = true
	}
	for _, fn := range c.resourcesOfType("AWS::Serverless::Function") {
		if !want[fn] {
			t.Errorf("unexpected function %s (add it to berthFunctions with its timeout)", fn)
		}
	}
	dirs, err := os.ReadDir(filepath.Join(repoRoot(t), "functions"))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		if d.IsDir() && !want[logicalID(d.Name())+"Function"] {
			t.Errorf("functions/%s exists but template.yaml does not deploy it", d.Name())
		}
	}
}

// Every functions/<name>/main.go but the API's and drift's (which have their own
// builders) starts the handler workflow.Handlers names for it, and every state machine
// function has one.
func TestEveryWorkflowFunctionHasItsHandlerInTheOneTable(t *testing.T) {
	handlers := workflow.Handlers(&workflow.Deps{})
	for _, f := range berthFunctions {
		if f.name == "api" || f.name == "drift" {
			continue
		}
		if handlers[logicalID(f.name)] == nil {
			t.Errorf("workflow.Handlers has no %s", logicalID(f.name))
		}
		main, err := os.ReadFile(filepath.Join(repoRoot(t), "functions", f.name, "main.go"))
		if err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf("awsdeps.Handler(context.Background(), %q)", logicalID(f.name)); !strings.Contains(string(main), want) {
			t.Errorf("functions/%s/main.go does not start %s", f.name, want)
		}
	}
	if len(handlers) != len(berthFunctions)-2 {
		t.Errorf("workflow.Handlers has %d functions, template.yaml deploys %d workflow functions", len(handlers), len(berthFunctions)-2)
	}
	for _, fn := range localrun.Functions {
		if handlers[fn] == nil {
			t.Errorf("the local runtime serves %s, which workflow.Handlers lacks", fn)
		}
	}
}

func TestGlobalsGiveEveryFunctionBerthsSettingsWithoutACycle(t *testing.T) {
	c := loadTemplate(t)
	vars := cfnValue(path(c.root, "Globals", "Function", "Environment", "Variables")).(map[string]any)
	refs := map[string]string{"BERTH_TABLE": "StateTable", "BERTH_ARTIFACTS_BUCKET": "ArtifactsBucket",
		"BERTH_CONFIG_BUCKET": "ConfigBucket", "BERTH_ACCOUNT_ID": "AWS::AccountId"}
	for k, want := range refs {
		if got, _ := refName(vars[k]); got != want {
			t.Errorf("%s = %v, want !Ref %s", k, vars[k], want)
		}
	}
	for k, sm := range map[string]string{"BERTH_DEPLOY_STATE_MACHINE_ARN": "DeployStateMachine", "BERTH_REMOVE_STATE_MACHINE_ARN": "RemoveStateMachine"} {
		// A !Ref/!GetAtt of the machine would be a cycle (the machines reference the
		// functions' ARNs): the ARN is built from the machine's fixed Name.
		arn, ok := subString(vars[k])
		name, _ := subString(cfnValue(get(c.props(sm), "Name")))
		if !ok || name == "" || arn != "arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:"+name {
			t.Errorf("%s = %v, want !Sub arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:%s", k, vars[k], name)
		}
	}
	if got := cfnValue(path(c.root, "Globals", "Function", "Timeout")); got != 60 {
		t.Errorf("Globals timeout = %v, want 60", got)
	}
}
