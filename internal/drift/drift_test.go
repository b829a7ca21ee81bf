package drift

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"github.com/berth-dev/berth/internal/awscalls"
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
	"github.com/berth-dev/berth/internal/state"
	"github.com/berth-dev/berth/internal/workflow"
)

func TestAStageCheck(t *testing.T) {
	cases := []struct {
		name  string
		setup func(*rig)
		check func(*testing.T, *rig, StageResult)
	}{
		{"a clean stage records an empty report, announces Drift Clean and starts nothing", func(*rig) {},
			func(t *testing.T, r *rig, res StageResult) {
				rep := r.store.report(t)
				if len(rep.Resources) != 0 || rep.Repaired || rep.DeploymentID != "" || !rep.At.Equal(r.now) {
					t.Fatalf("report = %+v", rep)
				}
				if len(r.starter.started) != 0 {
					t.Fatalf("a clean stage started %v", r.starter.started)
				}
				r.wantEvent(t, DetailTypeClean, `{"app":"shop","stage":"dev","resources":[],"repaired":false}`)
				if res.Observed != 4 { // every resource but the retired per-container route
					t.Fatalf("observed %d", res.Observed)
				}
			}},
		{"drifted resources and routes are recorded and repaired by a drift deployment of the latest config", func(r *rig) {
			r.obs["api/Function"] = provision.Observation{Exists: true, Ready: true, Diff: []provision.FieldDiff{{Field: "memoryMb", Desired: "512", Actual: "1024"}}}
			r.obs[plan.IDRouteTable] = provision.Observation{Exists: true, Ready: true, Diff: []provision.FieldDiff{{Field: "/api/*", Desired: "A", Actual: provision.Absent}}}
		}, func(t *testing.T, r *rig, res StageResult) {
			rep := r.store.report(t)
			if got := ids(rep); !slices.Equal(got, []string{plan.IDRouteTable, "api/Function"}) {
				t.Fatalf("drifted %v", got)
			}
			if rep.Resources[0].Kind != plan.KindRouteTable || rep.Resources[0].Diff[0] != (provision.FieldDiff{Field: "/api/*", Desired: "A", Actual: provision.Absent}) {
				t.Fatalf("routes drift = %+v", rep.Resources[0])
			}
			if !rep.Repaired || rep.DeploymentID != "drift-"+fmt.Sprint(r.now.UnixNano()) {
				t.Fatalf("report repaired=%v id=%q", rep.Repaired, rep.DeploymentID)
			}
			want := workflow.Request{Bucket: "configs", Key: "shop/dev/serverless.containers.yml", Source: "drift", DeploymentID: rep.DeploymentID}
			if !slices.Equal(r.starter.started, []workflow.Request{want}) {
				t.Fatalf("started %+v, want %+v (no version: validate deploys the latest)", r.starter.started, want)
			}
			if seen := r.starter.reportAtStart; seen == nil || seen.DeploymentID != rep.DeploymentID {
				t.Fatalf("the repair started before its report was saved: the report at start was %+v", seen)
			}
			if !res.Repaired || res.ExecutionArn != "arn:execution:1" || res.DeploymentID != rep.DeploymentID {
				t.Fatalf("result %+v", res)
			}
			r.wantEvent(t, DetailTypeDetected, `{"app":"shop","stage":"dev","resources":["RouteTable","api/Function"],"repaired":true,"deploymentId":"`+rep.DeploymentID+`"}`)
			if got := r.configs.versions; !slices.Equal(got, []string{"v7"}) {
				t.Fatalf("the opt-out flag was read from versions %v, want the applied v7", got)
			}
		}},
		{"a missing resource is reported missing", func(r *rig) {
			r.obs["api/Url"] = provision.Observation{}
		}, func(t *testing.T, r *rig, res StageResult) {
			rep := r.store.report(t)
			if len(rep.Resources) != 1 || !rep.Resources[0].Missing || rep.Resources[0].ID != "api/Url" || rep.Resources[0].Kind != plan.KindFunctionURL {
				t.Fatalf("report %+v", rep.Resources)
			}
		}},
		{"an observe error is drift of that resource only and the others are still observed", func(r *rig) {
			r.errs["api/Function"] = errors.New("AccessDenied: lambda:GetFunction")
			r.obs["KeyValueStore"] = provision.Observation{Exists: true, Ready: true, Diff: []provision.FieldDiff{{Field: "comment", Desired: "a", Actual: "b"}}}
		}, func(t *testing.T, r *rig, res StageResult) {
			rep := r.store.report(t)
			if got := ids(rep); !slices.Equal(got, []string{"KeyValueStore", "api/Function"}) {
				t.Fatalf("drifted %v", got)
			}
			if d := rep.Resources[1].Diff; len(d) != 1 || d[0].Field != FieldObserve || !strings.Contains(d[0].Actual, "AccessDenied") {
				t.Fatalf("observe failure recorded as %+v", d)
			}
			if res.Error != "" {
				t.Fatalf("one resource's observe error failed the stage: %s", res.Error)
			}
		}},
		{"observe failures alone are reported but start no repair", func(r *rig) {
			r.errs["api/Function"] = errors.New("ThrottlingException")
		}, func(t *testing.T, r *rig, res StageResult) {
			if rep := r.store.report(t); rep.Repaired || len(rep.Resources) != 1 {
				t.Fatalf("report %+v", rep)
			}
			if len(r.starter.started) != 0 || res.NotRepaired != "only observe failures: nothing is known to differ" {
				t.Fatalf("started %v, notRepaired %q", r.starter.started, res.NotRepaired)
			}
		}},
		{"a resource berth does not own is reported and blocks the repair", func(r *rig) {
			r.obs["api/Function"] = provision.Observation{Exists: true, Ready: true, Diff: []provision.FieldDiff{{Field: FieldOwnership, Desired: "berth:app=shop", Actual: "not owned by berth"}}}
		}, func(t *testing.T, r *rig, res StageResult) {
			rep := r.store.report(t)
			if rep.Repaired || len(r.starter.started) != 0 || !strings.Contains(res.NotRepaired, "not owned by berth: api/Function") {
				t.Fatalf("repaired=%v started=%v notRepaired=%q", rep.Repaired, r.starter.started, res.NotRepaired)
			}
			ev := r.event(t)
			if !strings.Contains(ev.NotRepaired, "NotOwnedError") {
				t.Fatalf("the event does not say why: %+v", ev)
			}
		}},
		{"an app that opted out is reported and not repaired", func(r *rig) {
			r.configs.body = strings.Replace(configBody, "type: aws@1.0", "type: aws@1.0\n  drift:\n    repair: false", 1)
			r.obs["api/Function"] = provision.Observation{Exists: true, Ready: true, Diff: []provision.FieldDiff{{Field: "memoryMb"}}}
		}, func(t *testing.T, r *rig, res StageResult) {
			if rep := r.store.report(t); rep.Repaired || len(rep.Resources) != 1 {
				t.Fatalf("report %+v", rep)
			}
			if len(r.starter.started) != 0 || res.NotRepaired != "deployment.drift.repair is false" {
				t.Fatalf("started %v, notRepaired %q", r.starter.started, res.NotRepaired)
			}
		}},
		{"an opt-out written beside a variable the checker cannot resolve offline still holds", func(r *rig) {
			r.configs.body = strings.Replace(configBody, "type: aws@1.0", "type: aws@1.0\n  drift:\n    repair: false", 1)
			r.configs.body = strings.Replace(r.configs.body, "memory: 512", "memory: ${ssm:/shop/memory}", 1)
			r.obs["api/Function"] = provision.Observation{Exists: true, Ready: true, Diff: []provision.FieldDiff{{Field: "memoryMb"}}}
		}, func(t *testing.T, r *rig, res StageResult) {
			if len(r.starter.started) != 0 || res.NotRepaired != "deployment.drift.repair is false" {
				t.Fatalf("started %v, notRepaired %q", r.starter.started, res.NotRepaired)
			}
		}},
		{"a stage a deployment holds is skipped and keeps its last report", func(r *rig) {
			r.store.lock = &state.Lock{Holder: "dep-9", ExpiresAt: r.now.Add(time.Hour)}
			r.obs["api/Function"] = provision.Observation{Exists: false}
		}, func(t *testing.T, r *rig, res StageResult) {
			if res.Skipped != "deployment dep-9 is running" || r.store.saved != nil || len(r.events.entries) != 0 || r.observed() != 0 {
				t.Fatalf("skipped %q, saved %+v, events %d, observed %d", res.Skipped, r.store.saved, len(r.events.entries), r.observed())
			}
		}},
		{"an expired lock does not stop the check", func(r *rig) {
			r.store.lock = &state.Lock{Holder: "dep-9", ExpiresAt: r.now.Add(-time.Minute)}
		}, func(t *testing.T, r *rig, res StageResult) {
			if res.Skipped != "" || r.store.saved == nil {
				t.Fatalf("skipped %q", res.Skipped)
			}
		}},
		{"a repair that cannot start leaves the report unrepaired", func(r *rig) {
			r.starter.err = errors.New("ExecutionLimitExceeded")
			r.obs["api/Function"] = provision.Observation{Exists: true, Ready: true, Diff: []provision.FieldDiff{{Field: "memoryMb"}}}
		}, func(t *testing.T, r *rig, res StageResult) {
			if rep := r.store.report(t); rep.Repaired || rep.DeploymentID != "" {
				t.Fatalf("report %+v", rep)
			}
			if res.Repaired || !strings.Contains(res.NotRepaired, "ExecutionLimitExceeded") {
				t.Fatalf("result %+v", res)
			}
		}},
		{"observe resolves refs from the applied outputs, observes the route table and skips a retired route", func(*rig) {},
			func(t *testing.T, r *rig, res StageResult) {
				if slices.Contains(r.seen, "api/Route") || !slices.Contains(r.seen, plan.IDRouteTable) {
					t.Fatalf("observed %v, want the route table and not the retired per-container route", r.seen)
				}
				if r.arnSeen != "arn:kvs:1" {
					t.Fatalf("refs resolved KeyValueStore.Arn to %q", r.arnSeen)
				}
			}},
		{"a failed event leaves a warning, not a failed check", func(r *rig) {
			r.events.err = errors.New("AccessDenied: events:PutEvents")
		}, func(t *testing.T, r *rig, res StageResult) {
			if res.Error != "" || len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "AccessDenied") {
				t.Fatalf("result %+v", res)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := newRig()
			c.setup(r)
			sum, err := r.checker().Run(context.Background(), workflow.Request{Source: "drift", App: "shop", Stage: "dev"})
			if err != nil {
				t.Fatal(err)
			}
			if len(sum.Stages) != 1 {
				t.Fatalf("summary %+v", sum)
			}
			c.check(t, r, sum.Stages[0])
		})
	}
}

