package state

import (
	"context"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/awscalls"
	"github.com/berth-dev/berth/internal/plan"
)

// stateStore is the bookkeeping both Store and Memory keep.
type stateStore interface {
	locker
	CreateDeployment(ctx context.Context, d Deployment) error
	GetDeployment(ctx context.Context, app, stage, id string) (*Deployment, error)
	GetDeploymentHeader(ctx context.Context, app, stage, id string) (*Deployment, error)
	FinishDeployment(ctx context.Context, app, stage, id string, status Status, errText string, ended time.Time) error
	SetStatus(ctx context.Context, app, stage, id string, status Status) error
	SetOutputs(ctx context.Context, app, stage, id string, outputs map[string]string) error
	AddStep(ctx context.Context, app, stage, id string, s StepRecord) error
	AddCalls(ctx context.Context, app, stage, id, invocationID string, s awscalls.Summary) error
	AppendJournal(ctx context.Context, app, stage, id string, e JournalEntry) error
	Journal(ctx context.Context, app, stage, id string) ([]JournalEntry, error)
	SavePlan(ctx context.Context, app, stage, id string, p *plan.Plan) error
	LoadPlan(ctx context.Context, app, stage, id string) (*plan.Plan, error)
	SaveApplied(ctx context.Context, app, stage string, a Applied) error
	LoadApplied(ctx context.Context, app, stage string) (*Applied, error)
	DeleteApplied(ctx context.Context, app, stage string) error
	SaveDrift(ctx context.Context, app, stage string, r DriftReport) error
	LoadDrift(ctx context.Context, app, stage string) (*DriftReport, error)
	RegisterApp(ctx context.Context, app, stage string) error
	UnregisterApp(ctx context.Context, app, stage string) error
	ListApps(ctx context.Context) ([]AppStage, error)
}

var (
	_ stateStore = (*Store)(nil)
	_ stateStore = (*Memory)(nil)
)

// storeCase is one case of the store's contract. storeOnly marks the cases that need
// what only Store has (an S3 client to break, ListDeployments).
type storeCase struct {
	name      string
	storeOnly bool
	run       func(t *testing.T, s stateStore)
}

// runOnBoth runs every case against Store over moto, then against Memory: Memory's
// contract is Store's, case for case.
func runOnBoth(t *testing.T, cases []storeCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			fixtures.Store(f.store, f)
			c.run(t, f.store)
		})
		if c.storeOnly {
			continue
		}
		t.Run("in memory, "+c.name, func(t *testing.T) {
			t.Parallel()
			c.run(t, NewMemory())
		})
	}
}

// layout is the fixture behind s when s is a Store, for checks of the documented item
// layout and S3 keys, which Memory does not keep; nil for Memory.
func layout(s stateStore) *fixture {
	st, ok := s.(*Store)
	if !ok {
		return nil
	}
	return fixtureOf(st)
}

// setClock sets the clock s stamps undated records with.
func setClock(s stateStore, now func() time.Time) {
	switch s := s.(type) {
	case *Store:
		s.now = now
	case *Memory:
		s.Now = now
	}
}
