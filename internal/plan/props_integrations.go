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

// EventRuleProps: AWS::Events::Rule on the account's default event bus, an awsEventBridge
// integration of a Lambda container. Its one target is the function: EventBridge invokes
// it with the matching event, and Lambda Web Adapter (AWS_LWA_PASS_THROUGH_PATH) POSTs
// that event's JSON to webhookPath. EventBridge invokes Lambda targets through the
// function's resource-based policy, not a role (docs.aws.amazon.com/eventbridge/latest/
// userguide/eb-use-resource-based.html#eb-lambda-permissions), so the rule's provisioner
// also owns one statement on that policy: principal events.amazonaws.com, SourceArn this
// rule, and nothing else may invoke through it.
type EventRuleProps struct {
	Pattern  string `json:"pattern"`  // the event pattern, compact JSON with sorted keys
	Function Ref    `json:"function"` // the function's Arn: the rule's one target
}
