package plan

import (
	"fmt"
	"testing"

	"github.com/berth-dev/berth/internal/config"
)

// bigConfig is a 500-container app, alternating Lambda and Fargate, some on custom domains,
// some autoscaled.
func bigConfig(n int) *config.Config {
	cfg := appConfig()
	for i := 0; i < n; i++ {
		c := lambdaContainer(fmt.Sprintf("svc-%03d", i), fmt.Sprintf("/svc-%03d/*", i))
		if i%2 == 1 {
			c.Compute.Type = config.ComputeFargate
			if i%10 == 1 {
				c.Compute.Fargate.Scale = []config.ScalePolicy{{Type: "min", Min: 1}, {Type: "max", Max: 4}, {Type: "target", Target: "cpu", Value: 70, ScaleIn: true}}
			}
		}
		if i%50 == 0 {
			c.Routing.Domain = fmt.Sprintf("d%d.example.com", i)
		}
		c.Environment = []config.EnvVar{{Name: "A", Value: "1"}, {Name: "S", Value: "s", Ref: "ssm:/s", Secret: true}}
		cfg.Containers = append(cfg.Containers, c)
	}
	return cfg
}

// BenchmarkPlan500 is one plan of a redeploy: Build of a 500-container config (mixed
// compute) and Diff against the applied graph of the previous deploy, where one
// container's memory changed. Run: go test ./internal/plan -run '^$' -bench Plan500
func BenchmarkPlan500(b *testing.B) {
	cfg := bigConfig(500)
	prev := bigConfig(500)
	prev.Containers[0].Compute.Lambda.Memory = 512
	applied, err := Build(prev, testTarget)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		d, err := Build(cfg, testTarget)
		if err != nil {
			b.Fatal(err)
		}
		p, err := Diff(d, applied)
		if err != nil {
			b.Fatal(err)
		}
		if len(p.Steps) < 3000 {
			b.Fatalf("only %d steps", len(p.Steps))
		}
	}
}
