package plan

import (
	"errors"
	"fmt"
	"strings"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/edge"
)

// Target is where a plan deploys.
type Target struct {
	Region  string
	Account string // "" when planning offline; nothing in the graph depends on it
	// FingerprintKey is the installation's secret key for secret fingerprints (see
	// Fingerprint); nil outside the deployer, where secrets are not resolved anyway.
	FingerprintKey []byte
	// Sources are the packaged `src` of containers that name no image, by container name;
	// nil outside the deployer (offline plans show the build without its hash).
	Sources map[string]Source
}

// Build turns a validated config into the desired resource graph for target.
//
// Regions: resources of global services — CloudFront (distribution, router function,
// KeyValueStore, OAC), Lambda@Edge, ACM certificates for CloudFront, Route 53 records and
// IAM roles — get Region EdgeRegion (us-east-1), the region their control plane is called
// in. Everything else gets t.Region. Keeping global resources out of t.Region also means
// that moving an app to another region never plans a "replace" of a global resource under
// the same name, which would create (a no-op: it exists) and then delete it.
func Build(cfg *config.Config, t Target) (*Desired, error) {
	if cfg == nil {
		return nil, errors.New("plan: no config")
	}
	if t.Region == "" {
		return nil, errors.New("plan: no target region")
	}
	if cfg.Name == "" || cfg.Stage == "" {
		return nil, errors.New("plan: config has no name or stage")
	}
	b := &builder{
		cfg:       cfg,
		t:         t,
		n:         namer{app: cfg.Name, stage: cfg.Stage},
		g:         newGraph(8*len(cfg.Containers) + 24),
		partition: partition(t.Region),
		routes:    make(map[string]Route, len(cfg.Containers)),
	}
	var fargate []string
	for _, c := range cfg.Containers {
		if c.Image == "" && c.Src == "" {
			return nil, fmt.Errorf("plan: container %s has neither image nor src", c.Name)
		}
		switch c.Compute.Type {
		case config.ComputeLambda, "":
			b.hasLambda = true
		case config.ComputeFargate:
			fargate = append(fargate, c.Name)
			if len(delivered(c)) > 0 { // its webhook listener rule
				fargate = append(fargate, WebhookRoute(c.Name))
			}
		default:
			return nil, fmt.Errorf("plan: container %s: unknown compute type %q", c.Name, c.Compute.Type)
		}
	}
	b.hasFargate = len(fargate) > 0
	b.private = cfg.Deployment.Private
	b.domains = domains(cfg.Containers)

	if b.private {
		b.priorities = pathPriorities(cfg.Containers)
	} else {
		b.edge()
		if b.hasLambda {
			b.bodySigner()
		}
		b.priorities = listenerPriorities(fargate)
	}
	if b.hasALB() {
		b.loadBalancer()
	}
	if b.hasFargate {
		b.sharedFargate()
	}
	for _, c := range cfg.Containers {
		switch {
		case c.Compute.Type == config.ComputeFargate:
			b.fargateContainer(c)
		case b.private:
			b.privateLambdaContainer(c)
		default:
			b.lambdaContainer(c)
		}
	}
	if b.private {
		b.privateDomains()
	} else {
		b.customDomains()
		b.routeTable()
	}
	b.afterBuilds()
	if b.err != nil {
		return nil, b.err
	}
	res, err := b.g.finish()
	if err != nil {
		return nil, err
	}
	d := &Desired{App: cfg.Name, Stage: cfg.Stage, Region: t.Region, Account: t.Account, Resources: res}
	if part := AppNamePart(cfg.Name); part != cfg.Name {
		d.AppInNames = part
	}
	return d, nil
}

// builder carries what every part of Build needs.
type builder struct {
	cfg        *config.Config
	t          Target
	n          namer
	g          graph
	partition  string
	hasLambda  bool
	hasFargate bool
	// private: deployment.private, no CloudFront; the ALB routes by path (build_private.go).
	private    bool
	domains    []string
	priorities map[string]int
	routes     map[string]Route // by KVS key
	// routesAfter are what the route table waits for besides its refs: each route's
	// origin must be able to serve before traffic moves to it.
	routesAfter []string
	// hasScheduleGroup: the app's schedule group is in the graph.
	hasScheduleGroup bool
	// albSG (berth's) or albSGID (the user's) is the ALB's security group.
	albSG   *Ref
	albSGID string
	// execRole is the Fargate task execution role (owned or given).
	execRole RoleRef
	// builds are the ids of the image builds and adapter layers in the graph.
	builds []string
	err    error
}

