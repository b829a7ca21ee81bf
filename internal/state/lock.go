package state

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Request is a deployment waiting for the lock: which deployment, and which config
// version it wants to deploy. RequestedAt orders requests (S3 event time or API call
// time): the newest request wins the single pending slot, so the stage converges on the
// last uploaded config.
type Request struct {
	DeploymentID string    `json:"deploymentId"`
	Bucket       string    `json:"bucket,omitempty"`
	Key          string    `json:"key,omitempty"`
	VersionID    string    `json:"versionId,omitempty"`
	RequestedAt  time.Time `json:"requestedAt"`
}

// LockResult is Acquire's answer.
type LockResult struct {
	// Acquired is true when the caller holds the lock now (fresh, re-entered or taken over
	// from an expired lease).
	Acquired bool `json:"acquired"`
	// Holder is the deployment holding the lock: the caller when Acquired.
	Holder string `json:"holder"`
	// ExpiresAt is the holder's lease end (only set when Acquired).
	ExpiresAt time.Time `json:"expiresAt,omitzero"`
	// Queued is true when the caller's request is now the pending one: it will be handed
	// back by the holder's Release. The caller's deployment is QUEUED.
	Queued bool `json:"queued"`
	// Pending is the pending request on the lock after this call, when not Acquired. If
	// it is not the caller's (Queued false), a newer request already waits and the
	// caller's deployment is SUPERSEDED.
	Pending *Request `json:"pending,omitempty"`
	// Displaced is an older pending request this call removed or overwrote; its
	// deployment is SUPERSEDED and will never run.
	Displaced *Request `json:"displaced,omitempty"`
}

// Lock is the lock item as read by GetLock, for status displays.
type Lock struct {
	Holder    string    `json:"holder"`
	ExpiresAt time.Time `json:"expiresAt"`
	Pending   *Request  `json:"pending,omitempty"`
}

// Lock item attributes. Lease times are Unix nanoseconds so conditions compare numbers.
const (
	attrHolder    = "holder"
	attrExpiresAt = "expiresAt"
	attrPending   = "pending"
)

// maxLockAttempts bounds the loops below. Each retry means another writer changed the
// lock between two of our calls, so a handful is plenty; hitting the bound means
// something is wrong, not that we are unlucky.
const maxLockAttempts = 25

// Acquire takes the app/stage lock for holder (a deployment id) until now+lease.
//
// It succeeds when there is no lock, when holder already holds it (a retry, or a renewal:
// the lease is extended), or when the lease expired (the holder crashed and nothing
// released it). When another deployment holds it, req is recorded as the lock's single
// pending request — unless a newer request is already pending — and Acquired is false.
// A request without RequestedAt (a removal waiting for the lock, a drift repair) is never
// recorded: Acquire only tries, and the caller polls.
//
// Every change is one conditional write; a lost race is detected by the condition and
// retried from the new state, never by reading and then writing.
func (s *Store) Acquire(ctx context.Context, app, stage, holder string, req Request, lease time.Duration, now time.Time) (LockResult, error) {
	if err := checkDeployment(app, stage, holder); err != nil {
		return LockResult{}, err
	}
	if lease <= 0 {
		return LockResult{}, fmt.Errorf("state: lock %s/%s: lease must be positive, got %s", app, stage, lease)
	}
	req.DeploymentID = holder
	k := key(appPK(app, stage), skLock)
	for range maxLockAttempts {
		expires := now.Add(lease)
		out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName:           &s.table,
			Key:                 k,
			UpdateExpression:    ptr("SET #type = :type, holder = :h, expiresAt = :exp"),
			ConditionExpression: ptr("attribute_not_exists(holder) OR holder = :h OR expiresAt <= :now"),
			ExpressionAttributeNames: map[string]string{
				"#type": attrType,
			},
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":type": str("lock"), ":h": str(holder), ":exp": num(unixNanos(expires)), ":now": num(unixNanos(now)),
			},
			ReturnValues:                        types.ReturnValueAllNew,
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		})
		if err == nil {
			res := LockResult{Acquired: true, Holder: holder, ExpiresAt: fromNanos(unixNanos(expires))}
			if p := pendingFrom(out.Attributes); p != nil && supersedes(req, *p) {
				displaced, err := s.dropPending(ctx, k, req)
				if err != nil {
					return LockResult{}, err
				}
				res.Displaced = displaced
			}
			return res, nil
		}
		failed, old := isConditionFailed(err)
		if !failed {
			return LockResult{}, fmt.Errorf("state: acquire lock %s/%s: %w", app, stage, err)
		}
		if lockAvailable(old, holder, now) {
			continue // released or expired since the condition was evaluated
		}
		if req.RequestedAt.IsZero() {
			// Nothing to queue: a removal waiting for the lock or a drift repair polls
			// Acquire instead of becoming the pending config deploy.
			return LockResult{Holder: getS(old, attrHolder), Pending: pendingFrom(old)}, nil
		}
		res, retry, err := s.enqueue(ctx, k, req, now)
		if err != nil {
			return LockResult{}, fmt.Errorf("state: queue on lock %s/%s: %w", app, stage, err)
		}
		if !retry {
			return res, nil
		}
	}
	return LockResult{}, fmt.Errorf("state: lock %s/%s kept changing for %d attempts", app, stage, maxLockAttempts)
}

