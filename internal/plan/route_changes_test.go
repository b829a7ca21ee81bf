package plan

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestRouteChangesNameEachKeyAddedChangedAndRemoved(t *testing.T) {
	table := func(routes map[string]Route) *Desired {
		b, err := json.Marshal(RouteTableProps{Routes: routes})
		if err != nil {
			t.Fatal(err)
		}
		return &Desired{Resources: []Resource{{ID: IDRouteTable, Kind: KindRouteTable, Props: b}}}
	}
	before := table(map[string]Route{"/api/*": {Container: "api", Target: RouteTargetLambda}, "/old/*": {Container: "old", Target: RouteTargetLambda}, "/web/*": {Container: "web", Target: RouteTargetLambda}})
	after := table(map[string]Route{"/api/*": {Container: "api", Target: RouteTargetLambda}, "/new": {Container: "new", Target: RouteTargetALB}, "/web/*": {Container: "web", Target: RouteTargetALB}})
	want := []RouteChange{
		{Action: Create, Key: "/new", Route: Route{Container: "new", Target: RouteTargetALB}},
		{Action: Delete, Key: "/old/*", Route: Route{Container: "old", Target: RouteTargetLambda}},
		{Action: Update, Key: "/web/*", Route: Route{Container: "web", Target: RouteTargetALB}},
	}
	if got := RouteChanges(before, after); !reflect.DeepEqual(got, want) {
		t.Errorf("RouteChanges = %+v, want %+v", got, want)
	}
	if got := RouteChanges(nil, nil); len(got) != 0 {
		t.Errorf("no tables: %+v", got)
	}
}
