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

// ScalableTarget provisions AWS::ApplicationAutoScaling::ScalableTarget for a service.
// RegisterScalableTarget is an upsert; changing min/max also moves the service's desired
// count into the new range, which is why the service itself stops reconciling its count
// once it is autoscaled.
type ScalableTarget struct{ client API }

// NewScalableTarget returns the scalable target provisioner.
func NewScalableTarget(client API) *ScalableTarget { return &ScalableTarget{client: client} }

type targetWant struct {
	resourceID string
	min, max   int
}

func (p *ScalableTarget) want(env provision.Env, r plan.Resource) (targetWant, error) {
	props, err := decode[plan.ScalableTargetProps](r)
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

func (p *ScalableTarget) lookup(ctx context.Context, r plan.Resource, id string) (*types.ScalableTarget, error) {
	out, err := p.client.DescribeScalableTargets(ctx, &aas.DescribeScalableTargetsInput{
		ServiceNamespace: namespace, ResourceIds: []string{id}, ScalableDimension: dimension,
	})
	if err != nil {
		return nil, provision.Classify(err, "describe", string(r.Kind), r.Name)
	}
	for i, t := range out.ScalableTargets {
		if aws.ToString(t.ResourceId) == id && t.ScalableDimension == dimension {
			return &out.ScalableTargets[i], nil
		}
	}
	return nil, nil
}

func targetOutputs(id, arn string) provision.Outputs {
	out := provision.Outputs{plan.AttrID: id, plan.AttrName: id}
	if arn != "" {
		out[plan.AttrArn] = arn
	}
	return out
}

func targetDiff(w targetWant, t *types.ScalableTarget) diffs {
	var d diffs
	d.add("min", w.min, aws.ToInt32(t.MinCapacity))
	d.add("max", w.max, aws.ToInt32(t.MaxCapacity))
	return d
}

// Observe reports the target and its capacity range.
func (p *ScalableTarget) Observe(ctx context.Context, env provision.Env, r plan.Resource) (provision.Observation, error) {
	w, err := p.want(env, r)
	if err != nil {
		return provision.Observation{}, err
	}
	t, err := p.lookup(ctx, r, w.resourceID)
	if err != nil || t == nil {
		return provision.Observation{}, err
	}
	return provision.Observation{Exists: true, Ready: true, Outputs: targetOutputs(w.resourceID, aws.ToString(t.ScalableTargetARN)),
		Diff: targetDiff(w, t)}, nil
}

// Create registers the target, or re-registers it with the new range when it differs.
func (p *ScalableTarget) Create(ctx context.Context, env provision.Env, r plan.Resource) (provision.Outputs, error) {
	w, err := p.want(env, r)
	if err != nil {
		return nil, err
	}
	t, err := p.lookup(ctx, r, w.resourceID)
	if err != nil {
		return nil, err
	}
	if t != nil && len(targetDiff(w, t)) == 0 {
		return targetOutputs(w.resourceID, aws.ToString(t.ScalableTargetARN)), nil
	}
	in := &aas.RegisterScalableTargetInput{
		ServiceNamespace: namespace, ScalableDimension: dimension, ResourceId: aws.String(w.resourceID),
		MinCapacity: aws.Int32(int32(w.min)), MaxCapacity: aws.Int32(int32(w.max)),
	}
	if t == nil { // AWS applies Tags only when the target is created
		in.Tags = provision.Tags(env, r)
	}
	out, err := p.client.RegisterScalableTarget(ctx, in)
	if err != nil {
		return nil, provision.Classify(err, "register", string(r.Kind), r.Name)
	}
	return targetOutputs(w.resourceID, aws.ToString(out.ScalableTargetARN)), nil
}

// Update is Create: registration is an upsert.
func (p *ScalableTarget) Update(ctx context.Context, env provision.Env, r plan.Resource) (provision.Outputs, error) {
	return p.Create(ctx, env, r)
}

// Delete deregisters the target; AWS deletes its scaling policies with it.
func (p *ScalableTarget) Delete(ctx context.Context, env provision.Env, r plan.Resource) error {
	w, err := p.want(env, r)
	if err != nil {
		return err
	}
	t, err := p.lookup(ctx, r, w.resourceID)
	if err != nil || t == nil {
		return err
	}
	_, err = p.client.DeregisterScalableTarget(ctx, &aas.DeregisterScalableTargetInput{
		ServiceNamespace: namespace, ScalableDimension: dimension, ResourceId: aws.String(w.resourceID),
	})
	if err != nil && !notFound(err) {
		return provision.Classify(err, "deregister", string(r.Kind), r.Name)
	}
	return nil
}
