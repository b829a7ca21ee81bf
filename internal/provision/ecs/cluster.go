package ecs

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

type clusterCall = provision.Call[API, plan.ClusterProps]

// NewCluster returns the provisioner of AWS::ECS::Cluster, found by name. A deleted
// cluster lingers as INACTIVE for a while; it counts as gone, and CreateCluster with its
// name makes a new one. containerInsights is the only setting berth manages.
func NewCluster(client API) provision.Provisioner {
	return provision.Adapt(provision.Kind[API, plan.ClusterProps, types.Cluster]{
		Clients: func(string) API { return client },
		Find:    lookupCluster,
		Owned:   func(c *clusterCall, live *types.Cluster) bool { return owned(c.Env, c.R, live.Tags) },
		Diff: func(_ context.Context, c *clusterCall, live *types.Cluster) (provision.Diffs, error) {
			var d provision.Diffs
			d.Add("containerInsights", insightsValue(c.Props.ContainerInsights), liveInsights(live))
			return d, nil
		},
		Ready:   func(live *types.Cluster) bool { return aws.ToString(live.Status) == "ACTIVE" },
		Outputs: func(_ *clusterCall, live *types.Cluster) provision.Outputs { return clusterOutputs(live) },
		Create: func(ctx context.Context, c *clusterCall) (provision.Outputs, error) {
			out, err := c.API.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String(c.R.Name), Settings: insights(c.Props), Tags: tags(c.Env, c.R)})
			if err != nil {
				return nil, err
			}
			return clusterOutputs(out.Cluster), nil
		},
		Converge: func(ctx context.Context, c *clusterCall, live *types.Cluster, _ provision.Diffs) (provision.Outputs, error) {
			_, err := c.API.UpdateCluster(ctx, &ecs.UpdateClusterInput{Cluster: live.ClusterArn, Settings: insights(c.Props)})
			return clusterOutputs(live), err
		},
		Remove: func(ctx context.Context, c *clusterCall, live *types.Cluster) error {
			_, err := c.API.DeleteCluster(ctx, &ecs.DeleteClusterInput{Cluster: live.ClusterArn})
			return err
		},
		// While its services are still draining AWS refuses to delete a cluster: the
		// state machine retries.
		Classify: func(err error, op string, r plan.Resource) error {
			switch provision.ErrorCode(err) {
			case "ClusterContainsServicesException", "ClusterContainsTasksException", "UpdateInProgressException":
				return &provision.TransientError{Kind: string(r.Kind), Name: r.Name, Op: op, Cause: err.Error()}
			}
			return provision.ClassifyFor(err, op, r)
		},
	})
}

const insightsSetting = types.ClusterSettingNameContainerInsights

func insightsValue(on bool) string {
	if on {
		return "enabled"
	}
	return "disabled"
}

func insights(p plan.ClusterProps) []types.ClusterSetting {
	return []types.ClusterSetting{{Name: insightsSetting, Value: aws.String(insightsValue(p.ContainerInsights))}}
}

func lookupCluster(ctx context.Context, c *clusterCall) (*types.Cluster, error) {
	out, err := c.API.DescribeClusters(ctx, &ecs.DescribeClustersInput{
		Clusters: []string{c.R.Name},
		Include:  []types.ClusterField{types.ClusterFieldTags, types.ClusterFieldSettings},
	})
	if err != nil {
		return nil, err
	}
	for i, cl := range out.Clusters {
		if aws.ToString(cl.Status) != "INACTIVE" {
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
