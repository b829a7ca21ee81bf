// Package localrun is berth's local runtime: a real moto_server, berth's own resources
// created in it (buckets, table, the real state machines), the real handlers served
// in-process for moto's Lambda invokes, and deployments driven end to end.
package localrun

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"reflect"
	"strings"
	"sync"

	"github.com/berth-dev/berth/internal/awscalls"
)

// Handler is one Lambda function's handler (aws-lambda-go's lambda.Handler shape).
type Handler interface {
	Invoke(ctx context.Context, payload []byte) ([]byte, error)
}

// EdgeFake serves the AWS APIs moto lacks (CloudFront Functions, KeyValueStore).
type EdgeFake interface {
	http.Handler
	Handles(r *http.Request) bool
}

// InjectedFault is the error the router returns for a --fail-at invocation. It is a
// terminal error (no Retry matches it), so the state machine compensates.
type InjectedFault struct {
	Function string
	N        int
}

func (e *InjectedFault) Error() string {
	return fmt.Sprintf("fault injected by the local runtime: invocation %d of %s", e.N, e.Function)
}

// LambdaTimeout is how Lambda answers for a function that ran past its timeout: the
// response's errorType is "Sandbox.Timedout" in newer runtimes (provided.al2023), which
// Step Functions reports as the error name
// (https://docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html).
type LambdaTimeout struct {
	Function string
	N        int
}

func (e *LambdaTimeout) Error() string {
	return fmt.Sprintf("Task timed out (injected by the local runtime after the handler ran): invocation %d of %s", e.N, e.Function)
}

// ErrorType is the errorType Lambda reports (no Go type name can hold the dot).
func (e *LambdaTimeout) ErrorType() string { return "Sandbox.Timedout" }

// Router is the endpoint moto's Step Functions interpreter invokes Lambdas on (moto sends
// them to localhost:$MOTO_PORT). It runs berth's handlers in-process and forwards every
// other AWS call to moto, or to the edge fake.
type Router struct {
	functions map[string]Handler
	moto      *httputil.ReverseProxy
	edge      EdgeFake

	dynamo sync.Mutex // serializes DynamoDB requests (see ServeHTTP)
	mu     sync.Mutex
	counts map[string]int
	faults map[string]int // function → invocation number to fail
	// timeouts are functions whose next invocation runs and then times out (once).
	timeouts map[string]bool
	Invoked  func(function string, n int, payload []byte, err error)
}

// NewRouter builds a router over the given handlers (keyed by function name as deployed,
// e.g. "berth-validate").
func NewRouter(functions map[string]Handler, motoEndpoint string, edge EdgeFake) (*Router, error) {
	u, err := url.Parse(motoEndpoint)
	if err != nil {
		return nil, err
	}
	return &Router{functions: functions, moto: httputil.NewSingleHostReverseProxy(u), edge: edge,
		counts: map[string]int{}, faults: map[string]int{}, timeouts: map[string]bool{}}, nil
}

// FailAt makes the n-th invocation (1-based) of function fail with *InjectedFault.
func (r *Router) FailAt(function string, n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.faults[function] = n
}

// TimeOutNext makes the next invocation of function run its handler and then answer as
// Lambda does when a function times out: the work may be done, the caller cannot know.
// ClearFaults keeps it.
func (r *Router) TimeOutNext(function string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.timeouts[function] = true
}

// ClearFaults removes every injected fault and resets invocation counts.
func (r *Router) ClearFaults() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.faults, r.counts = map[string]int{}, map[string]int{}
}

func (r *Router) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if name, ok := invocationTarget(req.URL.Path); ok {
		r.invoke(w, req, name)
		return
	}
	if r.edge != nil && r.edge.Handles(req) {
		r.edge.ServeHTTP(w, req)
		return
	}
	if strings.HasPrefix(req.Header.Get("X-Amz-Target"), "DynamoDB_") {
		// moto evaluates conditional writes non-atomically under concurrent requests;
		// real DynamoDB applies each write atomically. One DynamoDB request at a time
		// restores that guarantee, which berth's lock relies on.
		r.dynamo.Lock()
		defer r.dynamo.Unlock()
	}
	r.moto.ServeHTTP(w, req)
}

// invocationTarget extracts the function name from /2015-03-31/functions/{name}/invocations;
// moto passes the full ARN, URL-encoded.
func invocationTarget(path string) (string, bool) {
	rest, ok := strings.CutPrefix(path, "/2015-03-31/functions/")
	if !ok {
		return "", false
	}
	name, ok := strings.CutSuffix(rest, "/invocations")
	if !ok {
		return "", false
	}
	if dec, err := url.PathUnescape(name); err == nil {
		name = dec
	}
	if i := strings.LastIndex(name, ":function:"); i >= 0 {
		name = name[i+len(":function:"):]
	}
	return name, true
}

func (r *Router) invoke(w http.ResponseWriter, req *http.Request, name string) {
	r.mu.Lock()
	h, ok := r.functions[name]
	r.mu.Unlock()
	if !ok {
		// Not one of berth's functions: let moto answer (it knows no such function).
		r.moto.ServeHTTP(w, req)
		return
	}
	payload, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	r.counts[name]++
	n := r.counts[name]
	fail := r.faults[name] == n
	timeout := !fail && r.timeouts[name]
	delete(r.timeouts, name)
	r.mu.Unlock()

	var out []byte
	var err error
	if fail {
		err = &InjectedFault{Function: name, N: n}
	} else {
		// Marks the calls the handler makes as this function's (whose policies apply).
		out, err = h.Invoke(awscalls.WithFunction(req.Context(), name), payload)
		if timeout {
			err = &LambdaTimeout{Function: name, N: n}
		}
	}
	if r.Invoked != nil {
		r.Invoked(name, n, payload, err)
	}
	if err != nil {
		writeFunctionError(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(out)
}

// writeFunctionError answers as Lambda does for an unhandled function error: 200 with
// X-Amz-Function-Error and {errorType, errorMessage}, errorType being the Go type name as
// aws-lambda-go reports it (so the ASL's ErrorEquals match the same names as on AWS).
func writeFunctionError(w http.ResponseWriter, err error) {
	body, _ := json.Marshal(map[string]string{"errorType": errorType(err), "errorMessage": err.Error()})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amz-Function-Error", "Unhandled")
	_, _ = io.Copy(w, bytes.NewReader(body))
}

func errorType(err error) string {
	if e, ok := err.(interface{ ErrorType() string }); ok {
		return e.ErrorType()
	}
	t := reflect.TypeOf(err)
	if t.Kind() == reflect.Ptr {
		return t.Elem().Name()
	}
	return t.Name()
}

// SetFunctions installs the handlers (keyed by deployed function name).
func (r *Router) SetFunctions(functions map[string]Handler) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.functions = functions
}
