package plan

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/berth-dev/berth/internal/config"
)

// FunctionURLAuthType is the only auth type berth gives a Function URL: reachable through
// CloudFront OAC only, never public.
const FunctionURLAuthType = "AWS_IAM"

// lambdaContainer adds a Lambda container: log group, role, function, its URL, the
// permission letting the distribution invoke it, and its route.
func (b *builder) lambdaContainer(c config.Container) {
	fnID, fnName, ok := b.lambdaFunction(c)
	if !ok {
		return
	}
	invokeMode := orDefault(c.Compute.Lambda.InvokeMode, config.DefaultInvokeMode)
	urlID := ContainerID(c.Name, SuffixURL)
	permID := ContainerID(c.Name, SuffixPermission)
	b.g.add(urlID, KindFunctionURL, c.Name, b.n.url(c.Name), b.t.Region, FunctionURLProps{
		Function:   Ref{ID: fnID, Attr: AttrArn},
		AuthType:   FunctionURLAuthType,
		InvokeMode: invokeMode,
	})
	// The permission's SourceArn is the distribution's ARN, so the distribution comes first.
	b.g.add(permID, KindPermission, c.Name, b.n.permission(c.Name), b.t.Region, PermissionProps{
		Function:     Ref{ID: fnID, Attr: AttrArn},
		Distribution: &Ref{ID: IDDistribution, Attr: AttrArn},
	})
	// Traffic goes to the URL only once CloudFront may invoke it, or it would get 403s.
	b.route(c, Route{Target: RouteTargetLambda, FunctionURL: &Ref{ID: urlID, Attr: AttrURL}}, permID)
	b.lambdaIntegrations(c, fnID, fnName)
}

// lambdaFunction adds a Lambda container's log group, role and function; ok is false when
// the config cannot be planned (recorded in b.err).
func (b *builder) lambdaFunction(c config.Container) (fnID, fnName string, ok bool) {
	fnName = b.n.function(c.Name)
	lc := c.Compute.Lambda
	logID := ContainerID(c.Name, SuffixLogGroup)
	fnID = ContainerID(c.Name, SuffixFunction)

	b.g.add(logID, KindLogGroup, c.Name, lambdaLogGroupName(fnName), b.t.Region, LogGroupProps{RetentionDays: b.logRetention()})

	managed := []string{b.managedPolicy("service-role/AWSLambdaBasicExecutionRole")}
	if lc.VPC {
		managed = append(managed, b.managedPolicy("service-role/AWSLambdaVPCAccessExecutionRole"))
	}
	role := b.role(c, ContainerID(c.Name, SuffixRole), b.n.role(c.Name), "lambda.amazonaws.com", managed...)

	invokeMode := orDefault(lc.InvokeMode, config.DefaultInvokeMode)
	uri, image := b.image(c, fnName)
	props := FunctionProps{
		ImageURI:     uri,
		Image:        image,
		MemoryMB:     orDefault(lc.Memory, config.DefaultLambdaMemory),
		TimeoutSec:   orDefault(lc.Timeout, config.DefaultLambdaTimeout),
		Architecture: imageArchitecture(c),
		Role:         role,
		Environment:  b.lambdaEnv(c, invokeMode),
		LogGroup:     Ref{ID: logID, Attr: AttrName},
	}
	if lc.VPC {
		vpc := b.cfg.Deployment.VPC
		if vpc == nil {
			b.fail(fmt.Errorf("plan: container %s: compute.awsLambda.vpc needs deployment.awsVpc", c.Name))
			return "", "", false
		}
		props.SubnetIDs = vpc.PrivateSubnets
		if vpc.S2SSecurityGroupID != "" {
			props.SecurityGroupIDs = []string{vpc.S2SSecurityGroupID}
		}
	}
	b.g.add(fnID, KindFunction, c.Name, fnName, b.t.Region, props)
	return fnID, fnName, true
}

// lambdaEnv is the user's environment plus Lambda Web Adapter's settings. The user may
// override the adapter's port and readiness path; the invoke mode must match the Function
// URL's and the authorization source must match the router's header, so berth's values
// for those two win.
func (b *builder) lambdaEnv(c config.Container, invokeMode string) map[string]EnvValue {
	env := make(map[string]EnvValue, len(c.Environment)+4)
	env["AWS_LWA_PORT"] = EnvValue{Value: strconv.Itoa(port(c))}
	env["AWS_LWA_READINESS_CHECK_PATH"] = EnvValue{Value: healthPath(c)}
	envValues(b.t.FingerprintKey, b.cfg.Name, b.cfg.Stage, c.Environment, env)
	// LWA spells the modes in lower case: buffered | response_stream.
	env["AWS_LWA_INVOKE_MODE"] = EnvValue{Value: strings.ToLower(invokeMode)}
	if !b.private { // OAC signing takes Authorization only on the CloudFront path
		env["AWS_LWA_AUTHORIZATION_SOURCE"] = EnvValue{Value: AuthorizationSourceHeader}
	}
	if p := passThroughPath(c); p != "" {
		env[PassThroughEnv] = EnvValue{Value: p}
	}
	return env
}
