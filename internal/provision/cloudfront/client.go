package cloudfront

import (
	"context"

	sdk "github.com/aws/aws-sdk-go-v2/service/cloudfront"
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
