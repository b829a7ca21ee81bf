package cloudfront

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/smithy-go"
)

// fakeCloudFront is a small in-memory CloudFront with the behaviour moto 5.2.1 lacks and
// AWS has, for the focused tests in distribution_unit_test.go:
//   - every write changes the ETag, and a write whose IfMatch is not the current ETag
//     fails with PreconditionFailed (moto accepts any IfMatch);
//   - DeleteDistribution refuses an enabled distribution, or one still InProgress, with
//     DistributionNotDisabled (moto deletes whatever it is asked to);
//   - a write leaves the distribution InProgress until the test calls deploy (moto
//     reports Deployed at once);
//   - it keeps function and Lambda@Edge associations (moto drops them).
//
// Hooks let a test inject a concurrent change or hide a new distribution from the list
// (eventual consistency).
type fakeCloudFront struct {
	dists  map[string]*fakeDist
	next   int
	calls  map[string]int
	hidden map[string]bool   // ids ListDistributions does not show yet
	gone   map[string]string // deleted id → caller reference CloudFront still refuses
	// beforeWrite runs at the start of UpdateDistribution and DeleteDistribution.
	beforeWrite func(op, id string)
}

type fakeDist struct {
	cfg    *types.DistributionConfig
	etag   string
	status string
	tags   map[string]string
	writes int
}

func newFakeCloudFront() *fakeCloudFront {
	return &fakeCloudFront{dists: map[string]*fakeDist{}, calls: map[string]int{}, hidden: map[string]bool{}, gone: map[string]string{}}
}

func apiErr(code, msg string) error { return &smithy.GenericAPIError{Code: code, Message: msg} }

func alreadyExists(id string) error {
	return apiErr("DistributionAlreadyExists", "The caller reference that you are using to create a distribution is associated with another distribution. Already exists: "+id)
}

// cloneConfig deep-copies a config, so the provisioner can never change stored state without a
// write (as over the wire).
func cloneConfig(c *types.DistributionConfig) *types.DistributionConfig {
	b, err := json.Marshal(c)
	if err != nil {
		panic(err)
	}
	var out types.DistributionConfig
	if err := json.Unmarshal(b, &out); err != nil {
		panic(err)
	}
	return &out
}

func (f *fakeCloudFront) arn(id string) string {
	return "arn:aws:cloudfront::123456789012:distribution/" + id
}

func (f *fakeCloudFront) view(id string) *types.Distribution {
	d := f.dists[id]
	return &types.Distribution{Id: aws.String(id), ARN: aws.String(f.arn(id)), DomainName: aws.String("d" + id + ".cloudfront.net"),
		Status: aws.String(d.status), DistributionConfig: cloneConfig(d.cfg)}
}

// deploy finishes the distribution's pending change, as CloudFront does after minutes.
func (f *fakeCloudFront) deploy(id string) { f.dists[id].status = "Deployed" }

func (f *fakeCloudFront) write(id string, cfg *types.DistributionConfig) {
	d := f.dists[id]
	d.cfg, d.status = cloneConfig(cfg), "InProgress"
	d.writes++
	d.etag = "E" + id + "v" + strconv.Itoa(d.writes)
}

