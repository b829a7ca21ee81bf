package provision

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/aws/smithy-go"

	"github.com/berth-dev/berth/internal/plan"
)

// store is an in-memory service: one "size" per name, with tags, in one region.
type store struct {
	region string
	items  map[string]*item
	writes int
	fail   error // returned by the next write
}

type item struct {
	size     int
	tags     map[string]string
	compared bool // Diff has seen it
}

type sizeProps struct {
	Size int `json:"size"`
}

var notFound = &smithy.GenericAPIError{Code: "ResourceNotFoundException", Message: "no such thing"}

func (s *store) write() error {
	s.writes++
	err := s.fail
	s.fail = nil
	return err
}

func sizeKind(stores map[string]*store) Provisioner {
	return Adapt(Kind[*store, sizeProps, item]{
		Clients: func(region string) *store { return stores[region] },
		Find: func(_ context.Context, c *Call[*store, sizeProps]) (*item, error) {
			if it := c.API.items[c.R.Name]; it != nil {
				return it, nil
			}
			return nil, notFound
		},
		Owned: func(c *Call[*store, sizeProps], live *item) bool { return Owned(c.Env, c.R, live.tags) },
		Diff: func(_ context.Context, c *Call[*store, sizeProps], live *item) (Diffs, error) {
			var d Diffs
			d.Add("size", c.Props.Size, live.size)
			return d, nil
		},
		Outputs: func(c *Call[*store, sizeProps], live *item) Outputs {
			return Outputs{"Name": c.R.Name, "Region": c.API.region}
		},
		Create: func(_ context.Context, c *Call[*store, sizeProps]) (Outputs, error) {
			if err := c.API.write(); err != nil {
				return nil, err
			}
			c.API.items[c.R.Name] = &item{size: c.Props.Size, tags: Tags(c.Env, c.R)}
			return Outputs{"Name": c.R.Name, "Region": c.API.region}, nil
		},
		Converge: func(_ context.Context, c *Call[*store, sizeProps], live *item, _ Diffs) (Outputs, error) {
			if err := c.API.write(); err != nil {
				return nil, err
			}
			live.size = c.Props.Size
			return Outputs{"Name": c.R.Name, "Region": c.API.region}, nil
		},
		Remove: func(_ context.Context, c *Call[*store, sizeProps], _ *item) error {
			if err := c.API.write(); err != nil {
				return err
			}
			delete(c.API.items, c.R.Name)
			return notFound // a concurrent delete won: still done
		},
	})
}

func sized(n int, region string) plan.Resource {
	props, _ := json.Marshal(sizeProps{Size: n})
	return plan.Resource{ID: "api/Thing", Kind: "Test::Thing", Name: "thing", Region: region, Props: props}
}

func TestAKindAdaptedToAProvisionerCreatesConvergesAndDeletesInTheResourcesRegion(t *testing.T) {
	ctx := context.Background()
	stores := map[string]*store{"eu-west-1": {region: "eu-west-1", items: map[string]*item{}}, "us-east-1": {region: "us-east-1", items: map[string]*item{}}}
	p, env := sizeKind(stores), Env{App: "shop", Stage: "prod", Region: "eu-west-1"}

	out, err := p.Create(ctx, env, sized(1, "us-east-1"))
	if err != nil || out["Region"] != "us-east-1" || stores["us-east-1"].items["thing"] == nil {
		t.Fatalf("create in the resource's region: %v %v", out, err)
	}
	if _, err := p.Create(ctx, env, sized(1, "")); err != nil || stores["eu-west-1"].items["thing"] == nil {
		t.Fatalf("a resource with no region of its own lives in the app's: %v", err)
	}
	writes := stores["us-east-1"].writes
	if _, err := p.Create(ctx, env, sized(1, "us-east-1")); err != nil || stores["us-east-1"].writes != writes {
		t.Fatalf("create of an identical resource wrote %d times (err %v), want none", stores["us-east-1"].writes-writes, err)
	}
	obs, err := p.Observe(ctx, env, sized(2, "us-east-1"))
	if err != nil || !obs.Exists || !obs.Ready || len(obs.Diff) != 1 || obs.Diff[0] != (FieldDiff{Field: "size", Desired: "2", Actual: "1"}) {
		t.Fatalf("observe of a changed size: %+v %v", obs, err)
	}
	if _, err := p.Update(ctx, env, sized(2, "us-east-1")); err != nil || stores["us-east-1"].items["thing"].size != 2 {
		t.Fatalf("update: %v", err)
	}
	if err := p.Delete(ctx, env, sized(2, "us-east-1")); err != nil || stores["us-east-1"].items["thing"] != nil {
		t.Fatalf("delete whose call answers not found: %v", err)
	}
	if obs, err := p.Observe(ctx, env, sized(2, "us-east-1")); err != nil || obs.Exists {
		t.Fatalf("observe after delete: %+v %v", obs, err)
	}
	if err := p.Delete(ctx, env, sized(2, "us-east-1")); err != nil {
		t.Fatalf("delete again: %v", err)
	}
}

