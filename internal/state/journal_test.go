package state

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

func fnResource(props string) plan.Resource {
	return plan.Resource{
		ID: "api/Function", Kind: plan.KindFunction, Container: "api", Name: "shop-prod-api",
		Region: "eu-west-1", DependsOn: []string{"api/Role"}, Props: json.RawMessage(props),
	}
}

func TestJournal(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	runOnBoth(t, []storeCase{
		{name: "entries come back in append order with everything compensation needs", run: func(t *testing.T, s stateStore) {
			prev := fnResource(`{"memory":512}`)
			entries := []JournalEntry{
				{At: t0, StepID: "api/Function", Kind: plan.KindFunction, Action: plan.Update, Phase: PhaseBefore,
					Resource: fnResource(`{"memory":1024}`), Previous: &prev,
					PreviousOutputs: provision.Outputs{"Arn": "arn:aws:lambda:eu-west-1:123456789012:function:shop-prod-api"}},
				{At: t0.Add(time.Second), StepID: "api/Function", Kind: plan.KindFunction, Action: plan.Update, Phase: PhaseAfter,
					Resource: fnResource(`{"memory":1024}`), Previous: &prev,
					Outputs: provision.Outputs{"Arn": "arn:aws:lambda:eu-west-1:123456789012:function:shop-prod-api"}},
				{At: t0.Add(2 * time.Second), StepID: plan.IDRouteTable, Kind: plan.KindRouteTable, Action: plan.Update, Phase: PhaseAfter,
					Resource: plan.Resource{ID: plan.IDRouteTable, Kind: plan.KindRouteTable, Props: json.RawMessage(`{}`)},
					Outputs:  provision.Outputs{"/api/*": `{"v":1,"c":"api","t":"a"}`}},
			}
			// Appended out of order in time: the journal orders by At, which is when the
			// step ran, not when the write landed.
			for _, i := range []int{0, 2, 1} {
				if err := s.AppendJournal(ctx, "shop", "prod", "d1", entries[i]); err != nil {
					t.Fatal(err)
				}
			}
			got, err := s.Journal(ctx, "shop", "prod", "d1")
			if err != nil {
				t.Fatal(err)
			}
			for i := range entries {
				entries[i].Seq = entries[i].At.UnixNano()
			}
			if !reflect.DeepEqual(got, entries) {
				t.Fatalf("got  %+v\nwant %+v", got, entries)
			}
		}},
		{name: "a deployment without entries has an empty journal", run: func(t *testing.T, s stateStore) {
			got, err := s.Journal(ctx, "shop", "prod", "d1")
			if err != nil || len(got) != 0 {
				t.Fatalf("got %+v, %v", got, err)
			}
		}},
		{name: "a retried append of the same entry is stored once", run: func(t *testing.T, s stateStore) {
			e := JournalEntry{At: t0, StepID: "api/Function", Kind: plan.KindFunction, Action: plan.Create, Phase: PhaseBefore, Resource: fnResource(`{}`)}
			for range 2 {
				if err := s.AppendJournal(ctx, "shop", "prod", "d1", e); err != nil {
					t.Fatal(err)
				}
			}
			if got, _ := s.Journal(ctx, "shop", "prod", "d1"); len(got) != 1 {
				t.Fatalf("%d entries", len(got))
			}
		}},
		{name: "two different entries stamped with the same nanosecond are both kept, in append order", run: func(t *testing.T, s stateStore) {
			before := JournalEntry{At: t0, StepID: "api/Function", Action: plan.Create, Phase: PhaseBefore, Resource: fnResource(`{}`)}
			after := before
			after.Phase = PhaseAfter
			after.Outputs = provision.Outputs{"Arn": "arn"}
			for _, e := range []JournalEntry{before, after} {
				if err := s.AppendJournal(ctx, "shop", "prod", "d1", e); err != nil {
					t.Fatal(err)
				}
			}
			got, _ := s.Journal(ctx, "shop", "prod", "d1")
			if len(got) != 2 || got[0].Phase != PhaseBefore || got[1].Phase != PhaseAfter || got[1].Seq != got[0].Seq+1 {
				t.Fatalf("got %+v", got)
			}
		}},
		{name: "an entry without a time is stamped with the current time", run: func(t *testing.T, s stateStore) {
			setClock(s, func() time.Time { return t0.Add(time.Hour) })
			if err := s.AppendJournal(ctx, "shop", "prod", "d1", JournalEntry{StepID: "x", Resource: fnResource(`{}`)}); err != nil {
				t.Fatal(err)
			}
			got, _ := s.Journal(ctx, "shop", "prod", "d1")
			if len(got) != 1 || !got[0].At.Equal(t0.Add(time.Hour)) {
				t.Fatalf("got %+v", got)
			}
		}},
		{name: "an entry over 300 KB is stored in S3 behind a pointer and reads back whole", run: func(t *testing.T, s stateStore) {
			big := fnResource(`{"blob":"` + strings.Repeat("x", 350*1024) + `"}`)
			small := JournalEntry{At: t0, StepID: "api/Role", Action: plan.Create, Phase: PhaseBefore, Resource: fnResource(`{}`)}
			large := JournalEntry{At: t0.Add(time.Second), StepID: "api/Function", Kind: plan.KindFunction, Action: plan.Update, Phase: PhaseBefore,
				Resource: big, Previous: &big}
			for _, e := range []JournalEntry{small, large} {
				if err := s.AppendJournal(ctx, "shop", "prod", "d1", e); err != nil {
					t.Fatal(err)
				}
			}
			if f := layout(s); f != nil {
				item := f.item(t, "APP#shop#prod", "DEPLOY#d1#J#"+nanos(large.At)+"#api/Function")
				ref := getS(item, "ref")
				if !strings.HasPrefix(ref, "deployments/shop/prod/d1/journal/") || getS(item, "doc") != "" {
					t.Fatalf("item = %v", item)
				}
				if !f.objectExists(t, ref) {
					t.Fatalf("%s not in the bucket", ref)
				}
			}
			got, err := s.Journal(ctx, "shop", "prod", "d1")
			if err != nil {
				t.Fatal(err)
			}
			large.Seq, small.Seq = large.At.UnixNano(), small.At.UnixNano()
			if len(got) != 2 || !reflect.DeepEqual(got[0], small) || !reflect.DeepEqual(got[1], large) {
				t.Fatalf("large entry did not round-trip (%d entries)", len(got))
			}
		}},
		{name: "journals of different deployments are kept apart", run: func(t *testing.T, s stateStore) {
			for _, id := range []string{"d1", "d10"} {
				if err := s.AppendJournal(ctx, "shop", "prod", id, JournalEntry{At: t0, StepID: id, Resource: fnResource(`{}`)}); err != nil {
					t.Fatal(err)
				}
			}
			got, _ := s.Journal(ctx, "shop", "prod", "d1")
			if len(got) != 1 || got[0].StepID != "d1" {
				t.Fatalf("got %+v", got)
			}
		}},
	})
}
