// Package config parses, resolves and validates serverless.containers.yml files in
// Serverless Container Framework's format (deployment.type aws@1.0 and awsApi@1.0), plus
// berth's documented extensions. It never talks to AWS: deploy-time lookups go through
// the Resolver interface.
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
	DefaultPort              = 8080       // berth: the port the container listens on
	DefaultInvokeMode        = "BUFFERED" // berth: Function URL invoke mode
	DefaultArchitecture      = "x86_64"   // berth: image architecture
	DefaultOriginReadTimeout = 30         // berth: CloudFront origin read timeout, seconds
	DefaultLogRetentionDays  = 30         // berth: CloudWatch Logs retention
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
}

// StageConfig is one entry of `stages`.
type StageConfig struct {
	Params map[string]string
}

// Deployment is the `deployment` block.
type Deployment struct {
	Type          string // aws@1.0 or awsApi@1.0
	VPC           *VPC   // deployment.awsVpc; nil means the default VPC
	RoleArn       string // deployment.awsIam.roleArn
	AlbWafAclArn  string // deployment.awsAlb.wafAclArn (SCF: the ALB's web ACL)
	AlbInternal   bool   // berth: deployment.awsAlb.internal (private endpoint via CloudFront VPC origin)
	ExecutionRole string // deployment.awsFargateEcs.executionRoleArn
	CloudFront    CloudFront
	// DriftRepair is berth's deployment.drift.repair (default true); false = report only.
	DriftRepair      bool
	LogRetentionDays int // berth: deployment.logs.retentionInDays
}

// VPC is deployment.awsVpc: bring-your-own network; SCF requires every field.
type VPC struct {
	ID                          string
	PublicSubnets               []string
	PrivateSubnets              []string
	S2SSecurityGroupID          string
	LoadBalancerSecurityGroupID string
}

// CloudFront is berth's deployment.awsCloudFront extension.
type CloudFront struct {
	WafAclArn         string // CLOUDFRONT-scope web ACL (us-east-1)
	OriginReadTimeout int    // seconds, 1..120
	PriceClass        string // PriceClass_All | PriceClass_200 | PriceClass_100
}

// Container is one entry of `containers`.
type Container struct {
	Name        string
	Src         string
	Image       string // berth: prebuilt image URI
	Port        int    // berth: listening port
	Environment []EnvVar
	Routing     Routing
	Compute     Compute
	// HasBuild, HasDev, HasIntegrations record accepted keys berth does not act on yet.
	HasBuild        bool
	HasDev          bool
	HasIntegrations bool
}

// EnvVar is one environment entry. Values that came from ${env:} or ${ssm:} are never kept
// in clear outside the deploy-time process: Ref holds the variable and Secret is true.
type EnvVar struct {
	Name   string
	Value  string // resolved value; empty when unresolved (offline)
	Ref    string // the variable it came from, e.g. "ssm:/db/url" or "env:API_KEY"; "" for literals
	Secret bool   // value must not reach state, logs or outputs
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
	InvokeMode   string // berth: BUFFERED | RESPONSE_STREAM
	Architecture string // berth: x86_64 | arm64
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
