package ec2

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// checkNetwork answers the check's reads with a VPC that has igws gateways and subnets in
// the given zones.
type checkNetwork struct {
	fakeNetwork
	igws  int
	zones []string
}

func (c checkNetwork) DescribeInternetGateways(context.Context, *ec2.DescribeInternetGatewaysInput, ...func(*ec2.Options)) (*ec2.DescribeInternetGatewaysOutput, error) {
	return &ec2.DescribeInternetGatewaysOutput{InternetGateways: make([]types.InternetGateway, c.igws)}, nil
}

func (c checkNetwork) DescribeSubnets(context.Context, *ec2.DescribeSubnetsInput, ...func(*ec2.Options)) (*ec2.DescribeSubnetsOutput, error) {
	var out []types.Subnet
	for _, z := range c.zones {
		out = append(out, types.Subnet{AvailabilityZone: aws.String(z)})
	}
	return &ec2.DescribeSubnetsOutput{Subnets: out}, nil
}

func TestAVpcThatCannotHoldAVpcOriginIsRefusedNamingTheKeyAndTheFix(t *testing.T) {
	cases := []struct {
		name string
		net  checkNetwork
		want []string // substrings, one per problem; none: accepted
	}{
		{"an internet gateway and subnets in two zones are enough", checkNetwork{igws: 1, zones: []string{"eu-west-1a", "eu-west-1b"}}, nil},
		{"no internet gateway names deployment.awsVpc.id and how to attach one", checkNetwork{zones: []string{"eu-west-1a", "eu-west-1b"}},
			[]string{"deployment.awsVpc.id: VPC vpc-1 has no internet gateway attached"}},
		{"subnets in one zone name deployment.awsVpc.privateSubnets", checkNetwork{igws: 1, zones: []string{"eu-west-1a", "eu-west-1a"}},
			[]string{"deployment.awsVpc.privateSubnets: subnets subnet-a, subnet-b are in 1 Availability Zone"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := CheckVpcOriginNetwork(context.Background(), c.net, NewNetwork(c.net), "vpc-1", []string{"subnet-a", "subnet-b"}, false)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(c.want) {
				t.Fatalf("problems %q, want %d", got, len(c.want))
			}
			for i, w := range c.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("problem %q does not say %q", got[i], w)
				}
			}
		})
	}
}
