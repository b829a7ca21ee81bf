package cloudfront

import (
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/cloudfrontkeyvaluestore/types"

	"github.com/berth-dev/berth/internal/provision"
)

// RouteMismatchError: after writing, the store does not hold what was written: a key
// reads back a different value, a written key is missing, or a deleted key is still
// there. The state machine matches the type name; it is returned unwrapped.
type RouteMismatchError struct {
	Store     string // the KeyValueStore ARN
	Key       string // the first differing key, in key order
	Want, Got string // "" means absent
	More      int    // how many other keys differ
}

func (e *RouteMismatchError) Error() string {
	more := ""
	if e.More > 0 {
		more = fmt.Sprintf(" (and %d more keys differ)", e.More)
	}
	return fmt.Sprintf("KeyValueStore %s: route %q reads back %s, want %s%s; the edge would not route as planned",
		e.Store, e.Key, show(e.Got), show(e.Want), more)
}

func show(v string) string {
	if v == "" {
		return "(absent)"
	}
	return fmt.Sprintf("%q", v)
}

// InvalidRouteError: a desired entry can never be stored (key or value too long, store
// over its size limit). Nothing was written.
type InvalidRouteError struct {
	Key     string // "" when the problem is the whole table
	Problem string
}

func (e *InvalidRouteError) Error() string {
	if e.Key == "" {
		return "route table: " + e.Problem
	}
	return fmt.Sprintf("route %q: %s", e.Key, e.Problem)
}

func kvsClassify(err error, op, arn string) error {
	return provision.Classify(err, op, kindRouteTable, arn)
}

// isConflict: the write's IfMatch was stale, another writer changed the store. AWS has
// been seen answering this two ways, both allowed by the SDK model for PutKey, DeleteKey
// and UpdateKeys: ConflictException, and ValidationException "Pre-Condition failed"
// (what SST's KVS writer retries on real AWS, anomalyco/sst
// pkg/server/resource/aws-kv-keys.go). Both mean: read the ETag again and retry.
func isConflict(err error) bool {
	var c *types.ConflictException
	if errors.As(err, &c) {
		return true
	}
	var v *types.ValidationException
	return errors.As(err, &v) && strings.Contains(strings.ToLower(v.ErrorMessage()), "pre-condition")
}

func isNotFound(err error) bool {
	var nf *types.ResourceNotFoundException
	return errors.As(err, &nf)
}

// conflictsExhausted is what Sync returns when other writers kept changing the store.
func conflictsExhausted(arn string, attempts int) error {
	return &provision.TransientError{Kind: kindRouteTable, Name: arn, Op: "write routes",
		Cause: fmt.Sprintf("the KeyValueStore changed under berth %d times in a row (a stale If-Match each time)", attempts)}
}
