package template

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// repoRoot is the repository root (this file is internal/template/cfn_test.go).
func repoRoot(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("cannot locate the test file")
	}
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// cfnTemplate is template.yaml as a node tree plus its raw lines.
type cfnTemplate struct {
	root  *yaml.Node // the top-level mapping
	lines []string
}

var loaded *cfnTemplate

func loadTemplate(t testing.TB) *cfnTemplate {
	t.Helper()
	if loaded != nil {
		return loaded
	}
	raw, err := os.ReadFile(filepath.Join(repoRoot(t), "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("template.yaml: %v", err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		t.Fatal("template.yaml: not a YAML mapping")
	}
	loaded = &cfnTemplate{root: doc.Content[0], lines: strings.Split(string(raw), "\n")}
	return loaded
}

// get returns the value node of key in mapping n, or nil.
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

// path follows keys through nested mappings.
func path(n *yaml.Node, keys ...string) *yaml.Node {
	for _, k := range keys {
		n = get(n, k)
	}
	return n
}

// keys lists a mapping's keys in document order.
func keys(n *yaml.Node) []string {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	var out []string
	for i := 0; i+1 < len(n.Content); i += 2 {
		out = append(out, n.Content[i].Value)
	}
	return out
}

func (c *cfnTemplate) resources() *yaml.Node { return get(c.root, "Resources") }

func (c *cfnTemplate) resource(name string) *yaml.Node { return get(c.resources(), name) }

func (c *cfnTemplate) props(name string) *yaml.Node { return get(c.resource(name), "Properties") }

// resourcesOfType lists the logical ids of resources of a type, in document order.
func (c *cfnTemplate) resourcesOfType(typ string) []string {
	var out []string
	for _, name := range keys(c.resources()) {
		if scalar(get(c.resource(name), "Type")) == typ {
			out = append(out, name)
		}
	}
	return out
}

func scalar(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode {
		return ""
	}
	return n.Value
}

// cfnValue converts a node to plain Go values (map[string]any, []any, string, int, bool,
// nil), turning CloudFormation short-form tags into their long forms.
func cfnValue(n *yaml.Node) any {
	if n == nil {
		return nil
	}
	if n.Kind == yaml.AliasNode {
		return cfnValue(n.Alias)
	}
	if tag := n.Tag; strings.HasPrefix(tag, "!") && !strings.HasPrefix(tag, "!!") {
		name := strings.TrimPrefix(tag, "!")
		inner := *n
		inner.Tag = ""
		switch name {
		case "Ref":
			return map[string]any{"Ref": n.Value}
		case "Condition":
			return map[string]any{"Condition": n.Value}
		case "GetAtt":
			if n.Kind == yaml.ScalarNode {
				res, attr, _ := strings.Cut(n.Value, ".")
				return map[string]any{"Fn::GetAtt": []any{res, attr}}
			}
		}
		if n.Kind == yaml.ScalarNode {
			return map[string]any{"Fn::" + name: n.Value}
		}
		return map[string]any{"Fn::" + name: cfnValue(&inner)}
	}
	switch n.Kind {
	case yaml.MappingNode:
		m := map[string]any{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			m[n.Content[i].Value] = cfnValue(n.Content[i+1])
		}
		return m
	case yaml.SequenceNode:
		out := []any{}
		for _, c := range n.Content {
			out = append(out, cfnValue(c))
		}
		return out
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!int":
			if v, err := strconv.Atoi(n.Value); err == nil {
				return v
			}
		case "!!bool":
			return n.Value == "true"
		case "!!null":
			return nil
		}
		return n.Value
	}
	return nil
}

// subString returns the template string of an {"Fn::Sub": "..."} value.
func subString(v any) (string, bool) {
	m, ok := v.(map[string]any)
	if !ok {
		return "", false
	}
	s, ok := m["Fn::Sub"].(string)
	return s, ok
}

// refName returns the target of a {"Ref": name} value.
func refName(v any) (string, bool) {
	m, ok := v.(map[string]any)
	if !ok || len(m) != 1 {
		return "", false
	}
	s, ok := m["Ref"].(string)
	return s, ok
}

