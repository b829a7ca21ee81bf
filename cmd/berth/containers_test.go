package main

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
	"github.com/berth-dev/berth/internal/state"
)

// fakeHealth answers GetFunctionConfiguration and DescribeServices from tables, and
// records the cluster each DescribeServices named.
type fakeHealth struct {
	functions map[string]*lambda.GetFunctionConfigurationOutput
	services  map[string]ecstypes.Service
	clusters  []string
}

func (f *fakeHealth) GetFunctionConfiguration(_ context.Context, in *lambda.GetFunctionConfigurationInput, _ ...func(*lambda.Options)) (*lambda.GetFunctionConfigurationOutput, error) {
	if out, ok := f.functions[*in.FunctionName]; ok {
		return out, nil
	}
	return nil, errors.New("ResourceNotFoundException: Function not found")
}

func (f *fakeHealth) DescribeServices(_ context.Context, in *ecs.DescribeServicesInput, _ ...func(*ecs.Options)) (*ecs.DescribeServicesOutput, error) {
	f.clusters = append(f.clusters, aws.ToString(in.Cluster))
	if s, ok := f.services[in.Services[0]]; ok {
		return &ecs.DescribeServicesOutput{Services: []ecstypes.Service{s}}, nil
	}
	// DescribeServices reports an unknown service as a failure, not an error (API_DescribeServices).
	return &ecs.DescribeServicesOutput{Failures: []ecstypes.Failure{{Reason: aws.String("MISSING")}}}, nil
}

func TestEachContainerShowsItsComputePathsHealthAndWhatTheLastDeploymentDidToIt(t *testing.T) {
	svcProps, _ := json.Marshal(plan.ServiceProps{Cluster: plan.Ref{ID: "Cluster", Attr: plan.AttrName}})
	applied := &state.Applied{
		Desired: &plan.Desired{Resources: []plan.Resource{
			{ID: "Cluster", Kind: plan.KindCluster, Name: "berth-shop-prod-cluster"},
			{ID: "api/Function", Kind: plan.KindFunction, Container: "api", Name: "berth-shop-prod-api"},
			{ID: "web/Service", Kind: plan.KindService, Container: "web", Name: "berth-shop-prod-web", Props: svcProps},
			{ID: "jobs/Function", Kind: plan.KindFunction, Container: "jobs", Name: "berth-shop-prod-jobs"},
			{ID: "worker/Service", Kind: plan.KindService, Container: "worker", Name: "gone", Props: svcProps},
		}},
		Outputs: map[string]provision.Outputs{"Cluster": {plan.AttrName: "cluster-physical"}},
	}
	fake := &fakeHealth{
		functions: map[string]*lambda.GetFunctionConfigurationOutput{
			"berth-shop-prod-api":  {State: lambdatypes.StateActive, LastUpdateStatus: lambdatypes.LastUpdateStatusSuccessful},
			"berth-shop-prod-jobs": {State: lambdatypes.StateActive, LastUpdateStatus: lambdatypes.LastUpdateStatusFailed, LastUpdateStatusReason: aws.String("image not found")},
		},
		services: map[string]ecstypes.Service{"berth-shop-prod-web": {RunningCount: 1, DesiredCount: 2, Deployments: []ecstypes.Deployment{
			{Status: aws.String("ACTIVE"), RolloutState: ecstypes.DeploymentRolloutStateCompleted},
			{Status: aws.String("PRIMARY"), RolloutState: ecstypes.DeploymentRolloutStateInProgress}}}},
	}
	routes := []routeView{{Key: "/api/*", Container: "api"}, {Key: "/*", Container: "web"}, {Key: "shop.example.com/api/*", Container: "api"}}
	last := &state.Deployment{ID: "d9", Status: state.StatusSucceeded, Steps: []state.StepRecord{
		{Name: "update api/Function", Status: "SUCCEEDED"}, {Name: "update api/Url", Status: "FAILED"}, {Name: "update RouteTable", Status: "SUCCEEDED"}}}
	got := containerViews(context.Background(), applied, routes, last, func(string) (lambdaHealthAPI, ecsHealthAPI) { return fake, fake })

	want := []containerView{
		{Name: "api", Compute: "awsLambda", Paths: []string{"/api/*", "shop.example.com/api/*"}, Health: "state Active, last update Successful", Healthy: true,
			LastDeployment: "d9 SUCCEEDED: update Function, update Url (FAILED)"},
		{Name: "jobs", Compute: "awsLambda", Health: "state Active, last update Failed (image not found)", LastDeployment: "d9 SUCCEEDED: unchanged"},
		{Name: "web", Compute: "awsFargateEcs", Paths: []string{"/*"}, Health: "1 of 2 tasks running, last deployment IN_PROGRESS", LastDeployment: "d9 SUCCEEDED: unchanged"},
		{Name: "worker", Compute: "awsFargateEcs", Health: "unknown: service gone missing", LastDeployment: "d9 SUCCEEDED: unchanged"},
	}
	gotJSON, _ := json.MarshalIndent(got, "", "  ")
	wantJSON, _ := json.MarshalIndent(want, "", "  ")
	if string(gotJSON) != string(wantJSON) {
		t.Errorf("containers:\n%s\nwant:\n%s", gotJSON, wantJSON)
	}
	for _, c := range fake.clusters {
		if c != "cluster-physical" {
			t.Errorf("DescribeServices in cluster %q, want the applied cluster's name", c)
		}
	}
}
