package plan

// The graph's parts that code outside the provisioners asks for by role (the URL a
// deployment reports, the routes `berth local` reads back, a container's logs), found
// here so that it names no kind.

// Distribution is the graph's public entry point, its CloudFront distribution; ok is
// false for a graph without one.
func (d *Desired) Distribution() (r Resource, ok bool) { return d.first(KindDistribution) }

// RouteStore is the KeyValueStore holding the graph's routes.
func (d *Desired) RouteStore() (r Resource, ok bool) { return d.first(KindKeyValueStore) }

// Router is the CloudFront Function that routes each request by the route store.
func (d *Desired) Router() (r Resource, ok bool) { return d.first(KindCloudFrontFunction) }

// ContainerLogGroups are the log groups of the graph's containers, in graph order.
func (d *Desired) ContainerLogGroups() []Resource {
	var out []Resource
	for _, r := range d.Resources {
		if r.Kind == KindLogGroup && r.Container != "" {
			out = append(out, r)
		}
	}
	return out
}

func (d *Desired) first(k Kind) (Resource, bool) {
	for _, r := range d.Resources {
		if r.Kind == k {
			return r, true
		}
	}
	return Resource{}, false
}
