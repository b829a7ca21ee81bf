package config

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Limits that keep a hostile or broken file from exhausting the deployer: real configs are
// a few hundred nodes, so these never bite legitimate input.
const (
	maxFileBytes   = 1 << 20
	maxNodes       = 100_000 // after alias and variable expansion
	maxDepth       = 64
	maxScalarBytes = 64 << 10 // one resolved value
	// maxResolvedBytes bounds what variables yield in one file, so the resolved config
	// stays within twice the file limit however often a large value is referenced.
	maxResolvedBytes = 1 << 20
)

// Tags as yaml.v3 reports them.
const (
	tagStr   = "!!str"
	tagInt   = "!!int"
	tagFloat = "!!float"
	tagBool  = "!!bool"
	tagNull  = "!!null"
	tagMerge = "!!merge"
	tagMap   = "!!map"
	tagSeq   = "!!seq"
)

// expander copies a parsed document into a plain tree: aliases become copies and merge
// keys (<<) are applied. Every later pass can then walk and mutate the tree without
// worrying about shared nodes or alias cycles.
type expander struct {
	budget int
	active map[*yaml.Node]bool // anchors being expanded, to detect an alias inside itself
	err    *Diagnostic
}

func expand(n *yaml.Node) (*yaml.Node, *Diagnostic) {
	e := &expander{budget: maxNodes, active: map[*yaml.Node]bool{}}
	out := e.copy(n, 0, nil)
	return out, e.err
}

func (e *expander) fail(n *yaml.Node, format string, args ...any) *yaml.Node {
	if e.err == nil {
		d := diagAt("", n, format, args...)
		e.err = &d
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: tagNull, Line: n.Line, Column: n.Column}
}

// copy deep-copies n. at, when set, is the alias the copy stands for: copies take its
// position so diagnostics point at the place the value is used.
func (e *expander) copy(n *yaml.Node, depth int, at *yaml.Node) *yaml.Node {
	if e.err != nil {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: tagNull}
	}
	if depth > maxDepth {
		return e.fail(n, "the file nests deeper than %d levels; flatten it", maxDepth)
	}
	if e.budget--; e.budget < 0 {
		return e.fail(n, "the file expands to more than %d values (through aliases); a configuration is far smaller, so remove the repeated aliases", maxNodes)
	}
	if n.Kind == yaml.AliasNode {
		if n.Alias == nil || e.active[n.Alias] {
			return e.fail(n, "alias *%s refers to a value that contains the alias itself; an alias must point at a complete, earlier value", n.Value)
		}
		if at == nil {
			at = n
		}
		e.active[n.Alias] = true
		defer delete(e.active, n.Alias)
		return e.copy(n.Alias, depth, at)
	}
	c := &yaml.Node{Kind: n.Kind, Style: n.Style, Tag: n.ShortTag(), Value: n.Value, Line: n.Line, Column: n.Column}
	if at != nil {
		c.Line, c.Column = at.Line, at.Column
	}
	switch n.Kind {
	case yaml.DocumentNode, yaml.SequenceNode:
		for _, child := range n.Content {
			c.Content = append(c.Content, e.copy(child, depth+1, at))
		}
	case yaml.MappingNode:
		c.Content = e.mapping(n, depth, at)
	}
	return c
}

// mapping copies a mapping's pairs and applies merge keys: keys written in the mapping win
// over merged ones, and earlier merge sources win over later ones (YAML merge semantics).
func (e *expander) mapping(n *yaml.Node, depth int, at *yaml.Node) []*yaml.Node {
	explicit := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i]; k.ShortTag() != tagMerge {
			explicit[k.Value] = true
		}
	}
	var out []*yaml.Node
	merged := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.ShortTag() != tagMerge {
			out = append(out, e.copy(k, depth+1, at), e.copy(v, depth+1, at))
			continue
		}
		for _, src := range e.mergeSources(v, depth, at) {
			for j := 0; j+1 < len(src.Content); j += 2 {
				key := src.Content[j].Value
				if explicit[key] || merged[key] {
					continue
				}
				merged[key] = true
				out = append(out, src.Content[j], src.Content[j+1])
			}
		}
	}
	return out
}

