package cloudfront

import (
	"context"
	"maps"
	"testing"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

const (
	opTags     = "CloudFront:ListTagsForResource"
	opDescribe = "CloudFront KeyValueStore:DescribeKeyValueStore"
	opList     = "CloudFront KeyValueStore:ListKeys"
	opUpdate   = "CloudFront KeyValueStore:UpdateKeys"
	opGet      = "CloudFront KeyValueStore:GetKey"
)

// Each verb makes exactly these calls: Observe reads the tags and lists the store, a
// write reads the data-plane ETag before the listing it diffs (so a write that succeeds
// proves the listing current), and a table already in place is written not at all.
func TestRouteTableMakesTheSameCallsInEachSituation(t *testing.T) {
	initial := func(t *testing.T) plan.Resource { return routeTable(t, "api/Url", false) }
	tests := []struct {
		name  string
		setup func(t *testing.T, r *edgeFakeRig, env *provision.Env) // before counting
		verb  func(p provision.Provisioner, env provision.Env, res plan.Resource) error
		res   func(t *testing.T) plan.Resource
		want  map[string]int
	}{
		{"observing a table reads the tags and lists the store", created, observe, initial,
			map[string]int{opTags: 1, opList: 1}},
		{"observing an empty store reads the tags and lists it", nothing, observe, initial,
			map[string]int{opTags: 1, opList: 1}},
		{"an update that changes nothing reads the ETag and the listing and writes nothing", created, update, initial,
			map[string]int{opTags: 1, opDescribe: 1, opList: 1}},
		{"an update writes the changed routes in one batch and reads each back", created, update,
			func(t *testing.T) plan.Resource { return routeTable(t, "api/UrlB", true) },
			map[string]int{opTags: 1, opDescribe: 1, opList: 2, opUpdate: 1}},
		{"a create into an empty store writes once and reads back", nothing, create, initial,
			map[string]int{opTags: 1, opDescribe: 1, opList: 1, opUpdate: 1, opGet: 1}},
		{"a create that meets another writer reads the ETag and the listing again and writes again", concurrent, create, initial,
			map[string]int{opTags: 1, opDescribe: 2, opList: 2, opUpdate: 2, opGet: 1}},
		{"a delete empties the store in one batch", created, remove, initial,
			map[string]int{opTags: 1, opDescribe: 1, opList: 1, opUpdate: 1, opGet: 1}},
		{"a delete from an empty store writes nothing", nothing, remove, initial,
			map[string]int{opTags: 1, opDescribe: 1, opList: 1}},
		{"observing a foreign store reads only its tags", foreign, observe, initial, map[string]int{opTags: 1}},
		{"updating a foreign store reads only its tags", foreign, update, initial, map[string]int{opTags: 1}},
		{"deleting from a foreign store reads only its tags", foreign, remove, initial, map[string]int{opTags: 1}},
		{"observing a missing store reads only its tags", missing, observe, initial, map[string]int{opTags: 1}},
		{"creating in a missing store reads only its tags", missing, create, initial, map[string]int{opTags: 1}},
		{"deleting from a missing store reads only its tags", missing, remove, initial, map[string]int{opTags: 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newEdgeFakeRig(t)
			env, _ := routeEnv(t, r)
			p := NewRouteTable(r.data, r.cf)
			tc.setup(t, r, &env)
			before := r.calls.Summary()
			_ = tc.verb(p, env, tc.res(t)) // the outcomes are the other tests'

			if got := opCounts(before, r.calls.Summary()); !maps.Equal(got, tc.want) {
				t.Fatalf("calls = %v, want %v", got, tc.want)
			}
		})
	}
}

func nothing(*testing.T, *edgeFakeRig, *provision.Env) {}

func created(t *testing.T, r *edgeFakeRig, env *provision.Env) {
	if _, err := NewRouteTable(r.data, r.cf).Create(context.Background(), *env, routeTable(t, "api/Url", false)); err != nil {
		t.Fatal(err)
	}
}

func concurrent(_ *testing.T, r *edgeFakeRig, _ *provision.Env) { r.fake.InjectConcurrentWrite() }

func foreign(t *testing.T, r *edgeFakeRig, env *provision.Env) {
	arn := r.store(t, "someone-elses-kvs", nil)
	if err := putRaw(context.Background(), r, arn, "/api/*", "their value"); err != nil {
		t.Fatal(err)
	}
	env.Refs.(provision.OutputsByID)[plan.IDKeyValueStore] = provision.Outputs{plan.AttrArn: arn}
}

func missing(_ *testing.T, _ *edgeFakeRig, env *provision.Env) {
	env.Refs.(provision.OutputsByID)[plan.IDKeyValueStore] = provision.Outputs{plan.AttrArn: "arn:aws:cloudfront::123456789012:key-value-store/0f0e0d0c-1b1a-4c2d-8e3f-405060708090"}
}

func observe(p provision.Provisioner, env provision.Env, res plan.Resource) error {
	_, err := p.Observe(context.Background(), env, res)
	return err
}

func create(p provision.Provisioner, env provision.Env, res plan.Resource) error {
	_, err := p.Create(context.Background(), env, res)
	return err
}

func update(p provision.Provisioner, env provision.Env, res plan.Resource) error {
	_, err := p.Update(context.Background(), env, res)
	return err
}

func remove(p provision.Provisioner, env provision.Env, res plan.Resource) error {
	return p.Delete(context.Background(), env, res)
}
