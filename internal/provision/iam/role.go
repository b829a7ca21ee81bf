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

// ClientFactory returns the IAM client for a region; it should cache clients. IAM is
// global: plan gives roles plan.EdgeRegion.
type ClientFactory func(region string) API

// Clients is the ClientFactory of real SDK clients built from cfg, one per region.
func Clients(cfg aws.Config) ClientFactory {
	return provision.PerRegion(func(region string) API {
		return awsiam.NewFromConfig(cfg, func(o *awsiam.Options) { o.Region = region })
	})
}

// Register adds plan.KindRole to reg.
func Register(reg provision.Registry, clients ClientFactory, opts ...Option) {
	reg[plan.KindRole] = NewRole(clients, opts...)
}

// roles is one call's IAM client with the provisioner's settings.
type roles struct {
	api      API
	boundary string
}

// Option configures the role provisioner.
type Option func(*roles)

// WithPermissionsBoundary puts every role berth creates under the given managed policy.
// berth's own IAM permissions (template.yaml) only allow creating and changing roles that
// carry this boundary, so an app's customPolicy can never grant more than it allows.
func WithPermissionsBoundary(arn string) Option { return func(r *roles) { r.boundary = arn } }

type call = provision.Call[API, desiredRole]

// NewRole returns the provisioner of plan.KindRole: the role named r.Name.
func NewRole(clients ClientFactory, opts ...Option) provision.Provisioner {
	var settings roles
	for _, o := range opts {
		o(&settings)
	}
	with := func(c *call) *roles { return &roles{api: c.API, boundary: settings.boundary} }
	return provision.Adapt(provision.Kind[API, desiredRole, liveRole]{
		Clients: clients,
		Desired: desired,
		Find:    func(ctx context.Context, c *call) (*liveRole, error) { return with(c).read(ctx, c.R.Name) },
		Owned:   func(c *call, live *liveRole) bool { return provision.Owned(c.Env, c.R, live.tags) },
		Diff: func(ctx context.Context, c *call, live *liveRole) (provision.Diffs, error) {
			return with(c).diff(ctx, c.R, c.Props, live)
		},
		Outputs: func(_ *call, live *liveRole) provision.Outputs { return outputs(live.role) },
		Create: func(ctx context.Context, c *call) (provision.Outputs, error) {
			return with(c).create(ctx, c.Env, c.R, c.Props)
		},
		// reconcile changes only what differs.
		Converge: func(ctx context.Context, c *call, live *liveRole, _ provision.Diffs) (provision.Outputs, error) {
			return outputs(live.role), with(c).reconcile(ctx, c.R, c.Props, live)
		},
		// IAM deletes only bare roles.
		Remove: func(ctx context.Context, c *call, _ *liveRole) error {
			ro := with(c)
			if err := ro.strip(ctx, c.R.Name); err != nil {
				return err
			}
			_, err := ro.api.DeleteRole(ctx, &awsiam.DeleteRoleInput{RoleName: aws.String(c.R.Name)})
			return err
		},
	})
}

// desiredRole is a role's props, validated and rendered as IAM documents.
type desiredRole struct {
	props   plan.RoleProps
	trust   string   // trust policy document
	managed []string // managed policy ARNs in the app's partition, sorted
	inline  string   // inline policy document, "" for none
}

func desired(_ context.Context, c *call) (desiredRole, error) {
	env, r := c.Env, c.R
	var d desiredRole
	props, err := provision.Decode[plan.RoleProps](r)
	if err != nil {
		return d, err
	}
	d.props = props
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

func (ro *roles) create(ctx context.Context, env provision.Env, r plan.Resource, d desiredRole) (provision.Outputs, error) {
	out, err := ro.api.CreateRole(ctx, &awsiam.CreateRoleInput{
		RoleName:                 aws.String(r.Name),
		AssumeRolePolicyDocument: aws.String(d.trust),
		Description:              aws.String("berth " + env.App + "/" + env.Stage + " " + r.ID),
		Tags:                     tags(env, r),
		PermissionsBoundary:      nonEmpty(ro.boundary),
	})
	if err != nil {
		return nil, err
	}
	fresh := &liveRole{role: out.Role, trust: d.trust, loaded: true} // nothing attached yet
	if err := ro.reconcile(ctx, r, d, fresh); err != nil {
		return nil, err
	}
	return outputs(out.Role), nil
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

func refused(r plan.Resource, op, cause string) error {
	return &provision.RejectedError{Kind: string(r.Kind), Name: r.Name, Op: op, Cause: cause}
}
