package inventory

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/berth-dev/berth/internal/lambdapolicy"
	"github.com/berth-dev/berth/internal/plan"
)

// roles lists the account's roles (ListRoles, paginated) and keeps those tagged for o.
// The tagging API does not return IAM roles (moto not at all), so tags are read
// (ListRoleTags) for roles named with berth's prefix for o's app; a role the tagging API
// did return needs no call. A tagged role ListRoles no longer has is gone.
func (l *Lister) roles(ctx context.Context, o owner, found byType) ([]Item, error) {
	var all []iamtypes.Role
	in := &iam.ListRolesInput{MaxItems: aws.Int32(1000)}
	for {
		out, err := l.c.IAM.ListRoles(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("ListRoles: %w", err)
		}
		all = append(all, out.Roles...)
		if !out.IsTruncated || aws.ToString(out.Marker) == "" {
			break
		}
		in.Marker = out.Marker
	}
	owned := make([]bool, len(all))
	var check []int
	for i, r := range all {
		if _, ok := found.arns[aws.ToString(r.Arn)]; ok {
			owned[i] = true
		} else if strings.HasPrefix(aws.ToString(r.RoleName), o.namePrefix()) {
			check = append(check, i)
		}
	}
	err := forEach(ctx, len(check), perItemParallel, func(k int) error {
		i := check[k]
		tags, err := l.roleTags(ctx, aws.ToString(all[i].RoleName))
		if err != nil {
			return err
		}
		owned[i] = tags != nil && o.owns(tags)
		return nil
	})
	if err != nil {
		return nil, err
	}
	var items []Item
	for i, r := range all {
		if !owned[i] {
			continue
		}
		items = append(items, Item{Type: string(plan.KindRole), Name: aws.ToString(r.RoleName), Arn: aws.ToString(r.Arn), Attributes: attrs(
			"path", aws.ToString(r.Path),
			"trustedServices", trustedServices(aws.ToString(r.AssumeRolePolicyDocument)),
		)})
	}
	return items, nil
}

// roleTags returns a role's tags; nil when the role is gone.
func (l *Lister) roleTags(ctx context.Context, name string) (map[string]string, error) {
	tags := map[string]string{}
	in := &iam.ListRoleTagsInput{RoleName: aws.String(name)}
	for {
		out, err := l.c.IAM.ListRoleTags(ctx, in)
		if errorCode(err) == "NoSuchEntity" {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("ListRoleTags %s: %w", name, err)
		}
		for _, t := range out.Tags {
			tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
		}
		if !out.IsTruncated || aws.ToString(out.Marker) == "" {
			return tags, nil
		}
		in.Marker = out.Marker
	}
}

// trustedServices are the service principals a trust policy lets assume the role,
// sorted and comma-joined. IAM returns the document URL-encoded.
func trustedServices(doc string) string {
	if doc == "" {
		return ""
	}
	if d, err := url.PathUnescape(doc); err == nil {
		doc = d
	}
	var p struct {
		Statement json.RawMessage `json:"Statement"`
	}
	if json.Unmarshal([]byte(doc), &p) != nil || len(p.Statement) == 0 {
		return ""
	}
	var stmts []struct {
		Principal any `json:"Principal"`
	}
	if json.Unmarshal(p.Statement, &stmts) != nil {
		var one struct {
			Principal any `json:"Principal"`
		}
		if json.Unmarshal(p.Statement, &one) != nil {
			return ""
		}
		stmts = append(stmts, one)
	}
	var out []string
	for _, s := range stmts {
		m, ok := s.Principal.(map[string]any)
		if !ok {
			continue
		}
		for _, v := range lambdapolicy.Strings(m["Service"]) {
			if !slices.Contains(out, v) {
				out = append(out, v)
			}
		}
	}
	slices.Sort(out)
	return strings.Join(out, ",")
}