func TestARun(t *testing.T) {
	cases := []struct {
		name   string
		in     workflow.Request
		broken string // app/stage whose applied state cannot be read
		want   []string
		err    bool
	}{
		{"the scheduled event checks every registered stage", workflow.Request{Source: "drift"}, "", []string{"shop/dev", "shop/prod", "blog/dev"}, false},
		{"an app narrows the check to its stages", workflow.Request{Source: "drift", App: "shop"}, "", []string{"shop/dev", "shop/prod"}, false},
		{"a stage that cannot be checked does not stop the others", workflow.Request{Source: "drift"}, "shop/prod", []string{"shop/dev", "shop/prod", "blog/dev"}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := newRig()
			r.store.apps = []state.AppStage{{App: "shop", Stage: "dev"}, {App: "shop", Stage: "prod"}, {App: "blog", Stage: "dev"}}
			r.store.broken = c.broken
			sum, err := r.checker().Run(context.Background(), c.in)
			var got []string
			for _, s := range sum.Stages {
				got = append(got, s.App+"/"+s.Stage)
			}
			if !slices.Equal(got, c.want) {
				t.Fatalf("checked %v, want %v", got, c.want)
			}
			var ce *CheckError
			if c.err != errors.As(err, &ce) {
				t.Fatalf("error %v, want a CheckError: %v", err, c.err)
			}
			if c.err && (len(ce.Failed) != 1 || !strings.HasPrefix(ce.Failed[0], c.broken+": ")) {
				t.Fatalf("CheckError %v", ce)
			}
		})
	}
}

