package provision

import (
	"context"

	"github.com/berth-dev/berth/internal/plan"
)

// Call is one verb's call on one resource: its decoded props and the client for the
// resource's region.
type Call[C, P any] struct {
	Env   Env
	R     plan.Resource
	Props P
	API   C
}

// NotOwned is the error every verb but Observe returns for a resource berth does not own.
func (c *Call[C, P]) NotOwned() error {
	return &NotOwnedError{Kind: string(c.R.Kind), Name: c.R.Name}
}

// Kind describes one resource kind by its small functions (C: the SDK client, P: the
// props, L: what Find reads of the live resource). Adapt makes it a Provisioner that
// owns what every kind shares: decoding props, picking the region's client, treating
// "not found" as absent on read and as done on delete, the ownership check and diff, and
// classifying SDK errors.
//
// Create = find → absent ? Create : owned ? (up to date ? Unchanged : Converge); Update is
// the same (the state machine may retry either after a partial failure); Delete = find →
// absent ? Leftover : owned ? Remove. "Owned" is Owned, then Claim. Diff runs before
// Ready, Outputs and Converge on the same live, so it may keep on live what only
// comparing reads (a function's published versions).
type Kind[C, P, L any] struct {
	// Clients returns the client for a region; see PerRegion.
	Clients func(region string) C
	// Desired builds the props from c.R (c.Props is not set yet), for kinds whose desired
	// state needs more than decoding: refs resolved, defaults looked up, documents
	// rendered, props validated. Nil means Decode. It runs before Find in every verb,
	// Delete included: what only creating or comparing needs belongs in Create and Diff.
	Desired func(ctx context.Context, c *Call[C, P]) (P, error)
	// Find reads the live resource: nil when absent. A not-found error counts as absent.
	Find func(ctx context.Context, c *Call[C, P]) (*L, error)
	// Owned reports whether berth owns live. Nil for kinds with no ownership of their
	// own (an association whose only slot belongs to a resource berth owns).
	Owned func(c *Call[C, P], live *L) bool
	// Claim is the writing verbs' ownership check for kinds whose check needs calls
	// (asking another kind whether berth owns what live points at) or names the resource
	// its own way: Create, Update and Delete call it after Owned and return its error
	// (a *NotOwnedError, or why it could not tell) before touching live. Observe never
	// calls it, so it keeps to Find's and Diff's calls; what Claim would refuse shows
	// there through Owned or Diff. Nil means Owned alone.
	Claim func(ctx context.Context, c *Call[C, P], live *L) error
	// Diff lists where live differs from c.Props. Nil when nothing can differ.
	Diff func(ctx context.Context, c *Call[C, P], live *L) (Diffs, error)
	// Ready reports whether live can be depended on. Nil means always.
	Ready func(live *L) bool
	// Outputs are live's outputs.
	Outputs func(c *Call[C, P], live *L) Outputs
	// Unchanged is what Create and Update return for a live resource Diff finds up to
	// date, for kinds whose answer there is not Observe's Outputs: an output that changes
	// by itself left out, a resource adopted rather than made, records still awaited with
	// calls. Nil means Outputs.
	Unchanged func(ctx context.Context, c *Call[C, P], live *L) (Outputs, error)
	// Create makes the resource, tagged with Tags; errors are classified.
	Create func(ctx context.Context, c *Call[C, P]) (Outputs, error)
	// Converge makes live match c.Props; it is called only when d is not empty. Nil when
	// Diff is nil.
	Converge func(ctx context.Context, c *Call[C, P], live *L, d Diffs) (Outputs, error)
	// Remove deletes live; a not-found error counts as done.
	Remove func(ctx context.Context, c *Call[C, P], live *L) error
	// Classify replaces the package-level Classify for kinds whose service reports
	// more transient conditions; nil means Classify.
	Classify func(err error, op string, r plan.Resource) error
	// Exists reports whether live, found where the resource would be (a function's
	// resource policy, for berth's statements on it), holds the resource at all: Observe
	// and Delete treat one that does not as absent, while Create and Update check its
	// ownership and converge it, Find having found where it goes. Nil means always.
	// (A group's ingress with no rule yet does not exist either.)
	Exists func(live *L) bool
	// OwnerID is the logical id of the resource whose tags Owned checks, when that is not
	// c.R (a function's URL and policy statements have no tags: the function's decide);
	// Observe's not-owned diff names it. Nil means c.R.ID.
	OwnerID func(c *Call[C, P]) string
	// Failed reports why live can never become ready (a Lambda function whose creation
	// failed): Observe returns it as its error, after the ownership check and before
	// Diff, so the step fails at once instead of waiting out its budget. Create, Update
	// and Delete do not call it (an update may repair live, a delete removes it). Nil
	// means never.
	Failed func(c *Call[C, P], live *L) error
	// Leftover deletes what may outlive the resource when Delete finds it absent (the
	// grant on a function, the alarm of a policy removed with its target); a not-found
	// error counts as done. Nil means nothing outlives it.
	Leftover func(ctx context.Context, c *Call[C, P]) error
	// FindToWrite is Find for Create, Update and Delete, for kinds whose writes are
	// conditioned on a version that must be read before the state they are computed from
	// (a KeyValueStore's data-plane ETag, read before the listing a write diffs, so a
	// write that succeeds proves that listing current). Observe, which writes nothing,
	// keeps to Find and its fewer calls. Nil means Find.
	FindToWrite func(ctx context.Context, c *Call[C, P]) (*L, error)
}

// RegionOf is where r lives: its own region, or the app's.
func RegionOf(env Env, r plan.Resource) string {
	if r.Region != "" {
		return r.Region
	}
	return env.Region
}

