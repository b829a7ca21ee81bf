package localrun

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/berth-dev/berth/internal/bigapp"
	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
	"github.com/berth-dev/berth/internal/workflow"
)

// The 150-container app of issue 14 (100 containers on Lambda, 50 on Fargate), driven
// through the local runtime by TestA150ContainerApp... and BenchmarkA150ContainerApp.

const bigApp = bigapp.Name

// bigLambdas and bigFargates size the app: 100 and 50 (issue 14). BERTH_BIG_SIZE=L/F
// (e.g. 6/3) runs the same life on a smaller app, to try a change in minutes.
var bigLambdas, bigFargates = bigapp.Issue14.Lambdas, bigapp.Issue14.Fargates

func sizeBigApp(tb testing.TB) {
	tb.Helper()
	v := os.Getenv("BERTH_BIG_SIZE")
	if v == "" {
		return
	}
	var l, f int
	if _, err := fmt.Sscanf(v, "%d/%d", &l, &f); err != nil || l < 2 || f < 1 {
		tb.Fatalf("BERTH_BIG_SIZE=%q: want LAMBDAS/FARGATES, at least 2/1", v)
	}
	bigLambdas, bigFargates = l, f
}

// bigUpdated is the container whose image the one-image update changes.
func bigUpdated() string { return bigapp.LambdaName(bigLambdas / 2) }

// bigConfig is the app's config (bigapp.Config at this run's size).
func bigConfig(image func(name string) string, env string) []byte {
	return bigapp.Config(bigapp.Size{Lambdas: bigLambdas, Fargates: bigFargates}, image, env)
}

// bigUpdate is the config with bigUpdated's image at tag.
func bigUpdate(tag, env string) []byte {
	return bigConfig(func(name string) string {
		if name == bigUpdated() {
			return bigapp.Image("lambda", tag)
		}
		return ""
	}, env)
}

// bigMeasure is what one deployment (or removal) of the big app cost.
type bigMeasure struct {
	wallMs, mutating, calls, executions int
	maxEvents, maxPayload               int // over every execution the upload led to
}

// measureBig reads what r's executions recorded: GetExecutionHistory of each, its event
// count and the largest input/output any state or task carried (Step Functions bounds an
// execution at 25,000 history events and a state's input/output at 256 KiB:
// docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html).
func measureBig(tb testing.TB, s *Session, r *Report) bigMeasure {
	tb.Helper()
	ctx := context.Background()
	m := bigMeasure{wallMs: int(r.DurationMs), mutating: r.Calls.Mutating, calls: r.Calls.Mutating + r.Calls.Read, executions: len(r.Executions)}
	all, _, err := s.Env.executions(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	ours := map[string]bool{}
	for _, name := range r.Executions {
		ours[name] = true
	}
	c := sfn.NewFromConfig(s.Env.AWS)
	for _, x := range all {
		if !ours[x.Name] {
			continue
		}
		events := 0
		p := sfn.NewGetExecutionHistoryPaginator(c, &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(x.Arn), MaxResults: 1000})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				tb.Fatalf("history of %s: %v", x.Name, err)
			}
			events += len(page.Events)
			for _, e := range page.Events {
				m.maxPayload = max(m.maxPayload, payloadBytes(e))
			}
		}
		m.maxEvents = max(m.maxEvents, events)
	}
	return m
}

// payloadBytes is the largest input or output an event carries.
func payloadBytes(e sfntypes.HistoryEvent) int {
	n := 0
	for _, s := range []*string{
		detail(e.ExecutionStartedEventDetails, func(d *sfntypes.ExecutionStartedEventDetails) *string { return d.Input }),
		detail(e.ExecutionSucceededEventDetails, func(d *sfntypes.ExecutionSucceededEventDetails) *string { return d.Output }),
		detail(e.StateEnteredEventDetails, func(d *sfntypes.StateEnteredEventDetails) *string { return d.Input }),
		detail(e.StateExitedEventDetails, func(d *sfntypes.StateExitedEventDetails) *string { return d.Output }),
		detail(e.TaskScheduledEventDetails, func(d *sfntypes.TaskScheduledEventDetails) *string { return d.Parameters }),
		detail(e.TaskSucceededEventDetails, func(d *sfntypes.TaskSucceededEventDetails) *string { return d.Output }),
		detail(e.LambdaFunctionScheduledEventDetails, func(d *sfntypes.LambdaFunctionScheduledEventDetails) *string { return d.Input }),
		detail(e.LambdaFunctionSucceededEventDetails, func(d *sfntypes.LambdaFunctionSucceededEventDetails) *string { return d.Output }),
	} {
		n = max(n, len(aws.ToString(s)))
	}
	return n
}

func detail[D any](d *D, field func(*D) *string) *string {
	if d == nil {
		return nil
	}
	return field(d)
}

// bigLife drives the app through its life: deploy, an unchanged redeploy, a one-image
// update, a change of every container that fails at its late wave and rolls back, and
// removal. Each method runs one deployment (or removal), checks what it must have done
// and returns what it cost.
type bigLife struct {
	tb      testing.TB
	s       *Session
	current []byte  // the config the account runs
	last    *Report // its deployment
}

