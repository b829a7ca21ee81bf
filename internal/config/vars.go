package config

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Variables are resolved on the YAML node tree before decoding, so every diagnostic keeps
// the key path and position of the value that used the variable. Syntax (as in Serverless
// Framework): ${source:address}, optionally with fallbacks ${source:address, 'default'},
// ${env:A, ${param:b}}; a variable can be the whole value (and then keeps the type of
// what it refers to, e.g. a number or a mapping) or be embedded in text.

// supportedSources is quoted in the error for any other source.
const supportedSources = "${param:name}, ${self:path.to.key}, ${ssm:/parameter}, ${aws:ssm:/parameter}, ${env:NAME}, ${sls:stage}, ${file(./values.yml):key}"

// varInfo records where a node's value came from.
type varInfo struct {
	ref    string
	from   string // the ssm:/env: reference a whole value was read from, "" otherwise
	secret bool
	sure   bool // secret for certain, not only because its kind is unknown offline
	// external: an ${ssm:} or ${env:} value went into it, whatever the parameter's kind
	// (unknown offline), so where it may go does not depend on being online.
	external   bool
	unresolved bool // not known offline: keep the text, skip value checks
	failed     bool // an error was already reported for it
}

// value is the result of evaluating one variable.
type value struct {
	node       *yaml.Node // set when a self/param reference yields a node
	text       string
	tag        string
	from       string // see varInfo
	secret     bool
	sure       bool
	external   bool
	unresolved bool
	failed     bool
}

type paramRef struct {
	node *yaml.Node
	path string
}

type lookupResult struct {
	value  string
	secure bool
	param  string // the SSM parameter an ${env:} value was read from
	err    error
}

const (
	unvisited uint8 = iota
	active
	done
)

type resolver struct {
	ctx      context.Context
	res      Resolver
	stage    string
	root     *yaml.Node
	params   map[string]paramRef
	lookedIn string // where ${param:} looks, for messages
	app      string // the file's own name, once resolved
	files    FileReader
	fileDocs map[string]fileDoc
	sink     *sink
	secrets  []site // values that are secret for certain, to check where they are used
	info     map[*yaml.Node]*varInfo
	state    map[*yaml.Node]uint8
	trail    []string // paths being resolved, for cycle messages
	budget   int      // nodes cloneAt may still create
	bytes    int      // bytes variables may still yield (maxResolvedBytes in all)
	over     bool
	ssm      map[string]lookupResult
	env      map[string]lookupResult
	fatal    *ResolveError
}

// ignoredContainerKeys are accepted but not acted on; berth does not look up variables in
// them, so an SSM parameter that only they use cannot block a deploy.
var ignoredContainerKeys = map[string]bool{"build": true, "dev": true, "integrations": true}

// ownApp resolves name first: the app a file deploys decides which /berth/<app>/
// parameters it may read. "" (a name not known offline, or invalid) allows none.
func (r *resolver) ownApp() string {
	n := lookupKey(r.root, "name")
	if n == nil {
		return ""
	}
	r.resolveNode(n, "name")
	if inf := r.info[n]; n.Kind != yaml.ScalarNode || (inf != nil && (inf.unresolved || inf.failed)) || !nameRE.MatchString(n.Value) {
		return ""
	}
	return n.Value
}

// resolveDocument resolves every variable except those under stages (resolved when a
// ${param:} uses them, so other stages' parameters are never looked up) and ignored keys.
func (r *resolver) resolveDocument() {
	if r.root.Kind != yaml.MappingNode {
		return
	}
	r.app = r.ownApp()
	for i := 0; i+1 < len(r.root.Content); i += 2 {
		k, v := r.root.Content[i], r.root.Content[i+1]
		switch {
		case k.Value == "stages":
		case k.Value == "containers" && v.Kind == yaml.MappingNode:
			r.resolveContainers(v)
		default:
			r.resolveNode(v, k.Value)
		}
	}
}

// resolveContainers resolves each container's keys but the ignored ones. The mappings on
// the way are marked active meanwhile, so a ${self:} to a whole container from inside it
// is reported as a cycle, and unvisited afterwards, so a later ${self:} to a whole
// container still resolves its ignored keys.
func (r *resolver) resolveContainers(n *yaml.Node) {
	r.state[n] = active
	for i := 0; i+1 < len(n.Content); i += 2 {
		path := join("containers", n.Content[i].Value)
		c := n.Content[i+1]
		if c.Kind != yaml.MappingNode {
			r.resolveNode(c, path)
			continue
		}
		r.state[c] = active
		for j := 0; j+1 < len(c.Content); j += 2 {
			if k := c.Content[j].Value; !ignoredContainerKeys[k] {
				r.resolveNode(c.Content[j+1], join(path, k))
			}
		}
		r.state[c] = unvisited
	}
	r.state[n] = unvisited
}

