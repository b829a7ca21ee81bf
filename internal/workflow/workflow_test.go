package workflow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/state"
)

func TestWavesRunOnlyWhatChangesWithTheRouteTableAsACdnStep(t *testing.T) {
	p := &plan.Plan{Steps: []plan.Step{
		{Action: plan.Noop, ID: "Cluster", Kind: plan.KindCluster, Wave: 0},
		{Action: plan.Create, ID: "api/Role", Kind: plan.KindRole, Wave: 0},
		{Action: plan.Create, ID: "KeyValueStore", Kind: plan.KindKeyValueStore, Wave: 0},
		{Action: plan.Update, ID: "api/Function", Kind: plan.KindFunction, Wave: 2},
		{Action: plan.Update, ID: "RouteTable", Kind: plan.KindRouteTable, Wave: 3},
		{Action: plan.Delete, ID: "web/Service", Kind: plan.KindService, Wave: 4},
		{Action: plan.Delete, ID: "LoadBalancer", Kind: plan.KindLoadBalancer, Wave: 6},
	}}
	apply, err := PhaseWaves(p, "apply")
	if err != nil {
		t.Fatal(err)
	}
	want := [][]StepRef{
		{{ID: "api/Role", Fn: "compute", Action: "create"}, {ID: "KeyValueStore", Fn: "cdn", Action: "create"}},
		{{ID: "api/Function", Fn: "compute", Action: "update"}},
		{{ID: "RouteTable", Fn: "cdn", Action: "update"}},
	}
	if !reflect.DeepEqual(apply, want) {
		t.Fatalf("apply waves = %+v, want %+v", apply, want)
	}
	prune, err := PhaseWaves(p, "prune")
	if err != nil {
		t.Fatal(err)
	}
	wantPrune := [][]StepRef{{{ID: "web/Service", Fn: "compute", Action: "delete"}}, {{ID: "LoadBalancer", Fn: "alb", Action: "delete"}}}
	if !reflect.DeepEqual(prune, wantPrune) {
		t.Fatalf("prune waves = %+v, want %+v", prune, wantPrune)
	}
}

func TestAStepOfAKindThisBerthDoesNotDescribeFailsTheWaveInsteadOfRunningInCompute(t *testing.T) {
	p := &plan.Plan{Steps: []plan.Step{{Action: plan.Create, ID: "Thing", Kind: "AWS::New::Thing", Wave: 0}}}
	_, err := PhaseWaves(p, "apply")
	var missing *PlanMissingError
	if !errors.As(err, &missing) || !strings.Contains(err.Error(), "AWS::New::Thing") {
		t.Fatalf("PhaseWaves = %v, want a PlanMissingError naming the kind", err)
	}
}

func TestUndoWalksEachStepOnceNewestFirstEvenWithoutItsAfterEntry(t *testing.T) {
	at := time.Unix(0, 0)
	entry := func(id string, a plan.Action, ph state.Phase) state.JournalEntry {
		return state.JournalEntry{StepID: id, Action: a, Phase: ph, At: at}
	}
	journal := []state.JournalEntry{
		entry("api/Role", plan.Create, state.PhaseBefore),
		entry("api/Role", plan.Create, state.PhaseAfter),
		entry("api/Function", plan.Create, state.PhaseBefore), // crashed mid-create: no after
		entry(plan.IDRouteTable, plan.Update, state.PhaseBefore),
		entry("api/Role", plan.Create, state.PhaseBefore), // a retried step journals again
	}
	var got []string
	for _, e := range UndoOrder(journal) {
		got = append(got, e.StepID)
	}
	want := []string{"api/Role", plan.IDRouteTable, "api/Function"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("undo order %v, want %v", got, want)
	}
}

func TestCausesNameTheLambdaErrorTypeAndMessage(t *testing.T) {
	cases := []struct {
		name string
		in   *StepError
		want string
	}{
		{"no error says nothing", nil, ""},
		{"a Lambda error gives its type and message", &StepError{Error: "ConfigError", Cause: `{"errorType":"ConfigError","errorMessage":"name: too short"}`}, "ConfigError: name: too short"},
		{"a plain cause is kept with its error", &StepError{Error: "States.Timeout", Cause: "task timed out"}, "States.Timeout: task timed out"},
		{"an error without cause gives its name", &StepError{Error: "States.Timeout"}, "States.Timeout"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := causeOf(c.in); got != c.want {
				t.Fatalf("causeOf = %q, want %q", got, c.want)
			}
		})
	}
}

