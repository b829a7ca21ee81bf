package inventory

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	acmtypes "github.com/aws/aws-sdk-go-v2/service/acm/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	logs "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/aws/smithy-go/middleware"

	"github.com/berth-dev/berth/internal/awscalls"
	"github.com/berth-dev/berth/internal/fakes/cloudfrontedge"
	"github.com/berth-dev/berth/internal/motoserver"
	"github.com/berth-dev/berth/internal/plan"
)

func TestMain(m *testing.M) { os.Exit(motoserver.RunTests(m)) }

// region is the app region of every test; CloudFront-scoped resources go to us-east-1.
const region = "eu-west-1"

// env is one test's view of the emulators: raw SDK clients to create resources with, and
// the configs the Lister under test is built from.
//
// CloudFront goes through a small proxy: CloudFront Functions and KeyValueStores (which
// moto lacks) to the cloudfrontedge fake, everything else (distributions, OACs, their
// tags) to moto, so one real cloudfront client sees both, as on AWS.
type env struct {
	t       *testing.T
	cfg     aws.Config // app region, moto
	edgeCfg aws.Config // us-east-1, moto
	cfCfg   aws.Config // CloudFront through the proxy
	edge    *cloudfrontedge.Server

	iam        *iam.Client
	lambda     *lambda.Client
	edgeLambda *lambda.Client
	logs       *logs.Client
	ec2        *ec2.Client
	elb        *elb.Client
	ecs        *ecs.Client
	cf         *cloudfront.Client
	acm        *acm.Client

	vpc     string
	subnets []string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	cfg, err := motoserver.Shared.AWSConfig(ctx, region)
	if err != nil {
		t.Fatal(err)
	}
	edgeCfg, err := motoserver.Shared.AWSConfig(ctx, plan.EdgeRegion)
	if err != nil {
		t.Fatal(err)
	}
	fake := cloudfrontedge.Start()
	moto, err := url.Parse(motoserver.Shared.Endpoint)
	if err != nil {
		t.Fatal(err)
	}
	toMoto := httputil.NewSingleHostReverseProxy(moto)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if fake.Handles(r) {
			fake.ServeHTTP(w, r)
			return
		}
		toMoto.ServeHTTP(w, r)
	}))
	t.Cleanup(func() { proxy.Close(); fake.Close() })
	cfCfg := edgeCfg.Copy()
	cfCfg.BaseEndpoint = aws.String(proxy.URL)

	e := &env{t: t, cfg: cfg, edgeCfg: edgeCfg, cfCfg: cfCfg, edge: fake,
		iam: iam.NewFromConfig(edgeCfg), lambda: lambda.NewFromConfig(cfg), edgeLambda: lambda.NewFromConfig(edgeCfg),
		logs: logs.NewFromConfig(cfg), ec2: ec2.NewFromConfig(cfg), elb: elb.NewFromConfig(cfg), ecs: ecs.NewFromConfig(cfg),
		cf: cloudfront.NewFromConfig(cfCfg), acm: acm.NewFromConfig(edgeCfg)}
	vpcs, err := e.ec2.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: []ec2types.Filter{{Name: aws.String("is-default"), Values: []string{"true"}}}})
	e.must(err)
	e.vpc = aws.ToString(vpcs.Vpcs[0].VpcId)
	subnets, err := e.ec2.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []ec2types.Filter{{Name: aws.String("vpc-id"), Values: []string{e.vpc}}}})
	e.must(err)
	for _, s := range subnets.Subnets[:2] {
		e.subnets = append(e.subnets, aws.ToString(s.SubnetId))
	}
	return e
}

// lister returns the Lister under test, its calls counted. Every client goes through
// the CloudFront proxy (which sends what is not CloudFront Functions or KeyValueStores
// to moto), so one config reaches both; opts adjust it (see answering).
func (e *env) lister(opts ...func(*aws.Config)) (*Lister, *awscalls.Counter) {
	calls := awscalls.New()
	cfg := e.cfg.Copy()
	cfg.BaseEndpoint = e.cfCfg.BaseEndpoint
	calls.Attach(&cfg)
	for _, o := range opts {
		o(&cfg)
	}
	return New(cfg), calls
}

