package iamcheck

import (
	"fmt"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Install is what CloudFormation would fill into template.yaml for one installation.
type Install struct {
	Partition, Region, Account, StackName string
	// Physical names of resources whose Ref/Arn the policies use (buckets, table), by
	// logical id; others render as their logical id.
	Names map[string]string
	// Params overrides parameter defaults (comma-separated for lists).
	Params map[string]string
}

// Policies are one function's identity policies.
type Policies struct {
	Function   string // deployed name, e.g. "berth-compute"
	Role       string // logical id of its role
	Statements []Statement
}

// Template is template.yaml, parsed.
type Template struct {
	root      *yaml.Node
	resources map[string]*yaml.Node
	params    map[string]*yaml.Node
	conds     map[string]*yaml.Node
	in        Install
}

// Parse reads template.yaml for the given installation.
func Parse(body []byte, in Install) (*Template, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("template.yaml: %w", err)
	}
	if len(doc.Content) == 0 {
		return nil, fmt.Errorf("template.yaml: empty")
	}
	t := &Template{root: doc.Content[0], in: in}
	t.resources = mapping(get(t.root, "Resources"))
	t.params = mapping(get(t.root, "Parameters"))
	t.conds = mapping(get(t.root, "Conditions"))
	return t, nil
}

// FunctionPolicies renders the identity policies of every AWS::Serverless::Function,
// keyed by deployed function name.
func (t *Template) FunctionPolicies() (map[string]*Policies, error) {
	out := map[string]*Policies{}
	for _, id := range sortedKeys(t.resources) {
		res := t.resources[id]
		if scalar(get(res, "Type")) != "AWS::Serverless::Function" {
			continue
		}
		props := get(res, "Properties")
		name := toString(t.render(value(get(props, "FunctionName"))))
		role, _, ok := getAtt(value(get(props, "Role")))
		if !ok {
			return nil, fmt.Errorf("template.yaml: %s has no Role: !GetAtt <role>.Arn", id)
		}
		p := &Policies{Function: name, Role: role}
		rp := get(t.resources[role], "Properties")
		for _, m := range asList(t.render(value(get(rp, "ManagedPolicyArns")))) {
			pid := t.managedPolicyID(toString(m))
			if pid == "" {
				return nil, fmt.Errorf("template.yaml: role %s attaches %v, which is not a policy of the template", role, m)
			}
			sts, err := Statements(pid, t.render(value(get(get(t.resources[pid], "Properties"), "PolicyDocument"))))
			if err != nil {
				return nil, err
			}
			p.Statements = append(p.Statements, sts...)
		}
		if pols := get(rp, "Policies"); pols != nil {
			for _, e := range pols.Content {
				sts, err := Statements(role+"/"+scalar(get(e, "PolicyName")), t.render(value(get(e, "PolicyDocument"))))
				if err != nil {
					return nil, err
				}
				p.Statements = append(p.Statements, sts...)
			}
		}
		out[name] = p
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("template.yaml: no AWS::Serverless::Function")
	}
	return out, nil
}

// ManagedPolicyArn is the ARN a customer managed policy of the template gets here.
func (t *Template) ManagedPolicyArn(logicalID string) string {
	return fmt.Sprintf("arn:%s:iam::%s:policy/berth/%s", t.in.Partition, t.in.Account, logicalID)
}

// ManagedPolicyDocument renders a customer managed policy's document.
func (t *Template) ManagedPolicyDocument(logicalID string) any {
	return t.render(value(get(get(t.resources[logicalID], "Properties"), "PolicyDocument")))
}

func (t *Template) managedPolicyID(arn string) string {
	for id, r := range t.resources {
		if scalar(get(r, "Type")) == "AWS::IAM::ManagedPolicy" && t.ManagedPolicyArn(id) == arn {
			return id
		}
	}
	return ""
}

// --- YAML with CloudFormation's short-form tags -------------------------------------

func get(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

func mapping(n *yaml.Node) map[string]*yaml.Node {
	m := map[string]*yaml.Node{}
	if n == nil {
		return m
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		m[n.Content[i].Value] = n.Content[i+1]
	}
	return m
}

func sortedKeys(m map[string]*yaml.Node) []string {
	k := make([]string, 0, len(m))
	for s := range m {
		k = append(k, s)
	}
	sort.Strings(k)
	return k
}

func scalar(n *yaml.Node) string {
	if n == nil {
		return ""
	}
	return n.Value
}

// value turns a node into plain Go values, short-form tags into their long forms.
func value(n *yaml.Node) any {
	if n == nil {
		return nil
	}
	var v any
	switch n.Kind {
	case yaml.MappingNode:
		m := map[string]any{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			m[n.Content[i].Value] = value(n.Content[i+1])
		}
		v = m
	case yaml.SequenceNode:
		l := []any{}
		for _, c := range n.Content {
			l = append(l, value(c))
		}
		v = l
	default:
		v = n.Value
	}
	switch tag := strings.TrimPrefix(n.Tag, "!"); tag {
	case "Ref", "Condition":
		return map[string]any{tag: v}
	case "GetAtt":
		if s, ok := v.(string); ok {
			a, b, _ := strings.Cut(s, ".")
			v = []any{a, b}
		}
		return map[string]any{"Fn::GetAtt": v}
	case "Sub", "If", "Join", "Not", "Equals", "Split", "Select", "And", "Or":
		return map[string]any{"Fn::" + tag: v}
	}
	return v
}

func getAtt(v any) (string, string, bool) {
	m, ok := v.(map[string]any)
	if !ok {
		return "", "", false
	}
	l, ok := m["Fn::GetAtt"].([]any)
	if !ok || len(l) != 2 {
		return "", "", false
	}
	return toString(l[0]), toString(l[1]), true
}

func asList(v any) []any {
	switch x := v.(type) {
	case nil:
		return nil
	case []any:
		return x
	case []string:
		out := make([]any, len(x))
		for i, s := range x {
			out[i] = s
		}
		return out
	}
	return []any{v}
}

func toString(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return fmt.Sprint(v)
}
