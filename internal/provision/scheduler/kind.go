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
var (
	groupPermissions = provision.Permissions{
		Observe: []string{"scheduler:GetScheduleGroup", "scheduler:ListTagsForResource"},
		Create:  []string{"scheduler:CreateScheduleGroup", "scheduler:TagResource"},
		Delete:  []string{"scheduler:DeleteScheduleGroup"},
		Resources: map[string]string{
			"scheduler": "arn:${Partition}:scheduler:${Region}:${Account}:schedule-group/berth-*",
		},
	}
	schedulePermissions = provision.Permissions{
		Observe: []string{"scheduler:GetSchedule"},
		Create:  []string{"scheduler:CreateSchedule", "iam:PassRole"},
		Update:  []string{"scheduler:UpdateSchedule", "iam:PassRole"},
		Delete:  []string{"scheduler:DeleteSchedule"},
		Resources: map[string]string{
			"scheduler":    "arn:${Partition}:scheduler:${Region}:${Account}:schedule/berth-*/berth-*",
			"iam:PassRole": "arn:${Partition}:iam::${Account}:role/berth-*",
		},
	}
)

// Kinds describes the kinds Register adds. Schedules take no tags: berth's group's do.
var Kinds = []provision.Descriptor{
	{Kind: plan.KindScheduleGroup, Function: provision.FunctionCompute, Budget: provision.QuickBudget,
		Ownership: provision.OwnedByTags, Permissions: groupPermissions,
		Describe: describeScheduleGroup},
	{Kind: plan.KindSchedule, Function: provision.FunctionCompute, Budget: provision.QuickBudget,
		Ownership: provision.OwnedByParentTags, Permissions: schedulePermissions,
		Describe: describeSchedule},
}
