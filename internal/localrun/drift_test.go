package localrun

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfrontkeyvaluestore"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/berth-dev/berth/internal/drift"
	"github.com/berth-dev/berth/internal/fakes/cloudfrontedge"
	"github.com/berth-dev/berth/internal/motoserver"
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
	"github.com/berth-dev/berth/internal/state"
)

// The test: drift made out of band with the raw SDK is reported field by field,
// repaired by a deployment through the real state machine, and gone on the next check.
func TestDriftMadeOutOfBandIsReportedFieldByFieldRepairedAndThenGone(t *testing.T) {
	s := newSession(t)
	ctx := context.Background()
	wantStatus(t, deploy(t, s, "v1-mixed.yml", ""), "SUCCEEDED")
	events := captureDriftEvents(t, s)
	applied := loadApplied(t, s)
	before := executionCount(t, s)

	tamper := outOfBand{s: s, applied: applied}
	tamper.setMemory(t, 1024)
	tamper.removeStatement(t, "berth-cloudfront-invoke")
	routeKey := tamper.deleteRoute(t, "/api/*")
	tamper.setRuleHeaderValue(t, "tampered")

	first, err := s.Drift(ctx, "shop", "dev")
	if err != nil {
		t.Fatal(err)
	}
	if first.Report == nil {
		t.Fatalf("no drift report recorded: %+v", first.Check)
	}
	want := map[string][]string{
		"api/Function":     {"memoryMb"},
		"api/Permission":   {"statements"},
		plan.IDRouteTable:  {routeKey},
		"web/ListenerRule": {"headerValue"},
	}
	if got := fieldsByResource(first.Report); !equalFields(got, want) {
		t.Fatalf("drift report lists %v, want exactly %v\nreport: %s", got, want, show(first.Report))
	}
	t.Logf("drift report: %s", show(first.Report))
	byID := map[string]state.ResourceDrift{}
	for _, d := range first.Report.Resources {
		byID[d.ID] = d
	}
	wantDiff(t, byID["api/Function"].Diff[0], "512", "1024")
	if a := byID["api/Permission"].Diff[0].Actual; !strings.Contains(a, "berth-cloudfront-invoke missing") {
		t.Fatalf("api/Permission statements diff does not name the removed statement: %q", a)
	}
	if d := byID[plan.IDRouteTable]; d.Kind != plan.KindRouteTable || d.Diff[0].Actual != provision.Absent || d.Diff[0].Desired != applied.RouteEntries()[routeKey] {
		t.Fatalf("routes drift = %+v, want key %s absent (desired %s)", d, routeKey, applied.RouteEntries()[routeKey])
	}
	wantDiff(t, byID["web/ListenerRule"].Diff[0], "web", "tampered")
	if first.Check.Calls.Mutating != 0 {
		t.Fatalf("the drift check made %d mutating AWS calls: %+v", first.Check.Calls.Mutating, first.Check.Calls.Ops)
	}

	// The repair: one deployment, source drift, touching exactly the drifted resources.
	if !first.Check.Repaired || !first.Report.Repaired || first.Report.DeploymentID == "" || first.Repair == nil {
		t.Fatalf("drift was not repaired: check %+v, report repaired=%v", first.Check, first.Report.Repaired)
	}
	wantStatus(t, first.Repair, "SUCCEEDED")
	if first.Repair.DeploymentID != first.Report.DeploymentID {
		t.Fatalf("the repair report is deployment %s, the drift report names %s", first.Repair.DeploymentID, first.Report.DeploymentID)
	}
	dep, err := s.store.GetDeployment(ctx, "shop", "dev", first.Report.DeploymentID)
	if err != nil || dep == nil {
		t.Fatalf("repair deployment %s not recorded: %v", first.Report.DeploymentID, err)
	}
	if dep.Source != state.Source("drift") {
		t.Fatalf("repair deployment source %q, want drift", dep.Source)
	}
	if got, want := changedSteps(first.Repair), []string{"update RouteTable", "update api/Function", "update api/Permission", "update web/ListenerRule"}; !slices.Equal(got, want) {
		t.Fatalf("the repair applied %v, want exactly %v", got, want)
	}
	if tamper.memory(t) != 512 {
		t.Fatalf("after the repair the api function has %d MB, want 512", tamper.memory(t))
	}
	if first.Repair.Routes[routeKey] != applied.RouteEntries()[routeKey] {
		t.Fatalf("after the repair route %s = %q, want %q", routeKey, first.Repair.Routes[routeKey], applied.RouteEntries()[routeKey])
	}
	if ev := events.next(t); ev.DetailType != drift.DetailTypeDetected || !ev.Detail.Repaired ||
		!slices.Equal(ev.Detail.Resources, []string{plan.IDRouteTable, "api/Function", "api/Permission", "web/ListenerRule"}) ||
		ev.Detail.DeploymentID != first.Report.DeploymentID {
		t.Fatalf("first drift event = %+v", ev)
	}

	// A second check finds nothing and starts nothing.
	afterRepair := executionCount(t, s)
	if afterRepair != before+1 {
		t.Fatalf("the drift check led to %d executions, want the one repair", afterRepair-before)
	}
	second, err := s.Drift(ctx, "shop", "dev")
	if err != nil {
		t.Fatal(err)
	}
	if second.Report == nil || len(second.Report.Resources) != 0 || second.Report.Repaired || second.Check.Repaired || second.Repair != nil {
		t.Fatalf("second drift check after the repair: report %s, check %+v", show(second.Report), second.Check)
	}
	if n := executionCount(t, s); n != afterRepair {
		t.Fatalf("a clean drift check started %d executions", n-afterRepair)
	}
	if ev := events.next(t); ev.DetailType != drift.DetailTypeClean || ev.Detail.Repaired || len(ev.Detail.Resources) != 0 {
		t.Fatalf("second drift event = %+v", ev)
	}
	t.Logf("drift check %d ms (%d read calls), repair %d ms (%d mutating calls), clean check %d ms",
		first.DurationMs-first.Repair.DurationMs, first.Check.Calls.Read, first.Repair.DurationMs, first.Repair.Calls.Mutating, second.DurationMs)
}

