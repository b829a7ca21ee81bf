package codebuild

import "github.com/berth-dev/berth/internal/provision"

var (
	// The build project is shared by every app of the installation (plan.Resource.Shared),
	// so it carries no app's tags; the tagging API returns CodeBuild projects (its
	// "Supported services" list) and an installation-wide listing finds it by its tags.
	describeProject = provision.Describer{ARNTypes: []string{"codebuild:project"}}
	describeBuild   = provision.Describer{Unlisted: "a CodeBuild build, a run rather than a resource: it has no tags and leaves an image in the app's repository"}
)
