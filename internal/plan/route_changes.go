package plan

import (
	"encoding/json"
	"reflect"
	"sort"
)

// RouteChange is one key of the route table that a plan adds, changes or removes: the
// route table is one resource, so its step alone would not say which paths move.
type RouteChange struct {
	Action Action // Create, Update or Delete
	Key    string
	Route  Route // the new route; the removed one for Delete
}

// StepRouteChanges are the route changes step s carries: the route table's, nil for any
// other step.
func StepRouteChanges(s Step, before, after *Desired) []RouteChange {
	if s.Kind != KindRouteTable {
		return nil
	}
	return RouteChanges(before, after)
}

// RouteChanges compares the route tables of two graphs (either may be nil), by key.
func RouteChanges(before, after *Desired) []RouteChange {
	old, cur := routeTable(before), routeTable(after)
	var out []RouteChange
	for k, r := range cur {
		o, ok := old[k]
		switch {
		case !ok:
			out = append(out, RouteChange{Action: Create, Key: k, Route: r})
		case !reflect.DeepEqual(o, r):
			out = append(out, RouteChange{Action: Update, Key: k, Route: r})
		}
	}
	for k, o := range old {
		if _, ok := cur[k]; !ok {
			out = append(out, RouteChange{Action: Delete, Key: k, Route: o})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

func routeTable(d *Desired) map[string]Route {
	if d == nil {
		return nil
	}
	for _, r := range d.Resources {
		if r.Kind == KindRouteTable {
			var p RouteTableProps
			if json.Unmarshal(r.Props, &p) == nil {
				return p.Routes
			}
		}
	}
	return nil
}