func TestAnAppThatOptedOutOfRepairGetsItsDriftReportedButNotRepaired(t *testing.T) {
	s := newSession(t)
	ctx := context.Background()
	wantStatus(t, deploy(t, s, "drift-no-repair.yml", ""), "SUCCEEDED")
	events := captureDriftEvents(t, s)
	tamper := outOfBand{s: s, applied: loadApplied(t, s)}
	tamper.setMemory(t, 1024)
	before := executionCount(t, s)

	r, err := s.Drift(ctx, "shop", "dev")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := fieldsByResource(r.Report), map[string][]string{"api/Function": {"memoryMb"}}; !equalFields(got, want) {
		t.Fatalf("drift report lists %v, want %v", got, want)
	}
	if r.Report.Repaired || r.Check.Repaired || r.Repair != nil || r.Check.NotRepaired != "deployment.drift.repair is false" {
		t.Fatalf("an opted-out app was repaired (or not for the right reason): check %+v", r.Check)
	}
	if n := executionCount(t, s); n != before {
		t.Fatalf("the drift check of an opted-out app started %d executions", n-before)
	}
	if tamper.memory(t) != 1024 {
		t.Fatalf("the api function's memory is %d MB: the out-of-band change was reverted", tamper.memory(t))
	}
	if ev := events.next(t); ev.DetailType != drift.DetailTypeDetected || ev.Detail.Repaired || ev.Detail.NotRepaired == "" {
		t.Fatalf("drift event = %+v", ev)
	}
}

// outOfBand changes the deployed app with the raw SDK, as a person in the console would.
type outOfBand struct {
	s       *Session
	applied *state.Applied
}

