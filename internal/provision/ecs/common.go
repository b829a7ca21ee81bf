package ecs

import (
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// tags are berth's ownership tags in ECS's shape, in a fixed order.
func tags(env provision.Env, r plan.Resource) []types.Tag {
	own := provision.Tags(env, r)
	var out []types.Tag
	for _, k := range []string{provision.TagApp, provision.TagStage, provision.TagResource} {
		out = append(out, types.Tag{Key: aws.String(k), Value: aws.String(own[k])})
	}
	return out
}

func owned(env provision.Env, r plan.Resource, live []types.Tag) bool {
	m := make(map[string]string, len(live))
	for _, t := range live {
		m[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return provision.Owned(env, r, m)
}

// joined renders an id list as a set.
func joined(s []string) string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return strings.Join(out, ",")
}

// partition is the ARN partition of a region.
func partition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	default:
		return "aws"
	}
}

// resolveRole returns a RoleRef's ARN: the referenced berth role's, or the given one.
func resolveRole(env provision.Env, ref plan.RoleRef) (string, error) {
	if ref.Ref != nil {
		return env.Refs.Resolve(*ref.Ref)
	}
	return ref.Arn, nil
}
