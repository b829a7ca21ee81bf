package localrun

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudfrontkeyvaluestore"
	"gopkg.in/yaml.v3"

	"github.com/berth-dev/berth/internal/awscalls"
	"github.com/berth-dev/berth/internal/awsdeps"
	"github.com/berth-dev/berth/internal/fakes/cloudfrontedge"
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/stage"
	"github.com/berth-dev/berth/internal/state"
	"github.com/berth-dev/berth/internal/workflow"
)

// Session is one local runtime with berth's handlers installed.
type Session struct {
	Env   *Env
	Deps  *workflow.Deps
	store *state.Store
	out   io.Writer // progress lines; nil for none
	iam   *iamGuard
	emu   *emulatorIAM
	wait  time.Duration
	// unlock plays template.yaml's rule for executions that end abnormally.
	unlock *unlockRule
}

// SessionOptions configure NewSession.
type SessionOptions struct {
	Region   string
	Progress io.Writer // live progress; nil for none
	MotoLog  io.Writer
	// WaitLimit bounds how long Deploy and Remove wait for their executions (default 10
	// minutes; a 150-container app needs more).
	WaitLimit time.Duration
}

// NewSession starts the emulator, berth's resources and handlers.
func NewSession(ctx context.Context, o SessionOptions) (*Session, error) {
	if o.Region == "" {
		o.Region = "eu-west-1"
	}
	if o.WaitLimit == 0 {
		o.WaitLimit = 10 * time.Minute
	}
	guard, err := newIAMGuard(o.Region)
	if err != nil {
		return nil, err
	}
	edge := cloudfrontedge.New()
	env, err := Start(ctx, Options{Region: o.Region, Edge: edge, Log: o.MotoLog})
	if err != nil {
		return nil, err
	}
	edge.OnVpcOriginCreate = func(albArn string) error { return env.vpcOriginEffects(context.Background(), albArn) }
	if err := env.attachDefaultInternetGateway(ctx); err != nil {
		env.Stop()
		return nil, fmt.Errorf("attach an internet gateway to the emulator's default VPC: %w", err)
	}
	if err := guard.createBoundary(ctx, env.AWS); err != nil {
		env.Stop()
		return nil, fmt.Errorf("create BerthRoleBoundary in the emulator: %w", err)
	}
	emu, err := env.enforceIAM(ctx, guard.tpl)
	if err != nil {
		env.Stop()
		return nil, fmt.Errorf("enforce template.yaml's IAM in the emulator: %w", err)
	}
	log := slog.New(slog.NewJSONHandler(logTo(o.MotoLog), nil))
	// The harness (reports, inventory, out-of-band changes) calls as the admin user; each
	// handler calls with its own role's credentials.
	deps, store := awsdeps.Build(guard.config(env.AWS), handlerSettings(env, guard), log)
	s := &Session{Env: env, Deps: deps, store: store, out: o.Progress, iam: guard, emu: emu, wait: o.WaitLimit}
	depsOf := func(function string) *workflow.Deps {
		d, _ := awsdeps.Build(guard.config(emu.config(env.AWS, function)), handlerSettings(env, guard), log)
		return d
	}
	env.Router.SetFunctions(Handlers(depsOf))
	s.unlock = newUnlockRule(depsOf(FunctionName("Unlock")))
	env.Router.Invoked = s.progress
	return s, nil
}

// logTo sends the handlers' structured logs with moto's output, or nowhere.
func logTo(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}

// Close stops everything.
func (s *Session) Close() { closeImages(s.Env); s.Env.Stop() }

// Handlers maps each deployed function name to its real handler (workflow.Handlers),
// built on that function's dependencies (each function calls AWS as its own role).
func Handlers(deps func(function string) *workflow.Deps) map[string]Handler {
	out := map[string]Handler{}
	for _, fn := range Functions {
		out[FunctionName(fn)] = lambda.NewHandler(workflow.Handlers(deps(FunctionName(fn)))[fn])
	}
	return out
}

// AppName reads a config's name without validating it (the deploy validates).
func AppName(body []byte) string {
	var doc struct {
		Name string `yaml:"name"`
	}
	_ = yaml.Unmarshal(body, &doc)
	return doc.Name
}

