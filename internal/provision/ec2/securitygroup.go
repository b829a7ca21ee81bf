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

type sgWant struct {
	props plan.SecurityGroupProps
	vpcID string // props.VPCID, or the default VPC
}

type call = provision.Call[API, sgWant]

// NewSecurityGroup returns the provisioner of AWS::EC2::SecurityGroup. The group is found
// by its name in its VPC (group names are unique per VPC). Only ingress is reconciled:
// the description is fixed at creation by AWS (the plan's descriptions are constants),
// and egress stays the AWS default (all outbound) because tasks must reach ECR, SSM and
// CloudWatch Logs. Ingress sources are resolved only to create or compare, never to
// delete.
func NewSecurityGroup(client API, net *Network) provision.Provisioner {
	return provision.Adapt(provision.Kind[API, sgWant, types.SecurityGroup]{
		Clients: func(string) API { return client },
		Desired: func(ctx context.Context, c *call) (sgWant, error) {
			props, err := provision.Decode[plan.SecurityGroupProps](c.R)
			if err != nil {
				return sgWant{}, err
			}
			vpcID, err := net.VPCOrDefault(ctx, props.VPCID)
			return sgWant{props: props, vpcID: vpcID}, err
		},
		Find:    lookup,
		Owned:   func(c *call, g *types.SecurityGroup) bool { return owned(c.Env, c.R, g) },
		Diff:    ingressDiff,
		Outputs: func(c *call, g *types.SecurityGroup) provision.Outputs { return outputs(c.Env, c.R, g) },
		Create:  create,
		Converge: func(ctx context.Context, c *call, g *types.SecurityGroup, _ provision.Diffs) (provision.Outputs, error) {
			if err := reconcile(ctx, c, g); err != nil {
				return nil, err
			}
			return outputs(c.Env, c.R, g), nil
		},
		// While the ENIs of a deleted ALB or stopped tasks are still detaching AWS answers
		// DependencyViolation: transient, after a short in-invocation retry.
		Remove: func(ctx context.Context, c *call, g *types.SecurityGroup) error {
			return provision.Retry(ctx, func() error {
				_, err := c.API.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: g.GroupId})
				return err
			})
		},
	})
}

func lookup(ctx context.Context, c *call) (*types.SecurityGroup, error) {
	out, err := c.API.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: []types.Filter{
		{Name: aws.String("group-name"), Values: []string{c.R.Name}},
		{Name: aws.String("vpc-id"), Values: []string{c.Props.vpcID}},
	}})
	if err != nil || len(out.SecurityGroups) == 0 {
		return nil, err
	}
	return &out.SecurityGroups[0], nil
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

func ingressDiff(ctx context.Context, c *call, g *types.SecurityGroup) (provision.Diffs, error) {
	want, err := desiredRules(ctx, c)
	if err != nil {
		return nil, err
	}
	var d provision.Diffs
	d.Add("ingress", want.String(), liveRules(g.IpPermissions).String())
	return d, nil
}

// create makes the group, then authorizes its ingress.
func create(ctx context.Context, c *call) (provision.Outputs, error) {
	r := c.R
	desc := c.Props.props.Description
	if desc == "" {
		desc = "berth " + r.ID
	}
	tags := []types.Tag{{Key: aws.String("Name"), Value: aws.String(r.Name)}}
	for k, v := range provision.Tags(c.Env, r) {
		tags = append(tags, types.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	if _, err := desiredRules(ctx, c); err != nil { // sources are checked before anything is made
		return nil, err
	}
	out, err := c.API.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{
		GroupName:         aws.String(r.Name),
		Description:       aws.String(desc),
		VpcId:             aws.String(c.Props.vpcID),
		TagSpecifications: []types.TagSpecification{{ResourceType: types.ResourceTypeSecurityGroup, Tags: tags}},
	})
	if err != nil {
		return nil, err
	}
	g := &types.SecurityGroup{GroupId: out.GroupId, GroupName: aws.String(r.Name), SecurityGroupArn: out.SecurityGroupArn, VpcId: aws.String(c.Props.vpcID), Tags: tags}
	if err := reconcile(ctx, c, g); err != nil {
		return nil, err
	}
	return outputs(c.Env, r, g), nil
}

// reconcile revokes live rules that are not wanted (including anything opened out of
// band) and authorizes the missing ones, one rule per call so that one bad source names
// itself in the error.
func reconcile(ctx context.Context, c *call, g *types.SecurityGroup) error {
	want, err := desiredRules(ctx, c)
	if err != nil {
		return err
	}
	have, r := liveRules(g.IpPermissions), c.R
	for _, x := range have.minus(want) {
		_, err := c.API.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{
			GroupId: g.GroupId, IpPermissions: []types.IpPermission{x.permission()},
		})
		if err != nil && provision.ErrorCode(err) != "InvalidPermission.NotFound" {
			return provision.Classify(err, "revoke ingress "+x.String(), string(r.Kind), r.Name)
		}
	}
	for _, x := range want.minus(have) {
		_, err := c.API.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{
			GroupId: g.GroupId, IpPermissions: []types.IpPermission{x.permission()},
		})
		if err != nil && provision.ErrorCode(err) != "InvalidPermission.Duplicate" {
			return provision.Classify(err, "authorize ingress "+x.String(), string(r.Kind), r.Name)
		}
	}
	return nil
}
