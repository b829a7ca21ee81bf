package cloudfront

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
	"github.com/berth-dev/berth/internal/provision/provtest"
)

const testALBArn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/berth-shop-prod-alb/0123456789abcdef"

func vpcOriginResource(t *testing.T, port int) plan.Resource {
	t.Helper()
	raw, err := json.Marshal(plan.VpcOriginProps{LoadBalancer: plan.Ref{ID: plan.IDLoadBalancer, Attr: plan.AttrArn}, HTTPPort: port, HTTPSPort: 443, Protocol: "http-only"})
	if err != nil {
		t.Fatal(err)
	}
	return plan.Resource{ID: plan.IDVpcOrigin, Kind: plan.KindVpcOrigin, Name: "berth-shop-prod-vpc-origin-abc123", Region: "us-east-1", Props: raw}
}

// moto has no VPC-origin API: the provisioner runs the real SDK client against the fake.
func TestAVpcOriginIsReadyOnlyOnceDeployedAndRevertsOutOfBandChanges(t *testing.T) {
	rig := newEdgeFakeRig(t)
	var created []string
	rig.fake.OnVpcOriginCreate = func(arn string) error { created = append(created, arn); return nil }
	env := edgeFakeEnv(provision.OutputsByID{plan.IDLoadBalancer: {plan.AttrArn: testALBArn}})
	p := NewVpcOrigin(rig.cf)
	ctx := context.Background()

	r := vpcOriginResource(t, 80)
	if _, err := p.Create(ctx, env, r); err != nil {
		t.Fatal(err)
	}
	obs, err := p.Observe(ctx, env, r)
	if err != nil || !obs.Exists || obs.Ready {
		t.Fatalf("right after create: %+v, %v; want it to exist, Deploying, not ready", obs, err)
	}
	if len(created) != 1 || created[0] != testALBArn {
		t.Fatalf("CloudFront's side effects ran for %v, want once for the ALB", created)
	}
	if err := p.Delete(ctx, env, r); err != nil {
		t.Fatal(err)
	}

	provtest.Lifecycle(t, provtest.Case{
		Provisioner: p, Env: env, Calls: rig.calls,
		Initial: vpcOriginResource(t, 80), Updated: vpcOriginResource(t, 8080), UpdatedFields: []string{"httpPort"},
		OutOfBand: func(ctx context.Context) error {
			list, err := rig.rawCF.ListVpcOrigins(ctx, &sdk.ListVpcOriginsInput{})
			if err != nil {
				return err
			}
			id := list.VpcOriginList.Items[0].Id
			cur, err := rig.rawCF.GetVpcOrigin(ctx, &sdk.GetVpcOriginInput{Id: id})
			if err != nil {
				return err
			}
			c := *cur.VpcOrigin.VpcOriginEndpointConfig
			c.OriginProtocolPolicy = types.OriginProtocolPolicyMatchViewer
			_, err = rig.rawCF.UpdateVpcOrigin(ctx, &sdk.UpdateVpcOriginInput{Id: id, IfMatch: cur.ETag, VpcOriginEndpointConfig: &c})
			return err
		},
		DriftField: "protocol",
	})
}

func TestAVpcOriginBerthDoesNotOwnIsNeverTouched(t *testing.T) {
	rig := newEdgeFakeRig(t)
	env := edgeFakeEnv(provision.OutputsByID{plan.IDLoadBalancer: {plan.AttrArn: testALBArn}})
	r := vpcOriginResource(t, 80)
	provtest.NotOwned(t, NewVpcOrigin(rig.cf), env, r, func(ctx context.Context) error {
		_, err := rig.rawCF.CreateVpcOrigin(ctx, &sdk.CreateVpcOriginInput{VpcOriginEndpointConfig: &types.VpcOriginEndpointConfig{
			Name: aws.String(r.Name), Arn: aws.String(testALBArn), HTTPPort: aws.Int32(80), HTTPSPort: aws.Int32(443),
			OriginProtocolPolicy: types.OriginProtocolPolicyHttpOnly}})
		return err
	})
}

// CloudFront refuses a VPC origin in a VPC without an internet gateway; the fake asks the
// local runtime (which holds EC2) and the provisioner reports the refusal.
func TestAVpcOriginCloudFrontRefusesFailsTheCreate(t *testing.T) {
	rig := newEdgeFakeRig(t)
	rig.fake.OnVpcOriginCreate = func(string) error { return errors.New("the VPC has no internet gateway") }
	env := edgeFakeEnv(provision.OutputsByID{plan.IDLoadBalancer: {plan.AttrArn: testALBArn}})
	if _, err := NewVpcOrigin(rig.cf).Create(context.Background(), env, vpcOriginResource(t, 80)); err == nil {
		t.Fatal("create succeeded, want CloudFront's refusal")
	}
	if got := rig.fake.VpcOriginStatuses(); len(got) != 0 {
		t.Fatalf("a refused create left %v", got)
	}
}

// Delete finds the VPC origin by name: it needs no load balancer ref, which a removal may
// no longer resolve. Observe and Update do need it.
func TestAVpcOriginIsDeletedWithoutItsLoadBalancerRef(t *testing.T) {
	rig := newEdgeFakeRig(t)
	p, r, ctx := NewVpcOrigin(rig.cf), vpcOriginResource(t, 80), context.Background()
	if _, err := p.Create(ctx, edgeFakeEnv(provision.OutputsByID{plan.IDLoadBalancer: {plan.AttrArn: testALBArn}}), r); err != nil {
		t.Fatal(err)
	}
	noRefs := edgeFakeEnv(provision.OutputsByID{})
	var pe *provision.PreconditionError
	if _, err := p.Observe(ctx, noRefs, r); !errors.As(err, &pe) {
		t.Fatalf("observe without the load balancer's arn: %v, want PreconditionError", err)
	}
	if err := p.Delete(ctx, noRefs, r); err != nil {
		t.Fatalf("delete without the load balancer's arn: %v", err)
	}
	if got := rig.fake.VpcOriginStatuses(); len(got) != 0 {
		t.Fatalf("delete left %v", got)
	}
}
