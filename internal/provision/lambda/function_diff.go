package lambda

import (
	"context"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/berth-dev/berth/internal/provision"
)

// Fields changed through UpdateFunctionCode; every other field goes through
// UpdateFunctionConfiguration.
var codeFields = map[string]bool{"imageUri": true, "architecture": true}

// diffFunction lists the props fields where the live function differs from d.
func diffFunction(ctx context.Context, env provision.Env, d desiredFunction, out *awslambda.GetFunctionOutput) (provision.Diffs, error) {
	cfg := out.Configuration
	var diffs provision.Diffs
	diffs.Add("imageUri", d.props.ImageURI, liveImage(out))
	diffs.Add("architecture", d.architecture(), liveArchitecture(cfg))
	if d.props.MemoryMB > 0 {
		diffs.Add("memoryMb", d.props.MemoryMB, aws.ToInt32(cfg.MemorySize))
	}
	if d.props.TimeoutSec > 0 {
		diffs.Add("timeoutSec", d.props.TimeoutSec, aws.ToInt32(cfg.Timeout))
	}
	diffs.Add("role", d.role, aws.ToString(cfg.Role))
	diffs.Add("logGroup", d.effectiveLogGroup(), liveLogGroup(cfg))
	subnets, groups := liveVpc(cfg)
	diffs.Add("subnetIds", joinSorted(d.props.SubnetIDs), joinSorted(subnets))
	diffs.Add("securityGroupIds", joinSorted(d.props.SecurityGroupIDs), joinSorted(groups))
	envDiffs, err := diffEnvironment(ctx, env, d.props.Environment, liveEnvironment(cfg))
	if err != nil {
		return nil, err
	}
	return append(diffs, envDiffs...), nil
}

func hasCodeChange(diffs []provision.FieldDiff) bool {
	return slices.ContainsFunc(diffs, func(d provision.FieldDiff) bool { return codeFields[d.Field] })
}

func hasConfigChange(diffs []provision.FieldDiff) bool {
	return slices.ContainsFunc(diffs, func(d provision.FieldDiff) bool { return !codeFields[d.Field] })
}

func liveImage(out *awslambda.GetFunctionOutput) string {
	if out.Code == nil {
		return ""
	}
	return aws.ToString(out.Code.ImageUri)
}

func liveArchitecture(cfg *types.FunctionConfiguration) string {
	if len(cfg.Architectures) == 0 {
		return string(types.ArchitectureX8664)
	}
	return string(cfg.Architectures[0])
}

// liveLogGroup is where the function logs now. A function without LoggingConfig (or an
// emulator that does not store it) logs to the default group.
func liveLogGroup(cfg *types.FunctionConfiguration) string {
	if cfg.LoggingConfig == nil || aws.ToString(cfg.LoggingConfig.LogGroup) == "" {
		return defaultLogGroup(aws.ToString(cfg.FunctionName))
	}
	return aws.ToString(cfg.LoggingConfig.LogGroup)
}

func liveVpc(cfg *types.FunctionConfiguration) (subnets, groups []string) {
	if cfg.VpcConfig == nil {
		return nil, nil
	}
	return cfg.VpcConfig.SubnetIds, cfg.VpcConfig.SecurityGroupIds
}

func liveEnvironment(cfg *types.FunctionConfiguration) map[string]string {
	if cfg.Environment == nil {
		return nil
	}
	return cfg.Environment.Variables
}

func joinSorted(s []string) string {
	s = slices.Clone(s)
	slices.Sort(s)
	return strings.Join(s, ",")
}
