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

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
	"github.com/berth-dev/berth/internal/provision/kinds"
	"github.com/berth-dev/berth/internal/workflow"
)

// Item is one berth-owned resource.
type Item = workflow.InventoryItem

// Lister lists the resources berth owns for an app/stage. It satisfies
// workflow.Inventory.
type Lister struct {
	cfg aws.Config
}

var _ workflow.Inventory = (*Lister)(nil)

// New returns a Lister reading through SDK clients built from cfg, whose Region is the
// app region; us-east-1 (CloudFront, its certificates, Lambda@Edge, the global IAM) is
// reached with a copy. cfg's API options (a call counter, say) carry over to every client.
func New(cfg aws.Config) *Lister { return &Lister{cfg: cfg} }

// config is l's SDK config for region.
func (l *Lister) config(region string) aws.Config {
	c := l.cfg.Copy()
	c.Region = region
	return c
}

// List returns every berth-owned resource of app/stage, sorted by Type then Name (then
// Arn): the tagging API scan's resources handed to their kind's Describer (see
// provision.Describer), every kind's own listing, and the tagged resources of kinds
// berth does not provision. A resource AWS still reports while deleting it is listed;
// one its service reports gone is not. The result is never nil.
func (l *Lister) List(ctx context.Context, app, stage string) ([]Item, error) {
	if strings.TrimSpace(app) == "" || strings.TrimSpace(stage) == "" {
		return nil, fmt.Errorf("inventory: app and stage are required (got app %q, stage %q)", app, stage)
	}
	found, others, err := l.scan(ctx, app, stage)
	if err != nil {
		return nil, err
	}
	s := provision.Scope{App: app, Stage: stage, Config: l.config, Found: found}
	c := collector{items: others}
	for _, d := range kinds.All() {
		switch {
		case d.Describe.Items != nil:
			c.run(string(d.Kind), func() ([]provision.Item, error) { return d.Describe.Items(ctx, s, found[d.Kind]) })
		case d.Describe.With == "":
			c.add(asTagged(found[d.Kind]))
		}
	}
	items, err := c.wait()
	if err != nil {
		return nil, err
	}
	fillARNs(items)
	sortItems(items)
	if items == nil {
		items = []Item{}
	}
	return items, nil
}

// asTagged lists resources as the scan found them, named by their Name tag or from
// their ARN.
func asTagged(ts []provision.Tagged) []provision.Item {
	var out []provision.Item
	for _, t := range ts {
		out = append(out, provision.Item{Type: string(t.Kind), Name: t.Name(t.ARN.Name()), Arn: t.ARN.String()})
	}
	return out
}

// scan asks the tagging API of the app region and of us-east-1 for everything tagged
// with app and stage, deduplicated by ARN, and sorts it by kind (found); the tagged
// resources of kinds berth does not provision are listed as they are (others).
func (l *Lister) scan(ctx context.Context, app, stage string) (map[plan.Kind][]provision.Tagged, []Item, error) {
	regions := []string{l.cfg.Region}
	if l.cfg.Region != plan.EdgeRegion {
		regions = append(regions, plan.EdgeRegion)
	}
	results := make([][]taggingtypes.ResourceTagMapping, len(regions))
	err := provision.ForEach(ctx, len(regions), len(regions), func(i int) error {
		var err error
		results[i], err = getResources(ctx, tagging.NewFromConfig(l.config(regions[i])), app, stage)
		return err
	})
	if err != nil {
		return nil, nil, fmt.Errorf("inventory: tagging GetResources: %w", err)
	}
	all := kinds.All()
	found := map[plan.Kind][]provision.Tagged{}
	var others []Item
	seen := map[string]bool{}
	for _, list := range results {
		for _, m := range list {
			a, ok := provision.ParseARN(aws.ToString(m.ResourceARN))
			if !ok || seen[a.String()] {
				continue
			}
			seen[a.String()] = true
			t := provision.Tagged{ARN: a, Tags: map[string]string{}}
			for _, tag := range m.Tags {
				t.Tags[aws.ToString(tag.Key)] = aws.ToString(tag.Value)
			}
			if k := kindOf(all, a); k != "" {
				t.Kind = k
				found[k] = append(found[k], t)
			} else if typ := typeOf(a); typ != typeECSTask {
				others = append(others, Item{Type: typ, Name: t.Name(a.Name()), Arn: a.String()})
			}
		}
	}
	return found, others, nil
}

// kindOf is the kind whose ARNs a is, "" when berth provisions no such kind.
func kindOf(all []provision.Descriptor, a provision.ARN) plan.Kind {
	for _, d := range all {
		if d.Describe.Matches(a) {
			return d.Kind
		}
	}
	return ""
}

func getResources(ctx context.Context, api *tagging.Client, app, stage string) ([]taggingtypes.ResourceTagMapping, error) {
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

// fillARNs gives items whose listing had no ARN (see provision.PartitionPlaceholder) the
// partition and account of the other resources found, and no Arn when there are none.
func fillARNs(items []Item) {
	var best provision.ARN
	var bestArn string
	for _, it := range items {
		if a, ok := provision.ParseARN(it.Arn); ok && !placeholder(it.Arn) && a.Account != "" && (bestArn == "" || it.Arn < bestArn) {
			best, bestArn = a, it.Arn
		}
	}
	for i := range items {
		if !placeholder(items[i].Arn) {
			continue
		}
		if bestArn == "" {
			items[i].Arn = ""
			continue
		}
		items[i].Arn = strings.NewReplacer(provision.PartitionPlaceholder, best.Partition, provision.AccountPlaceholder, best.Account).Replace(items[i].Arn)
	}
}

func placeholder(arn string) bool {
	return strings.Contains(arn, provision.PartitionPlaceholder) || strings.Contains(arn, provision.AccountPlaceholder)
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

// collector runs kinds' listings concurrently and gathers their items and errors.
type collector struct {
	wg    sync.WaitGroup
	mu    sync.Mutex
	items []Item
	errs  []error
}

func (c *collector) run(what string, f func() ([]provision.Item, error)) {
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		items, err := f()
		if err != nil {
			c.mu.Lock()
			defer c.mu.Unlock()
			c.errs = append(c.errs, fmt.Errorf("inventory: %s: %w", what, err))
			return
		}
		c.add(items)
	}()
}

func (c *collector) add(items []provision.Item) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, it := range items {
		c.items = append(c.items, Item(it))
	}
}

func (c *collector) wait() ([]Item, error) {
	c.wg.Wait()
	return c.items, errors.Join(c.errs...)
}
