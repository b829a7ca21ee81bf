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
// Fargate (refused at deploy, not built yet): an ECS service has no invoke API, so
// delivery must be HTTP. The design chosen from the AWS docs is an EventBridge API
// destination (eb-api-destinations.html) on the rule, with a connection whose API-key
// credential EventBridge keeps in Secrets Manager (eb-target-connection.html), POSTing
// to the app's CloudFront URL + webhookPath; the ALB listener rule for webhookPath then
// requires that header (http-header condition) so the app never sees an unauthenticated
// delivery. Private API destinations (connection-private.html) need VPC Lattice and an
// HTTPS listener on the ALB, more new surface than the CloudFront path berth already has.
package events
