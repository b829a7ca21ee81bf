package state

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/berth-dev/berth/internal/awscalls"
	"github.com/berth-dev/berth/internal/plan"
)

// Memory is an in-memory stand-in for Store, for fast tests of the workflow's tasks: the
// lock, deployment records, journals, plans, applied states, drift reports and the app
// list. Each method holds one mutex for its whole run, so it is at least as atomic as the
// single conditional writes Store makes; the conditions and results are Store's, case for
// case (TestLock, TestJournal, TestAppliedState and TestDeploymentRecords run their cases
// against both). Documents are kept as JSON, as Store keeps them, so a caller never shares
// memory with what it stored.
type Memory struct {
	mu          sync.Mutex
	locks       map[string]*memLock
	deployments map[string]*memDeployment // by appPK + deploySK
	journals    map[string]map[string][]byte
	docs        map[string][]byte // plans, applied states and drift reports, by their Store key
	apps        map[string]AppStage
	// Now stamps what Store stamps with its clock (a journal entry without a time).
	Now func() time.Time
}

type memDeployment struct {
	header *Deployment // nil until created: steps and calls may be recorded first
	steps  map[string]StepRecord
	calls  map[string]awscalls.Summary
}

type memLock struct {
	holder  string
	expires int64 // unix nanoseconds, as Store keeps expiresAt
	pending *Request
}

// NewMemory returns an empty in-memory store.
func NewMemory() *Memory {
	return &Memory{locks: map[string]*memLock{}, deployments: map[string]*memDeployment{}, journals: map[string]map[string][]byte{},
		docs: map[string][]byte{}, apps: map[string]AppStage{}, Now: time.Now}
}

// Acquire implements Store.Acquire's contract in memory.
func (m *Memory) Acquire(_ context.Context, app, stage, holder string, req Request, lease time.Duration, now time.Time) (LockResult, error) {
	if err := checkDeployment(app, stage, holder); err != nil {
		return LockResult{}, err
	}
	if lease <= 0 {
		return LockResult{}, fmt.Errorf("state: lock %s/%s: lease must be positive, got %s", app, stage, lease)
	}
	req.DeploymentID = holder
	req.RequestedAt = fromNanos(unixNanos(req.RequestedAt)) // stored, as Store stores it, in nanoseconds
	m.mu.Lock()
	defer m.mu.Unlock()
	k := appPK(app, stage)
	l := m.locks[k]
	// Store's condition: attribute_not_exists(holder) OR holder = :h OR expiresAt <= :now.
	if l == nil || l.holder == holder || l.expires <= unixNanos(now) {
		if l == nil {
			l = &memLock{}
			m.locks[k] = l
		}
		l.holder, l.expires = holder, unixNanos(now.Add(lease))
		res := LockResult{Acquired: true, Holder: holder, ExpiresAt: fromNanos(l.expires)}
		if p := l.pending; p != nil && supersedes(req, *p) {
			l.pending = nil
			if p.DeploymentID != holder {
				res.Displaced = p
			}
		}
		return res, nil
	}
	if req.RequestedAt.IsZero() {
		return LockResult{Holder: l.holder, Pending: copyRequest(l.pending)}, nil
	}
	// Store's enqueue condition, given a live lease held by another deployment.
	if p := l.pending; p == nil || unixNanos(p.RequestedAt) < unixNanos(req.RequestedAt) || p.DeploymentID == holder {
		l.pending = &req
		res := LockResult{Holder: l.holder, Queued: true, Pending: copyRequest(&req)}
		if p != nil && p.DeploymentID != holder {
			res.Displaced = p
		}
		return res, nil
	}
	return LockResult{Holder: l.holder, Pending: copyRequest(l.pending)}, nil
}

// Release implements Store.Release's contract in memory.
func (m *Memory) Release(_ context.Context, app, stage, holder string) (*Request, error) {
	if err := checkDeployment(app, stage, holder); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	k := appPK(app, stage)
	l := m.locks[k]
	if l == nil || l.holder != holder {
		return nil, nil
	}
	delete(m.locks, k)
	return l.pending, nil
}

