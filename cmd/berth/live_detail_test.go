package main

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/progress"
)

type fakeCDN map[string]string // distribution id -> status

func (f fakeCDN) GetDistribution(_ context.Context, in *cloudfront.GetDistributionInput, _ ...func(*cloudfront.Options)) (*cloudfront.GetDistributionOutput, error) {
	if st, ok := f[*in.Id]; ok {
		return &cloudfront.GetDistributionOutput{Distribution: &cftypes.Distribution{Id: in.Id, Status: aws.String(st)}}, nil
	}
	return nil, errors.New("NoSuchDistribution")
}

func TestAWaitingStepSaysWhatAWSReportsNow(t *testing.T) {
	fake := &fakeHealth{
		functions: map[string]*lambda.GetFunctionConfigurationOutput{"fn": {State: lambdatypes.StatePending, LastUpdateStatus: lambdatypes.LastUpdateStatusInProgress}},
		services:  map[string]ecstypes.Service{"web-svc": {RunningCount: 1, DesiredCount: 2}},
	}
	wt := &watch{health: func(string) (lambdaHealthAPI, ecsHealthAPI) { return fake, fake }, cdn: fakeCDN{"E2ABC": "InProgress"}}
	ctx := context.Background()
	for _, tt := range []struct {
		kind plan.Kind
		out  map[string]string
		want string
	}{
		{plan.KindDistribution, map[string]string{plan.AttrID: "E2ABC"}, "Distribution E2ABC InProgress"},
		{plan.KindService, map[string]string{plan.AttrArn: "arn:aws:ecs:eu-west-1:123456789012:service/shop-cluster/web-svc"}, "1 of 2 tasks running"},
		{plan.KindFunction, map[string]string{plan.AttrName: "fn"}, "state Pending, last update InProgress"},
		{plan.KindDistribution, map[string]string{plan.AttrID: "gone"}, ""},
		{plan.KindLoadBalancer, map[string]string{plan.AttrArn: "arn:aws:elasticloadbalancing:…"}, ""},
	} {
		if got := wt.liveDetail(ctx, progress.Flight{Kind: tt.kind, Waiting: true}, tt.out); got != tt.want {
			t.Errorf("%s %v: %q, want %q", tt.kind, tt.out, got, tt.want)
		}
	}
	if len(fake.clusters) != 1 || fake.clusters[0] != "shop-cluster" {
		t.Errorf("DescribeServices clusters %v, want the one in the service ARN", fake.clusters)
	}
}