// answering rewrites every answer of type T the Lister's clients receive, for AWS
// behaviour the emulator lacks (an ECS service DRAINING, the tagging API's lag).
func answering[T any](rewrite func(*T)) func(*aws.Config) {
	return func(cfg *aws.Config) {
		cfg.APIOptions = append(cfg.APIOptions, func(stack *middleware.Stack) error {
			return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("rewriteAnswer",
				func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
					out, md, err := next.HandleInitialize(ctx, in)
					if o, ok := out.Result.(*T); ok && err == nil {
						rewrite(o)
					}
					return out, md, err
				}), middleware.After)
		})
	}
}

func (e *env) must(err error) {
	e.t.Helper()
	if err != nil {
		e.t.Fatal(err)
	}
}

// tagSet is one app/stage's ownership tags; look-alikes carry none of berth's.
type tagSet struct{ app, stage string }

var untagged = tagSet{}

func (s tagSet) tagged() bool { return s.app != "" }

// tags returns berth's ownership tags for resource id, plus extra pairs. Look-alikes
// carry somebody else's tag instead: moto 5.2.1's GetResources fails (HTTP 500) in a
// region holding an ECS cluster created without any tag, which AWS does not.
func (s tagSet) tags(id string, extra ...string) map[string]string {
	m := map[string]string{"owner": "someone-else"}
	if s.tagged() {
		m = map[string]string{"berth:app": s.app, "berth:stage": s.stage, "berth:resource": id}
	}
	for i := 0; i+1 < len(extra); i += 2 {
		m[extra[i]] = extra[i+1]
	}
	return m
}

// name is a berth-style name: berth-<app>-<stage>-<rest>-<6 hex>.
func name(app, stage, rest string) string {
	sum := sha256.Sum256([]byte(app + "/" + stage + "/" + rest))
	return "berth-" + app + "-" + stage + "-" + rest + "-" + hex.EncodeToString(sum[:3])
}

// deployment is what deploy created, for assertions.
type deployment struct {
	role, function, signer, logGroup, sg, sgID                         string
	lb, tg, listener, rule, cluster, service, taskFamily, distribution string
	distributionID, distributionArn, oac, oacID, cfFunction, kvs       string
	kvsArn, cert, certArn, functionURL, lbDNS                          string
}

