package iam

import (
	"context"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// liveRole is what IAM holds for a role. attached and inline are loaded on demand
// (loaded), since ownership is decided from GetRole alone.
type liveRole struct {
	role     *types.Role
	tags     map[string]string
	trust    string // decoded trust policy
	loaded   bool
	attached []string // managed policy ARNs, sorted
	inline   string   // InlinePolicyName's document, decoded; "" when absent
}

// read loads the role; nil when it does not exist.
func (ro *roles) read(ctx context.Context, name string) (*liveRole, error) {
	out, err := ro.api.GetRole(ctx, &awsiam.GetRoleInput{RoleName: aws.String(name)})
	if provision.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	live := &liveRole{role: out.Role, tags: map[string]string{}, trust: decodeDocument(aws.ToString(out.Role.AssumeRolePolicyDocument))}
	for _, t := range out.Role.Tags {
		live.tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return live, nil
}

// load reads the role's managed attachments and berth's inline policy.
func (ro *roles) load(ctx context.Context, name string, live *liveRole) error {
	if live.loaded {
		return nil
	}
	attached, err := ro.attached(ctx, name)
	if err != nil {
		return err
	}
	live.attached = attached
	out, err := ro.api.GetRolePolicy(ctx, &awsiam.GetRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String(InlinePolicyName)})
	switch {
	case provision.IsNotFound(err):
	case err != nil:
		return err
	default:
		live.inline = decodeDocument(aws.ToString(out.PolicyDocument))
	}
	live.loaded = true
	return nil
}

func (ro *roles) attached(ctx context.Context, name string) ([]string, error) {
	var arns []string
	pages := awsiam.NewListAttachedRolePoliciesPaginator(ro.api, &awsiam.ListAttachedRolePoliciesInput{RoleName: aws.String(name)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, p := range page.AttachedPolicies {
			arns = append(arns, aws.ToString(p.PolicyArn))
		}
	}
	slices.Sort(arns)
	return arns, nil
}

// diff lists trustServices, managedPolicyArns and inlinePolicy where they differ.
func (ro *roles) diff(ctx context.Context, r plan.Resource, d desiredRole, live *liveRole) (provision.Diffs, error) {
	if err := ro.load(ctx, r.Name, live); err != nil {
		return nil, err
	}
	var diffs provision.Diffs
	if normalize(live.trust) != normalize(d.trust) {
		diffs = append(diffs, provision.FieldDiff{Field: "trustServices", Desired: trustedServices(d.trust), Actual: trustedServices(live.trust)})
	}
	if !slices.Equal(live.attached, d.managed) {
		diffs = append(diffs, provision.FieldDiff{Field: "managedPolicyArns", Desired: strings.Join(d.managed, ","), Actual: strings.Join(live.attached, ",")})
	}
	if inlineDiffers(d, live) {
		diffs = append(diffs, provision.FieldDiff{Field: "inlinePolicy", Desired: orNone(normalize(d.inline)), Actual: orNone(normalize(live.inline))})
	}
	if b := boundaryOf(live); ro.boundary != "" && b != ro.boundary {
		diffs = append(diffs, provision.FieldDiff{Field: "permissionsBoundary", Desired: ro.boundary, Actual: orNone(b)})
	}
	return diffs, nil
}

// boundaryOf is the role's permissions boundary ARN, or "".
func boundaryOf(live *liveRole) string {
	if live.role == nil || live.role.PermissionsBoundary == nil {
		return ""
	}
	return aws.ToString(live.role.PermissionsBoundary.PermissionsBoundaryArn)
}

func inlineDiffers(d desiredRole, live *liveRole) bool {
	if d.inline == "" || live.inline == "" {
		return d.inline != live.inline
	}
	return normalize(d.inline) != normalize(live.inline)
}

// reconcile changes only what differs: trust, then attachments, then the inline policy.
func (ro *roles) reconcile(ctx context.Context, r plan.Resource, d desiredRole, live *liveRole) error {
	if err := ro.load(ctx, r.Name, live); err != nil {
		return err
	}
	name := aws.String(r.Name)
	if ro.boundary != "" && boundaryOf(live) != ro.boundary {
		if _, err := ro.api.PutRolePermissionsBoundary(ctx, &awsiam.PutRolePermissionsBoundaryInput{RoleName: name, PermissionsBoundary: aws.String(ro.boundary)}); err != nil {
			return err
		}
	}
	if normalize(live.trust) != normalize(d.trust) {
		if _, err := ro.api.UpdateAssumeRolePolicy(ctx, &awsiam.UpdateAssumeRolePolicyInput{RoleName: name, PolicyDocument: aws.String(d.trust)}); err != nil {
			return err
		}
	}
	for _, arn := range d.managed {
		if !slices.Contains(live.attached, arn) {
			if _, err := ro.api.AttachRolePolicy(ctx, &awsiam.AttachRolePolicyInput{RoleName: name, PolicyArn: aws.String(arn)}); err != nil {
				return err
			}
		}
	}
	for _, arn := range live.attached {
		if !slices.Contains(d.managed, arn) {
			if _, err := ro.api.DetachRolePolicy(ctx, &awsiam.DetachRolePolicyInput{RoleName: name, PolicyArn: aws.String(arn)}); err != nil && !provision.IsNotFound(err) {
				return err
			}
		}
	}
	return ro.reconcileInline(ctx, r, d, live)
}

func (ro *roles) reconcileInline(ctx context.Context, r plan.Resource, d desiredRole, live *liveRole) error {
	if !inlineDiffers(d, live) {
		return nil
	}
	if d.inline == "" {
		_, err := ro.api.DeleteRolePolicy(ctx, &awsiam.DeleteRolePolicyInput{RoleName: aws.String(r.Name), PolicyName: aws.String(InlinePolicyName)})
		if provision.IsNotFound(err) {
			return nil
		}
		return err
	}
	_, err := ro.api.PutRolePolicy(ctx, &awsiam.PutRolePolicyInput{RoleName: aws.String(r.Name), PolicyName: aws.String(InlinePolicyName), PolicyDocument: aws.String(d.inline)})
	return err
}

// strip detaches every managed policy and deletes every inline policy: IAM deletes only
// bare roles. The role is berth's, so everything on it is too.
func (ro *roles) strip(ctx context.Context, name string) error {
	attached, err := ro.attached(ctx, name)
	if err != nil {
		return err
	}
	for _, arn := range attached {
		if _, err := ro.api.DetachRolePolicy(ctx, &awsiam.DetachRolePolicyInput{RoleName: aws.String(name), PolicyArn: aws.String(arn)}); err != nil && !provision.IsNotFound(err) {
			return err
		}
	}
	pages := awsiam.NewListRolePoliciesPaginator(ro.api, &awsiam.ListRolePoliciesInput{RoleName: aws.String(name)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return err
		}
		for _, p := range page.PolicyNames {
			if _, err := ro.api.DeleteRolePolicy(ctx, &awsiam.DeleteRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String(p)}); err != nil && !provision.IsNotFound(err) {
				return err
			}
		}
	}
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
