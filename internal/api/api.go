package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path"
	"regexp"
	"strings"
	"time"

	"github.com/awslabs/aws-lambda-go-api-proxy/core"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/stage"
	"github.com/berth-dev/berth/internal/state"
)

// MaxBody is the largest request body the API accepts (a config is a few KB; API Gateway
// itself would accept 10 MB).
const MaxBody = 256 << 10

// Error codes: the stable "code" of every error response (docs/openapi.yaml lists them).
const (
	CodeInvalidPath      = "invalid_path"       // 400: app, stage or deployment id malformed
	CodeInvalidQuery     = "invalid_query"      // 400: a query parameter is malformed (limit)
	CodeInvalidConfig    = "invalid_config"     // 400: the config does not validate; see errors
	CodeNameMismatch     = "name_mismatch"      // 400: the config's name is not the app in the path
	CodeInvalidSources   = "invalid_sources"    // 400: a sources request is malformed; see errors
	CodePayloadTooLarge  = "payload_too_large"  // 413: body over MaxBody
	CodeNotFound         = "not_found"          // 404: no such route, app/stage or deployment
	CodeMethodNotAllowed = "method_not_allowed" // 405: the route exists for other methods (see Allow)
	CodeInternal         = "internal"           // 500: anything else; details are in the function's log
)

// ErrorCodes are all error codes, for documentation checks.
var ErrorCodes = []string{CodeInvalidPath, CodeInvalidQuery, CodeInvalidConfig, CodeNameMismatch, CodeInvalidSources, CodePayloadTooLarge,
	CodeNotFound, CodeMethodNotAllowed, CodeInternal}

// Routes are all route patterns.
var Routes = []string{RoutePostDeployment, RouteListDeployments, RouteGetDeployment, RouteGetStage, RouteDeleteStage, RoutePostPlan, RouteGetLogs, RouteGetTimeline, RoutePostSources}

// StatusPending is the status the API reports for a deployment or removal it accepted
// that the workflow has not recorded yet. It is not a state.Status: the store never holds it.
const StatusPending = "PENDING"

// SourceAPI is the "source" of everything the API starts.
const SourceAPI = string(state.SourceAPI)

// ConfigBucket is the config bucket (S3ConfigBucket on AWS).
type ConfigBucket interface {
	stage.ConfigPutter
	// HeadConfig reads the newest version's user metadata and id; found is false when
	// the object does not exist.
	HeadConfig(ctx context.Context, key string) (metadata map[string]string, versionID string, found bool, err error)
}

// StateReader is the part of the state store the API reads (*state.Store satisfies it).
// Reads of something that does not exist return nil, nil.
type StateReader interface {
	GetDeployment(ctx context.Context, app, stage, id string) (*state.Deployment, error)
	ListDeployments(ctx context.Context, app, stage string, limit int) ([]state.Deployment, error)
	LoadApplied(ctx context.Context, app, stage string) (*state.Applied, error)
	LoadDrift(ctx context.Context, app, stage string) (*state.DriftReport, error)
	GetLock(ctx context.Context, app, stage string) (*state.Lock, error)
}

// IDGenerator makes deployment ids. Ids must match idPattern (they also name the remove
// execution, so at most 80 characters of [A-Za-z0-9_-]).
type IDGenerator interface{ NewID() string }

// Clock tells the time.
type Clock interface{ Now() time.Time }

// IDFunc adapts a function to IDGenerator.
type IDFunc func() string

// NewID implements IDGenerator.
func (f IDFunc) NewID() string { return f() }

// ClockFunc adapts a function to Clock.
type ClockFunc func() time.Time

// Now implements Clock.
func (f ClockFunc) Now() time.Time { return f() }

// Options are the API's dependencies. Configs, State and Remover are required.
type Options struct {
	Configs ConfigBucket
	State   StateReader
	Remover stage.RemoveStarter
	// Sources are the containers' src (POST .../sources, and the check that a posted
	// config's sources exist); required to deploy configs with src-only containers.
	Sources Sources
	IDs     IDGenerator // default RandomIDs
	Clock   Clock       // default the system clock, in UTC
	// Target is where plans are built for: berth's own region and account.
	Target plan.Target
	Log    *slog.Logger // default slog.Default()
	Logs   LogsClients  // the containers' CloudWatch Logs (GET .../logs)
	// MaxBody overrides MaxBody (tests); 0 means MaxBody.
	MaxBody int64
}

// Server is the API's http.Handler.
type Server struct {
	o   Options
	mux *http.ServeMux
}

