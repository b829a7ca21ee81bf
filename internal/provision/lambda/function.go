package lambda

import (
	"context"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// fnCall is one verb's call on a function.
type fnCall = provision.Call[API, plan.FunctionProps]

// lastUpdateField is the diff a failed last update adds: not up to date, so the step
// calls Update, which decides whether the failure is final.
const lastUpdateField = "lastUpdateStatus"

// NewFunction returns the provisioner of plan.KindFunction: a PackageType Image function
// named r.Name. Its refs (image, role, log group) are resolved only to create and
// compare; deleting needs none. The function's URL config and resource policy go with it.
func NewFunction(clients ClientFactory) provision.Provisioner {
	return provision.Adapt(provision.Kind[API, plan.FunctionProps, awslambda.GetFunctionOutput]{
		Clients: clients,
		Find: func(ctx context.Context, c *fnCall) (*awslambda.GetFunctionOutput, error) {
			return c.API.GetFunction(ctx, &awslambda.GetFunctionInput{FunctionName: aws.String(c.R.Name)})
		},
		Owned: func(c *fnCall, out *awslambda.GetFunctionOutput) bool { return provision.Owned(c.Env, c.R, out.Tags) },
		// Creation failed for good (image missing, role refused...): nothing to wait for.
		Failed: func(c *fnCall, out *awslambda.GetFunctionOutput) error {
			if cfg := out.Configuration; cfg.State == types.StateFailed {
				return errRefused(c.R, "observe", "function state Failed: "+string(cfg.StateReasonCode)+": "+aws.ToString(cfg.StateReason))
			}
			return nil
		},
		Diff: func(ctx context.Context, c *fnCall, out *awslambda.GetFunctionOutput) (provision.Diffs, error) {
			d, err := wantFunction(c)
			if err != nil {
				return nil, err
			}
			diffs, err := diffFunction(ctx, c.Env, d, out)
			if err != nil {
				return nil, err
			}
			if cfg := out.Configuration; cfg.LastUpdateStatus == types.LastUpdateStatusFailed {
				diffs = append(diffs, provision.FieldDiff{Field: lastUpdateField, Desired: string(types.LastUpdateStatusSuccessful), Actual: failure(cfg)})
			}
			return diffs, nil
		},
		Ready: func(out *awslambda.GetFunctionOutput) bool { return ready(out.Configuration) },
		Outputs: func(_ *fnCall, out *awslambda.GetFunctionOutput) provision.Outputs {
			return functionOutputs(out.Configuration)
		},
		Create:   createFunction,
		Converge: convergeFunction,
		Remove: func(ctx context.Context, c *fnCall, _ *awslambda.GetFunctionOutput) error {
			_, err := c.API.DeleteFunction(ctx, &awslambda.DeleteFunctionInput{FunctionName: aws.String(c.R.Name)})
			return err
		},
	})
}

// createFunction makes the function. The role may be minutes old and not yet assumable
// by Lambda: provision.Retry retries that within its short budget. Errors name the
// create, on Update too.
func createFunction(ctx context.Context, c *fnCall) (provision.Outputs, error) {
	r := c.R
	d, err := wantFunction(c)
	if err != nil {
		return nil, err
	}
	vars, err := resolveEnvironment(ctx, c.Env, r, d.props.Environment)
	if err != nil {
		return nil, err
	}
	in := &awslambda.CreateFunctionInput{
		FunctionName:  aws.String(r.Name),
		PackageType:   types.PackageTypeImage,
		Code:          &types.FunctionCode{ImageUri: aws.String(d.props.ImageURI)},
		Role:          aws.String(d.role),
		Architectures: []types.Architecture{types.Architecture(d.architecture())},
		Environment:   &types.Environment{Variables: vars},
		LoggingConfig: d.loggingConfig(),
		VpcConfig:     d.createVpcConfig(),
		Tags:          provision.Tags(c.Env, r),
	}
	if d.props.MemoryMB > 0 {
		in.MemorySize = aws.Int32(int32(d.props.MemoryMB))
	}
	if d.props.TimeoutSec > 0 {
		in.Timeout = aws.Int32(int32(d.props.TimeoutSec))
	}
	var res *awslambda.CreateFunctionOutput
	err = provision.Retry(ctx, func() (err error) {
		res, err = c.API.CreateFunction(ctx, in)
		return err
	})
	if err != nil {
		return nil, provision.ClassifyFor(err, "create", r)
	}
	return functionOutputs(&types.FunctionConfiguration{FunctionArn: res.FunctionArn, FunctionName: res.FunctionName}), nil
}

// convergeFunction brings a function that differs to the desired state: one
// configuration update and one code update. Lambda refuses the second while the first is
// in progress, so that case ends with *provision.TransientError and the state machine
// calls Update again later.
func convergeFunction(ctx context.Context, c *fnCall, out *awslambda.GetFunctionOutput, diffs provision.Diffs) (provision.Outputs, error) {
	r, cfg := c.R, out.Configuration
	changes := slices.DeleteFunc(slices.Clone(diffs), func(d provision.FieldDiff) bool { return d.Field == lastUpdateField })
	if len(changes) == 0 {
		// The desired state is exactly the update Lambda just failed to apply: sending it
		// again would fail the same way.
		return nil, &provision.RolloutFailedError{Kind: string(r.Kind), Name: r.Name, Reason: "Lambda could not apply the update: " + failure(cfg)}
	}
	if busy(cfg) {
		return nil, inProgress(r, "an earlier change is still being applied")
	}
	d, err := wantFunction(c)
	if err != nil {
		return nil, err
	}
	if hasConfigChange(changes) {
		in, err := d.configurationInput(ctx, c.Env, r)
		if err != nil {
			return nil, err
		}
		res, err := c.API.UpdateFunctionConfiguration(ctx, in)
		if err != nil {
			return nil, provision.ClassifyFor(err, "update configuration", r)
		}
		if hasCodeChange(changes) && res.LastUpdateStatus == types.LastUpdateStatusInProgress {
			return nil, inProgress(r, "configuration updated; the image update follows once it is applied")
		}
	}
	if hasCodeChange(changes) {
		_, err := c.API.UpdateFunctionCode(ctx, &awslambda.UpdateFunctionCodeInput{
			FunctionName:  aws.String(r.Name),
			ImageUri:      aws.String(d.props.ImageURI),
			Architectures: []types.Architecture{types.Architecture(d.architecture())},
		})
		if err != nil {
			return nil, provision.ClassifyFor(err, "update code", r)
		}
	}
	return functionOutputs(cfg), nil
}

// ready: Active, or Inactive (idle: Lambda reclaimed its resources and recreates them on
// the next invoke or update, so there is nothing to wait for), with its last update
// applied. LastUpdateStatus: https://docs.aws.amazon.com/lambda/latest/dg/functions-states.html
func ready(cfg *types.FunctionConfiguration) bool {
	return (cfg.State == types.StateActive || cfg.State == types.StateInactive) && !busy(cfg) &&
		cfg.LastUpdateStatus != types.LastUpdateStatusFailed
}

// failure is AWS's reason for a failed update.
func failure(cfg *types.FunctionConfiguration) string {
	return "LastUpdateStatus Failed: " + string(cfg.LastUpdateStatusReasonCode) + ": " + aws.ToString(cfg.LastUpdateStatusReason)
}

// busy: Lambda would refuse another change now.
func busy(cfg *types.FunctionConfiguration) bool {
	return cfg.State == types.StatePending || cfg.LastUpdateStatus == types.LastUpdateStatusInProgress
}

func inProgress(r plan.Resource, cause string) error {
	return &provision.TransientError{Kind: string(r.Kind), Name: r.Name, Op: "update", Cause: cause}
}

func functionOutputs(cfg *types.FunctionConfiguration) provision.Outputs {
	return provision.Outputs{plan.AttrArn: unqualified(aws.ToString(cfg.FunctionArn)), plan.AttrName: aws.ToString(cfg.FunctionName)}
}
