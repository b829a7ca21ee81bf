package ec2

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// describeAPI is what the inventory reads of security groups: their names (the tagging
// API gives only their ids).
type describeAPI interface {
	DescribeSecurityGroups(ctx context.Context, in *ec2.DescribeSecurityGroupsInput, optFns ...func(*ec2.Options)) (*ec2.DescribeSecurityGroupsOutput, error)
}

// describeGroupBatch is how many group ids one DescribeSecurityGroups filter carries.
const describeGroupBatch = 200

var (
	describeSecurityGroup = provision.Describer{ARNTypes: []string{"ec2:security-group"}, Items: describeSecurityGroups}
	describeIngress       = provision.Describer{Unlisted: "an ingress rule is part of berth's security group, which is listed"}
)

// describeSecurityGroups names berth's security groups: one DescribeSecurityGroups per
// 200 groups, filtering by id so that a group deleted meanwhile is simply absent.
func describeSecurityGroups(ctx context.Context, s provision.Scope, found []provision.Tagged) ([]provision.Item, error) {
	if len(found) == 0 {
		return nil, nil
	}
	var api describeAPI = ec2.NewFromConfig(s.Config(found[0].ARN.Region))
	byID := map[string]provision.Tagged{}
	var ids []string
	for _, t := range found {
		byID[t.ARN.ID] = t
		ids = append(ids, t.ARN.ID)
	}
	var items []provision.Item
	for _, batch := range provision.Batches(ids, describeGroupBatch) {
		in := &ec2.DescribeSecurityGroupsInput{Filters: []ec2types.Filter{{Name: aws.String("group-id"), Values: batch}}}
		for {
			out, err := api.DescribeSecurityGroups(ctx, in)
			if err != nil {
				return nil, fmt.Errorf("DescribeSecurityGroups: %w", err)
			}
			for _, g := range out.SecurityGroups {
				id := aws.ToString(g.GroupId)
				t, ok := byID[id]
				if !ok {
					continue
				}
				items = append(items, provision.Item{Type: string(plan.KindSecurityGroup), Name: aws.ToString(g.GroupName), Arn: t.ARN.String(), Attributes: provision.Attrs(
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
