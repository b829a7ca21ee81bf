package codebuild

import (
	"time"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// IAM actions of this package's kinds (Service Authorization Reference, "AWS CodeBuild",
// "Amazon Elastic Container Registry" and "Amazon CloudWatch Logs"): project and build
// actions take the project ARN (berth's are berth-shared-build-*); CreateProject and
// UpdateProject pass the service role (iam:PassRole). The build step reads the image by
// its tag and, for a failed build, the tail of its log.
var (
	projectPermissions = provision.Permissions{
		Observe: []string{"codebuild:BatchGetProjects"},
		Create:  []string{"codebuild:CreateProject", "iam:PassRole"},
		Update:  []string{"codebuild:UpdateProject", "iam:PassRole"},
		Delete:  []string{"codebuild:DeleteProject"},
		Resources: map[string]string{
			"codebuild":    "arn:${Partition}:codebuild:${Region}:${Account}:project/berth-shared-build-*",
			"iam:PassRole": "arn:${Partition}:iam::${Account}:role/berth-shared-build-role",
		},
	}
	imageBuildPermissions = provision.Permissions{
		Observe: []string{"ecr:DescribeImages", "codebuild:BatchGetBuilds", "logs:GetLogEvents"},
		Create:  []string{"codebuild:StartBuild"},
		Update:  []string{"codebuild:StartBuild"},
		Delete:  []string{},
		Resources: map[string]string{
			"codebuild": "arn:${Partition}:codebuild:${Region}:${Account}:project/berth-shared-build-*",
			"ecr":       "arn:${Partition}:ecr:${Region}:${Account}:repository/berth-*",
			"logs":      "arn:${Partition}:logs:${Region}:${Account}:log-group:/aws/codebuild/berth-shared-build-*:log-stream:*",
		},
	}
)

// Kinds describes the kinds Register and RegisterImageBuild add. The project is shared
// by every app (plan.Resource.Shared): its tags are berth's shared ones.
var Kinds = []provision.Descriptor{
	{Kind: plan.KindBuildProject, Function: provision.FunctionCompute, Budget: provision.QuickBudget,
		Ownership: provision.OwnedByTags, Permissions: projectPermissions, Describe: describeProject},
	{Kind: plan.KindImageBuild, Function: provision.FunctionCompute,
		Budget:    provision.Budget{Wait: 15 * time.Second, Limit: 45 * time.Minute}, // the project's timeout is 30 min
		Ownership: provision.OwnedByParentTags, Permissions: imageBuildPermissions, NothingToDelete: true,
		WaitsFor: "CodeBuild to build and push the image (minutes)", Describe: describeBuild},
}
