package iam

import (
	"context"
	"encoding/json"
	"maps"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// InlinePolicyName names the inline policy holding a container's awsIam.customPolicy.
const InlinePolicyName = "berth-custom"

// API is the part of the IAM SDK client Role calls; the real *iam.Client satisfies it.
type API interface {
	GetRole(ctx context.Context, in *awsiam.GetRoleInput, opts ...func(*awsiam.Options)) (*awsiam.GetRoleOutput, error)
	CreateRole(ctx context.Context, in *awsiam.CreateRoleInput, opts ...func(*awsiam.Options)) (*awsiam.CreateRoleOutput, error)
	DeleteRole(ctx context.Context, in *awsiam.DeleteRoleInput, opts ...func(*awsiam.Options)) (*awsiam.DeleteRoleOutput, error)
	UpdateAssumeRolePolicy(ctx context.Context, in *awsiam.UpdateAssumeRolePolicyInput, opts ...func(*awsiam.Options)) (*awsiam.UpdateAssumeRolePolicyOutput, error)
	ListAttachedRolePolicies(ctx context.Context, in *awsiam.ListAttachedRolePoliciesInput, opts ...func(*awsiam.Options)) (*awsiam.ListAttachedRolePoliciesOutput, error)
	AttachRolePolicy(ctx context.Context, in *awsiam.AttachRolePolicyInput, opts ...func(*awsiam.Options)) (*awsiam.AttachRolePolicyOutput, error)
	DetachRolePolicy(ctx context.Context, in *awsiam.DetachRolePolicyInput, opts ...func(*awsiam.Options)) (*awsiam.DetachRolePolicyOutput, error)
	ListRolePolicies(ctx context.Context, in *awsiam.ListRolePoliciesInput, opts ...func(*awsiam.Options)) (*awsiam.ListRolePoliciesOutput, error)
	GetRolePolicy(ctx context.Context, in *awsiam.GetRolePolicyInput, opts ...func(*awsiam.Options)) (*awsiam.GetRolePolicyOutput, error)
	PutRolePolicy(ctx context.Context, in *awsiam.PutRolePolicyInput, opts ...func(*awsiam.Options)) (*awsiam.PutRolePolicyOutput, error)
	DeleteRolePolicy(ctx context.Context, in *awsiam.DeleteRolePolicyInput, opts ...func(*awsiam.Options)) (*awsiam.DeleteRolePolicyOutput, error)
	PutRolePermissionsBoundary(ctx context.Context, in *awsiam.PutRolePermissionsBoundaryInput, opts ...func(*awsiam.Options)) (*awsiam.PutRolePermissionsBoundaryOutput, error)
}

// Register adds plan.KindRole to reg.
func Register(reg provision.Registry, client API, opts ...Option) {
	reg[plan.KindRole] = NewRole(client, opts...)
}

// Role provisions plan.KindRole: the role named r.Name.
type Role struct {
	api      API
	boundary string
}

// Option configures the role provisioner.
type Option func(*Role)

// WithPermissionsBoundary puts every role berth creates under the given managed policy.
// berth's own IAM permissions (template.yaml) only allow creating and changing roles that
// carry this boundary, so an app's customPolicy can never grant more than it allows.
func WithPermissionsBoundary(arn string) Option { return func(r *Role) { r.boundary = arn } }

// NewRole returns the role provisioner.
func NewRole(api API, opts ...Option) *Role {
	r := &Role{api: api}
	for _, o := range opts {
		o(r)
	}
	return r
}

// desiredRole is a role's props, validated and rendered as IAM documents.
type desiredRole struct {
	props   plan.RoleProps
	trust   string   // trust policy document
	managed []string // managed policy ARNs in the app's partition, sorted
	inline  string   // inline policy document, "" for none
}

func desired(env provision.Env, r plan.Resource) (desiredRole, error) {
	var d desiredRole
	if err := json.Unmarshal(r.Props, &d.props); err != nil {
		return d, refused(r, "decode props", err.Error())
	}
	trust, err := trustPolicy(d.props.TrustServices)
	if err != nil {
		return d, refused(r, "validate", err.Error())
	}
	d.trust = trust
	d.managed = managedArns(d.props.ManagedPolicyArns, partition(env.Region))
	if len(d.props.InlinePolicy) > 0 {
		doc, err := json.Marshal(d.props.InlinePolicy)
		if err != nil {
			return d, refused(r, "validate", "inlinePolicy: "+err.Error())
		}
		d.inline = string(doc)
	}
	return d, nil
}

// Observe implements provision.Provisioner.
func (ro *Role) Observe(ctx context.Context, env provision.Env, r plan.Resource) (provision.Observation, error) {
	live, err := ro.read(ctx, r.Name)
	if err != nil || live == nil {
		return provision.Observation{}, classify(err, "observe", r)
	}
	if !provision.Owned(env, r, live.tags) {
		return foreignObservation(env, r, live.tags), nil
	}
	d, err := desired(env, r)
	if err != nil {
		return provision.Observation{}, err
	}
	diffs, err := ro.diff(ctx, r, d, live)
	if err != nil {
		return provision.Observation{}, classify(err, "observe", r)
	}
	return provision.Observation{Exists: true, Ready: true, Diff: diffs, Outputs: outputs(live.role)}, nil
}

// Create implements provision.Provisioner.
func (ro *Role) Create(ctx context.Context, env provision.Env, r plan.Resource) (provision.Outputs, error) {
	return ro.apply(ctx, env, r, "create")
}

// Update implements provision.Provisioner.
func (ro *Role) Update(ctx context.Context, env provision.Env, r plan.Resource) (provision.Outputs, error) {
	return ro.apply(ctx, env, r, "update")
}

// apply creates the role when missing, then reconciles trust, managed attachments and
// the inline policy, each only when it differs.
func (ro *Role) apply(ctx context.Context, env provision.Env, r plan.Resource, op string) (provision.Outputs, error) {
	d, err := desired(env, r)
	if err != nil {
		return nil, err
	}
	live, err := ro.read(ctx, r.Name)
	if err != nil {
		return nil, classify(err, op, r)
	}
	if live == nil {
		return ro.create(ctx, env, r, d)
	}
	if !provision.Owned(env, r, live.tags) {
		return nil, &provision.NotOwnedError{Kind: string(r.Kind), Name: r.Name}
	}
	if err := ro.reconcile(ctx, r, d, live); err != nil {
		return nil, classify(err, op, r)
	}
	return outputs(live.role), nil
}

func (ro *Role) create(ctx context.Context, env provision.Env, r plan.Resource, d desiredRole) (provision.Outputs, error) {
	out, err := ro.api.CreateRole(ctx, &awsiam.CreateRoleInput{
		RoleName:                 aws.String(r.Name),
		AssumeRolePolicyDocument: aws.String(d.trust),
		Description:              aws.String("berth " + env.App + "/" + env.Stage + " " + r.ID),
		Tags:                     tags(env, r),
		PermissionsBoundary:      nonEmpty(ro.boundary),
	})
	if err != nil {
		return nil, classify(err, "create", r)
	}
	fresh := &liveRole{role: out.Role, trust: d.trust, loaded: true} // nothing attached yet
	if err := ro.reconcile(ctx, r, d, fresh); err != nil {
		return nil, classify(err, "create", r)
	}
	return outputs(out.Role), nil
}

// Delete implements provision.Provisioner.
func (ro *Role) Delete(ctx context.Context, env provision.Env, r plan.Resource) error {
	live, err := ro.read(ctx, r.Name)
	if err != nil || live == nil {
		return classify(err, "delete", r)
	}
	if !provision.Owned(env, r, live.tags) {
		return &provision.NotOwnedError{Kind: string(r.Kind), Name: r.Name}
	}
	if err := ro.strip(ctx, r.Name); err != nil {
		return classify(err, "delete", r)
	}
	_, err = ro.api.DeleteRole(ctx, &awsiam.DeleteRoleInput{RoleName: aws.String(r.Name)})
	if isNotFound(err) {
		return nil
	}
	return classify(err, "delete", r)
}

func outputs(role *types.Role) provision.Outputs {
	return provision.Outputs{plan.AttrArn: aws.ToString(role.Arn), plan.AttrName: aws.ToString(role.RoleName)}
}

func tags(env provision.Env, r plan.Resource) []types.Tag {
	m := provision.Tags(env, r) // an app's tags, or berth's shared tag (plan.Resource.Shared)
	var out []types.Tag
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, types.Tag{Key: aws.String(k), Value: aws.String(m[k])})
	}
	return out
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return aws.String(s)
}

func isNotFound(err error) bool { return provision.ErrorCode(err) == "NoSuchEntity" }

func classify(err error, op string, r plan.Resource) error {
	return provision.Classify(err, op, string(r.Kind), r.Name)
}

func refused(r plan.Resource, op, cause string) error {
	return &provision.RejectedError{Kind: string(r.Kind), Name: r.Name, Op: op, Cause: cause}
}
