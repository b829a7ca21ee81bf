package iamcheck

import (
	"fmt"
	"path"
	"sort"
	"strings"
)

// Statement is one rendered IAM policy statement.
type Statement struct {
	Policy      string // managed policy logical id, or <role>/<inline policy name>
	Sid         string
	Effect      string
	Action      []string
	NotAction   []string
	Resource    []string
	NotResource []string
	// Condition: operator → key → values.
	Condition map[string]map[string][]string
}

func (s Statement) String() string { return s.Policy + " " + s.Sid }

// Request is what IAM authorizes: one action on one resource, with the condition keys
// the request context carries (absent keys are simply not in the map).
type Request struct {
	Action   string
	Resource string
	Context  map[string][]string
}

// Statements renders one policy document (a template's, or one read back from IAM) for
// Decide; policy names it in messages.
func Statements(policy string, doc any) ([]Statement, error) {
	m, ok := doc.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: policy document is not a map", policy)
	}
	var out []Statement
	for _, e := range asList(m["Statement"]) {
		sm, ok := e.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s: statement is not a map", policy)
		}
		s := Statement{Policy: policy, Sid: toString(sm["Sid"]), Effect: toString(sm["Effect"]),
			Action: strList(sm["Action"]), NotAction: strList(sm["NotAction"]),
			Resource: strList(sm["Resource"]), NotResource: strList(sm["NotResource"])}
		if c, ok := sm["Condition"].(map[string]any); ok {
			s.Condition = map[string]map[string][]string{}
			for op, kv := range c {
				s.Condition[op] = map[string][]string{}
				if kvm, ok := kv.(map[string]any); ok {
					for k, v := range kvm {
						s.Condition[op][k] = strList(v)
					}
				}
			}
		}
		out = append(out, s)
	}
	return out, nil
}

func strList(v any) []string {
	var out []string
	for _, e := range asList(v) {
		out = append(out, toString(e))
	}
	return out
}

// Decide evaluates r against identity policies in one account: an explicit Deny wins,
// else an Allow, else the implicit deny. It returns the deciding statement (nil for the
// implicit deny).
func Decide(sts []Statement, r Request) (bool, *Statement) {
	var allow *Statement
	for i := range sts {
		s := &sts[i]
		if !s.matches(r) {
			continue
		}
		if s.Effect == "Deny" {
			return false, s
		}
		if allow == nil {
			allow = s
		}
	}
	return allow != nil, allow
}

func (s Statement) matches(r Request) bool {
	if len(s.Action) > 0 && !anyMatch(s.Action, r.Action, true) {
		return false
	}
	if len(s.NotAction) > 0 && anyMatch(s.NotAction, r.Action, true) {
		return false
	}
	if len(s.Resource) > 0 && !anyMatch(substitute(s.Resource, r.Context), r.Resource, false) {
		return false
	}
	if len(s.NotResource) > 0 && anyMatch(substitute(s.NotResource, r.Context), r.Resource, false) {
		return false
	}
	for op, kv := range s.Condition {
		for key, want := range kv {
			if !conditionHolds(op, substitute(want, r.Context), r.Context[key], hasKey(r.Context, key)) {
				return false
			}
		}
	}
	return true
}

// substitute replaces policy variables (${aws:PrincipalAccount}) in Resource and
// condition values with the request's value for that key. A value whose variable the
// request lacks is dropped, so it matches nothing (IAM UG, "IAM policy elements:
// Variables and tags": https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html).
func substitute(values []string, ctx map[string][]string) []string {
	out := make([]string, 0, len(values))
	for _, v := range values {
		ok := true
		for ok {
			start := strings.Index(v, "${")
			if start < 0 {
				break
			}
			end := strings.Index(v[start:], "}")
			if end < 0 {
				break
			}
			got := ctx[v[start+2:start+end]]
			if ok = len(got) == 1; ok {
				v = v[:start] + got[0] + v[start+end+1:]
			}
		}
		if ok {
			out = append(out, v)
		}
	}
	return out
}

func hasKey(ctx map[string][]string, key string) bool {
	_, ok := ctx[key]
	return ok
}

func anyMatch(patterns []string, s string, fold bool) bool {
	for _, p := range patterns {
		if wildcard(p, s, fold) {
			return true
		}
	}
	return false
}

// wildcard matches IAM's * and ? (which, unlike path.Match, also span "/").
func wildcard(pattern, s string, fold bool) bool {
	if fold {
		pattern, s = strings.ToLower(pattern), strings.ToLower(s)
	}
	if pattern == "*" {
		return true
	}
	// Escape path.Match's own syntax, then make * and ? cross "/" by matching on a copy
	// of s without separators' meaning: replace "/" with a byte path.Match treats plainly.
	const sep = "\x00"
	p := strings.NewReplacer("[", `\[`, "]", `\]`, `\`, `\\`, "/", sep).Replace(pattern)
	ok, err := path.Match(p, strings.ReplaceAll(s, "/", sep))
	return err == nil && ok
}

// conditionHolds applies one condition operator to one key (IAM's condition rules:
// negated operators and ForAllValues hold for an absent key; IfExists holds for one).
func conditionHolds(op string, want, got []string, present bool) bool {
	set := ""
	if a, b, ok := strings.Cut(op, ":"); ok {
		set, op = a, b
	}
	if base, ok := strings.CutSuffix(op, "IfExists"); ok {
		if !present {
			return true
		}
		op = base
	}
	if op == "Null" {
		return (len(want) > 0 && want[0] == "true") == !present
	}
	negated := strings.Contains(op, "Not")
	match := func(v string) bool {
		for _, w := range want {
			if valueMatches(op, w, v) {
				return true
			}
		}
		return false
	}
	switch set {
	case "ForAllValues":
		for _, v := range got {
			if !match(v) {
				return false
			}
		}
		return true
	case "ForAnyValue":
		for _, v := range got {
			if match(v) {
				return true
			}
		}
		return false
	}
	if !present {
		return negated
	}
	for _, v := range got {
		if match(v) {
			return !negated
		}
	}
	return negated
}

func valueMatches(op, want, got string) bool {
	switch strings.Replace(op, "Not", "", 1) {
	case "StringEquals", "ArnEquals", "Bool":
		return want == got
	case "StringEqualsIgnoreCase":
		return strings.EqualFold(want, got)
	case "StringLike", "ArnLike":
		return wildcard(want, got, false)
	}
	return false // an operator berth does not use: never matches, so the test shows it
}

// Suggest is the statement that would allow r, for the failure message.
func Suggest(r Request) string {
	var cond []string
	keys := make([]string, 0, len(r.Context))
	for k := range r.Context {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		cond = append(cond, fmt.Sprintf("%s=%v", k, r.Context[k]))
	}
	s := fmt.Sprintf("{Effect: Allow, Action: %s, Resource: %s}", r.Action, r.Resource)
	if len(cond) > 0 {
		s += " (request context: " + strings.Join(cond, ", ") + ")"
	}
	return s
}