// supersedes reports whether the acquiring request makes the pending one obsolete: it is
// the same deployment, or it deploys a config at least as new. A request without a time
// (a drift repair re-applying the applied config) supersedes nothing.
func supersedes(acquiring, pending Request) bool {
	if pending.DeploymentID == acquiring.DeploymentID {
		return true
	}
	return !acquiring.RequestedAt.IsZero() && !pending.RequestedAt.After(acquiring.RequestedAt)
}

// dropPending removes the pending request after an acquire, under the same rule as
// supersedes but evaluated by DynamoDB: a newer request that arrived after the acquire
// stays. It returns the removed request unless it was the holder's own.
func (s *Store) dropPending(ctx context.Context, k map[string]types.AttributeValue, req Request) (*Request, error) {
	cond := "holder = :h AND (pending.deploymentId = :h"
	vals := map[string]types.AttributeValue{":h": str(req.DeploymentID)}
	if !req.RequestedAt.IsZero() {
		cond += " OR pending.requestedAt <= :ra"
		vals[":ra"] = num(unixNanos(req.RequestedAt))
	}
	out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &s.table,
		Key:                       k,
		UpdateExpression:          ptr("REMOVE pending"),
		ConditionExpression:       ptr(cond + ")"),
		ExpressionAttributeValues: vals,
		ReturnValues:              types.ReturnValueAllOld,
	})
	if err != nil {
		if failed, _ := isConditionFailed(err); failed {
			return nil, nil // replaced by a newer request in between: it stays pending
		}
		return nil, fmt.Errorf("state: drop superseded pending request: %w", err)
	}
	p := pendingFrom(out.Attributes)
	if p == nil || p.DeploymentID == req.DeploymentID {
		return nil, nil
	}
	return p, nil
}

// enqueue records req as the pending request on a lock held by someone else. The
// condition re-checks that the lock is still held by another live holder (otherwise the
// caller should try to acquire again: retry) and that no newer request is pending (last
// upload wins; a retry of the same request may overwrite its own entry).
func (s *Store) enqueue(ctx context.Context, k map[string]types.AttributeValue, req Request, now time.Time) (res LockResult, retry bool, err error) {
	out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:        &s.table,
		Key:              k,
		UpdateExpression: ptr("SET pending = :p"),
		ConditionExpression: ptr("attribute_exists(holder) AND holder <> :h AND expiresAt > :now AND " +
			"(attribute_not_exists(pending) OR pending.requestedAt < :ra OR pending.deploymentId = :h)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":p": pendingAttr(req), ":h": str(req.DeploymentID), ":now": num(unixNanos(now)), ":ra": num(unixNanos(req.RequestedAt)),
		},
		ReturnValues:                        types.ReturnValueAllOld,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if err == nil {
		res = LockResult{Holder: getS(out.Attributes, attrHolder), Queued: true, Pending: &req}
		if p := pendingFrom(out.Attributes); p != nil && p.DeploymentID != req.DeploymentID {
			res.Displaced = p
		}
		return res, false, nil
	}
	failed, old := isConditionFailed(err)
	if !failed {
		return LockResult{}, false, err
	}
	if lockAvailable(old, req.DeploymentID, now) {
		return LockResult{}, true, nil
	}
	// Held by another live holder and a newer request is pending: the caller's request is
	// superseded before it ever ran.
	return LockResult{Holder: getS(old, attrHolder), Pending: pendingFrom(old)}, false, nil
}

