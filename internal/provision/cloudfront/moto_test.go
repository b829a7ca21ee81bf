package cloudfront

import (
	"context"
	"encoding/json"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/berth-dev/berth/internal/awscalls"
	"github.com/berth-dev/berth/internal/motoserver"
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// motoClients returns a CloudFront client for the provisioner (its calls counted, and
// wrapped in motoCloudFront), the counter, and an uncounted raw client for setting up
// foreign resources and out-of-band changes.
func motoClients(t *testing.T) (*motoCloudFront, *awscalls.Counter, *sdk.Client) {
	t.Helper()
	ctx := context.Background()
	counter := awscalls.New()
	cfg, err := motoserver.Shared.AWSConfig(ctx, plan.EdgeRegion)
	if err != nil {
		t.Fatal(err)
	}
	rawCfg := cfg.Copy()
	counter.Attach(&cfg)
	raw := sdk.NewFromConfig(rawCfg)
	return &motoCloudFront{Client: sdk.NewFromConfig(cfg), raw: raw, assoc: map[string]associations{}}, counter, raw
}

// motoCloudFront puts back what moto 5.2.1 drops from distributions, so the rest of the
// provisioner runs against moto:
//   - FunctionAssociations and LambdaFunctionAssociations: moto's DefaultCacheBehaviour
//     hard-codes both to Quantity 0 (moto/cloudfront/models.py), so every read would
//     report the router and the body signer missing;
//   - DistributionSummary.Comment in ListDistributions: moto serialises its Distribution
//     object, whose comment lives only inside its config, so a lookup by comment would
//     find nothing.
//
// It restores only what the provisioner itself wrote (associations) or what moto stores
// elsewhere (the comment). What AWS enforces and moto does not (ETags, disable before
// delete, deployment time) is covered with the fake in distribution_fake_test.go.
type motoCloudFront struct {
	*sdk.Client
	raw   *sdk.Client
	mu    sync.Mutex
	assoc map[string]associations // by distribution id
}

type associations struct {
	functions *types.FunctionAssociations
	lambdas   *types.LambdaFunctionAssociations
}

func (m *motoCloudFront) remember(id string, c *types.DistributionConfig) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if c != nil && c.DefaultCacheBehavior != nil {
		m.assoc[id] = associations{c.DefaultCacheBehavior.FunctionAssociations, c.DefaultCacheBehavior.LambdaFunctionAssociations}
	}
}

func (m *motoCloudFront) restore(id string, c *types.DistributionConfig) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if a, ok := m.assoc[id]; ok && c != nil && c.DefaultCacheBehavior != nil {
		c.DefaultCacheBehavior.FunctionAssociations = a.functions
		c.DefaultCacheBehavior.LambdaFunctionAssociations = a.lambdas
	}
}

func (m *motoCloudFront) CreateDistributionWithTags(ctx context.Context, in *sdk.CreateDistributionWithTagsInput, opt ...func(*sdk.Options)) (*sdk.CreateDistributionWithTagsOutput, error) {
	out, err := m.Client.CreateDistributionWithTags(ctx, in, opt...)
	if err == nil {
		m.remember(aws.ToString(out.Distribution.Id), in.DistributionConfigWithTags.DistributionConfig)
		m.restore(aws.ToString(out.Distribution.Id), out.Distribution.DistributionConfig)
	}
	return out, err
}

func (m *motoCloudFront) UpdateDistribution(ctx context.Context, in *sdk.UpdateDistributionInput, opt ...func(*sdk.Options)) (*sdk.UpdateDistributionOutput, error) {
	out, err := m.Client.UpdateDistribution(ctx, in, opt...)
	if err == nil {
		m.remember(aws.ToString(in.Id), in.DistributionConfig)
		m.restore(aws.ToString(in.Id), out.Distribution.DistributionConfig)
	}
	return out, err
}

func (m *motoCloudFront) GetDistribution(ctx context.Context, in *sdk.GetDistributionInput, opt ...func(*sdk.Options)) (*sdk.GetDistributionOutput, error) {
	out, err := m.Client.GetDistribution(ctx, in, opt...)
	if err == nil {
		m.restore(aws.ToString(in.Id), out.Distribution.DistributionConfig)
	}
	return out, err
}

func (m *motoCloudFront) GetDistributionConfig(ctx context.Context, in *sdk.GetDistributionConfigInput, opt ...func(*sdk.Options)) (*sdk.GetDistributionConfigOutput, error) {
	out, err := m.Client.GetDistributionConfig(ctx, in, opt...)
	if err == nil {
		m.restore(aws.ToString(in.Id), out.DistributionConfig)
	}
	return out, err
}

func (m *motoCloudFront) ListDistributions(ctx context.Context, in *sdk.ListDistributionsInput, opt ...func(*sdk.Options)) (*sdk.ListDistributionsOutput, error) {
	out, err := m.Client.ListDistributions(ctx, in, opt...)
	if err != nil || out.DistributionList == nil {
		return out, err
	}
	for i := range out.DistributionList.Items {
		s := &out.DistributionList.Items[i]
		if aws.ToString(s.Comment) == "" {
			c, err := m.raw.GetDistributionConfig(ctx, &sdk.GetDistributionConfigInput{Id: s.Id})
			if err != nil {
				return nil, err
			}
			s.Comment = c.DistributionConfig.Comment
		}
	}
	return out, nil
}

// loopingDelete runs Delete the way the state machine does: again after every
// TransientError saying the distribution is still being disabled. provtest.Lifecycle
// calls Delete once and expects the resource gone.
type loopingDelete struct{ provision.Provisioner }

func (p loopingDelete) Delete(ctx context.Context, env provision.Env, r plan.Resource) error {
	for i := 0; ; i++ {
		err := p.Provisioner.Delete(ctx, env, r)
		te, ok := err.(*provision.TransientError)
		if !ok || te.Cause != DisablingCause || i == 10 {
			return err
		}
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
