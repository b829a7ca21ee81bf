package state

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Memory is an in-memory stand-in for Store's lock, for fast tests of the tasks that
// take and hand on the lock. Each method holds one mutex for its whole run, so it is at
// least as atomic as the single conditional writes Store makes; the conditions and
// results are Store's, case for case (TestLock runs its cases against both).
type Memory struct {
	mu    sync.Mutex
	locks map[string]*memLock
}

type memLock struct {
	holder  string
	expires int64 // unix nanoseconds, as Store keeps expiresAt
	pending *Request
}

// NewMemory returns an empty in-memory store.
func NewMemory() *Memory { return &Memory{locks: map[string]*memLock{}} }

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
