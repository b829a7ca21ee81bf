package cloudfront

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/cloudfront"

	"github.com/berth-dev/berth/internal/provision"
)

// OwnsDomainName reports whether dnsName (d111111abcdef8.cloudfront.net, trailing dot or
// not) is the domain of a distribution berth tagged for env's app and stage. Route 53
// alias records use it (route53.WithAliasOwner) to recognise their previous target once
// a distribution has been replaced; records cannot be tagged, so this is how they know the
// old value was berth's.
func (d *Distribution) OwnsDomainName(ctx context.Context, env provision.Env, dnsName string) (bool, error) {
	want := strings.TrimSuffix(strings.ToLower(dnsName), ".")
	var marker *string
	for {
		out, err := d.api.ListDistributions(ctx, &sdk.ListDistributionsInput{Marker: marker})
		if err != nil {
			return false, provision.Classify(err, "list", kindDistribution, dnsName)
		}
		list := out.DistributionList
		if list == nil {
			return false, nil
		}
		for _, s := range list.Items {
			if strings.ToLower(aws.ToString(s.DomainName)) != want {
				continue
			}
			tags, err := d.api.ListTagsForResource(ctx, &sdk.ListTagsForResourceInput{Resource: s.ARN})
			if err != nil {
				return false, provision.Classify(err, "read tags", kindDistribution, dnsName)
			}
			m := tagMap(tags.Tags)
			return m[provision.TagApp] == env.App && m[provision.TagStage] == env.Stage && m[provision.TagResource] != "", nil
		}
		marker = list.NextMarker
		if !aws.ToBool(list.IsTruncated) || aws.ToString(marker) == "" {
			return false, nil
		}
	}
}
