// Package drift finds and repairs drift: it compares what the account holds with what
// the last successful deployment of each app/stage applied, records the result as the
// stage's drift report, announces it on EventBridge and, unless the app opted out
// (deployment.drift.repair: false), starts a repair deployment.
//
// The check is read-only. Repair is not done here: the checker starts an ordinary deploy
// execution with source "drift" for the latest config version. That execution validates,
// takes the app/stage lock (or queues) like any upload; its Plan state reads this
// package's drift report and turns the noop steps of the drifted resources into updates
// (workflow.repairDrift); each step then observes and creates or updates what differs,
// journaled, so a failure mid-repair is compensated like any deployment. The routes are
// one resource, the route table, whose drift is a field per differing key.
//
// A resource whose expected name is held by something berth does not own (an
// "ownership" diff) is reported, never repaired: its Update would fail with
// *provision.NotOwnedError and roll the whole repair back, every run. The checker starts
// no repair while such a diff is present and says why in the report's event and summary;
// a person decides what to do with the foreign resource. A resource that could not be
// observed (throttled, access denied) is reported with an "observe" field; failures of
// that kind alone start no repair either.
package drift

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"gopkg.in/yaml.v3"

	"github.com/berth-dev/berth/internal/awscalls"
	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
	"github.com/berth-dev/berth/internal/state"
	"github.com/berth-dev/berth/internal/workflow"
)

// Store is the part of berth's bookkeeping the checker uses (*state.Store satisfies it).
type Store interface {
	ListApps(ctx context.Context) ([]state.AppStage, error)
	LoadApplied(ctx context.Context, app, stage string) (*state.Applied, error)
	SaveDrift(ctx context.Context, app, stage string, r state.DriftReport) error
	GetLock(ctx context.Context, app, stage string) (*state.Lock, error)
}

// EventPutter publishes events (*eventbridge.Client satisfies it).
type EventPutter interface {
	PutEvents(ctx context.Context, in *eventbridge.PutEventsInput, opts ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error)
}

// Event vocabulary: source "berth", one of two detail types, EventDetail as detail.
const (
	EventSource         = "berth"
	DetailTypeDetected  = "Drift Detected"
	DetailTypeClean     = "Drift Clean"
	FieldObserve        = "observe"   // diff field of a resource that could not be observed
	FieldOwnership      = "ownership" // provisioners' diff field for a resource berth does not own
	defaultParallelism  = 4
	defaultReserve      = 10 * time.Second
	maxRenderedErrorLen = 500
)

// EventDetail is the detail of a drift event.
type EventDetail struct {
	App       string   `json:"app"`
	Stage     string   `json:"stage"`
	Resources []string `json:"resources"` // drifted resource ids; [] when clean
	Repaired  bool     `json:"repaired"`  // a repair deployment was started
	// DeploymentID is the repair deployment's id, when one was started.
	DeploymentID string `json:"deploymentId,omitempty"`
	// NotRepaired says why drift was found but no repair was started.
	NotRepaired string `json:"notRepaired,omitempty"`
}

// Checker is the drift function's handler and its dependencies.
type Checker struct {
	Store Store
	// NewClients builds provisioners whose calls count in the given counter.
	NewClients func(calls *awscalls.Counter) workflow.Clients
	Starter    workflow.Starter
	Events     EventPutter
	// EventBus is the bus drift events go to; "" is the account's default bus.
	EventBus string
	Configs  workflow.ConfigSource
	// Resolvers resolve secret references when a Lambda environment variable's plan
	// carries no fingerprint; nil leaves such variables reported as changed.
	Resolvers func(app, stage string) workflow.Resolver
	Target    plan.Target
	// Parallelism bounds concurrent Observe calls within one app/stage (default 4).
	Parallelism int
	// Reserve is the time kept before the invocation's deadline: no new app/stage check
	// starts within it (default 10 s), so a run with many apps ends with a summary
	// instead of a timeout. Unchecked stages are listed as skipped; the next run covers
	// them.
	Reserve time.Duration
	Now     func() time.Time
	Log     *slog.Logger
}

// Summary is what one run did, per app/stage.
type Summary struct {
	Stages []StageResult `json:"stages"`
}

