package autoscaling

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	aas "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	"github.com/aws/aws-sdk-go-v2/service/applicationautoscaling/types"
	cw "github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/berth-dev/berth/internal/awscalls"
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
	"github.com/berth-dev/berth/internal/provision/provtest"
)

func stepPolicy(adjust int, threshold float64) plan.ScalingPolicyProps {
	lower, upper := 0.0, 20.0
	return plan.ScalingPolicyProps{
		Target: plan.Ref{ID: "api/ScalableTarget", Attr: plan.AttrID}, PolicyType: "StepScaling",
		AdjustmentType: "ChangeInCapacity", Cooldown: 60, MetricAggregationType: "Average",
		StepAdjustments: []plan.StepProps{{LowerBound: &lower, UpperBound: &upper, ScalingAdjustment: 1}, {LowerBound: &upper, ScalingAdjustment: adjust}},
		MetricName:      "CPUUtilization", Namespace: "AWS/ECS", Threshold: threshold, ComparisonOperator: "GreaterThanThreshold",
		Dimensions: []plan.NameValue{{Name: "ClusterName", Value: "c"}, {Name: "ServiceName", Value: "s"}},
	}
}

// alarm returns the live metric alarm with this name, or nil.
func (f *fixture) alarm(name string) *cwtypes.MetricAlarm {
	f.t.Helper()
	out, err := f.cw.DescribeAlarms(context.Background(), &cw.DescribeAlarmsInput{AlarmNames: []string{name}})
	must(f.t, err)
	for i, a := range out.MetricAlarms {
		if aws.ToString(a.AlarmName) == name {
			return &out.MetricAlarms[i]
		}
	}
	return nil
}

// putAlarmOutOfBand replaces the policy's alarm with berth's own input changed by edit,
// as someone with the raw SDK would.
func (f *fixture) putAlarmOutOfBand(ctx context.Context, r plan.Resource, edit func(*cw.PutMetricAlarmInput)) error {
	obs, err := NewScalingPolicy(f.aas, f.cw).Observe(ctx, f.env, r)
	if err != nil {
		return err
	}
	w, err := policyOn(f.env, r)
	if err != nil {
		return err
	}
	in := w.alarm(r).input(f.env, r, obs.Outputs[plan.AttrArn])
	in.Tags = nil // ignored by an update anyway
	edit(in)
	_, err = f.cw.PutMetricAlarm(ctx, in)
	return err
}

func TestAStepScalingPolicyLifecycleIncludesItsAlarm(t *testing.T) {
	f := newFixture(t, "eu-west-1", "step-life")
	f.scalingRefs("step-life")
	name := "berth-shop-prod-api-scale-2-aaaaaa"
	initial := f.resource(plan.KindScalingPolicy, "api/ScalingPolicy-2", name, stepPolicy(2, 80))
	updated := f.resource(plan.KindScalingPolicy, "api/ScalingPolicy-2", name, stepPolicy(3, 75))
	provtest.Lifecycle(t, provtest.Case{
		Provisioner: NewScalingPolicy(f.aas, f.cw), Env: f.env, Calls: f.calls,
		Initial: initial, Updated: updated, UpdatedFields: []string{"stepAdjustments", "alarm.threshold"},
		OutOfBand: func(ctx context.Context) error {
			return f.putAlarmOutOfBand(ctx, updated, func(in *cw.PutMetricAlarmInput) { in.Threshold = aws.Float64(95) })
		},
		DriftField: "alarm.threshold",
	})
	if a := f.alarm(name + "-alarm"); a != nil {
		t.Fatalf("after delete, alarm %s is still there", aws.ToString(a.AlarmArn))
	}
}