func TestARunNearItsDeadlineLeavesTheRestForTheNextRun(t *testing.T) {
	r := newRig()
	r.store.apps = []state.AppStage{{App: "shop", Stage: "dev"}, {App: "blog", Stage: "dev"}}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	sum, err := r.checker().Run(ctx, workflow.Request{Source: "drift"})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sum.Stages {
		if !strings.Contains(s.Skipped, "time limit") {
			t.Fatalf("%s/%s was checked inside the reserve: %+v", s.App, s.Stage, s)
		}
	}
	if len(sum.Stages) != 2 || r.store.saved != nil {
		t.Fatalf("summary %+v", sum)
	}
}

func TestTheRawRepairFlag(t *testing.T) {
	cases := []struct {
		name       string
		body       string
		repair, ok bool
	}{
		{"an absent flag means the default, repair", "deployment:\n  type: aws@1.0\n", true, true},
		{"a literal false opts out", "deployment:\n  drift:\n    repair: false\n", false, true},
		{"a literal true repairs", "deployment:\n  drift:\n    repair: true\n", true, true},
		{"a variable is not a boolean it can trust", "deployment:\n  drift:\n    repair: ${param:repair}\n", false, false},
		{"unreadable YAML is not a boolean either", "deployment: [\n", false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			repair, ok := rawRepairFlag([]byte(c.body))
			if repair != c.repair || ok != c.ok {
				t.Fatalf("rawRepairFlag = %v, %v; want %v, %v", repair, ok, c.repair, c.ok)
			}
		})
	}
}

