package config

import (
	"fmt"
	"strings"
)

// Valid keys at each level of the format. They are the single source for unknown-key
// errors and are checked against schema.json by a test, so the two cannot drift apart.
var (
	rootKeys              = []string{"name", "org", "frameworkVersion", "stages", "deployment", "containers"}
	stageKeys             = []string{"params"}
	deploymentKeys        = []string{"type", "private", "awsVpc", "awsIam", "awsAlb", "awsFargateEcs", "awsCloudFront", "drift", "logs", "slack"}
	vpcKeys               = []string{"id", "publicSubnets", "privateSubnets", "s2sSecurityGroupId", "loadBalancerSecurityGroupId"}
	deploymentIamKeys     = []string{"roleArn"}
	albKeys               = []string{"wafAclArn", "internal", "privateHostedZoneId"}
	deploymentFargateKeys = []string{"executionRoleArn"}
	cloudFrontKeys        = []string{"wafAclArn", "originReadTimeout", "priceClass"}
	driftKeys             = []string{"repair"}
	logsKeys              = []string{"retentionInDays"}
	containerKeys         = []string{"src", "image", "port", "build", "environment", "routing", "compute", "dev", "integrations"}
	buildKeys             = []string{"args", "dockerFileString", "options"}
	routingKeys           = []string{"domain", "pathPattern", "pathHealthCheck"}
	computeKeys           = []string{"type", "awsLambda", "awsFargateEcs", "awsIam"}
	lambdaKeys            = []string{"memory", "timeout", "vpc", "invokeMode", "architecture", "webAdapter"}
	fargateKeys           = []string{"cpu", "memory", "scale"}
	computeIamKeys        = []string{"customPolicy", "roleArn"}
	devKeys               = []string{"hooks", "watchPath", "watchExtensions", "excludeDirectories"}
	hooksKeys             = []string{"onreload"}
	stepAdjustmentKeys    = []string{"metricIntervalLowerBound", "metricIntervalUpperBound", "scalingAdjustment"}
	dimensionKeys         = []string{"name", "value"}
	// scaleKeys are the keys of one scale policy, by its type.
	scaleKeys = map[string][]string{
		"desired": {"type", "desired"},
		"min":     {"type", "min"},
		"max":     {"type", "max"},
		"target":  {"type", "target", "value", "scaleIn", "scaleInCooldown", "scaleOutCooldown"},
		"step":    {"type", "adjustmentType", "stepAdjustments", "cooldown", "metricAggregationType", "metricName", "namespace", "dimensions", "threshold", "comparisonOperator"},
	}
	scaleTypes = []string{"desired", "min", "max", "target", "step"}
)

// keyHomes says where each key belongs, to point a misplaced key at its right place
// (SCF's own guide once showed environment under compute).
var keyHomes = func() map[string][]string {
	levels := []struct {
		where string
		keys  []string
	}{
		{"the top level", rootKeys},
		{"deployment", deploymentKeys},
		{"deployment.awsVpc", vpcKeys},
		{"deployment.awsCloudFront", cloudFrontKeys},
		{"containers.<name>", containerKeys},
		{"containers.<name>.routing", routingKeys},
		{"containers.<name>.compute", computeKeys},
		{"containers.<name>.compute.awsLambda", lambdaKeys},
		{"containers.<name>.compute.awsFargateEcs", fargateKeys},
		{"containers.<name>.compute.awsIam", computeIamKeys},
	}
	homes := map[string][]string{}
	for _, l := range levels {
		for _, k := range l.keys {
			homes[k] = append(homes[k], l.where)
		}
	}
	return homes
}()

// unknownKeyMessage explains an unknown key: the valid keys at that level, a close match,
// and where the key belongs if it is valid elsewhere.
func unknownKeyMessage(key string, valid []string) string {
	msg := fmt.Sprintf("unknown key %q; valid keys here: %s", clip(key), strings.Join(valid, ", "))
	if s := closest(key, valid); s != "" {
		return msg + fmt.Sprintf(" (did you mean %q?)", s)
	}
	if homes := keyHomes[key]; len(homes) > 0 {
		return msg + fmt.Sprintf(" (%q belongs under %s)", key, strings.Join(homes, " or "))
	}
	return msg
}

// closest returns the candidate nearest to s if it is plausibly a typo.
func closest(s string, candidates []string) string {
	best, bestDist := "", 3
	for _, c := range candidates {
		if strings.EqualFold(s, c) {
			return c
		}
		if d := distance(strings.ToLower(s), strings.ToLower(c)); d < bestDist && d <= len(c)/3+1 {
			best, bestDist = c, d
		}
	}
	return best
}

// distance is the Levenshtein edit distance.
func distance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 99
	}
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// oneOf formats a list of valid values for messages.
func oneOf[T any](values []T) string {
	parts := make([]string, len(values))
	for i, v := range values {
		parts[i] = fmt.Sprint(v)
	}
	return strings.Join(parts, ", ")
}
