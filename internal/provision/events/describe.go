package events

import "github.com/berth-dev/berth/internal/provision"

// A rule is listed as the tagging API finds it.
var describeRule = provision.Describer{ARNTypes: []string{"events:rule"}}