func (e *expander) mergeSources(v *yaml.Node, depth int, at *yaml.Node) []*yaml.Node {
	c := e.copy(v, depth+1, at)
	switch c.Kind {
	case yaml.MappingNode:
		return []*yaml.Node{c}
	case yaml.SequenceNode:
		var out []*yaml.Node
		for _, item := range c.Content {
			if item.Kind != yaml.MappingNode {
				e.fail(v, "a merge key (<<) takes a mapping or a list of mappings, e.g. <<: *defaults")
				return nil
			}
			out = append(out, item)
		}
		return out
	}
	e.fail(v, "a merge key (<<) takes a mapping or a list of mappings, e.g. <<: *defaults")
	return nil
}

// cloneAt deep-copies an already expanded tree, moving every copy to pos. Used when a
// variable's whole value is a mapping or list from elsewhere in the file.
func cloneAt(n *yaml.Node, pos *yaml.Node, budget *int) (*yaml.Node, bool) {
	if *budget--; *budget < 0 {
		return nil, false
	}
	c := *n
	c.Line, c.Column = pos.Line, pos.Column
	c.Content = nil
	for _, child := range n.Content {
		cc, ok := cloneAt(child, pos, budget)
		if !ok {
			return nil, false
		}
		c.Content = append(c.Content, cc)
	}
	return &c, true
}

func isNull(n *yaml.Node) bool {
	return n == nil || (n.Kind == yaml.ScalarNode && n.ShortTag() == tagNull)
}

// describe names a node's kind for messages ("a list", "the number 3").
func describe(n *yaml.Node) string {
	switch {
	case isNull(n):
		return "nothing (null)"
	case n.Kind == yaml.MappingNode:
		return "a mapping"
	case n.Kind == yaml.SequenceNode:
		return "a list"
	}
	switch n.ShortTag() {
	case tagInt, tagFloat:
		return "a number"
	case tagBool:
		return "a boolean"
	}
	return "a string"
}

// join builds a key path from its parts, skipping empty ones.
func join(parts ...string) string {
	var b strings.Builder
	for _, p := range parts {
		if p == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(p)
	}
	return b.String()
}

func index(path string, i int) string { return fmt.Sprintf("%s[%d]", path, i) }

// parent returns the key path one level up ("a.b[2]" → "a.b", "a.b" → "a").
func parent(path string) string {
	if strings.HasSuffix(path, "]") {
		if i := strings.LastIndexByte(path, '['); i >= 0 {
			return path[:i]
		}
	}
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		return path[:i]
	}
	return ""
}

// toAny converts a node to plain Go values (map[string]any, []any, string, int64,
// float64, bool, nil), keeping the YAML types. Keys become their text.
func toAny(n *yaml.Node) any {
	switch n.Kind {
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			m[n.Content[i].Value] = toAny(n.Content[i+1])
		}
		return m
	case yaml.SequenceNode:
		s := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			s = append(s, toAny(c))
		}
		return s
	}
	return scalarAny(n)
}

func scalarAny(n *yaml.Node) any {
	switch n.ShortTag() {
	case tagNull:
		return nil
	case tagBool:
		var b bool
		if n.Decode(&b) == nil {
			return b
		}
	case tagInt:
		var i int64
		if n.Decode(&i) == nil {
			return i
		}
	case tagFloat:
		var f float64
		if n.Decode(&f) == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			return f
		}
	}
	return n.Value
}

// toJSON renders a node as compact JSON in file order, as SCF did (JSON.stringify) for
// environment values that are mappings or lists.
func toJSON(n *yaml.Node) string {
	var b strings.Builder
	writeJSON(&b, n)
	return b.String()
}

func writeJSON(b *strings.Builder, n *yaml.Node) {
	switch n.Kind {
	case yaml.MappingNode:
		b.WriteByte('{')
		for i := 0; i+1 < len(n.Content); i += 2 {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(jsonString(n.Content[i].Value))
			b.WriteByte(':')
			writeJSON(b, n.Content[i+1])
		}
		b.WriteByte('}')
	case yaml.SequenceNode:
		b.WriteByte('[')
		for i, c := range n.Content {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSON(b, c)
		}
		b.WriteByte(']')
	default:
		switch v := scalarAny(n).(type) {
		case string:
			b.WriteString(jsonString(v))
		case float64:
			b.WriteString(strconv.FormatFloat(v, 'f', -1, 64))
		default:
			data, _ := json.Marshal(v)
			b.Write(data)
		}
	}
}

func jsonString(s string) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}
