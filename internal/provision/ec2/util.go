package ec2

import (
	"strings"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// notOwnedDiff is what Observe reports for a resource of the expected name that berth
// does not own: it exists (so nothing is created over it) and differs (so the workflow
// stops at the NotOwnedError of the following Create/Update instead of skipping it).
func notOwnedDiff(env provision.Env, r plan.Resource) provision.FieldDiff {
	return provision.FieldDiff{
		Field:   "ownership",
		Desired: provision.TagApp + "=" + env.App + " " + provision.TagStage + "=" + env.Stage + " " + provision.TagResource + "=" + r.ID,
		Actual:  "not owned by berth",
	}
}

// partition is the ARN partition of a region.
func partition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	default:
		return "aws"
	}
}
