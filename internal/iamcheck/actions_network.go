package iamcheck

import "strings"

// EC2: Describe* have no resource-level permissions; CreateSecurityGroup is authorized on
// the new group (with the request tags) and on the VPC; tag-on-create is ec2:CreateTags
// with ec2:CreateAction; groups support aws:ResourceTag.
func (b *builder) ec2() bool {
	sg := func(id string) string { return b.arn("ec2", b.c.Region, "security-group/"+id) }
	op := b.c.Operation
	switch {
	case strings.HasPrefix(op, "Describe"):
		b.add("ec2:"+op, "*")
	case op == "CreateSecurityGroup":
		b.add("ec2:CreateSecurityGroup", sg(placeholder), b.tagged())
		b.add("ec2:CreateSecurityGroup", b.arn("ec2", b.c.Region, "vpc/"+b.in("VpcId")))
		b.tagOnCreate("ec2:CreateTags", sg(placeholder), map[string][]string{"ec2:CreateAction": {"CreateSecurityGroup"}})
	case op == "AuthorizeSecurityGroupIngress", op == "RevokeSecurityGroupIngress", op == "DeleteSecurityGroup":
		b.add("ec2:"+op, sg(b.in("GroupId")), ownedTags)
	default:
		return false
	}
	return true
}

// Elastic Load Balancing v2: Describe* have no resource-level permissions; creates are
// authorized on the new ARN with request tags and need elasticloadbalancing:AddTags with
// elasticloadbalancing:CreateAction; changes on the resource's ARN (aws:ResourceTag).
func (b *builder) elb() bool {
	op := b.c.Operation
	elb := func(r string) string { return b.arn("elasticloadbalancing", b.c.Region, r) }
	create := func(arn string) {
		b.add("elasticloadbalancing:"+op, arn, b.tagged())
		b.tagOnCreate("elasticloadbalancing:AddTags", arn, map[string][]string{"elasticloadbalancing:CreateAction": {op}})
	}
	switch op {
	case "CreateLoadBalancer":
		create(elb("loadbalancer/app/" + b.in("Name") + "/" + placeholder))
	case "CreateTargetGroup":
		create(elb("targetgroup/" + b.in("Name") + "/" + placeholder))
	case "CreateListener":
		create(strings.Replace(b.in("LoadBalancerArn"), ":loadbalancer/", ":listener/", 1) + "/" + placeholder)
	case "CreateRule":
		create(strings.Replace(b.in("ListenerArn"), ":listener/", ":listener-rule/", 1) + "/" + placeholder)
	case "ModifyLoadBalancerAttributes", "SetSecurityGroups", "SetSubnets", "DeleteLoadBalancer":
		b.add("elasticloadbalancing:"+op, b.in("LoadBalancerArn"), ownedTags)
	case "ModifyTargetGroup", "ModifyTargetGroupAttributes", "DeleteTargetGroup", "RegisterTargets", "DeregisterTargets":
		b.add("elasticloadbalancing:"+op, b.in("TargetGroupArn"), ownedTags)
	case "ModifyListener", "DeleteListener":
		b.add("elasticloadbalancing:"+op, b.in("ListenerArn"), ownedTags)
	case "ModifyRule", "DeleteRule":
		b.add("elasticloadbalancing:"+op, b.in("RuleArn"), ownedTags)
	case "SetRulePriorities":
		for _, r := range deep(b.c.Input, "RulePriorities", "RuleArn") {
			b.add("elasticloadbalancing:SetRulePriorities", r, ownedTags)
		}
	default:
		if !strings.HasPrefix(op, "Describe") {
			return false
		}
		b.add("elasticloadbalancing:"+op, "*")
	}
	return true
}
