package config

// Compute types, as SCF spells them.
const (
	ComputeLambda  = "awsLambda"
	ComputeFargate = "awsFargateEcs"
)

// Defaults applied when the file leaves a key out (SCF's defaults unless noted).
const (
	DefaultLambdaMemory      = 1024
	DefaultLambdaTimeout     = 6
	DefaultFargateCPU        = 256
	DefaultFargateMemory     = 512
	DefaultPort              = 8080             // berth: the port the container listens on
	DefaultInvokeMode        = "BUFFERED"       // berth: Function URL invoke mode
	DefaultArchitecture      = "x86_64"         // berth: image architecture
	DefaultOriginReadTimeout = 30               // berth: CloudFront origin read timeout, seconds
	DefaultLogRetentionDays  = 30               // berth: CloudWatch Logs retention
	DefaultPriceClass        = "PriceClass_All" // berth: CloudFront price class
)

// Config is a parsed, defaulted and validated configuration for one stage.
type Config struct {
	Name       string
	Stage      string
	Stages     map[string]StageConfig
	Deployment Deployment
	// Containers in name order; names are unique.
	Containers []Container
	// Warnings are accepted-but-ignored keys and similar notes, each naming its key path.
	Warnings []Diagnostic
	// Refusals are the warnings that stop a deploy: settings SCF accepted that berth
	// cannot carry out yet (a slack integration). validate and plan show them as
	// warnings; the deployer and `berth deploy` refuse the config with them.
	Refusals []Diagnostic
}

// StageConfig is one entry of `stages`.
type StageConfig struct {
	// Params as written in the file: variables are not resolved here (so no resolved
	// secret is ever stored); mappings and lists are JSON text.
	Params map[string]string
}

// Deployment is the `deployment` block.
type Deployment struct {
	Type         string // aws@1.0 or awsApi@1.0
	VPC          *VPC   // deployment.awsVpc; nil means the default VPC
	RoleArn      string // deployment.awsIam.roleArn
	AlbWafAclArn string // deployment.awsAlb.wafAclArn (SCF: the ALB's web ACL)
	// Private is berth's deployment.private (default false; deployment.awsAlb.internal: true
	// is accepted as its alias): the app has no CloudFront at all. An internal ALB in the
	// VPC routes each container by path (Fargate through ip target groups, Lambda through
	// lambda target groups) and is reachable only from inside the VPC.
	Private bool
	// PrivateHostedZoneID is berth's deployment.awsAlb.privateHostedZoneId: the Route 53
	// private hosted zone where a private app's custom domains get their alias records (the
	// zone id, without "/hostedzone/"). Required when a private app has a routing.domain.
	PrivateHostedZoneID string
	ExecutionRole       string // deployment.awsFargateEcs.executionRoleArn
	CloudFront          CloudFront
	// DriftRepair is berth's deployment.drift.repair (default true): the scheduled drift
	// check repairs what it finds; false = report only.
	DriftRepair bool
	// LogRetentionDays is berth's deployment.logs.retentionInDays (default 30), one of the
	// values CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, ... 3653).
	LogRetentionDays int
}

// VPC is deployment.awsVpc: bring-your-own network; SCF requires every field.
type VPC struct {
	ID                          string
	PublicSubnets               []string
	PrivateSubnets              []string
	S2SSecurityGroupID          string
	LoadBalancerSecurityGroupID string
}

// CloudFront is berth's deployment.awsCloudFront extension: settings of the one
// distribution that fronts every container of an app+stage.
type CloudFront struct {
	WafAclArn         string // CLOUDFRONT-scope web ACL (ARN arn:aws:wafv2:us-east-1:<acct>:global/webacl/...), covers every route
	OriginReadTimeout int    // seconds, 1..120 (default 30; above 60 needs a CloudFront quota increase)
	PriceClass        string // PriceClass_All (default) | PriceClass_200 | PriceClass_100
}

// Container is one entry of `containers`.
type Container struct {
	Name        string
	Src         string
	Image       string // berth: `image`, a prebuilt image URI <registry>/<repo>[:tag][@sha256:...]; used instead of building Src
	Port        int    // berth: `port`, the port the container listens on (1-65535, default 8080)
	Environment []EnvVar
	Routing     Routing
	Compute     Compute
	// Integrations in name order: events berth delivers to the container (SCF aws@1.0).
	Integrations []Integration
	// HasBuild, HasDev record accepted keys berth does not act on.
	HasBuild bool
	HasDev   bool
}

