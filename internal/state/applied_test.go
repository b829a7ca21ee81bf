package state

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

func sampleApplied(deploymentID string) Applied {
	return Applied{
		Desired: &plan.Desired{App: "shop", Stage: "prod", Region: "eu-west-1", Account: "123456789012",
			Resources: []plan.Resource{fnResource(`{"memory":1024}`)}},
		Outputs: map[string]provision.Outputs{"api/Function": {"Arn": "arn:aws:lambda:eu-west-1:123456789012:function:shop-prod-api"},
			plan.IDRouteTable: {"/api/*": `{"v":1,"c":"api","t":"a"}`}},
		ConfigBucket:  "config",
		ConfigKey:     "shop/prod/serverless.containers.yml",
		ConfigVersion: "v1",
		DeploymentID:  deploymentID,
		UpdatedAt:     t0,
	}
}

// failingPuts makes every S3 PutObject fail, to simulate a crash before the document is
// written.
type failingPuts struct{ S3API }

func (failingPuts) PutObject(context.Context, *s3.PutObjectInput, ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	return nil, errors.New("simulated S3 outage")
}

func TestAppliedState(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	runOnBoth(t, []storeCase{
		{name: "a stage never deployed has no applied state and no error", run: func(t *testing.T, s stateStore) {
			got, err := s.LoadApplied(ctx, "shop", "prod")
			if err != nil || got != nil {
				t.Fatalf("got %+v, %v", got, err)
			}
		}},
		{name: "saved applied state loads back whole, with the document in S3 under the deployment id", run: func(t *testing.T, s stateStore) {
			a := sampleApplied("d1")
			if err := s.SaveApplied(ctx, "shop", "prod", a); err != nil {
				t.Fatal(err)
			}
			got, err := s.LoadApplied(ctx, "shop", "prod")
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*got, a) {
				t.Fatalf("got  %+v\nwant %+v", *got, a)
			}
			if f := layout(s); f != nil {
				item := f.item(t, "APP#shop#prod", "STATE")
				if getS(item, "ref") != "applied/shop/prod/d1.json" || getS(item, "deploymentId") != "d1" || getS(item, "configVersion") != "v1" {
					t.Fatalf("item = %v", item)
				}
				if !f.objectExists(t, "applied/shop/prod/d1.json") {
					t.Fatal("document missing")
				}
			}
		}},
		{name: "a newer commit replaces the state and keeps the older document as history", run: func(t *testing.T, s stateStore) {
			for _, id := range []string{"d1", "d2"} {
				if err := s.SaveApplied(ctx, "shop", "prod", sampleApplied(id)); err != nil {
					t.Fatal(err)
				}
			}
			got, _ := s.LoadApplied(ctx, "shop", "prod")
			if got.DeploymentID != "d2" {
				t.Fatalf("got %+v", got)
			}
			if f := layout(s); f != nil && !f.objectExists(t, "applied/shop/prod/d1.json") {
				t.Fatal("the older document is gone")
			}
		}},
		{name: "a failed document write leaves the previous state in force", storeOnly: true, run: func(t *testing.T, s stateStore) {
			f := layout(s)
			if err := s.SaveApplied(ctx, "shop", "prod", sampleApplied("d1")); err != nil {
				t.Fatal(err)
			}
			broken := New(f.db, failingPuts{f.s3}, f.table, f.bucket)
			if err := broken.SaveApplied(ctx, "shop", "prod", sampleApplied("d2")); err == nil {
				t.Fatal("no error")
			}
			got, err := s.LoadApplied(ctx, "shop", "prod")
			if err != nil || got.DeploymentID != "d1" {
				t.Fatalf("got %+v, %v", got, err)
			}
		}},
		{name: "applied state without a deployment id is rejected", run: func(t *testing.T, s stateStore) {
			if err := s.SaveApplied(ctx, "shop", "prod", sampleApplied("")); err == nil {
				t.Fatal("no error")
			}
		}},
		{name: "deleting the applied state forgets it and removes its document", run: func(t *testing.T, s stateStore) {
			if err := s.SaveApplied(ctx, "shop", "prod", sampleApplied("d1")); err != nil {
				t.Fatal(err)
			}
			if err := s.DeleteApplied(ctx, "shop", "prod"); err != nil {
				t.Fatal(err)
			}
			if got, err := s.LoadApplied(ctx, "shop", "prod"); err != nil || got != nil {
				t.Fatalf("got %+v, %v", got, err)
			}
			if f := layout(s); f != nil && f.objectExists(t, "applied/shop/prod/d1.json") {
				t.Fatal("document still there")
			}
			if err := s.DeleteApplied(ctx, "shop", "prod"); err != nil {
				t.Fatalf("deleting again: %v", err)
			}
		}},
		{name: "a plan saved for a deployment loads back whole", run: func(t *testing.T, s stateStore) {
			a := sampleApplied("d1")
			p := &plan.Plan{Desired: a.Desired, Steps: []plan.Step{
				{Action: plan.Create, ID: "api/Function", Kind: plan.KindFunction, Container: "api", DependsOn: []string{"api/Role"}, Wave: 1},
			}}
			if err := s.SavePlan(ctx, "shop", "prod", "d1", p); err != nil {
				t.Fatal(err)
			}
			got, err := s.LoadPlan(ctx, "shop", "prod", "d1")
			if err != nil || !reflect.DeepEqual(got, p) {
				t.Fatalf("got %+v, %v", got, err)
			}
			if f := layout(s); f != nil && !f.objectExists(t, "deployments/shop/prod/d1/plan.json") {
				t.Fatal("plan not at the documented key")
			}
		}},
		{name: "a deployment without a saved plan loads nil without an error", run: func(t *testing.T, s stateStore) {
			got, err := s.LoadPlan(ctx, "shop", "prod", "d1")
			if err != nil || got != nil {
				t.Fatalf("got %+v, %v", got, err)
			}
		}},
	})
}
