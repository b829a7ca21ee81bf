package provision

import (
	"context"
	"sync"
	"testing"

	"github.com/berth-dev/berth/internal/plan"
)

func TestPerRegionBuildsOneClientPerRegion(t *testing.T) {
	type client struct{ region string }
	var mu sync.Mutex
	built := map[string]int{}
	clients := PerRegion(func(region string) *client {
		mu.Lock()
		defer mu.Unlock()
		built[region]++
		return &client{region: region}
	})
	var wg sync.WaitGroup
	got := make([]*client, 8)
	for i := range got {
		wg.Go(func() { got[i] = clients([]string{"eu-west-1", "us-east-1"}[i%2]) })
	}
	wg.Wait()
	for i, c := range got {
		if c != got[i%2] || c.region != []string{"eu-west-1", "us-east-1"}[i%2] {
			t.Fatalf("call %d got %+v, want the first %s client", i, c, got[i%2].region)
		}
	}
	if built["eu-west-1"] != 1 || built["us-east-1"] != 1 || len(built) != 2 {
		t.Fatalf("built %v, want each region once", built)
	}
}

// regionNamer is a Provisioner that reports the region it was built for.
type regionNamer string

func (n regionNamer) Observe(context.Context, Env, plan.Resource) (Observation, error) {
	return Observation{Outputs: Outputs{"Region": string(n)}}, nil
}
func (n regionNamer) Create(context.Context, Env, plan.Resource) (Outputs, error) {
	return Outputs{"Region": string(n)}, nil
}
func (n regionNamer) Update(context.Context, Env, plan.Resource) (Outputs, error) {
	return Outputs{"Region": string(n)}, nil
}
func (n regionNamer) Delete(context.Context, Env, plan.Resource) error { return nil }

func TestByRegionHandsEachCallToTheResourcesRegion(t *testing.T) {
	built := map[string]int{}
	p := ByRegion(func(region string) Provisioner { built[region]++; return regionNamer(region) })
	env, ctx := Env{Region: "eu-west-1"}, context.Background()
	for _, tc := range []struct{ region, want string }{{"us-east-1", "us-east-1"}, {"", "eu-west-1"}, {"us-east-1", "us-east-1"}} {
		out, _ := p.Create(ctx, env, plan.Resource{Region: tc.region})
		obs, _ := p.Observe(ctx, env, plan.Resource{Region: tc.region})
		if out["Region"] != tc.want || obs.Outputs["Region"] != tc.want {
			t.Fatalf("resource region %q went to %q/%q, want %q", tc.region, out["Region"], obs.Outputs["Region"], tc.want)
		}
	}
	if built["us-east-1"] != 1 || built["eu-west-1"] != 1 {
		t.Fatalf("built %v, want each region once", built)
	}
}
