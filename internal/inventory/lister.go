package inventory

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	tagging "github.com/aws/aws-sdk-go-v2/service/resourcegroupstaggingapi"
	taggingtypes "github.com/aws/aws-sdk-go-v2/service/resourcegroupstaggingapi/types"
	"github.com/aws/smithy-go"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
	"github.com/berth-dev/berth/internal/workflow"
)

// Item is one berth-owned resource.
type Item = workflow.InventoryItem

// Lister lists the resources berth owns for an app/stage. It satisfies
// workflow.Inventory.
type Lister struct {
	c Clients
}

var _ workflow.Inventory = (*Lister)(nil)

// New returns a Lister reading through c.
func New(c Clients) *Lister { return &Lister{c: c} }

// perItemParallel bounds the per-resource calls (GetFunction, GetDistribution, …) in
// flight at once.
const perItemParallel = 4

// tagged is one resource the tagging API returned.
type tagged struct {
	arn  string
	a    arnParts
	typ  string
	tags map[string]string
}

// name is the resource's Name tag, or fallback.
func (t tagged) name(fallback string) string {
	if n := t.tags["Name"]; n != "" {
		return n
	}
	return fallback
}

// byType is the tagging API's answer grouped by CloudFormation type, plus every ARN.
type byType struct {
	types map[string][]tagged
	arns  map[string]tagged
}

func (b byType) take(typ string) []tagged { return b.types[typ] }

// List returns every berth-owned resource of app/stage, sorted by Type then Name (then
// Arn). A resource AWS still reports while deleting it (an ECS service DRAINING, a
// distribution disabling) is listed; one the owning service reports gone (an INACTIVE
// service or cluster, a deregistered task definition revision, a not-found answer to a
// describe call the tagging API's lag made) is not. The result is never nil.
func (l *Lister) List(ctx context.Context, app, stage string) ([]Item, error) {
	if strings.TrimSpace(app) == "" || strings.TrimSpace(stage) == "" {
		return nil, fmt.Errorf("inventory: app and stage are required (got app %q, stage %q)", app, stage)
	}
	found, err := l.scanTags(ctx, app, stage)
	if err != nil {
		return nil, err
	}
	o := owner{app: app, stage: stage}
	var c collector
	c.run("iam roles", func() ([]Item, error) { return l.roles(ctx, o, found) })
	c.run("cloudfront origin access controls", func() ([]Item, error) { return l.oacs(ctx, o) })
	c.run("cloudfront functions", func() ([]Item, error) { return l.cfFunctions(ctx, o, found) })
	c.run("cloudfront key value stores", func() ([]Item, error) { return l.keyValueStores(ctx, o, found) })
	c.run("cloudfront distributions", func() ([]Item, error) { return l.distributions(ctx, found.take(string(plan.KindDistribution))) })
	c.run("lambda", func() ([]Item, error) { return l.lambdas(ctx, found.take(string(plan.KindFunction))) })
	c.run("elbv2", func() ([]Item, error) {
		return l.loadBalancing(ctx, found.take(string(plan.KindLoadBalancer)), found.take(string(plan.KindListener)), found.take(string(plan.KindListenerRule)), found.take(string(plan.KindTargetGroup)))
	})
	c.run("ecs", func() ([]Item, error) {
		return l.ecs(ctx, found.take(string(plan.KindCluster)), found.take(string(plan.KindService)), found.take(string(plan.KindTaskDefinition)))
	})
	c.run("security groups", func() ([]Item, error) { return l.securityGroups(ctx, found.take(string(plan.KindSecurityGroup))) })
	c.run("acm", func() ([]Item, error) { return l.certificates(ctx, found.take(string(plan.KindCertificate))) })
	c.run("tagged", func() ([]Item, error) { return generic(found), nil })
	items, err := c.wait()
	if err != nil {
		return nil, err
	}
	fillOACArns(items)
	sortItems(items)
	if items == nil {
		items = []Item{}
	}
	return items, nil
}

// handled are the types some pass reads with its own service; the rest are listed as the
// tagging API reports them.
var handled = map[string]bool{
	string(plan.KindRole): true, string(plan.KindCloudFrontFunction): true, string(plan.KindKeyValueStore): true, string(plan.KindDistribution): true, string(plan.KindFunction): true,
	string(plan.KindLoadBalancer): true, string(plan.KindListener): true, string(plan.KindListenerRule): true, string(plan.KindTargetGroup): true,
	string(plan.KindCluster): true, string(plan.KindService): true, string(plan.KindTaskDefinition): true, string(plan.KindSecurityGroup): true,
	string(plan.KindCertificate): true, typeECSTask: true,
}

// generic lists tagged resources no pass reads: log groups and kinds berth does not know,
// named by their Name tag or their ARN.
func generic(found byType) []Item {
	var out []Item
	for typ, list := range found.types {
		if handled[typ] {
			continue
		}
		for _, t := range list {
			out = append(out, Item{Type: typ, Name: t.name(nameOf(t.a)), Arn: t.arn})
		}
	}
	return out
}

