package logs

import "github.com/berth-dev/berth/internal/provision"

// A log group is listed as the tagging API finds it, named from its ARN.
var describeLogGroup = provision.Describer{ARNTypes: []string{"logs:log-group"}}
