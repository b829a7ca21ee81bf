package inventory

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/berth-dev/berth/internal/plan"
)

// distributions reads each tagged distribution (GetDistribution: one call each, and berth
// has one per app/stage). A distribution being disabled or deleted is listed as long as
// CloudFront returns it; NoSuchDistribution drops it.
func (l *Lister) distributions(ctx context.Context, ts []tagged) ([]Item, error) {
	items := make([]*Item, len(ts))
	err := forEach(ctx, len(ts), perItemParallel, func(i int) error {
		t := ts[i]
		out, err := l.c.CloudFront.GetDistribution(ctx, &cloudfront.GetDistributionInput{Id: aws.String(t.a.id)})
		if errorCode(err) == "NoSuchDistribution" {
			return nil
		}
		if err != nil {
			return fmt.Errorf("GetDistribution %s: %w", t.a.id, err)
		}
		items[i] = distributionItem(t, out.Distribution)
		return nil
	})
	if err != nil {
		return nil, err
	}
	var out []Item
	for _, it := range items {
		if it != nil {
			out = append(out, *it)
		}
	}
	return out, nil
}

func distributionItem(t tagged, d *cftypes.Distribution) *Item {
	it := &Item{Type: string(plan.KindDistribution), Name: t.name(t.a.id), Arn: t.arn}
	if d == nil {
		return it
	}
	var origins, aliases []string
	enabled, webACL, comment := "", "", ""
	if c := d.DistributionConfig; c != nil {
		if c.Origins != nil {
			for _, o := range c.Origins.Items {
				origins = append(origins, aws.ToString(o.Id)+"="+aws.ToString(o.DomainName))
			}
		}
		if c.Aliases != nil {
			aliases = append(aliases, c.Aliases.Items...)
			slices.Sort(aliases)
		}
		enabled = fmt.Sprint(aws.ToBool(c.Enabled))
		webACL, comment = aws.ToString(c.WebACLId), aws.ToString(c.Comment)
	}
	if t.tags["Name"] == "" && comment != "" {
		it.Name = comment // berth's distribution comment is its name
	}
	it.Attributes = attrs(
		"id", aws.ToString(d.Id),
		"domainName", aws.ToString(d.DomainName),
		"origins", strings.Join(origins, ","),
		"enabled", enabled,
		"status", aws.ToString(d.Status),
		"webAclId", webACL,
		"aliases", strings.Join(aliases, ","),
	)
	return it
}

// oacs lists the account's origin access controls (paginated) and keeps those whose
// Description carries o's ownership marker, berth:<app>/<stage>/<resource id>: OACs
// cannot be tagged.
func (l *Lister) oacs(ctx context.Context, o owner) ([]Item, error) {
	var items []Item
	in := &cloudfront.ListOriginAccessControlsInput{}
	for {
		out, err := l.c.CloudFront.ListOriginAccessControls(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("ListOriginAccessControls: %w", err)
		}
		list := out.OriginAccessControlList
		if list == nil {
			return items, nil
		}
		for _, s := range list.Items {
			res, ok := strings.CutPrefix(aws.ToString(s.Description), o.marker())
			if !ok || res == "" {
				continue
			}
			items = append(items, Item{Type: string(plan.KindOAC), Name: aws.ToString(s.Name), Attributes: attrs(
				"id", aws.ToString(s.Id),
				"resource", res,
				"originType", string(s.OriginAccessControlOriginType),
				"signingBehavior", string(s.SigningBehavior),
				"signingProtocol", string(s.SigningProtocol),
			)})
		}
		if !aws.ToBool(list.IsTruncated) || aws.ToString(list.NextMarker) == "" {
			return items, nil
		}
		in.Marker = list.NextMarker
	}
}

