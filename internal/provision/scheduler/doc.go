// Package scheduler provisions EventBridge Scheduler resources for schedule integrations:
// one schedule group per app/stage (plan.KindScheduleGroup) and its schedules
// (plan.KindSchedule). Scheduler tags groups but not schedules, so the group carries the
// ownership tags and a schedule is berth's when it sits in berth's group; removing the
// group removes every schedule in it.
package scheduler
