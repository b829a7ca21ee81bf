package ecr

import (
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// IAM actions of this package's kinds (Service Authorization Reference, "Amazon Elastic
// Container Registry"): every repository action takes the repository ARN, and berth's
// repositories are named berth-*; CreateRepository with Tags is also authorized as
// ecr:TagResource. The Web Adapter layer is read and pushed through the registry API,
// which IAM authorizes as the ECR actions listed for each registry call
// (docs.aws.amazon.com/AmazonECR/latest/userguide/image-push-iam.html); the login,
// ecr:GetAuthorizationToken, takes no resource.
var (
	repoResources = map[string]string{
		"ecr":                       "arn:${Partition}:ecr:${Region}:${Account}:repository/berth-*",
		"ecr:GetAuthorizationToken": "*",
	}
	repositoryPermissions = provision.Permissions{
		Observe:   []string{"ecr:DescribeRepositories", "ecr:ListTagsForResource", "ecr:GetLifecyclePolicy", "ecr:GetRepositoryPolicy"},
		Create:    []string{"ecr:CreateRepository", "ecr:TagResource", "ecr:PutImageScanningConfiguration", "ecr:PutLifecyclePolicy", "ecr:SetRepositoryPolicy"},
		Update:    []string{"ecr:PutImageScanningConfiguration", "ecr:PutLifecyclePolicy", "ecr:SetRepositoryPolicy", "ecr:DeleteRepositoryPolicy"},
		Delete:    []string{"ecr:DeleteRepository"},
		Resources: repoResources,
	}
	// The source image is read (BatchGetImage, GetDownloadUrlForLayer) from berth's
	// repository or, for an image: reference, from the user's repository in the account
	// and Region (Lambda runs no other); GetDownloadUrlForLayer there also lets the
	// registry mount a layer instead of copying it (docs.aws.amazon.com/AmazonECR/latest/
	// userguide/blob-mounting.html). Writes go to berth's repositories only.
	webAdapterPermissions = provision.Permissions{
		Observe: []string{"ecr:GetAuthorizationToken", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"},
		Create: []string{"ecr:BatchCheckLayerAvailability", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart",
			"ecr:CompleteLayerUpload", "ecr:PutImage"},
		Update: []string{},
		Delete: []string{},
		Resources: map[string]string{
			"ecr":                        repoResources["ecr"],
			"ecr:GetAuthorizationToken":  repoResources["ecr:GetAuthorizationToken"],
			"ecr:BatchGetImage":          "arn:${Partition}:ecr:${Region}:${Account}:repository/*",
			"ecr:GetDownloadUrlForLayer": "arn:${Partition}:ecr:${Region}:${Account}:repository/*",
		},
	}
)

// Kinds describes the kinds Register and RegisterWebAdapter add.
var Kinds = []provision.Descriptor{
	{Kind: plan.KindRepository, Function: provision.FunctionCompute, Budget: provision.QuickBudget,
		Ownership: provision.OwnedByTags, Permissions: repositoryPermissions, Describe: describeRepository},
	// The layered image lives in the app's repository, whose tags decide.
	{Kind: plan.KindWebAdapter, Function: provision.FunctionCompute, Budget: provision.QuickBudget,
		Ownership: provision.OwnedByParentTags, Permissions: webAdapterPermissions, NothingToDelete: true,
		Describe: describeWebAdapter},
}
