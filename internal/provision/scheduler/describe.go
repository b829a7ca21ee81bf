package scheduler

import "github.com/berth-dev/berth/internal/provision"

// Schedules and their group are listed as the tagging API finds them.
var (
	describeScheduleGroup = provision.Describer{ARNTypes: []string{"scheduler:schedule-group"}}
	describeSchedule      = provision.Describer{ARNTypes: []string{"scheduler:schedule"}}
)
