package cloudfront

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// describeAPI is what the inventory reads of CloudFront: distributions, origin access
// controls, CloudFront Functions, KeyValueStores and the tags of the last two.
type describeAPI interface {
	GetDistribution(ctx context.Context, in *sdk.GetDistributionInput, optFns ...func(*sdk.Options)) (*sdk.GetDistributionOutput, error)
	ListOriginAccessControls(ctx context.Context, in *sdk.ListOriginAccessControlsInput, optFns ...func(*sdk.Options)) (*sdk.ListOriginAccessControlsOutput, error)
	ListFunctions(ctx context.Context, in *sdk.ListFunctionsInput, optFns ...func(*sdk.Options)) (*sdk.ListFunctionsOutput, error)
	ListKeyValueStores(ctx context.Context, in *sdk.ListKeyValueStoresInput, optFns ...func(*sdk.Options)) (*sdk.ListKeyValueStoresOutput, error)
	ListTagsForResource(ctx context.Context, in *sdk.ListTagsForResourceInput, optFns ...func(*sdk.Options)) (*sdk.ListTagsForResourceOutput, error)
}

// describeClient is the CloudFront client: CloudFront is global, its API in us-east-1.
func describeClient(s provision.Scope) describeAPI {
	return sdk.NewFromConfig(s.Config(plan.EdgeRegion))
}

var (
	describeDistribution = provision.Describer{ARNTypes: []string{"cloudfront:distribution"}, Items: describeDistributions}
	describeVpcOrigin    = provision.Describer{ARNTypes: []string{"cloudfront:vpcorigin"}}
	// An OAC has no tags ("AWS::CloudFront::OriginAccessControl" has no Tags property,
	// CloudFormation User Guide): berth's carries its marker in its Description, and the
	// listing finds it by that.
	describeOAC = provision.Describer{Items: describeOACs}
	// Functions and KeyValueStores are listed by CloudFront itself, their tags read for
	// berth's candidates: moto 5.2.1's tagging API does not return them, and a listing
	// by CloudFront drops what the tagging API still reports after a deletion.
	describeFunction      = provision.Describer{ARNTypes: []string{"cloudfront:function"}, Items: describeCFFunctions}
	describeKeyValueStore = provision.Describer{ARNTypes: []string{"cloudfront:key-value-store"}, Items: describeKeyValueStores}
	describeRouteTable    = provision.Describer{Unlisted: "routes are KeyValueStore entries, not resources of their own; their store is listed"}
)

