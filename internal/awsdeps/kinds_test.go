package awsdeps

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/berth-dev/berth"
	"github.com/berth-dev/berth/internal/iamcheck"
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
	"github.com/berth-dev/berth/internal/provision/kinds"
)

// planKinds are the kinds internal/plan declares, read from its source so that a kind
// added there is walked here without anybody listing it.
func planKinds(t *testing.T) []plan.Kind {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "../plan/model.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []plan.Kind
	ast.Inspect(f, func(n ast.Node) bool {
		v, ok := n.(*ast.ValueSpec)
		if !ok || v.Type == nil || fmt.Sprint(v.Type) != "Kind" {
			return true
		}
		for _, val := range v.Values {
			if lit, ok := val.(*ast.BasicLit); ok {
				out = append(out, plan.Kind(strings.Trim(lit.Value, `"`)))
			}
		}
		return true
	})
	if len(out) == 0 {
		t.Fatal("found no Kind constants in internal/plan/model.go")
	}
	return out
}

// TestEveryKindIsComplete walks every kind plan can emit and fails on any piece missing:
// a provisioner the wiring registers, a descriptor naming a function template.yaml
// deploys, a wait budget, an ownership rule, IAM permissions, known ready gates, and how
// the inventory lists it.
func TestEveryKindIsComplete(t *testing.T) {
	tpl, err := iamcheck.Parse(berth.Template, iamcheck.Install{Partition: "aws", Region: "eu-west-1", Account: "123456789012", StackName: "berth"})
	if err != nil {
		t.Fatal(err)
	}
	deployed, err := tpl.FunctionPolicies()
	if err != nil {
		t.Fatal(err)
	}
	registry := clientsFactory(aws.Config{Region: "eu-west-1"}, Settings{})(nil).Registry
	declared := planKinds(t)
	for _, k := range declared {
		t.Run(string(k), func(t *testing.T) {
			if registry[k] == nil {
				t.Errorf("the wiring (clients.go) registers no provisioner for %s", k)
			}
			d, err := kinds.Lookup(k)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Contains(provision.Functions, d.Function) {
				t.Errorf("function %q is not one of %v", d.Function, provision.Functions)
			} else if deployed["berth-"+d.Function] == nil {
				t.Errorf("function %q: template.yaml deploys no berth-%s", d.Function, d.Function)
			}
			if d.Budget.Wait <= 0 || d.Budget.Limit < d.Budget.Wait {
				t.Errorf("budget %+v: want a positive poll interval within the limit", d.Budget)
			}
			if d.Ownership.String() == "undeclared" {
				t.Error("declares no ownership rule")
			}
			if !d.Describe.Declared() {
				t.Errorf("describe %+v: say once how the inventory lists the kind (Items or ARNTypes, With, or why it is Unlisted) in the package's describe.go", d.Describe)
			} else if d.Describe.With != "" && !slices.Contains(declared, d.Describe.With) {
				t.Errorf("listed with %s, which is not a kind plan declares", d.Describe.With)
			}
			p := d.Permissions
			if len(p.Observe) == 0 || p.Create == nil || p.Delete == nil {
				t.Errorf("permissions %+v: want Observe, Create and Delete actions declared", p)
			}
			for _, g := range d.ReadyGates {
				if !slices.Contains(declared, g) {
					t.Errorf("ready gate %s is not a kind plan declares", g)
				}
			}
		})
	}
	for _, d := range kinds.All() {
		if !slices.Contains(declared, d.Kind) {
			t.Errorf("%s is described but internal/plan declares no such kind", d.Kind)
		}
	}
	for k := range registry {
		if !slices.Contains(declared, k) {
			t.Errorf("the wiring registers a provisioner for %s, which internal/plan does not declare", k)
		}
	}
}
