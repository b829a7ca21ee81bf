package config

import (
	"math"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// decoder turns the resolved node tree into the model. It checks structure (mappings,
// types, unknown and duplicate keys, required keys) and records where every value sits,
// so that the semantic checks in validate.go can report positions too.
type decoder struct {
	*sink
	root    *yaml.Node
	info    map[*yaml.Node]*varInfo // from variable resolution
	nodes   map[string]*yaml.Node   // value node by key path
	keys    map[string]*yaml.Node   // key node by key path
	unknown map[string]bool         // values not known offline (or whose variable failed)
	secret  map[string]bool         // values that must not be quoted in messages
}

func newDecoder(s *sink, root *yaml.Node, info map[*yaml.Node]*varInfo) *decoder {
	return &decoder{sink: s, root: root, info: info, nodes: map[string]*yaml.Node{}, keys: map[string]*yaml.Node{}, unknown: map[string]bool{}, secret: map[string]bool{}}
}

func (d *decoder) record(path string, k, v *yaml.Node) {
	d.nodes[path] = v
	if k != nil {
		d.keys[path] = k
	}
	if inf := d.info[v]; inf != nil {
		d.unknown[path] = d.unknown[path] || inf.unresolved || inf.failed
		d.secret[path] = d.secret[path] || inf.secret
	}
}

// known reports whether the value at path is known (not an offline placeholder).
func (d *decoder) known(path string) bool { return !d.unknown[path] }

// at returns the node to report a problem at path against: the value itself, or for a
// missing value the nearest key that exists.
func (d *decoder) at(path string) *yaml.Node {
	if n := d.nodes[path]; n != nil {
		if k := d.keys[path]; k != nil && (n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode) {
			return k // a problem with a whole block reads best at its key
		}
		return n
	}
	for p := parent(path); p != ""; p = parent(p) {
		if k := d.keys[p]; k != nil {
			return k
		}
		if n := d.nodes[p]; n != nil {
			return n
		}
	}
	return d.root
}

// fail reports a problem with the value at path, unless that value is an offline
// placeholder (a variable resolved only at deploy time).
func (d *decoder) fail(path, format string, args ...any) {
	if d.known(path) {
		d.errorAt(path, d.at(path), format, args...)
	}
}

// warn reports a note about the key at path (at the key, since it is about the key's
// presence rather than its value).
func (d *decoder) warn(path, format string, args ...any) {
	n := d.keys[path]
	if n == nil {
		n = d.at(path)
	}
	d.warnAt(path, n, format, args...)
}

// quote renders a value for a message, never a secret one.
func (d *decoder) quote(path, s string) string {
	if d.secret[path] {
		return "(a secret value)"
	}
	if len(s) > 200 {
		s = s[:197] + "..."
	}
	return strconv.Quote(s)
}

type entry struct {
	key  string
	k, v *yaml.Node
}

// entries returns a mapping's pairs in order, reporting a non-mapping and duplicate keys.
// A missing or null value is an empty mapping.
func (d *decoder) entries(path string, n *yaml.Node, want string) []entry {
	if isNull(n) || d.unknown[path] {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		d.errorAt(path, n, "must be %s, got %s", want, describe(n))
		return nil
	}
	seen := map[string]*yaml.Node{}
	var out []entry
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		p := join(path, k.Value)
		if k.Kind != yaml.ScalarNode {
			d.errorAt(path, k, "keys must be plain names, got %s", describe(k))
			continue
		}
		if first := seen[k.Value]; first != nil {
			d.errorAt(p, k, "duplicate key %q (first set on line %d); keep only one", clip(k.Value), first.Line)
			continue
		}
		seen[k.Value] = k
		d.record(p, k, v)
		out = append(out, entry{k.Value, k, v})
	}
	return out
}

// fields is entries for a mapping with a fixed set of keys: unknown keys are reported
// with the valid ones.
func (d *decoder) fields(path string, n *yaml.Node, valid []string) map[string]*yaml.Node {
	out := map[string]*yaml.Node{}
	for _, e := range d.entries(path, n, "a mapping with the keys "+strings.Join(valid, ", ")) {
		if !contains(valid, e.key) {
			d.errorAt(join(path, e.key), e.k, "%s", unknownKeyMessage(e.key, valid))
			continue
		}
		out[e.key] = e.v
	}
	return out
}

