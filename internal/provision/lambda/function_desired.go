package lambda

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// desiredFunction is a function's props with refs resolved. It holds no secret values.
type desiredFunction struct {
	name     string
	props    plan.FunctionProps
	role     string // role ARN
	logGroup string // log group name; "" when the props name none
}

// wantFunction resolves the refs of c's props.
func wantFunction(c *fnCall) (desiredFunction, error) {
	env, r := c.Env, c.R
	d := desiredFunction{name: r.Name, props: c.Props}
	var err error
	if d.props.ImageURI == "" && d.props.Image != nil {
		// The image berth built from src (its build node's output).
		if d.props.ImageURI, err = env.Refs.Resolve(*d.props.Image); err != nil {
			return d, err
		}
	}
	if d.props.ImageURI == "" {
		return d, errRefused(r, "validate", "no imageUri: berth deploys Lambda containers from a prebuilt image")
	}
	role, err := resolveRole(env, r, d.props.Role)
	if err != nil {
		return d, err
	}
	d.role = role
	if d.props.LogGroup.ID != "" {
		name, err := env.Refs.Resolve(d.props.LogGroup)
		if err != nil {
			return d, err
		}
		d.logGroup = logGroupName(name)
	}
	return d, nil
}

// resolveRole returns the execution role ARN: a berth role's output, or the ARN given.
func resolveRole(env provision.Env, r plan.Resource, ref plan.RoleRef) (string, error) {
	switch {
	case ref.Ref != nil:
		return env.Refs.Resolve(*ref.Ref)
	case ref.Arn != "":
		return ref.Arn, nil
	}
	return "", errRefused(r, "validate", "no execution role: props.role needs a ref or an arn")
}

// logGroupName accepts a log group name or ARN (arn:…:log-group:<name>[:*]) and returns
// the name, which is what Lambda's LoggingConfig takes.
func logGroupName(v string) string {
	if _, after, ok := strings.Cut(v, ":log-group:"); ok {
		return strings.TrimSuffix(after, ":*")
	}
	return v
}

// architecture defaults to Lambda's own default.
func (d desiredFunction) architecture() string {
	if d.props.Architecture == "" {
		return string(types.ArchitectureX8664)
	}
	return d.props.Architecture
}

// effectiveLogGroup is where the function's logs go: the configured group, or Lambda's
// default /aws/lambda/<name>.
func (d desiredFunction) effectiveLogGroup() string {
	if d.logGroup == "" {
		return defaultLogGroup(d.name)
	}
	return d.logGroup
}

func defaultLogGroup(function string) string { return "/aws/lambda/" + function }

func (d desiredFunction) loggingConfig() *types.LoggingConfig {
	if d.logGroup == "" {
		return nil
	}
	return &types.LoggingConfig{LogGroup: aws.String(d.logGroup), LogFormat: types.LogFormatText}
}

// vpcConfig places the function in the given subnets, or (empty lists) takes it out of
// any VPC, which is how UpdateFunctionConfiguration detaches one.
func (d desiredFunction) vpcConfig() *types.VpcConfig {
	return &types.VpcConfig{SubnetIds: nonNil(d.props.SubnetIDs), SecurityGroupIds: nonNil(d.props.SecurityGroupIDs)}
}

// createVpcConfig is vpcConfig for a new function: none at all outside a VPC.
func (d desiredFunction) createVpcConfig() *types.VpcConfig {
	if len(d.props.SubnetIDs) == 0 && len(d.props.SecurityGroupIDs) == 0 {
		return nil
	}
	return d.vpcConfig()
}

// configurationInput is the full configuration update, secrets resolved for the request.
func (d desiredFunction) configurationInput(ctx context.Context, env provision.Env, r plan.Resource) (*awslambda.UpdateFunctionConfigurationInput, error) {
	vars, err := resolveEnvironment(ctx, env, r, d.props.Environment)
	if err != nil {
		return nil, err
	}
	in := &awslambda.UpdateFunctionConfigurationInput{
		FunctionName:  aws.String(d.name),
		Role:          aws.String(d.role),
		Environment:   &types.Environment{Variables: vars},
		VpcConfig:     d.vpcConfig(),
		LoggingConfig: &types.LoggingConfig{LogGroup: aws.String(d.effectiveLogGroup()), LogFormat: types.LogFormatText},
	}
	if d.props.MemoryMB > 0 {
		in.MemorySize = aws.Int32(int32(d.props.MemoryMB))
	}
	if d.props.TimeoutSec > 0 {
		in.Timeout = aws.Int32(int32(d.props.TimeoutSec))
	}
	return in, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
