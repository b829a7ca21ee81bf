package ec2

import (
	"context"
	"encoding/json"

	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// GroupIngress provisions plan.KindSecurityGroupIngress: the whole ingress of a group
// berth created bare (SecurityGroupProps.SeparateIngress), because the rule's source
// exists only later. It owns every ingress rule of that group: Observe reports any other
// rule (one opened out of band) and Update revokes it, as the group kind does for the
// groups that carry their own rules.
type GroupIngress struct{ sg *groups }

// NewGroupIngress returns the provisioner for plan.KindSecurityGroupIngress.
func NewGroupIngress(client API, net *Network) *GroupIngress {
	return &GroupIngress{sg: &groups{client: client, net: net}}
}

func (p *GroupIngress) props(r plan.Resource) (plan.SecurityGroupIngressProps, error) {
	var props plan.SecurityGroupIngressProps
	if err := json.Unmarshal(r.Props, &props); err != nil {
		return props, &provision.RejectedError{Kind: string(r.Kind), Name: r.Name, Op: "decode props", Cause: err.Error()}
	}
	return props, nil
}

// group reads the target group by id: nil when it is gone (the ingress of a deleted group
// is gone with it).
func (p *GroupIngress) group(ctx context.Context, env provision.Env, r plan.Resource, props plan.SecurityGroupIngressProps) (*types.SecurityGroup, string, error) {
	id, err := env.Refs.Resolve(props.Group)
	if err != nil {
		return nil, "", err
	}
	out, err := p.sg.client.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{id}})
	if provision.ErrorCode(err) == "InvalidGroup.NotFound" {
		return nil, id, nil
	}
	if err != nil {
		return nil, id, provision.Classify(err, "describe", string(r.Kind), r.Name)
	}
	if len(out.SecurityGroups) == 0 {
		return nil, id, nil
	}
	return &out.SecurityGroups[0], id, nil
}

func (p *GroupIngress) want(ctx context.Context, env provision.Env, r plan.Resource, props plan.SecurityGroupIngressProps) (ruleSet, error) {
	vpcID, err := p.sg.net.VPCOrDefault(ctx, props.VPCID)
	if err != nil {
		return nil, err
	}
	return p.sg.desiredRules(ctx, env, r, vpcID, props.Ingress)
}

// Observe reports the group's rules against the desired ones. No rule at all counts as
// absent, so a create is a create.
func (p *GroupIngress) Observe(ctx context.Context, env provision.Env, r plan.Resource) (provision.Observation, error) {
	props, err := p.props(r)
	if err != nil {
		return provision.Observation{}, err
	}
	g, id, err := p.group(ctx, env, r, props)
	if err != nil || g == nil || len(g.IpPermissions) == 0 {
		return provision.Observation{}, err
	}
	obs := provision.Observation{Exists: true, Ready: true, Outputs: provision.Outputs{plan.AttrID: id}}
	want, err := p.want(ctx, env, r, props)
	if err != nil {
		return provision.Observation{}, err
	}
	if have := liveRules(g.IpPermissions); have.String() != want.String() {
		obs.Diff = []provision.FieldDiff{{Field: "ingress", Desired: want.String(), Actual: have.String()}}
	}
	return obs, nil
}

// Create sets the group's ingress to exactly the desired rules.
func (p *GroupIngress) Create(ctx context.Context, env provision.Env, r plan.Resource) (provision.Outputs, error) {
	props, err := p.props(r)
	if err != nil {
		return nil, err
	}
	g, id, err := p.group(ctx, env, r, props)
	if err != nil {
		return nil, err
	}
	if g == nil {
		return nil, &provision.PreconditionError{Kind: string(r.Kind), Name: r.Name, Problem: "security group " + id + " does not exist"}
	}
	want, err := p.want(ctx, env, r, props)
	if err != nil {
		return nil, err
	}
	if err := p.sg.reconcile(ctx, r, id, want, liveRules(g.IpPermissions)); err != nil {
		return nil, err
	}
	return provision.Outputs{plan.AttrID: id}, nil
}

// Update is Create: reconciling is idempotent.
func (p *GroupIngress) Update(ctx context.Context, env provision.Env, r plan.Resource) (provision.Outputs, error) {
	return p.Create(ctx, env, r)
}

// Delete revokes every ingress rule of the group, so that the source group (CloudFront's,
// which CloudFront deletes with its last VPC origin in the VPC) is referenced by nothing.
func (p *GroupIngress) Delete(ctx context.Context, env provision.Env, r plan.Resource) error {
	props, err := p.props(r)
	if err != nil {
		return err
	}
	g, id, err := p.group(ctx, env, r, props)
	if err != nil || g == nil {
		return err
	}
	return p.sg.reconcile(ctx, r, id, ruleSet{}, liveRules(g.IpPermissions))
}
