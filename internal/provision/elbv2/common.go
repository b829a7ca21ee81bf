package elbv2

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// tags are berth's ownership tags plus a Name tag (listeners and rules have no name of
// their own; the tag makes them recognisable in the console).
func tags(env provision.Env, r plan.Resource) []types.Tag {
	out := []types.Tag{{Key: aws.String("Name"), Value: aws.String(r.Name)}}
	keys := []string{provision.TagApp, provision.TagStage, provision.TagResource}
	own := provision.Tags(env, r)
	for _, k := range keys {
		out = append(out, types.Tag{Key: aws.String(k), Value: aws.String(own[k])})
	}
	return out
}

// describeTagsBatch is DescribeTags' limit on ARNs per call.
const describeTagsBatch = 20

// tagsOf returns the tags of each ARN.
func tagsOf(ctx context.Context, client API, arns []string) (map[string]map[string]string, error) {
	out := make(map[string]map[string]string, len(arns))
	for start := 0; start < len(arns); start += describeTagsBatch {
		batch := arns[start:min(start+describeTagsBatch, len(arns))]
		res, err := client.DescribeTags(ctx, &elb.DescribeTagsInput{ResourceArns: batch})
		if err != nil {
			return nil, err
		}
		for _, d := range res.TagDescriptions {
			m := map[string]string{}
			for _, t := range d.Tags {
				m[aws.ToString(t.Key)] = aws.ToString(t.Value)
			}
			out[aws.ToString(d.ResourceArn)] = m
		}
	}
	return out, nil
}

// sorted returns a sorted copy, for comparing id lists as sets.
func sorted(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}

// joined renders an id list for a diff.
func joined(s []string) string { return strings.Join(sorted(s), ",") }

// immutable is the error for a change AWS cannot apply in place.
func immutable(r plan.Resource, field, want, have string) error {
	return &provision.RejectedError{Kind: string(r.Kind), Name: r.Name, Op: "update",
		Cause: fmt.Sprintf("%s cannot change in place (%s → %s): AWS requires a new resource; remove the app/stage and deploy again, or rename it", field, have, want)}
}

// resolveAll resolves refs and appends literal ids.
func resolveAll(env provision.Env, refs []plan.Ref, ids []string) ([]string, error) {
	out := append([]string(nil), ids...)
	for _, ref := range refs {
		v, err := env.Refs.Resolve(ref)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// fullName is the part of an ELBv2 ARN CloudWatch dimensions and ALBRequestCountPerTarget
// resource labels use: "app/<name>/<id>" for a load balancer, "targetgroup/<name>/<id>"
// for a target group.
func fullName(arn string) string {
	if _, rest, ok := strings.Cut(arn, ":loadbalancer/"); ok {
		return rest
	}
	if i := strings.LastIndex(arn, ":targetgroup/"); i >= 0 {
		return arn[i+1:]
	}
	return ""
}