func (o outOfBand) resource(t *testing.T, id string) plan.Resource {
	t.Helper()
	for _, r := range o.applied.Desired.Resources {
		if r.ID == id {
			return r
		}
	}
	t.Fatalf("no %s in the applied state", id)
	return plan.Resource{}
}

func (o outOfBand) lambda() *awslambda.Client { return awslambda.NewFromConfig(o.s.Env.AWS) }

func (o outOfBand) setMemory(t *testing.T, mb int32) {
	t.Helper()
	if _, err := o.lambda().UpdateFunctionConfiguration(context.Background(), &awslambda.UpdateFunctionConfigurationInput{
		FunctionName: aws.String(o.resource(t, "api/Function").Name), MemorySize: aws.Int32(mb)}); err != nil {
		t.Fatal(err)
	}
}

func (o outOfBand) memory(t *testing.T) int {
	t.Helper()
	out, err := o.lambda().GetFunctionConfiguration(context.Background(), &awslambda.GetFunctionConfigurationInput{
		FunctionName: aws.String(o.resource(t, "api/Function").Name)})
	if err != nil {
		t.Fatal(err)
	}
	return int(aws.ToInt32(out.MemorySize))
}

func (o outOfBand) removeStatement(t *testing.T, sid string) {
	t.Helper()
	if _, err := o.lambda().RemovePermission(context.Background(), &awslambda.RemovePermissionInput{
		FunctionName: aws.String(o.resource(t, "api/Function").Name), StatementId: aws.String(sid)}); err != nil {
		t.Fatal(err)
	}
}

// deleteRoute deletes the KVS key through the data plane and returns it.
func (o outOfBand) deleteRoute(t *testing.T, key string) string {
	t.Helper()
	ctx := context.Background()
	if _, ok := o.applied.RouteEntries()[key]; !ok {
		t.Fatalf("no route %s among %v", key, o.applied.RouteEntries())
	}
	cfg := o.s.Env.AWS.Copy()
	cfg.Region = plan.EdgeRegion
	client := cloudfrontkeyvaluestore.NewFromConfig(cfg, func(opt *cloudfrontkeyvaluestore.Options) {
		opt.HTTPClient = cloudfrontedge.HTTPClient(strings.TrimPrefix(o.s.Env.Endpoint, "http://"))
	})
	arn := aws.String(o.applied.Outputs[plan.IDKeyValueStore][plan.AttrArn])
	d, err := client.DescribeKeyValueStore(ctx, &cloudfrontkeyvaluestore.DescribeKeyValueStoreInput{KvsARN: arn})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.DeleteKey(ctx, &cloudfrontkeyvaluestore.DeleteKeyInput{KvsARN: arn, Key: aws.String(key), IfMatch: d.ETag}); err != nil {
		t.Fatal(err)
	}
	return key
}

// setRuleHeaderValue changes the value web's listener rule matches.
func (o outOfBand) setRuleHeaderValue(t *testing.T, value string) {
	t.Helper()
	ctx := context.Background()
	client := elb.NewFromConfig(o.s.Env.AWS)
	arn := o.applied.Outputs["web/ListenerRule"][plan.AttrArn]
	out, err := client.DescribeRules(ctx, &elb.DescribeRulesInput{RuleArns: []string{arn}})
	if err != nil || len(out.Rules) != 1 {
		t.Fatalf("describe web's listener rule %s: %v", arn, err)
	}
	var name string
	for _, c := range out.Rules[0].Conditions {
		if c.HttpHeaderConfig != nil {
			name = aws.ToString(c.HttpHeaderConfig.HttpHeaderName)
		}
	}
	if _, err := client.ModifyRule(ctx, &elb.ModifyRuleInput{RuleArn: aws.String(arn), Conditions: []elbtypes.RuleCondition{{
		Field: aws.String("http-header"), HttpHeaderConfig: &elbtypes.HttpHeaderConditionConfig{HttpHeaderName: aws.String(name), Values: []string{value}},
	}}}); err != nil {
		t.Fatal(err)
	}
}

