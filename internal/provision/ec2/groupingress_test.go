package ec2

import (
	"context"
	"encoding/json"
	"errors"
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

// A group with no rule yet has no ingress (a create is a create), and the ingress of a
// deleted group is gone with it: it cannot be created, and deleting it is done.
func TestTheIngressOfABareGroupIsAbsentAndOfADeletedGroupCannotBeCreated(t *testing.T) {
	f := newFixture(t, "sa-east-1")
	ctx := context.Background()
	id, err := f.rawGroup(ctx, "berth-shop-prod-bare-target")
	if err != nil {
		t.Fatal(err)
	}
	f.env.Refs = provision.OutputsByID{plan.IDAlbSecurityGroup: {plan.AttrID: id}}
	p, r := NewGroupIngress(f.client, f.net), ingressResource(t, 80)
	r.Region = "sa-east-1"

	obs, err := p.Observe(ctx, f.env, r)
	if err != nil || obs.Exists {
		t.Fatalf("observe of a group with no rule: %+v %v, want absent", obs, err)
	}
	before := f.calls.Summary().Mutating
	if err := p.Delete(ctx, f.env, r); err != nil || f.calls.Summary().Mutating != before {
		t.Fatalf("delete of a bare group's ingress: %v, %d mutating calls", err, f.calls.Summary().Mutating-before)
	}

	if _, err := f.client.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: aws.String(id)}); err != nil {
		t.Fatal(err)
	}
	var pe *provision.PreconditionError
	if _, err := p.Create(ctx, f.env, r); !errors.As(err, &pe) {
		t.Fatalf("create on a deleted group: %T %v, want *provision.PreconditionError", err, err)
	}
	if obs, err := p.Observe(ctx, f.env, r); err != nil || obs.Exists {
		t.Fatalf("observe on a deleted group: %+v %v", obs, err)
	}
	if err := p.Delete(ctx, f.env, r); err != nil {
		t.Fatalf("delete on a deleted group: %v", err)
	}
}
