//go:build aws

package acceptance

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/berth-dev/berth/internal/plan"
)

// Settles what only CloudFront itself can (../shared/audits/fidelity-edge.md §4):
//   - U1: a request through a Lambda route already proved the placeholder origin never
//     reaches DNS resolution (requests());
//   - U2: every deploy read its routes back right after writing them (RouteMismatchError
//     would have rolled it back);
//   - U3: the deepest path the router accepts costs the most KVS lookups; its
//     FunctionComputeUtilization must stay well under CloudFront's limit of 100.

// deepRequests sends paths at the router's 12-segment limit so the worst-case lookup
// chain runs on real CloudFront.
func deepRequests(base string) error {
	deep := "/api/" + strings.Repeat("s/", 10) + "leaf"
	for i := 0; i < 50; i++ {
		resp, err := http.Get(base + deep)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode >= 500 {
			return fmt.Errorf("GET %s: %d (x-berth-error %q)", deep, resp.StatusCode, resp.Header.Get("x-berth-error"))
		}
	}
	return nil
}

// routerUtilization reads the router function's highest FunctionComputeUtilization
// (namespace AWS/CloudFront, us-east-1, dimensions FunctionName and Region=Global), waiting
// for CloudWatch to publish it.
func (st *stack) routerUtilization(ctx context.Context, s settings) (float64, error) {
	a, err := st.store.LoadApplied(ctx, s.app, s.stage)
	if err != nil || a == nil {
		return 0, fmt.Errorf("applied state: %v", err)
	}
	name := ""
	for _, r := range a.Desired.Resources {
		if r.Kind == plan.KindCloudFrontFunction {
			name = r.Name
		}
	}
	cfg := st.cfg.Copy()
	cfg.Region = "us-east-1"
	cw := cloudwatch.NewFromConfig(cfg)
	for deadline := time.Now().Add(15 * time.Minute); time.Now().Before(deadline); time.Sleep(time.Minute) {
		out, err := cw.GetMetricStatistics(ctx, &cloudwatch.GetMetricStatisticsInput{
			Namespace: aws.String("AWS/CloudFront"), MetricName: aws.String("FunctionComputeUtilization"),
			Dimensions: []cwtypes.Dimension{{Name: aws.String("FunctionName"), Value: aws.String(name)},
				{Name: aws.String("Region"), Value: aws.String("Global")}},
			StartTime: aws.Time(time.Now().Add(-time.Hour)), EndTime: aws.Time(time.Now()),
			Period: aws.Int32(60), Statistics: []cwtypes.Statistic{cwtypes.StatisticMaximum},
		})
		if err != nil {
			return 0, err
		}
		max := -1.0
		for _, p := range out.Datapoints {
			if v := aws.ToFloat64(p.Maximum); v > max {
				max = v
			}
		}
		if max >= 0 {
			return max, nil
		}
	}
	return 0, fmt.Errorf("no FunctionComputeUtilization for %s after 15 minutes", name)
}

// routerCost runs the deep requests and fails when the router used 80% or more of its
// compute budget on them.
func routerCost(ctx context.Context, st *stack, s settings, base string) error {
	if err := deepRequests(base); err != nil {
		return err
	}
	u, err := st.routerUtilization(ctx, s)
	if err != nil {
		return err
	}
	if u >= 80 {
		return fmt.Errorf("router FunctionComputeUtilization %.0f%% on 12-segment paths: too close to CloudFront's limit", u)
	}
	return nil
}
