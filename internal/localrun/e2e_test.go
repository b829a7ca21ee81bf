package localrun

import (
	"context"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/workflow"
)

// These tests run the real statemachine/*.asl.json in moto's interpreter, with the real
// handlers serving moto's Lambda invokes, against moto (and the CloudFront edge fake for
// the APIs moto lacks).

// newSession starts a local runtime for one test. Tests run in parallel: each has its own
// emulator, and most of a deployment's time is spent in the state machine's Wait states.
func newSession(t *testing.T) *Session {
	t.Helper()
	t.Parallel()
	s, err := NewSession(context.Background(), SessionOptions{Region: "eu-west-1"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func deploy(t *testing.T, s *Session, file, failAt string) *Report {
	t.Helper()
	body, err := os.ReadFile("testdata/" + file)
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.Deploy(context.Background(), file, body, "dev", failAt)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func wantStatus(t *testing.T, r *Report, want string) {
	t.Helper()
	if r.Status != want {
		t.Fatalf("%s %s (fail-at %q): status %s, want %s; error: %s", r.Kind, r.File, r.FailAt, r.Status, want, r.Error)
	}
}

func types(r *Report) map[string]int {
	m := map[string]int{}
	for _, it := range r.Inventory {
		m[it.Type]++
	}
	return m
}

func hasFargateSide(r *Report) bool {
	for typ := range types(r) {
		if strings.Contains(typ, "ElasticLoadBalancingV2") || strings.Contains(typ, "ECS") || strings.Contains(typ, "EC2") {
			return true
		}
	}
	return false
}

func TestADeployLifecycleCreatesRedeploysSwitchesAndRemoves(t *testing.T) {
	s := newSession(t)

	first := deploy(t, s, "v1-mixed.yml", "")
	wantStatus(t, first, "SUCCEEDED")
	if !hasFargateSide(first) {
		t.Fatalf("a mixed app has no ALB/ECS resources: %v", types(first))
	}
	if len(first.Routes) != 2 {
		t.Fatalf("routes = %v, want 2", first.Routes)
	}
	for _, it := range first.Inventory {
		if it.Type == "AWS::Lambda::Url" && it.Attributes["authType"] != "AWS_IAM" {
			t.Fatalf("function URL %s has AuthType %q", it.Name, it.Attributes["authType"])
		}
	}

	again := deploy(t, s, "v1-mixed.yml", "")
	wantStatus(t, again, "SUCCEEDED")
	if again.Calls.Mutating != 0 {
		t.Fatalf("an unchanged redeploy made %d mutating AWS calls: %+v", again.Calls.Mutating, again.Calls.Ops)
	}

	lambdaOnly := deploy(t, s, "v2-all-lambda.yml", "")
	wantStatus(t, lambdaOnly, "SUCCEEDED")
	if hasFargateSide(lambdaOnly) {
		t.Fatalf("after switching every container to Lambda, ALB/ECS/EC2 resources remain: %v", types(lambdaOnly))
	}

	back := deploy(t, s, "v1-mixed.yml", "")
	wantStatus(t, back, "SUCCEEDED")
	if !hasFargateSide(back) {
		t.Fatalf("switching web back to Fargate did not recreate the ALB side: %v", types(back))
	}

	removed, err := s.Remove(context.Background(), "shop", "dev")
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, removed, "SUCCEEDED")
	if len(removed.Inventory) != 0 {
		t.Fatalf("after remove, berth-owned resources remain: %+v", removed.Inventory)
	}
	// The body signer is the account's, not the app's: never among what the app owns,
	// never deleted (or waited on) by its removal.
	for _, it := range first.Inventory {
		if it.Name == plan.SharedBodySignerName || it.Name == plan.SharedBodySignerRoleName ||
			(it.Type == "AWS::Lambda::Function" && strings.Contains(it.Arn, ":us-east-1:")) {
			t.Errorf("the app's inventory lists a Lambda@Edge piece: %s %s", it.Type, it.Name)
		}
	}
	for _, st := range removed.Steps {
		if strings.Contains(st.Name, plan.IDBodySigner) {
			t.Errorf("removal ran %q", st.Name)
		}
	}
	// The route table is emptied before any origin it routes to is deleted.
	order := map[string]int{}
	for i, st := range removed.Steps {
		order[st.Name] = i + 1
	}
	table := order["delete "+plan.IDRouteTable]
	for _, origin := range []string{"api/Url", "api/Permission", "web/ListenerRule", "web/Service", plan.IDDistribution, plan.IDKeyValueStore} {
		if at := order["delete "+origin]; table == 0 || at == 0 || at < table {
			t.Errorf("removal deleted %s at step %d and the route table at step %d, want the table first", origin, at, table)
		}
	}
}

func TestABadConfigFailsValidationWithItsKeyPathAndChangesNothing(t *testing.T) {
	s := newSession(t)
	r := deploy(t, s, "bad-memory.yml", "")
	wantStatus(t, r, "FAILED")
	if !strings.Contains(r.Error, "containers.api.compute.awsLambda.memory") || !strings.Contains(r.Error, ":12:") {
		t.Fatalf("error does not name the key path and line: %s", r.Error)
	}
	if r.Calls.Mutating != 0 || len(r.Inventory) != 0 {
		t.Fatalf("a bad config changed the account: %d mutating calls, inventory %v", r.Calls.Mutating, r.Inventory)
	}
}

// tasks are the deploy state machine's Lambda tasks (by function).
var tasks = []string{"validate", "lock", "plan", "compute", "alb", "cdn", "verify", "commit"}

func TestAFaultAtEveryTaskRollsBackAFirstDeployToNothing(t *testing.T) {
	s := newSession(t)
	for _, task := range tasks {
		r := deploy(t, s, "v1-mixed.yml", task)
		wantStatus(t, r, "ROLLED_BACK")
		if len(r.Inventory) != 0 {
			t.Fatalf("fault at %s: after rollback of a first deploy, resources remain: %v", task, names(r.Inventory))
		}
	}
}

func TestAFaultAtEveryTaskRollsBackAnInPlaceUpdateExactly(t *testing.T) {
	s := newSession(t)
	base := deploy(t, s, "v1-mixed.yml", "")
	wantStatus(t, base, "SUCCEEDED")
	for _, task := range tasks {
		r := deploy(t, s, "v1-tuned.yml", task)
		wantStatus(t, r, "ROLLED_BACK")
		assertSameInventory(t, task, base.Inventory, r.Inventory, nil)
		if !equalRoutes(base.Routes, r.Routes) {
			t.Fatalf("fault at %s: routes after rollback %v, before %v", task, r.Routes, base.Routes)
		}
	}
}

// Every task retries a Lambda timeout (Sandbox.Timedout) and every handler is
// re-entrant: each function's first invocation runs to the end and then times out, and
// the deployment still succeeds, with what a clean deploy creates.
func TestAFunctionThatTimesOutAfterDoingItsWorkIsRetriedAndTheDeploySucceeds(t *testing.T) {
	s := newSession(t)
	for _, task := range tasks {
		s.Env.Router.TimeOutNext(FunctionName(task))
	}
	r := deploy(t, s, "v1-mixed.yml", "")
	wantStatus(t, r, "SUCCEEDED")
	if !hasFargateSide(r) || len(r.Routes) != 2 {
		t.Fatalf("after retried timeouts: inventory %v, routes %v", types(r), r.Routes)
	}
	again := deploy(t, s, "v1-mixed.yml", "")
	wantStatus(t, again, "SUCCEEDED")
	if again.Calls.Mutating != 0 {
		t.Fatalf("the deploy with retried timeouts left work undone: a redeploy made %d mutating calls: %+v", again.Calls.Mutating, again.Calls.Ops)
	}
}

// identityAttributes are values AWS assigns when a resource is created and never
// reissues: a rollback that must recreate a resource the failed deployment had already
// deleted restores its name and configuration, but these are new.
var identityAttributes = map[string]bool{"taskDefinition": true, "revision": true, "dnsName": true, "id": true,
	"domainName": true, "url": true, "groupId": true, "targetGroups": true}

// switchTasks are the tasks whose failure during a Fargate-to-Lambda switch leaves
// something deleted or half-moved to restore (the other tasks fail before any change, as
// the in-place test already proves for every task).
var switchTasks = []string{"compute", "alb", "cdn", "verify"}

func TestAFaultDuringAComputeSwitchRestoresEveryResource(t *testing.T) {
	s := newSession(t)
	base := deploy(t, s, "v1-mixed.yml", "")
	wantStatus(t, base, "SUCCEEDED")
	for _, task := range switchTasks {
		r := deploy(t, s, "v2-all-lambda.yml", task)
		wantStatus(t, r, "ROLLED_BACK")
		assertSameInventory(t, task, base.Inventory, r.Inventory, identityAttributes)
		if len(r.Routes) != len(base.Routes) {
			t.Fatalf("fault at %s: routes after rollback %v, before %v", task, r.Routes, base.Routes)
		}
	}
}

func TestUploadsDuringADeploymentNeverOverlapAndTheLastConfigWins(t *testing.T) {
	s := newSession(t)
	ctx := context.Background()
	var last string
	for _, f := range []string{"v1-mixed.yml", "v2-all-lambda.yml", "v3-bigger-api.yml"} {
		body, _ := os.ReadFile("testdata/" + f)
		v, err := s.Env.Upload(ctx, "shop", "dev", body)
		if err != nil {
			t.Fatal(err)
		}
		last = v
	}
	if _, err := s.Env.Trigger(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Env.WaitIdle(ctx, 10*time.Minute); err != nil {
		t.Fatal(err)
	}
	applied, err := s.store.LoadApplied(ctx, "shop", "dev")
	if err != nil || applied == nil {
		t.Fatalf("nothing applied: %v", err)
	}
	if applied.ConfigVersion != last {
		t.Fatalf("applied config version %s, want the last upload %s", applied.ConfigVersion, last)
	}
	headers, err := s.store.ListDeployments(ctx, "shop", "dev", 50)
	if err != nil {
		t.Fatal(err)
	}
	// A deployment holds the app/stage from its "lock" step to its end.
	type span struct {
		id         string
		start, end time.Time
	}
	var ran []span
	for _, h := range headers {
		d, err := s.store.GetDeployment(ctx, "shop", "dev", h.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range d.Steps {
			if st.Name == "lock" {
				ran = append(ran, span{d.ID, st.Started, d.Ended})
			}
		}
	}
	if len(ran) < 2 {
		t.Fatalf("want at least two deployments that ran, got %d", len(ran))
	}
	sort.Slice(ran, func(i, j int) bool { return ran[i].start.Before(ran[j].start) })
	for i := 1; i < len(ran); i++ {
		if ran[i].start.Before(ran[i-1].end) {
			t.Fatalf("deployments %s and %s overlapped", ran[i-1].id, ran[i].id)
		}
	}
}

func names(items []workflow.InventoryItem) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.Type+" "+it.Name)
	}
	return out
}

// assertSameInventory compares two inventories resource by resource, attributes included
// except those named in skip.
func assertSameInventory(t *testing.T, task string, want, got []workflow.InventoryItem, skip map[string]bool) {
	t.Helper()
	key := func(it workflow.InventoryItem) string {
		name := it.Name
		if i := strings.LastIndex(name, ":"); skip["revision"] && i > 0 && it.Type == "AWS::ECS::TaskDefinition" {
			name = name[:i] // family:revision
		}
		return it.Type + " " + name
	}
	w := map[string]workflow.InventoryItem{}
	for _, it := range want {
		w[key(it)] = it
	}
	for _, it := range got {
		prev, ok := w[key(it)]
		if !ok {
			t.Fatalf("fault at %s: after rollback, %s exists but did not before", task, key(it))
		}
		for k, v := range prev.Attributes {
			if !skip[k] && it.Attributes[k] != v {
				t.Fatalf("fault at %s: after rollback, %s %s = %q, before %q", task, key(it), k, it.Attributes[k], v)
			}
		}
		delete(w, key(it))
	}
	for k := range w {
		t.Fatalf("fault at %s: after rollback, %s is missing", task, k)
	}
}

func equalRoutes(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