// Adapt returns the Provisioner for k.
func Adapt[C, P, L any](k Kind[C, P, L]) Provisioner { return adapter[C, P, L]{k} }

type adapter[C, P, L any] struct{ k Kind[C, P, L] }

func (a adapter[C, P, L]) call(ctx context.Context, env Env, r plan.Resource) (*Call[C, P], error) {
	c := &Call[C, P]{Env: env, R: r, API: a.k.Clients(RegionOf(env, r))}
	var err error
	if a.k.Desired == nil {
		c.Props, err = Decode[P](r)
	} else {
		c.Props, err = a.k.Desired(ctx, c)
	}
	return c, err
}

func (a adapter[C, P, L]) classify(err error, op string, r plan.Resource) error {
	if a.k.Classify != nil {
		return a.k.Classify(err, op, r)
	}
	return Classify(err, op, string(r.Kind), r.Name)
}

func (a adapter[C, P, L]) find(ctx context.Context, c *Call[C, P], op string) (*L, error) {
	find := a.k.Find
	if op != "observe" && a.k.FindToWrite != nil {
		find = a.k.FindToWrite
	}
	live, err := find(ctx, c)
	if IsNotFound(err) {
		return nil, nil
	}
	return live, a.classify(err, op, c.R)
}

func (a adapter[C, P, L]) owned(c *Call[C, P], live *L) bool {
	return a.k.Owned == nil || a.k.Owned(c, live)
}

func (a adapter[C, P, L]) exists(live *L) bool {
	return live != nil && (a.k.Exists == nil || a.k.Exists(live))
}

func (a adapter[C, P, L]) notOwned(c *Call[C, P]) Observation {
	if a.k.OwnerID == nil {
		return NotOwnedObservation(c.Env, c.R)
	}
	return NotOwnedObservation(c.Env, plan.Resource{ID: a.k.OwnerID(c)})
}

// claim checks a live resource a writing verb is about to touch: Owned, then Claim.
func (a adapter[C, P, L]) claim(ctx context.Context, c *Call[C, P], live *L, op string) error {
	if !a.owned(c, live) {
		return c.NotOwned()
	}
	if a.k.Claim == nil {
		return nil
	}
	return a.classify(a.k.Claim(ctx, c, live), op, c.R)
}

func (a adapter[C, P, L]) diff(ctx context.Context, c *Call[C, P], live *L, op string) (Diffs, error) {
	if a.k.Diff == nil {
		return nil, nil
	}
	d, err := a.k.Diff(ctx, c, live)
	return d, a.classify(err, op, c.R)
}

// Observe implements Provisioner.
func (a adapter[C, P, L]) Observe(ctx context.Context, env Env, r plan.Resource) (Observation, error) {
	c, err := a.call(ctx, env, r)
	if err != nil {
		return Observation{}, err
	}
	live, err := a.find(ctx, c, "observe")
	if err != nil || !a.exists(live) {
		return Observation{}, err
	}
	if !a.owned(c, live) {
		return a.notOwned(c), nil
	}
	if a.k.Failed != nil {
		if err := a.k.Failed(c, live); err != nil {
			return Observation{}, a.classify(err, "observe", r)
		}
	}
	d, err := a.diff(ctx, c, live, "observe")
	if err != nil {
		return Observation{}, err
	}
	return Observation{Exists: true, Ready: a.k.Ready == nil || a.k.Ready(live), Diff: d, Outputs: a.k.Outputs(c, live)}, nil
}

// Create implements Provisioner.
func (a adapter[C, P, L]) Create(ctx context.Context, env Env, r plan.Resource) (Outputs, error) {
	return a.apply(ctx, env, r, "create")
}

// Update implements Provisioner.
func (a adapter[C, P, L]) Update(ctx context.Context, env Env, r plan.Resource) (Outputs, error) {
	return a.apply(ctx, env, r, "update")
}

func (a adapter[C, P, L]) apply(ctx context.Context, env Env, r plan.Resource, op string) (Outputs, error) {
	c, err := a.call(ctx, env, r)
	if err != nil {
		return nil, err
	}
	live, err := a.find(ctx, c, op)
	if err != nil {
		return nil, err
	}
	if live == nil {
		out, err := a.k.Create(ctx, c)
		return out, a.classify(err, op, r)
	}
	if err := a.claim(ctx, c, live, op); err != nil {
		return nil, err
	}
	d, err := a.diff(ctx, c, live, op)
	if err != nil {
		return nil, err
	}
	if len(d) == 0 && a.k.Unchanged != nil {
		out, err := a.k.Unchanged(ctx, c, live)
		return out, a.classify(err, op, r)
	}
	if len(d) == 0 {
		return a.k.Outputs(c, live), nil
	}
	out, err := a.k.Converge(ctx, c, live, d)
	return out, a.classify(err, op, r)
}

// Delete implements Provisioner.
func (a adapter[C, P, L]) Delete(ctx context.Context, env Env, r plan.Resource) error {
	c, err := a.call(ctx, env, r)
	if err != nil {
		return err
	}
	live, err := a.find(ctx, c, "delete")
	if err != nil {
		return err
	}
	if !a.exists(live) {
		if a.k.Leftover == nil {
			return nil
		}
		return a.removed(a.k.Leftover(ctx, c), r)
	}
	if err := a.claim(ctx, c, live, "delete"); err != nil {
		return err
	}
	return a.removed(a.k.Remove(ctx, c, live), r)
}

// removed classifies a removal's error: not found counts as done.
func (a adapter[C, P, L]) removed(err error, r plan.Resource) error {
	if err == nil || IsNotFound(err) {
		return nil
	}
	return a.classify(err, "delete", r)
}