// lockAvailable reports whether an Acquire by holder would pass its condition against
// item (as returned by a failed condition; nil when the item does not exist).
func lockAvailable(item map[string]types.AttributeValue, holder string, now time.Time) bool {
	h := getS(item, attrHolder)
	return h == "" || h == holder || getN(item, attrExpiresAt) <= unixNanos(now)
}

// Release deletes the lock if holder holds it and returns the pending request, if any,
// so the caller can start the next execution for it. Releasing a lock held by someone
// else, or no lock, is a no-op returning nil: the crash path (EventBridge on a failed,
// timed-out or aborted execution) calls it without knowing whether the workflow already
// released.
//
// The delete is conditional on the holder and returns the item as it was deleted
// (ALL_OLD), so the pending request comes from the same atomic write that frees the lock.
// A request that races with it either landed before the delete (and is returned here) or
// finds no holder afterwards (its enqueue condition fails) and acquires the free lock
// itself: a pending request is never lost, and is returned exactly once. Whoever gets it
// (the workflow's release step or the crash-path function) must start its execution.
// One window remains: if the delete commits but its response is lost (network error, the
// Lambda times out right after), a retry finds no lock and returns nil, so that hand-over
// is at most once. Closing it would take handing the lock to the pending deployment
// (holder := pending, remembering who handed over) instead of deleting, so a retry can
// answer again; that trades "exactly once" for "at least once".
func (s *Store) Release(ctx context.Context, app, stage, holder string) (*Request, error) {
	if err := checkDeployment(app, stage, holder); err != nil {
		return nil, err
	}
	out, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:                 &s.table,
		Key:                       key(appPK(app, stage), skLock),
		ConditionExpression:       ptr("holder = :h"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":h": str(holder)},
		ReturnValues:              types.ReturnValueAllOld,
	})
	if err != nil {
		if failed, _ := isConditionFailed(err); failed {
			return nil, nil
		}
		return nil, fmt.Errorf("state: release lock %s/%s: %w", app, stage, err)
	}
	return pendingFrom(out.Attributes), nil
}

// CancelPending withdraws deploymentID's pending request (an aborted queued execution,
// or a user cancelling it), so Release will not hand it over. It reports whether the
// request was pending; a newer request that displaced it is left alone.
func (s *Store) CancelPending(ctx context.Context, app, stage, deploymentID string) (bool, error) {
	if err := checkDeployment(app, stage, deploymentID); err != nil {
		return false, err
	}
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &s.table,
		Key:                       key(appPK(app, stage), skLock),
		UpdateExpression:          ptr("REMOVE pending"),
		ConditionExpression:       ptr("pending.deploymentId = :id"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":id": str(deploymentID)},
	})
	if err != nil {
		if failed, _ := isConditionFailed(err); failed {
			return false, nil
		}
		return false, fmt.Errorf("state: cancel pending %s on %s/%s: %w", deploymentID, app, stage, err)
	}
	return true, nil
}

// GetLock reads the lock for display; nil when the app/stage is not locked. Never use
// it to decide whether to acquire: that is what Acquire's condition is for.
func (s *Store) GetLock(ctx context.Context, app, stage string) (*Lock, error) {
	if err := checkAppStage(app, stage); err != nil {
		return nil, err
	}
	item, err := s.getItem(ctx, appPK(app, stage), skLock)
	if err != nil || getS(item, attrHolder) == "" {
		return nil, err
	}
	return &Lock{
		Holder:    getS(item, attrHolder),
		ExpiresAt: fromNanos(getN(item, attrExpiresAt)),
		Pending:   pendingFrom(item),
	}, nil
}

func pendingAttr(r Request) types.AttributeValue {
	return &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
		"deploymentId": str(r.DeploymentID),
		"bucket":       str(r.Bucket),
		"key":          str(r.Key),
		"versionId":    str(r.VersionID),
		"requestedAt":  num(unixNanos(r.RequestedAt)),
	}}
}

func pendingFrom(item map[string]types.AttributeValue) *Request {
	m := getM(item, attrPending)
	if m == nil {
		return nil
	}
	return &Request{
		DeploymentID: getS(m, "deploymentId"),
		Bucket:       getS(m, "bucket"),
		Key:          getS(m, "key"),
		VersionID:    getS(m, "versionId"),
		RequestedAt:  fromNanos(getN(m, "requestedAt")),
	}
}
