// Package config parses, resolves and validates serverless.containers.yml files in
// Serverless Container Framework's format (deployment.type aws@1.0 and awsApi@1.0), plus
// berth's documented extensions. It never talks to AWS: deploy-time lookups go through
// the Resolver interface.
//
// # Pipeline
//
// Load parses the file into a yaml.Node tree (so every diagnostic has a key path and a
// line:column), expands anchors and merge keys, reads stages as written, resolves
// variables on the tree, decodes it into Config (types, unknown keys, required keys),
// applies defaults and validates (ranges, value sets, ARN and ID shapes, cross-key rules).
// All problems are reported together as *Errors; each message says what is wrong and what
// would be valid. Warnings (accepted-but-ignored keys and settings without effect) go to
// Config.Warnings.
//
// # Variables
//
// Supported: ${param:name} (stages.<stage>.params, then stages.default.params),
// ${self:dotted.key.path} (list items by number), ${ssm:/name} and ${aws:ssm:/name}
// (Resolver.SSM), ${env:NAME} (Resolver.Env) and ${sls:stage}. A variable may be a whole
// value, which keeps the type of what it yields (a number, a mapping...), or be embedded
// in text; its address may embed variables (${ssm:/app/${sls:stage}/key}); fallbacks
// follow a comma: ${param:x, 'text'}, ${param:n, 42}, ${env:A, ${param:b}}.
// ${file(./values.yml)} and ${file(./values.yml):dotted.key} read a YAML or JSON file beside
// the config through Options.Files (files.go). Any other source (vault, terraform,
// aws:s3, opt, cf...) is an error listing these.
// Variables under stages are resolved only when used, and those under build, dev and
// integrations not at all, so an unused parameter never blocks a deploy (a variable in
// an integration's schedule is reported as such).
//
// Without a Resolver (offline validate/plan), ${ssm:} and ${env:} stay unresolved:
// an environment entry gets Unresolved, an empty Value, its Ref and Secret; other string
// settings keep the variable text as written and are not checked; numbers and booleans
// keep their defaults.
//
// Secrets: a value is secret when any ${env:} or SecureString ${ssm:} contributed to it.
// Messages never quote a secret value (it reads "(a secret value)"), and as a safety net
// every resolved secret is scrubbed from all messages. Config.Stages holds parameters as
// written, never resolved values. A secret may only be a whole environment value that is exactly one
// ${ssm:}/${env:} (through ${param:}/${self:} too): EnvVar.Ref is then the parameter it is
// delivered from. Anywhere else, mixed into text, or taken from a fallback it is an error
// (isolation.go), since berth could not deliver it without storing it in clear. Within an
// environment value the whole-value rule holds for every ${ssm:}, whatever its kind, so
// offline and online loads refuse the same files.
//
// Limits (limits.go, yamlnode.go): variables nest at most 10 levels, yield at most 1 MB in
// all, an app has at most 150 containers (100 on Fargate); configs may not name berth's roles or read
// another app's /berth/<app>/ parameters (isolation.go).
//
// # Where ${env:X} comes from
//
// SCF read ${env:X} from the shell running the deploy. berth deploys from a config
// uploaded to S3, where there is no such shell, so the deployer's Resolver reads SSM
// Parameter Store instead: parameter /berth/<app>/<stage>/env/<X> (String or
// SecureString), falling back to /berth/<app>/env/<X> (shared by all stages): EnvParameters.
// A resolved value's EnvVar.Ref is the parameter it was found in, so ECS injects it from
// there and the Fargate execution role may read exactly that one. A missing
// value is a *NotFoundError whose LookedUp names the parameters tried, which Load repeats
// in its diagnostic so the user knows what to create. ${env:} values are always secret,
// whatever the parameter type, because SCF users keep API keys there.
//
// # berth extensions
//
// Documented on the model fields and in schema.json: container image (prebuilt image
// URI) and port (default 8080); compute.awsLambda.invokeMode (BUFFERED|RESPONSE_STREAM)
// and architecture (x86_64|arm64); deployment.awsCloudFront {wafAclArn (CLOUDFRONT
// scope, us-east-1), originReadTimeout (1-120, default 30), priceClass (default
// PriceClass_All)}; deployment.awsAlb.internal; deployment.drift.repair (default true);
// deployment.logs.retentionInDays (default 30); the ${sls:stage} variable.
//
// # Choices where SCF is silent or lenient
//
//   - build and dev are accepted (their shape is checked) but ignored, with a warning;
//     src without image is accepted here (a later stage needs an image). Top-level org
//     and frameworkVersion and deployment.slack are read and ignored, one warning each.
//   - name follows SCF's rule (3-16 of [a-zA-Z0-9_-]); plan maps it to AWS names.
//   - YAML application tags (!Sub, !Ref ...) are errors: nothing evaluates them.
//   - integrations: schedule (rate/cron) and awsEventBridge (event pattern) are delivered
//     as a POST to webhookPath on both compute types (one webhookPath per Lambda
//     container: Lambda Web Adapter has one pass-through path). slack is a warning here
//     and a Config.Refusals entry, which the deploy refuses.
//   - A key written with no value (null) counts as absent; an environment entry or stage
//     parameter with no value is an error (write "" for an empty string).
//   - Fargate: when only cpu or only memory is set, the other defaults to the smallest
//     size AWS allows with it (SCF's fixed 256/512 would make cpu: 1024 alone invalid).
//   - Scale policies are validated whatever the compute type, so a switch back to Fargate
//     keeps a valid configuration. desired together with target or step scaling is a
//     warning (AWS accepts it; autoscaling then decides the count), as are min/max without
//     autoscaling. Step adjustments must be contiguous, as AWS requires.
//   - pathPattern is an exact path or a prefix ending in "/*": berth's edge router
//     matches exact paths and prefixes only, so "?" and inner "*" are rejected, as are
//     non-ASCII bytes, prefixes deeper than the router looks (edge.PatternProblem) and
//     route keys over 512 bytes. As in SCF, "/api/*" does not serve the bare "/api".
//   - Lambda-only rules: reserved environment names (AWS_REGION...) and the 4 KB
//     environment limit are errors for awsLambda containers.
//   - A stage under stages whose name berth cannot deploy is a warning.
package config
