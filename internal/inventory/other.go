package inventory

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/berth-dev/berth/internal/plan"
)

// sgBatch is how many group ids one DescribeSecurityGroups filter carries.
const sgBatch = 200

// securityGroups names berth's security groups (the tagging API gives only their ids):
// one DescribeSecurityGroups per 200 groups, filtering by id so that a group deleted
// meanwhile is simply absent.
func (l *Lister) securityGroups(ctx context.Context, ts []tagged) ([]Item, error) {
	byID := map[string]tagged{}
	var ids []string
	for _, t := range ts {
		byID[t.a.id] = t
		ids = append(ids, t.a.id)
	}
	var items []Item
	for _, batch := range batches(ids, sgBatch) {
		in := &ec2.DescribeSecurityGroupsInput{Filters: []ec2types.Filter{{Name: aws.String("group-id"), Values: batch}}}
		for {
			out, err := l.c.EC2.DescribeSecurityGroups(ctx, in)
			if err != nil {
				return nil, fmt.Errorf("DescribeSecurityGroups: %w", err)
			}
			for _, g := range out.SecurityGroups {
				id := aws.ToString(g.GroupId)
				t, ok := byID[id]
				if !ok {
					continue
				}
				items = append(items, Item{Type: string(plan.KindSecurityGroup), Name: aws.ToString(g.GroupName), Arn: t.arn, Attributes: attrs(
					"groupId", id,
					"vpcId", aws.ToString(g.VpcId),
				)})
			}
			if aws.ToString(out.NextToken) == "" {
				break
			}
			in.NextToken = out.NextToken
		}
	}
	return items, nil
}

// acmFor is the ACM client for the region a certificate's ARN names.
func (l *Lister) acmFor(a arnParts) ACMAPI {
	if isEdge(a) && l.c.EdgeACM != nil {
		return l.c.EdgeACM
	}
	return l.c.ACM
}

// certificates reads each tagged certificate (DescribeCertificate: berth has one per
// set of custom domains) for its domains and status.
func (l *Lister) certificates(ctx context.Context, ts []tagged) ([]Item, error) {
	items := make([]*Item, len(ts))
	err := forEach(ctx, len(ts), perItemParallel, func(i int) error {
		t := ts[i]
		out, err := l.acmFor(t.a).DescribeCertificate(ctx, &acm.DescribeCertificateInput{CertificateArn: aws.String(t.arn)})
		if errorCode(err) == "ResourceNotFoundException" {
			return nil
		}
		if err != nil {
			return fmt.Errorf("DescribeCertificate %s: %w", t.arn, err)
		}
		it := Item{Type: string(plan.KindCertificate), Name: t.name(t.a.id), Arn: t.arn}
		if c := out.Certificate; c != nil {
			domain := aws.ToString(c.DomainName)
			if t.tags["Name"] == "" && domain != "" {
				it.Name = domain
			}
			sans := slices.Clone(c.SubjectAlternativeNames)
			slices.Sort(sans)
			it.Attributes = attrs(
				"domainName", domain,
				"subjectAlternativeNames", strings.Join(sans, ","),
				"status", string(c.Status),
				"type", string(c.Type),
				"region", t.a.region,
			)
		}
		items[i] = &it
		return nil
	})
	if err != nil {
		return nil, err
	}
	var out []Item
	for _, it := range items {
		if it != nil {
			out = append(out, *it)
		}
	}
	return out, nil
}
