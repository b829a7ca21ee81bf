package ec2

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// SecurityGroup provisions AWS::EC2::SecurityGroup. The group is found by its name in its
// VPC (group names are unique per VPC). Only ingress is reconciled: the description is
// fixed at creation by AWS (the plan's descriptions are constants), and egress stays the
// AWS default (all outbound) because tasks must reach ECR, SSM and CloudWatch Logs.
type SecurityGroup struct {
	client API
	net    *Network
}

// NewSecurityGroup returns the security group provisioner.
func NewSecurityGroup(client API, net *Network) *SecurityGroup {
	return &SecurityGroup{client: client, net: net}
}

// live is what one lookup found.
type live struct {
	group *types.SecurityGroup // nil: no group of that name in the VPC
	vpcID string
}

func (p *SecurityGroup) props(r plan.Resource) (plan.SecurityGroupProps, error) {
	var props plan.SecurityGroupProps
	if err := json.Unmarshal(r.Props, &props); err != nil {
		return props, &provision.RejectedError{Kind: string(r.Kind), Name: r.Name, Op: "decode props", Cause: err.Error()}
	}
	return props, nil
}

func (p *SecurityGroup) lookup(ctx context.Context, r plan.Resource, props plan.SecurityGroupProps) (live, error) {
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

func (p *SecurityGroup) outputs(env provision.Env, r plan.Resource, g *types.SecurityGroup) provision.Outputs {
	id := aws.ToString(g.GroupId)
	arn := aws.ToString(g.SecurityGroupArn)
	if arn == "" {
		arn = fmt.Sprintf("arn:%s:ec2:%s:%s:security-group/%s", partition(env.Region), env.Region, env.Account, id)
	}
	return provision.Outputs{plan.AttrID: id, plan.AttrName: r.Name, plan.AttrArn: arn}
}

// Observe reports whether the group exists and how its ingress differs.
func (p *SecurityGroup) Observe(ctx context.Context, env provision.Env, r plan.Resource) (provision.Observation, error) {
	props, err := p.props(r)
	if err != nil {
		return provision.Observation{}, err
	}
	l, err := p.lookup(ctx, r, props)
	if err != nil || l.group == nil {
		return provision.Observation{}, err
	}
	obs := provision.Observation{Exists: true, Ready: true, Outputs: p.outputs(env, r, l.group)}
	if !owned(env, r, l.group) {
		obs.Diff = []provision.FieldDiff{provision.NotOwnedDiff(env, r)}
		return obs, nil
	}
	if props.SeparateIngress {
		return obs, nil // a SecurityGroupIngress resource compares the rules
	}
	want, err := p.desiredRules(ctx, env, r, l.vpcID, props.Ingress)
	if err != nil {
		return provision.Observation{}, err
	}
	if have := liveRules(l.group.IpPermissions); have.String() != want.String() {
		obs.Diff = []provision.FieldDiff{{Field: "ingress", Desired: want.String(), Actual: have.String()}}
	}
	return obs, nil
}

// Create makes the group when missing, then reconciles its ingress (a no-op when it
// already matches).
func (p *SecurityGroup) Create(ctx context.Context, env provision.Env, r plan.Resource) (provision.Outputs, error) {
	props, err := p.props(r)
	if err != nil {
		return nil, err
	}
	l, err := p.lookup(ctx, r, props)
	if err != nil {
		return nil, err
	}
	want, err := p.desiredRules(ctx, env, r, l.vpcID, props.Ingress)
	if err != nil {
		return nil, err
	}
	if l.group == nil {
		l.group, err = p.create(ctx, env, r, props, l.vpcID)
		if err != nil {
			return nil, err
		}
	} else if !owned(env, r, l.group) {
		return nil, &provision.NotOwnedError{Kind: string(r.Kind), Name: r.Name}
	}
	if props.SeparateIngress {
		return p.outputs(env, r, l.group), nil
	}
	if err := p.reconcile(ctx, r, aws.ToString(l.group.GroupId), want, liveRules(l.group.IpPermissions)); err != nil {
		return nil, err
	}
	return p.outputs(env, r, l.group), nil
}

// Update reconciles ingress; a missing group is created.
func (p *SecurityGroup) Update(ctx context.Context, env provision.Env, r plan.Resource) (provision.Outputs, error) {
	return p.Create(ctx, env, r)
}

func (p *SecurityGroup) create(ctx context.Context, env provision.Env, r plan.Resource, props plan.SecurityGroupProps, vpcID string) (*types.SecurityGroup, error) {
	desc := props.Description
	if desc == "" {
		desc = "berth " + r.ID
	}
	tags := []types.Tag{{Key: aws.String("Name"), Value: aws.String(r.Name)}}
	for k, v := range provision.Tags(env, r) {
		tags = append(tags, types.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	out, err := p.client.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{
		GroupName:         aws.String(r.Name),
		Description:       aws.String(desc),
		VpcId:             aws.String(vpcID),
		TagSpecifications: []types.TagSpecification{{ResourceType: types.ResourceTypeSecurityGroup, Tags: tags}},
	})
	if err != nil {
		return nil, provision.Classify(err, "create", string(r.Kind), r.Name)
	}
	return &types.SecurityGroup{GroupId: out.GroupId, GroupName: aws.String(r.Name), SecurityGroupArn: out.SecurityGroupArn, VpcId: aws.String(vpcID), Tags: tags}, nil
}

// reconcile revokes live rules that are not wanted (including anything opened out of
// band) and authorizes the missing ones, one rule per call so that one bad source names
// itself in the error.
func (p *SecurityGroup) reconcile(ctx context.Context, r plan.Resource, groupID string, want, have ruleSet) error {
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

// Delete removes the group. While the ENIs of a deleted ALB or stopped tasks are still
// detaching AWS answers DependencyViolation: that is a *provision.TransientError after a
// short in-invocation retry, and the state machine retries the step.
func (p *SecurityGroup) Delete(ctx context.Context, env provision.Env, r plan.Resource) error {
	props, err := p.props(r)
	if err != nil {
		return err
	}
	l, err := p.lookup(ctx, r, props)
	if err != nil || l.group == nil {
		return err
	}
	if !owned(env, r, l.group) {
		return &provision.NotOwnedError{Kind: string(r.Kind), Name: r.Name}
	}
	err = provision.Retry(ctx, func() error {
		_, err := p.client.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: l.group.GroupId})
		return err
	})
	if err != nil && provision.ErrorCode(err) != "InvalidGroup.NotFound" {
		return provision.Classify(err, "delete", string(r.Kind), r.Name)
	}
	return nil
}