// CancelPending implements Store.CancelPending's contract in memory.
func (m *Memory) CancelPending(_ context.Context, app, stage, deploymentID string) (bool, error) {
	if err := checkDeployment(app, stage, deploymentID); err != nil {
		return false, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	l := m.locks[appPK(app, stage)]
	if l == nil || l.pending == nil || l.pending.DeploymentID != deploymentID {
		return false, nil
	}
	l.pending = nil
	return true, nil
}

// GetLock implements Store.GetLock's contract in memory.
func (m *Memory) GetLock(_ context.Context, app, stage string) (*Lock, error) {
	if err := checkAppStage(app, stage); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	l := m.locks[appPK(app, stage)]
	if l == nil {
		return nil, nil
	}
	return &Lock{Holder: l.holder, ExpiresAt: fromNanos(l.expires), Pending: copyRequest(l.pending)}, nil
}

func copyRequest(r *Request) *Request {
	if r == nil {
		return nil
	}
	c := *r
	return &c
}

// CreateDeployment implements Store.CreateDeployment's contract in memory.
func (m *Memory) CreateDeployment(_ context.Context, d Deployment) error {
	if err := checkDeployment(d.App, d.Stage, d.ID); err != nil {
		return err
	}
	if !d.Status.valid() {
		return fmt.Errorf("state: deployment %s: unknown status %q", d.ID, d.Status)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	k := appPK(d.App, d.Stage) + deploySK(d.ID)
	if old := m.deployments[k]; old != nil && old.header != nil {
		if !old.header.Started.Equal(d.Started) {
			return fmt.Errorf("%w: %s", ErrDeploymentExists, d.ID)
		}
		return nil // a retry
	}
	// What Store's item keeps: no steps or calls, times in UTC, capped error text.
	d.Steps, d.Calls = nil, awscalls.Summary{}
	d.Started, d.Ended = d.Started.UTC(), d.Ended.UTC()
	d.Error = truncate(d.Error, maxErrorText)
	d.Outputs = copyOutputs(d.Outputs)
	m.deployment(d.App, d.Stage, d.ID).header = &d
	return nil
}

// FinishDeployment implements Store.FinishDeployment's contract in memory.
func (m *Memory) FinishDeployment(_ context.Context, app, stage, id string, status Status, errText string, ended time.Time) error {
	return m.updateDeployment(app, stage, id, status, func(d *Deployment) {
		d.Status, d.Ended, d.Error = status, ended.UTC(), truncate(errText, maxErrorText)
	})
}

// SetStatus implements Store.SetStatus's contract in memory.
func (m *Memory) SetStatus(_ context.Context, app, stage, id string, status Status) error {
	return m.updateDeployment(app, stage, id, status, func(d *Deployment) { d.Status = status })
}

// SetOutputs implements Store.SetOutputs's contract in memory.
func (m *Memory) SetOutputs(_ context.Context, app, stage, id string, outputs map[string]string) error {
	return m.updateDeployment(app, stage, id, "", func(d *Deployment) { d.Outputs = copyOutputs(outputs) })
}

// updateDeployment is Store.updateDeployment's contract: ErrNotFound for a missing record.
func (m *Memory) updateDeployment(app, stage, id string, status Status, update func(*Deployment)) error {
	if err := checkDeployment(app, stage, id); err != nil {
		return err
	}
	if status != "" && !status.valid() {
		return fmt.Errorf("state: deployment %s: unknown status %q", id, status)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	d := m.deployments[appPK(app, stage)+deploySK(id)]
	if d == nil || d.header == nil {
		return fmt.Errorf("%w: deployment %s/%s/%s", ErrNotFound, app, stage, id)
	}
	update(d.header)
	return nil
}

// GetDeploymentHeader implements Store.GetDeploymentHeader's contract in memory.
func (m *Memory) GetDeploymentHeader(_ context.Context, app, stage, id string) (*Deployment, error) {
	if err := checkDeployment(app, stage, id); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	d := m.deployments[appPK(app, stage)+deploySK(id)]
	if d == nil || d.header == nil {
		return nil, nil
	}
	h := *d.header
	h.Outputs = copyOutputs(h.Outputs)
	return &h, nil
}

// GetDeployment implements Store.GetDeployment's contract in memory: steps in start
// order (then by name, as their sort keys order them), calls summed.
func (m *Memory) GetDeployment(ctx context.Context, app, stage, id string) (*Deployment, error) {
	h, err := m.GetDeploymentHeader(ctx, app, stage, id)
	if err != nil || h == nil {
		return h, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	d := m.deployments[appPK(app, stage)+deploySK(id)]
	for _, k := range slices.Sorted(maps.Keys(d.steps)) {
		h.Steps = append(h.Steps, d.steps[k])
	}
	for _, c := range d.calls {
		h.Calls = h.Calls.Add(c)
	}
	return h, nil
}

// AddStep implements Store.AddStep's contract in memory. Like Store's unconditional
// write, it does not require the record to exist (GetDeployment shows it once it does).
func (m *Memory) AddStep(_ context.Context, app, stage, id string, step StepRecord) error {
	if err := checkDeployment(app, stage, id); err != nil {
		return err
	}
	if step.Name == "" {
		return fmt.Errorf("state: deployment %s: step without a name", id)
	}
	step.Started, step.Ended, step.Detail = step.Started.UTC(), step.Ended.UTC(), truncate(step.Detail, maxDetailText)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.deployment(app, stage, id).steps[nanos(step.Started)+"#"+step.Name] = step
	return nil
}

// AddCalls implements Store.AddCalls's contract in memory.
func (m *Memory) AddCalls(_ context.Context, app, stage, id, invocationID string, calls awscalls.Summary) error {
	if err := checkDeployment(app, stage, id); err != nil {
		return err
	}
	if invocationID == "" {
		return fmt.Errorf("state: deployment %s: calls without an invocation id", id)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.deployment(app, stage, id).calls[invocationID] = calls
	return nil
}

// deployment is a record's slot for steps and calls, made on first use as Store's
// separate items are.
func (m *Memory) deployment(app, stage, id string) *memDeployment {
	k := appPK(app, stage) + deploySK(id)
	d := m.deployments[k]
	if d == nil {
		d = &memDeployment{steps: map[string]StepRecord{}, calls: map[string]awscalls.Summary{}}
		m.deployments[k] = d
	}
	return d
}

// AppendJournal implements Store.AppendJournal's contract in memory: an entry is keyed
// by its sequence then step id; a collision with an identical entry is a retried append,
// with a different one takes the next nanosecond.
func (m *Memory) AppendJournal(_ context.Context, app, stage, id string, e JournalEntry) error {
	if err := checkDeployment(app, stage, id); err != nil {
		return err
	}
	e, seq, body, err := journalRecord(id, e, m.Now())
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	k := appPK(app, stage) + journalPrefix(id)
	if m.journals[k] == nil {
		m.journals[k] = map[string][]byte{}
	}
	j := m.journals[k]
	for range maxJournalCollisions {
		sk := fmt.Sprintf("%0*d#%s", nanosWidth, seq, e.StepID)
		old, taken := j[sk]
		if !taken {
			j[sk] = body
			return nil
		}
		if string(old) == string(body) {
			return nil
		}
		seq++
	}
	return fmt.Errorf("state: append journal %s: %d key collisions in a row", e.StepID, maxJournalCollisions)
}

// Journal implements Store.Journal's contract in memory.
func (m *Memory) Journal(_ context.Context, app, stage, id string) ([]JournalEntry, error) {
	if err := checkDeployment(app, stage, id); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	j := m.journals[appPK(app, stage)+journalPrefix(id)]
	entries := make([]JournalEntry, 0, len(j))
	for _, sk := range slices.Sorted(maps.Keys(j)) {
		var e JournalEntry
		if err := json.Unmarshal(j[sk], &e); err != nil {
			return nil, fmt.Errorf("state: journal item %s: %w", sk, err)
		}
		seqPart, _, _ := strings.Cut(sk, "#")
		e.Seq, _ = strconv.ParseInt(seqPart, 10, 64)
		entries = append(entries, e)
	}
	return entries, nil
}

// SavePlan implements Store.SavePlan's contract in memory.
func (m *Memory) SavePlan(_ context.Context, app, stage, id string, p *plan.Plan) error {
	if err := checkDeployment(app, stage, id); err != nil {
		return err
	}
	if p == nil {
		return fmt.Errorf("state: deployment %s: nil plan", id)
	}
	return m.putDoc(planKey(app, stage, id), p)
}

// LoadPlan implements Store.LoadPlan's contract in memory.
func (m *Memory) LoadPlan(_ context.Context, app, stage, id string) (*plan.Plan, error) {
	if err := checkDeployment(app, stage, id); err != nil {
		return nil, err
	}
	return getDoc[plan.Plan](m, planKey(app, stage, id))
}

// SaveApplied implements Store.SaveApplied's contract in memory.
func (m *Memory) SaveApplied(_ context.Context, app, stage string, a Applied) error {
	if err := checkAppStage(app, stage); err != nil {
		return err
	}
	if err := checkName("applied deployment id", a.DeploymentID); err != nil {
		return err
	}
	if a.UpdatedAt.IsZero() {
		a.UpdatedAt = m.Now()
	}
	return m.putDoc(appPK(app, stage)+skState, a)
}

// LoadApplied implements Store.LoadApplied's contract in memory.
func (m *Memory) LoadApplied(_ context.Context, app, stage string) (*Applied, error) {
	if err := checkAppStage(app, stage); err != nil {
		return nil, err
	}
	return getDoc[Applied](m, appPK(app, stage)+skState)
}

// DeleteApplied implements Store.DeleteApplied's contract in memory.
func (m *Memory) DeleteApplied(_ context.Context, app, stage string) error {
	if err := checkAppStage(app, stage); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.docs, appPK(app, stage)+skState)
	return nil
}

// SaveDrift implements Store.SaveDrift's contract in memory.
func (m *Memory) SaveDrift(_ context.Context, app, stage string, r DriftReport) error {
	if err := checkAppStage(app, stage); err != nil {
		return err
	}
	if r.At.IsZero() {
		r.At = m.Now()
	}
	return m.putDoc(appPK(app, stage)+skDrift, r)
}

// LoadDrift implements Store.LoadDrift's contract in memory.
func (m *Memory) LoadDrift(_ context.Context, app, stage string) (*DriftReport, error) {
	if err := checkAppStage(app, stage); err != nil {
		return nil, err
	}
	return getDoc[DriftReport](m, appPK(app, stage)+skDrift)
}

// RegisterApp implements Store.RegisterApp's contract in memory.
func (m *Memory) RegisterApp(_ context.Context, app, stage string) error {
	if err := checkAppStage(app, stage); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.apps[app+"#"+stage]; !ok {
		m.apps[app+"#"+stage] = AppStage{App: app, Stage: stage, RegisteredAt: m.Now().UTC()}
	}
	return nil
}

// UnregisterApp implements Store.UnregisterApp's contract in memory.
func (m *Memory) UnregisterApp(_ context.Context, app, stage string) error {
	if err := checkAppStage(app, stage); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.apps, app+"#"+stage)
	return nil
}

// ListApps implements Store.ListApps's contract in memory.
func (m *Memory) ListApps(context.Context) ([]AppStage, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	apps := make([]AppStage, 0, len(m.apps))
	for _, k := range slices.Sorted(maps.Keys(m.apps)) {
		apps = append(apps, m.apps[k])
	}
	return apps, nil
}

func (m *Memory) putDoc(key string, v any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("state: encode %s: %w", key, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.docs[key] = body
	return nil
}

func getDoc[T any](m *Memory, key string) (*T, error) {
	m.mu.Lock()
	body, ok := m.docs[key]
	m.mu.Unlock()
	if !ok {
		return nil, nil
	}
	var v T
	if err := json.Unmarshal(body, &v); err != nil {
		return nil, fmt.Errorf("state: %s: %w", key, err)
	}
	return &v, nil
}

// copyOutputs is what Store's item round-trip makes of outputs: an empty map reads as nil.
func copyOutputs(o map[string]string) map[string]string {
	if len(o) == 0 {
		return nil
	}
	return maps.Clone(o)
}
