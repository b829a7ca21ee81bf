package cloudfront

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/berth-dev/berth/internal/motoserver"
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
	"github.com/berth-dev/berth/internal/provision/provtest"
)

// Outputs of the resources a distribution refers to, as the state would hold them.
func edgeRefs() provision.OutputsByID {
	return provision.OutputsByID{
		plan.IDRouterFunction:      {plan.AttrArn: "arn:aws:cloudfront::123456789012:function/berth-shop-prod-router-abc123"},
		plan.IDBodySigner:          {plan.AttrVersionArn: "arn:aws:lambda:us-east-1:123456789012:function:berth-shop-prod-signer-abc123:3"},
		plan.IDCertificate:         {plan.AttrArn: "arn:aws:acm:us-east-1:123456789012:certificate/0c4e1a52-2b6b-4e5f-9f43-1d2b3c4d5e6f"},
		plan.IDLoadBalancer:        {plan.AttrDNSName: "berth-shop-prod-alb-abc123-1234567890.eu-west-1.elb.amazonaws.com"},
		plan.IDOriginAccessControl: {plan.AttrID: "E1OACEXAMPLE"},
		plan.IDVpcOrigin:           {plan.AttrID: "vo_0123456789abcdef012345"},
	}
}

func distEnv(app string) provision.Env {
	return provision.Env{App: app, Stage: "prod", Account: motoserver.Account, Region: "eu-west-1", Refs: edgeRefs()}
}

func distResource(t *testing.T, name string, p plan.DistributionProps) plan.Resource {
	p.Comment = name
	return plan.Resource{ID: plan.IDDistribution, Kind: plan.KindDistribution, Name: name, Region: plan.EdgeRegion, Props: mustJSON(t, p)}
}

func baseDistProps() plan.DistributionProps {
	return plan.DistributionProps{
		Aliases:               []string{"shop.example.com", "www.shop.example.com"},
		Certificate:           &plan.Ref{ID: plan.IDCertificate, Attr: plan.AttrArn},
		PriceClass:            "PriceClass_100",
		OriginReadTimeoutSec:  30,
		CachePolicyID:         ManagedCachingDisabled,
		OriginRequestPolicyID: ManagedAllViewerExceptHostHeader,
		RouterFunction:        plan.Ref{ID: plan.IDRouterFunction, Attr: plan.AttrArn},
		BodySigner:            &plan.Ref{ID: plan.IDBodySigner, Attr: plan.AttrVersionArn},
	}
}

func TestDistributionLifecycleAgainstMoto(t *testing.T) {
	api, calls, raw := motoClients(t)
	name := "berth-shop-prod-cdn-a1b2c3"
	updated := baseDistProps()
	updated.PriceClass = "PriceClass_All"
	updated.OriginReadTimeoutSec = 60
	updated.ALBOrigin = &plan.Ref{ID: plan.IDLoadBalancer, Attr: plan.AttrDNSName}
	updated.VpcOrigin = &plan.Ref{ID: plan.IDVpcOrigin, Attr: plan.AttrID}

	provtest.Lifecycle(t, provtest.Case{
		Provisioner:   loopingDelete{NewDistribution(api)},
		Env:           distEnv("shop"),
		Calls:         calls,
		Initial:       distResource(t, name, baseDistProps()),
		Updated:       distResource(t, name, updated),
		UpdatedFields: []string{"priceClass", "originReadTimeoutSec", "albOrigin"},
		OutOfBand: func(ctx context.Context) error {
			id := findIDByComment(ctx, t, raw, name)
			cur, err := raw.GetDistributionConfig(ctx, &sdk.GetDistributionConfigInput{Id: aws.String(id)})
			if err != nil {
				return err
			}
			cur.DistributionConfig.WebACLId = aws.String("arn:aws:wafv2:us-east-1:123456789012:global/webacl/someone-elses/1111")
			_, err = raw.UpdateDistribution(ctx, &sdk.UpdateDistributionInput{Id: aws.String(id), IfMatch: cur.ETag, DistributionConfig: cur.DistributionConfig})
			return err
		},
		DriftField: "webAclArn",
	})
}

func TestDistributionNotOwnedAgainstMoto(t *testing.T) {
	api, _, raw := motoClients(t)
	name := "berth-mall-prod-cdn-d4e5f6"
	r := distResource(t, name, baseDistProps())
	provtest.NotOwned(t, loopingDelete{NewDistribution(api)}, distEnv("mall"), r, func(ctx context.Context) error {
		// Same comment, no berth tags: somebody else's distribution.
		cfg := types.DistributionConfig{
			CallerReference: aws.String("someone-else"),
			Comment:         aws.String(name),
			Enabled:         aws.Bool(true),
			Origins: &types.Origins{Quantity: aws.Int32(1), Items: []types.Origin{{
				Id: aws.String("site"), DomainName: aws.String("origin.example.org"),
				CustomOriginConfig: &types.CustomOriginConfig{HTTPPort: aws.Int32(80), HTTPSPort: aws.Int32(443), OriginProtocolPolicy: types.OriginProtocolPolicyHttpsOnly},
			}}},
			DefaultCacheBehavior: &types.DefaultCacheBehavior{TargetOriginId: aws.String("site"), ViewerProtocolPolicy: types.ViewerProtocolPolicyAllowAll},
		}
		_, err := raw.CreateDistribution(ctx, &sdk.CreateDistributionInput{DistributionConfig: &cfg})
		return err
	})
}

func TestDistributionOutputsAgainstMoto(t *testing.T) {
	api, _, _ := motoClients(t)
	ctx := context.Background()
	env := distEnv("outs")
	r := distResource(t, "berth-outs-prod-cdn-0a0b0c", baseDistProps())
	out, err := NewDistribution(api).Create(ctx, env, r)
	if err != nil {
		t.Fatal(err)
	}
	want := "arn:aws:cloudfront::" + motoserver.Account + ":distribution/" + out[plan.AttrID]
	if out[plan.AttrArn] != want {
		t.Errorf("Arn = %q, want %q (the SourceArn form Lambda permissions use)", out[plan.AttrArn], want)
	}
	if out[plan.AttrDomainName] == "" || out[plan.AttrID] == "" {
		t.Errorf("outputs %v lack Id or DomainName", out)
	}
	if err := (loopingDelete{NewDistribution(api)}).Delete(ctx, env, r); err != nil {
		t.Fatal(err)
	}
}

func findIDByComment(ctx context.Context, t *testing.T, raw *sdk.Client, comment string) string {
	t.Helper()
	out, err := raw.ListDistributions(ctx, &sdk.ListDistributionsInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range out.DistributionList.Items {
		c, err := raw.GetDistributionConfig(ctx, &sdk.GetDistributionConfigInput{Id: s.Id})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(c.DistributionConfig.Comment) == comment {
			return aws.ToString(s.Id)
		}
	}
	t.Fatalf("no distribution with comment %q", comment)
	return ""
}
