package state

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

func TestDriftReports(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	report := DriftReport{
		At: t0,
		Resources: []ResourceDrift{
			{ID: "api/Function", Kind: plan.KindFunction, Diff: []provision.FieldDiff{{Field: "memory", Desired: "1024", Actual: "512"}}},
			{ID: "api/Url", Kind: plan.KindFunctionURL, Missing: true},
		},
		Repaired:     true,
		DeploymentID: "drift-1",
	}
	runOnBoth(t, []storeCase{
		{name: "a stage drift never checked has no report and no error", run: func(t *testing.T, s stateStore) {
			got, err := s.LoadDrift(ctx, "shop", "prod")
			if err != nil || got != nil {
				t.Fatalf("got %+v, %v", got, err)
			}
		}},
		{name: "the latest report reads back whole and replaces the previous one", run: func(t *testing.T, s stateStore) {
			clean := DriftReport{At: t0.Add(-time.Hour)}
			for _, r := range []DriftReport{clean, report} {
				if err := s.SaveDrift(ctx, "shop", "prod", r); err != nil {
					t.Fatal(err)
				}
			}
			got, err := s.LoadDrift(ctx, "shop", "prod")
			if err != nil || !reflect.DeepEqual(*got, report) {
				t.Fatalf("got %+v, %v", got, err)
			}
		}},
		{name: "a report over 300 KB goes to S3, and is deleted once a newer report replaces it", run: func(t *testing.T, s stateStore) {
			big := report
			big.Resources = nil
			for range 3000 {
				big.Resources = append(big.Resources, ResourceDrift{ID: "api/Function", Kind: plan.KindFunction,
					Diff: []provision.FieldDiff{{Field: "environment", Desired: strings.Repeat("d", 50), Actual: strings.Repeat("a", 50)}}})
			}
			if err := s.SaveDrift(ctx, "shop", "prod", big); err != nil {
				t.Fatal(err)
			}
			f, ref := layout(s), ""
			if f != nil {
				ref = getS(f.item(t, "APP#shop#prod", "DRIFT"), "ref")
				if !strings.HasPrefix(ref, "drift/shop/prod/") || !f.objectExists(t, ref) {
					t.Fatalf("ref = %q", ref)
				}
			}
			got, err := s.LoadDrift(ctx, "shop", "prod")
			if err != nil || !reflect.DeepEqual(*got, big) {
				t.Fatalf("big report did not round-trip: %v", err)
			}
			if err := s.SaveDrift(ctx, "shop", "prod", report); err != nil {
				t.Fatal(err)
			}
			if f != nil && f.objectExists(t, ref) {
				t.Fatal("replaced report's object still there")
			}
		}},
	})
}
