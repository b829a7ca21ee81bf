package iamcheck

// EventBridge Scheduler (Service Authorization Reference, "Amazon EventBridge Scheduler"):
// groups are schedule-group/<name> and support aws:ResourceTag and aws:RequestTag;
// CreateScheduleGroup with tags is also authorized as scheduler:TagResource. Schedules are
// schedule/<group>/<name>, take no tags, and Create/UpdateSchedule pass the target's role
// to scheduler.amazonaws.com.
func (b *builder) scheduler() bool {
	group := b.arn("scheduler", b.c.Region, "schedule-group/"+b.in("Name"))
	schedule := b.arn("scheduler", b.c.Region, "schedule/"+b.in("GroupName")+"/"+b.in("Name"))
	op := b.c.Operation
	switch op {
	case "GetScheduleGroup", "DeleteScheduleGroup":
		b.add("scheduler:"+op, group, ownedTags)
	case "ListTagsForResource":
		b.add("scheduler:ListTagsForResource", b.in("ResourceArn"), ownedTags)
	case "CreateScheduleGroup":
		b.add("scheduler:CreateScheduleGroup", group, b.tagged())
		b.tagOnCreate("scheduler:TagResource", group)
	case "GetSchedule", "DeleteSchedule":
		b.add("scheduler:"+op, schedule)
	case "CreateSchedule", "UpdateSchedule":
		b.add("scheduler:"+op, schedule)
		if roles := deep(b.c.Input, "Target", "RoleArn"); len(roles) > 0 {
			b.passRole(roles[0], "scheduler.amazonaws.com")
		}
	default:
		return false
	}
	return true
}
