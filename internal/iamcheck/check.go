package iamcheck

import (
	"fmt"
	"sort"
	"strings"

	"github.com/berth-dev/berth/internal/awscalls"
)

// Checker evaluates calls against each function's policies.
type Checker struct {
	Policies map[string]*Policies // by deployed function name
	Account  Account
}

// Denied is a call a function's policies do not allow.
type Denied struct {
	Function  string
	Operation string // SDK service:operation
	Request   Request
	By        *Statement // the explicit Deny, nil for the implicit deny
}

func (d *Denied) Error() string {
	if d.By != nil {
		return fmt.Sprintf("%s: %s (%s) on %s is denied by %s", d.Function, d.Request.Action, d.Operation, d.Request.Resource, d.By)
	}
	return fmt.Sprintf("%s: %s (%s) on %s is not allowed by template.yaml; add to the function's role: %s",
		d.Function, d.Request.Action, d.Operation, d.Request.Resource, Suggest(d.Request))
}

// Check evaluates every call and returns one error per distinct denial (function, action,
// resource), in order, plus the calls it cannot map.
func (c *Checker) Check(calls []awscalls.Call) []error {
	var errs []error
	seen := map[string]bool{}
	for _, call := range calls {
		pol, ok := c.Policies[call.Function]
		if !ok {
			key := "fn " + call.Function
			if !seen[key] {
				seen[key] = true
				errs = append(errs, fmt.Errorf("iamcheck: %s made %s:%s but template.yaml deploys no function of that name", call.Function, call.Service, call.Operation))
			}
			continue
		}
		reqs, err := Requests(call, c.Account)
		if err != nil {
			if !seen[err.Error()] {
				seen[err.Error()] = true
				errs = append(errs, err)
			}
			continue
		}
		for _, r := range reqs {
			ok, by := Decide(pol.Statements, r)
			if ok {
				continue
			}
			key := call.Function + " " + r.Action + " " + r.Resource
			if seen[key] {
				continue
			}
			seen[key] = true
			errs = append(errs, &Denied{Function: call.Function, Operation: call.Service + ":" + call.Operation, Request: r, By: by})
		}
	}
	return errs
}

// Summary lists the distinct (function, action) pairs calls needed, for reports.
func (c *Checker) Summary(calls []awscalls.Call) []string {
	set := map[string]bool{}
	for _, call := range calls {
		reqs, _ := Requests(call, c.Account)
		for _, r := range reqs {
			set[call.Function+" "+r.Action] = true
		}
	}
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Without returns a copy of the checker whose function policies lack the statement sid
// of the named policy (managed policy logical id or <role>/<name>): what the template
// would grant if that statement were deleted.
func (c *Checker) Without(policy, sid string) *Checker {
	out := &Checker{Account: c.Account, Policies: map[string]*Policies{}}
	for fn, p := range c.Policies {
		cp := *p
		cp.Statements = nil
		for _, s := range p.Statements {
			if s.Sid == sid && (s.Policy == policy || strings.HasSuffix(s.Policy, "/"+policy)) {
				continue
			}
			cp.Statements = append(cp.Statements, s)
		}
		out.Policies[fn] = &cp
	}
	return out
}

// Load parses template.yaml for an installation and builds the checker of its functions.
func Load(body []byte, in Install, roleBoundary string) (*Checker, *Template, error) {
	t, err := Parse(body, in)
	if err != nil {
		return nil, nil, err
	}
	pols, err := t.FunctionPolicies()
	if err != nil {
		return nil, nil, err
	}
	return &Checker{Policies: pols, Account: Account{Partition: in.Partition, ID: in.Account, RoleBoundary: roleBoundary}}, t, nil
}