func (f *fakeCloudFront) CreateDistributionWithTags(_ context.Context, in *sdk.CreateDistributionWithTagsInput, _ ...func(*sdk.Options)) (*sdk.CreateDistributionWithTagsOutput, error) {
	f.calls["CreateDistributionWithTags"]++
	cfg := in.DistributionConfigWithTags.DistributionConfig
	for id, d := range f.dists {
		if aws.ToString(d.cfg.CallerReference) == aws.ToString(cfg.CallerReference) {
			return nil, alreadyExists(id)
		}
	}
	for id, ref := range f.gone {
		if ref == aws.ToString(cfg.CallerReference) {
			return nil, alreadyExists(id)
		}
	}
	f.next++
	id := fmt.Sprintf("EFAKE%d", f.next)
	tags := map[string]string{}
	for _, t := range in.DistributionConfigWithTags.Tags.Items {
		tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	f.dists[id] = &fakeDist{tags: tags}
	f.write(id, cfg)
	return &sdk.CreateDistributionWithTagsOutput{Distribution: f.view(id), ETag: aws.String(f.dists[id].etag)}, nil
}

func (f *fakeCloudFront) GetDistribution(_ context.Context, in *sdk.GetDistributionInput, _ ...func(*sdk.Options)) (*sdk.GetDistributionOutput, error) {
	f.calls["GetDistribution"]++
	d, ok := f.dists[aws.ToString(in.Id)]
	if !ok {
		return nil, apiErr("NoSuchDistribution", "The specified distribution does not exist.")
	}
	return &sdk.GetDistributionOutput{Distribution: f.view(aws.ToString(in.Id)), ETag: aws.String(d.etag)}, nil
}

func (f *fakeCloudFront) GetDistributionConfig(_ context.Context, in *sdk.GetDistributionConfigInput, _ ...func(*sdk.Options)) (*sdk.GetDistributionConfigOutput, error) {
	f.calls["GetDistributionConfig"]++
	d, ok := f.dists[aws.ToString(in.Id)]
	if !ok {
		return nil, apiErr("NoSuchDistribution", "The specified distribution does not exist.")
	}
	return &sdk.GetDistributionConfigOutput{DistributionConfig: cloneConfig(d.cfg), ETag: aws.String(d.etag)}, nil
}

func (f *fakeCloudFront) UpdateDistribution(_ context.Context, in *sdk.UpdateDistributionInput, _ ...func(*sdk.Options)) (*sdk.UpdateDistributionOutput, error) {
	f.calls["UpdateDistribution"]++
	id := aws.ToString(in.Id)
	if f.beforeWrite != nil {
		f.beforeWrite("UpdateDistribution", id)
	}
	d, ok := f.dists[id]
	if !ok {
		return nil, apiErr("NoSuchDistribution", "The specified distribution does not exist.")
	}
	if aws.ToString(in.IfMatch) != d.etag {
		return nil, apiErr("PreconditionFailed", "The precondition given in one or more of the request-header fields evaluated to false.")
	}
	f.write(id, in.DistributionConfig)
	return &sdk.UpdateDistributionOutput{Distribution: f.view(id), ETag: aws.String(d.etag)}, nil
}

func (f *fakeCloudFront) DeleteDistribution(_ context.Context, in *sdk.DeleteDistributionInput, _ ...func(*sdk.Options)) (*sdk.DeleteDistributionOutput, error) {
	f.calls["DeleteDistribution"]++
	id := aws.ToString(in.Id)
	if f.beforeWrite != nil {
		f.beforeWrite("DeleteDistribution", id)
	}
	d, ok := f.dists[id]
	if !ok {
		return nil, apiErr("NoSuchDistribution", "The specified distribution does not exist.")
	}
	if aws.ToString(in.IfMatch) != d.etag {
		return nil, apiErr("PreconditionFailed", "The precondition given in one or more of the request-header fields evaluated to false.")
	}
	if aws.ToBool(d.cfg.Enabled) || d.status != "Deployed" {
		return nil, apiErr("DistributionNotDisabled", "The distribution you are trying to delete has not been disabled.")
	}
	delete(f.dists, id)
	return &sdk.DeleteDistributionOutput{}, nil
}

func (f *fakeCloudFront) ListDistributions(_ context.Context, _ *sdk.ListDistributionsInput, _ ...func(*sdk.Options)) (*sdk.ListDistributionsOutput, error) {
	f.calls["ListDistributions"]++
	var ids []string
	for id := range f.dists {
		if !f.hidden[id] {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	list := &types.DistributionList{IsTruncated: aws.Bool(false), Quantity: aws.Int32(int32(len(ids)))}
	for _, id := range ids {
		d := f.dists[id]
		list.Items = append(list.Items, types.DistributionSummary{Id: aws.String(id), ARN: aws.String(f.arn(id)), Comment: d.cfg.Comment,
			Status: aws.String(d.status), DomainName: f.view(id).DomainName})
	}
	return &sdk.ListDistributionsOutput{DistributionList: list}, nil
}

func (f *fakeCloudFront) ListTagsForResource(_ context.Context, in *sdk.ListTagsForResourceInput, _ ...func(*sdk.Options)) (*sdk.ListTagsForResourceOutput, error) {
	f.calls["ListTagsForResource"]++
	for id, d := range f.dists {
		if f.arn(id) == aws.ToString(in.Resource) {
			var items []types.Tag
			for k, v := range d.tags {
				items = append(items, types.Tag{Key: aws.String(k), Value: aws.String(v)})
			}
			return &sdk.ListTagsForResourceOutput{Tags: &types.Tags{Items: items}}, nil
		}
	}
	return nil, apiErr("NoSuchResource", "no such resource")
}

// mutating is the number of write calls made so far.
func (f *fakeCloudFront) mutating() int {
	return f.calls["CreateDistributionWithTags"] + f.calls["UpdateDistribution"] + f.calls["DeleteDistribution"]
}

// only returns the one distribution in the fake.
func (f *fakeCloudFront) only() (string, *fakeDist) {
	for id, d := range f.dists {
		return id, d
	}
	return "", nil
}
