package autoscaling

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	aas "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	"github.com/aws/aws-sdk-go-v2/service/applicationautoscaling/types"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// ScalingPolicy provisions AWS::ApplicationAutoScaling::ScalingPolicy on a service's
// scalable target, found by name. PutScalingPolicy is an upsert.
//
// Target tracking is the policy only: AWS creates and owns the CloudWatch alarms that
// drive it. Step scaling is the policy plus the CloudWatch metric alarm that triggers it
// (stepalarm.go): Create puts the policy, then the alarm with the policy's ARN as its
// action; Observe reports the alarm's drift as "alarm" (missing) or "alarm.<field>";
// Delete removes the alarm, then the policy. An alarm with the policy's alarm name that
// berth does not own (by its tags) is refused with *provision.NotOwnedError before
// anything is changed, and reported by Observe as "alarm.ownership".
type ScalingPolicy struct {
	client API
	alarms AlarmAPI
}

// NewScalingPolicy returns the scaling policy provisioner; alarms is used for step
// policies only.
func NewScalingPolicy(client API, alarms AlarmAPI) *ScalingPolicy {
	return &ScalingPolicy{client: client, alarms: alarms}
}

// policyWant is the desired policy with refs resolved, rendered per field for provision.Diffs.
type policyWant struct {
	resourceID string
	props      plan.ScalingPolicyProps
	label      string // ALBRequestCountPerTarget's resource label
}

func (p *ScalingPolicy) want(env provision.Env, r plan.Resource) (policyWant, error) {
	props, err := provision.Decode[plan.ScalingPolicyProps](r)
	if err != nil {
		return policyWant{}, err
	}
	w := policyWant{props: props}
	if w.resourceID, err = env.Refs.Resolve(props.Target); err != nil {
		return policyWant{}, err
	}
	if props.LoadBalancer != nil && props.TargetGroup != nil {
		lb, err := env.Refs.Resolve(*props.LoadBalancer)
		if err != nil {
			return policyWant{}, err
		}
		tg, err := env.Refs.Resolve(*props.TargetGroup)
		if err != nil {
			return policyWant{}, err
		}
		w.label = elbFullName(lb) + "/" + elbFullName(tg)
	}
	return w, nil
}

// elbFullName accepts an ELBv2 full name ("app/…", "targetgroup/…") or an ARN it can be
// cut from.
func elbFullName(s string) string {
	if _, rest, ok := strings.Cut(s, ":loadbalancer/"); ok {
		return rest
	}
	if i := strings.LastIndex(s, ":targetgroup/"); i >= 0 {
		return s[i+1:]
	}
	return s
}

func (w policyWant) targetTracking() *types.TargetTrackingScalingPolicyConfiguration {
	c := &types.TargetTrackingScalingPolicyConfiguration{
		TargetValue:    aws.Float64(w.props.TargetValue),
		DisableScaleIn: aws.Bool(w.props.DisableScaleIn),
		PredefinedMetricSpecification: &types.PredefinedMetricSpecification{
			PredefinedMetricType: types.MetricType(w.props.PredefinedMetric),
		},
	}
	if w.label != "" {
		c.PredefinedMetricSpecification.ResourceLabel = aws.String(w.label)
	}
	if w.props.ScaleInCooldown > 0 {
		c.ScaleInCooldown = aws.Int32(int32(w.props.ScaleInCooldown))
	}
	if w.props.ScaleOutCooldown > 0 {
		c.ScaleOutCooldown = aws.Int32(int32(w.props.ScaleOutCooldown))
	}
	return c
}

func (w policyWant) stepScaling() *types.StepScalingPolicyConfiguration {
	c := &types.StepScalingPolicyConfiguration{
		AdjustmentType:        types.AdjustmentType(w.props.AdjustmentType),
		MetricAggregationType: types.MetricAggregationType(w.props.MetricAggregationType),
	}
	if w.props.Cooldown > 0 {
		c.Cooldown = aws.Int32(int32(w.props.Cooldown))
	}
	for _, s := range w.props.StepAdjustments {
		c.StepAdjustments = append(c.StepAdjustments, types.StepAdjustment{
			ScalingAdjustment:        aws.Int32(int32(s.ScalingAdjustment)),
			MetricIntervalLowerBound: s.LowerBound, MetricIntervalUpperBound: s.UpperBound,
		})
	}
	return c
}