func TestAKindAdaptedToAProvisionerRefusesWhatBerthDoesNotOwn(t *testing.T) {
	ctx := context.Background()
	s := &store{region: "eu-west-1", items: map[string]*item{"thing": {size: 1, tags: map[string]string{TagApp: "other"}}}}
	p, env, r := sizeKind(map[string]*store{"eu-west-1": s}), Env{App: "shop", Stage: "prod", Region: "eu-west-1"}, sized(1, "")

	obs, err := p.Observe(ctx, env, r)
	if err != nil || !obs.Exists || len(obs.Diff) != 1 || obs.Diff[0] != NotOwnedDiff(env, r) || obs.Outputs != nil {
		t.Fatalf("observe of a foreign resource: %+v %v", obs, err)
	}
	var no *NotOwnedError
	if _, err := p.Create(ctx, env, r); !errors.As(err, &no) {
		t.Fatalf("create: %v, want *NotOwnedError", err)
	}
	if _, err := p.Update(ctx, env, r); !errors.As(err, &no) {
		t.Fatalf("update: %v, want *NotOwnedError", err)
	}
	if err := p.Delete(ctx, env, r); !errors.As(err, &no) {
		t.Fatalf("delete: %v, want *NotOwnedError", err)
	}
	if s.writes != 0 || s.items["thing"].size != 1 {
		t.Fatalf("the foreign resource was written %d times", s.writes)
	}
}

func TestAKindAdaptedToAProvisionerReturnsTypedErrors(t *testing.T) {
	ctx := context.Background()
	env := Env{App: "shop", Stage: "prod", Region: "eu-west-1"}
	for _, tc := range []struct {
		name string
		r    plan.Resource
		fail error
		want any
	}{
		{"props that do not decode are rejected", plan.Resource{Kind: "Test::Thing", Name: "thing", Props: json.RawMessage(`{"size":"big"}`)}, nil, new(*RejectedError)},
		{"throttling is transient", sized(1, ""), &smithy.GenericAPIError{Code: "ThrottlingException"}, new(*TransientError)},
		{"an invalid parameter is rejected", sized(1, ""), &smithy.GenericAPIError{Code: "InvalidParameterValueException"}, new(*RejectedError)},
		{"a failed rollout stays one", sized(1, ""), &RolloutFailedError{Kind: "Test::Thing", Name: "thing", Reason: "bad image"}, new(*RolloutFailedError)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &store{region: "eu-west-1", items: map[string]*item{}, fail: tc.fail}
			_, err := sizeKind(map[string]*store{"eu-west-1": s}).Create(ctx, env, tc.r)
			if !errors.As(err, tc.want) {
				t.Fatalf("create: %T %v, want %T", err, err, tc.want)
			}
		})
	}
}