// role returns the role a container runs with: the container's own roleArn; else, when it
// has no customPolicy, deployment.awsIam.roleArn; else a role berth creates (id, name) with
// the customPolicy inline. A customPolicy beats the deployment-wide role because it is the
// more specific statement and ignoring it would silently drop permissions.
func (b *builder) role(c config.Container, id, name string, trust string, managed ...string) RoleRef {
	if c.Compute.RoleArn != "" {
		return RoleRef{Arn: c.Compute.RoleArn}
	}
	if c.Compute.CustomPolicy == nil && b.cfg.Deployment.RoleArn != "" {
		return RoleRef{Arn: b.cfg.Deployment.RoleArn}
	}
	b.g.add(id, KindRole, c.Name, name, EdgeRegion, RoleProps{
		TrustServices:     []string{trust},
		ManagedPolicyArns: managed,
		InlinePolicy:      c.Compute.CustomPolicy,
	})
	return RoleRef{Ref: &Ref{ID: id, Attr: AttrArn}}
}

// route adds a container's entry to the route table; after is what must be serving
// before traffic moves to it.
func (b *builder) route(c config.Container, rt Route, after ...string) {
	key := edge.RouteKey(normDomain(c.Routing.Domain), c.Routing.PathPattern)
	if err := edge.ValidateRouteKey(key); err != nil {
		b.fail(fmt.Errorf("plan: container %s: %w", c.Name, err))
		return
	}
	if other, dup := b.routes[key]; dup {
		b.fail(fmt.Errorf("plan: containers %s and %s route the same key %q", other.Container, c.Name, key))
		return
	}
	rt.Container = c.Name
	b.routes[key] = rt
	b.routesAfter = append(b.routesAfter, after...)
}

// routeTable adds the one resource holding every route. It depends on the store and on
// every route's origin, so it is written once they all serve and, on removal or a switch,
// before any of them is deleted.
func (b *builder) routeTable() {
	if len(b.routes) == 0 {
		return
	}
	b.g.add(IDRouteTable, KindRouteTable, "", b.n.routeTable(), EdgeRegion, RouteTableProps{
		KeyValueStore: Ref{ID: IDKeyValueStore, Attr: AttrArn},
		Routes:        b.routes,
	}, b.routesAfter...)
}

func (b *builder) fail(err error) {
	if b.err == nil {
		b.err = err
	}
}

func (b *builder) managedPolicy(name string) string {
	return "arn:" + b.partition + ":iam::aws:policy/" + name
}

func (b *builder) logRetention() int {
	if d := b.cfg.Deployment.LogRetentionDays; d > 0 {
		return d
	}
	return config.DefaultLogRetentionDays
}

// partition is the ARN partition of a region.
func partition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}

// domains returns the custom domains of all containers, lower-cased, sorted, unique.
func domains(cs []config.Container) []string {
	var out []string
	for _, c := range cs {
		if d := normDomain(c.Routing.Domain); d != "" {
			out = append(out, d)
		}
	}
	return sortedUnique(out)
}

// normDomain lower-cases a domain and drops a trailing dot: DNS names are
// case-insensitive, and one spelling per domain keeps aliases, certificate and route keys
// in agreement.
func normDomain(d string) string { return strings.ToLower(strings.TrimSuffix(d, ".")) }

// orDefault returns v, or def when v is zero.
func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// port is the port a container listens on.
func port(c config.Container) int { return orDefault(c.Port, config.DefaultPort) }

// healthPath is the container's health check path; config defaults it from the path
// pattern, this only guards hand-built configs.
func healthPath(c config.Container) string {
	if c.Routing.PathHealthCheck != "" {
		return c.Routing.PathHealthCheck
	}
	base := strings.TrimRight(strings.SplitN(c.Routing.PathPattern, "*", 2)[0], "/")
	return orDefault(base, "/")
}

func imageArchitecture(c config.Container) string {
	return orDefault(c.Compute.Lambda.Architecture, config.DefaultArchitecture)
}
