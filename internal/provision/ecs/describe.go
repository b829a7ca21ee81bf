package ecs

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// describeAPI is what the inventory reads of clusters, services and task definitions.
type describeAPI interface {
	DescribeClusters(ctx context.Context, in *ecs.DescribeClustersInput, optFns ...func(*ecs.Options)) (*ecs.DescribeClustersOutput, error)
	DescribeServices(ctx context.Context, in *ecs.DescribeServicesInput, optFns ...func(*ecs.Options)) (*ecs.DescribeServicesOutput, error)
	ListTaskDefinitions(ctx context.Context, in *ecs.ListTaskDefinitionsInput, optFns ...func(*ecs.Options)) (*ecs.ListTaskDefinitionsOutput, error)
}

// ECS batch limits.
const (
	describeClusterBatch = 100
	describeServiceBatch = 10
)

var (
	describeCluster        = provision.Describer{ARNTypes: []string{"ecs:cluster"}, Items: describeClusters}
	describeService        = provision.Describer{ARNTypes: []string{"ecs:service"}, Items: describeServices}
	describeTaskDefinition = provision.Describer{ARNTypes: []string{"ecs:task-definition"}, Items: describeTaskDefinitions}
)

// describeClient is the ECS client of the app region (where the tagging scan found the
// resources: berth's ECS lives there).
func describeClient(s provision.Scope, found []provision.Tagged) describeAPI {
	return ecs.NewFromConfig(s.Config(found[0].ARN.Region))
}

// describeClusters reads berth's clusters (DescribeClusters, batched). An INACTIVE
// cluster is gone as far as berth is concerned and is left out.
func describeClusters(ctx context.Context, s provision.Scope, found []provision.Tagged) ([]provision.Item, error) {
	if len(found) == 0 {
		return nil, nil
	}
	api := describeClient(s, found)
	var items []provision.Item
	for _, batch := range provision.Batches(provision.ARNs(found), describeClusterBatch) {
		out, err := api.DescribeClusters(ctx, &ecs.DescribeClustersInput{Clusters: batch})
		if err != nil {
			return nil, fmt.Errorf("DescribeClusters: %w", err)
		}
		for _, c := range out.Clusters {
			status := aws.ToString(c.Status)
			if status == "INACTIVE" {
				continue
			}
			items = append(items, provision.Item{Type: string(plan.KindCluster), Name: aws.ToString(c.ClusterName), Arn: aws.ToString(c.ClusterArn), Attributes: provision.Attrs(
				"status", status,
				"activeServices", strconv.Itoa(int(c.ActiveServicesCount)),
				"runningTasks", strconv.Itoa(int(c.RunningTasksCount)),
			)})
		}
	}
	return items, nil
}

// describeServices reads berth's services (DescribeServices per cluster, batched). An
// INACTIVE service is left out; a DRAINING one is listed.
func describeServices(ctx context.Context, s provision.Scope, found []provision.Tagged) ([]provision.Item, error) {
	if len(found) == 0 {
		return nil, nil
	}
	api := describeClient(s, found)
	// Long-format ARNs name the cluster: service/<cluster>/<service>.
	byCluster := map[string][]string{}
	var order []string
	var items []provision.Item
	for _, t := range found {
		cluster, _, ok := strings.Cut(t.ARN.ID, "/")
		if !ok {
			// Short (pre-2021) ARN format: no cluster to describe it in.
			items = append(items, provision.Item{Type: string(t.Kind), Name: t.Name(t.ARN.Name()), Arn: t.ARN.String()})
			continue
		}
		if _, seen := byCluster[cluster]; !seen {
			order = append(order, cluster)
		}
		byCluster[cluster] = append(byCluster[cluster], t.ARN.String())
	}
	for _, cluster := range order {
		for _, batch := range provision.Batches(byCluster[cluster], describeServiceBatch) {
			out, err := api.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String(cluster), Services: batch})
			if provision.ErrorCode(err) == "ClusterNotFoundException" {
				break // the cluster, and so its services, are gone
			}
			if err != nil {
				return nil, fmt.Errorf("DescribeServices in %s: %w", cluster, err)
			}
			for _, svc := range out.Services {
				items = appendServiceItem(items, svc, cluster)
			}
		}
	}
	return items, nil
}

func appendServiceItem(items []provision.Item, s ecstypes.Service, cluster string) []provision.Item {
	status := aws.ToString(s.Status)
	if status == "INACTIVE" {
		return items
	}
	td := ""
	if a, ok := provision.ParseARN(aws.ToString(s.TaskDefinition)); ok {
		td = a.ID
	}
	return append(items, provision.Item{Type: string(plan.KindService), Name: aws.ToString(s.ServiceName), Arn: aws.ToString(s.ServiceArn), Attributes: provision.Attrs(
		"status", status,
		"cluster", cluster,
		"desiredCount", strconv.Itoa(int(s.DesiredCount)),
		"runningCount", strconv.Itoa(int(s.RunningCount)),
		"taskDefinition", td,
		"launchType", string(s.LaunchType),
	)})
}

// describeTaskDefinitions keeps the tagged revisions that are ACTIVE: one
// ListTaskDefinitions per family (berth has one family per Fargate container), no call
// per revision.
func describeTaskDefinitions(ctx context.Context, s provision.Scope, found []provision.Tagged) ([]provision.Item, error) {
	if len(found) == 0 {
		return nil, nil
	}
	api := describeClient(s, found)
	byFamily := map[string][]provision.Tagged{}
	var order []string
	for _, t := range found {
		family, _, _ := strings.Cut(t.ARN.ID, ":")
		if _, seen := byFamily[family]; !seen {
			order = append(order, family)
		}
		byFamily[family] = append(byFamily[family], t)
	}
	var items []provision.Item
	for _, family := range order {
		active, err := activeRevisions(ctx, api, family)
		if err != nil {
			return nil, err
		}
		for _, t := range byFamily[family] {
			if !active[t.ARN.String()] {
				continue
			}
			_, rev, _ := strings.Cut(t.ARN.ID, ":")
			items = append(items, provision.Item{Type: string(plan.KindTaskDefinition), Name: t.ARN.ID, Arn: t.ARN.String(), Attributes: provision.Attrs(
				"family", family,
				"revision", rev,
				"status", "ACTIVE",
			)})
		}
	}
	return items, nil
}

func activeRevisions(ctx context.Context, api describeAPI, family string) (map[string]bool, error) {
	in := &ecs.ListTaskDefinitionsInput{FamilyPrefix: aws.String(family), Status: ecstypes.TaskDefinitionStatusActive}
	active := map[string]bool{}
	for {
		out, err := api.ListTaskDefinitions(ctx, in)
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
