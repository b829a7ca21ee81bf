package cloudfront

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/cloudfront"

	"github.com/berth-dev/berth/internal/provision"
)

// DistributionAPI is the part of the CloudFront control plane the distribution
// provisioner calls. *cloudfront.Client satisfies it.
type DistributionAPI interface {
	CreateDistributionWithTags(ctx context.Context, in *sdk.CreateDistributionWithTagsInput, optFns ...func(*sdk.Options)) (*sdk.CreateDistributionWithTagsOutput, error)
	GetDistribution(ctx context.Context, in *sdk.GetDistributionInput, optFns ...func(*sdk.Options)) (*sdk.GetDistributionOutput, error)
	GetDistributionConfig(ctx context.Context, in *sdk.GetDistributionConfigInput, optFns ...func(*sdk.Options)) (*sdk.GetDistributionConfigOutput, error)
	UpdateDistribution(ctx context.Context, in *sdk.UpdateDistributionInput, optFns ...func(*sdk.Options)) (*sdk.UpdateDistributionOutput, error)
	DeleteDistribution(ctx context.Context, in *sdk.DeleteDistributionInput, optFns ...func(*sdk.Options)) (*sdk.DeleteDistributionOutput, error)
	ListDistributions(ctx context.Context, in *sdk.ListDistributionsInput, optFns ...func(*sdk.Options)) (*sdk.ListDistributionsOutput, error)
	ListTagsForResource(ctx context.Context, in *sdk.ListTagsForResourceInput, optFns ...func(*sdk.Options)) (*sdk.ListTagsForResourceOutput, error)
}

// OACAPI is the part of the CloudFront control plane the origin access control
// provisioner calls. *cloudfront.Client satisfies it.
type OACAPI interface {
	CreateOriginAccessControl(ctx context.Context, in *sdk.CreateOriginAccessControlInput, optFns ...func(*sdk.Options)) (*sdk.CreateOriginAccessControlOutput, error)
	GetOriginAccessControl(ctx context.Context, in *sdk.GetOriginAccessControlInput, optFns ...func(*sdk.Options)) (*sdk.GetOriginAccessControlOutput, error)
	UpdateOriginAccessControl(ctx context.Context, in *sdk.UpdateOriginAccessControlInput, optFns ...func(*sdk.Options)) (*sdk.UpdateOriginAccessControlOutput, error)
	DeleteOriginAccessControl(ctx context.Context, in *sdk.DeleteOriginAccessControlInput, optFns ...func(*sdk.Options)) (*sdk.DeleteOriginAccessControlOutput, error)
	ListOriginAccessControls(ctx context.Context, in *sdk.ListOriginAccessControlsInput, optFns ...func(*sdk.Options)) (*sdk.ListOriginAccessControlsOutput, error)
}

// DistributionClient is what RegisterDistribution needs: one CloudFront client serves
// all three kinds.
type DistributionClient interface {
	DistributionAPI
	OACAPI
	VpcOriginAPI
}

// Client is the CloudFront control plane this package's kinds call. *cloudfront.Client
// satisfies it.
type Client interface {
	DistributionClient
	EdgeControlAPI
}

// ClientFactory returns the CloudFront client for a region; it should cache clients.
// CloudFront is global: the plan puts its resources in plan.EdgeRegion.
type ClientFactory func(region string) Client

// Clients is the ClientFactory of real SDK clients built from cfg, one per region.
func Clients(cfg aws.Config) ClientFactory {
	return provision.PerRegion(func(region string) Client {
		return sdk.NewFromConfig(cfg, func(o *sdk.Options) { o.Region = region })
	})
}
