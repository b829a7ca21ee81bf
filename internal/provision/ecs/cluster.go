package ecs

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// Cluster provisions AWS::ECS::Cluster, found by name. A deleted cluster lingers as
// INACTIVE for a while; it counts as gone, and CreateCluster with its name makes a new one.
type Cluster struct{ client API }

// NewCluster returns the cluster provisioner.
func NewCluster(client API) *Cluster { return &Cluster{client: client} }

const insightsSetting = types.ClusterSettingNameContainerInsights

func insightsValue(on bool) string {
	if on {
		return "enabled"
	}
	return "disabled"
}

func (p *Cluster) lookup(ctx context.Context, r plan.Resource) (*types.Cluster, error) {
	out, err := p.client.DescribeClusters(ctx, &ecs.DescribeClustersInput{
		Clusters: []string{r.Name},
		Include:  []types.ClusterField{types.ClusterFieldTags, types.ClusterFieldSettings},
	})
	if err != nil {
		return nil, provision.Classify(err, "describe", string(r.Kind), r.Name)
	}
	for i, c := range out.Clusters {
		if aws.ToString(c.Status) != "INACTIVE" {
			return &out.Clusters[i], nil
		}
	}
	return nil, nil
}

func clusterOutputs(c *types.Cluster) provision.Outputs {
	return provision.Outputs{plan.AttrArn: aws.ToString(c.ClusterArn), plan.AttrName: aws.ToString(c.ClusterName)}
}

// liveInsights reads the containerInsights setting; absent means the account default,
// which is disabled unless the account opted in (and berth then sets it explicitly).
func liveInsights(c *types.Cluster) string {
	for _, s := range c.Settings {
		if s.Name == insightsSetting {
			return aws.ToString(s.Value)
		}
	}
	return "disabled"
}

// Observe reports the cluster; it is Ready once ACTIVE.
func (p *Cluster) Observe(ctx context.Context, env provision.Env, r plan.Resource) (provision.Observation, error) {
	props, err := provision.Decode[plan.ClusterProps](r)
	if err != nil {
		return provision.Observation{}, err
	}
	c, err := p.lookup(ctx, r)
	if err != nil || c == nil {
		return provision.Observation{}, err
	}
	obs := provision.Observation{Exists: true, Ready: aws.ToString(c.Status) == "ACTIVE", Outputs: clusterOutputs(c)}
	if !owned(env, r, c.Tags) {
		obs.Diff = []provision.FieldDiff{provision.NotOwnedDiff(env, r)}
		return obs, nil
	}
	var d provision.Diffs
	d.Add("containerInsights", insightsValue(props.ContainerInsights), liveInsights(c))
	obs.Diff = d
	return obs, nil
}

// Create makes the cluster, or sets an existing one's containerInsights.
func (p *Cluster) Create(ctx context.Context, env provision.Env, r plan.Resource) (provision.Outputs, error) {
	props, err := provision.Decode[plan.ClusterProps](r)
	if err != nil {
		return nil, err
	}
	c, err := p.lookup(ctx, r)
	if err != nil {
		return nil, err
	}
	settings := []types.ClusterSetting{{Name: insightsSetting, Value: aws.String(insightsValue(props.ContainerInsights))}}
	if c == nil {
		out, err := p.client.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String(r.Name), Settings: settings, Tags: tags(env, r)})
		if err != nil {
			return nil, provision.Classify(err, "create", string(r.Kind), r.Name)
		}
		return clusterOutputs(out.Cluster), nil
	}
	if !owned(env, r, c.Tags) {
		return nil, &provision.NotOwnedError{Kind: string(r.Kind), Name: r.Name}
	}
	if liveInsights(c) != insightsValue(props.ContainerInsights) {
		if _, err := p.client.UpdateCluster(ctx, &ecs.UpdateClusterInput{Cluster: c.ClusterArn, Settings: settings}); err != nil {
			return nil, provision.Classify(err, "update", string(r.Kind), r.Name)
		}
	}
	return clusterOutputs(c), nil
}

// Update is Create: containerInsights is the only setting berth manages.
func (p *Cluster) Update(ctx context.Context, env provision.Env, r plan.Resource) (provision.Outputs, error) {
	return p.Create(ctx, env, r)
}

// Delete removes the cluster. While its services are still draining AWS refuses with
// ClusterContainsServices/TasksException: transient, the state machine retries.
func (p *Cluster) Delete(ctx context.Context, env provision.Env, r plan.Resource) error {
	c, err := p.lookup(ctx, r)
	if err != nil || c == nil {
		return err
	}
	if !owned(env, r, c.Tags) {
		return &provision.NotOwnedError{Kind: string(r.Kind), Name: r.Name}
	}
	_, err = p.client.DeleteCluster(ctx, &ecs.DeleteClusterInput{Cluster: c.ClusterArn})
	if err == nil {
		return nil
	}
	switch provision.ErrorCode(err) {
	case "ClusterNotFoundException":
		return nil
	case "ClusterContainsServicesException", "ClusterContainsTasksException", "UpdateInProgressException":
		return &provision.TransientError{Kind: string(r.Kind), Name: r.Name, Op: "delete", Cause: err.Error()}
	}
	return provision.Classify(err, "delete", string(r.Kind), r.Name)
}
