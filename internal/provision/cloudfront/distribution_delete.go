package cloudfront

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/cloudfront"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// DisablingCause is the TransientError cause Delete returns while the distribution is
// being disabled.
const DisablingCause = "distribution disabling; waiting until Deployed"

// remove deletes the distribution. CloudFront deletes only a distribution that is
// disabled and fully deployed, and disabling takes minutes, so Delete is a step the state
// machine repeats until it returns nil:
//
//  1. gone (never created, or deleted by an earlier call) → nil.
//  2. not berth's → *provision.NotOwnedError; nothing is changed.
//  3. enabled → UpdateDistribution with Enabled=false (IfMatch the ETag just read; one
//     re-read and retry on PreconditionFailed), then *provision.TransientError{Op:
//     "delete", Cause: DisablingCause}.
//  4. disabled but Status InProgress → the same TransientError, no write.
//  5. disabled and Status Deployed → DeleteDistribution with the ETag just read (one
//     re-read and retry on PreconditionFailed) → nil.
//
// The adapter settles 1 and 2 from its lookup; a retry after a stale ETag looks up again.
// The workflow loops Delete → (TransientError) → Wait → Delete until nil; every pass
// reads first, so a pass that fails or is repeated is harmless.
func (d *Distribution) remove(ctx context.Context, c *distCall, l *live) error {
	r, again := c.R, false
	err := withFreshETag(func() error {
		if again {
			var err error
			if l, err = d.find(ctx, c.Env, r); err != nil || l == nil {
				return err
			}
			if !l.owned {
				return c.NotOwned()
			}
		}
		again = true
		return d.deleteStep(ctx, r, l)
	})
	switch provision.ErrorCode(err) {
	case "NoSuchDistribution":
		return nil
	case "DistributionNotDisabled":
		// Re-enabled by someone between the read and the delete: start over next pass.
		return waiting(r)
	}
	return provision.Classify(err, "delete", kindDistribution, r.Name)
}

// deleteStep runs steps 3–5 above on l, a distribution berth owns; AWS errors come back
// raw so remove can retry a stale ETag.
func (d *Distribution) deleteStep(ctx context.Context, r plan.Resource, l *live) error {
	// AWS's deletion procedure takes the IfMatch value from GetDistributionConfig, read
	// right before the write; find's GetDistribution supplied the status.
	cur, err := d.api.GetDistributionConfig(ctx, &sdk.GetDistributionConfigInput{Id: aws.String(l.id)})
	if err != nil {
		return err
	}
	if aws.ToBool(cur.DistributionConfig.Enabled) {
		cur.DistributionConfig.Enabled = aws.Bool(false)
		_, err := d.api.UpdateDistribution(ctx, &sdk.UpdateDistributionInput{
			Id: aws.String(l.id), IfMatch: cur.ETag, DistributionConfig: cur.DistributionConfig,
		})
		if err != nil {
			return err
		}
		return waiting(r)
	}
	if aws.ToString(l.dist.Status) != "Deployed" {
		return waiting(r)
	}
	_, err = d.api.DeleteDistribution(ctx, &sdk.DeleteDistributionInput{Id: aws.String(l.id), IfMatch: cur.ETag})
	return err
}

func waiting(r plan.Resource) error {
	return &provision.TransientError{Kind: kindDistribution, Name: r.Name, Op: "delete", Cause: DisablingCause}
}
