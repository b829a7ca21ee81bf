package provision

import (
	"context"
	"sync"

	"github.com/berth-dev/berth/internal/plan"
)

// PerRegion returns a client factory that builds one client per region with build and
// hands out the same client for that region afterwards; it is safe for concurrent use
// (build runs under its lock, so a region's client is built once).
func PerRegion[T any](build func(region string) T) func(region string) T {
	var mu sync.Mutex
	cache := map[string]T{}
	return func(region string) T {
		mu.Lock()
		defer mu.Unlock()
		if c, ok := cache[region]; ok {
			return c
		}
		c := build(region)
		cache[region] = c
		return c
	}
}

// ByRegion is the Provisioner that hands each call to the one build returns for the
// resource's region (see RegionOf), built once per region: a kind written around one
// client gets the client of each resource's region.
func ByRegion(build func(region string) Provisioner) Provisioner {
	return byRegion(PerRegion(build))
}

type byRegion func(region string) Provisioner

func (b byRegion) Observe(ctx context.Context, env Env, r plan.Resource) (Observation, error) {
	return b(RegionOf(env, r)).Observe(ctx, env, r)
}

func (b byRegion) Create(ctx context.Context, env Env, r plan.Resource) (Outputs, error) {
	return b(RegionOf(env, r)).Create(ctx, env, r)
}

func (b byRegion) Update(ctx context.Context, env Env, r plan.Resource) (Outputs, error) {
	return b(RegionOf(env, r)).Update(ctx, env, r)
}

func (b byRegion) Delete(ctx context.Context, env Env, r plan.Resource) error {
	return b(RegionOf(env, r)).Delete(ctx, env, r)
}