func loadApplied(t *testing.T, s *Session) *state.Applied {
	t.Helper()
	a, err := s.store.LoadApplied(context.Background(), "shop", "dev")
	if err != nil || a == nil {
		t.Fatalf("nothing applied: %v", err)
	}
	return a
}

func executionCount(t *testing.T, s *Session) int {
	t.Helper()
	all, _, err := s.Env.executions(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return len(all)
}

func fieldsByResource(r *state.DriftReport) map[string][]string {
	m := map[string][]string{}
	if r == nil {
		return m
	}
	for _, d := range r.Resources {
		fields := []string{}
		for _, f := range d.Diff {
			fields = append(fields, f.Field)
		}
		if d.Missing {
			fields = append(fields, "(missing)")
		}
		m[d.ID] = fields
	}
	return m
}

func equalFields(a, b map[string][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !slices.Equal(v, b[k]) {
			return false
		}
	}
	return true
}

func wantDiff(t *testing.T, d provision.FieldDiff, desired, actual string) {
	t.Helper()
	if d.Desired != desired || d.Actual != actual {
		t.Fatalf("%s: desired %q actual %q, want desired %q actual %q", d.Field, d.Desired, d.Actual, desired, actual)
	}
}

// changedSteps are a deployment's recorded create/update/delete steps, sorted.
func changedSteps(r *Report) []string {
	var out []string
	for _, st := range r.Steps {
		if strings.HasPrefix(st.Name, "create ") || strings.HasPrefix(st.Name, "update ") || strings.HasPrefix(st.Name, "delete ") {
			out = append(out, st.Name)
		}
	}
	slices.Sort(out)
	return out
}

func show(v any) string {
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}

// driftEvents receives the drift function's events through an EventBridge rule on the
// default bus targeting a queue, as a subscriber would.
type driftEvents struct {
	q   *sqs.Client
	url string
}

type receivedEvent struct {
	DetailType string            `json:"detail-type"`
	Source     string            `json:"source"`
	Detail     drift.EventDetail `json:"detail"`
}

func captureDriftEvents(t *testing.T, s *Session) *driftEvents {
	t.Helper()
	ctx := context.Background()
	q := sqs.NewFromConfig(s.Env.AWS)
	out, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("drift-events")})
	if err != nil {
		t.Fatal(err)
	}
	eb := eventbridge.NewFromConfig(s.Env.AWS)
	pattern := fmt.Sprintf(`{"source":[%q]}`, drift.EventSource)
	if _, err := eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("drift-events"), EventPattern: aws.String(pattern)}); err != nil {
		t.Fatal(err)
	}
	arn := fmt.Sprintf("arn:aws:sqs:%s:%s:drift-events", s.Env.Region, motoserver.Account)
	if _, err := eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("drift-events"),
		Targets: []ebtypes.Target{{Id: aws.String("queue"), Arn: aws.String(arn)}}}); err != nil {
		t.Fatal(err)
	}
	return &driftEvents{q: q, url: aws.ToString(out.QueueUrl)}
}

func (d *driftEvents) next(t *testing.T) receivedEvent {
	t.Helper()
	ctx := context.Background()
	out, err := d.q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(d.url), MaxNumberOfMessages: 1, WaitTimeSeconds: 5})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Messages) == 0 {
		t.Fatal("no drift event was published")
	}
	m := out.Messages[0]
	if _, err := d.q.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(d.url), ReceiptHandle: m.ReceiptHandle}); err != nil {
		t.Fatal(err)
	}
	var ev receivedEvent
	if err := json.Unmarshal([]byte(aws.ToString(m.Body)), &ev); err != nil {
		t.Fatalf("unreadable drift event %s: %v", aws.ToString(m.Body), err)
	}
	if ev.Source != drift.EventSource {
		t.Fatalf("drift event source %q", ev.Source)
	}
	return ev
}
