package main

import (
	"bytes"
	"regexp"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/provision"
	"github.com/berth-dev/berth/internal/state"
)

func TestStatusShowsTheLockItsPendingDeploymentAndDrift(t *testing.T) {
	t0 := time.Now().Add(time.Hour)
	v := &statusView{App: "shop", Stage: "prod", Deployed: true, URL: "https://d1.cloudfront.net", Domains: []string{"https://shop.example.com"},
		Resources: 14, ConfigKey: "shop/prod/serverless.containers.yml", ConfigVersion: "v7", AppliedDeployment: "d7", AppliedAt: t0,
		Routes:         []routeView{{Key: "/*", Container: "web", Target: "alb"}, {Key: "shop.example.com/api/*", Container: "api", Target: "lambda"}, {Key: "/odd", Raw: "???"}},
		Containers:     []containerView{{Name: "web", Compute: "awsFargateEcs", Paths: []string{"/*"}, Health: "1 of 2 tasks running, last deployment IN_PROGRESS", LastDeployment: "d8 RUNNING: unchanged"}},
		LastDeployment: &state.Deployment{ID: "d8", Status: state.StatusRunning, Key: "k", Started: t0},
		Lock:           &state.Lock{Holder: "d8", ExpiresAt: t0, Pending: &state.Request{DeploymentID: "d9", VersionID: "v9", RequestedAt: t0}},
		Drift: &state.DriftReport{At: t0, Repaired: true, DeploymentID: "d6", Resources: []state.ResourceDrift{
			{ID: "api/Function", Kind: "AWS::Lambda::Function", Diff: []provision.FieldDiff{{Field: "memorySize"}, {Field: "timeout"}}},
			{ID: "web/Service", Kind: "AWS::ECS::Service", Missing: true}}},
	}
	var out bytes.Buffer
	writeStatus(&out, v)
	for _, re := range []string{
		`(?m)^shop/prod: deployed$`,
		`(?m)^  url: +https://d1\.cloudfront\.net$`,
		`(?m)^  domains: +https://shop\.example\.com$`,
		`(?m)^  resources: +14$`,
		`(?m)^  routes: +3\n    /\* +-> web \(alb\)\n    shop\.example\.com/api/\* -> api \(lambda\)\n    /odd +-> \?\?\?$`,
		`(?m)^  containers: +1\n    web \(awsFargateEcs\): /\*\n      health: UNHEALTHY, 1 of 2 tasks running, last deployment IN_PROGRESS\n      last deployment: d8 RUNNING: unchanged$`,
		`(?m)^  config: +shop/prod/serverless\.containers\.yml \(version v7\)$`,
		`(?m)^  last deployment: d8 RUNNING, started `,
		`(?m)^  lock: +held by deployment d8 \(until `,
		`(?m)^  pending: +deployment d9 \(config version v9, requested `,
		`(?m)^  drift: +2 resources drifted at .* \(repaired by deployment d6\)\n    api/Function AWS::Lambda::Function \(changed: memorySize, timeout\)\n    web/Service AWS::ECS::Service \(missing\)$`,
	} {
		if !regexp.MustCompile(re).MatchString(out.String()) {
			t.Errorf("status does not match %s:\n%s", re, out.String())
		}
	}
}