// cfFunctions lists the account's CloudFront Functions (paginated) and keeps those tagged
// for o. Tags are read (ListTagsForResource) only for candidates: functions the tagging
// API already returned (their tags are known), whose comment carries o's ownership
// marker, or whose name has berth's prefix for o's app. A tagged function the list no
// longer has is gone.
func (l *Lister) cfFunctions(ctx context.Context, o owner, found byType) ([]Item, error) {
	var all []cftypes.FunctionSummary
	seen := map[string]int{}
	in := &cloudfront.ListFunctionsInput{}
	for {
		out, err := l.c.CloudFront.ListFunctions(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("ListFunctions: %w", err)
		}
		if out.FunctionList == nil {
			break
		}
		for _, f := range out.FunctionList.Items {
			arn := functionARN(f)
			// Without a Stage filter AWS may return a function once per stage: keep one,
			// preferring DEVELOPMENT (what berth last wrote).
			if i, dup := seen[arn]; dup {
				if f.FunctionMetadata != nil && f.FunctionMetadata.Stage == cftypes.FunctionStageDevelopment {
					all[i] = f
				}
				continue
			}
			seen[arn] = len(all)
			all = append(all, f)
		}
		if aws.ToString(out.FunctionList.NextMarker) == "" {
			break
		}
		in.Marker = out.FunctionList.NextMarker
	}
	candidate := func(f cftypes.FunctionSummary) bool {
		comment := ""
		if f.FunctionConfig != nil {
			comment = aws.ToString(f.FunctionConfig.Comment)
		}
		return strings.HasPrefix(comment, o.marker()) || strings.HasPrefix(aws.ToString(f.Name), o.namePrefix())
	}
	keep, err := l.ownedEdge(ctx, o, found, len(all), func(i int) (string, bool) { return functionARN(all[i]), candidate(all[i]) })
	if err != nil {
		return nil, err
	}
	var items []Item
	for _, i := range keep {
		f := all[i]
		var runtime, kvs, stage string
		if c := f.FunctionConfig; c != nil {
			runtime = string(c.Runtime)
			if a := c.KeyValueStoreAssociations; a != nil {
				var arns []string
				for _, x := range a.Items {
					arns = append(arns, aws.ToString(x.KeyValueStoreARN))
				}
				kvs = strings.Join(arns, ",")
			}
		}
		if f.FunctionMetadata != nil {
			stage = string(f.FunctionMetadata.Stage)
		}
		items = append(items, Item{Type: string(plan.KindCloudFrontFunction), Name: aws.ToString(f.Name), Arn: functionARN(f), Attributes: attrs(
			"status", aws.ToString(f.Status),
			"stage", stage,
			"runtime", runtime,
			"keyValueStore", kvs,
		)})
	}
	return items, nil
}

func functionARN(f cftypes.FunctionSummary) string {
	if f.FunctionMetadata == nil {
		return ""
	}
	return aws.ToString(f.FunctionMetadata.FunctionARN)
}

// keyValueStores lists the account's KeyValueStores (paginated) and keeps those tagged for
// o, reading tags only for candidates as cfFunctions does (berth's store comment is
// "berth routes for <app>/<stage>").
func (l *Lister) keyValueStores(ctx context.Context, o owner, found byType) ([]Item, error) {
	var all []cftypes.KeyValueStore
	in := &cloudfront.ListKeyValueStoresInput{}
	for {
		out, err := l.c.CloudFront.ListKeyValueStores(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("ListKeyValueStores: %w", err)
		}
		if out.KeyValueStoreList == nil {
			break
		}
		all = append(all, out.KeyValueStoreList.Items...)
		if aws.ToString(out.KeyValueStoreList.NextMarker) == "" {
			break
		}
		in.Marker = out.KeyValueStoreList.NextMarker
	}
	comment := "berth routes for " + o.app + "/" + o.stage
	keep, err := l.ownedEdge(ctx, o, found, len(all), func(i int) (string, bool) {
		s := all[i]
		return aws.ToString(s.ARN), aws.ToString(s.Comment) == comment || strings.HasPrefix(aws.ToString(s.Name), o.namePrefix())
	})
	if err != nil {
		return nil, err
	}
	var items []Item
	for _, i := range keep {
		s := all[i]
		items = append(items, Item{Type: string(plan.KindKeyValueStore), Name: aws.ToString(s.Name), Arn: aws.ToString(s.ARN), Attributes: attrs(
			"id", aws.ToString(s.Id),
			"status", aws.ToString(s.Status),
			"comment", aws.ToString(s.Comment),
		)})
	}
	return items, nil
}

// ownedEdge returns the indexes (of n listed CloudFront resources) tagged for o: those the
// tagging API returned without a call, candidates after ListTagsForResource.
func (l *Lister) ownedEdge(ctx context.Context, o owner, found byType, n int, at func(i int) (arn string, candidate bool)) ([]int, error) {
	owned := make([]bool, n)
	var check []int
	for i := 0; i < n; i++ {
		arn, cand := at(i)
		if _, ok := found.arns[arn]; ok {
			owned[i] = true
		} else if cand && arn != "" {
			check = append(check, i)
		}
	}
	err := forEach(ctx, len(check), perItemParallel, func(k int) error {
		i := check[k]
		arn, _ := at(i)
		out, err := l.c.CloudFront.ListTagsForResource(ctx, &cloudfront.ListTagsForResourceInput{Resource: aws.String(arn)})
		switch errorCode(err) {
		case "":
		case "NoSuchResource", "NoSuchFunctionExists", "EntityNotFound":
			return nil // deleted since the list
		default:
			return fmt.Errorf("ListTagsForResource %s: %w", arn, err)
		}
		tags := map[string]string{}
		if out.Tags != nil {
			for _, t := range out.Tags.Items {
				tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
			}
		}
		owned[i] = o.owns(tags)
		return nil
	})
	if err != nil {
		return nil, err
	}
	var keep []int
	for i, ok := range owned {
		if ok {
			keep = append(keep, i)
		}
	}
	return keep, nil
}