func (l *bigLife) run(phase string, body []byte, failAt, want string) (*Report, bigMeasure) {
	l.tb.Helper()
	r, err := l.s.Deploy(context.Background(), "serverless.containers.yml", body, "dev", failAt)
	if err != nil {
		l.tb.Fatalf("%s: %v", phase, err)
	}
	if r.Status != want {
		l.tb.Fatalf("%s: status %s, want %s; error: %s", phase, r.Status, want, r.Error)
	}
	if want == "SUCCEEDED" {
		l.current, l.last = body, r
	}
	return r, measureBig(l.tb, l.s, r)
}

func (l *bigLife) deploy() bigMeasure {
	l.tb.Helper()
	r, m := l.run("deploy", bigConfig(nil, "r1"), "", "SUCCEEDED")
	if got := types(r); got["AWS::Lambda::Function"] < bigLambdas || got["AWS::ECS::Service"] != bigFargates {
		l.tb.Fatalf("deploy: inventory holds %d Lambda functions and %d ECS services, want %d and %d", got["AWS::Lambda::Function"], got["AWS::ECS::Service"], bigLambdas, bigFargates)
	}
	if len(r.Routes) != bigLambdas+bigFargates {
		l.tb.Fatalf("deploy: %d routes published, want %d", len(r.Routes), bigLambdas+bigFargates)
	}
	return m
}

func (l *bigLife) redeploy() bigMeasure {
	l.tb.Helper()
	r, m := l.run("redeploy", l.current, "", "SUCCEEDED")
	if r.Calls.Mutating != 0 {
		l.tb.Fatalf("redeploy: an unchanged redeploy made %d mutating AWS calls: %+v", r.Calls.Mutating, r.Calls.Ops)
	}
	return m
}

// update moves bigUpdated's image to tag (a release the others do not run).
func (l *bigLife) update(tag string) bigMeasure {
	l.tb.Helper()
	r, m := l.run("update", bigUpdate(tag, "r1"), "", "SUCCEEDED")
	if n := countOp(r, "UpdateFunctionCode"); n != 1 || r.Calls.Mutating > 10 {
		l.tb.Fatalf("update: %d UpdateFunctionCode calls and %d mutating calls in all, want 1 and a few (only %s changed): %+v", n, r.Calls.Mutating, bigUpdated(), r.Calls.Ops)
	}
	// The function runs the image with the Web Adapter appended, from its own repository.
	want := adaptedNow(l.tb, l.s, bigApp, bigUpdated(), bigapp.Image("lambda", tag))
	if got := liveImage(l.tb, l.s, bigUpdated()); got != want {
		l.tb.Fatalf("update: %s runs %s, want %s", bigUpdated(), got, want)
	}
	return m
}

// clusterCounts are an ECS cluster's task and service counts, which moto miscounts on
// service updates (runningTasks goes negative; assertSameLive skips them too).
var clusterCounts = map[string]bool{"runningTasks": true, "activeServices": true}

// lateFault changes every container and every route and fails the edge's first step,
// which comes after every compute step: the rollback must undo 150 updates.
func (l *bigLife) lateFault() bigMeasure {
	l.tb.Helper()
	body := strings.ReplaceAll(strings.ReplaceAll(string(l.current), `RELEASE: "r1"`, `RELEASE: "r2"`), "pathPattern: /", "pathPattern: /v2/")
	r, m := l.run("late-fault", []byte(body), "cdn", "ROLLED_BACK")
	assertSameInventory(l.tb, "cdn", l.last.Inventory, r.Inventory, clusterCounts)
	if !equalRoutes(l.last.Routes, r.Routes) {
		l.tb.Fatalf("late-fault: routes after rollback differ from before (%d vs %d)", len(r.Routes), len(l.last.Routes))
	}
	updated := 0
	for _, st := range r.Steps {
		if strings.HasPrefix(st.Name, "update ") && strings.HasSuffix(st.Name, "/Function") {
			updated++
		}
	}
	if updated < bigLambdas {
		l.tb.Fatalf("late-fault: the fault came after %d function updates, want all %d (is the edge still the last wave?): %v", updated, bigLambdas, r.Steps)
	}
	for _, name := range []string{"l000", bigUpdated(), bigapp.LambdaName(bigLambdas - 1)} {
		if got := liveEnv(l.tb, l.s, name, "RELEASE"); got != "r1" {
			l.tb.Fatalf("late-fault: after rollback %s has RELEASE=%q, want r1", name, got)
		}
	}
	return m
}

func (l *bigLife) remove() bigMeasure {
	l.tb.Helper()
	r, err := l.s.Remove(context.Background(), bigApp, "dev")
	if err != nil {
		l.tb.Fatalf("remove: %v", err)
	}
	if r.Status != "SUCCEEDED" {
		l.tb.Fatalf("remove: status %s; error: %s", r.Status, r.Error)
	}
	if len(r.Inventory) != 0 {
		l.tb.Fatalf("remove: %d berth-owned resources remain, e.g. %v", len(r.Inventory), names(r.Inventory)[:min(5, len(r.Inventory))])
	}
	l.current, l.last = nil, nil
	return measureBig(l.tb, l.s, r)
}

