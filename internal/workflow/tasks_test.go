package workflow

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/awscalls"
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
	"github.com/berth-dev/berth/internal/provision/kinds"
	"github.com/berth-dev/berth/internal/state"
)

// account is a fake AWS account behind every kind's provisioner: it keeps each resource's
// props by name, and fails the creates it is told to. Step, Compensate and Commit run
// against it and state.Memory in milliseconds; internal/localrun runs them for real.
type account struct {
	live       map[string]json.RawMessage
	failCreate map[string]bool // by logical id
	mutations  []string        // "create shop-dev-api-role", in call order
}

func newAccount(live ...plan.Resource) *account {
	a := &account{live: map[string]json.RawMessage{}, failCreate: map[string]bool{}}
	for _, r := range live {
		a.live[r.Name] = r.Props
	}
	return a
}

func (a *account) Observe(_ context.Context, _ provision.Env, r plan.Resource) (provision.Observation, error) {
	props, ok := a.live[r.Name]
	if !ok {
		return provision.Observation{}, nil
	}
	obs := provision.Observation{Exists: true, Ready: true, Outputs: provision.Outputs{"Arn": "arn:" + r.Name}}
	if string(props) != string(r.Props) {
		obs.Diff = []provision.FieldDiff{{Field: "props", Desired: string(r.Props), Actual: string(props)}}
	}
	return obs, nil
}

func (a *account) Create(_ context.Context, _ provision.Env, r plan.Resource) (provision.Outputs, error) {
	if a.failCreate[r.ID] {
		return nil, &provision.RejectedError{Kind: string(r.Kind), Name: r.Name, Op: "create", Cause: "LimitExceeded"}
	}
	a.mutations = append(a.mutations, "create "+r.Name)
	a.live[r.Name] = r.Props
	return provision.Outputs{"Arn": "arn:" + r.Name}, nil
}

func (a *account) Update(_ context.Context, _ provision.Env, r plan.Resource) (provision.Outputs, error) {
	a.mutations = append(a.mutations, "update "+r.Name)
	a.live[r.Name] = r.Props
	return provision.Outputs{"Arn": "arn:" + r.Name}, nil
}

func (a *account) Delete(_ context.Context, _ provision.Env, r plan.Resource) error {
	if _, ok := a.live[r.Name]; ok {
		a.mutations = append(a.mutations, "delete "+r.Name)
		delete(a.live, r.Name)
	}
	return nil
}

// starts records the executions Commit starts.
type starts []Request

func (s *starts) StartDeploy(_ context.Context, req Request) (string, error) {
	*s = append(*s, req)
	return "arn:execution:" + req.DeploymentID, nil
}

var tasksT0 = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

// deployment is one deployment of app shop, stage dev, in flight: its store, the
// account its steps act on, and the handlers.
type deployment struct {
	t       *testing.T
	store   *state.Memory
	account *account
	started *starts
	deps    *Deps
	ctx     Ctx
}

