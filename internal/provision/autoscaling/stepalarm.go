package autoscaling

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	cw "github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// The alarm that triggers a step-scaling policy.
//
// A step policy does nothing on its own: it acts when a CloudWatch alarm names its ARN as
// an alarm action, and AWS passes the breach size to the policy's steps. berth manages
// exactly one such alarm per step policy, named after the policy (alarmName), watching the
// props' MetricName/Namespace/Dimensions with the props' Threshold and ComparisonOperator.
//
// Fixed choices, not props:
//   - Statistic is the policy's MetricAggregationType (Average, Minimum or Maximum, the
//     values the two APIs share), Average when unset, so the alarm and the step bounds
//     judge the same aggregate.
//   - Period is 60 seconds: ECS publishes its service metrics every minute, so a shorter
//     period has no data and a longer one only delays scaling.
//   - EvaluationPeriods is 1: the policy's Cooldown already damps repeated scaling, and
//     requiring several breaching minutes would add that many minutes before a scale-out.
//   - TreatMissingData is left at CloudWatch's default (missing): with no data the alarm
//     goes to INSUFFICIENT_DATA and does not act.
//
// PutMetricAlarm is an upsert that replaces the whole alarm, and tags given to it apply
// only when it creates the alarm. berth calls it only when the alarm is missing or
// differs in a field it sets, so reconciling an up-to-date alarm makes no mutating call.
const (
	alarmKind              = "AWS::CloudWatch::Alarm" // in errors about the alarm itself
	alarmSuffix            = "-alarm"
	maxAlarmName           = 255 // CloudWatch's limit
	alarmPeriod            = 60
	alarmEvaluationPeriods = 1
	defaultAlarmStatistic  = cwtypes.StatisticAverage
)

// alarmName is the policy's alarm: <policy>-alarm. A name that would exceed CloudWatch's
// 255 characters keeps as much of the policy name as fits (cut on a UTF-8 boundary, and
// counted in bytes, so never more than 255 characters) plus a hash of the whole policy
// name, so two long policy names that share a prefix still get distinct alarms.
func alarmName(policy string) string {
	name := policy + alarmSuffix
	if len(name) <= maxAlarmName {
		return name
	}
	sum := sha256.Sum256([]byte(policy))
	hash := "-" + hex.EncodeToString(sum[:4])
	keep := maxAlarmName - len(hash) - len(alarmSuffix)
	for keep > 0 && !utf8.RuneStart(policy[keep]) {
		keep--
	}
	return policy[:keep] + hash + alarmSuffix
}

// alarmWant is the desired alarm, apart from its action (the policy ARN, known only once
// the policy exists).
type alarmWant struct {
	name       string
	metricName string
	namespace  string
	dimensions []cwtypes.Dimension
	statistic  cwtypes.Statistic
	threshold  float64
	comparison cwtypes.ComparisonOperator
}

func (w policyWant) alarm(r plan.Resource) alarmWant {
	a := alarmWant{
		name: alarmName(r.Name), metricName: w.props.MetricName, namespace: w.props.Namespace,
		statistic: cwtypes.Statistic(w.props.MetricAggregationType), threshold: w.props.Threshold,
		comparison: cwtypes.ComparisonOperator(w.props.ComparisonOperator),
	}
	if a.statistic == "" {
		a.statistic = defaultAlarmStatistic
	}
	for _, d := range w.props.Dimensions {
		a.dimensions = append(a.dimensions, cwtypes.Dimension{Name: aws.String(d.Name), Value: aws.String(d.Value)})
	}
	return a
}

func (a alarmWant) input(env provision.Env, r plan.Resource, policyARN string) *cw.PutMetricAlarmInput {
	in := &cw.PutMetricAlarmInput{
		AlarmName:        aws.String(a.name),
		AlarmDescription: aws.String("berth: triggers step scaling policy " + r.Name),
		MetricName:       aws.String(a.metricName), Namespace: aws.String(a.namespace), Dimensions: a.dimensions,
		Statistic: a.statistic, Threshold: aws.Float64(a.threshold), ComparisonOperator: a.comparison,
		Period: aws.Int32(alarmPeriod), EvaluationPeriods: aws.Int32(alarmEvaluationPeriods),
		ActionsEnabled: aws.Bool(true), AlarmActions: []string{policyARN},
	}
	tags := provision.Tags(env, r)
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		in.Tags = append(in.Tags, cwtypes.Tag{Key: aws.String(k), Value: aws.String(tags[k])})
	}
	return in
}

// renderDimensions renders dimensions as sorted name=value pairs: CloudWatch does not
// promise to return them in the order they were put.
func renderDimensions(ds []cwtypes.Dimension) string {
	parts := make([]string, 0, len(ds))
	for _, d := range ds {
		parts = append(parts, aws.ToString(d.Name)+"="+aws.ToString(d.Value))
	}
	slices.Sort(parts)
	return strings.Join(parts, ",")
}