func TestTheEventEntryIsSourceBerthWithTheDetailTypeAndDetail(t *testing.T) {
	e := Event("shop", "dev", StageResult{Drifted: []string{"routes"}, NotRepaired: "deployment.drift.repair is false"})
	if aws.ToString(e.Source) != "berth" || aws.ToString(e.DetailType) != "Drift Detected" ||
		aws.ToString(e.Detail) != `{"app":"shop","stage":"dev","resources":["routes"],"repaired":false,"notRepaired":"deployment.drift.repair is false"}` {
		t.Fatalf("entry %s %s %s", aws.ToString(e.Source), aws.ToString(e.DetailType), aws.ToString(e.Detail))
	}
}

// --- fakes -------------------------------------------------------------------------------

const configBody = `name: shop
deployment:
  type: aws@1.0
containers:
  api:
    image: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop-api:1.0
    routing:
      pathPattern: /api/*
    compute:
      type: awsLambda
      awsLambda:
        memory: 512
`

type rig struct {
	now     time.Time
	store   *fakeStore
	starter *fakeStarter
	events  *fakeEvents
	configs *fakeConfigs

	mu      sync.Mutex
	obs     map[string]provision.Observation // default: exists, ready, no diff
	errs    map[string]error
	seen    []string
	arnSeen string
}

func newRig() *rig {
	r := &rig{now: time.Date(2026, 8, 1, 12, 0, 0, 0, time.UTC), obs: map[string]provision.Observation{}, errs: map[string]error{},
		events: &fakeEvents{}, configs: &fakeConfigs{body: configBody}}
	r.store = &fakeStore{applied: applied()}
	r.starter = &fakeStarter{store: r.store}
	return r
}

func (r *rig) checker() *Checker {
	return &Checker{
		Store:      r.store,
		NewClients: func(*awscalls.Counter) workflow.Clients { return workflow.Clients{Registry: r.registry()} },
		Starter:    r.starter,
		Events:     r.events,
		Configs:    r.configs,
		Target:     plan.Target{Region: "eu-west-1", Account: "123456789012"},
		Now:        func() time.Time { return r.now },
		Log:        slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
}

func applied() *state.Applied {
	res := func(id string, k plan.Kind) plan.Resource {
		return plan.Resource{ID: id, Kind: k, Name: id, Props: json.RawMessage(`{}`)}
	}
	return &state.Applied{
		Desired: &plan.Desired{App: "shop", Stage: "dev", Resources: []plan.Resource{
			res("KeyValueStore", plan.KindKeyValueStore), res("api/Function", plan.KindFunction),
			res("api/Route", "Berth::CloudFront::Route"), res("api/Url", plan.KindFunctionURL), res(plan.IDRouteTable, plan.KindRouteTable),
		}},
		Outputs:      map[string]provision.Outputs{"KeyValueStore": {"Arn": "arn:kvs:1"}, plan.IDRouteTable: {"/api/*": "A", "/*": "W"}},
		ConfigBucket: "configs", ConfigKey: "shop/dev/serverless.containers.yml", ConfigVersion: "v7", DeploymentID: "dep-1",
	}
}

func (r *rig) registry() provision.Registry {
	reg := provision.Registry{}
	for _, k := range []plan.Kind{plan.KindKeyValueStore, plan.KindFunction, plan.KindFunctionURL, plan.KindRouteTable} {
		reg[k] = fakeProv{r}
	}
	return reg
}

func (r *rig) observed() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.seen)
}