// StageResult is one app/stage's check.
type StageResult struct {
	App   string `json:"app"`
	Stage string `json:"stage"`
	// Skipped says why the stage was not checked (a deployment holds its lock, nothing
	// is deployed, the run's time ran out).
	Skipped  string   `json:"skipped,omitempty"`
	Observed int      `json:"observed"`          // resources observed (plus the routes)
	Drifted  []string `json:"drifted,omitempty"` // drifted resource ids
	Repaired bool     `json:"repaired"`
	// DeploymentID and ExecutionArn identify the repair deployment.
	DeploymentID string `json:"deploymentId,omitempty"`
	ExecutionArn string `json:"executionArn,omitempty"`
	NotRepaired  string `json:"notRepaired,omitempty"`
	// Warnings are problems that did not stop the check (the event could not be sent).
	Warnings []string `json:"warnings,omitempty"`
	Error    string   `json:"error,omitempty"`
	// Calls counts the AWS calls made observing the stage (all reads); the state store,
	// the event and the repair's StartExecution are not counted.
	Calls awscalls.Summary `json:"calls"`
}

// CheckError is Run's error when some app/stage could not be checked; the summary
// still holds every stage's result.
type CheckError struct {
	Failed []string // "app/stage: error"
}

func (e *CheckError) Error() string {
	return fmt.Sprintf("drift check failed for %d app/stage(s): %s", len(e.Failed), strings.Join(e.Failed, "; "))
}

// Run is the drift function's handler. EventBridge Scheduler invokes it with
// {"source":"drift"}: every registered app/stage is checked. in.App (and in.Stage)
// narrow the check to one app (stage). A stage that cannot be checked does not stop the
// others; Run then returns *CheckError along with the full summary.
func (c *Checker) Run(ctx context.Context, in workflow.Request) (Summary, error) {
	stages, err := c.stages(ctx, in)
	if err != nil {
		return Summary{}, err
	}
	sum := Summary{Stages: []StageResult{}}
	var failed []string
	for i, st := range stages {
		if c.outOfTime(ctx) {
			for _, rest := range stages[i:] {
				sum.Stages = append(sum.Stages, StageResult{App: rest.App, Stage: rest.Stage, Skipped: "the run's time limit was reached: the next run checks it"})
			}
			c.log(st.App, st.Stage).Warn("time limit reached: stages left unchecked", "unchecked", len(stages)-i)
			break
		}
		res := c.checkStage(ctx, st.App, st.Stage)
		if res.Error != "" {
			failed = append(failed, st.App+"/"+st.Stage+": "+res.Error)
		}
		sum.Stages = append(sum.Stages, res)
	}
	if len(failed) > 0 {
		return sum, &CheckError{Failed: failed}
	}
	return sum, nil
}

// stages lists what to check: one stage, one app's stages, or every registered stage.
func (c *Checker) stages(ctx context.Context, in workflow.Request) ([]state.AppStage, error) {
	if in.App != "" && in.Stage != "" {
		return []state.AppStage{{App: in.App, Stage: in.Stage}}, nil
	}
	all, err := c.Store.ListApps(ctx)
	if err != nil {
		return nil, err
	}
	if in.App == "" && in.Stage == "" {
		return all, nil
	}
	var out []state.AppStage
	for _, a := range all {
		if (in.App == "" || a.App == in.App) && (in.Stage == "" || a.Stage == in.Stage) {
			out = append(out, a)
		}
	}
	return out, nil
}

func (c *Checker) outOfTime(ctx context.Context) bool {
	dl, ok := ctx.Deadline()
	if !ok {
		return false
	}
	reserve := c.Reserve
	if reserve <= 0 {
		reserve = defaultReserve
	}
	return time.Until(dl) < reserve
}

