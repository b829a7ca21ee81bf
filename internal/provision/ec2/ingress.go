package ec2

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// rule is one ingress permission with exactly one source. berth only ever writes TCP rules
// from a security group, a prefix list or its own VPC's ranges; the other sources exist
// so that rules added out of band (a 0.0.0.0/0 opened in the console) are seen, reported
// and revoked.
type rule struct {
	Protocol string
	From, To int32
	Group    string // sg-…
	List     string // pl-…
	CIDR     string // IPv4 or IPv6 range
}

func (r rule) String() string {
	src := r.Group + r.List + r.CIDR
	return fmt.Sprintf("%s %d-%d from %s", r.Protocol, r.From, r.To, src)
}

// permission renders r for Authorize/RevokeSecurityGroupIngress.
func (r rule) permission() types.IpPermission {
	p := types.IpPermission{IpProtocol: aws.String(r.Protocol)}
	if r.Protocol != "-1" { // all-traffic rules carry no ports
		p.FromPort, p.ToPort = aws.Int32(r.From), aws.Int32(r.To)
	}
	switch {
	case r.Group != "":
		p.UserIdGroupPairs = []types.UserIdGroupPair{{GroupId: aws.String(r.Group)}}
	case r.List != "":
		p.PrefixListIds = []types.PrefixListId{{PrefixListId: aws.String(r.List)}}
	case strings.Contains(r.CIDR, ":"):
		p.Ipv6Ranges = []types.Ipv6Range{{CidrIpv6: aws.String(r.CIDR)}}
	default:
		p.IpRanges = []types.IpRange{{CidrIp: aws.String(r.CIDR)}}
	}
	return p
}

// ruleSet is a set of rules keyed by their rendering.
type ruleSet map[string]rule

func (s ruleSet) String() string {
	keys := make([]string, 0, len(s))
	for k := range s {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return strings.Join(keys, "; ")
}

// minus returns the rules of s that are not in o, in a stable order.
func (s ruleSet) minus(o ruleSet) []rule {
	var out []rule
	for k, r := range s {
		if _, ok := o[k]; !ok {
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

// liveRules flattens a group's ingress permissions into single-source rules.
func liveRules(perms []types.IpPermission) ruleSet {
	s := ruleSet{}
	add := func(r rule) { s[r.String()] = r }
	for _, p := range perms {
		base := rule{Protocol: aws.ToString(p.IpProtocol), From: aws.ToInt32(p.FromPort), To: aws.ToInt32(p.ToPort)}
		for _, g := range p.UserIdGroupPairs {
			r := base
			r.Group = aws.ToString(g.GroupId)
			add(r)
		}
		for _, l := range p.PrefixListIds {
			r := base
			r.List = aws.ToString(l.PrefixListId)
			add(r)
		}
		for _, c := range p.IpRanges {
			r := base
			r.CIDR = aws.ToString(c.CidrIp)
			add(r)
		}
		for _, c := range p.Ipv6Ranges {
			r := base
			r.CIDR = aws.ToString(c.CidrIpv6)
			add(r)
		}
	}
	return s
}

// desiredRules resolves the props' ingress sources to ids: refs to other groups through
// env.Refs ("Id"), AWS-made groups by name in vpcID.
func (p *groups) desiredRules(ctx context.Context, env provision.Env, r plan.Resource, vpcID string, in []plan.IngressRule) (ruleSet, error) {
	s := ruleSet{}
	for i, ing := range in {
		x := rule{Protocol: "tcp", From: int32(ing.FromPort), To: int32(ing.ToPort)}
		if ing.FromVPC {
			cidrs, err := p.vpcRanges(ctx, r, vpcID)
			if err != nil {
				return nil, err
			}
			for _, c := range cidrs {
				x.CIDR = c
				s[x.String()] = x
			}
			continue
		}
		switch {
		case ing.SourceGroup != nil:
			id, err := env.Refs.Resolve(*ing.SourceGroup)
			if err != nil {
				return nil, err
			}
			x.Group = id
		case ing.SourceGroupID != "":
			x.Group = ing.SourceGroupID
		case ing.SourceGroupName != "":
			id, err := p.groupByName(ctx, r, vpcID, ing.SourceGroupName)
			if err != nil {
				return nil, err
			}
			x.Group = id
		default:
			return nil, &provision.PreconditionError{Kind: string(r.Kind), Name: r.Name,
				Problem: fmt.Sprintf("ingress[%d] has no source: berth only allows traffic from a security group, never from 0.0.0.0/0", i)}
		}
		s[x.String()] = x
	}
	return s, nil
}

// vpcRanges are the IPv4 CIDR blocks associated with the VPC (its primary block and any
// secondary ones: DescribeVpcs, Vpc.CidrBlockAssociationSet, state "associated").
func (p *groups) vpcRanges(ctx context.Context, r plan.Resource, vpcID string) ([]string, error) {
	out, err := p.client.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{vpcID}})
	if err != nil {
		return nil, provision.Classify(err, "describe VPC "+vpcID, string(r.Kind), r.Name)
	}
	var cidrs []string
	for _, v := range out.Vpcs {
		for _, a := range v.CidrBlockAssociationSet {
			if a.CidrBlockState == nil || a.CidrBlockState.State == types.VpcCidrBlockStateCodeAssociated {
				cidrs = append(cidrs, aws.ToString(a.CidrBlock))
			}
		}
		if len(v.CidrBlockAssociationSet) == 0 && v.CidrBlock != nil {
			cidrs = append(cidrs, aws.ToString(v.CidrBlock))
		}
	}
	if len(cidrs) == 0 {
		return nil, &provision.PreconditionError{Kind: string(r.Kind), Name: r.Name, Problem: "VPC " + vpcID + " has no IPv4 range"}
	}
	return cidrs, nil
}

// groupByName finds a group AWS created in the VPC, such as the one CloudFront creates
// for its VPC origins (CloudFront-VPCOrigins-Service-SG, "Restrict access with VPC
// origins", CloudFront Developer Guide). Until CloudFront has made it the rule cannot be
// written: a *provision.TransientError, so the step is retried.
func (p *groups) groupByName(ctx context.Context, r plan.Resource, vpcID, name string) (string, error) {
	out, err := p.client.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: []types.Filter{
		{Name: aws.String("group-name"), Values: []string{name}},
		{Name: aws.String("vpc-id"), Values: []string{vpcID}},
	}})
	if err != nil {
		return "", provision.Classify(err, "describe source group "+name, string(r.Kind), r.Name)
	}
	if len(out.SecurityGroups) == 0 {
		return "", &provision.TransientError{Kind: string(r.Kind), Name: r.Name, Op: "find source group",
			Cause: fmt.Sprintf("security group %q does not exist in %s yet", name, vpcID)}
	}
	return aws.ToString(out.SecurityGroups[0].GroupId), nil
}
