package scheduler

import (
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// IAM actions of the Scheduler kinds, from the SDK calls each verb makes (Service
// Authorization Reference, "Amazon EventBridge Scheduler": groups take tags, so
// CreateScheduleGroup with tags is also authorized as scheduler:TagResource; schedules
// take no tags and are authorized on schedule/<group>/<name>; CreateSchedule and
// UpdateSchedule pass the schedule's role, iam:PassRole to scheduler.amazonaws.com).
var Permissions = []provision.Permissions{
	{Kind: plan.KindScheduleGroup,
		Observe: []string{"scheduler:GetScheduleGroup", "scheduler:ListTagsForResource"},
		Create:  []string{"scheduler:CreateScheduleGroup", "scheduler:TagResource"},
		Delete:  []string{"scheduler:DeleteScheduleGroup"},
		Resources: map[string]string{
			"scheduler": "arn:${Partition}:scheduler:${Region}:${Account}:schedule-group/berth-*",
		},
	},
	{Kind: plan.KindSchedule,
		Observe: []string{"scheduler:GetSchedule"},
		Create:  []string{"scheduler:CreateSchedule", "iam:PassRole"},
		Update:  []string{"scheduler:UpdateSchedule", "iam:PassRole"},
		Delete:  []string{"scheduler:DeleteSchedule"},
		Resources: map[string]string{
			"scheduler":    "arn:${Partition}:scheduler:${Region}:${Account}:schedule/berth-*/berth-*",
			"iam:PassRole": "arn:${Partition}:iam::${Account}:role/berth-*",
		},
	},
}
