package ec2

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

type ingressCall = provision.Call[*groups, plan.SecurityGroupIngressProps]

// ingress is the target group as read, and the desired rules once resolved.
type ingress struct {
	group *types.SecurityGroup
	id    string
	want  ruleSet
}

// NewGroupIngress returns the provisioner of plan.KindSecurityGroupIngress: the whole
// ingress of a group berth created bare (SecurityGroupProps.SeparateIngress), because the
// rule's source exists only later. It owns every ingress rule of that group: Observe
// reports any other rule (one opened out of band) and Update revokes it, as the group kind
// does for the groups that carry their own rules. A group with no rule at all counts as
// absent, so a create is a create; the ingress of a deleted group is gone with it.
func NewGroupIngress(client API, net *Network) provision.Provisioner {
	g := &groups{client: client, net: net}
	return provision.Adapt(provision.Kind[*groups, plan.SecurityGroupIngressProps, ingress]{
		Clients: func(string) *groups { return g },
		Find:    findIngress,
		Exists:  func(l *ingress) bool { return len(l.group.IpPermissions) > 0 },
		Diff: func(ctx context.Context, c *ingressCall, l *ingress) (provision.Diffs, error) {
			want, err := l.rules(ctx, c)
			if err != nil {
				return nil, err
			}
			if have := liveRules(l.group.IpPermissions); have.String() != want.String() {
				return provision.Diffs{{Field: "ingress", Desired: want.String(), Actual: have.String()}}, nil
			}
			return nil, nil
		},
		Outputs: func(_ *ingressCall, l *ingress) provision.Outputs { return provision.Outputs{plan.AttrID: l.id} },
		Create: func(_ context.Context, c *ingressCall) (provision.Outputs, error) {
			id, err := c.Env.Refs.Resolve(c.Props.Group)
			if err != nil {
				return nil, err
			}
			return nil, &provision.PreconditionError{Kind: string(c.R.Kind), Name: c.R.Name, Problem: "security group " + id + " does not exist"}
		},
		Converge: func(ctx context.Context, c *ingressCall, l *ingress, _ provision.Diffs) (provision.Outputs, error) {
			want, err := l.rules(ctx, c)
			if err != nil {
				return nil, err
			}
			return provision.Outputs{plan.AttrID: l.id}, c.API.reconcile(ctx, c.R, l.id, want, liveRules(l.group.IpPermissions))
		},
		// Revoking every rule leaves the source group (CloudFront's, which CloudFront
		// deletes with its last VPC origin in the VPC) referenced by nothing.
		Remove: func(ctx context.Context, c *ingressCall, l *ingress) error {
			return c.API.reconcile(ctx, c.R, l.id, ruleSet{}, liveRules(l.group.IpPermissions))
		},
	})
}

// findIngress reads the target group by id: nil when it is gone.
func findIngress(ctx context.Context, c *ingressCall) (*ingress, error) {
	id, err := c.Env.Refs.Resolve(c.Props.Group)
	if err != nil {
		return nil, err
	}
	out, err := c.API.client.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{id}})
	if provision.ErrorCode(err) == "InvalidGroup.NotFound" {
		return nil, nil
	}
	if err != nil {
		return nil, provision.ClassifyFor(err, "describe", c.R)
	}
	if len(out.SecurityGroups) == 0 {
		return nil, nil
	}
	return &ingress{group: &out.SecurityGroups[0], id: id}, nil
}

// rules resolves the desired rules once per call, for Diff and then Converge.
func (l *ingress) rules(ctx context.Context, c *ingressCall) (ruleSet, error) {
	if l.want != nil {
		return l.want, nil
	}
	vpcID, err := c.API.net.VPCOrDefault(ctx, c.Props.VPCID)
	if err != nil {
		return nil, err
	}
	l.want, err = c.API.desiredRules(ctx, c.Env, c.R, vpcID, c.Props.Ingress)
	return l.want, err
}
