package ec2

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// groups is the EC2 calls of one region that SecurityGroup and GroupIngress share.
type groups struct {
	client API
	net    *Network
}

// live is the group one lookup found.
type live struct {
	group *types.SecurityGroup
	vpcID string
}

type sgCall = provision.Call[*groups, plan.SecurityGroupProps]

// NewSecurityGroup returns the provisioner of AWS::EC2::SecurityGroup. The group is found
// by its name in its VPC (group names are unique per VPC). Only ingress is reconciled: the
// description is fixed at creation by AWS (the plan's descriptions are constants), and
// egress stays the AWS default (all outbound) because tasks must reach ECR, SSM and
// CloudWatch Logs.
func NewSecurityGroup(client API, net *Network) provision.Provisioner {
	g := &groups{client: client, net: net}
	return provision.Adapt(provision.Kind[*groups, plan.SecurityGroupProps, live]{
		Clients: func(string) *groups { return g },
		Find: func(ctx context.Context, c *sgCall) (*live, error) {
			l, err := c.API.lookup(ctx, c.R, c.Props)
			if err != nil || l.group == nil {
				return nil, err
			}
			return &l, nil
		},
		Owned: func(c *sgCall, l *live) bool { return owned(c.Env, c.R, l.group) },
		Diff: func(ctx context.Context, c *sgCall, l *live) (provision.Diffs, error) {
			if c.Props.SeparateIngress {
				return nil, nil // a SecurityGroupIngress resource compares the rules
			}
			want, err := c.API.desiredRules(ctx, c.Env, c.R, l.vpcID, c.Props.Ingress)
			if err != nil {
				return nil, err
			}
			if have := liveRules(l.group.IpPermissions); have.String() != want.String() {
				return provision.Diffs{{Field: "ingress", Desired: want.String(), Actual: have.String()}}, nil
			}
			return nil, nil
		},
		Outputs: func(c *sgCall, l *live) provision.Outputs { return outputs(c.Env, c.R, l.group) },
		Create:  createGroup,
		Converge: func(ctx context.Context, c *sgCall, l *live, _ provision.Diffs) (provision.Outputs, error) {
			want, err := c.API.desiredRules(ctx, c.Env, c.R, l.vpcID, c.Props.Ingress)
			if err != nil {
				return nil, err
			}
			return outputs(c.Env, c.R, l.group), c.API.reconcile(ctx, c.R, aws.ToString(l.group.GroupId), want, liveRules(l.group.IpPermissions))
		},
		// While the ENIs of a deleted ALB or stopped tasks are still detaching AWS answers
		// DependencyViolation: a *provision.TransientError after a short in-invocation
		// retry, and the state machine retries the step.
		Remove: func(ctx context.Context, c *sgCall, l *live) error {
			return provision.Retry(ctx, func() error {
				_, err := c.API.client.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: l.group.GroupId})
				if provision.ErrorCode(err) == "InvalidGroup.NotFound" {
					return nil
				}
				return err
			})
		},
	})
}

func (p *groups) lookup(ctx context.Context, r plan.Resource, props plan.SecurityGroupProps) (live, error) {
	vpcID, err := p.net.VPCOrDefault(ctx, props.VPCID)
	if err != nil {
		return live{}, err
	}
	out, err := p.client.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: []types.Filter{
		{Name: aws.String("group-name"), Values: []string{r.Name}},
		{Name: aws.String("vpc-id"), Values: []string{vpcID}},
	}})
	if err != nil {
		return live{}, provision.Classify(err, "describe", string(r.Kind), r.Name)
	}
	l := live{vpcID: vpcID}
	if len(out.SecurityGroups) > 0 {
		l.group = &out.SecurityGroups[0]
	}
	return l, nil
}

func owned(env provision.Env, r plan.Resource, g *types.SecurityGroup) bool {
	tags := map[string]string{}
	for _, t := range g.Tags {
		tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return provision.Owned(env, r, tags)
}

func outputs(env provision.Env, r plan.Resource, g *types.SecurityGroup) provision.Outputs {
	id := aws.ToString(g.GroupId)
	arn := aws.ToString(g.SecurityGroupArn)
	if arn == "" {
		arn = fmt.Sprintf("arn:%s:ec2:%s:%s:security-group/%s", partition(env.Region), env.Region, env.Account, id)
	}
	return provision.Outputs{plan.AttrID: id, plan.AttrName: r.Name, plan.AttrArn: arn}
}

// createGroup makes the group, then writes its ingress. The rules are resolved first, so
// a bad source fails before anything is created.
func createGroup(ctx context.Context, c *sgCall) (provision.Outputs, error) {
	env, r, props := c.Env, c.R, c.Props
	vpcID, err := c.API.net.VPCOrDefault(ctx, props.VPCID)
	if err != nil {
		return nil, err
	}
	want, err := c.API.desiredRules(ctx, env, r, vpcID, props.Ingress)
	if err != nil {
		return nil, err
	}
	desc := props.Description
	if desc == "" {
		desc = "berth " + r.ID
	}
	tags := []types.Tag{{Key: aws.String("Name"), Value: aws.String(r.Name)}}
	for k, v := range provision.Tags(env, r) {
		tags = append(tags, types.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	out, err := c.API.client.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{
		GroupName:         aws.String(r.Name),
		Description:       aws.String(desc),
		VpcId:             aws.String(vpcID),
		TagSpecifications: []types.TagSpecification{{ResourceType: types.ResourceTypeSecurityGroup, Tags: tags}},
	})
	if err != nil {
		return nil, provision.Classify(err, "create", string(r.Kind), r.Name)
	}
	g := &types.SecurityGroup{GroupId: out.GroupId, GroupName: aws.String(r.Name), SecurityGroupArn: out.SecurityGroupArn, VpcId: aws.String(vpcID), Tags: tags}
	if !props.SeparateIngress {
		if err := c.API.reconcile(ctx, r, aws.ToString(g.GroupId), want, ruleSet{}); err != nil {
			return nil, err
		}
	}
	return outputs(env, r, g), nil
}

// reconcile revokes live rules that are not wanted (including anything opened out of
// band) and authorizes the missing ones, one rule per call so that one bad source names
// itself in the error.
func (p *groups) reconcile(ctx context.Context, r plan.Resource, groupID string, want, have ruleSet) error {
	for _, x := range have.minus(want) {
		_, err := p.client.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{
			GroupId: aws.String(groupID), IpPermissions: []types.IpPermission{x.permission()},
		})
		if err != nil && provision.ErrorCode(err) != "InvalidPermission.NotFound" {
			return provision.Classify(err, "revoke ingress "+x.String(), string(r.Kind), r.Name)
		}
	}
	for _, x := range want.minus(have) {
		_, err := p.client.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{
			GroupId: aws.String(groupID), IpPermissions: []types.IpPermission{x.permission()},
		})
		if err != nil && provision.ErrorCode(err) != "InvalidPermission.Duplicate" {
			return provision.Classify(err, "authorize ingress "+x.String(), string(r.Kind), r.Name)
		}
	}
	return nil
}