// getAtt returns the resource and attribute of a {"Fn::GetAtt": [r, a]} value.
func getAtt(v any) (string, string, bool) {
	m, ok := v.(map[string]any)
	if !ok {
		return "", "", false
	}
	l, ok := m["Fn::GetAtt"].([]any)
	if !ok || len(l) != 2 {
		return "", "", false
	}
	r, _ := l[0].(string)
	a, _ := l[1].(string)
	return r, a, true
}

// pseudo is what render substitutes for pseudo parameters and references.
type pseudo struct {
	Partition, Region, Account, StackName, URLSuffix string
	// Refs and Atts resolve !Ref / !GetAtt / ${X.Y} of resources and parameters;
	// unknown ones render as "<X>" or "<X.Y>".
	Refs map[string]string
}

var pseudoBerth = pseudo{Partition: "aws", Region: "eu-west-1", Account: "123456789012", StackName: "berth", URLSuffix: "amazonaws.com"}

var subVar = regexp.MustCompile(`\$\{([^}!]+)\}`)

// render resolves the intrinsic functions this template uses to concrete values, for
// comparisons and size estimates. Fn::If takes the "true" branch unless ifFalse is set.
func (p pseudo) render(v any) any {
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 1 {
			for k, arg := range x {
				switch k {
				case "Ref":
					return p.ref(arg.(string))
				case "Fn::GetAtt":
					l := arg.([]any)
					return p.ref(l[0].(string) + "." + l[1].(string))
				case "Fn::Sub":
					s, vars := "", map[string]any{}
					switch a := arg.(type) {
					case string:
						s = a
					case []any:
						s = a[0].(string)
						if m, ok := a[1].(map[string]any); ok {
							vars = m
						}
					}
					return subVar.ReplaceAllStringFunc(s, func(m string) string {
						name := m[2 : len(m)-1]
						if v, ok := vars[name]; ok {
							return toString(p.render(v))
						}
						return p.ref(name)
					})
				case "Fn::If":
					l := arg.([]any)
					return p.render(l[1])
				case "Fn::Join":
					l := arg.([]any)
					var parts []string
					for _, e := range asList(p.render(l[1])) {
						parts = append(parts, toString(e))
					}
					return strings.Join(parts, l[0].(string))
				}
			}
		}
		out := map[string]any{}
		for k, e := range x {
			out[k] = p.render(e)
		}
		return out
	case []any:
		out := []any{}
		for _, e := range x {
			r := p.render(e)
			if r == noValue {
				continue
			}
			out = append(out, r)
		}
		return out
	}
	return v
}

const noValue = "\x00NoValue"

func (p pseudo) ref(name string) string {
	switch name {
	case "AWS::Partition":
		return p.Partition
	case "AWS::Region":
		return p.Region
	case "AWS::AccountId":
		return p.Account
	case "AWS::StackName":
		return p.StackName
	case "AWS::URLSuffix":
		return p.URLSuffix
	case "AWS::NoValue":
		return noValue
	}
	if v, ok := p.Refs[name]; ok {
		return v
	}
	return "<" + name + ">"
}

func toString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case nil:
		return ""
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// asList returns v as a list (a scalar becomes a one-element list).
func asList(v any) []any {
	switch x := v.(type) {
	case nil:
		return nil
	case []any:
		return x
	}
	return []any{v}
}

// strs returns the strings of a string-or-list value; non-strings are skipped.
func strs(v any) []string {
	var out []string
	for _, e := range asList(v) {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}

// jsonEqual compares two values as JSON documents ([]byte is JSON text; anything else is
// a value).
func jsonEqual(t testing.TB, a, b any) bool {
	t.Helper()
	norm := func(v any) string {
		var raw []byte
		if x, ok := v.([]byte); ok {
			raw = x
		} else {
			var err error
			if raw, err = json.Marshal(v); err != nil {
				t.Fatal(err)
			}
		}
		var out any
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatalf("not JSON: %s: %v", raw, err)
		}
		b, _ := json.Marshal(out)
		return string(b)
	}
	return norm(a) == norm(b)
}
