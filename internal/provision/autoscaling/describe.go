package autoscaling

import "github.com/berth-dev/berth/internal/provision"

var (
	// A scalable target is listed as the tagging API finds it, when it was tagged.
	describeScalableTarget = provision.Describer{ARNTypes: []string{"application-autoscaling:scalable-target"}}
	describeScalingPolicy  = provision.Describer{Unlisted: "a scaling policy is a setting of its scalable target (Application Auto Scaling tags only scalable targets)"}
)