// scanTags asks the tagging API of the app region and of us-east-1 for everything
// tagged with app and stage, deduplicated by ARN.
func (l *Lister) scanTags(ctx context.Context, app, stage string) (byType, error) {
	apis := []TaggingAPI{l.c.Tagging}
	if l.c.EdgeTagging != nil {
		apis = append(apis, l.c.EdgeTagging)
	}
	results := make([][]taggingtypes.ResourceTagMapping, len(apis))
	err := forEach(ctx, len(apis), len(apis), func(i int) error {
		var err error
		results[i], err = getResources(ctx, apis[i], app, stage)
		return err
	})
	if err != nil {
		return byType{}, fmt.Errorf("inventory: tagging GetResources: %w", err)
	}
	b := byType{types: map[string][]tagged{}, arns: map[string]tagged{}}
	for _, list := range results {
		for _, m := range list {
			a, ok := parseARN(aws.ToString(m.ResourceARN))
			if !ok {
				continue
			}
			arn := a.String()
			if _, dup := b.arns[arn]; dup {
				continue
			}
			t := tagged{arn: arn, a: a, typ: typeOf(a), tags: map[string]string{}}
			for _, tag := range m.Tags {
				t.tags[aws.ToString(tag.Key)] = aws.ToString(tag.Value)
			}
			b.arns[arn] = t
			b.types[t.typ] = append(b.types[t.typ], t)
		}
	}
	return b, nil
}

func getResources(ctx context.Context, api TaggingAPI, app, stage string) ([]taggingtypes.ResourceTagMapping, error) {
	in := &tagging.GetResourcesInput{ResourcesPerPage: aws.Int32(100), TagFilters: []taggingtypes.TagFilter{
		{Key: aws.String(provision.TagApp), Values: []string{app}},
		{Key: aws.String(provision.TagStage), Values: []string{stage}},
	}}
	var out []taggingtypes.ResourceTagMapping
	for {
		page, err := api.GetResources(ctx, in)
		if err != nil {
			return nil, err
		}
		out = append(out, page.ResourceTagMappingList...)
		if aws.ToString(page.PaginationToken) == "" {
			return out, nil
		}
		in.PaginationToken = page.PaginationToken
	}
}

// owner is the app/stage being listed.
type owner struct{ app, stage string }

// owns reports whether tags name o's app and stage.
func (o owner) owns(tags map[string]string) bool {
	return tags[provision.TagApp] == o.app && tags[provision.TagStage] == o.stage
}

// namePrefix is how the names of o's roles, CloudFront Functions and KeyValueStores begin.
func (o owner) namePrefix() string { return plan.NamePrefix(o.app, o.stage) }

// marker is the ownership marker berth writes where it cannot tag, without the resource id.
func (o owner) marker() string { return provision.MarkerPrefix(o.app, o.stage) }

// fillOACArns gives origin access controls (whose list has no ARN) the ARN CloudFront
// would, with the account and partition of the other resources found.
func fillOACArns(items []Item) {
	var best arnParts
	var bestArn string
	for _, it := range items {
		if a, ok := parseARN(it.Arn); ok && it.Type != string(plan.KindOAC) && a.account != "" && (bestArn == "" || it.Arn < bestArn) {
			best, bestArn = a, it.Arn
		}
	}
	if bestArn == "" {
		return
	}
	for i := range items {
		if items[i].Type == string(plan.KindOAC) && items[i].Arn == "" {
			items[i].Arn = "arn:" + best.partition + ":cloudfront::" + best.account + ":origin-access-control/" + items[i].Attributes["id"]
		}
	}
}

func sortItems(items []Item) {
	sort.Slice(items, func(i, j int) bool {
		a, b := items[i], items[j]
		if a.Type != b.Type {
			return a.Type < b.Type
		}
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.Arn < b.Arn
	})
}

// collector runs passes concurrently and gathers their items and errors.
type collector struct {
	wg    sync.WaitGroup
	mu    sync.Mutex
	items []Item
	errs  []error
}

func (c *collector) run(what string, f func() ([]Item, error)) {
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		items, err := f()
		c.mu.Lock()
		defer c.mu.Unlock()
		if err != nil {
			c.errs = append(c.errs, fmt.Errorf("inventory: %s: %w", what, err))
			return
		}
		c.items = append(c.items, items...)
	}()
}

func (c *collector) wait() ([]Item, error) {
	c.wg.Wait()
	return c.items, errors.Join(c.errs...)
}

// forEach calls f(0..n-1) with at most limit calls in flight and returns their errors
// joined.
func forEach(ctx context.Context, n, limit int, f func(i int) error) error {
	if n == 0 {
		return nil
	}
	sem := make(chan struct{}, limit)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		if err := ctx.Err(); err != nil {
			errs[i] = err
			break
		}
		sem <- struct{}{}
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			defer func() { <-sem }()
			errs[i] = f(i)
		}(i)
	}
	wg.Wait()
	return errors.Join(errs...)
}

// errorCode is the AWS error code of err, "" when it has none.
func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// attrs builds an attribute map, leaving out empty values.
func attrs(kv ...string) map[string]string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			m[kv[i]] = kv[i+1]
		}
	}
	if len(m) == 0 {
		return nil
	}
	return m
}

// isEdge reports whether an ARN names us-east-1, where the Edge* clients answer.
func isEdge(a arnParts) bool { return a.region == plan.EdgeRegion }
