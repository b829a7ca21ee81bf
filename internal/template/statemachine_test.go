package template

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/aslgen"
	"github.com/berth-dev/berth/internal/localrun"
	"github.com/berth-dev/berth/internal/provision"
	"github.com/berth-dev/berth/internal/workflow"
)

var substitution = regexp.MustCompile(`\$\{([^}]*)\}`)

// aslTokens lists the distinct ${...} names of an ASL file.
func aslTokens(t testing.TB, file string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(t), file))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	var out []string
	for _, m := range substitution.FindAllStringSubmatch(string(b), -1) {
		if !seen[m[1]] {
			seen[m[1]] = true
			out = append(out, m[1])
		}
	}
	return out
}

var stateMachines = []struct {
	id, name, file string
	machine        aslgen.Machine
}{
	{"DeployStateMachine", "deploy", "statemachine/deploy.asl.json", aslgen.Deploy()},
	{"RemoveStateMachine", "remove", "statemachine/remove.asl.json", aslgen.Remove()},
}

func TestEveryASLSubstitutionIsProvidedAndNoneIsUnused(t *testing.T) {
	c := loadTemplate(t)
	for _, sm := range stateMachines {
		p := c.props(sm.id)
		if got := scalar(get(p, "DefinitionUri")); got != sm.file {
			t.Errorf("%s: DefinitionUri %q, want %s", sm.id, got, sm.file)
		}
		subs, _ := cfnValue(get(p, "DefinitionSubstitutions")).(map[string]any)
		tokens := aslTokens(t, sm.file)
		if len(tokens) == 0 {
			t.Fatalf("%s has no ${...}: the scan is broken", sm.file)
		}
		for _, tok := range tokens {
			v, ok := subs[tok]
			if !ok {
				t.Errorf("%s uses ${%s}, which %s.DefinitionSubstitutions does not provide", sm.file, tok, sm.id)
				continue
			}
			if fn, found := strings.CutSuffix(tok, "FunctionArn"); found {
				if r, attr, _ := getAtt(v); r != fn+"Function" || attr != "Arn" {
					t.Errorf("%s: %s = %v, want !GetAtt %sFunction.Arn", sm.id, tok, v, fn)
				}
			}
		}
		for k := range subs {
			if !contains(tokens, k) {
				t.Errorf("%s: DefinitionSubstitutions.%s is not used by %s", sm.id, k, sm.file)
			}
		}
	}
}

// A machine invokes the functions its Tasks name and, through the ARN a plan step
// carries, every step function (aslgen's Machine.Invokes).
func TestEachStateMachineMayInvokeExactlyTheFunctionsItsDefinitionNames(t *testing.T) {
	c := loadTemplate(t)
	for _, sm := range stateMachines {
		want := map[string]bool{}
		for _, fn := range sm.machine.Invokes() {
			want[fn+"Function"] = true
		}
		got := map[string]bool{}
		for _, s := range c.statements(t) {
			if s.doc.owner != sm.id || !s.allows() {
				continue
			}
			for _, a := range s.actions {
				if strings.HasPrefix(a, "lambda:") && a != "lambda:InvokeFunction" {
					t.Errorf("%s: %s", s, a)
				}
			}
			if !containsAction(s.actions, "lambda:InvokeFunction") {
				continue
			}
			for _, r := range asList(s.resource) {
				fn, attr, ok := getAtt(r)
				if !ok || attr != "Arn" {
					t.Errorf("%s invokes %v; name each function with !GetAtt <Fn>.Arn", s, r)
					continue
				}
				got[fn] = true
			}
		}
		for fn := range want {
			if !got[fn] {
				t.Errorf("%s cannot invoke %s, which its definition uses", sm.id, fn)
			}
		}
		for fn := range got {
			if !want[fn] {
				t.Errorf("%s may invoke %s, which its definition never uses", sm.id, fn)
			}
		}
	}
}

func TestStateMachinesAreStandardNamedAfterTheStackAndLogToTheirLogGroup(t *testing.T) {
	c := loadTemplate(t)
	for _, sm := range stateMachines {
		p := c.props(sm.id)
		if got, _ := subString(cfnValue(get(p, "Name"))); got != "${AWS::StackName}-"+sm.name {
			t.Errorf("%s: Name %q, want !Sub ${AWS::StackName}-%s", sm.id, got, sm.name)
		}
		if got := scalar(get(p, "Type")); got != "STANDARD" {
			t.Errorf("%s: Type %q", sm.id, got)
		}
		dest := cfnValue(path(p, "Logging", "Destinations"))
		lg := sm.id + "LogGroup"
		want := []any{map[string]any{"CloudWatchLogsLogGroup": map[string]any{"LogGroupArn": map[string]any{"Fn::GetAtt": []any{lg, "Arn"}}}}}
		if !jsonEqual(t, dest, want) {
			t.Errorf("%s: Logging.Destinations = %v, want its %s", sm.id, dest, lg)
		}
		if got, _ := refName(cfnValue(get(c.props(lg), "RetentionInDays"))); got != "LogRetentionDays" {
			t.Errorf("%s: retention %v", lg, got)
		}
	}
}

// The local runtime (internal/localrun) fills the same substitutions and serves the same
// functions: its list must be what the deploy machine invokes, and its names what the
// template names them with the stack name "berth".
func TestTheLocalRuntimeNamesTheSameFunctionsAsTheTemplate(t *testing.T) {
	c := loadTemplate(t)
	invokes := aslgen.Deploy().Invokes()
	if !slices.Equal(invokes, slices.Sorted(slices.Values(localrun.Functions))) {
		t.Errorf("deploy.asl.json invokes %v; localrun.Functions is %v", invokes, localrun.Functions)
	}
	for _, tok := range aslTokens(t, "statemachine/deploy.asl.json") {
		if fn, ok := strings.CutSuffix(tok, "FunctionArn"); !ok || !contains(localrun.Functions, fn) {
			t.Errorf("deploy.asl.json substitutes ${%s}, which the local runtime does not fill", tok)
		}
	}
	for _, fn := range localrun.Functions {
		name := toString(pseudoBerth.render(cfnValue(get(c.props(fn+"Function"), "FunctionName"))))
		if name != localrun.FunctionName(fn) {
			t.Errorf("%sFunction is %q with stack name berth; the local runtime calls it %q", fn, name, localrun.FunctionName(fn))
		}
	}
}

// The wave loader reads each step function's ARN from the plan function's environment;
// the state machines invoke it.
func TestThePlanFunctionKnowsEveryStepFunctionsArn(t *testing.T) {
	c := loadTemplate(t)
	vars, _ := cfnValue(path(c.props("PlanFunction"), "Environment", "Variables")).(map[string]any)
	for _, fn := range provision.Functions {
		env := workflow.StepFunctionEnv(fn)
		if r, attr, _ := getAtt(vars[env]); r != workflow.StepFunctionName(fn)+"Function" || attr != "Arn" {
			t.Errorf("PlanFunction's %s = %v, want !GetAtt %sFunction.Arn", env, vars[env], workflow.StepFunctionName(fn))
		}
	}
}