// alarmDiff compares every field berth sets, each as "alarm.<field>".
func alarmDiff(a alarmWant, policyARN string, live *cwtypes.MetricAlarm) provision.Diffs {
	var d provision.Diffs
	d.Add("alarm.metricName", a.metricName, aws.ToString(live.MetricName))
	d.Add("alarm.namespace", a.namespace, aws.ToString(live.Namespace))
	d.Add("alarm.dimensions", renderDimensions(a.dimensions), renderDimensions(live.Dimensions))
	d.Add("alarm.statistic", a.statistic, live.Statistic)
	d.Add("alarm.threshold", a.threshold, aws.ToFloat64(live.Threshold))
	d.Add("alarm.comparisonOperator", a.comparison, live.ComparisonOperator)
	d.Add("alarm.period", alarmPeriod, aws.ToInt32(live.Period))
	d.Add("alarm.evaluationPeriods", alarmEvaluationPeriods, aws.ToInt32(live.EvaluationPeriods))
	d.Add("alarm.alarmActions", policyARN, strings.Join(live.AlarmActions, ","))
	d.Add("alarm.actionsEnabled", true, aws.ToBool(live.ActionsEnabled))
	return d
}

// liveAlarm is an alarm with berth's name and its tags.
type liveAlarm struct {
	alarm cwtypes.MetricAlarm
	tags  map[string]string
}

// readAlarm finds the metric alarm with exactly this name, and its tags; nil when there is
// none.
func (p *policies) readAlarm(ctx context.Context, r plan.Resource, name, op string) (*liveAlarm, error) {
	out, err := p.alarms.DescribeAlarms(ctx, &cw.DescribeAlarmsInput{AlarmNames: []string{name}})
	if err != nil {
		return nil, provision.Classify(err, op+" alarm", string(r.Kind), r.Name)
	}
	for _, a := range out.MetricAlarms {
		if aws.ToString(a.AlarmName) != name {
			continue
		}
		tags, err := p.alarms.ListTagsForResource(ctx, &cw.ListTagsForResourceInput{ResourceARN: a.AlarmArn})
		if err != nil {
			return nil, provision.Classify(err, op+" alarm tags", string(r.Kind), r.Name)
		}
		live := &liveAlarm{alarm: a, tags: map[string]string{}}
		for _, t := range tags.Tags {
			live.tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
		}
		return live, nil
	}
	return nil, nil
}

// alarmObservation is the alarm's part of a step policy's Observe diff: "alarm" when it is
// missing, "alarm.ownership" when one with its name is not berth's, else alarmDiff.
func alarmObservation(env provision.Env, r plan.Resource, a alarmWant, policyARN string, live *liveAlarm) provision.Diffs {
	if live == nil {
		return provision.Diffs{{Field: "alarm", Desired: a.name, Actual: "missing"}}
	}
	if !provision.Owned(env, r, live.tags) {
		d := provision.NotOwnedDiff(env, r)
		d.Field = "alarm." + d.Field
		return provision.Diffs{d}
	}
	return alarmDiff(a, policyARN, &live.alarm)
}

// putAlarm creates or replaces the alarm unless live already matches.
func (p *policies) putAlarm(ctx context.Context, env provision.Env, r plan.Resource, a alarmWant, policyARN string, live *liveAlarm) error {
	if live != nil && len(alarmDiff(a, policyARN, &live.alarm)) == 0 {
		return nil
	}
	if _, err := p.alarms.PutMetricAlarm(ctx, a.input(env, r, policyARN)); err != nil {
		return provision.Classify(err, "put alarm", string(r.Kind), r.Name)
	}
	return nil
}

// deleteAlarm removes the policy's alarm when berth owns it. A foreign alarm with its name
// is an error when refuse is set, else left alone.
func (p *policies) deleteAlarm(ctx context.Context, env provision.Env, r plan.Resource, refuse bool) error {
	live, err := p.readAlarm(ctx, r, alarmName(r.Name), "delete")
	if err != nil {
		return err
	}
	return p.removeAlarm(ctx, env, r, live, refuse)
}

// removeAlarm is deleteAlarm of the alarm already read (nil when there is none).
func (p *policies) removeAlarm(ctx context.Context, env provision.Env, r plan.Resource, live *liveAlarm, refuse bool) error {
	if live == nil {
		return nil
	}
	name := alarmName(r.Name)
	if !provision.Owned(env, r, live.tags) {
		if refuse {
			return &provision.NotOwnedError{Kind: alarmKind, Name: name}
		}
		return nil
	}
	_, err := p.alarms.DeleteAlarms(ctx, &cw.DeleteAlarmsInput{AlarmNames: []string{name}})
	if c := provision.ErrorCode(err); err != nil && c != "ResourceNotFound" && c != "ResourceNotFoundException" {
		return provision.Classify(err, "delete alarm", string(r.Kind), r.Name)
	}
	return nil
}