func (p *ScalingPolicy) lookup(ctx context.Context, r plan.Resource, resourceID string) (*types.ScalingPolicy, error) {
	in := &aas.DescribeScalingPoliciesInput{
		ServiceNamespace: namespace, ResourceId: aws.String(resourceID), ScalableDimension: dimension, PolicyNames: []string{r.Name},
	}
	for pg := aas.NewDescribeScalingPoliciesPaginator(p.client, in); pg.HasMorePages(); {
		out, err := pg.NextPage(ctx)
		if err != nil {
			return nil, provision.Classify(err, "describe", string(r.Kind), r.Name)
		}
		for i, x := range out.ScalingPolicies { // filtered here too: moto ignores PolicyNames
			if aws.ToString(x.PolicyName) == r.Name {
				return &out.ScalingPolicies[i], nil
			}
		}
	}
	return nil, nil
}

func policyOutputs(r plan.Resource, arn string) provision.Outputs {
	return provision.Outputs{plan.AttrArn: arn, plan.AttrName: r.Name}
}

// renderSteps renders step adjustments with open bounds as "-inf"/"+inf".
func renderSteps(steps []types.StepAdjustment) string {
	bound := func(v *float64, open string) string {
		if v == nil {
			return open
		}
		return fmt.Sprint(*v)
	}
	var parts []string
	for _, s := range steps {
		parts = append(parts, fmt.Sprintf("[%s,%s):%d", bound(s.MetricIntervalLowerBound, "-inf"), bound(s.MetricIntervalUpperBound, "+inf"), aws.ToInt32(s.ScalingAdjustment)))
	}
	return strings.Join(parts, " ")
}

// addSet compares an optional setting only when the plan sets it: left unset, AWS applies
// (and may report) its own default, which is not a difference.
func addSet(d *provision.Diffs, field string, want, have *int32) {
	if want != nil {
		d.Add(field, aws.ToInt32(want), aws.ToInt32(have))
	}
}

func policyDiff(w policyWant, x *types.ScalingPolicy) provision.Diffs {
	var d provision.Diffs
	d.Add("policyType", w.props.PolicyType, x.PolicyType)
	if string(x.PolicyType) != w.props.PolicyType {
		return d
	}
	if want := w.targetTracking(); x.TargetTrackingScalingPolicyConfiguration != nil && x.PolicyType == types.PolicyTypeTargetTrackingScaling {
		have := x.TargetTrackingScalingPolicyConfiguration
		metric, label := "", ""
		if m := have.PredefinedMetricSpecification; m != nil {
			metric, label = string(m.PredefinedMetricType), aws.ToString(m.ResourceLabel)
		}
		d.Add("predefinedMetric", w.props.PredefinedMetric+" "+w.label, metric+" "+label)
		d.Add("targetValue", aws.ToFloat64(want.TargetValue), aws.ToFloat64(have.TargetValue))
		d.Add("disableScaleIn", w.props.DisableScaleIn, aws.ToBool(have.DisableScaleIn))
		addSet(&d, "scaleInCooldown", want.ScaleInCooldown, have.ScaleInCooldown)
		addSet(&d, "scaleOutCooldown", want.ScaleOutCooldown, have.ScaleOutCooldown)
	}
	if want := w.stepScaling(); x.StepScalingPolicyConfiguration != nil && x.PolicyType == types.PolicyTypeStepScaling {
		have := x.StepScalingPolicyConfiguration
		d.Add("adjustmentType", want.AdjustmentType, have.AdjustmentType)
		d.Add("stepAdjustments", renderSteps(want.StepAdjustments), renderSteps(have.StepAdjustments))
		addSet(&d, "cooldown", want.Cooldown, have.Cooldown)
		if want.MetricAggregationType != "" {
			d.Add("metricAggregationType", want.MetricAggregationType, have.MetricAggregationType)
		}
	}
	return d
}

// Observe reports the policy and how it differs.
func (p *ScalingPolicy) Observe(ctx context.Context, env provision.Env, r plan.Resource) (provision.Observation, error) {
	w, err := p.want(env, r)
	if err != nil {
		return provision.Observation{}, err
	}
	x, err := p.lookup(ctx, r, w.resourceID)
	if err != nil || x == nil {
		return provision.Observation{}, err
	}
	arn := aws.ToString(x.PolicyARN)
	d := policyDiff(w, x)
	if w.step() {
		a := w.alarm(r)
		live, err := p.readAlarm(ctx, r, a.name, "describe")
		if err != nil {
			return provision.Observation{}, err
		}
		d = append(d, alarmObservation(env, r, a, arn, live)...)
	}
	return provision.Observation{Exists: true, Ready: true, Outputs: policyOutputs(r, arn), Diff: d}, nil
}

