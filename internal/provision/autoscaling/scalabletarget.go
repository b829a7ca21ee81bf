package autoscaling

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	aas "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	"github.com/aws/aws-sdk-go-v2/service/applicationautoscaling/types"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// The dimension berth scales: an ECS service's desired count.
const (
	namespace = types.ServiceNamespaceEcs
	dimension = types.ScalableDimensionECSServiceDesiredCount
)

type targetCall = provision.Call[API, targetWant]

// NewScalableTarget returns the provisioner of AWS::ApplicationAutoScaling::ScalableTarget
// for a service. RegisterScalableTarget is an upsert; changing min/max also moves the
// service's desired count into the new range, which is why the service itself stops
// reconciling its count once it is autoscaled. Deregistering the target deletes its
// scaling policies with it.
func NewScalableTarget(client API) provision.Provisioner {
	return provision.Adapt(provision.Kind[API, targetWant, types.ScalableTarget]{
		Clients: func(string) API { return client },
		Desired: wantTarget,
		Find:    lookupTarget,
		Diff: func(_ context.Context, c *targetCall, t *types.ScalableTarget) (provision.Diffs, error) {
			return targetDiff(c.Props, t), nil
		},
		Outputs: func(c *targetCall, t *types.ScalableTarget) provision.Outputs {
			return targetOutputs(c.Props.resourceID, aws.ToString(t.ScalableTargetARN))
		},
		Create: func(ctx context.Context, c *targetCall) (provision.Outputs, error) { return register(ctx, c, true) },
		Converge: func(ctx context.Context, c *targetCall, _ *types.ScalableTarget, _ provision.Diffs) (provision.Outputs, error) {
			return register(ctx, c, false)
		},
		Remove: func(ctx context.Context, c *targetCall, _ *types.ScalableTarget) error {
			_, err := c.API.DeregisterScalableTarget(ctx, &aas.DeregisterScalableTargetInput{
				ServiceNamespace: namespace, ScalableDimension: dimension, ResourceId: aws.String(c.Props.resourceID),
			})
			return err
		},
	})
}

type targetWant struct {
	resourceID string
	min, max   int
}

func wantTarget(_ context.Context, c *targetCall) (targetWant, error) {
	env, r := c.Env, c.R
	props, err := provision.Decode[plan.ScalableTargetProps](r)
	if err != nil {
		return targetWant{}, err
	}
	cluster, err := env.Refs.Resolve(props.Cluster)
	if err != nil {
		return targetWant{}, err
	}
	service, err := env.Refs.Resolve(props.Service)
	if err != nil {
		return targetWant{}, err
	}
	return targetWant{resourceID: "service/" + lastSegment(cluster) + "/" + lastSegment(service), min: props.Min, max: props.Max}, nil
}

func lookupTarget(ctx context.Context, c *targetCall) (*types.ScalableTarget, error) {
	id := c.Props.resourceID
	out, err := c.API.DescribeScalableTargets(ctx, &aas.DescribeScalableTargetsInput{
		ServiceNamespace: namespace, ResourceIds: []string{id}, ScalableDimension: dimension,
	})
	if err != nil {
		return nil, err
	}
	for i, t := range out.ScalableTargets {
		if aws.ToString(t.ResourceId) == id && t.ScalableDimension == dimension {
			return &out.ScalableTargets[i], nil
		}
	}
	return nil, nil
}

// register registers the target with its range; AWS applies Tags only when the target
// is created.
func register(ctx context.Context, c *targetCall, create bool) (provision.Outputs, error) {
	w := c.Props
	in := &aas.RegisterScalableTargetInput{
		ServiceNamespace: namespace, ScalableDimension: dimension, ResourceId: aws.String(w.resourceID),
		MinCapacity: aws.Int32(int32(w.min)), MaxCapacity: aws.Int32(int32(w.max)),
	}
	if create {
		in.Tags = provision.Tags(c.Env, c.R)
	}
	out, err := c.API.RegisterScalableTarget(ctx, in)
	if err != nil {
		return nil, err
	}
	return targetOutputs(w.resourceID, aws.ToString(out.ScalableTargetARN)), nil
}

func targetOutputs(id, arn string) provision.Outputs {
	out := provision.Outputs{plan.AttrID: id, plan.AttrName: id}
	if arn != "" {
		out[plan.AttrArn] = arn
	}
	return out
}

func targetDiff(w targetWant, t *types.ScalableTarget) provision.Diffs {
	var d provision.Diffs
	d.Add("min", w.min, aws.ToInt32(t.MinCapacity))
	d.Add("max", w.max, aws.ToInt32(t.MaxCapacity))
	return d
}
