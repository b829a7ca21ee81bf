//go:build aws

package acceptance

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	tagging "github.com/aws/aws-sdk-go-v2/service/resourcegroupstaggingapi"
	taggingtypes "github.com/aws/aws-sdk-go-v2/service/resourcegroupstaggingapi/types"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/state"
)

// appConfig is the sample app: "api" on Lambda (or Fargate when switched) under /api/*,
// "web" on Fargate under /*. Both images echo the request (method, headers, body size).
func appConfig(s settings, apiImage, apiCompute string) string {
	domain := ""
	if s.domain != "" {
		domain = "\n      domain: " + s.domain
	}
	return fmt.Sprintf(`name: %s
deployment:
  type: aws@1.0
containers:
  api:
    image: %s
    routing:
      pathPattern: /api/*
      pathHealthCheck: /api/health
    compute:
      type: %s
  web:
    image: %s
    routing:
      pathPattern: /*
      pathHealthCheck: /health%s
    compute:
      type: awsFargateEcs
      awsFargateEcs: { cpu: 256, memory: 512 }
`, s.app, apiImage, apiCompute, s.webImage, domain)
}

func TestAcceptanceOnARealAccount(t *testing.T) {
	s := load(t)
	ctx := context.Background()
	clock := &timings{}
	st := open(t, ctx, s, clock)
	defer func() { t.Log("timings:\n  " + strings.Join(clock.phases, "\n  ")) }()

	deploy := func(name, body string, want state.Status) *state.Deployment {
		var dep *state.Deployment
		clock.run(t, name, func() error {
			dep = st.upload(t, ctx, s.app, s.stage, body)
			if state.Status(dep.Status) != want {
				return fmt.Errorf("deployment %s ended %s (%s), want %s", dep.ID, dep.Status, dep.Error, want)
			}
			return nil
		})
		return dep
	}

	deploy("first deploy (Lambda api + Fargate web)", appConfig(s, s.lambdaImage, "awsLambda"), state.StatusSucceeded)
	base := st.url(t, ctx, s)
	printCostRelevant(t, ctx, st, s)

	clock.run(t, "requests through CloudFront", func() error { return requests(base) })
	clock.run(t, "router cost on the deepest paths (U3)", func() error { return routerCost(ctx, st, s, base) })
	deploy("deploy a new image", appConfig(s, s.nextImage, "awsLambda"), state.StatusSucceeded)
	clock.run(t, "requests after the new image", func() error { return requests(base) })
	deploy("switch api to Fargate", appConfig(s, s.nextImage, "awsFargateEcs"), state.StatusSucceeded)
	deploy("switch api back to Lambda", appConfig(s, s.nextImage, "awsLambda"), state.StatusSucceeded)

	// An image that does not exist fails CreateFunction/UpdateFunctionCode on AWS: the
	// deployment must roll back and the previous version keep serving.
	deploy("injected failure rolls back", appConfig(s, s.nextImage+"-does-not-exist", "awsLambda"), state.StatusRolledBack)
	clock.run(t, "requests after the rollback", func() error { return requests(base) })

	clock.run(t, "drift repair of an out-of-band change", func() error { return driftRepair(t, ctx, st, s) })

	clock.run(t, "remove", func() error {
		x := st.startRemove(t, ctx, s.app, s.stage)
		if x.Status != sfntypes.ExecutionStatusSucceeded {
			return fmt.Errorf("remove execution %s ended %s", aws.ToString(x.Name), x.Status)
		}
		return nil
	})
	clock.run(t, "nothing left (tags, roles)", func() error { return nothingLeft(ctx, st, s) })
}

// url is the app's CloudFront address, from its applied state.
func (st *stack) url(t *testing.T, ctx context.Context, s settings) string {
	t.Helper()
	a, err := st.store.LoadApplied(ctx, s.app, s.stage)
	if err != nil || a == nil {
		t.Fatalf("applied state of %s/%s: %v", s.app, s.stage, err)
	}
	for _, r := range a.Desired.Resources {
		if r.Kind == plan.KindDistribution {
			return "https://" + a.Outputs[r.ID]["DomainName"]
		}
	}
	t.Fatal("no distribution in the applied state")
	return ""
}

// requests checks GET, POST with a body, an echoed Authorization header, and that a body
// over 1 MB to a Lambda route is refused with 413 (Lambda@Edge body limit).
func requests(base string) error {
	check := func(method, path string, body []byte, hdr map[string]string, wantStatus int, wantIn string) error {
		req, _ := http.NewRequest(method, base+path, bytes.NewReader(body))
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		var last error
		for attempt := 0; attempt < 20; attempt++ { // edge propagation
			resp, err := http.DefaultClient.Do(req)
			if err == nil {
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode == wantStatus && strings.Contains(string(b), wantIn) {
					return nil
				}
				err = fmt.Errorf("%s %s: %d %q, want %d containing %q", method, path, resp.StatusCode, truncate(b), wantStatus, wantIn)
			}
			last = err
			time.Sleep(15 * time.Second)
			req, _ = http.NewRequest(method, base+path, bytes.NewReader(body))
			for k, v := range hdr {
				req.Header.Set(k, v)
			}
		}
		return last
	}
	for _, c := range []func() error{
		func() error { return check("GET", "/", nil, nil, 200, "") },
		func() error { return check("GET", "/api/hello", nil, nil, 200, "") },
		func() error { return check("POST", "/api/echo", []byte(`{"hello":"berth"}`), nil, 200, "berth") },
		func() error {
			return check("GET", "/api/echo", nil, map[string]string{"Authorization": "Bearer acceptance-token"}, 200, "acceptance-token")
		},
		func() error { return check("POST", "/api/echo", bytes.Repeat([]byte("x"), 1<<20+1), nil, 413, "") },
	} {
		if err := c(); err != nil {
			return err
		}
	}
	return nil
}