func (r *resolver) resolveNode(n *yaml.Node, path string) {
	if r.state[n] != unvisited {
		return
	}
	r.state[n] = active
	r.trail = append(r.trail, path)
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			r.resolveNode(n.Content[i+1], join(path, n.Content[i].Value))
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			r.resolveNode(c, index(path, i))
		}
	case yaml.ScalarNode:
		if n.ShortTag() == tagStr && strings.Contains(n.Value, "${") {
			r.resolveScalar(n, path)
		}
	}
	r.trail = r.trail[:len(r.trail)-1]
	r.state[n] = done
}

type site struct {
	path string
	node *yaml.Node
}

func (r *resolver) resolveScalar(n *yaml.Node, path string) {
	if r.over { // reported once; resolving the rest would only spend more
		r.info[n] = &varInfo{failed: true}
		return
	}
	parts, msg := parseTemplate(n.Value)
	s := site{path, n}
	if msg != "" {
		r.sink.errorAt(path, n, "%s", msg)
		r.info[n] = &varInfo{failed: true}
		return
	}
	if len(parts) == 1 && parts[0].expr != nil {
		r.assignWhole(n, r.eval(parts[0].expr, s), parts[0].expr.ref)
		return
	}
	text, inf := r.evalText(parts, s)
	inf.ref = n.Value
	r.info[n] = &inf
	r.noteSecret(&inf, s)
	if !inf.unresolved && !inf.failed && r.spend(len(text), s) {
		n.Value, n.Tag = text, tagStr
	}
}

// spend charges n bytes of resolved values to the whole file's budget, so that
// references to a large value cannot multiply it into gigabytes; it reports once.
func (r *resolver) spend(n int, s site) bool {
	if r.over {
		return false
	}
	if r.bytes -= n; r.bytes >= 0 {
		return true
	}
	r.over = true
	r.sink.errorAt(s.path, s.node, "variables yield more than %d bytes in all once resolved; a configuration is far smaller, so refer to a large value once instead of repeating ${param:} or ${self:} references to it", maxResolvedBytes)
	return false
}

// evalText evaluates parts into one string; variables must yield scalars.
func (r *resolver) evalText(parts []part, s site) (string, varInfo) {
	var b strings.Builder
	var inf varInfo
	for _, p := range parts {
		if p.expr == nil {
			b.WriteString(p.lit)
			continue
		}
		v := r.eval(p.expr, s)
		if v.node != nil && v.node.Kind != yaml.ScalarNode && !v.failed {
			r.sink.errorAt(s.path, s.node, "${%s} is %s; a mapping or list can only be used as the whole value, not inside text", p.expr.ref, describe(v.node))
			v.failed = true
		}
		inf.secret = inf.secret || v.secret
		inf.sure = inf.sure || v.sure
		inf.external = inf.external || v.external
		inf.unresolved = inf.unresolved || v.unresolved
		inf.failed = inf.failed || v.failed
		b.WriteString(v.text)
		if b.Len() > maxScalarBytes && !inf.failed {
			r.sink.errorAt(s.path, s.node, "the value grows beyond %d bytes once variables are resolved; a configuration value is far smaller", maxScalarBytes)
			inf.failed = true
		}
	}
	return b.String(), inf
}

// assignWhole replaces n by the variable's value, keeping its type (a whole-value variable
// can yield a number, a boolean, a mapping or a list).
func (r *resolver) assignWhole(n *yaml.Node, v value, ref string) {
	r.info[n] = &varInfo{ref: ref, from: v.from, secret: v.secret, sure: v.sure, external: v.external, unresolved: v.unresolved, failed: v.failed}
	s := site{r.trail[len(r.trail)-1], n}
	r.noteSecret(r.info[n], s)
	switch {
	case v.failed || v.unresolved:
		// keep the text as written; checks that need the value are skipped
	case v.node == nil:
		if r.spend(len(v.text), s) {
			n.Value, n.Tag, n.Style = v.text, v.tag, 0
		}
	case v.node.Kind == yaml.ScalarNode:
		if r.spend(len(v.node.Value), s) {
			n.Value, n.Tag, n.Style = v.node.Value, v.node.ShortTag(), 0
		}
	default:
		if !r.spend(textBytes(v.node), s) {
			r.info[n].failed = true
			return
		}
		c, ok := cloneAt(v.node, n, &r.budget)
		if !ok {
			r.sink.errorAt(s.path, n, "variables expand to more than %d values; a configuration is far smaller, so remove repeated ${self:} or ${param:} references to large values", maxNodes)
			r.info[n].failed = true
			r.over = true // the rest would hit the same wall, each after walking the value
			return
		}
		r.adopt(v.node, c)
		n.Kind, n.Tag, n.Value, n.Style, n.Content = c.Kind, c.Tag, "", c.Style, c.Content
	}
}