// describeDistributions reads each tagged distribution (GetDistribution: one call each,
// and berth has one per app/stage). A distribution being disabled or deleted is listed as
// long as CloudFront returns it; NoSuchDistribution drops it.
func describeDistributions(ctx context.Context, s provision.Scope, found []provision.Tagged) ([]provision.Item, error) {
	if len(found) == 0 {
		return nil, nil
	}
	api := describeClient(s)
	items := make([]*provision.Item, len(found))
	err := provision.ForEach(ctx, len(found), provision.PerItemParallel, func(i int) error {
		t := found[i]
		out, err := api.GetDistribution(ctx, &sdk.GetDistributionInput{Id: aws.String(t.ARN.ID)})
		if provision.ErrorCode(err) == "NoSuchDistribution" {
			return nil
		}
		if err != nil {
			return fmt.Errorf("GetDistribution %s: %w", t.ARN.ID, err)
		}
		items[i] = distributionItem(t, out.Distribution)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return provision.Kept(items), nil
}

func distributionItem(t provision.Tagged, d *cftypes.Distribution) *provision.Item {
	it := &provision.Item{Type: string(plan.KindDistribution), Name: t.Name(t.ARN.ID), Arn: t.ARN.String()}
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
	if t.Tags["Name"] == "" && comment != "" {
		it.Name = comment // berth's distribution comment is its name
	}
	it.Attributes = provision.Attrs(
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

// describeOACs lists the account's origin access controls (paginated) and keeps those
// whose Description carries the scope's ownership marker, berth:<app>/<stage>/<resource
// id>. The list gives no ARN: the item's names the partition and account for the
// inventory to fill in.
func describeOACs(ctx context.Context, s provision.Scope, _ []provision.Tagged) ([]provision.Item, error) {
	api := describeClient(s)
	var items []provision.Item
	in := &sdk.ListOriginAccessControlsInput{}
	for {
		out, err := api.ListOriginAccessControls(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("ListOriginAccessControls: %w", err)
		}
		list := out.OriginAccessControlList
		if list == nil {
			return items, nil
		}
		for _, o := range list.Items {
			res, ok := strings.CutPrefix(aws.ToString(o.Description), s.Marker())
			if !ok || res == "" {
				continue
			}
			items = append(items, provision.Item{Type: string(plan.KindOAC), Name: aws.ToString(o.Name),
				Arn: "arn:" + provision.PartitionPlaceholder + ":cloudfront::" + provision.AccountPlaceholder + ":origin-access-control/" + aws.ToString(o.Id),
				Attributes: provision.Attrs(
					"id", aws.ToString(o.Id),
					"resource", res,
					"originType", string(o.OriginAccessControlOriginType),
					"signingBehavior", string(o.SigningBehavior),
					"signingProtocol", string(o.SigningProtocol),
				)})
		}
		if !aws.ToBool(list.IsTruncated) || aws.ToString(list.NextMarker) == "" {
			return items, nil
		}
		in.Marker = list.NextMarker
	}
}

// describeCFFunctions lists the account's CloudFront Functions (paginated) and keeps those
// tagged for the scope. Tags are read (ListTagsForResource) only for candidates:
// functions the tagging API already returned (their tags are known), whose comment
// carries the scope's ownership marker, or whose name has berth's prefix. A tagged
// function the list no longer has is gone.
func describeCFFunctions(ctx context.Context, s provision.Scope, found []provision.Tagged) ([]provision.Item, error) {
	api := describeClient(s)
	var all []cftypes.FunctionSummary
	seen := map[string]int{}
	in := &sdk.ListFunctionsInput{}
	for {
		out, err := api.ListFunctions(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("ListFunctions: %w", err)
		}
		if out.FunctionList == nil {
			break
		}
		for _, f := range out.FunctionList.Items {
			arn := listedFunctionARN(f)
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
		return strings.HasPrefix(comment, s.Marker()) || strings.HasPrefix(aws.ToString(f.Name), s.NamePrefix())
	}
	keep, err := ownedListed(ctx, api, s, found, len(all), func(i int) (string, bool) { return listedFunctionARN(all[i]), candidate(all[i]) })
	if err != nil {
		return nil, err
	}
	var items []provision.Item
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
		items = append(items, provision.Item{Type: string(plan.KindCloudFrontFunction), Name: aws.ToString(f.Name), Arn: listedFunctionARN(f), Attributes: provision.Attrs(
			"status", aws.ToString(f.Status),
			"stage", stage,
			"runtime", runtime,
			"keyValueStore", kvs,
		)})
	}
	return items, nil
}

func listedFunctionARN(f cftypes.FunctionSummary) string {
	if f.FunctionMetadata == nil {
		return ""
	}
	return aws.ToString(f.FunctionMetadata.FunctionARN)
}

// describeKeyValueStores lists the account's KeyValueStores (paginated) and keeps those
// tagged for the scope, reading tags only for candidates as describeCFFunctions does
// (berth's store comment is "berth routes for <app>/<stage>").
func describeKeyValueStores(ctx context.Context, s provision.Scope, found []provision.Tagged) ([]provision.Item, error) {
	api := describeClient(s)
	var all []cftypes.KeyValueStore
	in := &sdk.ListKeyValueStoresInput{}
	for {
		out, err := api.ListKeyValueStores(ctx, in)
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
	comment := "berth routes for " + s.App + "/" + s.Stage
	keep, err := ownedListed(ctx, api, s, found, len(all), func(i int) (string, bool) {
		kv := all[i]
		return aws.ToString(kv.ARN), aws.ToString(kv.Comment) == comment || strings.HasPrefix(aws.ToString(kv.Name), s.NamePrefix())
	})
	if err != nil {
		return nil, err
	}
	var items []provision.Item
	for _, i := range keep {
		kv := all[i]
		items = append(items, provision.Item{Type: string(plan.KindKeyValueStore), Name: aws.ToString(kv.Name), Arn: aws.ToString(kv.ARN), Attributes: provision.Attrs(
			"id", aws.ToString(kv.Id),
			"status", aws.ToString(kv.Status),
			"comment", aws.ToString(kv.Comment),
		)})
	}
	return items, nil
}

// ownedListed returns the indexes (of n listed CloudFront resources) tagged for the
// scope: those the tagging API returned (found) without a call, candidates after
// ListTagsForResource.
func ownedListed(ctx context.Context, api describeAPI, s provision.Scope, found []provision.Tagged, n int, at func(i int) (arn string, candidate bool)) ([]int, error) {
	returned := map[string]bool{}
	for _, t := range found {
		returned[t.ARN.String()] = true
	}
	owned := make([]bool, n)
	var check []int
	for i := 0; i < n; i++ {
		arn, cand := at(i)
		if returned[arn] {
			owned[i] = true
		} else if cand && arn != "" {
			check = append(check, i)
		}
	}
	err := provision.ForEach(ctx, len(check), provision.PerItemParallel, func(k int) error {
		i := check[k]
		arn, _ := at(i)
		out, err := api.ListTagsForResource(ctx, &sdk.ListTagsForResourceInput{Resource: aws.String(arn)})
		switch provision.ErrorCode(err) {
		case "":
		case "NoSuchResource", "NoSuchFunctionExists", "EntityNotFound":
			return nil // deleted since the list
		default:
			return fmt.Errorf("ListTagsForResource %s: %w", arn, err)
		}
		owned[i] = s.Owns(tagMap(out.Tags))
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
