package plan

// FunctionProps: AWS::Lambda::Function, PackageType Image.
type FunctionProps struct {
	ImageURI string `json:"imageUri"`
	// Image is the image built from src (a KindImageBuild or KindWebAdapter output,
	// AttrImage) when ImageURI is "".
	Image        *Ref                `json:"image,omitempty"`
	MemoryMB     int                 `json:"memoryMb"`
	TimeoutSec   int                 `json:"timeoutSec"`
	Architecture string              `json:"architecture"` // x86_64 | arm64
	Role         RoleRef             `json:"role"`
	Environment  map[string]EnvValue `json:"environment,omitempty"`
	LogGroup     Ref                 `json:"logGroup"`
	// VPC placement (compute.awsLambda.vpc: true) uses the given awsVpc network only.
	SubnetIDs        []string `json:"subnetIds,omitempty"`
	SecurityGroupIDs []string `json:"securityGroupIds,omitempty"`
}

// AuthorizationSourceHeader carries the viewer's Authorization header past OAC, which
// overwrites Authorization with its own signature; Lambda Web Adapter copies it back
// (AWS_LWA_AUTHORIZATION_SOURCE) before the app sees the request.
const AuthorizationSourceHeader = "x-berth-authorization"

// FunctionURLProps: AWS::Lambda::Url. AuthType is always AWS_IAM.
type FunctionURLProps struct {
	Function   Ref    `json:"function"`
	AuthType   string `json:"authType"`   // always AWS_IAM
	InvokeMode string `json:"invokeMode"` // BUFFERED | RESPONSE_STREAM
}

// PermissionProps: the two CloudFront statements on a function's resource policy
// (lambda:InvokeFunctionUrl, and lambda:InvokeFunction with InvokedViaFunctionUrl), for
// principal cloudfront.amazonaws.com, scoped by SourceArn to the distribution.
//
// With TargetGroup set (a private app), the grant is instead lambda:InvokeFunction for
// elasticloadbalancing.amazonaws.com from that target group, and Distribution is unset.
type PermissionProps struct {
	Function     Ref  `json:"function"`
	Distribution *Ref `json:"distribution,omitempty"`
	TargetGroup  *Ref `json:"targetGroup,omitempty"`
}
