package config

import (
	"gopkg.in/yaml.v3"
)

// Defaults for scale policies (SCF's).
const (
	defaultTargetValue      = 70
	defaultStepCooldown     = 60
	defaultMetricAggregator = "Average"
)

// scale decodes compute.awsFargateEcs.scale. The keys allowed in a policy depend on its
// type, so the type is read first.
func (d *decoder) scale(path string, n *yaml.Node) []ScalePolicy {
	var out []ScalePolicy
	for i, item := range d.items(path, n, "a list of scale policies (each with type desired, min, max, target or step)") {
		p := index(path, i)
		if item.Kind != yaml.MappingNode {
			d.errorAt(p, item, "must be a scale policy mapping with a type (%s), got %s", oneOf(scaleTypes), describe(item))
			continue
		}
		typeNode := lookupKey(item, "type")
		d.record(p+".type", nil, typeNode)
		if !d.require(p+".type", typeNode, "type is required: one of %s", oneOf(scaleTypes)) {
			continue
		}
		t, ok := d.enum(p+".type", typeNode)
		if !ok {
			continue
		}
		keys, known := scaleKeys[t]
		if !known {
			d.errorAt(p+".type", typeNode, "unknown scale policy type %s; use one of %s", d.quote(p+".type", t), oneOf(scaleTypes))
			continue
		}
		out = append(out, d.scalePolicy(p, t, d.fields(p, item, keys)))
	}
	return out
}

func (d *decoder) scalePolicy(p, t string, f map[string]*yaml.Node) ScalePolicy {
	sp := ScalePolicy{Type: t}
	switch t {
	case "desired":
		sp.Desired = d.requiredInt(p, t, "desired", f)
	case "min":
		sp.Min = d.requiredInt(p, t, "min", f)
	case "max":
		sp.Max = d.requiredInt(p, t, "max", f)
	case "target":
		d.target(p, f, &sp)
	case "step":
		d.step(p, f, &sp)
	}
	return sp
}

func (d *decoder) requiredInt(p, t, key string, f map[string]*yaml.Node) int {
	d.require(join(p, key), f[key], "%s is required in a %q policy: a whole number of tasks", key, t)
	v, _ := d.integer(join(p, key), f[key])
	return v
}

func (d *decoder) target(p string, f map[string]*yaml.Node, sp *ScalePolicy) {
	sp.Value, sp.ScaleIn = defaultTargetValue, true
	if d.require(p+".target", f["target"], "target is required in a \"target\" policy: one of %s", oneOf(scaleTargets)) {
		sp.Target, _ = d.enum(p+".target", f["target"])
	}
	if v, ok := d.integer(p+".value", f["value"]); ok {
		sp.Value = v
	}
	if v, ok := d.boolean(p+".scaleIn", f["scaleIn"]); ok {
		sp.ScaleIn = v
	}
	sp.ScaleInCooldown, _ = d.integer(p+".scaleInCooldown", f["scaleInCooldown"])
	sp.ScaleOutCooldown, _ = d.integer(p+".scaleOutCooldown", f["scaleOutCooldown"])
}

func (d *decoder) step(p string, f map[string]*yaml.Node, sp *ScalePolicy) {
	sp.Cooldown, sp.MetricAggregationType = defaultStepCooldown, defaultMetricAggregator
	for _, k := range []string{"adjustmentType", "stepAdjustments", "metricName", "namespace", "threshold", "comparisonOperator"} {
		d.require(join(p, k), f[k], "%s is required in a \"step\" policy (required: adjustmentType, stepAdjustments, metricName, namespace, threshold, comparisonOperator)", k)
	}
	sp.AdjustmentType, _ = d.enum(p+".adjustmentType", f["adjustmentType"])
	sp.StepAdjustments = d.stepAdjustments(p+".stepAdjustments", f["stepAdjustments"])
	if v, ok := d.integer(p+".cooldown", f["cooldown"]); ok {
		sp.Cooldown = v
	}
	if v, ok := d.enum(p+".metricAggregationType", f["metricAggregationType"]); ok {
		sp.MetricAggregationType = v
	}
	sp.MetricName, _ = d.str(p+".metricName", f["metricName"])
	sp.Namespace, _ = d.str(p+".namespace", f["namespace"])
	sp.Threshold, _ = d.number(p+".threshold", f["threshold"])
	sp.ComparisonOperator, _ = d.enum(p+".comparisonOperator", f["comparisonOperator"])
	for i, item := range d.items(p+".dimensions", f["dimensions"], "a list of { name, value } dimensions") {
		dp := index(p+".dimensions", i)
		df := d.fields(dp, item, dimensionKeys)
		d.require(dp+".name", df["name"], "name is required in a dimension: the CloudWatch dimension name, e.g. QueueName")
		d.require(dp+".value", df["value"], "value is required in a dimension: the CloudWatch dimension value")
		var dim Dimension
		dim.Name, _ = d.str(dp+".name", df["name"])
		dim.Value, _ = d.str(dp+".value", df["value"])
		sp.Dimensions = append(sp.Dimensions, dim)
	}
}

func (d *decoder) stepAdjustments(path string, n *yaml.Node) []StepAdjustment {
	var out []StepAdjustment
	for i, item := range d.items(path, n, "a list of step adjustments") {
		p := index(path, i)
		f := d.fields(p, item, stepAdjustmentKeys)
		var sa StepAdjustment
		if v, ok := d.number(p+".metricIntervalLowerBound", f["metricIntervalLowerBound"]); ok {
			sa.LowerBound = &v
		}
		if v, ok := d.number(p+".metricIntervalUpperBound", f["metricIntervalUpperBound"]); ok {
			sa.UpperBound = &v
		}
		d.require(p+".scalingAdjustment", f["scalingAdjustment"], "scalingAdjustment is required: the whole number to scale by in this step")
		sa.ScalingAdjustment, _ = d.integer(p+".scalingAdjustment", f["scalingAdjustment"])
		out = append(out, sa)
	}
	return out
}