func contains[T comparable](list []T, v T) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// present reports whether a key was written with a value.
func present(n *yaml.Node) bool { return !isNull(n) }

// require reports a missing required value and returns whether it is present.
func (d *decoder) require(path string, n *yaml.Node, format string, args ...any) bool {
	if present(n) {
		return true
	}
	d.errorAt(path, d.at(path), format, args...)
	return false
}

// scalar returns n if it is a usable scalar; absent, null and offline values give false,
// a mapping or list is reported.
func (d *decoder) scalar(path string, n *yaml.Node, want string) (*yaml.Node, bool) {
	if isNull(n) || d.unknown[path] {
		return nil, false
	}
	if n.Kind != yaml.ScalarNode {
		d.errorAt(path, n, "must be %s, got %s", want, describe(n))
		return nil, false
	}
	return n, true
}

// str returns a string value. Offline placeholders come back as written ("${ssm:/x}"),
// so plans show where the value will come from; checks skip them (see fail).
func (d *decoder) str(path string, n *yaml.Node) (string, bool) {
	if n != nil && d.unknown[path] && n.Kind == yaml.ScalarNode {
		return n.Value, true
	}
	s, ok := d.scalar(path, n, "a string")
	if !ok {
		return "", false
	}
	return s.Value, true
}

// enum is str for values with a fixed set: an offline placeholder yields false so the
// default stays in place.
func (d *decoder) enum(path string, n *yaml.Node) (string, bool) {
	s, ok := d.scalar(path, n, "a string")
	if !ok {
		return "", false
	}
	return s.Value, true
}

// integer accepts YAML integers and strings holding one (variables resolve to strings).
func (d *decoder) integer(path string, n *yaml.Node) (int, bool) {
	s, ok := d.scalar(path, n, "a whole number")
	if !ok {
		return 0, false
	}
	var v int64
	var err error
	if s.ShortTag() == tagInt {
		err = s.Decode(&v)
	} else {
		v, err = strconv.ParseInt(strings.TrimSpace(s.Value), 10, 64)
	}
	if err != nil || v > math.MaxInt32 || v < math.MinInt32 {
		d.errorAt(path, s, "must be a whole number, got %s", d.quote(path, s.Value))
		return 0, false
	}
	return int(v), true
}

// number accepts any finite YAML number or a string holding one.
func (d *decoder) number(path string, n *yaml.Node) (float64, bool) {
	s, ok := d.scalar(path, n, "a number")
	if !ok {
		return 0, false
	}
	f, err := strconv.ParseFloat(strings.ReplaceAll(strings.TrimSpace(s.Value), "_", ""), 64)
	if tag := s.ShortTag(); tag == tagInt || tag == tagFloat {
		err = s.Decode(&f)
	}
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		d.errorAt(path, s, "must be a number, got %s", d.quote(path, s.Value))
		return 0, false
	}
	return f, true
}

// boolean accepts true/false, also as strings (variables resolve to strings).
func (d *decoder) boolean(path string, n *yaml.Node) (bool, bool) {
	s, ok := d.scalar(path, n, "true or false")
	if !ok {
		return false, false
	}
	switch strings.TrimSpace(s.Value) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	d.errorAt(path, s, "must be true or false, got %s", d.quote(path, s.Value))
	return false, false
}

// items returns a list's items, recording their paths.
func (d *decoder) items(path string, n *yaml.Node, want string) []*yaml.Node {
	if isNull(n) || d.unknown[path] {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		d.errorAt(path, n, "must be %s, got %s", want, describe(n))
		return nil
	}
	for i, item := range n.Content {
		d.record(index(path, i), nil, item)
	}
	return n.Content
}

// strList decodes a list of strings.
func (d *decoder) strList(path string, n *yaml.Node) []string {
	var out []string
	for i, item := range d.items(path, n, "a list of strings") {
		if s, ok := d.str(index(path, i), item); ok {
			out = append(out, s)
		}
	}
	return out
}

// lookupKey finds a key's value in a mapping without recording anything.
func lookupKey(n *yaml.Node, key string) *yaml.Node {
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
