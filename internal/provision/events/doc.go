// Package events provisions EventBridge rules for awsEventBridge integrations
// (plan.KindEventRule): a rule on the account's default event bus with the integration's
// event pattern, one target (the container's function) and the statement on that
// function's resource policy that lets EventBridge invoke it from this rule only.
//
// Why this delivery on Lambda: EventBridge invokes a Lambda target directly, authorized by
// the function's resource-based policy (docs.aws.amazon.com/eventbridge/latest/userguide/
// eb-use-resource-based.html), and Lambda Web Adapter POSTs a non-HTTP event's JSON to
// AWS_LWA_PASS_THROUGH_PATH. Nothing new is reachable from outside: the only new caller is
// events.amazonaws.com with SourceArn this rule.
//
// On Fargate an ECS service has no invoke API, so delivery is HTTP: an EventBridge API
// destination (eb-api-destinations.html, plan.KindApiDestination) per integration, POSTing
// to the distribution's domain + webhookPath with its container's connection
// (plan.KindEventConnection, eb-target-connection.html) adding the API key header
// plan.WebhookKeyHeader; EventBridge keeps the key in a Secrets Manager secret it manages.
// The rule's target is the destination, invoked as a role that may call only the
// container's destinations (eb-create-rule-api-destination-target.html). A schedule is a
// scheduled rule with the event as Input: EventBridge Scheduler's targets are AWS API
// calls only (scheduler/latest/UserGuide/managing-targets.html), no API destinations.
// The router sends webhook paths to the ALB as plan.WebhookRoute, which only the
// container's webhook listener rule matches, and only with the key: a request without it
// gets the listener's 404, so the app never sees an unauthenticated delivery. The key is
// plan.WebhookCredential, derived from the installation's key where needed and never
// stored. Private API destinations (connection-private.html) would need VPC Lattice and an
// HTTPS listener on the ALB, more new surface than the CloudFront path berth already has.
package events
