package ecs

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/smithy-go"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
	"github.com/berth-dev/berth/internal/provision/provtest"
)

func TestTheClusterLifecycleReconcilesContainerInsights(t *testing.T) {
	f := newFixture(t, "eu-west-1")
	name := "berth-shop-prod-cluster-aaaaaa"
	initial := f.resource(plan.KindCluster, plan.IDCluster, "", name, plan.ClusterProps{})
	updated := f.resource(plan.KindCluster, plan.IDCluster, "", name, plan.ClusterProps{ContainerInsights: true})
	provtest.Lifecycle(t, provtest.Case{
		Provisioner: NewCluster(f.ecs), Env: f.env, Calls: f.calls,
		Initial: initial, Updated: updated, UpdatedFields: []string{"containerInsights"},
		OutOfBand: func(ctx context.Context) error {
			_, err := f.ecs.UpdateCluster(ctx, &ecs.UpdateClusterInput{Cluster: aws.String(name),
				Settings: []types.ClusterSetting{{Name: insightsSetting, Value: aws.String("disabled")}}})
			return err
		},
		DriftField: "containerInsights",
	})
}

func TestAClusterBerthDoesNotOwnIsNeverTouched(t *testing.T) {
	f := newFixture(t, "eu-west-2")
	name := "berth-shop-prod-cluster-foreign"
	provtest.NotOwned(t, NewCluster(f.ecs), f.env, f.resource(plan.KindCluster, plan.IDCluster, "", name, plan.ClusterProps{}),
		func(ctx context.Context) error {
			_, err := f.rawCluster(ctx, name)
			return err
		})
}

// busyClusterAPI answers DeleteCluster as AWS does while services are still draining
// (moto deletes at once).
type busyClusterAPI struct{ API }

func (busyClusterAPI) DeleteCluster(context.Context, *ecs.DeleteClusterInput, ...func(*ecs.Options)) (*ecs.DeleteClusterOutput, error) {
	return nil, &smithy.GenericAPIError{Code: "ClusterContainsServicesException", Message: "The Cluster cannot be deleted while Services are active."}
}

func TestDeletingAClusterWhoseServicesStillDrainIsTransient(t *testing.T) {
	f := newFixture(t, "eu-west-1")
	ctx := context.Background()
	r := f.resource(plan.KindCluster, plan.IDCluster, "", "berth-shop-prod-cluster-busy", plan.ClusterProps{})
	_, err := NewCluster(f.ecs).Create(ctx, f.env, r)
	f.must(err)
	err = NewCluster(busyClusterAPI{f.ecs}).Delete(ctx, f.env, r)
	var te *provision.TransientError
	if !errors.As(err, &te) {
		t.Fatalf("got %v, want *provision.TransientError", err)
	}
}