// textBytes is the size of every scalar in a tree.
func textBytes(n *yaml.Node) int {
	size := len(n.Value)
	for _, c := range n.Content {
		size += textBytes(c)
	}
	return size
}

// adopt copies resolution info from src's subtree to its clone dst and marks the clone
// resolved, so values (which may contain "${" text) are never resolved twice.
func (r *resolver) adopt(src, dst *yaml.Node) {
	if inf := r.info[src]; inf != nil {
		cp := *inf
		r.info[dst] = &cp
	}
	r.state[dst] = done
	for i := range src.Content {
		r.adopt(src.Content[i], dst.Content[i])
	}
}

// eval evaluates one variable, trying fallbacks, and reports it if nothing matched.
func (r *resolver) eval(e *varExpr, s site) value {
	v, missing := r.try(e, s)
	if missing != "" {
		r.sink.errorAt(s.path, s.node, "%s", missing)
		v.failed = true
	}
	return v
}

// try evaluates e; a non-empty message means the value does not exist (fallbacks apply).
func (r *resolver) try(e *varExpr, s site) (value, string) {
	addr, ainf := r.evalText(e.address, s)
	if ainf.failed || ainf.unresolved {
		return value{failed: ainf.failed, unresolved: ainf.unresolved, secret: ainf.secret, sure: ainf.sure, external: ainf.external}, ""
	}
	shown := strings.TrimSpace(addr)
	if ainf.secret { // an address built from a secret is shown as written
		shown = strings.TrimPrefix(strings.TrimPrefix(e.ref, e.source), ":")
	}
	v, missing := r.lookup(e, strings.TrimSpace(addr), shown, s)
	for _, fb := range e.fallbacks {
		if missing == "" {
			break
		}
		if fb.expr == nil {
			v, missing = value{text: fb.text, tag: fb.tag}, ""
		} else if fv, m := r.try(fb.expr, s); m == "" {
			v, missing = fv, ""
		}
	}
	// ${env:} is always secret, even when a fallback stood in: the file's author chose a
	// source SCF users fill with API keys, so berth never prints what it yields.
	v.secret = v.secret || ainf.secret || e.source == "env"
	v.sure = v.sure || ainf.sure || e.source == "env"
	v.external = v.external || ainf.external
	if ainf.secret { // the reference itself is secret: it cannot be stored either
		v.from = ""
	}
	return v, missing
}

func (r *resolver) lookup(e *varExpr, addr, shown string, s site) (value, string) {
	switch e.source {
	case "param":
		p, ok := r.params[addr]
		if !ok {
			return value{}, fmt.Sprintf("${param:%s} is not defined: berth looked in %s; define %s there, or give a fallback, e.g. ${param:%s, 'value'}", shown, r.lookedIn, shown, shown)
		}
		return r.refNode(p.node, p.path, s), ""
	case "self":
		return r.self(addr, shown, s)
	case "ssm", "aws:ssm":
		if problem := berthParameterProblem(addr, r.app); problem != "" {
			r.sink.errorAt(s.path, s.node, "${%s} %s", clip(e.ref), problem)
			return value{failed: true}, ""
		}
		return r.external(e.source, addr, shown, "SSM parameter "+shown, r.ssm, s)
	case "env":
		if strings.Contains(addr, "/") {
			r.sink.errorAt(s.path, s.node, "${%s} takes a variable name, not a path: write ${env:NAME}; berth reads it from this app's own parameters /berth/<app>/<stage>/env/NAME", clip(e.ref))
			return value{failed: true}, ""
		}
		return r.external(e.source, addr, shown, "environment variable "+shown, r.env, s)
	case "file":
		return r.file(e, addr, s)
	case "sls":
		if addr == "stage" {
			return value{text: r.stage, tag: tagStr}, ""
		}
	}
	r.sink.errorAt(s.path, s.node, "${%s} uses a variable source berth does not support; supported: %s (keep secrets in SSM Parameter Store and use ${ssm:/name})", clip(e.ref), supportedSources)
	return value{failed: true}, ""
}

