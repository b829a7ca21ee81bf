package plan

import (
	"encoding/json"
	"testing"

	"github.com/berth-dev/berth/internal/config"
)

// Hand-built configs, filled with the defaults config.Load would apply, so the planner's
// tests do not depend on the parser.

func lambdaContainer(name, path string) config.Container {
	return config.Container{
		Name:    name,
		Image:   "123456789012.dkr.ecr.eu-west-1.amazonaws.com/" + name + ":1",
		Port:    config.DefaultPort,
		Routing: config.Routing{PathPattern: path, PathHealthCheck: "/health"},
		Compute: config.Compute{
			Type: config.ComputeLambda,
			Lambda: config.LambdaCompute{
				Memory: config.DefaultLambdaMemory, Timeout: config.DefaultLambdaTimeout,
				InvokeMode: config.DefaultInvokeMode, Architecture: config.DefaultArchitecture,
			},
			Fargate: config.FargateCompute{CPU: config.DefaultFargateCPU, Memory: config.DefaultFargateMemory},
		},
	}
}

func fargateContainer(name, path string) config.Container {
	c := lambdaContainer(name, path)
	c.Compute.Type = config.ComputeFargate
	return c
}

func switched(c config.Container) config.Container {
	if c.Compute.Type == config.ComputeFargate {
		c.Compute.Type = config.ComputeLambda
	} else {
		c.Compute.Type = config.ComputeFargate
	}
	return c
}

func appConfig(cs ...config.Container) *config.Config {
	return &config.Config{
		Name:  "shop",
		Stage: "prod",
		Deployment: config.Deployment{
			Type:             "aws@1.0",
			DriftRepair:      true,
			LogRetentionDays: config.DefaultLogRetentionDays,
			CloudFront:       config.CloudFront{OriginReadTimeout: config.DefaultOriginReadTimeout, PriceClass: "PriceClass_All"},
		},
		Containers: cs,
	}
}

var testTarget = Target{Region: "eu-west-1", Account: "123456789012", FingerprintKey: []byte("plan-test-installation-key-0123456789")}

func mustBuild(t testing.TB, cfg *config.Config) *Desired {
	t.Helper()
	d, err := Build(cfg, testTarget)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	return d
}

func mustDiff(t testing.TB, desired, applied *Desired) *Plan {
	t.Helper()
	p, err := Diff(desired, applied)
	if err != nil {
		t.Fatalf("Diff: %v", err)
	}
	return p
}

func find(d *Desired, id string) *Resource {
	for i := range d.Resources {
		if d.Resources[i].ID == id {
			return &d.Resources[i]
		}
	}
	return nil
}

func mustFind(t testing.TB, d *Desired, id string) *Resource {
	t.Helper()
	r := find(d, id)
	if r == nil {
		t.Fatalf("no resource %s in %v", id, ids(d))
	}
	return r
}

func ids(d *Desired) []string {
	var out []string
	for _, r := range d.Resources {
		out = append(out, r.ID)
	}
	return out
}

func props[T any](t testing.TB, r *Resource) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(r.Props, &v); err != nil {
		t.Fatalf("%s props: %v", r.ID, err)
	}
	return v
}

// changed returns the non-noop steps as "action id" strings.
func changed(p *Plan) []string {
	var out []string
	for _, s := range p.Steps {
		if s.Action != Noop {
			out = append(out, string(s.Action)+" "+s.ID)
		}
	}
	return out
}
