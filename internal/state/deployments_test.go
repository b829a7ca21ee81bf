package state

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/awscalls"
)

func sampleDeployment(id string, started time.Time) Deployment {
	return Deployment{
		ID: id, App: "shop", Stage: "prod", Status: StatusRunning, Source: SourceS3,
		Bucket: "config", Key: "shop/prod/serverless.containers.yml", ConfigVersion: "v-" + id,
		Started: started,
	}
}

func TestDeploymentRecords(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	runOnBoth(t, []storeCase{
		{name: "a created deployment reads back as written", run: func(t *testing.T, s stateStore) {
			d := sampleDeployment("d1", t0)
			d.Outputs = map[string]string{"distributionDomain": "d111.cloudfront.net"}
			if err := s.CreateDeployment(ctx, d); err != nil {
				t.Fatal(err)
			}
			got, err := s.GetDeployment(ctx, "shop", "prod", "d1")
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*got, d) {
				t.Fatalf("got  %+v\nwant %+v", *got, d)
			}
		}},
		{name: "a missing deployment reads as nil without an error", run: func(t *testing.T, s stateStore) {
			got, err := s.GetDeployment(ctx, "shop", "prod", "nope")
			if err != nil || got != nil {
				t.Fatalf("got %+v, %v", got, err)
			}
		}},
		{name: "a retried create succeeds and lists the deployment once", run: func(t *testing.T, s stateStore) {
			for range 2 {
				if err := s.CreateDeployment(ctx, sampleDeployment("d1", t0)); err != nil {
					t.Fatal(err)
				}
			}
			if d, err := s.GetDeployment(ctx, "shop", "prod", "d1"); err != nil || d == nil || !d.Started.Equal(t0) {
				t.Fatalf("got %+v, %v", d, err)
			}
			if st, ok := s.(*Store); ok {
				if list, _ := st.ListDeployments(ctx, "shop", "prod", 10); len(list) != 1 {
					t.Fatalf("list = %+v", list)
				}
			}
		}},
		{name: "another deployment with a taken id fails with ErrDeploymentExists", run: func(t *testing.T, s stateStore) {
			if err := s.CreateDeployment(ctx, sampleDeployment("d1", t0)); err != nil {
				t.Fatal(err)
			}
			if err := s.CreateDeployment(ctx, sampleDeployment("d1", t0.Add(time.Second))); !errors.Is(err, ErrDeploymentExists) {
				t.Fatalf("err = %v", err)
			}
		}},
		{name: "an unknown status is rejected", run: func(t *testing.T, s stateStore) {
			d := sampleDeployment("d1", t0)
			d.Status = "DONE"
			if err := s.CreateDeployment(ctx, d); err == nil {
				t.Fatal("no error")
			}
		}},
		{name: "an id containing '#' is rejected", run: func(t *testing.T, s stateStore) {
			if err := s.CreateDeployment(ctx, sampleDeployment("d#1", t0)); err == nil {
				t.Fatal("no error")
			}
		}},
		{name: "finishing records status, error and end time, and finishing again clears the error", run: func(t *testing.T, s stateStore) {
			if err := s.CreateDeployment(ctx, sampleDeployment("d1", t0)); err != nil {
				t.Fatal(err)
			}
			if err := s.FinishDeployment(ctx, "shop", "prod", "d1", StatusRolledBack, "create api/Function: AccessDenied", t0.Add(time.Minute)); err != nil {
				t.Fatal(err)
			}
			got, _ := s.GetDeployment(ctx, "shop", "prod", "d1")
			if got.Status != StatusRolledBack || got.Error != "create api/Function: AccessDenied" || !got.Ended.Equal(t0.Add(time.Minute)) {
				t.Fatalf("got %+v", got)
			}
			if err := s.FinishDeployment(ctx, "shop", "prod", "d1", StatusSucceeded, "", t0.Add(2*time.Minute)); err != nil {
				t.Fatal(err)
			}
			got, _ = s.GetDeployment(ctx, "shop", "prod", "d1")
			if got.Status != StatusSucceeded || got.Error != "" {
				t.Fatalf("got %+v", got)
			}
		}},
		{name: "a very long error text is truncated", run: func(t *testing.T, s stateStore) {
			if err := s.CreateDeployment(ctx, sampleDeployment("d1", t0)); err != nil {
				t.Fatal(err)
			}
			long := strings.Repeat("é", 100_000)
			if err := s.FinishDeployment(ctx, "shop", "prod", "d1", StatusFailed, long, t0); err != nil {
				t.Fatal(err)
			}
			got, _ := s.GetDeployment(ctx, "shop", "prod", "d1")
			if len(got.Error) > maxErrorText+32 || !strings.HasSuffix(got.Error, "…(truncated)") {
				t.Fatalf("error is %d bytes", len(got.Error))
			}
		}},
		{name: "finishing a missing deployment is ErrNotFound and creates nothing", run: func(t *testing.T, s stateStore) {
			err := s.FinishDeployment(ctx, "shop", "prod", "ghost", StatusFailed, "x", t0)
			if !errors.Is(err, ErrNotFound) {
				t.Fatalf("err = %v", err)
			}
			if got, _ := s.GetDeployment(ctx, "shop", "prod", "ghost"); got != nil {
				t.Fatalf("created %+v", got)
			}
		}},
		{name: "a queued deployment moves to running and gets its outputs", run: func(t *testing.T, s stateStore) {
			d := sampleDeployment("d1", t0)
			d.Status = StatusQueued
			if err := s.CreateDeployment(ctx, d); err != nil {
				t.Fatal(err)
			}
			if err := s.SetStatus(ctx, "shop", "prod", "d1", StatusRunning); err != nil {
				t.Fatal(err)
			}
			out := map[string]string{"distributionDomain": "d1.cloudfront.net", "customDomain": "shop.example.com"}
			if err := s.SetOutputs(ctx, "shop", "prod", "d1", out); err != nil {
				t.Fatal(err)
			}
			got, _ := s.GetDeployment(ctx, "shop", "prod", "d1")
			if got.Status != StatusRunning || !reflect.DeepEqual(got.Outputs, out) {
				t.Fatalf("got %+v", got)
			}
		}},
		{name: "steps come back in start order and a re-recorded step replaces itself", run: func(t *testing.T, s stateStore) {
			if err := s.CreateDeployment(ctx, sampleDeployment("d1", t0)); err != nil {
				t.Fatal(err)
			}
			steps := []StepRecord{
				{Name: "Plan", Status: "SUCCEEDED", Started: t0.Add(2 * time.Second), Ended: t0.Add(3 * time.Second)},
				{Name: "Validate", Status: "SUCCEEDED", Started: t0.Add(time.Second), Ended: t0.Add(2 * time.Second), Detail: "3 containers"},
				{Name: "Apply", Status: "RUNNING", Started: t0.Add(4 * time.Second)},
				{Name: "Apply", Status: "SUCCEEDED", Started: t0.Add(4 * time.Second), Ended: t0.Add(9 * time.Second)},
			}
			for _, st := range steps {
				if err := s.AddStep(ctx, "shop", "prod", "d1", st); err != nil {
					t.Fatal(err)
				}
			}
			got, _ := s.GetDeployment(ctx, "shop", "prod", "d1")
			want := []StepRecord{steps[1], steps[0], steps[3]}
			if !reflect.DeepEqual(got.Steps, want) {
				t.Fatalf("got  %+v\nwant %+v", got.Steps, want)
			}
		}},
		{name: "call counts of every invocation are summed and a retried report is counted once", run: func(t *testing.T, s stateStore) {
			if err := s.CreateDeployment(ctx, sampleDeployment("d1", t0)); err != nil {
				t.Fatal(err)
			}
			a := awscalls.Summary{Mutating: 2, Read: 1, Ops: []awscalls.Op{
				{Service: "Lambda", Operation: "CreateFunction", Mutating: true, Count: 2},
				{Service: "Lambda", Operation: "GetFunction", Count: 1},
			}}
			b := awscalls.Summary{Mutating: 1, Read: 3, Ops: []awscalls.Op{
				{Service: "Lambda", Operation: "CreateFunction", Mutating: true, Count: 1},
				{Service: "Lambda", Operation: "GetFunction", Count: 3},
			}}
			for _, c := range []struct {
				inv string
				sum awscalls.Summary
			}{{"req-1", a}, {"req-2", b}, {"req-2", b}} {
				if err := s.AddCalls(ctx, "shop", "prod", "d1", c.inv, c.sum); err != nil {
					t.Fatal(err)
				}
			}
			got, _ := s.GetDeployment(ctx, "shop", "prod", "d1")
			want := a.Add(b)
			if !reflect.DeepEqual(got.Calls, want) || got.Calls.Mutating != 3 || got.Calls.Read != 4 {
				t.Fatalf("got %+v, want %+v", got.Calls, want)
			}
		}},
		{name: "a deployment's steps are not mixed with those of a deployment whose id extends it", run: func(t *testing.T, s stateStore) {
			for _, id := range []string{"d1", "d10"} {
				if err := s.CreateDeployment(ctx, sampleDeployment(id, t0)); err != nil {
					t.Fatal(err)
				}
				if err := s.AddStep(ctx, "shop", "prod", id, StepRecord{Name: "only-" + id, Status: "SUCCEEDED", Started: t0}); err != nil {
					t.Fatal(err)
				}
			}
			got, _ := s.GetDeployment(ctx, "shop", "prod", "d1")
			if len(got.Steps) != 1 || got.Steps[0].Name != "only-d1" {
				t.Fatalf("steps = %+v", got.Steps)
			}
		}},
		{name: "deployments are listed newest first up to the limit, without steps", storeOnly: true, run: func(t *testing.T, st stateStore) {
			s := st.(*Store)
			// Ids deliberately do not sort by time: the list orders by start time.
			for i, id := range []string{"zz", "aa", "mm", "bb", "yy"} {
				if err := s.CreateDeployment(ctx, sampleDeployment(id, t0.Add(time.Duration(i)*time.Minute))); err != nil {
					t.Fatal(err)
				}
				if err := s.AddStep(ctx, "shop", "prod", id, StepRecord{Name: "Validate", Started: t0}); err != nil {
					t.Fatal(err)
				}
			}
			list, err := s.ListDeployments(ctx, "shop", "prod", 3)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, d := range list {
				ids = append(ids, d.ID)
				if d.Steps != nil {
					t.Fatalf("%s has steps in the list", d.ID)
				}
			}
			if fmt.Sprint(ids) != "[yy bb mm]" {
				t.Fatalf("ids = %v", ids)
			}
			all, _ := s.ListDeployments(ctx, "shop", "prod", 0)
			if len(all) != 5 || all[4].ID != "zz" {
				t.Fatalf("all = %+v", all)
			}
		}},
		{name: "listing a stage never deployed returns nothing", storeOnly: true, run: func(t *testing.T, st stateStore) {
			s := st.(*Store)
			list, err := s.ListDeployments(ctx, "shop", "dev", 10)
			if err != nil || len(list) != 0 {
				t.Fatalf("got %+v, %v", list, err)
			}
		}},
		{name: "deployments of other stages are not listed", storeOnly: true, run: func(t *testing.T, st stateStore) {
			s := st.(*Store)
			other := sampleDeployment("d2", t0)
			other.Stage = "dev"
			for _, d := range []Deployment{sampleDeployment("d1", t0), other} {
				if err := s.CreateDeployment(ctx, d); err != nil {
					t.Fatal(err)
				}
			}
			list, _ := s.ListDeployments(ctx, "shop", "prod", 10)
			if len(list) != 1 || list[0].ID != "d1" {
				t.Fatalf("list = %+v", list)
			}
		}},
	})
}

