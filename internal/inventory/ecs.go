package inventory

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/berth-dev/berth/internal/plan"
)

// ECS batch limits.
const (
	ecsClusterBatch = 100
	ecsServiceBatch = 10
)

// ecs lists berth's clusters (DescribeClusters, batched), services (DescribeServices per
// cluster, batched) and task definition revisions (ListTaskDefinitions ACTIVE, per
// family). INACTIVE clusters and services and deregistered revisions are gone as far as
// berth is concerned and are left out; a DRAINING service is listed.
func (l *Lister) ecs(ctx context.Context, clusters, services, taskDefs []tagged) ([]Item, error) {
	var c collector
	c.run("clusters", func() ([]Item, error) { return l.clusters(ctx, clusters) })
	c.run("services", func() ([]Item, error) { return l.services(ctx, services) })
	c.run("task definitions", func() ([]Item, error) { return l.taskDefinitions(ctx, taskDefs) })
	return c.wait()
}

func (l *Lister) clusters(ctx context.Context, ts []tagged) ([]Item, error) {
	var items []Item
	for _, batch := range batches(arnsOf(ts), ecsClusterBatch) {
		out, err := l.c.ECS.DescribeClusters(ctx, &ecs.DescribeClustersInput{Clusters: batch})
		if err != nil {
			return nil, fmt.Errorf("DescribeClusters: %w", err)
		}
		for _, c := range out.Clusters {
			status := aws.ToString(c.Status)
			if status == "INACTIVE" {
				continue
			}
			items = append(items, Item{Type: string(plan.KindCluster), Name: aws.ToString(c.ClusterName), Arn: aws.ToString(c.ClusterArn), Attributes: attrs(
				"status", status,
				"activeServices", strconv.Itoa(int(c.ActiveServicesCount)),
				"runningTasks", strconv.Itoa(int(c.RunningTasksCount)),
			)})
		}
	}
	return items, nil
}

func (l *Lister) services(ctx context.Context, ts []tagged) ([]Item, error) {
	// Long-format ARNs name the cluster: service/<cluster>/<service>.
	byCluster := map[string][]string{}
	var order []string
	var items []Item
	for _, t := range ts {
		cluster, _, ok := strings.Cut(t.a.id, "/")
		if !ok {
			// Short (pre-2021) ARN format: no cluster to describe it in.
			items = append(items, Item{Type: t.typ, Name: t.name(nameOf(t.a)), Arn: t.arn})
			continue
		}
		if _, seen := byCluster[cluster]; !seen {
			order = append(order, cluster)
		}
		byCluster[cluster] = append(byCluster[cluster], t.arn)
	}
	for _, cluster := range order {
		for _, batch := range batches(byCluster[cluster], ecsServiceBatch) {
			out, err := l.c.ECS.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String(cluster), Services: batch})
			if errorCode(err) == "ClusterNotFoundException" {
				break // the cluster, and so its services, are gone
			}
			if err != nil {
				return nil, fmt.Errorf("DescribeServices in %s: %w", cluster, err)
			}
			for _, s := range out.Services {
				items = appendService(items, s, cluster)
			}
		}
	}
	return items, nil
}

func appendService(items []Item, s ecstypes.Service, cluster string) []Item {
	status := aws.ToString(s.Status)
	if status == "INACTIVE" {
		return items
	}
	td := ""
	if a, ok := parseARN(aws.ToString(s.TaskDefinition)); ok {
		td = a.id
	}
	return append(items, Item{Type: string(plan.KindService), Name: aws.ToString(s.ServiceName), Arn: aws.ToString(s.ServiceArn), Attributes: attrs(
		"status", status,
		"cluster", cluster,
		"desiredCount", strconv.Itoa(int(s.DesiredCount)),
		"runningCount", strconv.Itoa(int(s.RunningCount)),
		"taskDefinition", td,
		"launchType", string(s.LaunchType),
	)})
}

// taskDefinitions keeps the tagged revisions that are ACTIVE: one ListTaskDefinitions
// per family (berth has one family per Fargate container), no call per revision.
func (l *Lister) taskDefinitions(ctx context.Context, ts []tagged) ([]Item, error) {
	byFamily := map[string][]tagged{}
	var order []string
	for _, t := range ts {
		family, _, _ := strings.Cut(t.a.id, ":")
		if _, seen := byFamily[family]; !seen {
			order = append(order, family)
		}
		byFamily[family] = append(byFamily[family], t)
	}
	var items []Item
	for _, family := range order {
		active, err := l.activeRevisions(ctx, family)
		if err != nil {
			return nil, err
		}
		for _, t := range byFamily[family] {
			if !active[t.arn] {
				continue
			}
			_, rev, _ := strings.Cut(t.a.id, ":")
			items = append(items, Item{Type: string(plan.KindTaskDefinition), Name: t.a.id, Arn: t.arn, Attributes: attrs(
				"family", family,
				"revision", rev,
				"status", "ACTIVE",
			)})
		}
	}
	return items, nil
}

func (l *Lister) activeRevisions(ctx context.Context, family string) (map[string]bool, error) {
	in := &ecs.ListTaskDefinitionsInput{FamilyPrefix: aws.String(family), Status: ecstypes.TaskDefinitionStatusActive}
	active := map[string]bool{}
	for {
		out, err := l.c.ECS.ListTaskDefinitions(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("ListTaskDefinitions %s: %w", family, err)
		}
		for _, arn := range out.TaskDefinitionArns {
			active[arn] = true
		}
		if aws.ToString(out.NextToken) == "" {
			return active, nil
		}
		in.NextToken = out.NextToken
	}
}