// refNode resolves the node a ${param:} or ${self:} points at and returns it.
func (r *resolver) refNode(target *yaml.Node, targetPath string, s site) value {
	if r.state[target] == active {
		r.sink.errorAt(s.path, s.node, "this value refers back to %s, which is still being resolved (%s); replace one of the references with a plain value", targetPath, r.cycle(targetPath))
		return value{failed: true}
	}
	r.resolveNode(target, targetPath)
	v := value{node: target, text: target.Value, tag: target.ShortTag()}
	if inf := r.info[target]; inf != nil {
		v.from = inf.from
	}
	r.walkInfo(target, func(inf *varInfo) {
		v.secret = v.secret || inf.secret
		v.sure = v.sure || inf.sure
		v.external = v.external || inf.external
		v.unresolved = v.unresolved || inf.unresolved
		v.failed = v.failed || inf.failed
	})
	return v
}

func (r *resolver) cycle(targetPath string) string {
	for i, p := range r.trail {
		if p == targetPath {
			return strings.Join(append(append([]string{}, r.trail[i:]...), targetPath), " → ")
		}
	}
	return targetPath
}

func (r *resolver) walkInfo(n *yaml.Node, fn func(*varInfo)) {
	if inf := r.info[n]; inf != nil {
		fn(inf)
	}
	for _, c := range n.Content {
		r.walkInfo(c, fn)
	}
}

// self finds a dotted key path (list items by number) in the file, resolving values on
// the way so a path can go through a variable that yields a mapping.
func (r *resolver) self(addr, shown string, s site) (value, string) {
	missing := fmt.Sprintf("${self:%s} refers to a key path that is not in the file; use the dotted path of an existing value, e.g. ${self:name} or ${self:stages.default.params.domain}", shown)
	if addr == "" {
		return value{}, missing
	}
	cur, path := r.root, ""
	for _, seg := range strings.Split(addr, ".") {
		if r.state[cur] == active && cur.Kind == yaml.ScalarNode {
			return r.refNode(cur, path, s), ""
		}
		if cur.Kind == yaml.ScalarNode {
			r.resolveNode(cur, path)
		}
		next, nextPath := child(cur, path, seg)
		if next == nil {
			return value{}, missing
		}
		cur, path = next, nextPath
	}
	return r.refNode(cur, path, s), ""
}

func child(n *yaml.Node, path, seg string) (*yaml.Node, string) {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == seg {
				return n.Content[i+1], join(path, seg)
			}
		}
	case yaml.SequenceNode:
		if i, err := strconv.Atoi(seg); err == nil && i >= 0 && i < len(n.Content) {
			return n.Content[i], index(path, i)
		}
	}
	return nil, ""
}

// external looks a value up through the Resolver (once per name). Offline (no Resolver)
// the value stays unresolved and is treated as secret, since its kind is unknown.
func (r *resolver) external(source, name, shown, where string, cache map[string]lookupResult, s site) (value, string) {
	from := "ssm:" + name
	if source == "env" {
		from = "env:" + name
	}
	if r.res == nil {
		return value{unresolved: true, secret: true, sure: source == "env", external: true, from: from}, ""
	}
	if r.fatal != nil {
		return value{failed: true}, ""
	}
	res, ok := cache[name]
	if !ok {
		if source == "env" {
			res.value, res.param, res.err = r.res.Env(r.ctx, name)
		} else {
			res.value, res.secure, res.err = r.res.SSM(r.ctx, name)
		}
		cache[name] = res
	}
	ref := source + ":" + shown
	var nf *NotFoundError
	if errors.As(res.err, &nf) {
		if nf.LookedUp != "" {
			where = nf.LookedUp
		}
		return value{}, fmt.Sprintf("${%s} could not be resolved: %s does not exist; create it, or give a fallback, e.g. ${%s, 'value'}", ref, where, ref)
	}
	if res.err != nil {
		r.fatal = &ResolveError{Path: s.path, Variable: ref, Err: res.err}
		return value{failed: true}, ""
	}
	if res.secure || source == "env" {
		r.sink.secrets = append(r.sink.secrets, res.value)
	}
	if res.param != "" {
		from = "ssm:" + res.param // delivered from where it was found (EnvParameters)
	}
	return value{text: res.value, tag: tagStr, secret: res.secure, sure: res.secure, external: true, from: from}, ""
}

// noteSecret remembers a value that is secret for certain (see checkSecretUse).
func (r *resolver) noteSecret(inf *varInfo, s site) {
	if inf.sure {
		r.secrets = append(r.secrets, s)
	}
}