// slotKind is sizeKind for a resource kept in a slot of a parent resource (api/Parent),
// whose tags decide ownership: size 0 is an empty slot, a negative size a slot that can
// never become ready.
func slotKind(s *store) Provisioner {
	k := Kind[*store, sizeProps, item]{
		Clients: func(string) *store { return s },
		Find:    func(_ context.Context, c *Call[*store, sizeProps]) (*item, error) { return c.API.items[c.R.Name], nil },
		Exists:  func(live *item) bool { return live.size != 0 },
		Owned: func(c *Call[*store, sizeProps], live *item) bool {
			return Owned(c.Env, plan.Resource{ID: "api/Parent"}, live.tags)
		},
		OwnerID: func(*Call[*store, sizeProps]) string { return "api/Parent" },
		Failed: func(c *Call[*store, sizeProps], live *item) error {
			if live.size < 0 {
				return &RejectedError{Kind: string(c.R.Kind), Name: c.R.Name, Op: "observe", Cause: "broken"}
			}
			return nil
		},
		Diff: func(_ context.Context, c *Call[*store, sizeProps], live *item) (Diffs, error) {
			var d Diffs
			d.Add("size", c.Props.Size, live.size)
			live.compared = true
			return d, nil
		},
		// Diff has run on live before Ready and Outputs.
		Ready:   func(live *item) bool { return live.compared },
		Outputs: func(*Call[*store, sizeProps], *item) Outputs { return Outputs{} },
		Create: func(context.Context, *Call[*store, sizeProps]) (Outputs, error) {
			return nil, &PreconditionError{Kind: "Test::Slot", Name: "thing", Problem: "no parent"}
		},
		Converge: func(_ context.Context, c *Call[*store, sizeProps], live *item, _ Diffs) (Outputs, error) {
			live.size = c.Props.Size
			return Outputs{}, c.API.write()
		},
		Remove: func(_ context.Context, _ *Call[*store, sizeProps], live *item) error {
			live.size = 0
			return s.write()
		},
	}
	return Adapt(k)
}

// An item of size 0 is found but counts as absent for Observe; an absent item leaves a
// "grant" behind that Delete removes.
func emptyIsAbsentKind(s *store, grants map[string]bool) Provisioner {
	k := sizeKind(map[string]*store{s.region: s}).(adapter[*store, sizeProps, item]).k
	k.Exists = func(live *item) bool { return live.size > 0 }
	k.Leftover = func(_ context.Context, c *Call[*store, sizeProps]) error {
		if !grants[c.R.Name] {
			return notFound
		}
		delete(grants, c.R.Name)
		return nil
	}
	return Adapt(k)
}

func TestAKindWhoseSlotIsEmptyObservesAndDeletesItAsAbsentButConvergesItOnCreate(t *testing.T) {
	ctx := context.Background()
	env := Env{App: "shop", Stage: "prod", Region: "eu-west-1"}
	parentTags := Tags(env, plan.Resource{ID: "api/Parent"})
	s := &store{region: "eu-west-1", items: map[string]*item{"thing": {tags: parentTags}}}
	p := slotKind(s)

	if obs, err := p.Observe(ctx, env, sized(1, "")); err != nil || obs.Exists {
		t.Fatalf("observe of an empty slot: %+v %v, want absent", obs, err)
	}
	if err := p.Delete(ctx, env, sized(1, "")); err != nil || s.writes != 0 {
		t.Fatalf("delete of an empty slot: %v after %d writes, want done with none", err, s.writes)
	}
	if _, err := p.Create(ctx, env, sized(1, "")); err != nil || s.items["thing"].size != 1 || s.writes != 1 {
		t.Fatalf("create into an empty slot: %v, size %d after %d writes; want it converged once", err, s.items["thing"].size, s.writes)
	}
	obs, err := p.Observe(ctx, env, sized(1, ""))
	if err != nil || !obs.UpToDate() || !obs.Ready {
		t.Fatalf("observe after create: %+v %v, want up to date and ready (Diff before Ready)", obs, err)
	}
	var pe *PreconditionError
	if _, err := p.Create(ctx, env, plan.Resource{Kind: "Test::Slot", Name: "other", Props: json.RawMessage(`{"size":1}`)}); !errors.As(err, &pe) {
		t.Fatalf("create with no slot at all: %v, want Create's *PreconditionError", err)
	}
}

