package lambda

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
	"github.com/berth-dev/berth/internal/runtimes"
)

// Lambda@Edge limits berth sizes the body signer within: x86_64 only, no environment,
// origin-request functions time out after at most 30 s. Hashing a body of at most 1 MB
// needs little memory.
const (
	edgeMemoryMB   = 128
	edgeTimeoutSec = 5
)

// EdgeFunction provisions plan.KindEdgeFunctionVersion: the Lambda@Edge body signer,
// named r.Name in r.Region (us-east-1), published as a numbered version (Outputs
// VersionArn) for CloudFront to associate.
//
// The planner makes it shared (plan.Resource.Shared): one per account, tagged berth:shared,
// every app's Observe and Create finding the same function. Only an app's own signer from
// before sharing is ever deleted: that fails while CloudFront still holds replicas, which
// AWS removes asynchronously (up to hours) after the distribution drops the association;
// Delete returns *provision.TransientError then so the state machine retries later.
//
// Create refuses a runtime past Lambda's block-create date (internal/runtimes) rather
// than letting CreateFunction fail mid-deploy.
type EdgeFunction struct {
	clients ClientFactory
	source  func() string
	now     func() time.Time
}

// NewEdgeFunction returns the body signer provisioner; source returns the JavaScript
// (edge.BodySignerSource).
func NewEdgeFunction(clients ClientFactory, source func() string) *EdgeFunction {
	return &EdgeFunction{clients: clients, source: source, now: time.Now}
}

// desiredEdge is the body signer's wanted state.
type desiredEdge struct {
	props   plan.EdgeFunctionProps
	role    string
	zipped  []byte
	codeSha string // Lambda's CodeSha256 of zipped
}

func (e *EdgeFunction) desired(env provision.Env, r plan.Resource) (desiredEdge, error) {
	var d desiredEdge
	props, err := provision.Decode[plan.EdgeFunctionProps](r)
	if err != nil {
		return d, err
	}
	d.props = props
	src := e.source()
	if sum := sha256.Sum256([]byte(src)); d.props.CodeSHA256 != "" && hex.EncodeToString(sum[:]) != d.props.CodeSHA256 {
		// The plan was made for other code than this berth build would deploy.
		return d, &provision.PreconditionError{Kind: string(r.Kind), Name: r.Name, Problem: "plan codeSha256 " + d.props.CodeSHA256 + " does not match this berth build's body signer: plan again with this version"}
	}
	role, err := env.Refs.Resolve(d.props.Role)
	if err != nil {
		return d, err
	}
	d.role = role
	if d.zipped, err = packageSource(src); err != nil {
		return d, err
	}
	d.codeSha = codeSha256(d.zipped)
	return d, nil
}

// matches: a function configuration ($LATEST or a version) runs exactly d.
func (d desiredEdge) matches(cfg types.FunctionConfiguration) bool {
	return len(d.problems(cfg)) == 0
}

// problems lists the fields where cfg differs from d.
func (d desiredEdge) problems(cfg types.FunctionConfiguration) []provision.FieldDiff {
	var diffs []provision.FieldDiff
	if got := string(cfg.Runtime); got != d.props.Runtime {
		diffs = append(diffs, provision.FieldDiff{Field: "runtime", Desired: d.props.Runtime, Actual: got})
	}
	if got := aws.ToString(cfg.Role); got != d.role {
		diffs = append(diffs, provision.FieldDiff{Field: "role", Desired: d.role, Actual: got})
	}
	if got := aws.ToString(cfg.CodeSha256); got != d.codeSha {
		diffs = append(diffs, provision.FieldDiff{Field: "codeSha256", Desired: d.props.CodeSHA256 + " (zip " + d.codeSha + ")", Actual: "zip " + got})
	}
	return diffs
}

// liveEdge is the function and its published versions, newest first.
type liveEdge struct {
	fn       *awslambda.GetFunctionOutput
	versions []types.FunctionConfiguration
}

// current is the newest published version running d, or nil.
func (l liveEdge) current(d desiredEdge) *types.FunctionConfiguration {
	for i := range l.versions {
		if d.matches(l.versions[i]) {
			return &l.versions[i]
		}
	}
	return nil
}