func newDeployment(t *testing.T, a *account) *deployment {
	t.Helper()
	m := state.NewMemory()
	m.Now = func() time.Time { return tasksT0 }
	registry := provision.Registry{}
	for _, k := range kinds.All() {
		registry[k.Kind] = a
	}
	s := &starts{}
	d := &deployment{t: t, store: m, account: a, started: s, ctx: Ctx{DeploymentID: "d2", App: "shop", Stage: "dev",
		Bucket: "config", Key: "shop/dev/serverless.containers.yml", VersionID: "v2"}}
	d.deps = &Deps{Locks: m, Records: m, Journals: m, Plans: m, Applied: m, Apps: m,
		Resolvers:   func(string, string) Resolver { return nil },
		NewClients:  func(*awscalls.Counter) Clients { return Clients{Registry: registry} },
		Starter:     s,
		Target:      plan.Target{Region: "eu-west-1", Account: "123456789012"},
		PollSeconds: 1, Lease: time.Hour,
		Now: func() time.Time { return tasksT0 },
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	if err := m.CreateDeployment(context.Background(), state.Deployment{ID: "d2", App: "shop", Stage: "dev", Status: state.StatusRunning, Started: tasksT0}); err != nil {
		t.Fatal(err)
	}
	return d
}

func role(name, props string) plan.Resource {
	return plan.Resource{ID: name + "/Role", Kind: plan.KindRole, Name: "shop-dev-" + name, Props: json.RawMessage(props)}
}

func logGroup(name string) plan.Resource {
	return plan.Resource{ID: name + "/LogGroup", Kind: plan.KindLogGroup, Name: "/berth/shop-dev-" + name, Props: json.RawMessage(`{}`)}
}

// applied records rs as what deployment d1 left in the account.
func (d *deployment) applied(rs ...plan.Resource) *deployment {
	d.t.Helper()
	outs := map[string]provision.Outputs{}
	for _, r := range rs {
		outs[r.ID] = provision.Outputs{"Arn": "arn:" + r.Name}
	}
	if err := d.store.SaveApplied(context.Background(), "shop", "dev", state.Applied{
		Desired: &plan.Desired{App: "shop", Stage: "dev", Resources: rs}, Outputs: outs, DeploymentID: "d1"}); err != nil {
		d.t.Fatal(err)
	}
	return d
}

// planned stores d2's plan: desired rs, and the steps.
func (d *deployment) planned(rs []plan.Resource, steps ...plan.Step) *deployment {
	d.t.Helper()
	if err := d.store.SavePlan(context.Background(), "shop", "dev", "d2", &plan.Plan{
		Desired: &plan.Desired{App: "shop", Stage: "dev", Resources: rs}, Steps: steps}); err != nil {
		d.t.Fatal(err)
	}
	return d
}

// step runs one step to done (or its error), polling as the state machine does.
func (d *deployment) step(id string, action plan.Action) error {
	in := StepInput{Ctx: d.ctx, Step: StepRef{ID: id, Action: string(action)}}
	for range 5 {
		out, err := d.deps.Step(context.Background(), in)
		if err != nil || out.Done {
			return err
		}
		in.Attempt = out.Attempt
	}
	d.t.Fatalf("step %s %s not done after 5 polls", action, id)
	return nil
}

// compensate runs the rollback loop to done.
func (d *deployment) compensate() {
	d.t.Helper()
	in := CompensateInput{Ctx: d.ctx}
	for range 5 {
		out, err := d.deps.Compensate(context.Background(), in)
		if err != nil {
			d.t.Fatalf("compensate: %v", err)
		}
		if out.Done {
			return
		}
		in.Attempt = out.Attempt
	}
	d.t.Fatal("compensation not done after 5 calls")
}

func (d *deployment) journal() []state.JournalEntry {
	d.t.Helper()
	j, err := d.store.Journal(context.Background(), "shop", "dev", "d2")
	if err != nil {
		d.t.Fatal(err)
	}
	return j
}

func (d *deployment) header() *state.Deployment {
	d.t.Helper()
	h, err := d.store.GetDeployment(context.Background(), "shop", "dev", "d2")
	if err != nil || h == nil {
		d.t.Fatalf("deployment d2: %v, %v", h, err)
	}
	return h
}

// phases renders a journal as "action id phase" lines.
func phases(j []state.JournalEntry) []string {
	var out []string
	for _, e := range j {
		out = append(out, string(e.Action)+" "+e.StepID+" "+string(e.Phase))
	}
	return out
}

func liveNames(a *account) []string {
	var names []string
	for n := range a.live {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

func TestStep(t *testing.T) {
	api, web := role("api", `{"v":1}`), role("web", `{"v":1}`)
	cases := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"a create step journals before it acts and after with the outputs AWS assigned", func(t *testing.T) {
			d := newDeployment(t, newAccount()).planned([]plan.Resource{api}, plan.Step{Action: plan.Create, ID: api.ID, Kind: api.Kind})
			if err := d.step(api.ID, plan.Create); err != nil {
				t.Fatal(err)
			}
			j := d.journal()
			if got := phases(j); !reflect.DeepEqual(got, []string{"create api/Role before", "create api/Role after"}) {
				t.Fatalf("journal = %v", got)
			}
			if j[1].Outputs["Arn"] != "arn:shop-dev-api" {
				t.Fatalf("after entry outputs = %v", j[1].Outputs)
			}
			if steps := d.header().Steps; len(steps) != 1 || steps[0].Name != "create api/Role" || steps[0].Status != "SUCCEEDED" {
				t.Fatalf("steps = %+v", steps)
			}
		}},
		{"a step polled again once done changes nothing and journals nothing more", func(t *testing.T) {
			d := newDeployment(t, newAccount()).planned([]plan.Resource{api}, plan.Step{Action: plan.Create, ID: api.ID, Kind: api.Kind})
			for range 2 {
				if err := d.step(api.ID, plan.Create); err != nil {
					t.Fatal(err)
				}
			}
			if len(d.account.mutations) != 1 || len(d.journal()) != 2 {
				t.Fatalf("mutations %v, journal %v", d.account.mutations, phases(d.journal()))
			}
		}},
		{"a step whose create fails returns AWS's refusal unwrapped, journaled only as attempted", func(t *testing.T) {
			a := newAccount()
			a.failCreate[api.ID] = true
			d := newDeployment(t, a).planned([]plan.Resource{api}, plan.Step{Action: plan.Create, ID: api.ID, Kind: api.Kind})
			err := d.step(api.ID, plan.Create)
			if _, ok := err.(*provision.RejectedError); !ok {
				t.Fatalf("err = %T %v, want *provision.RejectedError itself (the ASL matches its type name)", err, err)
			}
			if got := phases(d.journal()); !reflect.DeepEqual(got, []string{"create api/Role before"}) {
				t.Fatalf("journal = %v", got)
			}
		}},
		{"an update step journals what it replaces, so compensation can restore it", func(t *testing.T) {
			old := role("api", `{"v":0}`)
			d := newDeployment(t, newAccount(old)).applied(old).planned([]plan.Resource{api}, plan.Step{Action: plan.Update, ID: api.ID, Kind: api.Kind})
			if err := d.step(api.ID, plan.Update); err != nil {
				t.Fatal(err)
			}
			j := d.journal()
			if j[0].Previous == nil || string(j[0].Previous.Props) != `{"v":0}` || j[0].PreviousOutputs["Arn"] != "arn:shop-dev-api" {
				t.Fatalf("before entry = %+v", j[0])
			}
			if got := string(d.account.live["shop-dev-api"]); got != `{"v":1}` {
				t.Fatalf("live props = %s", got)
			}
		}},
		{"a delete step removes the applied resource that the plan no longer has", func(t *testing.T) {
			d := newDeployment(t, newAccount(api, web)).applied(api, web).planned([]plan.Resource{api}, plan.Step{Action: plan.Delete, ID: web.ID, Kind: web.Kind})
			if err := d.step(web.ID, plan.Delete); err != nil {
				t.Fatal(err)
			}
			if got := liveNames(d.account); !reflect.DeepEqual(got, []string{"shop-dev-api"}) {
				t.Fatalf("live = %v", got)
			}
		}},
		{"a step that finds the rollback fence raised journals its intent but does not act", func(t *testing.T) {
			d := newDeployment(t, newAccount()).planned([]plan.Resource{api}, plan.Step{Action: plan.Create, ID: api.ID, Kind: api.Kind})
			if err := d.store.SetStatus(context.Background(), "shop", "dev", "d2", state.StatusRollingBack); err != nil {
				t.Fatal(err)
			}
			err := d.step(api.ID, plan.Create)
			var rb *RolledBackError
			if !errors.As(err, &rb) || len(d.account.mutations) != 0 {
				t.Fatalf("err = %v, mutations %v; want RolledBackError and no call", err, d.account.mutations)
			}
			if got := phases(d.journal()); !reflect.DeepEqual(got, []string{"create api/Role before"}) {
				t.Fatalf("journal = %v", got)
			}
		}},
		{"a step of a resource the plan does not hold is a PlanMissingError", func(t *testing.T) {
			d := newDeployment(t, newAccount()).planned(nil)
			var pm *PlanMissingError
			if err := d.step(api.ID, plan.Create); !errors.As(err, &pm) {
				t.Fatalf("err = %v", err)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, c.run)
	}
}

func TestCompensate(t *testing.T) {
	api, web, logs := role("api", `{"v":1}`), role("web", `{"v":1}`), logGroup("api")
	cases := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"a step whose create fails compensates only what it created", func(t *testing.T) {
			a := newAccount(web)
			a.failCreate[api.ID] = true
			d := newDeployment(t, a).applied(web).planned([]plan.Resource{web, logs, api},
				plan.Step{Action: plan.Create, ID: logs.ID, Kind: logs.Kind, Wave: 0}, plan.Step{Action: plan.Create, ID: api.ID, Kind: api.Kind, Wave: 1})
			if err := d.step(logs.ID, plan.Create); err != nil {
				t.Fatal(err)
			}
			if err := d.step(api.ID, plan.Create); err == nil {
				t.Fatal("the create did not fail")
			}
			d.compensate()
			if got := liveNames(a); !reflect.DeepEqual(got, []string{"shop-dev-web"}) {
				t.Fatalf("live after rollback = %v, want only what d1 applied", got)
			}
			want := []string{"create /berth/shop-dev-api", "delete /berth/shop-dev-api"}
			if !reflect.DeepEqual(a.mutations, want) {
				t.Fatalf("mutations = %v, want %v", a.mutations, want)
			}
		}},
		{"compensation raises the fence before it undoes anything", func(t *testing.T) {
			d := newDeployment(t, newAccount()).planned([]plan.Resource{api}, plan.Step{Action: plan.Create, ID: api.ID, Kind: api.Kind})
			if err := d.step(api.ID, plan.Create); err != nil {
				t.Fatal(err)
			}
			out, err := d.deps.Compensate(context.Background(), CompensateInput{Ctx: d.ctx})
			if err != nil || out.Done || len(d.account.live) != 1 {
				t.Fatalf("first call: %+v, %v, live %v; want a wait with nothing undone", out, err, liveNames(d.account))
			}
			if h := d.header(); h.Status != state.StatusRollingBack {
				t.Fatalf("status = %s", h.Status)
			}
		}},
		{"an update is undone by restoring the props it replaced", func(t *testing.T) {
			old := role("api", `{"v":0}`)
			d := newDeployment(t, newAccount(old)).applied(old).planned([]plan.Resource{api}, plan.Step{Action: plan.Update, ID: api.ID, Kind: api.Kind})
			if err := d.step(api.ID, plan.Update); err != nil {
				t.Fatal(err)
			}
			d.compensate()
			if got := string(d.account.live["shop-dev-api"]); got != `{"v":0}` {
				t.Fatalf("live props = %s, want the previous ones", got)
			}
		}},
		{"a delete is undone by creating the previous resource again", func(t *testing.T) {
			d := newDeployment(t, newAccount(api, web)).applied(api, web).planned([]plan.Resource{api}, plan.Step{Action: plan.Delete, ID: web.ID, Kind: web.Kind})
			if err := d.step(web.ID, plan.Delete); err != nil {
				t.Fatal(err)
			}
			d.compensate()
			if got := liveNames(d.account); !reflect.DeepEqual(got, []string{"shop-dev-api", "shop-dev-web"}) {
				t.Fatalf("live = %v", got)
			}
		}},
		{"compensating again after it is done changes nothing", func(t *testing.T) {
			d := newDeployment(t, newAccount()).planned([]plan.Resource{api}, plan.Step{Action: plan.Create, ID: api.ID, Kind: api.Kind})
			if err := d.step(api.ID, plan.Create); err != nil {
				t.Fatal(err)
			}
			d.compensate()
			n := len(d.account.mutations)
			d.compensate()
			if len(d.account.mutations) != n {
				t.Fatalf("mutations = %v", d.account.mutations)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, c.run)
	}
}

func TestCommit(t *testing.T) {
	api, web := role("api", `{"v":1}`), role("web", `{"v":1}`)
	ctx := context.Background()
	locked := func(t *testing.T) *deployment { return lockedAfterCreating(t, web, api) }
	cases := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"a succeeded deployment becomes the applied state with its outputs, and releases the lock", func(t *testing.T) {
			d := locked(t)
			if _, err := d.deps.Commit(ctx, CommitInput{Ctx: &d.ctx, Outcome: "succeeded"}); err != nil {
				t.Fatal(err)
			}
			a, _ := d.store.LoadApplied(ctx, "shop", "dev")
			if a == nil || a.DeploymentID != "d2" || len(a.Desired.Resources) != 2 || a.Outputs[api.ID]["Arn"] != "arn:shop-dev-api" || a.Outputs[web.ID]["Arn"] != "arn:shop-dev-web" {
				t.Fatalf("applied = %+v", a)
			}
			if h := d.header(); h.Status != state.StatusSucceeded || h.Error != "" {
				t.Fatalf("record = %+v", h)
			}
			if l, _ := d.store.GetLock(ctx, "shop", "dev"); l != nil {
				t.Fatalf("lock still held: %+v", l)
			}
			if apps, _ := d.store.ListApps(ctx); len(apps) != 1 || apps[0].Stage != "dev" {
				t.Fatalf("apps = %+v", apps)
			}
		}},
		{"a rolled back deployment keeps the previous applied state and records why", func(t *testing.T) {
			d := locked(t)
			cause := `{"errorType":"RejectedError","errorMessage":"create rejected"}`
			if _, err := d.deps.Commit(ctx, CommitInput{Ctx: &d.ctx, Outcome: "rolled_back", Error: &StepError{Error: "RejectedError", Cause: cause}}); err != nil {
				t.Fatal(err)
			}
			if a, _ := d.store.LoadApplied(ctx, "shop", "dev"); a.DeploymentID != "d1" {
				t.Fatalf("applied = %+v", a)
			}
			if h := d.header(); h.Status != state.StatusRolledBack || h.Error != "RejectedError: create rejected" {
				t.Fatalf("record = %+v", h)
			}
		}},
		{"a commit hands the lock to the newest pending config and starts it", func(t *testing.T) {
			d := locked(t)
			next := state.Request{Bucket: "config", Key: "shop/dev/serverless.containers.yml", VersionID: "v3", RequestedAt: tasksT0.Add(time.Minute)}
			if res, err := d.store.Acquire(ctx, "shop", "dev", "d3", next, time.Hour, tasksT0.Add(time.Minute)); err != nil || !res.Queued {
				t.Fatalf("enqueue: %+v, %v", res, err)
			}
			out, err := d.deps.Commit(ctx, CommitInput{Ctx: &d.ctx, Outcome: "succeeded"})
			if err != nil || out.Next != "arn:execution:d3" {
				t.Fatalf("out = %+v, %v", out, err)
			}
			if len(*d.started) != 1 || (*d.started)[0].VersionID != "v3" || (*d.started)[0].Source != "queue" {
				t.Fatalf("started = %+v", *d.started)
			}
		}},
		{"a removal forgets the applied state and the app", func(t *testing.T) {
			d := locked(t)
			if err := d.store.RegisterApp(ctx, "shop", "dev"); err != nil {
				t.Fatal(err)
			}
			if _, err := d.deps.Commit(ctx, CommitInput{Ctx: &d.ctx, Outcome: "removed"}); err != nil {
				t.Fatal(err)
			}
			a, _ := d.store.LoadApplied(ctx, "shop", "dev")
			apps, _ := d.store.ListApps(ctx)
			if a != nil || len(apps) != 0 || d.header().Status != state.StatusSucceeded {
				t.Fatalf("applied %+v, apps %+v", a, apps)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, c.run)
	}
}

// marker is the account's repository provisioner with MarkLive: it records the images
// marked live, as "<repository id> <image>".
type marker struct {
	*account
	marked []string
}

func (m *marker) MarkLive(_ context.Context, _ provision.Env, r plan.Resource, image string) error {
	m.marked = append(m.marked, r.ID+" "+image)
	return nil
}

func TestACommitMarksLiveTheImagesOfTheContainersWhoseImageChanged(t *testing.T) {
	ctx := context.Background()
	node := func(id string, kind plan.Kind) plan.Resource {
		c, _, _ := strings.Cut(id, "/")
		return plan.Resource{ID: id, Kind: kind, Container: c, Name: "berth-shop-dev-" + c, Props: json.RawMessage(`{}`)}
	}
	// api switched to Fargate: its adapter layer went and its build, unchanged, is what runs
	// now. web kept its image; img got a new one.
	rs := []plan.Resource{node("api/Repository", plan.KindRepository), node("api/ImageBuild", plan.KindImageBuild),
		node("web/Repository", plan.KindRepository), node("web/ImageBuild", plan.KindImageBuild), node("web/WebAdapter", plan.KindWebAdapter),
		node("img/Repository", plan.KindRepository), node("img/WebAdapter", plan.KindWebAdapter)}
	outputs := map[string]provision.Outputs{}
	for _, r := range rs {
		outputs[r.ID] = provision.Outputs{plan.AttrImage: r.Name + "@sha256:" + r.ID}
	}
	d := newDeployment(t, newAccount(rs...))
	if err := d.store.SaveApplied(ctx, "shop", "dev", state.Applied{Desired: &plan.Desired{App: "shop", Stage: "dev", Resources: rs}, Outputs: outputs, DeploymentID: "d1"}); err != nil {
		t.Fatal(err)
	}
	d.planned(rs,
		plan.Step{Action: plan.Delete, ID: "api/WebAdapter", Kind: plan.KindWebAdapter, Container: "api"},
		plan.Step{Action: plan.Noop, ID: "api/ImageBuild", Kind: plan.KindImageBuild, Container: "api"},
		plan.Step{Action: plan.Noop, ID: "web/ImageBuild", Kind: plan.KindImageBuild, Container: "web"},
		plan.Step{Action: plan.Noop, ID: "web/WebAdapter", Kind: plan.KindWebAdapter, Container: "web"},
		plan.Step{Action: plan.Update, ID: "img/WebAdapter", Kind: plan.KindWebAdapter, Container: "img"})
	m := &marker{account: d.account}
	registry := provision.Registry{}
	for _, k := range kinds.All() {
		registry[k.Kind] = d.account
	}
	registry[plan.KindRepository] = m
	d.deps.NewClients = func(*awscalls.Counter) Clients { return Clients{Registry: registry} }
	if res, err := d.store.Acquire(ctx, "shop", "dev", "d2", state.Request{}, time.Hour, tasksT0); err != nil || !res.Acquired {
		t.Fatalf("lock: %+v, %v", res, err)
	}

	if _, err := d.deps.Commit(ctx, CommitInput{Ctx: &d.ctx, Outcome: "rolled_back"}); err != nil {
		t.Fatal(err)
	}
	if len(m.marked) != 0 {
		t.Fatalf("a rolled-back deployment marked %v live", m.marked)
	}
	if res, err := d.store.Acquire(ctx, "shop", "dev", "d2", state.Request{}, time.Hour, tasksT0); err != nil || !res.Acquired {
		t.Fatalf("lock: %+v, %v", res, err)
	}
	if _, err := d.deps.Commit(ctx, CommitInput{Ctx: &d.ctx, Outcome: "succeeded"}); err != nil {
		t.Fatal(err)
	}
	slices.Sort(m.marked)
	want := []string{"api/Repository berth-shop-dev-api@sha256:api/ImageBuild", "img/Repository berth-shop-dev-img@sha256:img/WebAdapter"}
	if !reflect.DeepEqual(m.marked, want) {
		t.Fatalf("marked live %v, want %v (web's image did not change)", m.marked, want)
	}
}

// lockedAfterCreating is deployment d2 holding the lock, having created created on top of
// what d1 left (kept).
func lockedAfterCreating(t *testing.T, kept, created plan.Resource) *deployment {
	t.Helper()
	d := newDeployment(t, newAccount(kept)).applied(kept).planned([]plan.Resource{kept, created}, plan.Step{Action: plan.Create, ID: created.ID, Kind: created.Kind})
	if res, err := d.store.Acquire(context.Background(), "shop", "dev", "d2", state.Request{}, time.Hour, tasksT0); err != nil || !res.Acquired {
		t.Fatalf("lock: %+v, %v", res, err)
	}
	if err := d.step(created.ID, plan.Create); err != nil {
		t.Fatal(err)
	}
	return d
}

func TestARemovalThatFindsTheLockTakenWaitsAndGivesUpAfterMaxLockWaitsNamingTheHolder(t *testing.T) {
	d := newDeployment(t, newAccount())
	holder := d.ctx
	holder.DeploymentID = "d1"
	if out, err := d.deps.Lock(context.Background(), LockInput{Ctx: holder}); err != nil || !out.Acquired {
		t.Fatalf("d1 takes the lock: %+v, %v", out, err)
	}
	removal := d.ctx
	out, err := d.deps.Lock(context.Background(), LockInput{Ctx: removal, Wait: true})
	if err != nil || out.Acquired || out.Attempt != 1 || out.Holder != "d1" {
		t.Fatalf("first try: %+v, %v; want to wait behind d1 (attempt 1)", out, err)
	}
	_, err = d.deps.Lock(context.Background(), LockInput{Ctx: removal, Wait: true, Attempt: MaxLockWaits})
	var lw *LockWaitError
	if !errors.As(err, &lw) || lw.Holder != "d1" || !strings.Contains(err.Error(), "6h0m0s") {
		t.Fatalf("after MaxLockWaits: err = %v, want a LockWaitError naming d1 and the 6 h waited", err)
	}
}
