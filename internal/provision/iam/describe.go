package iam

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/berth-dev/berth/internal/lambdapolicy"
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// describeAPI is what the inventory reads of roles: the account's list and their tags.
type describeAPI interface {
	ListRoles(ctx context.Context, in *awsiam.ListRolesInput, optFns ...func(*awsiam.Options)) (*awsiam.ListRolesOutput, error)
	ListRoleTags(ctx context.Context, in *awsiam.ListRoleTagsInput, optFns ...func(*awsiam.Options)) (*awsiam.ListRoleTagsOutput, error)
}

// Roles are listed by IAM itself: "The GetResources operation does not currently support
// IAM users and roles" (Resource Groups Tagging API Reference, "Services that support the
// Resource Groups Tagging API"), and moto's does not return them either.
var describeRole = provision.Describer{ARNTypes: []string{"iam:role"}, Items: describeRoles}

// describeRoles lists the account's roles (ListRoles, paginated) and keeps those tagged
// for the scope. Tags are read (ListRoleTags) for roles named with berth's prefix; a role
// the tagging API did return needs no call. A tagged role ListRoles no longer has is gone.
func describeRoles(ctx context.Context, s provision.Scope, found []provision.Tagged) ([]provision.Item, error) {
	var api describeAPI = awsiam.NewFromConfig(s.Config(plan.EdgeRegion)) // IAM is global
	returned := map[string]bool{}
	for _, t := range found {
		returned[t.ARN.String()] = true
	}
	var all []iamtypes.Role
	in := &awsiam.ListRolesInput{MaxItems: aws.Int32(1000)}
	for {
		out, err := api.ListRoles(ctx, in)
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
		if returned[aws.ToString(r.Arn)] {
			owned[i] = true
		} else if strings.HasPrefix(aws.ToString(r.RoleName), s.NamePrefix()) {
			check = append(check, i)
		}
	}
	err := provision.ForEach(ctx, len(check), provision.PerItemParallel, func(k int) error {
		i := check[k]
		tags, err := listedRoleTags(ctx, api, aws.ToString(all[i].RoleName))
		if err != nil {
			return err
		}
		owned[i] = tags != nil && s.Owns(tags)
		return nil
	})
	if err != nil {
		return nil, err
	}
	var items []provision.Item
	for i, r := range all {
		if !owned[i] {
			continue
		}
		items = append(items, provision.Item{Type: string(plan.KindRole), Name: aws.ToString(r.RoleName), Arn: aws.ToString(r.Arn), Attributes: provision.Attrs(
			"path", aws.ToString(r.Path),
			"trustedServices", servicePrincipals(aws.ToString(r.AssumeRolePolicyDocument)),
		)})
	}
	return items, nil
}

// listedRoleTags returns a role's tags; nil when the role is gone.
func listedRoleTags(ctx context.Context, api describeAPI, name string) (map[string]string, error) {
	tags := map[string]string{}
	in := &awsiam.ListRoleTagsInput{RoleName: aws.String(name)}
	for {
		out, err := api.ListRoleTags(ctx, in)
		if provision.ErrorCode(err) == "NoSuchEntity" {
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

// servicePrincipals are the service principals a trust policy lets assume the role,
// sorted and comma-joined. IAM returns the document URL-encoded.
func servicePrincipals(doc string) string {
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
