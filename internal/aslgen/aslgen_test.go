package aslgen

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/workflow"
)

// errorTypes are the names of the Go types under internal/ with an Error() string
// method: what a handler can return, and so (aws-lambda-go reports the type name) what
// Step Functions sees as the error name.
func errorTypes(t *testing.T) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	fset := token.NewFileSet()
	err := filepath.WalkDir("..", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(fset, p, nil, 0)
		if err != nil {
			return err
		}
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Name.Name != "Error" || fn.Recv == nil || fn.Type.Params.NumFields() != 0 || fn.Type.Results.NumFields() != 1 {
				continue
			}
			recv := fn.Recv.List[0].Type
			if star, ok := recv.(*ast.StarExpr); ok {
				recv = star.X
			}
			if id, ok := recv.(*ast.Ident); ok {
				out[id.Name] = true
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestEveryErrorEqualsNameIsAnErrorTypeBerthReturnsOrAnAWSName(t *testing.T) {
	types := errorTypes(t)
	for _, want := range []string{"TransientError", "ConfigError"} {
		if !types[want] {
			t.Fatalf("the scan found no %s type: it is broken", want)
		}
	}
	for file, m := range Files() {
		names := 0
		m.Walk(func(state string, s *State) {
			var lists [][]string
			for _, r := range s.Retry {
				lists = append(lists, r.ErrorEquals)
			}
			for _, c := range s.Catch {
				lists = append(lists, c.ErrorEquals)
			}
			for _, l := range lists {
				for _, name := range l {
					names++
					aws := strings.HasPrefix(name, "States.") || strings.HasPrefix(name, "Lambda.") || strings.HasPrefix(name, "Sandbox.")
					if !aws && !types[name] {
						t.Errorf("%s: %s matches %q, which is no Go error type under internal/ (a renamed type?)", file, state, name)
					}
				}
			}
		})
		if names == 0 {
			t.Errorf("%s: no ErrorEquals found", file)
		}
	}
}

func TestEveryTaskRetriesTransientFailuresAndLambdaTimeoutsWithJitterWithinABoundedTime(t *testing.T) {
	for file, m := range Files() {
		tasks := 0
		m.Walk(func(state string, s *State) {
			if s.Type != "Task" {
				return
			}
			tasks++
			var retried []string
			for _, r := range s.Retry {
				retried = append(retried, r.ErrorEquals...)
				if r.JitterStrategy != "FULL" || r.MaxDelaySeconds <= 0 || r.MaxAttempts <= 0 {
					t.Errorf("%s: %s retries %v with jitter %q, max delay %d, %d attempts", file, state, r.ErrorEquals, r.JitterStrategy, r.MaxDelaySeconds, r.MaxAttempts)
				}
			}
			for _, want := range []string{"Lambda.ServiceException", "Lambda.TooManyRequestsException", "Sandbox.Timedout", "Lambda.Unknown", "TransientError"} {
				if !slices.Contains(retried, want) {
					t.Errorf("%s: %s does not retry %s", file, state, want)
				}
			}
			var fns []string
			if fn, ok := s.Parameters["FunctionName"].(string); ok {
				fns = []string{strings.TrimSuffix(strings.TrimPrefix(fn, "${"), "FunctionArn}")}
			} else {
				fns = stepFunctions()
			}
			for _, fn := range fns {
				lambda, ok := FunctionTimeouts[fn]
				if !ok || s.TimeoutSeconds <= lambda {
					t.Errorf("%s: %s waits %d s for %s, whose timeout is %d s: Lambda's timeout must come first", file, state, s.TimeoutSeconds, fn, lambda)
				}
			}
		})
		if tasks == 0 {
			t.Errorf("%s has no Task", file)
		}
	}
}

// One Task runs every plan step, taking its function from the step; no Choice over the
// step functions remains.
func TestAPlanStepRunsInTheFunctionItsStepNames(t *testing.T) {
	for file, m := range Files() {
		dynamic := 0
		m.Walk(func(state string, s *State) {
			if s.Parameters["FunctionName.$"] == "$.step.functionArn" {
				dynamic++
			}
			for _, c := range s.Choices {
				if strings.Contains(c.Variable, "step.fn") {
					t.Errorf("%s: %s chooses on %s", file, state, c.Variable)
				}
			}
		})
		if dynamic == 0 {
			t.Errorf("%s: no Task takes its function from the step", file)
		}
		if !slices.Contains(m.Invokes(), "Compute") {
			t.Errorf("%s: Invokes() = %v, missing the step functions", file, m.Invokes())
		}
	}
}

// Compensation waits FenceGrace after raising its fence before undoing anything; a step
// invocation that started before the fence must have ended by then, or it could create a
// resource behind compensation's back (fidelity-fargate-asl.md D2).
func TestTheRollbackFenceOutlastsEveryStepFunctionsTimeout(t *testing.T) {
	for _, fn := range stepFunctions() {
		if got := FunctionTimeouts[fn]; got == 0 || time.Duration(got)*time.Second >= workflow.FenceGrace {
			t.Errorf("%s may run %d s; the fence waits %s", fn, got, workflow.FenceGrace)
		}
	}
}