func TestASlackIntegrationIsRefusedAtDeployWithItsPosition(t *testing.T) {
	d := &Deps{Resolvers: func(string, string) Resolver { return nil }}
	doc := "name: shop\ndeployment: {type: aws@1.0}\ncontainers:\n  web:\n    image: public.ecr.aws/a/web:1\n    routing: {pathPattern: /*}\n    integrations:\n      bot: {type: slack, name: x}\n"
	_, err := d.loadConfig(context.Background(), Ctx{App: "shop", Stage: "dev", Key: "shop/dev/serverless.containers.yml"}, []byte(doc))
	ce, ok := err.(*ConfigError)
	if !ok || !strings.Contains(ce.Message, "shop/dev/serverless.containers.yml:8:7: containers.web.integrations.bot: slack integrations are not supported") {
		t.Fatalf("want a ConfigError naming the slack integration's position, got %T %v", err, err)
	}
}

// planOnly holds one stored plan (the wave loader reads nothing else).
type planOnly struct {
	Plans
	p *plan.Plan
}

func (s planOnly) LoadPlan(context.Context, string, string, string) (*plan.Plan, error) {
	return s.p, nil
}

func TestTheWaveLoaderPutsTheARNOfTheFunctionThatRunsEachStepIntoTheStep(t *testing.T) {
	p := &plan.Plan{Steps: []plan.Step{
		{Action: plan.Create, ID: "api/Role", Kind: plan.KindRole, Wave: 0},
		{Action: plan.Create, ID: "LoadBalancer", Kind: plan.KindLoadBalancer, Wave: 0},
	}}
	arns := map[string]string{"compute": "arn:compute", "alb": "arn:alb", "cdn": "arn:cdn"}
	d := &Deps{Plans: planOnly{p: p}, Records: state.NewMemory(), StepFunctionArns: arns}
	out, err := d.Plan(context.Background(), PlanInput{Action: "wave", Ctx: Ctx{App: "shop", Stage: "prod", DeploymentID: "d1"}, Phase: "apply"})
	if err != nil {
		t.Fatal(err)
	}
	w := out.(WaveOutput)
	if len(w.Items) != 2 || w.Items[0].FunctionArn != "arn:compute" || w.Items[1].FunctionArn != "arn:alb" {
		t.Fatalf("wave items = %+v", w.Items)
	}

	delete(arns, "alb")
	_, err = d.Plan(context.Background(), PlanInput{Action: "wave", Ctx: Ctx{App: "shop", Stage: "prod", DeploymentID: "d1"}, Phase: "apply"})
	if err == nil || !strings.Contains(err.Error(), "BERTH_ALB_FUNCTION_ARN") {
		t.Fatalf("a missing step function ARN: err = %v, want one naming BERTH_ALB_FUNCTION_ARN", err)
	}
}

func TestTheWaveLoaderHandsOutAWaveLargerThanAPageInPagesInOrder(t *testing.T) {
	p := &plan.Plan{}
	for i := range MaxWaveItems + 3 {
		p.Steps = append(p.Steps, plan.Step{Action: plan.Create, ID: fmt.Sprintf("c%03d/Role", i), Kind: plan.KindRole, Wave: 0})
	}
	p.Steps = append(p.Steps, plan.Step{Action: plan.Create, ID: "LoadBalancer", Kind: plan.KindLoadBalancer, Wave: 1})
	d := &Deps{Plans: planOnly{p: p}, Records: state.NewMemory(), StepFunctionArns: map[string]string{"compute": "c", "alb": "a", "cdn": "f"}}
	var sizes []int
	for page := 0; ; page++ {
		out, err := d.Plan(context.Background(), PlanInput{Action: "wave", Ctx: Ctx{App: "shop", Stage: "prod", DeploymentID: "d1"}, Phase: "apply", Wave: page})
		if err != nil {
			t.Fatal(err)
		}
		w := out.(WaveOutput)
		if w.Done {
			break
		}
		sizes = append(sizes, len(w.Items))
	}
	if want := []int{MaxWaveItems, 3, 1}; !reflect.DeepEqual(sizes, want) {
		t.Fatalf("page sizes = %v, want %v (a wave's pages before the next wave's)", sizes, want)
	}
}