func TestAStepPolicyGetsAnAlarmThatActsOnItAndIsTaggedAsBerths(t *testing.T) {
	f := newFixture(t, "eu-west-1", "step-alarm")
	f.scalingRefs("step-alarm")
	props := stepPolicy(2, 80)
	props.MetricAggregationType = "" // the alarm then uses Average
	r := f.resource(plan.KindScalingPolicy, "api/ScalingPolicy-1", "berth-shop-prod-api-scale-1-bbbbbb", props)
	out, err := NewScalingPolicy(f.aas, f.cw).Create(context.Background(), f.env, r)
	must(t, err)
	a := f.alarm(r.Name + "-alarm")
	if a == nil {
		t.Fatal("no alarm after creating a step policy")
	}
	if got := a.AlarmActions; len(got) != 1 || got[0] != out[plan.AttrArn] || out[plan.AttrArn] == "" {
		t.Fatalf("alarm actions %v, want exactly the policy ARN %q", got, out[plan.AttrArn])
	}
	got := fmt.Sprint(aws.ToString(a.MetricName), " ", aws.ToString(a.Namespace), " ", renderDimensions(a.Dimensions), " ", a.Statistic, " ",
		a.ComparisonOperator, " ", aws.ToFloat64(a.Threshold), " ", aws.ToInt32(a.Period), " ", aws.ToInt32(a.EvaluationPeriods))
	if want := "CPUUtilization AWS/ECS ClusterName=c,ServiceName=s Average GreaterThanThreshold 80 60 1"; got != want {
		t.Fatalf("alarm is %q, want %q", got, want)
	}
	tags, err := f.cw.ListTagsForResource(context.Background(), &cw.ListTagsForResourceInput{ResourceARN: a.AlarmArn})
	must(t, err)
	m := map[string]string{}
	for _, t := range tags.Tags {
		m[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	if !provision.Owned(f.env, r, m) {
		t.Fatalf("alarm tags %v do not mark it as berth's", m)
	}
}

// since returns the calls made after before, as "Service:Operation" → count.
func since(before, after awscalls.Summary) map[string]int {
	got := map[string]int{}
	for _, op := range after.Ops {
		got[op.Service+":"+op.Operation] += op.Count
	}
	for _, op := range before.Ops {
		got[op.Service+":"+op.Operation] -= op.Count
		if got[op.Service+":"+op.Operation] == 0 {
			delete(got, op.Service+":"+op.Operation)
		}
	}
	return got
}

func TestCreatingAStepPolicyPutsThePolicyAndTheAlarmOnceAndAgainNothing(t *testing.T) {
	f := newFixture(t, "eu-west-1", "step-calls")
	f.scalingRefs("step-calls")
	r := f.resource(plan.KindScalingPolicy, "api/ScalingPolicy-1", "berth-shop-prod-api-scale-1-cccccc", stepPolicy(2, 80))
	p := NewScalingPolicy(f.aas, f.cw)
	steps := []struct {
		name string
		want string
	}{
		{"the first create reads the policy and alarm, then puts both",
			"map[Application Auto Scaling:DescribeScalingPolicies:1 Application Auto Scaling:PutScalingPolicy:1 CloudWatch:DescribeAlarms:1 CloudWatch:PutMetricAlarm:1]"},
		{"a repeated create reads the policy, the alarm and its tags and changes nothing",
			"map[Application Auto Scaling:DescribeScalingPolicies:1 CloudWatch:DescribeAlarms:1 CloudWatch:ListTagsForResource:1]"},
	}
	for _, s := range steps {
		before := f.calls.Summary()
		_, err := p.Create(context.Background(), f.env, r)
		must(t, err)
		if got := fmt.Sprint(since(before, f.calls.Summary())); got != s.want {
			t.Fatalf("%s: calls %s, want %s", s.name, got, s.want)
		}
	}
}

func TestObserveReportsAlarmDriftAndCreateRepairsIt(t *testing.T) {
	f := newFixture(t, "eu-west-1", "step-drift")
	f.scalingRefs("step-drift")
	cases := []struct {
		name  string
		drift func(ctx context.Context, f *fixture, r plan.Resource) error
		field string
	}{
		{"a deleted alarm is reported as the alarm missing", func(ctx context.Context, f *fixture, r plan.Resource) error {
			_, err := f.cw.DeleteAlarms(ctx, &cw.DeleteAlarmsInput{AlarmNames: []string{r.Name + "-alarm"}})
			return err
		}, "alarm"},
		{"a changed threshold is reported as alarm.threshold", edit(func(in *cw.PutMetricAlarmInput) { in.Threshold = aws.Float64(10) }), "alarm.threshold"},
		{"a changed comparison is reported as alarm.comparisonOperator", edit(func(in *cw.PutMetricAlarmInput) {
			in.ComparisonOperator = cwtypes.ComparisonOperatorLessThanThreshold
		}), "alarm.comparisonOperator"},
		{"a changed metric is reported as alarm.metricName", edit(func(in *cw.PutMetricAlarmInput) { in.MetricName = aws.String("MemoryUtilization") }), "alarm.metricName"},
		{"changed dimensions are reported as alarm.dimensions", edit(func(in *cw.PutMetricAlarmInput) { in.Dimensions = in.Dimensions[:1] }), "alarm.dimensions"},
		{"a changed statistic is reported as alarm.statistic", edit(func(in *cw.PutMetricAlarmInput) { in.Statistic = cwtypes.StatisticMaximum }), "alarm.statistic"},
		{"a longer period is reported as alarm.period", edit(func(in *cw.PutMetricAlarmInput) { in.Period = aws.Int32(300) }), "alarm.period"},
		{"an alarm acting on something else is reported as alarm.alarmActions", edit(func(in *cw.PutMetricAlarmInput) {
			in.AlarmActions = []string{"arn:aws:sns:eu-west-1:123456789012:elsewhere"}
		}), "alarm.alarmActions"},
		{"disabled alarm actions are reported as alarm.actionsEnabled", edit(func(in *cw.PutMetricAlarmInput) { in.ActionsEnabled = aws.Bool(false) }), "alarm.actionsEnabled"},
	}
	ctx := context.Background()
	p := NewScalingPolicy(f.aas, f.cw)
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := f.resource(plan.KindScalingPolicy, "api/ScalingPolicy-1", fmt.Sprintf("berth-shop-prod-api-scale-%d-dddddd", i), stepPolicy(2, 80))
			_, err := p.Create(ctx, f.env, r)
			must(t, err)
			must(t, c.drift(ctx, f, r))
			obs, err := p.Observe(ctx, f.env, r)
			must(t, err)
			provtest.AssertFields(t, "after the out-of-band change", obs.Diff, []string{c.field})
			_, err = p.Update(ctx, f.env, r)
			must(t, err)
			obs, err = p.Observe(ctx, f.env, r)
			must(t, err)
			if !obs.UpToDate() {
				t.Fatalf("after the repair, observe reports %+v", obs.Diff)
			}
			must(t, p.Delete(ctx, f.env, r))
		})
	}
}

