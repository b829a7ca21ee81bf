package plan

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"sync"
)

// graph accumulates the resources of one desired document.
type graph struct {
	res []Resource
	ids map[string]bool
	err error
}

func newGraph(capacity int) graph {
	return graph{res: make([]Resource, 0, capacity), ids: make(map[string]bool, capacity)}
}

// add appends a resource. Its DependsOn is every Ref found in props (so a ref can never be
// missing from the dependencies) plus after: ordering needs that are not refs, such as an
// ECS service waiting for the listener rule that attaches its target group.
func (g *graph) add(id string, kind Kind, container, name, region string, props any, after ...string) {
	g.addResource(Resource{ID: id, Kind: kind, Container: container, Name: name, Region: region}, props, after...)
}

// addResource adds r (ID, Kind, Container, Name, Region, Shared set) with props.
func (g *graph) addResource(r Resource, props any, after ...string) {
	id := r.ID
	if g.err != nil {
		return
	}
	if g.ids[id] {
		g.err = fmt.Errorf("plan: two resources with id %q", id)
		return
	}
	raw, err := json.Marshal(props)
	if err != nil {
		g.err = fmt.Errorf("plan: %s: encoding properties: %w", id, err)
		return
	}
	deps := append(refIDs(props), after...)
	g.ids[id] = true
	r.DependsOn, r.Props = sortedUnique(deps), raw
	g.res = append(g.res, r)
}

// finish sorts the resources and checks that every dependency exists.
func (g *graph) finish() ([]Resource, error) {
	if g.err != nil {
		return nil, g.err
	}
	g.res = sortedBy(g.res, func(a, b *Resource) bool { return a.ID < b.ID })
	for _, r := range g.res {
		for _, d := range r.DependsOn {
			if !g.ids[d] {
				return nil, fmt.Errorf("plan: %s depends on %s, which is not in the graph", r.ID, d)
			}
		}
	}
	return g.res, nil
}

var refType = reflect.TypeOf(Ref{})

// refIDs returns the ids of every Ref reachable from v through structs, pointers, slices
// and maps. Interface values (user-supplied documents such as an inline IAM policy) are
// not walked: they hold data, never refs.
func refIDs(v any) []string {
	var out []string
	walkRefs(reflect.ValueOf(v), &out)
	return out
}

func walkRefs(v reflect.Value, out *[]string) {
	if !holdsRefs(v.Type()) {
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			walkRefs(v.Elem(), out)
		}
	case reflect.Struct:
		if v.Type() == refType {
			*out = append(*out, v.Field(0).String())
			return
		}
		for i := 0; i < v.NumField(); i++ {
			walkRefs(v.Field(i), out)
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			walkRefs(v.Index(i), out)
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			walkRefs(it.Value(), out)
		}
	}
}

// refTypes caches, per type, whether a value of it can hold a Ref, so the walk skips
// environment maps, strings and other plain data without looking at them.
var refTypes sync.Map // reflect.Type -> bool

func holdsRefs(t reflect.Type) bool {
	if v, ok := refTypes.Load(t); ok {
		return v.(bool)
	}
	has := reachesRef(t, map[reflect.Type]bool{})
	refTypes.Store(t, has)
	return has
}

// reachesRef searches t's structure for Ref; visited stops at types seen before, which
// ends recursive types (a second visit finds nothing the first does not).
func reachesRef(t reflect.Type, visited map[reflect.Type]bool) bool {
	if t == refType {
		return true
	}
	if visited[t] {
		return false
	}
	visited[t] = true
	switch t.Kind() {
	case reflect.Struct:
		for i := 0; i < t.NumField(); i++ {
			if reachesRef(t.Field(i).Type, visited) {
				return true
			}
		}
	case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Map:
		return reachesRef(t.Elem(), visited)
	}
	return false
}

// sortedBy returns xs sorted by less. It sorts indices and copies each element once:
// swapping the large structs themselves dominated a 500-container plan.
func sortedBy[T any](xs []T, less func(a, b *T) bool) []T {
	idx := make([]int, len(xs))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(i, j int) bool { return less(&xs[idx[i]], &xs[idx[j]]) })
	out := make([]T, len(xs))
	for i, k := range idx {
		out[i] = xs[k]
	}
	return out
}

// sortedUnique sorts ids and drops duplicates; nil for none, so "dependsOn" is omitted.
func sortedUnique(ids []string) []string {
	if len(ids) == 0 {
		return nil
	}
	sort.Strings(ids)
	out := ids[:1]
	for _, id := range ids[1:] {
		if id != out[len(out)-1] {
			out = append(out, id)
		}
	}
	return out
}