func TestAKindOwnedByItsParentNamesTheParentWhenItIsNotBerths(t *testing.T) {
	ctx := context.Background()
	env := Env{App: "shop", Stage: "prod", Region: "eu-west-1"}
	s := &store{region: "eu-west-1", items: map[string]*item{"thing": {tags: map[string]string{TagApp: "other"}}}}
	p, r := slotKind(s), sized(1, "")

	obs, err := p.Observe(ctx, env, r)
	if err != nil || obs.Exists {
		t.Fatalf("observe of a foreign empty slot: %+v %v, want absent", obs, err)
	}
	var no *NotOwnedError
	if _, err := p.Create(ctx, env, r); !errors.As(err, &no) {
		t.Fatalf("create into a foreign empty slot: %v, want *NotOwnedError", err)
	}
	s.items["thing"].size = 2
	obs, err = p.Observe(ctx, env, r)
	if err != nil || len(obs.Diff) != 1 || obs.Diff[0] != NotOwnedDiff(env, plan.Resource{ID: "api/Parent"}) {
		t.Fatalf("observe of a foreign slot: %+v %v, want the not-owned diff naming api/Parent", obs, err)
	}
	if err := p.Delete(ctx, env, r); !errors.As(err, &no) || s.writes != 0 {
		t.Fatalf("delete of a foreign slot: %v after %d writes, want *NotOwnedError and none", err, s.writes)
	}
}

func TestAKindsFailedVerdictEndsObserveOnly(t *testing.T) {
	ctx := context.Background()
	env := Env{App: "shop", Stage: "prod", Region: "eu-west-1"}
	s := &store{region: "eu-west-1", items: map[string]*item{"thing": {size: -1, tags: Tags(env, plan.Resource{ID: "api/Parent"})}}}
	p := slotKind(s)

	var re *RejectedError
	if _, err := p.Observe(ctx, env, sized(1, "")); !errors.As(err, &re) || re.Cause != "broken" {
		t.Fatalf("observe of a failed resource: %v, want Failed's error", err)
	}
	if _, err := p.Update(ctx, env, sized(1, "")); err != nil || s.items["thing"].size != 1 {
		t.Fatalf("update of a failed resource: %v, want it converged", err)
	}
	s.items["thing"].size = -1
	if err := p.Delete(ctx, env, sized(1, "")); err != nil || s.items["thing"].size != 0 {
		t.Fatalf("delete of a failed resource: %v, want it removed", err)
	}
}

func TestAFoundResourceThatDoesNotExistYetIsAbsentToObserveAndConvergedByCreate(t *testing.T) {
	ctx := context.Background()
	s := &store{region: "eu-west-1", items: map[string]*item{}}
	env := Env{App: "shop", Stage: "prod", Region: "eu-west-1"}
	s.items["thing"] = &item{size: 0, tags: Tags(env, sized(0, ""))}
	p := emptyIsAbsentKind(s, map[string]bool{})

	if obs, err := p.Observe(ctx, env, sized(2, "")); err != nil || obs.Exists {
		t.Fatalf("observe of an item that does not count as existing: %+v %v", obs, err)
	}
	if _, err := p.Create(ctx, env, sized(2, "")); err != nil || s.items["thing"].size != 2 || s.writes != 1 {
		t.Fatalf("create converges the found item in one write: size %d, %d writes, %v", s.items["thing"].size, s.writes, err)
	}
	if obs, err := p.Observe(ctx, env, sized(2, "")); err != nil || !obs.UpToDate() {
		t.Fatalf("observe after create: %+v %v", obs, err)
	}
}

