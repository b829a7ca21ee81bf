package cloudfront

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/berth-dev/berth/internal/edge"
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// fnState is one stage of the router, or the desired router: what Observe compares.
type fnState struct {
	runtime string
	kvsARN  string // the associated store, "" when none
	code    string // the source (desired state only); stages compare by hash
	hash    string // hex SHA-256 of code
}

func (s fnState) equal(o fnState) bool {
	return s.runtime == o.runtime && s.kvsARN == o.kvsARN && s.hash == o.hash
}

func (s fnState) config(comment string) *types.FunctionConfig {
	c := &types.FunctionConfig{Comment: aws.String(comment), Runtime: types.FunctionRuntime(s.runtime)}
	if s.kvsARN != "" {
		c.KeyValueStoreAssociations = &types.KeyValueStoreAssociations{
			Quantity: aws.Int32(1),
			Items:    []types.KeyValueStoreAssociation{{KeyValueStoreARN: aws.String(s.kvsARN)}},
		}
	}
	return c
}

// functionWant renders the router for r: the store ARN comes from the KeyValueStore ref.
func functionWant(env provision.Env, r plan.Resource) (fnState, error) {
	p, err := provision.Decode[plan.CloudFrontFunctionProps](r)
	if err != nil {
		return fnState{}, err
	}
	arn, err := env.Refs.Resolve(p.KeyValueStore)
	if err != nil {
		return fnState{}, err
	}
	code, err := edge.RenderRouter(edge.RouterParams{KeyValueStoreARN: arn, HostRouting: p.HostRouting, ALBOriginID: p.ALBOriginID})
	if err != nil {
		return fnState{}, &provision.PreconditionError{Kind: kindFunction, Name: r.Name, Problem: err.Error()}
	}
	runtime := p.Runtime
	if runtime == "" {
		runtime = edge.RouterRuntime
	}
	return fnState{runtime: runtime, kvsARN: arn, code: code, hash: codeHash([]byte(code))}, nil
}

func codeHash(code []byte) string {
	sum := sha256.Sum256(code)
	return hex.EncodeToString(sum[:])
}

// fnLive is a function that exists, as read.
type fnLive struct {
	arn        string
	etag       string // DEVELOPMENT ETag: what UpdateFunction, PublishFunction and DeleteFunction need
	owned      bool
	devSummary *types.FunctionSummary
	dev        fnState  // set by readStages
	live       *fnState // set by readStages; nil until published
}

// readFunction returns the function named r.Name (nil when there is none): its ARN,
// DEVELOPMENT ETag and ownership. readStages adds both stages' code and config.
func readFunction(ctx context.Context, c *fnCall) (*fnLive, error) {
	dev, etag, err := describeStage(ctx, c, types.FunctionStageDevelopment)
	if err != nil || dev == nil {
		return nil, err
	}
	l := &fnLive{arn: aws.ToString(dev.FunctionMetadata.FunctionARN), etag: etag, devSummary: dev}
	if l.owned, err = edgeOwned(ctx, c.API, c.Env, c.R, kindFunction, l.arn); err != nil {
		return nil, err
	}
	return l, nil
}

// readStages completes l, a function berth owns, with both stages.
func readStages(ctx context.Context, c *fnCall, l *fnLive) error {
	var err error
	if l.dev, err = stageState(ctx, c, l.devSummary, types.FunctionStageDevelopment); err != nil {
		return err
	}
	live, _, err := describeStage(ctx, c, types.FunctionStageLive)
	if err != nil || live == nil {
		return err
	}
	st, err := stageState(ctx, c, live, types.FunctionStageLive)
	if err != nil {
		return err
	}
	l.live = &st
	return nil
}

// describeStage returns a stage's summary and ETag; nil when the function or stage is
// missing.
func describeStage(ctx context.Context, c *fnCall, stage types.FunctionStage) (*types.FunctionSummary, string, error) {
	out, err := c.API.DescribeFunction(ctx, &sdk.DescribeFunctionInput{Name: aws.String(c.R.Name), Stage: stage})
	var nf *types.NoSuchFunctionExists
	if errors.As(err, &nf) {
		return nil, "", nil
	}
	if err != nil {
		return nil, "", edgeClassify(err, "describe", kindFunction, c.R.Name)
	}
	return out.FunctionSummary, aws.ToString(out.ETag), nil
}

// stageState completes a stage's summary with its code.
func stageState(ctx context.Context, c *fnCall, s *types.FunctionSummary, stage types.FunctionStage) (fnState, error) {
	out, err := c.API.GetFunction(ctx, &sdk.GetFunctionInput{Name: aws.String(c.R.Name), Stage: stage})
	if err != nil {
		return fnState{}, edgeClassify(err, "get code", kindFunction, c.R.Name)
	}
	st := fnState{hash: codeHash(out.FunctionCode)}
	if cfg := s.FunctionConfig; cfg != nil {
		st.runtime = string(cfg.Runtime)
		if a := cfg.KeyValueStoreAssociations; a != nil && len(a.Items) > 0 {
			st.kvsARN = aws.ToString(a.Items[0].KeyValueStoreARN)
		}
	}
	return st, nil
}

// diff compares LIVE with want, using the props' field names; the code shows as its
// SHA-256. "stage" reports a function that is not (entirely) published.
func (l *fnLive) diff(want fnState) []provision.FieldDiff {
	if l.live == nil {
		return []provision.FieldDiff{{Field: "stage", Desired: "LIVE", Actual: "DEVELOPMENT only (never published)"}}
	}
	var d []provision.FieldDiff
	d = addDiff(d, "codeSha256", want.hash, l.live.hash)
	d = addDiff(d, "runtime", want.runtime, l.live.runtime)
	d = addDiff(d, "keyValueStore", want.kvsARN, l.live.kvsARN)
	if !l.dev.equal(*l.live) {
		d = append(d, provision.FieldDiff{Field: "stage", Desired: "LIVE equal to DEVELOPMENT", Actual: "DEVELOPMENT has unpublished changes"})
	}
	return d
}

// ready: published, and nothing left unpublished.
func (l *fnLive) ready() bool { return l.live != nil && l.dev.equal(*l.live) }

func (l *fnLive) outputs() provision.Outputs {
	if l.live == nil {
		return functionOutputs(l.arn, string(types.FunctionStageDevelopment))
	}
	return functionOutputs(l.arn, string(types.FunctionStageLive))
}