func edit(change func(*cw.PutMetricAlarmInput)) func(ctx context.Context, f *fixture, r plan.Resource) error {
	return func(ctx context.Context, f *fixture, r plan.Resource) error {
		return f.putAlarmOutOfBand(ctx, r, change)
	}
}

func TestDeletingAStepPolicyRemovesItsAlarmEvenWhenThePolicyIsGone(t *testing.T) {
	f := newFixture(t, "eu-west-1", "step-gone")
	f.scalingRefs("step-gone")
	ctx := context.Background()
	r := f.resource(plan.KindScalingPolicy, "api/ScalingPolicy-1", "berth-shop-prod-api-scale-1-eeeeee", stepPolicy(2, 80))
	p := NewScalingPolicy(f.aas, f.cw)
	_, err := p.Create(ctx, f.env, r)
	must(t, err)
	// As when the scalable target was deregistered first: AWS drops the policy, not the alarm.
	_, err = f.aas.DeleteScalingPolicy(ctx, &aas.DeleteScalingPolicyInput{PolicyName: aws.String(r.Name), ServiceNamespace: namespace,
		ScalableDimension: dimension, ResourceId: aws.String(f.refs["api/ScalableTarget"][plan.AttrID])})
	must(t, err)
	must(t, p.Delete(ctx, f.env, r))
	if f.alarm(r.Name+"-alarm") != nil {
		t.Fatal("the alarm outlived the delete")
	}
}

