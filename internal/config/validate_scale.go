package config

// checkScale applies SCF's scaling rules and the limits AWS Application Auto Scaling
// enforces. Scale policies are checked whatever the compute type, so switching a
// container back to Fargate keeps a valid configuration.
//
// desired together with target or step scaling is a warning, not an error: AWS accepts
// it (SCF's guide says autoscaling then decides the count), so rejecting it would break
// files that deployed with SCF.
func (d *decoder) checkScale(path string, policies []ScalePolicy) {
	first := map[string]int{} // type → index of its first policy
	targets := map[string]int{}
	var autoscaling []int
	for i, sp := range policies {
		p := index(path, i)
		if j, seen := first[sp.Type]; seen && (sp.Type == "desired" || sp.Type == "min" || sp.Type == "max") {
			d.fail(p+".type", "a second %q policy; keep one (the first is %s)", sp.Type, index(path, j))
		} else if !seen {
			first[sp.Type] = i
		}
		switch sp.Type {
		case "desired":
			d.atLeast(p+".desired", sp.Desired, 0, "desired (tasks)")
		case "min":
			d.atLeast(p+".min", sp.Min, 0, "min (tasks)")
		case "max":
			d.atLeast(p+".max", sp.Max, 1, "max (tasks)")
		case "target":
			autoscaling = append(autoscaling, i)
			d.checkTarget(p, sp, targets, path)
			targets[sp.Target] = i
		case "step":
			autoscaling = append(autoscaling, i)
			d.checkStep(p, sp)
		}
	}
	d.checkScaleMix(path, policies, first, autoscaling)
}

func (d *decoder) checkTarget(p string, sp ScalePolicy, targets map[string]int, path string) {
	d.oneOfStr(p+".target", sp.Target, scaleTargets, "scaling target")
	if j, dup := targets[sp.Target]; dup && d.has(p+".target") {
		d.fail(p+".target", "a target policy for %q already exists (%s); each target (%s) can have one policy, so at most three in all", sp.Target, index(path, j), oneOf(scaleTargets))
	}
	d.inRange(p+".value", sp.Value, 1, 100, "the target value (a whole percentage)")
	d.inRange(p+".scaleInCooldown", sp.ScaleInCooldown, 1, 100, "scaleInCooldown")
	d.inRange(p+".scaleOutCooldown", sp.ScaleOutCooldown, 1, 100, "scaleOutCooldown")
}

func (d *decoder) checkStep(p string, sp ScalePolicy) {
	d.oneOfStr(p+".adjustmentType", sp.AdjustmentType, adjustmentTypes, "adjustment type")
	d.oneOfStr(p+".metricAggregationType", sp.MetricAggregationType, aggregations, "metric aggregation type")
	d.oneOfStr(p+".comparisonOperator", sp.ComparisonOperator, comparisons, "comparison operator")
	d.inRange(p+".cooldown", sp.Cooldown, 0, 86400, "the cooldown (seconds)")
	sap := p + ".stepAdjustments"
	if d.has(sap) && len(sp.StepAdjustments) == 0 && d.known(sap) {
		d.fail(sap, "needs at least one step adjustment, e.g. - { metricIntervalLowerBound: 0, scalingAdjustment: 1 }")
	}
	for j, s := range sp.StepAdjustments {
		d.checkStepAdjustment(index(sap, j), s, sp.StepAdjustments[:j])
	}
}

// checkStepAdjustment: steps are ascending and contiguous, as AWS requires (no gaps, no
// overlaps; only the first may be open below and only the last open above).
func (d *decoder) checkStepAdjustment(p string, s StepAdjustment, before []StepAdjustment) {
	lo, hi := p+".metricIntervalLowerBound", p+".metricIntervalUpperBound"
	switch {
	case s.LowerBound == nil && s.UpperBound == nil:
		d.fail(p, "needs metricIntervalLowerBound, metricIntervalUpperBound or both")
		return
	case s.LowerBound != nil && s.UpperBound != nil && *s.LowerBound >= *s.UpperBound:
		d.fail(hi, "%g must be greater than metricIntervalLowerBound %g", *s.UpperBound, *s.LowerBound)
	}
	if len(before) == 0 {
		return
	}
	prev := before[len(before)-1]
	switch {
	case prev.UpperBound == nil:
		d.fail(p, "follows a step with no metricIntervalUpperBound; only the last step may be open-ended, so give the previous step an upper bound")
	case s.LowerBound == nil:
		d.fail(p, "needs metricIntervalLowerBound: only the first step may omit it; this step should start at %g, where the previous one ends", *prev.UpperBound)
	case *s.LowerBound != *prev.UpperBound:
		d.fail(lo, "%g leaves a gap or overlap: steps must be in ascending order and each must start where the previous one ends (%g)", *s.LowerBound, *prev.UpperBound)
	}
}

func (d *decoder) checkScaleMix(path string, policies []ScalePolicy, first map[string]int, autoscaling []int) {
	_, hasTarget := first["target"]
	_, hasStep := first["step"]
	if hasTarget && hasStep {
		d.fail(index(path, first["step"])+".type", "target and step policies cannot be combined in one service: use target tracking (%s) or step scaling (%s), not both", index(path, first["target"]), index(path, first["step"]))
	}
	minIdx, hasMin := first["min"]
	maxIdx, hasMax := first["max"]
	if len(autoscaling) > 0 && !hasMax {
		d.fail(path, "a max policy is required with target or step scaling, so autoscaling cannot grow without bound: add - { type: max, max: 10 }")
	}
	if hasMin && hasMax && policies[minIdx].Min > policies[maxIdx].Max {
		d.fail(index(path, minIdx)+".min", "%d is greater than max %d; min must be at most max", policies[minIdx].Min, policies[maxIdx].Max)
	}
	if i, ok := first["desired"]; ok && len(autoscaling) > 0 {
		d.warn(index(path, i), "desired is ignored while target or step scaling is set: autoscaling decides the task count between min and max")
	}
	if len(autoscaling) == 0 && (hasMin || hasMax) {
		i := minIdx
		if !hasMin {
			i = maxIdx
		}
		d.warn(index(path, i), "min and max have no effect without a target or step policy; add one, or use - { type: desired, desired: N } for a fixed count")
	}
}
