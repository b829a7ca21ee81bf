package ecr

import "github.com/berth-dev/berth/internal/provision"

var (
	// ECR repositories are returned by the Resource Groups Tagging API (its "Supported
	// services" list names Amazon ECR repositories).
	describeRepository = provision.Describer{ARNTypes: []string{"ecr:repository"}}
	describeWebAdapter = provision.Describer{Unlisted: "an image inside the app's repository, not a resource of its own: it has no ARN or tags and goes with the repository"}
)