// read loads the function and its versions; nil when it does not exist.
func (e *EdgeFunction) read(ctx context.Context, api API, r plan.Resource) (*liveEdge, error) {
	fn, err := lookupFunction(ctx, api, r.Name)
	if err != nil || fn == nil {
		return nil, err
	}
	live := &liveEdge{fn: fn}
	pages := awslambda.NewListVersionsByFunctionPaginator(api, &awslambda.ListVersionsByFunctionInput{FunctionName: aws.String(r.Name)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, v := range page.Versions {
			if aws.ToString(v.Version) != "$LATEST" {
				live.versions = append(live.versions, v)
			}
		}
	}
	slices.SortFunc(live.versions, func(a, b types.FunctionConfiguration) int { return versionNumber(b) - versionNumber(a) })
	return live, nil
}

func versionNumber(cfg types.FunctionConfiguration) int {
	n, _ := strconv.Atoi(aws.ToString(cfg.Version))
	return n
}

// Observe implements provision.Provisioner. Up to date means a published version runs the
// desired code, runtime and role; otherwise the fields are those $LATEST differs in, or
// "version" when $LATEST matches but was never published.
func (e *EdgeFunction) Observe(ctx context.Context, env provision.Env, r plan.Resource) (provision.Observation, error) {
	live, err := e.read(ctx, e.clients(regionOf(env, r)), r)
	if err != nil || live == nil {
		return provision.Observation{}, provision.ClassifyFor(err, "observe", r)
	}
	if !provision.Owned(env, r, live.fn.Tags) {
		return provision.NotOwnedObservation(env, r), nil
	}
	d, err := e.desired(env, r)
	if err != nil {
		return provision.Observation{}, err
	}
	latest := live.fn.Configuration
	obs := provision.Observation{Exists: true, Ready: ready(latest)}
	if v := live.current(d); v != nil {
		// CloudFront is given this numbered version, not $LATEST, and refuses it while it
		// is Pending (InvalidLambdaFunctionAssociation "The function must be in an Active
		// state", goldstack/goldstack#18): readiness is the version's own state, which
		// ListVersionsByFunction reports per version.
		obs.Ready = ready(v)
		obs.Outputs = edgeOutputs(aws.ToString(v.FunctionArn), aws.ToString(latest.FunctionName))
		return obs, nil
	}
	if obs.Diff = d.problems(*latest); len(obs.Diff) == 0 {
		obs.Diff = []provision.FieldDiff{{Field: "version", Desired: "a published version of the current code", Actual: "unpublished"}}
	}
	return obs, nil
}

// Create implements provision.Provisioner.
func (e *EdgeFunction) Create(ctx context.Context, env provision.Env, r plan.Resource) (provision.Outputs, error) {
	return e.apply(ctx, env, r, "create")
}

// Update implements provision.Provisioner.
func (e *EdgeFunction) Update(ctx context.Context, env provision.Env, r plan.Resource) (provision.Outputs, error) {
	return e.apply(ctx, env, r, "update")
}

func (e *EdgeFunction) apply(ctx context.Context, env provision.Env, r plan.Resource, op string) (provision.Outputs, error) {
	api := e.clients(regionOf(env, r))
	live, err := e.read(ctx, api, r)
	if err != nil {
		return nil, provision.ClassifyFor(err, op, r)
	}
	if live != nil && !provision.Owned(env, r, live.fn.Tags) {
		return nil, &provision.NotOwnedError{Kind: string(r.Kind), Name: r.Name}
	}
	d, err := e.desired(env, r)
	if err != nil {
		return nil, err
	}
	if live == nil {
		return e.create(ctx, env, r, api, d)
	}
	return e.converge(ctx, r, api, d, live)
}

// create makes the function and publishes version 1 in the same call.
func (e *EdgeFunction) create(ctx context.Context, env provision.Env, r plan.Resource, api API, d desiredEdge) (provision.Outputs, error) {
	if err := runtimes.Creatable(d.props.Runtime, e.now()); err != nil {
		// Lambda would refuse it with InvalidParameterValueException; say why first.
		return nil, &provision.PreconditionError{Kind: string(r.Kind), Name: r.Name, Problem: err.Error()}
	}
	in := &awslambda.CreateFunctionInput{
		FunctionName:  aws.String(r.Name),
		Runtime:       types.Runtime(d.props.Runtime),
		Role:          aws.String(d.role),
		Handler:       aws.String(edgeHandler),
		Code:          &types.FunctionCode{ZipFile: d.zipped},
		Architectures: []types.Architecture{types.ArchitectureX8664},
		MemorySize:    aws.Int32(edgeMemoryMB),
		Timeout:       aws.Int32(edgeTimeoutSec),
		Description:   aws.String(edgeDescription(d)),
		Publish:       true,
		Tags:          provision.Tags(env, r),
	}
	var res *awslambda.CreateFunctionOutput
	err := provision.Retry(ctx, func() (err error) {
		res, err = api.CreateFunction(ctx, in)
		return err
	})
	if err != nil {
		return nil, provision.ClassifyFor(err, "create", r)
	}
	return edgeOutputs(versionArn(aws.ToString(res.FunctionArn), aws.ToString(res.Version)), r.Name), nil
}

// converge publishes a version running d. A configuration change must finish before the
// code update or publish that follows it; while it is in progress the call ends with
// *provision.TransientError and the state machine calls again.
func (e *EdgeFunction) converge(ctx context.Context, r plan.Resource, api API, d desiredEdge, live *liveEdge) (provision.Outputs, error) {
	if v := live.current(d); v != nil {
		return edgeOutputs(aws.ToString(v.FunctionArn), r.Name), nil
	}
	latest := live.fn.Configuration
	if busy(latest) {
		return nil, inProgress(r, "an earlier change is still being applied")
	}
	diffs := d.problems(*latest)
	if hasField(diffs, "runtime") || hasField(diffs, "role") {
		res, err := api.UpdateFunctionConfiguration(ctx, &awslambda.UpdateFunctionConfigurationInput{
			FunctionName: aws.String(r.Name),
			Runtime:      types.Runtime(d.props.Runtime),
			Role:         aws.String(d.role),
			Description:  aws.String(edgeDescription(d)),
		})
		if err != nil {
			return nil, provision.ClassifyFor(err, "update configuration", r)
		}
		if res.LastUpdateStatus == types.LastUpdateStatusInProgress {
			return nil, inProgress(r, "configuration updated; a version is published once it is applied")
		}
	}
	if hasField(diffs, "codeSha256") {
		res, err := api.UpdateFunctionCode(ctx, &awslambda.UpdateFunctionCodeInput{FunctionName: aws.String(r.Name), ZipFile: d.zipped, Publish: true})
		if err != nil {
			return nil, provision.ClassifyFor(err, "update code", r)
		}
		return edgeOutputs(versionArn(aws.ToString(res.FunctionArn), aws.ToString(res.Version)), r.Name), nil
	}
	// CodeSha256 makes Lambda refuse to publish anything but the code checked above.
	res, err := api.PublishVersion(ctx, &awslambda.PublishVersionInput{FunctionName: aws.String(r.Name), CodeSha256: aws.String(d.codeSha), Description: aws.String(edgeDescription(d))})
	if err != nil {
		return nil, provision.ClassifyFor(err, "publish", r)
	}
	return edgeOutputs(versionArn(aws.ToString(res.FunctionArn), aws.ToString(res.Version)), r.Name), nil
}

// Delete implements provision.Provisioner: the function and all its versions.
func (e *EdgeFunction) Delete(ctx context.Context, env provision.Env, r plan.Resource) error {
	api := e.clients(regionOf(env, r))
	fn, err := lookupFunction(ctx, api, r.Name)
	if err != nil || fn == nil {
		return provision.ClassifyFor(err, "delete", r)
	}
	if !provision.Owned(env, r, fn.Tags) {
		return &provision.NotOwnedError{Kind: string(r.Kind), Name: r.Name}
	}
	_, err = api.DeleteFunction(ctx, &awslambda.DeleteFunctionInput{FunctionName: aws.String(r.Name)})
	switch {
	case err == nil, provision.IsNotFound(err):
		return nil
	case isReplicated(err):
		return &provision.TransientError{Kind: string(r.Kind), Name: r.Name, Op: "delete", Cause: "CloudFront still holds Lambda@Edge replicas of this function; AWS deletes them asynchronously (up to hours) after the distribution drops it: " + err.Error()}
	}
	return provision.ClassifyFor(err, "delete", r)
}

// isReplicated recognises Lambda's refusal to delete a function CloudFront still
// replicates ("... because it is a replicated function").
func isReplicated(err error) bool {
	return err != nil && strings.Contains(err.Error(), "replicated function")
}

// edgeDescription records the source hash on the function and its versions for people
// reading the console.
func edgeDescription(d desiredEdge) string {
	return "berth body signer (Lambda@Edge); source sha256 " + d.props.CodeSHA256
}

// versionArn qualifies a function ARN with a published version (CreateFunction with
// Publish may return either form).
func versionArn(arn, version string) string {
	base := unqualified(arn)
	if version == "" || version == "$LATEST" {
		return base
	}
	return base + ":" + version
}

func edgeOutputs(versionARN, name string) provision.Outputs {
	return provision.Outputs{plan.AttrArn: unqualified(versionARN), plan.AttrName: name, plan.AttrVersionArn: versionARN}
}

func hasField(diffs []provision.FieldDiff, field string) bool {
	return slices.ContainsFunc(diffs, func(d provision.FieldDiff) bool { return d.Field == field })
}
