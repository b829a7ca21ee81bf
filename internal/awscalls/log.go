package awscalls

import (
	"context"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"
)

type functionKey struct{}

// WithFunction marks ctx as running inside the named Lambda function, so a Log can tell
// whose permissions a call is made with.
func WithFunction(ctx context.Context, function string) context.Context {
	return context.WithValue(ctx, functionKey{}, function)
}

// FunctionFrom returns the function ctx was marked with, "" if none.
func FunctionFrom(ctx context.Context) string {
	s, _ := ctx.Value(functionKey{}).(string)
	return s
}

// Call is one AWS API call as made: by which function, to which service and operation,
// in which region, with which input (the SDK's *XxxInput).
type Call struct {
	Function  string
	Service   string // SDK service id, e.g. "Lambda", "CloudFront KeyValueStore"
	Operation string
	Region    string
	Input     any
}

// Log keeps every call made with a function's context (calls without one, such as a test
// harness's own, are not kept). Safe for concurrent use.
type Log struct {
	mu    sync.Mutex
	calls []Call
}

// Attach makes every client built from cfg log its calls in l, once per API call.
func (l *Log) Attach(cfg *aws.Config) {
	cfg.APIOptions = append(cfg.APIOptions, func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("berthCallLog",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				if fn := FunctionFrom(ctx); fn != "" {
					l.mu.Lock()
					l.calls = append(l.calls, Call{Function: fn, Service: awsmiddleware.GetServiceID(ctx),
						Operation: awsmiddleware.GetOperationName(ctx), Region: awsmiddleware.GetRegion(ctx), Input: in.Parameters})
					l.mu.Unlock()
				}
				return next.HandleInitialize(ctx, in)
			}), middleware.After)
	})
}

// Calls returns the calls logged so far, in order.
func (l *Log) Calls() []Call {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Call(nil), l.calls...)
}