// deploy creates one app/stage's worth of resources the way berth's provisioners name and
// mark them, with the raw SDK: tagged with owner (or nothing, for untagged), named for
// nameApp/nameStage and, for untagged sets, a distinct container name.
func (e *env) deploy(owner tagSet, nameApp, nameStage, container string) deployment {
	e.t.Helper()
	ctx := context.Background()
	n := func(rest string) string { return name(nameApp, nameStage, rest) }
	// Load balancer and target group names are capped at 32 characters: they take only
	// the container's first letter.
	d := deployment{
		role: n(container + "-role"), function: n(container + "-fn"), signer: n(container + "-signer"),
		sg: n(container + "-alb-sg"), lb: n(container[:1] + "-alb"), tg: n(container[:1] + "-tg"),
		listener: n(container + "-listener"), rule: n(container + "-rule"), cluster: n(container + "-cluster"),
		service: n(container + "-svc"), taskFamily: n(container + "-task"), distribution: n(container + "-cdn"),
		oac: n(container + "-oac"), cfFunction: n(container + "-router"), kvs: n(container + "-kvs"),
		cert: n(container + "-cert"),
	}
	d.logGroup = "/aws/lambda/" + d.function

	// IAM role.
	role, err := e.iam.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(d.role),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`),
		Tags:                     iamTags(owner.tags(container + "/Role"))})
	e.must(err)
	roleArn := aws.ToString(role.Role.Arn)

	// Lambda image function and its log group.
	fn, err := e.lambda.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String(d.function), Role: aws.String(roleArn),
		PackageType: lambdatypes.PackageTypeImage, Code: &lambdatypes.FunctionCode{ImageUri: aws.String(motoserver.Account + ".dkr.ecr." + region + ".amazonaws.com/" + nameApp + ":v1")},
		MemorySize: aws.Int32(1024), Timeout: aws.Int32(6), Tags: owner.tags(container + "/Function")})
	e.must(err)
	fnArn := aws.ToString(fn.FunctionArn)
	u, err := e.lambda.CreateFunctionUrlConfig(ctx, &lambda.CreateFunctionUrlConfigInput{FunctionName: aws.String(d.function),
		AuthType: lambdatypes.FunctionUrlAuthTypeAwsIam, InvokeMode: lambdatypes.InvokeModeBuffered})
	e.must(err)
	d.functionURL = aws.ToString(u.FunctionUrl)
	_, err = e.logs.CreateLogGroup(ctx, &logs.CreateLogGroupInput{LogGroupName: aws.String(d.logGroup), Tags: owner.tags(container + "/LogGroup")})
	e.must(err)

	// Lambda@Edge body signer (zip, us-east-1).
	_, err = e.edgeLambda.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String(d.signer), Role: aws.String(roleArn),
		Runtime: lambdatypes.RuntimeNodejs20x, Handler: aws.String("index.handler"), Code: &lambdatypes.FunctionCode{ZipFile: zipped(e.t)},
		MemorySize: aws.Int32(128), Timeout: aws.Int32(5), Tags: owner.tags("BodySigner")})
	e.must(err)

	// Security group, ALB, target group, listener and rule.
	sg, err := e.ec2.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String(d.sg), Description: aws.String("berth ALB"),
		VpcId: aws.String(e.vpc), TagSpecifications: ec2TagSpec(ec2types.ResourceTypeSecurityGroup, owner.tags("AlbSecurityGroup"))})
	e.must(err)
	d.sgID = aws.ToString(sg.GroupId)
	lb, err := e.elb.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String(d.lb), Subnets: e.subnets,
		Type: elbtypes.LoadBalancerTypeEnumApplication, Scheme: elbtypes.LoadBalancerSchemeEnumInternetFacing,
		SecurityGroups: []string{d.sgID}, Tags: elbTags(owner.tags("LoadBalancer"))})
	e.must(err)
	lbArn := aws.ToString(lb.LoadBalancers[0].LoadBalancerArn)
	d.lbDNS = aws.ToString(lb.LoadBalancers[0].DNSName)
	tg, err := e.elb.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{Name: aws.String(d.tg), TargetType: elbtypes.TargetTypeEnumIp,
		Protocol: elbtypes.ProtocolEnumHttp, Port: aws.Int32(8080), VpcId: aws.String(e.vpc), HealthCheckPath: aws.String("/health"),
		Tags: elbTags(owner.tags(container + "/TargetGroup"))})
	e.must(err)
	tgArn := aws.ToString(tg.TargetGroups[0].TargetGroupArn)
	li, err := e.elb.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: aws.String(lbArn), Port: aws.Int32(80), Protocol: elbtypes.ProtocolEnumHttp,
		DefaultActions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumFixedResponse, FixedResponseConfig: &elbtypes.FixedResponseActionConfig{StatusCode: aws.String("404")}}},
		Tags:           elbTags(owner.tags("Listener", "Name", d.listener))})
	e.must(err)
	_, err = e.elb.CreateRule(ctx, &elb.CreateRuleInput{ListenerArn: li.Listeners[0].ListenerArn, Priority: aws.Int32(10),
		Conditions: []elbtypes.RuleCondition{{Field: aws.String("http-header"), HttpHeaderConfig: &elbtypes.HttpHeaderConditionConfig{
			HttpHeaderName: aws.String("X-Berth-Container"), Values: []string{"web"}}}},
		Actions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: aws.String(tgArn)}},
		Tags:    elbTags(owner.tags("web/ListenerRule", "Name", d.rule))})
	e.must(err)

	// ECS cluster, two task definition revisions (the first deregistered), service.
	_, err = e.ecs.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String(d.cluster), Tags: ecsTags(owner.tags("Cluster"))})
	e.must(err)
	var tdArn string
	for i := 0; i < 2; i++ {
		td, err := e.ecs.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{Family: aws.String(d.taskFamily),
			RequiresCompatibilities: []ecstypes.Compatibility{ecstypes.CompatibilityFargate}, NetworkMode: ecstypes.NetworkModeAwsvpc,
			Cpu: aws.String("256"), Memory: aws.String("512"),
			ContainerDefinitions: []ecstypes.ContainerDefinition{{Name: aws.String("web"), Image: aws.String("nginx:latest"),
				PortMappings: []ecstypes.PortMapping{{ContainerPort: aws.Int32(8080)}}}},
			Tags: ecsTags(owner.tags("web/TaskDefinition"))})
		e.must(err)
		if i == 0 {
			_, err = e.ecs.DeregisterTaskDefinition(ctx, &ecs.DeregisterTaskDefinitionInput{TaskDefinition: td.TaskDefinition.TaskDefinitionArn})
			e.must(err)
		}
		tdArn = aws.ToString(td.TaskDefinition.TaskDefinitionArn)
	}
	_, err = e.ecs.CreateService(ctx, &ecs.CreateServiceInput{Cluster: aws.String(d.cluster), ServiceName: aws.String(d.service),
		TaskDefinition: aws.String(tdArn), DesiredCount: aws.Int32(1), LaunchType: ecstypes.LaunchTypeFargate,
		NetworkConfiguration: &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{Subnets: e.subnets, SecurityGroups: []string{d.sgID}}},
		Tags:                 ecsTags(owner.tags("web/Service"))})
	e.must(err)

	// Certificate (us-east-1) and distribution.
	cert, err := e.acm.RequestCertificate(ctx, &acm.RequestCertificateInput{DomainName: aws.String(nameApp + "." + nameStage + ".example.com"),
		ValidationMethod: acmtypes.ValidationMethodDns, Tags: acmTags(owner.tags("Certificate", "Name", d.cert))})
	e.must(err)
	d.certArn = aws.ToString(cert.CertificateArn)
	d.distributionID, d.distributionArn = e.distribution(owner, d.distribution, d.functionURL, d.lbDNS)

	// Both statements berth puts on the function's policy, scoped to the distribution.
	_, err = e.lambda.AddPermission(ctx, &lambda.AddPermissionInput{FunctionName: aws.String(fnArn), StatementId: aws.String("berth-cloudfront-url"),
		Action: aws.String("lambda:InvokeFunctionUrl"), Principal: aws.String("cloudfront.amazonaws.com"), SourceArn: aws.String(d.distributionArn),
		FunctionUrlAuthType: lambdatypes.FunctionUrlAuthTypeAwsIam})
	e.must(err)
	_, err = e.lambda.AddPermission(ctx, &lambda.AddPermissionInput{FunctionName: aws.String(fnArn), StatementId: aws.String("berth-cloudfront-invoke"),
		Action: aws.String("lambda:InvokeFunction"), Principal: aws.String("cloudfront.amazonaws.com"), SourceArn: aws.String(d.distributionArn),
		InvokedViaFunctionUrl: aws.Bool(true)})
	e.must(err)

	// OAC (ownership in its Description), KeyValueStore and router function (tags, and the
	// router's comment carries the marker too).
	desc := "someone else's"
	if owner.tagged() {
		desc = "berth:" + owner.app + "/" + owner.stage + "/OriginAccessControl"
	}
	oac, err := e.cf.CreateOriginAccessControl(ctx, &cloudfront.CreateOriginAccessControlInput{OriginAccessControlConfig: &cftypes.OriginAccessControlConfig{
		Name: aws.String(d.oac), Description: aws.String(desc), OriginAccessControlOriginType: cftypes.OriginAccessControlOriginTypesLambda,
		SigningBehavior: cftypes.OriginAccessControlSigningBehaviorsAlways, SigningProtocol: cftypes.OriginAccessControlSigningProtocolsSigv4}})
	e.must(err)
	d.oacID = aws.ToString(oac.OriginAccessControl.Id)
	store, err := e.cf.CreateKeyValueStore(ctx, &cloudfront.CreateKeyValueStoreInput{Name: aws.String(d.kvs),
		Comment: aws.String("berth routes for " + nameApp + "/" + nameStage), Tags: cfTags(owner.tags("KeyValueStore"))})
	e.must(err)
	d.kvsArn = aws.ToString(store.KeyValueStore.ARN)
	_, err = e.cf.CreateFunction(ctx, &cloudfront.CreateFunctionInput{Name: aws.String(d.cfFunction),
		FunctionConfig: &cftypes.FunctionConfig{Comment: aws.String("berth:" + nameApp + "/" + nameStage + "/RouterFunction"), Runtime: cftypes.FunctionRuntimeCloudfrontJs20,
			KeyValueStoreAssociations: &cftypes.KeyValueStoreAssociations{Quantity: aws.Int32(1), Items: []cftypes.KeyValueStoreAssociation{{KeyValueStoreARN: aws.String(d.kvsArn)}}}},
		FunctionCode: []byte("function handler(event) { return event.request; }"), Tags: cfTags(owner.tags("RouterFunction"))})
	e.must(err)
	return d
}

// distribution creates a distribution with a Lambda origin and an ALB origin, an alias and
// a web ACL, tagged for owner (with a Name tag) and commented with its name as berth does.
func (e *env) distribution(owner tagSet, name, fnURL, albDNS string) (id, arn string) {
	e.t.Helper()
	fnDomain := fnURL
	if u, err := url.Parse(fnURL); err == nil && u.Host != "" {
		fnDomain = u.Host
	}
	custom := &cftypes.CustomOriginConfig{HTTPPort: aws.Int32(80), HTTPSPort: aws.Int32(443), OriginProtocolPolicy: cftypes.OriginProtocolPolicyHttpsOnly}
	cfg := &cftypes.DistributionConfig{
		CallerReference: aws.String(name), Comment: aws.String(name), Enabled: aws.Bool(true),
		WebACLId: aws.String("arn:aws:wafv2:us-east-1:" + motoserver.Account + ":global/webacl/" + name + "/0123"),
		Origins: &cftypes.Origins{Quantity: aws.Int32(2), Items: []cftypes.Origin{
			{Id: aws.String("lambda"), DomainName: aws.String(fnDomain), CustomOriginConfig: custom},
			{Id: aws.String("alb"), DomainName: aws.String(albDNS), CustomOriginConfig: custom},
		}},
		DefaultCacheBehavior: &cftypes.DefaultCacheBehavior{TargetOriginId: aws.String("lambda"), ViewerProtocolPolicy: cftypes.ViewerProtocolPolicyRedirectToHttps},
	}
	var out struct{ id, arn string }
	if owner.tagged() {
		r, err := e.cf.CreateDistributionWithTags(context.Background(), &cloudfront.CreateDistributionWithTagsInput{DistributionConfigWithTags: &cftypes.DistributionConfigWithTags{
			DistributionConfig: cfg, Tags: cfTags(owner.tags("Distribution", "Name", name))}})
		e.must(err)
		out.id, out.arn = aws.ToString(r.Distribution.Id), aws.ToString(r.Distribution.ARN)
	} else {
		r, err := e.cf.CreateDistribution(context.Background(), &cloudfront.CreateDistributionInput{DistributionConfig: cfg})
		e.must(err)
		out.id, out.arn = aws.ToString(r.Distribution.Id), aws.ToString(r.Distribution.ARN)
	}
	return out.id, out.arn
}

func zipped(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	w, err := z.Create("index.js")
	if err == nil {
		_, err = w.Write([]byte("exports.handler = async (e) => e.Records[0].cf.request;"))
	}
	if err == nil {
		err = z.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func iamTags(m map[string]string) []iamtypes.Tag {
	var out []iamtypes.Tag
	for k, v := range m {
		out = append(out, iamtypes.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	return out
}

func ec2TagSpec(rt ec2types.ResourceType, m map[string]string) []ec2types.TagSpecification {
	if len(m) == 0 {
		return nil
	}
	var tags []ec2types.Tag
	for k, v := range m {
		tags = append(tags, ec2types.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	return []ec2types.TagSpecification{{ResourceType: rt, Tags: tags}}
}

func elbTags(m map[string]string) []elbtypes.Tag {
	var out []elbtypes.Tag
	for k, v := range m {
		out = append(out, elbtypes.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	return out
}

func ecsTags(m map[string]string) []ecstypes.Tag {
	var out []ecstypes.Tag
	for k, v := range m {
		out = append(out, ecstypes.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	return out
}

func acmTags(m map[string]string) []acmtypes.Tag {
	var out []acmtypes.Tag
	for k, v := range m {
		out = append(out, acmtypes.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	return out
}

func cfTags(m map[string]string) *cftypes.Tags {
	if len(m) == 0 {
		return nil
	}
	t := &cftypes.Tags{}
	for k, v := range m {
		t.Items = append(t.Items, cftypes.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	return t
}