// checkStage checks one app/stage, records its report, announces it and starts the
// repair. Errors end up in the result, not in a return value.
func (c *Checker) checkStage(ctx context.Context, app, stage string) (res StageResult) {
	res = StageResult{App: app, Stage: stage}
	log := c.log(app, stage)
	calls := awscalls.New()
	started := c.now()
	defer func() {
		res.Calls = calls.Summary()
		attrs := []any{"observed", res.Observed, "drifted", res.Drifted, "repaired", res.Repaired,
			"deploymentId", res.DeploymentID, "mutatingCalls", res.Calls.Mutating, "readCalls", res.Calls.Read,
			"ms", c.now().Sub(started).Milliseconds()}
		switch {
		case res.Error != "":
			log.Error("drift check failed", append(attrs, "error", res.Error)...)
		case res.Skipped != "":
			log.Info("drift check skipped", "reason", res.Skipped)
		case len(res.Drifted) > 0:
			log.Warn("drift detected", append(attrs, "notRepaired", res.NotRepaired)...)
		default:
			log.Info("no drift", attrs...)
		}
	}()

	// A running deployment changes resources under the check: what it has not finished
	// would look like drift, and its Commit will record the new state anyway.
	if lock, err := c.Store.GetLock(ctx, app, stage); err != nil {
		res.Error = err.Error()
		return res
	} else if lock != nil && lock.ExpiresAt.After(c.now()) {
		res.Skipped = "deployment " + lock.Holder + " is running"
		return res
	}
	applied, err := c.Store.LoadApplied(ctx, app, stage)
	if err != nil {
		res.Error = err.Error()
		return res
	}
	if applied == nil || applied.Desired == nil {
		res.Skipped = "nothing is deployed"
		return res
	}

	drifted, observed := c.observe(ctx, calls, app, stage, applied)
	res.Observed = observed
	report := state.DriftReport{At: c.now(), Resources: drifted}
	for _, d := range drifted {
		res.Drifted = append(res.Drifted, d.ID)
	}

	if len(drifted) > 0 {
		res.NotRepaired = c.repairBlocked(ctx, app, stage, applied, drifted)
	}
	repair := len(drifted) > 0 && res.NotRepaired == ""
	if repair {
		// The report names the repair before the repair starts: its Plan reads the
		// report, so it must never see an older one.
		report.Repaired, report.DeploymentID = true, repairID(c.now())
	}
	if err := c.Store.SaveDrift(ctx, app, stage, report); err != nil {
		res.Error = err.Error()
		return res
	}
	if repair {
		arn, err := c.Starter.StartDeploy(ctx, workflow.Request{Bucket: applied.ConfigBucket, Key: applied.ConfigKey,
			Source: workflow.SourceDrift, DeploymentID: report.DeploymentID})
		if err != nil {
			res.NotRepaired = "the repair deployment could not be started: " + clip(err.Error())
			report.Repaired, report.DeploymentID = false, ""
			if serr := c.Store.SaveDrift(ctx, app, stage, report); serr != nil {
				res.Error = serr.Error()
				return res
			}
		} else {
			res.Repaired, res.DeploymentID, res.ExecutionArn = true, report.DeploymentID, arn
		}
	}
	if err := c.announce(ctx, app, stage, res); err != nil {
		res.Warnings = append(res.Warnings, "drift event not sent: "+clip(err.Error()))
		log.Warn("drift event not sent", "error", err)
	}
	return res
}

// repairID names a repair deployment (its deployment id; the execution gets its own
// name from the starter). It never reuses the applied config's metadata id, which
// belongs to the deployment that uploaded it.
func repairID(now time.Time) string { return fmt.Sprintf("drift-%d", now.UnixNano()) }