// Integration types, as SCF spells them.
const (
	IntegrationSchedule    = "schedule"
	IntegrationEventBridge = "awsEventBridge"
	IntegrationSlack       = "slack"
)

// Integration is one entry of a container's integrations: berth delivers each event as
// an HTTP POST with the event's JSON body to WebhookPath on the container.
type Integration struct {
	Name        string
	Type        string // IntegrationSchedule | IntegrationEventBridge | IntegrationSlack
	WebhookPath string
	// Schedule is a schedule's expression: rate(<n> <unit>) or cron(<6 fields>), as
	// EventBridge Scheduler takes it.
	Schedule string
	// Pattern is an awsEventBridge integration's event pattern, matched on the account's
	// default event bus.
	Pattern map[string]any
}

// EnvVar is one environment entry. Values that came from ${env:} or a SecureString
// ${ssm:} are never kept in clear outside the deploy-time process: Ref holds the variable
// and Secret is true. Environment comes in name order.
type EnvVar struct {
	Name  string
	Value string // resolved value; empty when unresolved (offline)
	// Ref is the variable the value came from, as written without "${}" and fallbacks
	// (e.g. "ssm:/db/url", "env:API_KEY", "param:dbUrl"); when variables are embedded in
	// text it is the whole text as written ("https://${param:host}/x"). "" for literals. A
	// resolved ${env:} is "ssm:" and the parameter it was found in (EnvParameters).
	Ref string
	// Secret: the value must not reach state, logs or outputs. True when any ${env:} or
	// SecureString ${ssm:} contributed (also through ${param:}/${self:}), and for
	// unresolved ${ssm:} values, whose kind is unknown offline.
	Secret bool
	// Unresolved is true when Value is not known (offline validate/plan).
	Unresolved bool
}

// Routing is a container's `routing`.
type Routing struct {
	Domain          string
	PathPattern     string
	PathHealthCheck string // defaulted from PathPattern's base path
}

// Compute is a container's `compute`.
type Compute struct {
	Type    string // ComputeLambda or ComputeFargate
	Lambda  LambdaCompute
	Fargate FargateCompute
	// IAM: at most one of CustomPolicy and RoleArn.
	CustomPolicy map[string]any
	RoleArn      string
}

// LambdaCompute is compute.awsLambda (always filled with defaults, used when Type is awsLambda).
type LambdaCompute struct {
	Memory       int
	Timeout      int
	VPC          bool
	InvokeMode   string // berth: compute.awsLambda.invokeMode, the Function URL invoke mode: BUFFERED (default) | RESPONSE_STREAM
	Architecture string // berth: compute.awsLambda.architecture, the image's architecture: x86_64 (default) | arm64
	// NoWebAdapter is berth's compute.awsLambda.webAdapter: false: deploy the image as it
	// is, without the Lambda Web Adapter layer berth otherwise appends (the image then
	// must implement the Lambda runtime API itself).
	NoWebAdapter bool
}

// FargateCompute is compute.awsFargateEcs.
type FargateCompute struct {
	CPU    int
	Memory int
	Scale  []ScalePolicy
}

// ScalePolicy is one entry of awsFargateEcs.scale.
type ScalePolicy struct {
	Type string // desired | min | max | target | step
	// desired / min / max
	Desired int
	Min     int
	Max     int
	// target
	Target           string // cpu | memory | albRequestsPerTarget
	Value            int    // default 70
	ScaleIn          bool   // default true
	ScaleInCooldown  int
	ScaleOutCooldown int
	// step
	AdjustmentType        string
	StepAdjustments       []StepAdjustment
	Cooldown              int // default 60
	MetricAggregationType string
	MetricName            string
	Namespace             string
	Dimensions            []Dimension
	Threshold             float64
	ComparisonOperator    string
}

// StepAdjustment is one step of a step-scaling policy; nil bounds are open.
type StepAdjustment struct {
	LowerBound        *float64
	UpperBound        *float64
	ScalingAdjustment int
}

// Dimension is a CloudWatch metric dimension.
type Dimension struct {
	Name  string
	Value string
}

// Diagnostic is an error or warning tied to a key path and a position in the file.
type Diagnostic struct {
	Path    string // e.g. containers.api.compute.awsLambda.memory
	Line    int
	Column  int
	Message string // says what is wrong and what would be valid
}
