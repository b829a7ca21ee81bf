package plan

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// res is a hand-made resource for diff tests.
func res(id string, props string, deps ...string) Resource {
	return Resource{ID: id, Kind: KindLogGroup, Name: "n-" + id, Region: "eu-west-1", DependsOn: deps, Props: json.RawMessage(props)}
}

func doc(rs ...Resource) *Desired {
	return &Desired{App: "shop", Stage: "prod", Region: "eu-west-1", Resources: rs}
}

// stepList renders steps as "wave action id [changes]" for comparison.
func stepList(p *Plan) []string {
	var out []string
	for _, s := range p.Steps {
		line := string(rune('0'+s.Wave)) + " " + string(s.Action) + " " + s.ID
		if len(s.Changes) > 0 {
			line += " " + strings.Join(s.Changes, ",")
		}
		if s.Replace {
			line += " (replace)"
		}
		out = append(out, line)
	}
	return out
}

func TestDiff(t *testing.T) {
	renamed := res("b", `{"x":1}`, "a")
	renamed.Name = "other"
	moved := res("a", `{}`)
	moved.Region = "us-east-1"
	revision := func(props string) Resource {
		r := res("task", props)
		r.Kind = KindTaskDefinition
		return r
	}
	service := res("svc", `{"taskDefinition":{"ref":"task","attr":"Arn"},"n":1}`, "task")
	tests := []struct {
		name             string
		desired, applied *Desired
		want             []string
	}{
		{"with nothing applied everything is created in dependency waves",
			doc(res("a", `{}`), res("b", `{}`, "a"), res("c", `{}`, "a", "b"), res("d", `{}`)), nil,
			[]string{"0 create a", "0 create d", "1 create b", "2 create c"}},
		{"an unchanged resource is a noop",
			doc(res("a", `{"x":1}`)), doc(res("a", `{"x":1}`)),
			[]string{"0 noop a"}},
		{"whitespace and key order are not changes",
			doc(res("a", `{"x":1,"y":[1,2]}`)), doc(res("a", "{\n  \"y\": [1, 2],\n  \"x\": 1\n}")),
			[]string{"0 noop a"}},
		{"changed props are an update naming the changed keys",
			doc(res("a", `{"x":1,"y":2,"z":3}`)), doc(res("a", `{"x":1,"y":1,"w":0,"z":3}`)),
			[]string{"0 update a w,y"}},
		{"a removed resource is deleted after everything else, dependents first",
			doc(res("a", `{}`)), doc(res("a", `{}`), res("b", `{}`, "a"), res("c", `{}`, "b"), res("d", `{}`)),
			[]string{"0 noop a", "1 delete c", "1 delete d", "2 delete b"}},
		{"a renamed resource is replaced: created first, the old one deleted last, its dependents updated",
			doc(res("a", `{}`), renamed, res("c", `{"b":{"ref":"b","attr":"Arn"}}`, "b")),
			doc(res("a", `{}`), res("b", `{"x":1}`, "a"), res("c", `{"b":{"ref":"b","attr":"Arn"}}`, "b")),
			[]string{"0 noop a", "1 create b (replace)", "2 update c b", "3 delete b (replace)"}},
		{"a changed task definition is a new revision: the service referring to it is updated too",
			doc(revision(`{"image":"b"}`), service), doc(revision(`{"image":"a"}`), service),
			[]string{"0 update task image", "1 update svc taskDefinition"}},
		{"an unchanged task definition leaves its service alone",
			doc(revision(`{"image":"a"}`), service), doc(revision(`{"image":"a"}`), service),
			[]string{"0 noop task", "1 noop svc"}},
		{"a resource moved to another region is replaced",
			doc(moved), doc(res("a", `{}`)),
			[]string{"0 create a (replace)", "1 delete a (replace)"}},
		{"a nil desired deletes everything applied",
			nil, doc(res("a", `{}`), res("b", `{}`, "a")),
			[]string{"0 delete b", "1 delete a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustDiff(t, tt.desired, tt.applied)
			if got := stepList(p); !slices.Equal(got, tt.want) {
				t.Errorf("steps\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestDiffRejects(t *testing.T) {
	other := doc()
	other.Stage = "dev"
	tests := []struct {
		name             string
		desired, applied *Desired
		want             string
	}{
		{"a dependency cycle", doc(res("a", `{}`, "c"), res("b", `{}`, "a"), res("c", `{}`, "b"), res("d", `{}`)), nil, "cycle among [a b c]"},
		{"a resource depending on itself", doc(res("a", `{}`, "a")), nil, "cycle"},
		{"a cycle among resources to delete", doc(), doc(res("a", `{}`, "b"), res("b", `{}`, "a")), "cycle"},
		{"an unknown dependency", doc(res("a", `{}`, "ghost")), nil, `unknown resource "ghost"`},
		{"two resources with one id", doc(res("a", `{}`), res("a", `{}`)), nil, "two resources"},
		{"applied state of another stage", doc(), other, "not shop/prod"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Diff(tt.desired, tt.applied)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

// Removing an app (a nil desired graph) deletes everything it owns and nothing shared:
// the body signer stays for other apps, so removal never waits on Lambda@Edge replicas.
func TestRemovingAnAppPlansNoLambdaEdgeDeletion(t *testing.T) {
	applied := mustBuild(t, appConfig(lambdaContainer("api", "/api/*")))
	p := mustDiff(t, nil, applied)
	deleted := map[string]bool{}
	for _, s := range p.Steps {
		if s.Action != Delete {
			t.Fatalf("removal plans %s %s", s.Action, s.ID)
		}
		deleted[s.ID] = true
		if s.Kind == KindEdgeFunctionVersion || s.ID == IDBodySignerRole {
			t.Errorf("removal deletes shared %s", s.ID)
		}
	}
	for _, r := range applied.Resources {
		if !r.Shared && !deleted[r.ID] {
			t.Errorf("removal leaves the app's %s", r.ID)
		}
	}
	if find(applied, IDBodySigner) == nil || !find(applied, IDBodySigner).Shared || find(applied, IDBodySigner).Name != SharedBodySignerName {
		t.Fatalf("the body signer is not the shared one: %+v", find(applied, IDBodySigner))
	}
}

// An app planned before the signer was shared has its own signer: the upgrade switches
// the distribution to the shared one and deletes the app's old signer (it is the app's).
func TestAnAppsOwnOldSignerIsReplacedByTheSharedOne(t *testing.T) {
	applied := mustBuild(t, appConfig(lambdaContainer("api", "/api/*")))
	for i := range applied.Resources {
		if r := &applied.Resources[i]; r.ID == IDBodySigner || r.ID == IDBodySignerRole {
			r.Shared, r.Name = false, "berth-shop-prod-"+r.ID
		}
	}
	got := changed(mustDiff(t, mustBuild(t, appConfig(lambdaContainer("api", "/api/*"))), applied))
	for _, want := range []string{"create BodySigner", "create BodySignerRole", "delete BodySigner", "delete BodySignerRole"} {
		if !slices.Contains(got, want) {
			t.Errorf("steps %q lack %q", got, want)
		}
	}
}

func TestADigestChangeOnFargateRegistersANewTaskDefinitionAndMovesTheService(t *testing.T) {
	web := fargateContainer("web", "/*")
	before := mustBuild(t, appConfig(web))
	web.Image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web@sha256:" + strings.Repeat("c", 64)
	got := changed(mustDiff(t, mustBuild(t, appConfig(web)), before))
	if want := []string{"update web/TaskDefinition", "update web/Service"}; !slices.Equal(got, want) {
		t.Fatalf("steps %q, want %q", got, want)
	}
}

func TestDiffOfABuiltGraph(t *testing.T) {
	api := lambdaContainer("api", "/api/*")
	before := mustBuild(t, appConfig(api))
	bigger := api
	bigger.Compute.Lambda.Memory = 2048
	repushed := api // the same tag pinned to the digest it has after a push
	repushed.Image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/api@sha256:" + strings.Repeat("b", 64)

	tests := []struct {
		name  string
		after *Desired
		want  []string
	}{
		{"more memory is one function update", mustBuild(t, appConfig(bigger)), []string{"update api/Function"}},
		{"a digest change on Lambda appends the adapter again and is one function update", mustBuild(t, appConfig(repushed)), []string{"update api/WebAdapter", "update api/Function"}},
		{"switching to Fargate creates the ALB side, moves the route, then deletes the Lambda side",
			mustBuild(t, appConfig(switched(api))), []string{
				// creates and updates in dependency order …
				"create AlbSecurityGroup", "create Cluster", "create ExecutionRole", "create api/LogGroup",
				"create api/TargetGroup", "create api/TaskRole",
				"create LoadBalancer", "update RouterFunction", "create TaskSecurityGroup", "create api/TaskDefinition",
				"create Listener", "create VpcOrigin", "create api/ListenerRule",
				// CloudFront's group exists once the VPC origin does; the ALB admits it
				// before the distribution sends anything.
				"create AlbIngress", "create api/Service", "update Distribution",
				"update RouteTable",
				// … then the Lambda side goes, dependents first; the shared body signer
				// and its role stay for the account's other apps.
				"delete api/Permission", "delete api/Url", "delete api/Function",
				"delete api/LogGroup", "delete api/Role",
				// Fargate runs the image as it is: the adapter layer and its repository go.
				"delete api/WebAdapter", "delete api/Repository",
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := changed(mustDiff(t, tt.after, before)); !slices.Equal(got, tt.want) {
				t.Errorf("steps\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestAnAppliedGraphWithPerContainerRoutesHandsThemToTheRouteTable(t *testing.T) {
	desired := mustBuild(t, appConfig(lambdaContainer("api", "/api/*")))
	applied := roundTrip(t, desired)
	var legacy []Resource
	for _, r := range applied.Resources {
		if r.ID != IDRouteTable {
			legacy = append(legacy, r)
		}
	}
	applied.Resources = append(legacy, Resource{ID: "api/Route", Kind: "Berth::CloudFront::Route", Container: "api", Name: "/api/*",
		Region: EdgeRegion, DependsOn: []string{IDKeyValueStore}, Props: json.RawMessage(`{"key":"/api/*"}`)})
	got := changed(mustDiff(t, desired, applied))
	if !slices.Equal(got, []string{"create RouteTable"}) {
		t.Fatalf("steps %q, want only the route table's create: its sync replaces the old keys, so no per-route delete may run after it", got)
	}
}

// An app deployed when berth's ALB was internet-facing (under the name "alb") gets the
// internal ALB as a replacement: ELBv2 cannot change a scheme in place.
func TestAnInternetFacingALBFromBeforeIsReplacedByTheInternalOne(t *testing.T) {
	desired := mustBuild(t, appConfig(fargateContainer("web", "/*")))
	applied := &Desired{App: desired.App, Stage: desired.Stage, Region: desired.Region}
	for _, r := range desired.Resources {
		if r.ID == IDLoadBalancer {
			r.Name = physicalName(desired.App, desired.Stage, "", "alb", limitLoadBalancer)
			old, err := json.Marshal(LoadBalancerProps{Scheme: "internet-facing", SecurityGroups: []Ref{{ID: IDAlbSecurityGroup, Attr: AttrID}}, IdleTimeoutSec: 60})
			if err != nil {
				t.Fatal(err)
			}
			r.Props = old
		}
		applied.Resources = append(applied.Resources, r)
	}
	p := mustDiff(t, desired, applied)
	var create, del, listener *Step
	for i := range p.Steps {
		s := &p.Steps[i]
		switch {
		case s.ID == IDLoadBalancer && s.Action == Create:
			create = s
		case s.ID == IDLoadBalancer && s.Action == Delete:
			del = s
		case s.ID == IDListener:
			listener = s
		}
	}
	if create == nil || !create.Replace || del == nil || !del.Replace {
		t.Fatalf("want the load balancer created and deleted as a replacement, got create %+v, delete %+v", create, del)
	}
	if listener == nil || listener.Action != Update {
		t.Fatalf("the listener must move to the new load balancer (an update), got %+v", listener)
	}
	if create.Wave >= del.Wave {
		t.Errorf("the old load balancer must go after the new one exists: create wave %d, delete wave %d", create.Wave, del.Wave)
	}
}
