package iamcheck

import (
	"fmt"
	"sort"
	"strings"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// Verb is one of the provisioner methods.
type Verb string

// The provisioner verbs.
const (
	Observe Verb = "Observe"
	Create  Verb = "Create"
	Update  Verb = "Update"
	Delete  Verb = "Delete"
)

// AllVerbs are the verbs a function applying plan steps runs.
var AllVerbs = []Verb{Observe, Create, Update, Delete}

// Runs says which verbs of which kinds one function runs.
type Runs map[plan.Kind][]Verb

// Extra is an action a function needs for something other than a provisioner verb
// (state store, artifacts, its own logs, inventory...), with the reason.
type Extra struct {
	Function string // deployed name; "" for every function checked
	Action   string
	Reason   string
}

// need is one declared action of one kind in one verb.
type need struct {
	kind     plan.Kind
	verb     Verb
	action   string
	resource string
}

// KindCoverage checks that each function's policies grant exactly what the kinds it
// runs declare: every declared action is allowed on an ARN of the declared pattern (by
// an Allow statement; conditions are left to the per-call check), and every action an
// Allow statement grants is declared by one of its kinds or listed in extras. Each
// problem names the function, and the kind and action.
func KindCoverage(pols map[string]*Policies, in Install, decl []provision.Descriptor, runs map[string]Runs, extras []Extra) []string {
	byKind := map[plan.Kind]provision.Permissions{}
	for _, d := range decl {
		byKind[d.Kind] = d.Permissions
	}
	var problems []string
	for _, fn := range sortedFunctions(runs) {
		pol, ok := pols[fn]
		if !ok {
			problems = append(problems, fmt.Sprintf("%s: template.yaml deploys no function of that name", fn))
			continue
		}
		needs, errs := needsOf(fn, runs[fn], byKind)
		problems = append(problems, errs...)
		for _, n := range needs {
			if n.resource == "" {
				problems = append(problems, fmt.Sprintf("%s: kind %s declares %s (%s) with no resource ARN pattern", fn, n.kind, n.action, n.verb))
				continue
			}
			arn := instantiate(n.resource, in)
			if !granted(pol.Statements, n.action, arn) {
				problems = append(problems, fmt.Sprintf("%s: kind %s needs %s on %s (%s), which template.yaml does not grant",
					fn, n.kind, n.action, n.resource, n.verb))
			}
		}
		problems = append(problems, undeclared(fn, pol.Statements, needs, extras)...)
	}
	return problems
}

func needsOf(fn string, r Runs, byKind map[plan.Kind]provision.Permissions) ([]need, []string) {
	var out []need
	var errs []string
	kinds := make([]string, 0, len(r))
	for k := range r {
		kinds = append(kinds, string(k))
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		p, ok := byKind[plan.Kind(k)]
		if !ok {
			errs = append(errs, fmt.Sprintf("%s: runs kind %s, which declares no IAM permissions (add them to its descriptor in its provisioner package's kind.go)", fn, k))
			continue
		}
		for _, v := range r[plan.Kind(k)] {
			for _, a := range verbActions(p, v) {
				out = append(out, need{kind: plan.Kind(k), verb: v, action: a, resource: p.Resource(a)})
			}
		}
	}
	return out, errs
}

func verbActions(p provision.Permissions, v Verb) []string {
	switch v {
	case Observe:
		return p.Observe
	case Create:
		return p.Create
	case Update:
		return p.Update
	}
	return p.Delete
}

// granted reports whether an Allow statement covers action on arn. A declared action
// with a wildcard (lambda:EnableReplication*) must be granted as written.
func granted(sts []Statement, action, arn string) bool {
	for _, s := range sts {
		if s.Effect != "Allow" || len(s.NotAction) > 0 || len(s.NotResource) > 0 {
			continue
		}
		if anyMatch(s.Action, action, true) && anyMatch(s.Resource, arn, false) {
			return true
		}
	}
	return false
}

func undeclared(fn string, sts []Statement, needs []need, extras []Extra) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range sts {
		if s.Effect != "Allow" {
			continue
		}
		actions := s.Action
		if len(s.NotAction) > 0 {
			actions = []string{"NotAction " + strings.Join(s.NotAction, ",")}
		}
		for _, a := range actions {
			if seen[a] || declaredBy(a, needs) || extraFor(fn, a, extras) {
				continue
			}
			seen[a] = true
			out = append(out, fmt.Sprintf("%s: template.yaml grants %s (%s), which no kind the function runs declares and no listed non-provisioner need explains",
				fn, a, s))
		}
	}
	return out
}

// declaredBy reports whether a granted action is declared as written: a granted
// wildcard cannot be checked action by action, so a kind must declare it verbatim.
func declaredBy(granted string, needs []need) bool {
	for _, n := range needs {
		if strings.EqualFold(n.action, granted) {
			return true
		}
	}
	return false
}

func extraFor(fn, action string, extras []Extra) bool {
	for _, e := range extras {
		if (e.Function == "" || e.Function == fn) && strings.EqualFold(e.Action, action) {
			return true
		}
	}
	return false
}

// instantiate fills an ARN pattern's placeholders for the installation and its
// wildcards with a name, so the result is an ARN the pattern describes.
func instantiate(pattern string, in Install) string {
	return strings.NewReplacer("${Partition}", in.Partition, "${Region}", in.Region, "${Account}", in.Account,
		"*", "x1").Replace(pattern)
}

func sortedFunctions(runs map[string]Runs) []string {
	out := make([]string, 0, len(runs))
	for fn := range runs {
		out = append(out, fn)
	}
	sort.Strings(out)
	return out
}