// observe compares every applied resource with the account. It returns
// the drifted resources sorted by id and how many things it observed.
func (c *Checker) observe(ctx context.Context, calls *awscalls.Counter, app, stage string, applied *state.Applied) ([]state.ResourceDrift, int) {
	clients := c.NewClients(calls)
	refs := provision.OutputsByID{}
	for id, o := range applied.Outputs {
		refs[id] = o
	}
	env := provision.Env{App: app, Stage: stage, Account: c.Target.Account, Region: c.Target.Region, Refs: refs, FingerprintKey: c.Target.FingerprintKey}
	if c.Resolvers != nil {
		env.Secrets = c.Resolvers(app, stage)
	}
	var resources []plan.Resource
	for _, r := range applied.Desired.Resources {
		if !plan.Retired(r.Kind) { // the next deploy drops it from the applied graph
			resources = append(resources, r)
		}
	}
	found := make([]*state.ResourceDrift, len(resources))
	n := c.Parallelism
	if n <= 0 {
		n = defaultParallelism
	}
	workflow.EachAtMost(n, len(resources), func(i int) {
		found[i] = observeOne(ctx, clients.Registry, env, resources[i])
	})
	var out []state.ResourceDrift
	for _, d := range found {
		if d != nil {
			out = append(out, *d)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, len(resources)
}

// observeOne observes one resource: nil when it exists and matches. A resource that
// cannot be observed is reported as drift with an "observe" field, so one bad resource
// never hides the rest.
func observeOne(ctx context.Context, reg provision.Registry, env provision.Env, r plan.Resource) *state.ResourceDrift {
	p, ok := reg[r.Kind]
	if !ok {
		return observeFailed(r, "no provisioner for kind "+string(r.Kind))
	}
	obs, err := p.Observe(ctx, env, r)
	switch {
	case err != nil:
		return observeFailed(r, err.Error())
	case !obs.Exists:
		return &state.ResourceDrift{ID: r.ID, Kind: r.Kind, Missing: true}
	case len(obs.Diff) > 0:
		return &state.ResourceDrift{ID: r.ID, Kind: r.Kind, Diff: obs.Diff}
	}
	return nil
}

func observeFailed(r plan.Resource, why string) *state.ResourceDrift {
	return &state.ResourceDrift{ID: r.ID, Kind: r.Kind, Diff: []provision.FieldDiff{{Field: FieldObserve, Desired: "observable", Actual: clip(why)}}}
}

// repairBlocked says why drift must not (or cannot) be repaired; "" to repair.
func (c *Checker) repairBlocked(ctx context.Context, app, stage string, applied *state.Applied, drifted []state.ResourceDrift) string {
	var foreign []string
	seen := false // something actually differs (not only observe failures)
	for _, d := range drifted {
		if d.Missing {
			seen = true
		}
		for _, f := range d.Diff {
			if f.Field != FieldObserve {
				seen = true
			}
			if f.Field == FieldOwnership {
				foreign = append(foreign, d.ID)
				break
			}
		}
	}
	if len(foreign) > 0 {
		return "not owned by berth: " + strings.Join(foreign, ", ") + " (a resource berth does not own holds the expected name; berth never modifies it, so a repair would fail with NotOwnedError and roll back: remove or rename it, then redeploy)"
	}
	if !seen {
		// A throttled or denied read is not evidence of drift: redeploying on it would
		// start a deployment every run while the cause lasts.
		return "only observe failures: nothing is known to differ"
	}
	if applied.ConfigBucket == "" || applied.ConfigKey == "" {
		return "the applied state names no config object to redeploy"
	}
	if c.Starter == nil {
		return "no deploy starter is configured"
	}
	repair, err := c.repairWanted(ctx, app, stage, applied)
	if err != nil {
		return "cannot read deployment.drift.repair from the applied config: " + clip(err.Error())
	}
	if !repair {
		return "deployment.drift.repair is false"
	}
	return ""
}

// repairWanted reads deployment.drift.repair from the applied config version, offline
// (no variable is resolved: only that flag matters).
func (c *Checker) repairWanted(ctx context.Context, app, stage string, a *state.Applied) (bool, error) {
	if c.Configs == nil {
		return false, errors.New("no config source is configured")
	}
	body, _, err := c.Configs.GetConfig(ctx, a.ConfigBucket, a.ConfigKey, a.ConfigVersion)
	if err != nil {
		return false, err
	}
	cfg, err := config.Load(ctx, body, config.Options{Stage: stage, File: a.ConfigKey})
	if err == nil {
		return cfg.Deployment.DriftRepair, nil
	}
	// Offline, a config that uses ${ssm:} where a typed value is expected may not load;
	// the flag itself is then read as written.
	if v, ok := rawRepairFlag(body); ok {
		return v, nil
	}
	return false, err
}

// rawRepairFlag reads a literal deployment.drift.repair; ok is false when it is written
// as something other than a boolean (a variable, say). Absent means the default, true.
func rawRepairFlag(body []byte) (repair, ok bool) {
	var doc struct {
		Deployment struct {
			Drift struct {
				Repair yaml.Node `yaml:"repair"`
			} `yaml:"drift"`
		} `yaml:"deployment"`
	}
	if yaml.Unmarshal(body, &doc) != nil {
		return false, false
	}
	n := doc.Deployment.Drift.Repair
	if n.Kind == 0 {
		return true, true
	}
	var v bool
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" || n.Decode(&v) != nil {
		return false, false
	}
	return v, true
}

// announce sends the stage's drift event.
func (c *Checker) announce(ctx context.Context, app, stage string, res StageResult) error {
	if c.Events == nil {
		return nil
	}
	entry := Event(app, stage, res)
	if c.EventBus != "" {
		entry.EventBusName = aws.String(c.EventBus)
	}
	out, err := c.Events.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{entry}})
	if err != nil {
		return err
	}
	if out.FailedEntryCount > 0 && len(out.Entries) > 0 {
		return fmt.Errorf("%s: %s", aws.ToString(out.Entries[0].ErrorCode), aws.ToString(out.Entries[0].ErrorMessage))
	}
	return nil
}

// Event is the EventBridge entry for one stage's result.
func Event(app, stage string, res StageResult) ebtypes.PutEventsRequestEntry {
	detail := EventDetail{App: app, Stage: stage, Resources: append([]string{}, res.Drifted...), Repaired: res.Repaired,
		DeploymentID: res.DeploymentID, NotRepaired: res.NotRepaired}
	typ := DetailTypeClean
	if len(detail.Resources) > 0 {
		typ = DetailTypeDetected
	}
	body, _ := json.Marshal(detail)
	return ebtypes.PutEventsRequestEntry{Source: aws.String(EventSource), DetailType: aws.String(typ), Detail: aws.String(string(body))}
}

func (c *Checker) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now().UTC()
}

func (c *Checker) log(app, stage string) *slog.Logger {
	l := c.Log
	if l == nil {
		l = slog.Default()
	}
	return l.With("app", app, "stage", stage, "step", "drift")
}

// clip bounds an error rendered into a report or an event.
func clip(s string) string {
	if len(s) <= maxRenderedErrorLen {
		return s
	}
	return s[:maxRenderedErrorLen] + "…"
}
