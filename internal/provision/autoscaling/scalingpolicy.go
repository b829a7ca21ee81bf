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

// policies is one region's clients: the policy's and, for step policies, the alarm's.
type policies struct {
	client API
	alarms AlarmAPI
}

// livePolicy is the policy found and, for a step policy, its alarm (nil when missing).
type livePolicy struct {
	policy *types.ScalingPolicy
	alarm  *liveAlarm
}

type policyCall = provision.Call[*policies, policyWant]

// NewScalingPolicy returns the provisioner of AWS::ApplicationAutoScaling::ScalingPolicy
// on a service's scalable target, found by name; alarms is used for step policies only.
// PutScalingPolicy is an upsert.
//
// Target tracking is the policy only: AWS creates and owns the CloudWatch alarms that
// drive it. Step scaling is the policy plus the CloudWatch metric alarm that triggers it
// (stepalarm.go): Create puts the policy, then the alarm with the policy's ARN as its
// action; Observe reports the alarm's drift as "alarm" (missing) or "alarm.<field>";
// Delete removes the alarm, then the policy, and the alarm alone when the policy is
// already gone (its target was deregistered first, which does not remove the alarm). An
// alarm with the policy's alarm name that berth does not own (by its tags) is refused
// with *provision.NotOwnedError before anything is changed, and reported by Observe as
// "alarm.ownership".
func NewScalingPolicy(client API, alarms AlarmAPI) provision.Provisioner {
	p := &policies{client: client, alarms: alarms}
	return provision.Adapt(provision.Kind[*policies, policyWant, livePolicy]{
		Clients: func(string) *policies { return p },
		Desired: func(_ context.Context, c *policyCall) (policyWant, error) { return policyOn(c.Env, c.R) },
		Find:    findPolicy,
		Diff: func(_ context.Context, c *policyCall, l *livePolicy) (provision.Diffs, error) {
			w, err := c.Props.labelled(c.Env)
			if err != nil {
				return nil, err
			}
			d := policyDiff(w, l.policy)
			if w.step() {
				d = append(d, alarmObservation(c.Env, c.R, w.alarm(c.R), aws.ToString(l.policy.PolicyARN), l.alarm)...)
			}
			return d, nil
		},
		Outputs: func(c *policyCall, l *livePolicy) provision.Outputs {
			return policyOutputs(c.R, aws.ToString(l.policy.PolicyARN))
		},
		Create: func(ctx context.Context, c *policyCall) (provision.Outputs, error) { return putPolicy(ctx, c, nil) },
		Converge: func(ctx context.Context, c *policyCall, l *livePolicy, _ provision.Diffs) (provision.Outputs, error) {
			return putPolicy(ctx, c, l)
		},
		Remove: func(ctx context.Context, c *policyCall, l *livePolicy) error {
			if c.Props.step() {
				if err := c.API.removeAlarm(ctx, c.Env, c.R, l.alarm, true); err != nil {
					return err
				}
			}
			_, err := c.API.client.DeleteScalingPolicy(ctx, &aas.DeleteScalingPolicyInput{
				PolicyName: aws.String(c.R.Name), ServiceNamespace: namespace, ScalableDimension: dimension, ResourceId: aws.String(c.Props.resourceID),
			})
			return err
		},
		Leftover: func(ctx context.Context, c *policyCall) error {
			if !c.Props.step() {
				return nil
			}
			return c.API.deleteAlarm(ctx, c.Env, c.R, true)
		},
	})
}

// policyWant is the desired policy with refs resolved, rendered per field for provision.Diffs.
type policyWant struct {
	resourceID string
	props      plan.ScalingPolicyProps
	label      string // ALBRequestCountPerTarget's resource label (see labelled)
}

// policyOn decodes the policy and resolves its target: all a removal needs, so that it
// does not depend on the load balancer's refs.
func policyOn(env provision.Env, r plan.Resource) (policyWant, error) {
	props, err := provision.Decode[plan.ScalingPolicyProps](r)
	if err != nil {
		return policyWant{}, err
	}
	w := policyWant{props: props}
	w.resourceID, err = env.Refs.Resolve(props.Target)
	return w, err
}

// labelled resolves the resource label, which comparing and putting the policy need.
func (w policyWant) labelled(env provision.Env) (policyWant, error) {
	if w.props.LoadBalancer != nil && w.props.TargetGroup != nil {
		lb, err := env.Refs.Resolve(*w.props.LoadBalancer)
		if err != nil {
			return policyWant{}, err
		}
		tg, err := env.Refs.Resolve(*w.props.TargetGroup)
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

func (p *policies) lookup(ctx context.Context, r plan.Resource, resourceID string) (*types.ScalingPolicy, error) {
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

// findPolicy reads the policy and, for a step policy, its alarm.
func findPolicy(ctx context.Context, c *policyCall) (*livePolicy, error) {
	x, err := c.API.lookup(ctx, c.R, c.Props.resourceID)
	if err != nil || x == nil {
		return nil, err
	}
	l := &livePolicy{policy: x}
	if c.Props.step() {
		if l.alarm, err = c.API.readAlarm(ctx, c.R, alarmName(c.R.Name), "describe"); err != nil {
			return nil, err
		}
	}
	return l, nil
}

func (w policyWant) step() bool { return w.props.PolicyType == string(types.PolicyTypeStepScaling) }

// putPolicy puts the policy unless live's is identical (live is nil when there is none);
// for a step policy it then puts the alarm unless an identical one exists. A policy
// switched from step scaling to target tracking loses its berth-owned alarm.
func putPolicy(ctx context.Context, c *policyCall, l *livePolicy) (provision.Outputs, error) {
	env, r := c.Env, c.R
	w, err := c.Props.labelled(env)
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
	if l == nil {
		l = &livePolicy{}
	}
	// The alarm is read (by findPolicy, when the policy exists) before anything is
	// changed, so a foreign alarm with the policy's alarm name leaves the policy untouched
	// too.
	var a alarmWant
	if w.step() {
		a = w.alarm(r)
		if l.policy == nil {
			if l.alarm, err = c.API.readAlarm(ctx, r, a.name, "describe"); err != nil {
				return nil, err
			}
		}
		if l.alarm != nil && !provision.Owned(env, r, l.alarm.tags) {
			return nil, &provision.NotOwnedError{Kind: alarmKind, Name: a.name}
		}
	} else if l.policy != nil && l.policy.PolicyType == types.PolicyTypeStepScaling {
		if err := c.API.deleteAlarm(ctx, env, r, false); err != nil {
			return nil, err
		}
	}
	var arn string
	if l.policy != nil && len(policyDiff(w, l.policy)) == 0 {
		arn = aws.ToString(l.policy.PolicyARN)
	} else {
		out, err := c.API.client.PutScalingPolicy(ctx, in)
		if err != nil {
			return nil, provision.ClassifyFor(err, "put", r)
		}
		arn = aws.ToString(out.PolicyARN)
	}
	if w.step() {
		if err := c.API.putAlarm(ctx, env, r, a, arn, l.alarm); err != nil {
			return nil, err
		}
	}
	return policyOutputs(r, arn), nil
}
