package provision

import (
	"sync"
	"testing"
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