func TestSwitchingAStepPolicyToTargetTrackingDropsItsAlarm(t *testing.T) {
	f := newFixture(t, "eu-west-1", "step-switch")
	f.scalingRefs("step-switch")
	ctx := context.Background()
	name := "berth-shop-prod-api-scale-1-ffffff"
	p := NewScalingPolicy(f.aas, f.cw)
	_, err := p.Create(ctx, f.env, f.resource(plan.KindScalingPolicy, "api/ScalingPolicy-1", name, stepPolicy(2, 80)))
	must(t, err)
	tracking := f.resource(plan.KindScalingPolicy, "api/ScalingPolicy-1", name, cpuPolicy(60))
	_, err = p.Update(ctx, f.env, tracking)
	must(t, err)
	if f.alarm(name+"-alarm") != nil {
		t.Fatal("the step policy's alarm survived the switch to target tracking")
	}
	obs, err := p.Observe(ctx, f.env, tracking)
	must(t, err)
	if !obs.UpToDate() {
		t.Fatalf("after the switch, observe reports %+v", obs.Diff)
	}
}

func TestAnAlarmBerthDoesNotOwnIsNeverTouched(t *testing.T) {
	f := newFixture(t, "eu-west-1", "step-foreign")
	f.scalingRefs("step-foreign")
	r := f.resource(plan.KindScalingPolicy, "api/ScalingPolicy-1", "berth-shop-prod-api-scale-1-gggggg", stepPolicy(2, 80))
	var foreignARN string
	provtest.NotOwned(t, NewScalingPolicy(f.aas, f.cw), f.env, r, func(ctx context.Context) error {
		w := policyWant{props: stepPolicy(2, 80)}
		out, err := f.aas.PutScalingPolicy(ctx, &aas.PutScalingPolicyInput{PolicyName: aws.String(r.Name), ServiceNamespace: namespace,
			ScalableDimension: dimension, ResourceId: aws.String(f.refs["api/ScalableTarget"][plan.AttrID]),
			PolicyType: types.PolicyTypeStepScaling, StepScalingPolicyConfiguration: w.stepScaling()})
		if err != nil {
			return err
		}
		foreignARN = aws.ToString(out.PolicyARN)
		_, err = f.cw.PutMetricAlarm(ctx, &cw.PutMetricAlarmInput{AlarmName: aws.String(r.Name + "-alarm"), MetricName: aws.String("CPUUtilization"),
			Namespace: aws.String("AWS/ECS"), Statistic: cwtypes.StatisticAverage, Threshold: aws.Float64(50), Period: aws.Int32(60),
			EvaluationPeriods: aws.Int32(3), ComparisonOperator: cwtypes.ComparisonOperatorGreaterThanThreshold, AlarmActions: []string{foreignARN}})
		return err
	})
	a := f.alarm(r.Name + "-alarm")
	if a == nil || aws.ToFloat64(a.Threshold) != 50 || aws.ToInt32(a.EvaluationPeriods) != 3 {
		t.Fatalf("the foreign alarm was changed: %+v", a)
	}
	obs, err := NewScalingPolicy(f.aas, f.cw).Observe(context.Background(), f.env, r)
	must(t, err)
	provtest.AssertFields(t, "with a foreign alarm", obs.Diff, []string{"alarm.ownership"})
	if obs.Outputs[plan.AttrArn] != foreignARN {
		t.Fatalf("the policy was replaced: ARN %q, want %q", obs.Outputs[plan.AttrArn], foreignARN)
	}
}

