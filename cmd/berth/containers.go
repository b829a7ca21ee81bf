package main

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
	"github.com/berth-dev/berth/internal/state"
)

// containerView is one container in `berth status`.
type containerView struct {
	Name    string   `json:"name"`
	Compute string   `json:"compute"` // awsLambda or awsFargateEcs
	Paths   []string `json:"paths,omitempty"`
	// Health is what AWS reports now: Lambda State and LastUpdateStatus; ECS
	// running/desired tasks and the primary deployment's rolloutState.
	Health  string `json:"health"`
	Healthy bool   `json:"healthy"`
	// LastDeployment is what the last deployment did to this container.
	LastDeployment string `json:"lastDeployment,omitempty"`
}

// lambdaHealthAPI and ecsHealthAPI are the reads the health check makes.
type lambdaHealthAPI interface {
	GetFunctionConfiguration(ctx context.Context, in *lambda.GetFunctionConfigurationInput, optFns ...func(*lambda.Options)) (*lambda.GetFunctionConfigurationOutput, error)
}

type ecsHealthAPI interface {
	DescribeServices(ctx context.Context, in *ecs.DescribeServicesInput, optFns ...func(*ecs.Options)) (*ecs.DescribeServicesOutput, error)
}

// healthClients makes the clients for a region (the applied resources' region).
type healthClients func(region string) (lambdaHealthAPI, ecsHealthAPI)

func sdkHealthClients(cfg aws.Config) healthClients {
	return func(region string) (lambdaHealthAPI, ecsHealthAPI) {
		c := cfg.Copy()
		if region != "" {
			c.Region = region
		}
		return lambda.NewFromConfig(c), ecs.NewFromConfig(c)
	}
}

// containerViews lists the applied containers with their paths, live health and what the
// last deployment (with its steps) did to each.
func containerViews(ctx context.Context, applied *state.Applied, routes []routeView, last *state.Deployment, clients healthClients) []containerView {
	byName := map[string]*containerView{}
	clusters := map[string]string{} // logical id -> physical name
	for _, r := range applied.Desired.Resources {
		if r.Kind == plan.KindCluster {
			clusters[r.ID] = orText(applied.Outputs[r.ID][plan.AttrName], r.Name)
		}
	}
	var names []string
	for _, r := range applied.Desired.Resources {
		if r.Kind != plan.KindFunction && r.Kind != plan.KindService || r.Container == "" {
			continue
		}
		v := &containerView{Name: r.Container}
		lam, ecsc := clients(r.Region)
		name := orText(applied.Outputs[r.ID][plan.AttrName], r.Name)
		if r.Kind == plan.KindFunction {
			v.Compute = "awsLambda"
			v.Health, v.Healthy = lambdaHealth(ctx, lam, name)
		} else {
			v.Compute = "awsFargateEcs"
			cluster := ""
			if p, err := provision.Decode[plan.ServiceProps](r); err == nil && p.Cluster.ID != "" {
				cluster = clusters[p.Cluster.ID]
			}
			v.Health, v.Healthy = ecsHealth(ctx, ecsc, cluster, name)
		}
		byName[r.Container] = v
		names = append(names, r.Container)
	}
	for _, rt := range routes {
		if v := byName[rt.Container]; v != nil {
			v.Paths = append(v.Paths, rt.Key)
		}
	}
	sort.Strings(names)
	out := make([]containerView, 0, len(names))
	for _, n := range names {
		v := byName[n]
		v.LastDeployment = containerOutcome(last, n)
		out = append(out, *v)
	}
	return out
}

func lambdaHealth(ctx context.Context, api lambdaHealthAPI, name string) (string, bool) {
	out, err := api.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String(name)})
	if err != nil {
		return "unknown: " + err.Error(), false
	}
	st, upd := string(out.State), string(out.LastUpdateStatus)
	h := "state " + orText(st, "-") + ", last update " + orText(upd, "-")
	if out.StateReason != nil && st != "Active" {
		h += " (" + aws.ToString(out.StateReason) + ")"
	}
	if out.LastUpdateStatusReason != nil && upd == "Failed" {
		h += " (" + aws.ToString(out.LastUpdateStatusReason) + ")"
	}
	return h, st == "Active" && (upd == "" || upd == "Successful")
}

func ecsHealth(ctx context.Context, api ecsHealthAPI, cluster, name string) (string, bool) {
	in := &ecs.DescribeServicesInput{Services: []string{name}}
	if cluster != "" {
		in.Cluster = aws.String(cluster)
	}
	out, err := api.DescribeServices(ctx, in)
	if err != nil {
		return "unknown: " + err.Error(), false
	}
	if len(out.Services) == 0 {
		reason := "not found"
		if len(out.Failures) > 0 {
			reason = aws.ToString(out.Failures[0].Reason)
		}
		return "unknown: service " + name + " " + strings.ToLower(reason), false
	}
	s := out.Services[0]
	h := fmt.Sprintf("%d of %d tasks running", s.RunningCount, s.DesiredCount)
	rollout := ""
	for _, d := range s.Deployments {
		if aws.ToString(d.Status) == "PRIMARY" {
			rollout = string(d.RolloutState)
			h += ", last deployment " + orText(rollout, "-")
			if d.RolloutState == ecstypes.DeploymentRolloutStateFailed && d.RolloutStateReason != nil {
				h += " (" + aws.ToString(d.RolloutStateReason) + ")"
			}
		}
	}
	return h, s.RunningCount == s.DesiredCount && s.DesiredCount > 0 && rollout != string(ecstypes.DeploymentRolloutStateFailed)
}

// containerOutcome is what the deployment's steps did to one container, e.g.
// "d9 SUCCEEDED: update Function, update Url" or "d9 SUCCEEDED: unchanged".
func containerOutcome(d *state.Deployment, container string) string {
	if d == nil {
		return ""
	}
	var did []string
	for _, s := range d.Steps {
		action, target, ok := strings.Cut(s.Name, " ")
		if kind, mine := strings.CutPrefix(target, container+"/"); ok && mine {
			step := action + " " + kind
			if s.Status != string(state.StatusSucceeded) {
				step += " (" + s.Status + ")"
			}
			did = append(did, step)
		}
	}
	what := "unchanged"
	if len(did) > 0 {
		what = strings.Join(did, ", ")
	}
	return fmt.Sprintf("%s %s: %s", d.ID, d.Status, what)
}
