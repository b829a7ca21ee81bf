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
	arn   string
	etag  string // DEVELOPMENT ETag: what UpdateFunction, PublishFunction and DeleteFunction need
	owned bool
	dev   fnState
	live  *fnState // nil until published
}

// read returns the function named r.Name (nil when there is none). With stages, it also
// reads both stages' code and config; without, only the ETag and ownership (for delete).
func (f *Function) read(ctx context.Context, env provision.Env, r plan.Resource, stages bool) (*fnLive, error) {
	dev, etag, err := f.describe(ctx, r, types.FunctionStageDevelopment)
	if err != nil || dev == nil {
		return nil, err
	}
	l := &fnLive{arn: aws.ToString(dev.FunctionMetadata.FunctionARN), etag: etag}
	if l.owned, err = edgeOwned(ctx, f.api, env, r, kindFunction, l.arn); err != nil {
		return nil, err
	}
	if !l.owned || !stages {
		return l, nil
	}
	if l.dev, err = f.stage(ctx, r, dev, types.FunctionStageDevelopment); err != nil {
		return nil, err
	}
	live, _, err := f.describe(ctx, r, types.FunctionStageLive)
	if err != nil || live == nil {
		return l, err
	}
	st, err := f.stage(ctx, r, live, types.FunctionStageLive)
	if err != nil {
		return nil, err
	}
	l.live = &st
	return l, nil
}

// describe returns a stage's summary and ETag; nil when the function or stage is missing.
func (f *Function) describe(ctx context.Context, r plan.Resource, stage types.FunctionStage) (*types.FunctionSummary, string, error) {
	out, err := f.api.DescribeFunction(ctx, &sdk.DescribeFunctionInput{Name: aws.String(r.Name), Stage: stage})
	var nf *types.NoSuchFunctionExists
	if errors.As(err, &nf) {
		return nil, "", nil
	}
	if err != nil {
		return nil, "", edgeClassify(err, "describe", kindFunction, r.Name)
	}
	return out.FunctionSummary, aws.ToString(out.ETag), nil
}

// stage completes a stage's summary with its code.
func (f *Function) stage(ctx context.Context, r plan.Resource, s *types.FunctionSummary, stage types.FunctionStage) (fnState, error) {
	out, err := f.api.GetFunction(ctx, &sdk.GetFunctionInput{Name: aws.String(r.Name), Stage: stage})
	if err != nil {
		return fnState{}, edgeClassify(err, "get code", kindFunction, r.Name)
	}
	st := fnState{hash: codeHash(out.FunctionCode)}
	if c := s.FunctionConfig; c != nil {
		st.runtime = string(c.Runtime)
		if a := c.KeyValueStoreAssociations; a != nil && len(a.Items) > 0 {
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
