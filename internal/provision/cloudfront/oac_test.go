package cloudfront

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/berth-dev/berth/internal/motoserver"
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
	"github.com/berth-dev/berth/internal/provision/provtest"
)

func oacResource(t *testing.T, name, behavior string) plan.Resource {
	p := plan.OACProps{OriginType: "lambda", SigningProtocol: "sigv4", SigningBehavior: behavior}
	return plan.Resource{ID: plan.IDOriginAccessControl, Kind: plan.KindOAC, Name: name, Region: plan.EdgeRegion, Props: mustJSON(t, p)}
}

func oacEnv(app string) provision.Env {
	return provision.Env{App: app, Stage: "prod", Account: motoserver.Account, Region: "eu-west-1"}
}

func TestOACLifecycleAgainstMoto(t *testing.T) {
	api, calls, raw := motoClients(t)
	name := "berth-shop-prod-oac-a1b2c3"
	provtest.Lifecycle(t, provtest.Case{
		Provisioner:   NewOAC(func(string) OACAPI { return api }),
		Env:           oacEnv("shop"),
		Calls:         calls,
		Initial:       oacResource(t, name, "always"),
		Updated:       oacResource(t, name, "no-override"),
		UpdatedFields: []string{"signingBehavior"},
		OutOfBand: func(ctx context.Context) error {
			id := oacID(ctx, t, raw, name)
			cur, err := raw.GetOriginAccessControl(ctx, &sdk.GetOriginAccessControlInput{Id: aws.String(id)})
			if err != nil {
				return err
			}
			c := cur.OriginAccessControl.OriginAccessControlConfig
			c.OriginAccessControlOriginType = types.OriginAccessControlOriginTypesS3
			_, err = raw.UpdateOriginAccessControl(ctx, &sdk.UpdateOriginAccessControlInput{Id: aws.String(id), IfMatch: cur.ETag, OriginAccessControlConfig: c})
			return err
		},
		DriftField: "originType",
	})
}

func TestOACNotOwnedAgainstMoto(t *testing.T) {
	api, _, raw := motoClients(t)
	name := "berth-mall-prod-oac-d4e5f6"
	provtest.NotOwned(t, NewOAC(func(string) OACAPI { return api }), oacEnv("mall"), oacResource(t, name, "always"), func(ctx context.Context) error {
		_, err := raw.CreateOriginAccessControl(ctx, &sdk.CreateOriginAccessControlInput{OriginAccessControlConfig: &types.OriginAccessControlConfig{
			Name: aws.String(name), Description: aws.String("made by hand"),
			OriginAccessControlOriginType: "lambda", SigningBehavior: "always", SigningProtocol: "sigv4",
		}})
		return err
	})
}

func TestOACOwnershipMarker(t *testing.T) {
	api, _, _ := motoClients(t)
	ctx := context.Background()
	r := oacResource(t, "berth-twin-prod-oac-777777", "always")
	if _, err := NewOAC(func(string) OACAPI { return api }).Create(ctx, oacEnv("twin"), r); err != nil {
		t.Fatal(err)
	}
	// The same name seen from another app/stage carries the wrong marker.
	other := provision.Env{App: "twin", Stage: "dev", Region: "eu-west-1"}
	var no *provision.NotOwnedError
	if _, err := NewOAC(func(string) OACAPI { return api }).Update(ctx, other, r); !errors.As(err, &no) {
		t.Fatalf("update from another stage: got %v, want NotOwnedError", err)
	}
	if got, want := OwnerMarker(oacEnv("twin"), r), "berth:twin/prod/"+plan.IDOriginAccessControl; got != want {
		t.Fatalf("marker %q, want %q", got, want)
	}
	if err := NewOAC(func(string) OACAPI { return api }).Delete(ctx, oacEnv("twin"), r); err != nil {
		t.Fatal(err)
	}
}

func oacID(ctx context.Context, t *testing.T, raw *sdk.Client, name string) string {
	t.Helper()
	out, err := raw.ListOriginAccessControls(ctx, &sdk.ListOriginAccessControlsInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range out.OriginAccessControlList.Items {
		if aws.ToString(s.Name) == name {
			return aws.ToString(s.Id)
		}
	}
	t.Fatalf("no origin access control named %q", name)
	return ""
}
