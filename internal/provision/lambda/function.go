package lambda

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// Function provisions plan.KindFunction: a PackageType Image function named r.Name.
type Function struct {
	clients ClientFactory
}

// NewFunction returns the function provisioner.
func NewFunction(clients ClientFactory) *Function { return &Function{clients: clients} }

// Observe implements provision.Provisioner.
func (f *Function) Observe(ctx context.Context, env provision.Env, r plan.Resource) (provision.Observation, error) {
	out, err := lookupFunction(ctx, f.clients(regionOf(env, r)), r.Name)
	if err != nil {
		return provision.Observation{}, provision.ClassifyFor(err, "observe", r)
	}
	if out == nil {
		return provision.Observation{}, nil
	}
	if !provision.Owned(env, r, out.Tags) {
		return provision.NotOwnedObservation(env, r), nil
	}
	cfg := out.Configuration
	if cfg.State == types.StateFailed {
		// Creation failed for good (image missing, role refused...): nothing to wait for.
		return provision.Observation{}, errRefused(r, "observe", "function state Failed: "+string(cfg.StateReasonCode)+": "+aws.ToString(cfg.StateReason))
	}
	d, err := f.desired(env, r)
	if err != nil {
		return provision.Observation{}, err
	}
	diffs, err := diffFunction(ctx, env, r, d, out)
	if err != nil {
		return provision.Observation{}, err
	}
	if cfg.LastUpdateStatus == types.LastUpdateStatusFailed {
		// Not up to date, so the step calls Update, which decides whether this is final.
		diffs = append(diffs, provision.FieldDiff{Field: "lastUpdateStatus", Desired: string(types.LastUpdateStatusSuccessful), Actual: failure(cfg)})
	}
	return provision.Observation{Exists: true, Ready: ready(cfg), Diff: diffs, Outputs: functionOutputs(cfg)}, nil
}

// Create implements provision.Provisioner.
func (f *Function) Create(ctx context.Context, env provision.Env, r plan.Resource) (provision.Outputs, error) {
	api := f.clients(regionOf(env, r))
	out, err := lookupFunction(ctx, api, r.Name)
	if err != nil {
		return nil, provision.ClassifyFor(err, "create", r)
	}
	if out != nil {
		return f.converge(ctx, env, r, api, out)
	}
	return f.create(ctx, env, r, api)
}

// Update implements provision.Provisioner. A function that has disappeared is created.
func (f *Function) Update(ctx context.Context, env provision.Env, r plan.Resource) (provision.Outputs, error) {
	api := f.clients(regionOf(env, r))
	out, err := lookupFunction(ctx, api, r.Name)
	if err != nil {
		return nil, provision.ClassifyFor(err, "update", r)
	}
	if out == nil {
		return f.create(ctx, env, r, api)
	}
	return f.converge(ctx, env, r, api, out)
}

// Delete implements provision.Provisioner. The function's URL config and resource policy
// go with it.
func (f *Function) Delete(ctx context.Context, env provision.Env, r plan.Resource) error {
	api := f.clients(regionOf(env, r))
	out, err := lookupFunction(ctx, api, r.Name)
	if err != nil || out == nil {
		return provision.ClassifyFor(err, "delete", r)
	}
	if !provision.Owned(env, r, out.Tags) {
		return &provision.NotOwnedError{Kind: string(r.Kind), Name: r.Name}
	}
	_, err = api.DeleteFunction(ctx, &awslambda.DeleteFunctionInput{FunctionName: aws.String(r.Name)})
	if provision.IsNotFound(err) {
		return nil
	}
	return provision.ClassifyFor(err, "delete", r)
}

// create makes the function. The role may be minutes old and not yet assumable by
// Lambda: provision.Retry retries that within its short budget.
func (f *Function) create(ctx context.Context, env provision.Env, r plan.Resource, api API) (provision.Outputs, error) {
	d, err := f.desired(env, r)
	if err != nil {
		return nil, err
	}
	vars, err := resolveEnvironment(ctx, env, r, d.props.Environment)
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
		Tags:          provision.Tags(env, r),
	}
	if d.props.MemoryMB > 0 {
		in.MemorySize = aws.Int32(int32(d.props.MemoryMB))
	}
	if d.props.TimeoutSec > 0 {
		in.Timeout = aws.Int32(int32(d.props.TimeoutSec))
	}
	var res *awslambda.CreateFunctionOutput
	err = provision.Retry(ctx, func() (err error) {
		res, err = api.CreateFunction(ctx, in)
		return err
	})
	if err != nil {
		return nil, provision.ClassifyFor(err, "create", r)
	}
	return functionOutputs(&types.FunctionConfiguration{FunctionArn: res.FunctionArn, FunctionName: res.FunctionName}), nil
}

// converge brings an existing function to the desired state: nothing when it matches,
// otherwise one configuration update and one code update. Lambda refuses the second while
// the first is in progress, so that case ends with *provision.TransientError and the
// state machine calls Update again later.
func (f *Function) converge(ctx context.Context, env provision.Env, r plan.Resource, api API, out *awslambda.GetFunctionOutput) (provision.Outputs, error) {
	if !provision.Owned(env, r, out.Tags) {
		return nil, &provision.NotOwnedError{Kind: string(r.Kind), Name: r.Name}
	}
	d, err := f.desired(env, r)
	if err != nil {
		return nil, err
	}
	diffs, err := diffFunction(ctx, env, r, d, out)
	if err != nil {
		return nil, err
	}
	cfg := out.Configuration
	if cfg.LastUpdateStatus == types.LastUpdateStatusFailed && len(diffs) == 0 {
		// The desired state is exactly the update Lambda just failed to apply: sending it
		// again would fail the same way.
		return nil, &provision.RolloutFailedError{Kind: string(r.Kind), Name: r.Name, Reason: "Lambda could not apply the update: " + failure(cfg)}
	}
	if len(diffs) == 0 {
		return functionOutputs(cfg), nil
	}
	if busy(cfg) {
		return nil, inProgress(r, "an earlier change is still being applied")
	}
	if hasConfigChange(diffs) {
		in, err := d.configurationInput(ctx, env, r)
		if err != nil {
			return nil, err
		}
		res, err := api.UpdateFunctionConfiguration(ctx, in)
		if err != nil {
			return nil, provision.ClassifyFor(err, "update configuration", r)
		}
		if hasCodeChange(diffs) && res.LastUpdateStatus == types.LastUpdateStatusInProgress {
			return nil, inProgress(r, "configuration updated; the image update follows once it is applied")
		}
	}
	if hasCodeChange(diffs) {
		_, err := api.UpdateFunctionCode(ctx, &awslambda.UpdateFunctionCodeInput{
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