func TestAlarmNamesStayWithinCloudWatchsLimit(t *testing.T) {
	long := strings.Repeat("p", 300)
	cases := []struct {
		name, policy string
		want         func(t *testing.T, got string)
	}{
		{"a short policy name gets -alarm appended", "berth-shop-prod-api-scale-1-aaaaaa", exactly("berth-shop-prod-api-scale-1-aaaaaa-alarm")},
		{"a 249-byte policy name fills the 255 characters exactly", strings.Repeat("x", 249), exactly(strings.Repeat("x", 249) + "-alarm")},
		{"a longer policy name keeps its prefix and a hash of the whole name", long, func(t *testing.T, got string) {
			if !strings.HasPrefix(got, long[:240]+"-") || len(got) != 255 {
				t.Fatalf("got %q (%d bytes)", got, len(got))
			}
		}},
		{"two long names that share a prefix get different alarms", long + "b", func(t *testing.T, got string) {
			if got == alarmName(long) {
				t.Fatalf("%q collides with the alarm of a different policy", got)
			}
		}},
		{"a multibyte name is cut on a character boundary", "a" + strings.Repeat("é", 200), func(t *testing.T, got string) {
			if !utf8.ValidString(got) || !strings.HasPrefix(got, "a"+strings.Repeat("é", 119)+"-") {
				t.Fatalf("got %q", got)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := alarmName(c.policy)
			if len(got) > 255 || !strings.HasSuffix(got, "-alarm") {
				t.Fatalf("alarm name %q is %d bytes or lacks -alarm", got, len(got))
			}
			c.want(t, got)
		})
	}
}

func exactly(want string) func(t *testing.T, got string) {
	return func(t *testing.T, got string) {
		if got != want {
			t.Fatalf("got %q, want %q", got, want)
		}
	}
}

func TestTheAlarmStatisticFollowsTheAggregation(t *testing.T) {
	cases := []struct{ name, aggregation, want string }{
		{"an unset aggregation alarms on the average", "", "Average"},
		{"an Average aggregation alarms on the average", "Average", "Average"},
		{"a Maximum aggregation alarms on the maximum", "Maximum", "Maximum"},
		{"a Minimum aggregation alarms on the minimum", "Minimum", "Minimum"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			props := stepPolicy(2, 80)
			props.MetricAggregationType = c.aggregation
			if got := string(policyWant{props: props}.alarm(plan.Resource{Name: "p"}).statistic); got != c.want {
				t.Fatalf("statistic %q, want %q", got, c.want)
			}
		})
	}
}

// With the policy already gone, only its alarm is left for Delete: one berth does not own
// is refused all the same, and the policy is absent to Observe.
func TestAForeignAlarmLeftWithoutItsPolicyIsRefusedByDelete(t *testing.T) {
	f := newFixture(t, "eu-west-1", "step-orphan")
	f.scalingRefs("step-orphan")
	ctx := context.Background()
	r := f.resource(plan.KindScalingPolicy, "api/ScalingPolicy-1", "berth-shop-prod-api-scale-1-hhhhhh", stepPolicy(2, 80))
	_, err := f.cw.PutMetricAlarm(ctx, &cw.PutMetricAlarmInput{AlarmName: aws.String(r.Name + "-alarm"), MetricName: aws.String("CPUUtilization"),
		Namespace: aws.String("AWS/ECS"), Statistic: cwtypes.StatisticAverage, Threshold: aws.Float64(50), Period: aws.Int32(60),
		EvaluationPeriods: aws.Int32(3), ComparisonOperator: cwtypes.ComparisonOperatorGreaterThanThreshold})
	must(t, err)
	p := NewScalingPolicy(f.aas, f.cw)
	var no *provision.NotOwnedError
	if err := p.Delete(ctx, f.env, r); !errors.As(err, &no) || no.Kind != alarmKind {
		t.Fatalf("delete: %v, want *provision.NotOwnedError for the alarm", err)
	}
	if f.alarm(r.Name+"-alarm") == nil {
		t.Fatal("the foreign alarm was deleted")
	}
	obs, err := p.Observe(ctx, f.env, r)
	if err != nil || obs.Exists {
		t.Fatalf("observe of a policy that is gone: %+v %v", obs, err)
	}
}