func TestAStepThatRecordedAFailureStopsTheNextWaveAndNamesItsError(t *testing.T) {
	p := &plan.Plan{Steps: []plan.Step{
		{Action: plan.Create, ID: "api/Role", Kind: plan.KindRole, Wave: 0},
		{Action: plan.Create, ID: "LoadBalancer", Kind: plan.KindLoadBalancer, Wave: 1},
	}}
	m := state.NewMemory()
	c := Ctx{App: "shop", Stage: "prod", DeploymentID: "d1"}
	if err := m.CreateDeployment(context.Background(), state.Deployment{App: "shop", Stage: "prod", ID: "d1", Status: state.StatusRunning}); err != nil {
		t.Fatal(err)
	}
	d := &Deps{Plans: planOnly{p: p}, Records: m, StepFunctionArns: map[string]string{"compute": "c", "alb": "a", "cdn": "f"}}
	failed := &StepError{Error: "RolloutFailedError", Cause: `{"errorType":"RolloutFailedError","errorMessage":"web/Service: tasks stopped: CannotPullContainerError"}`}
	if _, err := d.Plan(context.Background(), PlanInput{Action: "failed", Ctx: c, Step: &StepRef{ID: "api/Role"}, Error: failed}); err != nil {
		t.Fatal(err)
	}
	_, err := d.Plan(context.Background(), PlanInput{Action: "wave", Ctx: c, Phase: "apply", Wave: 1})
	var sf *StepFailedError
	if !errors.As(err, &sf) || sf.StepID != "api/Role" || !strings.Contains(sf.Error(), "RolloutFailedError: web/Service: tasks stopped: CannotPullContainerError") {
		t.Fatalf("next wave: err = %v, want a StepFailedError naming api/Role and its error", err)
	}
	_, err = d.Plan(context.Background(), PlanInput{Action: "failure", Ctx: c, Error: &StepError{Error: "States.ExceedToleratedFailureThreshold", Cause: "The specified tolerated failure threshold was exceeded"}})
	if !errors.As(err, &sf) {
		t.Fatalf("the Map's Catch: err = %v, want the step's recorded error rather than the Map's", err)
	}
}

func TestAWaveThatFailedWithoutARecordedStepErrorFailsWithTheMapsOwnError(t *testing.T) {
	d := &Deps{Records: state.NewMemory()}
	c := Ctx{App: "shop", Stage: "prod", DeploymentID: "d1"}
	_, err := d.Plan(context.Background(), PlanInput{Action: "failure", Ctx: c, Error: &StepError{Error: "States.ItemReaderFailed", Cause: "no items"}})
	var wf *WaveFailedError
	if !errors.As(err, &wf) || !strings.Contains(err.Error(), "States.ItemReaderFailed: no items") {
		t.Fatalf("err = %v, want a WaveFailedError carrying the Map's error", err)
	}
}

func TestAFullPageOfTheLongestStepsStaysWellBelowStepFunctionsPayloadLimit(t *testing.T) {
	// Step ids are a container name (at most 24 characters) and a resource path; a Lambda
	// function ARN has at most 140 characters (Lambda API reference, FunctionArn).
	page := make([]StepRef, MaxWaveItems)
	for i := range page {
		page[i] = StepRef{ID: strings.Repeat("x", 64), Fn: "compute", FunctionArn: strings.Repeat("a", 140), Action: "create"}
	}
	b, err := json.Marshal(WaveOutput{Items: page})
	if err != nil {
		t.Fatal(err)
	}
	// 256 KB: https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html
	if len(b) > 128*1024 {
		t.Fatalf("a page is %d bytes: more than half of the 256 KB a state's input or output may hold", len(b))
	}
}
