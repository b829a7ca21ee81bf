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
// Deleting needs neither this build's code nor the role: a signer planned by an older
// build is deleted all the same.
//
// Create refuses a runtime past Lambda's block-create date (internal/runtimes) rather
// than letting CreateFunction fail mid-deploy.
type EdgeFunction struct {
	provision.Provisioner
	source func() string
	now    func() time.Time
}

// edgeCall is one verb's call on the body signer.
type edgeCall = provision.Call[API, plan.EdgeFunctionProps]

// NewEdgeFunction returns the body signer provisioner; source returns the JavaScript
// (edge.BodySignerSource).
func NewEdgeFunction(clients ClientFactory, source func() string) *EdgeFunction {
	e := &EdgeFunction{source: source, now: time.Now}
	e.Provisioner = provision.Adapt(provision.Kind[API, plan.EdgeFunctionProps, liveEdge]{
		Clients: clients,
		Find: func(ctx context.Context, c *edgeCall) (*liveEdge, error) {
			fn, err := c.API.GetFunction(ctx, &awslambda.GetFunctionInput{FunctionName: aws.String(c.R.Name)})
			if err != nil {
				return nil, err
			}
			return &liveEdge{fn: fn}, nil
		},
		Owned: func(c *edgeCall, l *liveEdge) bool { return provision.Owned(c.Env, c.R, l.fn.Tags) },
		Diff:  e.diff,
		// CloudFront is given the numbered version, not $LATEST, and refuses it while it
		// is Pending (InvalidLambdaFunctionAssociation "The function must be in an Active
		// state", goldstack/goldstack#18): readiness is the version's own state, which
		// ListVersionsByFunction reports per version.
		Ready: func(l *liveEdge) bool {
			if l.published != nil {
				return ready(l.published)
			}
			return ready(l.fn.Configuration)
		},
		Outputs: func(c *edgeCall, l *liveEdge) provision.Outputs {
			if l.published == nil {
				return nil
			}
			return edgeOutputs(aws.ToString(l.published.FunctionArn), c.R.Name)
		},
		Create:   e.create,
		Converge: e.converge,
		Remove:   removeEdge,
	})
	return e
}

// desiredEdge is the body signer's wanted state.
type desiredEdge struct {
	props   plan.EdgeFunctionProps
	role    string
	zipped  []byte
	codeSha string // Lambda's CodeSha256 of zipped
}

// desired is what creating and comparing need: this build's code, which must be what the
// plan was made for, packaged, and the role.
func (e *EdgeFunction) desired(c *edgeCall) (desiredEdge, error) {
	d := desiredEdge{props: c.Props}
	src := e.source()
	if sum := sha256.Sum256([]byte(src)); d.props.CodeSHA256 != "" && hex.EncodeToString(sum[:]) != d.props.CodeSHA256 {
		// The plan was made for other code than this berth build would deploy.
		return d, &provision.PreconditionError{Kind: string(c.R.Kind), Name: c.R.Name, Problem: "plan codeSha256 " + d.props.CodeSHA256 + " does not match this berth build's body signer: plan again with this version"}
	}
	role, err := c.Env.Refs.Resolve(d.props.Role)
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
func (d desiredEdge) problems(cfg types.FunctionConfiguration) provision.Diffs {
	var diffs provision.Diffs
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

// liveEdge is the function; Diff adds its published versions, newest first, and the
// newest running the desired code (nil when none does).
type liveEdge struct {
	fn        *awslambda.GetFunctionOutput
	versions  []types.FunctionConfiguration
	published *types.FunctionConfiguration
}

// readVersions loads the function's published versions, newest first.
func (l *liveEdge) readVersions(ctx context.Context, c *edgeCall) error {
	pages := awslambda.NewListVersionsByFunctionPaginator(c.API, &awslambda.ListVersionsByFunctionInput{FunctionName: aws.String(c.R.Name)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return err
		}
		for _, v := range page.Versions {
			if aws.ToString(v.Version) != "$LATEST" {
				l.versions = append(l.versions, v)
			}
		}
	}
	slices.SortFunc(l.versions, func(a, b types.FunctionConfiguration) int { return versionNumber(b) - versionNumber(a) })
	return nil
}

// current is the newest published version running d, or nil.
func (l *liveEdge) current(d desiredEdge) *types.FunctionConfiguration {
	for i := range l.versions {
		if d.matches(l.versions[i]) {
			return &l.versions[i]
		}
	}
	return nil
}

func versionNumber(cfg types.FunctionConfiguration) int {
	n, _ := strconv.Atoi(aws.ToString(cfg.Version))
	return n
}

// diff reads the published versions (only comparing needs them) and keeps the one running
// the desired code, runtime and role: up to date means there is one; otherwise the fields
// are those $LATEST differs in, or "version" when $LATEST matches but was never published.
func (e *EdgeFunction) diff(ctx context.Context, c *edgeCall, live *liveEdge) (provision.Diffs, error) {
	if err := live.readVersions(ctx, c); err != nil {
		return nil, err
	}
	d, err := e.desired(c)
	if err != nil {
		return nil, err
	}
	if live.published = live.current(d); live.published != nil {
		return nil, nil
	}
	if diffs := d.problems(*live.fn.Configuration); len(diffs) > 0 {
		return diffs, nil
	}
	return provision.Diffs{{Field: "version", Desired: "a published version of the current code", Actual: "unpublished"}}, nil
}

// create makes the function and publishes version 1 in the same call.
func (e *EdgeFunction) create(ctx context.Context, c *edgeCall) (provision.Outputs, error) {
	r := c.R
	d, err := e.desired(c)
	if err != nil {
		return nil, err
	}
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
		Tags:          provision.Tags(c.Env, r),
	}
	var res *awslambda.CreateFunctionOutput
	err = provision.Retry(ctx, func() (err error) {
		res, err = c.API.CreateFunction(ctx, in)
		return err
	})
	if err != nil {
		return nil, provision.ClassifyFor(err, "create", r)
	}
	return edgeOutputs(versionArn(aws.ToString(res.FunctionArn), aws.ToString(res.Version)), r.Name), nil
}

// converge publishes a version running the desired code, no published one doing so. A
// configuration change must finish before the code update or publish that follows it;
// while it is in progress the call ends with *provision.TransientError and the state
// machine calls again.
func (e *EdgeFunction) converge(ctx context.Context, c *edgeCall, live *liveEdge, diffs provision.Diffs) (provision.Outputs, error) {
	r, api := c.R, c.API
	latest := live.fn.Configuration
	if busy(latest) {
		return nil, inProgress(r, "an earlier change is still being applied")
	}
	d, err := e.desired(c)
	if err != nil {
		return nil, err
	}
	if diffs.Has("runtime") || diffs.Has("role") {
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
	if diffs.Has("codeSha256") {
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

// removeEdge deletes the function and all its versions.
func removeEdge(ctx context.Context, c *edgeCall, _ *liveEdge) error {
	_, err := c.API.DeleteFunction(ctx, &awslambda.DeleteFunctionInput{FunctionName: aws.String(c.R.Name)})
	if isReplicated(err) {
		return &provision.TransientError{Kind: string(c.R.Kind), Name: c.R.Name, Op: "delete", Cause: "CloudFront still holds Lambda@Edge replicas of this function; AWS deletes them asynchronously (up to hours) after the distribution drops it: " + err.Error()}
	}
	return err
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
