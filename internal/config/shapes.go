package config

import (
	"regexp"
	"strings"
)

// Shapes of names and identifiers, and the value sets AWS accepts.
var (
	// nameRE: stage names end up in AWS resource names as written, hence lowercase only.
	nameRE  = regexp.MustCompile(`^[a-z]([a-z0-9-]*[a-z0-9])?$`)
	stageRE = nameRE
	// appNameRE is SCF's rule for name (its schema: ^[a-zA-Z0-9-_]+$, 3-16 characters).
	// berth maps such names to AWS names itself (plan's naming rule), so it can be as
	// lenient as SCF was.
	appNameRE   = regexp.MustCompile(`^[a-zA-Z0-9_-]{3,16}$`)
	containerRE = regexp.MustCompile(`^[a-z][a-z0-9-]*$`)
	envNameRE   = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	vpcIDRE     = regexp.MustCompile(`^vpc-([0-9a-f]{8}|[0-9a-f]{17})$`)
	subnetIDRE  = regexp.MustCompile(`^subnet-([0-9a-f]{8}|[0-9a-f]{17})$`)
	sgIDRE      = regexp.MustCompile(`^sg-([0-9a-f]{8}|[0-9a-f]{17})$`)
	roleArnRE   = regexp.MustCompile(`^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$`)
	// webACLRE captures partition, region, scope (global = CLOUDFRONT, regional).
	webACLRE = regexp.MustCompile(`^arn:(aws[a-z-]*):wafv2:([a-z0-9-]+):\d{12}:(global|regional)/webacl/[\w-]{1,128}/[\w-]{1,128}$`)
	// image references: <registry>/<repository>[:tag][@sha256:digest].
	registryRE = regexp.MustCompile(`^(localhost|[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)+)(:[0-9]{1,5})?$`)
	repoRE     = regexp.MustCompile(`^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*$`)
	tagRE      = regexp.MustCompile(`^[\w][\w.-]{0,127}$`)
	digestRE   = regexp.MustCompile(`^sha256:[a-f0-9]{64}$`)
	labelRE    = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
)

var (
	deploymentTypes = []string{"aws@1.0", "awsApi@1.0"}
	computeTypes    = []string{ComputeLambda, ComputeFargate}
	invokeModes     = []string{"BUFFERED", "RESPONSE_STREAM"}
	architectures   = []string{"x86_64", "arm64"}
	priceClasses    = []string{"PriceClass_All", "PriceClass_200", "PriceClass_100"}
	scaleTargets    = []string{"cpu", "memory", "albRequestsPerTarget"}
	adjustmentTypes = []string{"ChangeInCapacity", "PercentChangeInCapacity", "ExactCapacity"}
	aggregations    = []string{"Average", "Minimum", "Maximum"}
	comparisons     = []string{"GreaterThanOrEqualToThreshold", "GreaterThanThreshold", "LessThanThreshold", "LessThanOrEqualToThreshold"}
	// retentionDays are the values CloudWatch Logs PutRetentionPolicy accepts.
	retentionDays = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}
	// lambdaReservedEnv are keys Lambda refuses in a function's environment.
	lambdaReservedEnv = []string{"_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV", "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR"}
)

// Fargate's valid CPU units and, for each, the memory sizes (MiB) AWS allows.
var (
	fargateCPUs   = []int{256, 512, 1024, 2048, 4096, 8192, 16384}
	fargateMemory = map[int][]int{
		256:   {512, 1024, 2048},
		512:   steps(1024, 4096, 1024),
		1024:  steps(2048, 8192, 1024),
		2048:  steps(4096, 16384, 1024),
		4096:  steps(8192, 30720, 1024),
		8192:  steps(16384, 61440, 4096),
		16384: steps(32768, 122880, 8192),
	}
)

func steps(from, to, step int) []int {
	var out []int
	for v := from; v <= to; v += step {
		out = append(out, v)
	}
	return out
}

// smallestFargateCPU is the smallest CPU size that allows mem, or the default.
func smallestFargateCPU(mem int) int {
	for _, cpu := range fargateCPUs {
		if contains(fargateMemory[cpu], mem) {
			return cpu
		}
	}
	return DefaultFargateCPU
}

// AppNameProblem says why name cannot be an app name, or returns "". It is the one rule
// behind the config's name, the S3 key <app>/<stage>/ the deployer accepts, the API's and
// the CLI's app arguments.
func AppNameProblem(name string) string {
	if appNameRE.MatchString(name) {
		return ""
	}
	return "is not a valid name: use 3-16 letters, digits, hyphens and underscores (SCF's rule)"
}

// ContainerNameProblem says why name cannot be a container name, or returns "": the rule
// behind the config's container keys and the API's source uploads.
func ContainerNameProblem(name string) string {
	if len(name) <= 24 && containerRE.MatchString(name) {
		return ""
	}
	return "is not valid: use up to 24 lowercase letters, digits and hyphens, starting with a letter"
}

// StageNameProblem says why stage cannot be a stage name, or returns "": the rule behind
// Options.Stage, the S3 key, the API's and the CLI's stage arguments.
func StageNameProblem(stage string) string {
	if len(stage) <= 16 && stageRE.MatchString(stage) {
		return ""
	}
	return "is not a valid stage name: use 1-16 lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen (e.g. prod)"
}

// suggestName turns an invalid app name into a valid one when that is easy.
func suggestName(s string, max int) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r < 0x80 && appNameRE.MatchString(strings.Repeat(string(r), 3)):
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
			b.WriteByte('-')
		}
	}
	out := strings.Trim(b.String(), "-")
	if len(out) > max {
		out = strings.TrimRight(out[:max], "-")
	}
	if AppNameProblem(out) != "" {
		return ""
	}
	return out
}
