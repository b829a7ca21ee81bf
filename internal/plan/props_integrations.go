package plan

// ScheduleGroupProps: AWS::Scheduler::ScheduleGroup, one per app/stage holding its
// schedules. Schedules cannot be tagged (only groups can), so the group carries berth's
// ownership tags and a schedule is berth's when it sits in berth's group.
type ScheduleGroupProps struct{}

// ScheduleProps: AWS::Scheduler::Schedule, a Lambda container's schedule integration.
// Scheduler invokes the function directly with Input as the event; Lambda Web Adapter
// (AWS_LWA_PASS_THROUGH_PATH) turns that non-HTTP event into a POST of its JSON to the
// integration's webhookPath. The invoke needs lambda:InvokeFunction, which only the
// schedule's role is given; a viewer request to the same path through CloudFront is still
// an ordinary HTTP request (see the README on webhookPath).
type ScheduleProps struct {
	Group      Ref    `json:"group"`      // the schedule group's Name
	Expression string `json:"expression"` // rate(...) | cron(...)
	Target     Ref    `json:"target"`     // the function's Arn
	Role       Ref    `json:"role"`       // the role Scheduler assumes to invoke it
	Input      string `json:"input"`      // the event, compact JSON
}