func (r *rig) event(t *testing.T) EventDetail {
	t.Helper()
	if len(r.events.entries) != 1 {
		t.Fatalf("%d events sent, want 1", len(r.events.entries))
	}
	var d EventDetail
	if err := json.Unmarshal([]byte(aws.ToString(r.events.entries[0].Detail)), &d); err != nil {
		t.Fatal(err)
	}
	return d
}

func (r *rig) wantEvent(t *testing.T, typ, detail string) {
	t.Helper()
	if len(r.events.entries) != 1 {
		t.Fatalf("%d events sent, want 1", len(r.events.entries))
	}
	e := r.events.entries[0]
	if aws.ToString(e.Source) != EventSource || aws.ToString(e.DetailType) != typ || aws.ToString(e.Detail) != detail {
		t.Fatalf("event %s / %s / %s, want %s / %s / %s", aws.ToString(e.Source), aws.ToString(e.DetailType), aws.ToString(e.Detail), EventSource, typ, detail)
	}
}

func ids(r state.DriftReport) []string {
	var out []string
	for _, d := range r.Resources {
		out = append(out, d.ID)
	}
	return out
}

type fakeProv struct{ r *rig }

func (p fakeProv) Observe(_ context.Context, env provision.Env, res plan.Resource) (provision.Observation, error) {
	p.r.mu.Lock()
	defer p.r.mu.Unlock()
	p.r.seen = append(p.r.seen, res.ID)
	if res.Kind == plan.KindKeyValueStore {
		p.r.arnSeen, _ = env.Refs.Resolve(plan.Ref{ID: "KeyValueStore", Attr: "Arn"})
	}
	if err := p.r.errs[res.ID]; err != nil {
		return provision.Observation{}, err
	}
	if o, ok := p.r.obs[res.ID]; ok {
		return o, nil
	}
	return provision.Observation{Exists: true, Ready: true}, nil
}

func (fakeProv) Create(context.Context, provision.Env, plan.Resource) (provision.Outputs, error) {
	panic("the drift check must never create")
}

func (fakeProv) Update(context.Context, provision.Env, plan.Resource) (provision.Outputs, error) {
	panic("the drift check must never update")
}

func (fakeProv) Delete(context.Context, provision.Env, plan.Resource) error {
	panic("the drift check must never delete")
}

type fakeStore struct {
	apps    []state.AppStage
	applied *state.Applied
	lock    *state.Lock
	broken  string
	saved   *state.DriftReport
}

func (s *fakeStore) ListApps(context.Context) ([]state.AppStage, error) { return s.apps, nil }

func (s *fakeStore) LoadApplied(_ context.Context, app, stage string) (*state.Applied, error) {
	if app+"/"+stage == s.broken {
		return nil, errors.New("ProvisionedThroughputExceeded")
	}
	return s.applied, nil
}

func (s *fakeStore) SaveDrift(_ context.Context, _, _ string, r state.DriftReport) error {
	s.saved = &r
	return nil
}

func (s *fakeStore) GetLock(context.Context, string, string) (*state.Lock, error) { return s.lock, nil }

func (s *fakeStore) report(t *testing.T) state.DriftReport {
	t.Helper()
	if s.saved == nil {
		t.Fatal("no drift report saved")
	}
	return *s.saved
}

type fakeStarter struct {
	store         *fakeStore
	started       []workflow.Request
	reportAtStart *state.DriftReport
	err           error
}

func (s *fakeStarter) StartDeploy(_ context.Context, req workflow.Request) (string, error) {
	if s.err != nil {
		return "", s.err
	}
	s.started = append(s.started, req)
	if s.store.saved != nil {
		r := *s.store.saved
		s.reportAtStart = &r
	}
	return fmt.Sprintf("arn:execution:%d", len(s.started)), nil
}

type fakeEvents struct {
	entries []ebtypes.PutEventsRequestEntry
	err     error
}

func (e *fakeEvents) PutEvents(_ context.Context, in *eventbridge.PutEventsInput, _ ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error) {
	if e.err != nil {
		return nil, e.err
	}
	e.entries = append(e.entries, in.Entries...)
	return &eventbridge.PutEventsOutput{}, nil
}

type fakeConfigs struct {
	body     string
	versions []string
}

func (c *fakeConfigs) GetConfig(_ context.Context, _, _, version string) ([]byte, map[string]string, error) {
	c.versions = append(c.versions, version)
	return []byte(c.body), nil, nil
}

func (c *fakeConfigs) LatestVersion(context.Context, string, string) (string, error) {
	return "v8", nil
}