func (w policyWant) step() bool { return w.props.PolicyType == string(types.PolicyTypeStepScaling) }

// Create puts the policy unless an identical one exists; for a step policy it then puts
// the alarm unless an identical one exists. A policy switched from step scaling to target
// tracking loses its berth-owned alarm.
func (p *ScalingPolicy) Create(ctx context.Context, env provision.Env, r plan.Resource) (provision.Outputs, error) {
	w, err := p.want(env, r)
	if err != nil {
		return nil, err
	}
	in := &aas.PutScalingPolicyInput{
		PolicyName: aws.String(r.Name), ServiceNamespace: namespace, ScalableDimension: dimension,
		ResourceId: aws.String(w.resourceID), PolicyType: types.PolicyType(w.props.PolicyType),
	}
	switch in.PolicyType {
	case types.PolicyTypeTargetTrackingScaling:
		in.TargetTrackingScalingPolicyConfiguration = w.targetTracking()
	case types.PolicyTypeStepScaling:
		in.StepScalingPolicyConfiguration = w.stepScaling()
	default:
		return nil, &provision.RejectedError{Kind: string(r.Kind), Name: r.Name, Op: "put",
			Cause: fmt.Sprintf("policy type %q is not TargetTrackingScaling or StepScaling", w.props.PolicyType)}
	}
	x, err := p.lookup(ctx, r, w.resourceID)
	if err != nil {
		return nil, err
	}
	// The alarm is read before anything is changed, so a foreign alarm with the policy's
	// alarm name leaves the policy untouched too.
	var a alarmWant
	var alarm *liveAlarm
	if w.step() {
		a = w.alarm(r)
		if alarm, err = p.readAlarm(ctx, r, a.name, "describe"); err != nil {
			return nil, err
		}
		if alarm != nil && !provision.Owned(env, r, alarm.tags) {
			return nil, &provision.NotOwnedError{Kind: alarmKind, Name: a.name}
		}
	} else if x != nil && x.PolicyType == types.PolicyTypeStepScaling {
		if err := p.deleteAlarm(ctx, env, r, false); err != nil {
			return nil, err
		}
	}
	var arn string
	if x != nil && len(policyDiff(w, x)) == 0 {
		arn = aws.ToString(x.PolicyARN)
	} else {
		out, err := p.client.PutScalingPolicy(ctx, in)
		if err != nil {
			return nil, provision.Classify(err, "put", string(r.Kind), r.Name)
		}
		arn = aws.ToString(out.PolicyARN)
	}
	if w.step() {
		if err := p.putAlarm(ctx, env, r, a, arn, alarm); err != nil {
			return nil, err
		}
	}
	return policyOutputs(r, arn), nil
}

// Update is Create: PutScalingPolicy replaces the policy's configuration.
func (p *ScalingPolicy) Update(ctx context.Context, env provision.Env, r plan.Resource) (provision.Outputs, error) {
	return p.Create(ctx, env, r)
}

// Delete removes a step policy's alarm, then the policy (already gone when its target was
// deregistered first, which does not remove the alarm).
func (p *ScalingPolicy) Delete(ctx context.Context, env provision.Env, r plan.Resource) error {
	// Only the target is needed: a removal must not depend on the load balancer's refs.
	props, err := provision.Decode[plan.ScalingPolicyProps](r)
	if err != nil {
		return err
	}
	if (policyWant{props: props}).step() {
		if err := p.deleteAlarm(ctx, env, r, true); err != nil {
			return err
		}
	}
	resourceID, err := env.Refs.Resolve(props.Target)
	if err != nil {
		return err
	}
	x, err := p.lookup(ctx, r, resourceID)
	if err != nil || x == nil {
		return err
	}
	_, err = p.client.DeleteScalingPolicy(ctx, &aas.DeleteScalingPolicyInput{
		PolicyName: aws.String(r.Name), ServiceNamespace: namespace, ScalableDimension: dimension, ResourceId: aws.String(resourceID),
	})
	if err != nil && !provision.IsNotFound(err) {
		return provision.Classify(err, "delete", string(r.Kind), r.Name)
	}
	return nil
}