func truncate(b []byte) string {
	if len(b) > 200 {
		return string(b[:200]) + "…"
	}
	return string(b)
}

// driftRepair changes the api function's memory out of band, runs the drift function and
// checks the repair deployment put it back.
func driftRepair(t *testing.T, ctx context.Context, st *stack, s settings) error {
	a, err := st.store.LoadApplied(ctx, s.app, s.stage)
	if err != nil || a == nil {
		return fmt.Errorf("applied state: %v", err)
	}
	fn := ""
	for _, r := range a.Desired.Resources {
		if r.Kind == plan.KindFunction && r.Container == "api" {
			fn = r.Name
		}
	}
	if fn == "" {
		return fmt.Errorf("no api function in the applied state")
	}
	lc := lambda.NewFromConfig(st.cfg)
	before, err := lc.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String(fn)})
	if err != nil {
		return err
	}
	if _, err := lc.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String(fn),
		MemorySize: aws.Int32(aws.ToInt32(before.MemorySize) + 128)}); err != nil {
		return err
	}
	since := time.Now()
	payload, _ := json.Marshal(map[string]string{"source": "drift", "app": s.app, "stage": s.stage})
	out, err := lc.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String(st.name + "-drift"), Payload: payload})
	if err != nil {
		return err
	}
	if out.FunctionError != nil {
		return fmt.Errorf("drift function: %s: %s", aws.ToString(out.FunctionError), out.Payload)
	}
	x := st.waitExecution(t, ctx, st.deploy, since)
	if x.Status != sfntypes.ExecutionStatusSucceeded {
		return fmt.Errorf("repair execution %s ended %s", aws.ToString(x.Name), x.Status)
	}
	after, err := lc.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String(fn)})
	if err != nil {
		return err
	}
	if aws.ToInt32(after.MemorySize) != aws.ToInt32(before.MemorySize) {
		return fmt.Errorf("memory after repair %d, want %d", aws.ToInt32(after.MemorySize), aws.ToInt32(before.MemorySize))
	}
	return nil
}

// nothingLeft lists every resource tagged for the app (app region and us-east-1) and every
// berth role of the app: after removal there must be none.
func nothingLeft(ctx context.Context, st *stack, s settings) error {
	var left []string
	for _, region := range []string{st.cfg.Region, plan.EdgeRegion} {
		cfg := st.cfg.Copy()
		cfg.Region = region
		p := tagging.NewGetResourcesPaginator(tagging.NewFromConfig(cfg), &tagging.GetResourcesInput{
			TagFilters: []taggingtypes.TagFilter{{Key: aws.String("berth:app"), Values: []string{s.app}}, {Key: aws.String("berth:stage"), Values: []string{s.stage}}}})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return err
			}
			for _, r := range page.ResourceTagMappingList {
				left = append(left, aws.ToString(r.ResourceARN))
			}
		}
	}
	roles := iam.NewListRolesPaginator(iam.NewFromConfig(st.cfg), &iam.ListRolesInput{})
	for roles.HasMorePages() {
		page, err := roles.NextPage(ctx)
		if err != nil {
			return err
		}
		for _, r := range page.Roles {
			if strings.HasPrefix(aws.ToString(r.RoleName), "berth-"+s.app+"-"+s.stage+"-") {
				left = append(left, aws.ToString(r.Arn))
			}
		}
	}
	if len(left) > 0 {
		return fmt.Errorf("left after removal:\n  %s", strings.Join(left, "\n  "))
	}
	return nil
}

// printCostRelevant lists what costs money while the app exists.
func printCostRelevant(t *testing.T, ctx context.Context, st *stack, s settings) {
	a, err := st.store.LoadApplied(ctx, s.app, s.stage)
	if err != nil || a == nil {
		t.Logf("cost-relevant resources: applied state unreadable: %v", err)
		return
	}
	var lines []string
	for _, r := range a.Desired.Resources {
		switch r.Kind {
		case plan.KindDistribution, plan.KindLoadBalancer, plan.KindService, plan.KindFunction, plan.KindCertificate:
			lines = append(lines, fmt.Sprintf("%-22s %s", r.Kind, r.Name))
		}
	}
	t.Logf("cost-relevant resources (billed while they exist; ALB and Fargate by the hour):\n  %s", strings.Join(lines, "\n  "))
}