func TestListingMoreDeploymentsThanOneBatchGetReturnsThemAll(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newFixture(t).store
	const n = 120 // over BatchGetItem's 100 keys per request
	for i := range n {
		if err := s.CreateDeployment(ctx, sampleDeployment(fmt.Sprintf("d%03d", i), t0.Add(time.Duration(i)*time.Second))); err != nil {
			t.Fatal(err)
		}
	}
	list, err := s.ListDeployments(ctx, "shop", "prod", 200)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != n || list[0].ID != "d119" || list[n-1].ID != "d000" {
		t.Fatalf("%d deployments, first %s", len(list), list[0].ID)
	}
}

func TestTheHeaderReadCarriesTheStatusButNotTheStepsOrCalls(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newFixture(t).store
	if err := s.CreateDeployment(ctx, sampleDeployment("h1", t0)); err != nil {
		t.Fatal(err)
	}
	if err := s.AddStep(ctx, "shop", "prod", "h1", StepRecord{Name: "lock", Status: "SUCCEEDED", Started: t0, Ended: t0}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetStatus(ctx, "shop", "prod", "h1", StatusRollingBack); err != nil {
		t.Fatal(err)
	}
	h, err := s.GetDeploymentHeader(ctx, "shop", "prod", "h1")
	if err != nil || h == nil {
		t.Fatalf("header: %v, %v", h, err)
	}
	if h.Status != StatusRollingBack || len(h.Steps) != 0 {
		t.Fatalf("header status %s with %d steps, want ROLLING_BACK and none loaded", h.Status, len(h.Steps))
	}
	if missing, err := s.GetDeploymentHeader(ctx, "shop", "prod", "nope"); err != nil || missing != nil {
		t.Fatalf("a missing deployment: %v, %v; want nil, nil", missing, err)
	}
}