// Deploy uploads a config as a user would, lets the trigger start the deployment, waits
// for it (and any follow-up it starts) and reports. failAt ("task" or "task:N") makes the
// N-th invocation of that task's function fail.
func (s *Session) Deploy(ctx context.Context, file string, body []byte, stg, failAt string) (*Report, error) {
	app := AppName(body)
	if err := s.injectFault(failAt); err != nil {
		return nil, err
	}
	started := time.Now()
	s.say("deploy %s to %s/%s", file, app, stg)
	if err := s.Env.UploadFiles(ctx, file, app, stg, body); err != nil {
		return nil, err
	}
	sources, _, err := s.Env.UploadSources(ctx, file, app, stg, body)
	if err != nil {
		return nil, err
	}
	if _, err := s.Env.Upload(ctx, app, stg, body, sources); err != nil {
		return nil, err
	}
	arns, err := s.Env.Trigger(ctx)
	if err != nil {
		return nil, err
	}
	if len(arns) == 0 {
		return nil, fmt.Errorf("the config upload did not trigger a deployment (is the key %s?)", stage.Key(app, stg))
	}
	return s.finish(ctx, "deploy", app, stg, file, failAt, arns[0], started)
}

// Remove runs the remove state machine for app/stage and reports.
func (s *Session) Remove(ctx context.Context, app, stage string) (*Report, error) {
	s.Env.Router.ClearFaults()
	started := time.Now()
	s.say("remove %s/%s", app, stage)
	arn, err := s.Env.StartRemove(ctx, app, stage)
	if err != nil {
		return nil, err
	}
	return s.finish(ctx, "remove", app, stage, "", "", arn, started)
}

func (s *Session) finish(ctx context.Context, kind, app, stage, file, failAt, arn string, started time.Time) (*Report, error) {
	all, err := s.waitIdle(ctx)
	if err != nil {
		return nil, err
	}
	x, err := s.Env.Describe(ctx, arn)
	if err != nil {
		return nil, err
	}
	r := &Report{Kind: kind, App: app, Stage: stage, File: file, FailAt: failAt, DeploymentID: x.Name,
		Status: statusOf(x), DurationMs: ms(time.Since(started))}
	for _, e := range all {
		if !e.Started.Before(x.Started) {
			r.Executions = append(r.Executions, e.Name)
		}
	}
	if err := s.fill(ctx, r, x); err != nil {
		return nil, err
	}
	s.say("%s %s/%s: %s in %s", kind, app, stage, r.Status, time.Duration(r.DurationMs)*time.Millisecond)
	return s.checkIAM(r)
}

// fill adds the deployment record, the routes as stored, the router as published and
// the inventory of berth-owned resources.
func (s *Session) fill(ctx context.Context, r *Report, x Execution) error {
	dep, err := s.store.GetDeployment(ctx, r.App, r.Stage, r.DeploymentID)
	if err != nil {
		return err
	}
	if dep != nil {
		if dep.Status == state.StatusRolledBack {
			r.Status = "ROLLED_BACK" // also when a recovering execution rolled it back
		}
		r.Error = dep.Error
		r.Calls = dep.Calls
		for _, st := range dep.Steps {
			r.Steps = append(r.Steps, StepReport{Name: st.Name, Status: st.Status, DurationMs: ms(st.Ended.Sub(st.Started))})
		}
	}
	if r.Error == "" && r.Status != "SUCCEEDED" {
		r.Error = strings.TrimSpace(x.Error + ": " + x.Cause)
	}
	applied, err := s.store.LoadApplied(ctx, r.App, r.Stage)
	if err != nil {
		return err
	}
	r.Routes = map[string]string{}
	if applied != nil {
		if r.Routes, err = s.liveRoutes(ctx, applied); err != nil {
			return err
		}
		r.URL = distributionURL(applied)
		if r.Router, err = s.routerSource(ctx, applied); err != nil {
			return err
		}
	}
	clients := s.Deps.NewClients(awscalls.New())
	r.Inventory, err = clients.Inventory.List(ctx, r.App, r.Stage)
	if r.Inventory == nil {
		r.Inventory = []workflow.InventoryItem{}
	}
	return err
}

