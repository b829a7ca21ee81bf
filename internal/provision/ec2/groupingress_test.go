package ec2

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
	"github.com/berth-dev/berth/internal/provision/provtest"
)

func ingressResource(t *testing.T, port int) plan.Resource {
	t.Helper()
	raw, err := json.Marshal(plan.SecurityGroupIngressProps{
		Group:   plan.Ref{ID: plan.IDAlbSecurityGroup, Attr: plan.AttrID},
		Ingress: []plan.IngressRule{{FromPort: port, ToPort: port, SourceGroupName: cloudFrontGroup}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return plan.Resource{ID: plan.IDAlbIngress, Kind: plan.KindSecurityGroupIngress, Name: "berth-shop-prod-alb-ingress-abc123", Region: "ap-south-1", Props: raw}
}

// The ALB's group is created bare; its ingress, from CloudFront's VPC-origins group, is a
// resource of its own that owns every rule of the group.
func TestTheALBIngressAdmitsCloudFrontsGroupAndRevokesWhatElseIsOpened(t *testing.T) {
	f := newFixture(t, "ap-south-1")
	ctx := context.Background()
	if _, err := f.rawGroup(ctx, cloudFrontGroup); err != nil {
		t.Fatal(err)
	}
	bare := sgResource(t, plan.IDAlbSecurityGroup, "berth-shop-prod-alb-sg-abc123", plan.SecurityGroupProps{Description: "berth alb", SeparateIngress: true})
	bare.Region = "ap-south-1"
	out, err := NewSecurityGroup(f.client, f.net).Create(ctx, f.env, bare)
	if err != nil {
		t.Fatal(err)
	}
	f.env.Refs = provision.OutputsByID{plan.IDAlbSecurityGroup: out}
	p := NewGroupIngress(f.client, f.net)
	provtest.Lifecycle(t, provtest.Case{
		Provisioner: p, Env: f.env, Calls: f.calls,
		Initial: ingressResource(t, 80), Updated: ingressResource(t, 8080), UpdatedFields: []string{"ingress"},
		OutOfBand: func(ctx context.Context) error {
			_, err := f.client.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{
				GroupId: aws.String(out[plan.AttrID]), IpProtocol: aws.String("tcp"),
				FromPort: aws.Int32(80), ToPort: aws.Int32(80), CidrIp: aws.String("0.0.0.0/0"),
			})
			return err
		},
		DriftField: "ingress",
	})
	// The bare group's own observation never reports the rules its ingress resource sets.
	obs, err := NewSecurityGroup(f.client, f.net).Observe(ctx, f.env, bare)
	if err != nil || !obs.UpToDate() {
		t.Fatalf("bare group observe = %+v, %v", obs, err)
	}
}