// Route patterns (net/http ServeMux syntax).
const (
	RoutePostDeployment  = "POST /v1/apps/{app}/stages/{stage}/deployments"
	RouteListDeployments = "GET /v1/apps/{app}/stages/{stage}/deployments"
	RouteGetDeployment   = "GET /v1/apps/{app}/stages/{stage}/deployments/{id}"
	RouteGetStage        = "GET /v1/apps/{app}/stages/{stage}"
	RouteDeleteStage     = "DELETE /v1/apps/{app}/stages/{stage}"
	RoutePostPlan        = "POST /v1/apps/{app}/stages/{stage}/plan"
)

// New returns the API handler.
func New(o Options) *Server {
	if o.IDs == nil {
		o.IDs = RandomIDs{}
	}
	if o.Clock == nil {
		o.Clock = ClockFunc(func() time.Time { return time.Now().UTC() })
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.MaxBody <= 0 {
		o.MaxBody = MaxBody
	}
	s := &Server{o: o, mux: http.NewServeMux()}
	handlers := map[string]handler{
		RoutePostDeployment:  s.postDeployment,
		RouteListDeployments: s.listDeployments,
		RouteGetDeployment:   s.getDeployment,
		RouteGetStage:        s.getStage,
		RouteDeleteStage:     s.deleteStage,
		RoutePostPlan:        s.postPlan,
		RouteGetLogs:         s.getLogs,
		RouteGetTimeline:     s.getTimeline,
		RoutePostSources:     s.postSources,
	}
	if len(handlers) != len(Routes) {
		panic("api: Routes and the handlers disagree") // docs/openapi.yaml is checked against Routes
	}
	for _, pattern := range Routes {
		s.mux.Handle(pattern, s.wrap(pattern, handlers[pattern]))
	}
	return s
}

// ServeHTTP routes a request. Requests no route matches get the JSON error envelope
// too: 405 method_not_allowed (with Allow) when the path exists for other methods,
// else 404 not_found.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if p := r.URL.EscapedPath(); p != canonical(p) {
		// ServeMux would answer a 307 with an HTML body; an API client gets the envelope.
		s.finish(s.newCall(w, r, ""), nil, errorf(http.StatusBadRequest, CodeInvalidPath,
			"the path %q is not canonical: send it without \".\" or \"..\" segments and without \"//\"", clip(p)))
		return
	}
	h, pattern := s.mux.Handler(r)
	if pattern != "" {
		s.mux.ServeHTTP(w, r) // ServeHTTP, not h: it sets the path values
		return
	}
	// The mux's own fallback knows 404 from 405 and computes Allow; keep its verdict,
	// replace its plain-text body.
	probe := &probeWriter{header: http.Header{}}
	h.ServeHTTP(probe, r)
	c := s.newCall(w, r, "")
	var e *Error
	if probe.status == http.StatusMethodNotAllowed {
		w.Header().Set("Allow", probe.header.Get("Allow"))
		e = errorf(http.StatusMethodNotAllowed, CodeMethodNotAllowed, "%s is not allowed on %s; allowed: %s", clip(r.Method), clip(r.URL.Path), probe.header.Get("Allow"))
	} else {
		e = errorf(http.StatusNotFound, CodeNotFound, "no route %s %s; see docs/openapi.yaml", clip(r.Method), clip(r.URL.Path))
	}
	s.finish(c, nil, e)
}

// canonical is p as ServeMux cleans it (path.Clean, keeping a trailing slash): a path
// that differs would get the mux's redirect.
func canonical(p string) string {
	if p == "" {
		return "/"
	}
	if p[0] != '/' {
		p = "/" + p
	}
	c := path.Clean(p)
	if strings.HasSuffix(p, "/") && c != "/" {
		c += "/"
	}
	return c
}

// handler serves one route. It returns either a reply or an error; an error that is not
// an *Error is internal.
type handler func(c *call) (*reply, error)

// call is one request as a handler sees it.
type call struct {
	w          http.ResponseWriter
	r          *http.Request
	app, stage string
	requestID  string
	log        *slog.Logger
	start      time.Time
}

func (c *call) ctx() context.Context { return c.r.Context() }

// reply is a successful response.
type reply struct {
	status int
	body   any
	header http.Header
}

func ok(body any) *reply { return &reply{status: http.StatusOK, body: body} }

