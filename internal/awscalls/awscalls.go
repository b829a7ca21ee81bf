// Package awscalls counts the AWS API calls a deployment makes, split into mutating and
// read-only, by service and operation, through SDK middleware.
package awscalls

import (
	"context"
	"sort"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"
)

// readPrefixes are operation-name prefixes that never change anything.
var readPrefixes = []string{"Get", "List", "Describe", "Head", "Lookup", "Search", "Query", "Scan", "BatchGet", "Test", "Validate"}

// IsMutating reports whether an operation changes state in the account.
func IsMutating(operation string) bool {
	for _, p := range readPrefixes {
		if strings.HasPrefix(operation, p) {
			return false
		}
	}
	return true
}

// Counter accumulates calls. Safe for concurrent use.
type Counter struct {
	mu     sync.Mutex
	counts map[string]int // "service:operation"
}

// New returns an empty counter.
func New() *Counter { return &Counter{counts: map[string]int{}} }

// Attach makes every client built from cfg count its calls in c. Calls are counted once
// per API call (not per retry attempt).
func (c *Counter) Attach(cfg *aws.Config) {
	cfg.APIOptions = append(cfg.APIOptions, func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("berthCallCounter",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				c.Record(awsmiddleware.GetServiceID(ctx), awsmiddleware.GetOperationName(ctx))
				return next.HandleInitialize(ctx, in)
			}), middleware.After)
	})
}

// Record counts one call.
func (c *Counter) Record(service, operation string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.counts[service+":"+operation]++
}

// Op is one operation's count.
type Op struct {
	Service   string `json:"service"`
	Operation string `json:"operation"`
	Mutating  bool   `json:"mutating"`
	Count     int    `json:"count"`
}

// Summary is a deployment's call report.
type Summary struct {
	Mutating int  `json:"mutating"`
	Read     int  `json:"read"`
	Ops      []Op `json:"ops,omitempty"` // sorted by service, operation
}

// Summary returns the counts so far.
func (c *Counter) Summary() Summary {
	c.mu.Lock()
	defer c.mu.Unlock()
	var s Summary
	for k, n := range c.counts {
		svc, op, _ := strings.Cut(k, ":")
		o := Op{Service: svc, Operation: op, Mutating: IsMutating(op), Count: n}
		if o.Mutating {
			s.Mutating += n
		} else {
			s.Read += n
		}
		s.Ops = append(s.Ops, o)
	}
	sort.Slice(s.Ops, func(i, j int) bool {
		if s.Ops[i].Service != s.Ops[j].Service {
			return s.Ops[i].Service < s.Ops[j].Service
		}
		return s.Ops[i].Operation < s.Ops[j].Operation
	})
	return s
}

// Add merges another summary (from another Lambda invocation of the same deployment).
func (s Summary) Add(o Summary) Summary {
	m := map[string]Op{}
	for _, op := range append(append([]Op{}, s.Ops...), o.Ops...) {
		k := op.Service + ":" + op.Operation
		cur := m[k]
		op.Count += cur.Count
		m[k] = op
	}
	c := New()
	for k, op := range m {
		c.counts[k] = op.Count
	}
	return c.Summary()
}
