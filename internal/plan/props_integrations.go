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
//
// On a Fargate container the rule's one target is the integration's API destination
// instead, with the role EventBridge assumes to invoke it (eb-create-rule-api-destination-
// target.html), and a schedule integration is a rule with a schedule expression and the
// event as constant Input: EventBridge Scheduler has no API destination target (its
// templated targets and universal targets call AWS APIs only —
// docs.aws.amazon.com/scheduler/latest/UserGuide/managing-targets.html), while rule
// targets may be API destinations on any rule, scheduled ones included.
type EventRuleProps struct {
	Pattern  string `json:"pattern,omitempty"`  // the event pattern, compact JSON with sorted keys
	Schedule string `json:"schedule,omitempty"` // rate(...) | cron(...), instead of Pattern
	Function *Ref   `json:"function,omitempty"` // the function's Arn: the rule's one target (Lambda)
	// ApiDestination is the destination's Arn: the rule's one target (Fargate), invoked as
	// Role.
	ApiDestination *Ref   `json:"apiDestination,omitempty"`
	Role           *Ref   `json:"role,omitempty"`
	Input          string `json:"input,omitempty"` // constant event of a scheduled rule
}

// EventConnectionProps: AWS::Events::Connection, one per Fargate container with
// integrations: API_KEY authorization whose value is the container's WebhookCredential
// (EventBridge keeps it in a Secrets Manager secret it manages —
// docs.aws.amazon.com/eventbridge/latest/userguide/eb-target-connection.html). Connections
// take no tags: berth's carries its marker in the description.
type EventConnectionProps struct {
	Credential CredentialHeader `json:"credential"`
}

// ApiDestinationProps: AWS::Events::ApiDestination, one per integration of a Fargate
// container: POST https://<distribution domain><Path> with Connection's credential
// (docs.aws.amazon.com/eventbridge/latest/userguide/eb-api-destinations.html). API
// destinations take no tags: berth's carries its marker in the description.
type ApiDestinationProps struct {
	Connection Ref    `json:"connection"` // the connection's Arn
	Domain     Ref    `json:"domain"`     // the distribution's DomainName
	Path       string `json:"path"`       // the integration's webhookPath
	Method     string `json:"method"`     // POST
}