func liveImage(tb testing.TB, s *Session, container string) string {
	tb.Helper()
	out, err := lambda.NewFromConfig(s.Env.AWS).GetFunction(context.Background(), &lambda.GetFunctionInput{FunctionName: aws.String(bigFunction(tb, s, container))})
	if err != nil {
		tb.Fatal(err)
	}
	return aws.ToString(out.Code.ImageUri)
}

func liveEnv(tb testing.TB, s *Session, container, key string) string {
	tb.Helper()
	out, err := lambda.NewFromConfig(s.Env.AWS).GetFunctionConfiguration(context.Background(), &lambda.GetFunctionConfigurationInput{FunctionName: aws.String(bigFunction(tb, s, container))})
	if err != nil {
		tb.Fatal(err)
	}
	if out.Environment == nil {
		return ""
	}
	return out.Environment.Variables[key]
}

// bigFunction is the deployed name of a container's function.
func bigFunction(tb testing.TB, s *Session, container string) string {
	tb.Helper()
	applied, err := s.store.LoadApplied(context.Background(), bigApp, "dev")
	if err != nil || applied == nil {
		tb.Fatalf("no applied state for %s: %v", bigApp, err)
	}
	for _, r := range applied.Desired.Resources {
		if r.Container == container && r.Kind == plan.KindFunction {
			return r.Name
		}
	}
	tb.Fatalf("%s has no Lambda function in the applied state", container)
	return ""
}

// bigSession starts a local runtime for the big app, its handlers' logs in a file when
// BERTH_BIG_LOG names one.
func bigSession(tb testing.TB) *Session {
	tb.Helper()
	sizeBigApp(tb)
	o := SessionOptions{Region: "eu-west-1", WaitLimit: 3 * time.Hour}
	if p := os.Getenv("BERTH_BIG_LOG"); p != "" {
		f, err := os.Create(p)
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { f.Close() })
		o.Progress, o.MotoLog = f, f
	}
	s, err := NewSession(context.Background(), o)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(s.Close)
	return s
}

// bigSum adds up a benchmark phase's deployments.
type bigSum struct {
	n                                  int
	mutating, calls, executions        int
	maxEvents, maxPayload, sumWallMsec int
}

func (s *bigSum) add(m bigMeasure) {
	s.n++
	s.mutating += m.mutating
	s.calls += m.calls
	s.executions += m.executions
	s.sumWallMsec += m.wallMs
	s.maxEvents = max(s.maxEvents, m.maxEvents)
	s.maxPayload = max(s.maxPayload, m.maxPayload)
}

func (s *bigSum) report(b *testing.B) {
	if s.n == 0 {
		return
	}
	per := func(v int) float64 { return float64(v) / float64(s.n) }
	b.ReportMetric(per(s.sumWallMsec)/1000, "s-wall/op") // the deployment's own time, without the harness's report
	b.ReportMetric(per(s.mutating), "mutating-calls/op")
	b.ReportMetric(per(s.calls), "aws-calls/op")
	b.ReportMetric(per(s.executions), "executions/op")
	b.ReportMetric(float64(s.maxEvents), "max-history-events")
	b.ReportMetric(float64(s.maxPayload), "max-payload-bytes")
}

// The late-fault phase rests on the plan's order: the edge's first step (where the fault
// is injected) comes in a wave after every function update. This checks that order in
// milliseconds, without the emulator, so a plan change that breaks it shows here first.
func TestTheBigAppsLateFaultComesAfterEveryFunctionUpdate(t *testing.T) {
	ctx := context.Background()
	target := plan.Target{Region: "eu-west-1", Account: "123456789012", FingerprintKey: []byte("localrun-test-installation-key-0123")}
	build := func(body []byte) *plan.Desired {
		cfg, err := config.Load(ctx, body, config.Options{Stage: "dev"})
		if err != nil {
			t.Fatal(err)
		}
		d, err := plan.Build(cfg, target)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	before := bigConfig(nil, "r1")
	after := strings.ReplaceAll(strings.ReplaceAll(string(before), `RELEASE: "r1"`, `RELEASE: "r2"`), "pathPattern: /", "pathPattern: /v2/")
	p, err := plan.Diff(build([]byte(after)), build(before))
	if err != nil {
		t.Fatal(err)
	}
	waves, err := workflow.PhaseWaves(p, "apply")
	if err != nil {
		t.Fatal(err)
	}
	firstEdge, lastFunction, functions := -1, -1, 0
	for i, wave := range waves {
		for _, s := range wave {
			if s.Fn == provision.FunctionCDN && firstEdge < 0 {
				firstEdge = i
			}
			if strings.HasSuffix(s.ID, "/"+plan.SuffixFunction) {
				lastFunction, functions = i, functions+1
			}
		}
	}
	if functions != bigLambdas || firstEdge <= lastFunction {
		t.Fatalf("%d function updates, the last in wave %d; the edge's first step in wave %d: want %d updates, all before the edge", functions, lastFunction, firstEdge, bigLambdas)
	}
}