// Error is an error response: {"error": {"code", "message", "requestId", "errors"}}.
type Error struct {
	Status  int
	Code    string
	Message string
	// Errors lists config problems (invalid_config only).
	Errors []Diagnostic
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

func errorf(status int, code, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// Diagnostic is one config problem, as config.Load reports it.
type Diagnostic struct {
	Path    string `json:"path,omitempty"`
	Line    int    `json:"line,omitempty"`
	Column  int    `json:"column,omitempty"`
	Message string `json:"message"`
}

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code      string       `json:"code"`
	Message   string       `json:"message"`
	RequestID string       `json:"requestId,omitempty"`
	Errors    []Diagnostic `json:"errors,omitempty"`
}

// idPattern is a deployment id's shape; app and stage follow the config's rules
// (config.AppNameProblem, config.StageNameProblem), as the upload trigger does.
var idPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,79}$`)

func checkAppStage(app, stg string) *Error {
	if problem := config.AppNameProblem(app); problem != "" {
		return errorf(http.StatusBadRequest, CodeInvalidPath, "app %q %s", clip(app), problem)
	}
	if problem := config.StageNameProblem(stg); problem != "" {
		return errorf(http.StatusBadRequest, CodeInvalidPath, "stage %q %s", clip(stg), problem)
	}
	if a, st, ok := stage.ParseKey(stage.Key(app, stg)); !ok || a != app || st != stg {
		return errorf(http.StatusBadRequest, CodeInvalidPath, "%s/%s is not an app/stage berth can deploy", app, stg)
	}
	return nil
}

func checkID(id string) *Error {
	if !idPattern.MatchString(id) {
		return errorf(http.StatusBadRequest, CodeInvalidPath, "deployment id %q: use letters, digits, '-' and '_' (at most 80)", clip(id))
	}
	return nil
}

// clip bounds what of a malformed path parameter is echoed.
func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

func (s *Server) newCall(w http.ResponseWriter, r *http.Request, pattern string) *call {
	c := &call{w: w, r: r, app: r.PathValue("app"), stage: r.PathValue("stage"), start: s.o.Clock.Now()}
	attrs := []any{"method", r.Method, "path", r.URL.Path}
	if gw, ok := core.GetAPIGatewayV2ContextFromContext(r.Context()); ok {
		c.requestID = gw.RequestID
		if gw.Authorizer != nil && gw.Authorizer.IAM != nil {
			attrs = append(attrs, "caller", gw.Authorizer.IAM.UserARN)
		}
	}
	if c.requestID == "" {
		c.requestID = r.Header.Get("X-Request-Id")
	}
	attrs = append(attrs, "requestId", c.requestID, "route", pattern)
	if c.app != "" {
		attrs = append(attrs, "app", c.app, "stage", c.stage)
	}
	c.log = s.o.Log.With(attrs...)
	return c
}

// wrap turns a route handler into an http.Handler: path checks, panics, the JSON
// envelope and one log line per request.
func (s *Server) wrap(pattern string, h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := s.newCall(w, r, pattern)
		var rep *reply
		err := func() (err error) {
			defer func() {
				if p := recover(); p != nil {
					err = fmt.Errorf("panic: %v", p)
				}
			}()
			if e := checkAppStage(c.app, c.stage); e != nil {
				return e
			}
			rep, err = h(c)
			return err
		}()
		s.finish(c, rep, err)
	})
}

// finish writes the reply or the error and logs the request.
func (s *Server) finish(c *call, rep *reply, err error) {
	if err != nil {
		var e *Error
		if !errors.As(err, &e) {
			c.log.Error("internal error", "error", err.Error())
			e = errorf(http.StatusInternalServerError, CodeInternal, "internal error; the api function's log has the details under request id %q", c.requestID)
		}
		rep = &reply{status: e.Status, body: errorBody{Error: errorDetail{Code: e.Code, Message: e.Message, RequestID: c.requestID, Errors: e.Errors}}}
	}
	for k, v := range rep.header {
		c.w.Header()[k] = v
	}
	writeJSON(c.w, rep.status, rep.body)
	level := slog.LevelInfo
	if rep.status >= 500 {
		level = slog.LevelError
	}
	c.log.Log(c.ctx(), level, "request", "status", rep.status, "ms", s.o.Clock.Now().Sub(c.start).Milliseconds())
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	b, err := json.Marshal(body)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"error":{"code":"internal","message":"encoding the response failed"}}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// readBody reads the request body, refusing more than MaxBody bytes with 413.
func (s *Server) readBody(c *call) ([]byte, error) {
	tooLarge := errorf(http.StatusRequestEntityTooLarge, CodePayloadTooLarge, "the body is over %d bytes (a config is a few KB)", s.o.MaxBody)
	if c.r.ContentLength > s.o.MaxBody {
		return nil, tooLarge
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.w, c.r.Body, s.o.MaxBody))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return nil, tooLarge
	}
	if err != nil {
		return nil, fmt.Errorf("reading the body: %w", err)
	}
	return body, nil
}

// probeWriter captures the mux's fallback answer (status and Allow) without sending it.
type probeWriter struct {
	header http.Header
	status int
}

func (p *probeWriter) Header() http.Header { return p.header }

func (p *probeWriter) WriteHeader(status int) {
	if p.status == 0 {
		p.status = status
	}
}

func (p *probeWriter) Write(b []byte) (int, error) {
	p.WriteHeader(http.StatusOK)
	return len(b), nil
}
