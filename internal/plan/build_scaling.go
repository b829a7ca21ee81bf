package plan

import "github.com/berth-dev/berth/internal/config"

// scale is a container's awsFargateEcs.scale read into counts and policies.
type scale struct {
	desired  int
	min, max int
	policies []config.ScalePolicy // target and step entries, in config order
}

// readScale: the service's desired count is the `desired` entry, else `min`, else 1.
// Autoscaling bounds are min (default 1) and max (default: no higher than the start
// count; config requires max alongside autoscaling policies, this only guards
// hand-built configs).
func readScale(entries []config.ScalePolicy) scale {
	var s scale
	var hasDesired, hasMin, hasMax bool
	for _, p := range entries {
		switch p.Type {
		case "desired":
			s.desired, hasDesired = p.Desired, true
		case "min":
			s.min, hasMin = p.Min, true
		case "max":
			s.max, hasMax = p.Max, true
		case "target", "step":
			s.policies = append(s.policies, p)
		}
	}
	if !hasMin {
		s.min = 1
	}
	switch {
	case hasDesired:
	case hasMin:
		s.desired = s.min
	default:
		s.desired = 1
	}
	if !hasMax {
		s.max = max(s.min, s.desired)
	}
	return s
}

// predefinedMetrics maps SCF's target names to Application Auto Scaling metrics.
var predefinedMetrics = map[string]string{
	"cpu":                  "ECSServiceAverageCPUUtilization",
	"memory":               "ECSServiceAverageMemoryUtilization",
	"albRequestsPerTarget": "ALBRequestCountPerTarget",
}

// autoscaling adds the scalable target and one policy per target/step entry.
func (b *builder) autoscaling(c config.Container, s scale) {
	if len(s.policies) == 0 {
		return
	}
	stID := ContainerID(c.Name, SuffixScalableTarget)
	b.g.add(stID, KindScalableTarget, c.Name, b.n.scalableTargetID(c.Name), b.t.Region, ScalableTargetProps{
		Service: Ref{ID: ContainerID(c.Name, SuffixService), Attr: AttrName},
		Cluster: Ref{ID: IDCluster, Attr: AttrName},
		Min:     s.min,
		Max:     s.max,
	})
	for i, p := range s.policies {
		n := i + 1
		props := ScalingPolicyProps{Target: Ref{ID: stID, Attr: AttrID}}
		if p.Type == "target" {
			props.PolicyType = "TargetTrackingScaling"
			props.PredefinedMetric = predefinedMetrics[p.Target]
			props.TargetValue = float64(p.Value)
			props.DisableScaleIn = !p.ScaleIn
			props.ScaleInCooldown = p.ScaleInCooldown
			props.ScaleOutCooldown = p.ScaleOutCooldown
			if p.Target == "albRequestsPerTarget" {
				props.LoadBalancer = &Ref{ID: IDLoadBalancer, Attr: AttrFullName}
				props.TargetGroup = &Ref{ID: ContainerID(c.Name, SuffixTargetGroup), Attr: AttrFullName}
			}
		} else {
			props.PolicyType = "StepScaling"
			props.AdjustmentType = p.AdjustmentType
			props.Cooldown = p.Cooldown
			props.MetricAggregationType = p.MetricAggregationType
			props.MetricName = p.MetricName
			props.Namespace = p.Namespace
			props.Threshold = p.Threshold
			props.ComparisonOperator = p.ComparisonOperator
			for _, st := range p.StepAdjustments {
				props.StepAdjustments = append(props.StepAdjustments, StepProps{
					LowerBound: st.LowerBound, UpperBound: st.UpperBound, ScalingAdjustment: st.ScalingAdjustment,
				})
			}
			for _, dim := range p.Dimensions {
				props.Dimensions = append(props.Dimensions, NameValue{Name: dim.Name, Value: dim.Value})
			}
		}
		b.g.add(ScalingPolicyID(c.Name, n), KindScalingPolicy, c.Name, b.n.scalingPolicy(c.Name, n), b.t.Region, props)
	}
}