func TestDeletingAnAbsentResourceRemovesWhatOutlivedIt(t *testing.T) {
	ctx := context.Background()
	s := &store{region: "eu-west-1", items: map[string]*item{}}
	env := Env{App: "shop", Stage: "prod", Region: "eu-west-1"}
	grants := map[string]bool{"thing": true}
	p := emptyIsAbsentKind(s, grants)

	if err := p.Delete(ctx, env, sized(1, "")); err != nil || grants["thing"] {
		t.Fatalf("delete of an absent item leaves its grant: %v", err)
	}
	if err := p.Delete(ctx, env, sized(1, "")); err != nil {
		t.Fatalf("delete again, the leftover already gone: %v", err)
	}
	var te *TransientError
	k := sizeKind(map[string]*store{s.region: s}).(adapter[*store, sizeProps, item]).k
	k.Leftover = func(context.Context, *Call[*store, sizeProps]) error {
		return &smithy.GenericAPIError{Code: "ThrottlingException"}
	}
	if err := Adapt(k).Delete(ctx, env, sized(1, "")); !errors.As(err, &te) {
		t.Fatalf("a leftover's throttled removal: %T %v, want *TransientError", err, err)
	}
}

// A kind's own typed error reaches the state machine unchanged, whatever verb returns it.
func TestAKindsTypedErrorsPassThroughTheAdapter(t *testing.T) {
	ctx := context.Background()
	env := Env{App: "shop", Stage: "prod", Region: "eu-west-1"}
	for _, want := range []error{
		&RolloutFailedError{Kind: "Test::Thing", Name: "thing", Reason: "circuit breaker"},
		&PreconditionError{Kind: "Test::Thing", Name: "thing", Problem: "no zone"},
		&TransientError{Kind: "Test::Thing", Name: "thing", Op: "create", Cause: "draining"},
	} {
		s := &store{region: "eu-west-1", items: map[string]*item{}, fail: want}
		if _, err := sizeKind(map[string]*store{"eu-west-1": s}).Create(ctx, env, sized(1, "")); err != want {
			t.Fatalf("create returned %T %v, want %T unchanged", err, err, want)
		}
	}
}

// claimedKind is a kind whose writing verbs ask claim whether berth may touch a thing,
// and whose unchanged answer marks the thing adopted.
func claimedKind(s *store, claims *int, claim error) Provisioner {
	return Adapt(Kind[*store, sizeProps, item]{
		Clients: func(string) *store { return s },
		Find: func(_ context.Context, c *Call[*store, sizeProps]) (*item, error) {
			return c.API.items[c.R.Name], nil
		},
		Claim: func(context.Context, *Call[*store, sizeProps], *item) error {
			*claims++
			return claim
		},
		Diff: func(_ context.Context, c *Call[*store, sizeProps], live *item) (Diffs, error) {
			var d Diffs
			d.Add("size", c.Props.Size, live.size)
			return d, nil
		},
		Outputs: func(c *Call[*store, sizeProps], _ *item) Outputs { return Outputs{"Name": c.R.Name} },
		Unchanged: func(_ context.Context, c *Call[*store, sizeProps], _ *item) (Outputs, error) {
			return Outputs{"Name": c.R.Name, "Adopted": "true"}, nil
		},
		Converge: func(_ context.Context, c *Call[*store, sizeProps], live *item, _ Diffs) (Outputs, error) {
			live.size = c.Props.Size
			return Outputs{"Name": c.R.Name}, c.API.write()
		},
		Remove: func(_ context.Context, c *Call[*store, sizeProps], _ *item) error {
			delete(c.API.items, c.R.Name)
			return c.API.write()
		},
	})
}