func distributionURL(a *state.Applied) string {
	if res, ok := a.Desired.Distribution(); ok {
		if d := a.Outputs[res.ID]["DomainName"]; d != "" {
			return "https://" + d
		}
	}
	return ""
}

// liveRoutes reads every key of the app's KeyValueStore back from the data plane.
func (s *Session) liveRoutes(ctx context.Context, a *state.Applied) (map[string]string, error) {
	routes := map[string]string{}
	if res, ok := a.Desired.RouteStore(); ok {
		cfg := s.Env.AWS.Copy()
		cfg.Region = plan.EdgeRegion
		client := cloudfrontkeyvaluestore.NewFromConfig(cfg, func(o *cloudfrontkeyvaluestore.Options) {
			o.HTTPClient = cloudfrontedge.HTTPClient(strings.TrimPrefix(s.Env.Endpoint, "http://"))
		})
		p := cloudfrontkeyvaluestore.NewListKeysPaginator(client, &cloudfrontkeyvaluestore.ListKeysInput{KvsARN: aws.String(a.Outputs[res.ID]["Arn"])})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return nil, err
			}
			for _, it := range page.Items {
				routes[aws.ToString(it.Key)] = aws.ToString(it.Value)
			}
		}
	}
	return routes, nil
}

// routerSource reads the router function's LIVE code back from CloudFront.
func (s *Session) routerSource(ctx context.Context, a *state.Applied) (string, error) {
	if res, ok := a.Desired.Router(); ok {
		cfg := s.Env.AWS.Copy()
		cfg.Region = plan.EdgeRegion
		out, err := cloudfront.NewFromConfig(cfg).GetFunction(ctx, &cloudfront.GetFunctionInput{Name: aws.String(res.Name), Stage: cftypes.FunctionStageLive})
		if err != nil {
			return "", err
		}
		return string(out.FunctionCode), nil
	}
	return "", nil
}

func (s *Session) injectFault(failAt string) error {
	s.Env.Router.ClearFaults()
	if failAt == "" {
		return nil
	}
	task, n := failAt, 1
	if i := strings.LastIndex(failAt, ":"); i >= 0 {
		if _, err := fmt.Sscanf(failAt[i+1:], "%d", &n); err != nil || n < 1 {
			return fmt.Errorf("--fail-at %q: want TASK or TASK:N with N ≥ 1", failAt)
		}
		task = failAt[:i]
	}
	for _, fn := range Functions {
		if strings.EqualFold(fn, task) {
			s.Env.Router.FailAt(FunctionName(fn), n)
			return nil
		}
	}
	return fmt.Errorf("--fail-at %q: unknown task; tasks are %s", failAt, strings.ToLower(strings.Join(Functions, ", ")))
}

// progress prints one line per handler invocation as it happens.
func (s *Session) progress(function string, n int, payload []byte, err error) {
	if s.out == nil {
		return
	}
	what := strings.TrimPrefix(function, FunctionPrefix)
	var in struct {
		Step    workflow.StepRef `json:"step"`
		Attempt int              `json:"attempt"`
		Action  string           `json:"action"`
		Phase   string           `json:"phase"`
	}
	_ = json.Unmarshal(payload, &in)
	switch {
	case in.Step.ID != "" && in.Attempt == 0:
		what = fmt.Sprintf("%s %s %s", what, in.Step.Action, in.Step.ID)
	case in.Step.ID != "":
		what = fmt.Sprintf("%s wait %s (poll %d)", what, in.Step.ID, in.Attempt)
	case in.Action == "wave":
		what = fmt.Sprintf("%s %s wave", what, in.Phase)
	}
	mark := "ok"
	if err != nil {
		mark = "FAILED: " + err.Error()
	}
	fmt.Fprintf(s.out, "  %-60s %s\n", what, mark)
}

func (s *Session) say(format string, args ...any) {
	if s.out != nil {
		fmt.Fprintf(s.out, format+"\n", args...)
	}
}
