package provision

import "sync"

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