func TestAKindsClaimGuardsOnlyTheWritingVerbsAndItsUnchangedAnswerIsCreatesAlone(t *testing.T) {
	ctx := context.Background()
	env := Env{App: "shop", Stage: "prod", Region: "eu-west-1"}
	t.Run("a claimed thing that is up to date answers Unchanged to create and Outputs to observe", func(t *testing.T) {
		s, claims := &store{items: map[string]*item{"thing": {size: 1}}}, 0
		p := claimedKind(s, &claims, nil)
		out, err := p.Create(ctx, env, sized(1, ""))
		if err != nil || out["Adopted"] != "true" || claims != 1 || s.writes != 0 {
			t.Fatalf("create: %v %v, %d claims, %d writes", out, err, claims, s.writes)
		}
		obs, err := p.Observe(ctx, env, sized(1, ""))
		if err != nil || !obs.UpToDate() || obs.Outputs["Adopted"] != "" || claims != 1 {
			t.Fatalf("observe: %+v %v, %d claims (observe must not claim)", obs, err, claims)
		}
		if _, err := p.Update(ctx, env, sized(2, "")); err != nil || s.items["thing"].size != 2 || claims != 2 {
			t.Fatalf("update of a claimed thing: %v, %d claims", err, claims)
		}
		if err := p.Delete(ctx, env, sized(2, "")); err != nil || s.items["thing"] != nil || claims != 3 {
			t.Fatalf("delete of a claimed thing: %v, %d claims", err, claims)
		}
	})
	t.Run("a thing the claim refuses is reported by observe and left by every writing verb", func(t *testing.T) {
		refused := &NotOwnedError{Kind: "Test::Thing", Name: "thing.example.com"}
		s, claims := &store{items: map[string]*item{"thing": {size: 1}}}, 0
		p := claimedKind(s, &claims, refused)
		if obs, err := p.Observe(ctx, env, sized(2, "")); err != nil || !obs.Exists || len(obs.Diff) != 1 || claims != 0 {
			t.Fatalf("observe: %+v %v, %d claims", obs, err, claims)
		}
		if _, err := p.Create(ctx, env, sized(1, "")); err != refused {
			t.Fatalf("create: %v, want the claim's own error", err)
		}
		if _, err := p.Update(ctx, env, sized(2, "")); err != refused {
			t.Fatalf("update: %v, want the claim's own error", err)
		}
		if err := p.Delete(ctx, env, sized(2, "")); err != refused {
			t.Fatalf("delete: %v, want the claim's own error", err)
		}
		if s.writes != 0 || s.items["thing"].size != 1 {
			t.Fatalf("the refused thing was written %d times", s.writes)
		}
	})
	t.Run("a claim that cannot tell is classified", func(t *testing.T) {
		s, claims := &store{items: map[string]*item{"thing": {size: 1}}}, 0
		var te *TransientError
		if _, err := claimedKind(s, &claims, &smithy.GenericAPIError{Code: "ThrottlingException"}).Update(ctx, env, sized(2, "")); !errors.As(err, &te) {
			t.Fatalf("update: %T %v, want *TransientError", err, err)
		}
	})
}

// A kind whose writes need a version read first finds with FindToWrite in every writing
// verb, and Observe keeps to Find.
func TestAKindsWritingVerbsFindWithFindToWriteAndObserveWithFind(t *testing.T) {
	ctx := context.Background()
	s := &store{region: "eu-west-1", items: map[string]*item{}}
	env := Env{App: "shop", Stage: "prod", Region: "eu-west-1"}
	var finds, locks []string
	k := sizeKind(map[string]*store{s.region: s}).(adapter[*store, sizeProps, item]).k
	find := k.Find
	k.Find = func(ctx context.Context, c *Call[*store, sizeProps]) (*item, error) {
		finds = append(finds, c.R.Name)
		return find(ctx, c)
	}
	k.FindToWrite = func(ctx context.Context, c *Call[*store, sizeProps]) (*item, error) {
		locks = append(locks, c.R.Name)
		return find(ctx, c)
	}
	p := Adapt(k)

	if _, err := p.Create(ctx, env, sized(1, "")); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Update(ctx, env, sized(2, "")); err != nil || s.items["thing"].size != 2 {
		t.Fatalf("update from FindToWrite's live: %v", err)
	}
	if obs, err := p.Observe(ctx, env, sized(2, "")); err != nil || !obs.UpToDate() {
		t.Fatalf("observe: %+v %v", obs, err)
	}
	if err := p.Delete(ctx, env, sized(2, "")); err != nil || s.items["thing"] != nil {
		t.Fatalf("delete from FindToWrite's live: %v", err)
	}
	if len(locks) != 3 || len(finds) != 1 {
		t.Fatalf("FindToWrite ran %d times and Find %d, want 3 (create, update, delete) and 1 (observe)", len(locks), len(finds))
	}
}
