package workflow

import (
	"context"
	"errors"
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
	d := &Deps{Plans: planOnly{p: p}, StepFunctionArns: arns}
	out, err := d.Plan(context.Background(), PlanInput{Action: "wave", Phase: "apply"})
	if err != nil {
		t.Fatal(err)
	}
	w := out.(WaveOutput)
	if len(w.Items) != 2 || w.Items[0].FunctionArn != "arn:compute" || w.Items[1].FunctionArn != "arn:alb" {
		t.Fatalf("wave items = %+v", w.Items)
	}

	delete(arns, "alb")
	_, err = d.Plan(context.Background(), PlanInput{Action: "wave", Phase: "apply"})
	if err == nil || !strings.Contains(err.Error(), "BERTH_ALB_FUNCTION_ARN") {
		t.Fatalf("a missing step function ARN: err = %v, want one naming BERTH_ALB_FUNCTION_ARN", err)
	}
}
