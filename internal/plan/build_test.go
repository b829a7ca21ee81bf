package plan

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/edge"
)

func TestBuildLambdaContainer(t *testing.T) {
	api := lambdaContainer("api", "/api/*")
	api.Environment = []config.EnvVar{
		{Name: "PLAIN", Value: "x"},
		{Name: "DB_URL", Value: "postgres://secret", Ref: "ssm:/db/url", Secret: true},
		{Name: "API_KEY", Ref: "env:API_KEY", Secret: true, Unresolved: true},
		{Name: "AWS_LWA_PORT", Value: "9000"},
		{Name: "AWS_LWA_INVOKE_MODE", Value: "response_stream"},
	}
	d := mustBuild(t, appConfig(api))
	fn := props[FunctionProps](t, mustFind(t, d, "api/Function"))
	raw := string(mustFind(t, d, "api/Function").Props)

	tests := []struct {
		name string
		ok   bool
	}{
		{"the adapter listens where the user said", fn.Environment["AWS_LWA_PORT"].Value == "9000"},
		{"the readiness check is the health check path", fn.Environment["AWS_LWA_READINESS_CHECK_PATH"].Value == "/health"},
		{"the adapter's invoke mode is the URL's, lower-cased, whatever the user set", fn.Environment["AWS_LWA_INVOKE_MODE"].Value == "buffered"},
		{"the app's Authorization comes back from berth's header", fn.Environment["AWS_LWA_AUTHORIZATION_SOURCE"].Value == AuthorizationSourceHeader},
		{"a literal is kept as is", fn.Environment["PLAIN"] == EnvValue{Value: "x"}},
		{"a secret is kept as ref and fingerprint", fn.Environment["DB_URL"] == EnvValue{Ref: "ssm:/db/url", Fingerprint: Fingerprint(testTarget.FingerprintKey, "shop", "prod", "DB_URL", "postgres://secret")}},
		{"a secret's value is nowhere in the plan", !strings.Contains(raw, "postgres://secret")},
		{"an unresolved value is kept as its ref only", fn.Environment["API_KEY"] == EnvValue{Ref: "env:API_KEY"}},
		{"the function logs to /aws/lambda/<name>", mustFind(t, d, "api/LogGroup").Name == "/aws/lambda/"+mustFind(t, d, "api/Function").Name},
		{"the function runs as its own role", fn.Role.Ref != nil && fn.Role.Ref.ID == "api/Role"},
		{"the URL is AWS_IAM", props[FunctionURLProps](t, mustFind(t, d, "api/Url")).AuthType == "AWS_IAM"},
		{"the route, keyed by edge, points at the URL", *props[RouteTableProps](t, mustFind(t, d, IDRouteTable)).Routes[edge.RouteKey("", "/api/*")].FunctionURL == Ref{ID: "api/Url", Attr: AttrURL}},
		{"the route table holds exactly the one route", len(props[RouteTableProps](t, mustFind(t, d, IDRouteTable)).Routes) == 1},
		{"the distribution gets the body signer", props[DistributionProps](t, mustFind(t, d, IDDistribution)).BodySigner != nil},
		{"the body signer is a us-east-1 Lambda@Edge function", mustFind(t, d, IDBodySigner).Region == EdgeRegion},
		{"the function is in the target region", mustFind(t, d, "api/Function").Region == testTarget.Region},
		{"there is no ALB origin", props[DistributionProps](t, mustFind(t, d, IDDistribution)).ALBOrigin == nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !tt.ok {
				t.Errorf("function props: %s", raw)
			}
		})
	}
}

func TestBuildRoles(t *testing.T) {
	withRole := lambdaContainer("api", "/*")
	withRole.Compute.RoleArn = "arn:aws:iam::123456789012:role/mine"
	withPolicy := lambdaContainer("api", "/*")
	withPolicy.Compute.CustomPolicy = map[string]any{"Version": "2012-10-17"}
	fargateWithRole := fargateContainer("api", "/*")
	fargateWithRole.Compute.RoleArn = "arn:aws:iam::123456789012:role/mine"

	deploymentRole := func(c config.Container) *config.Config {
		cfg := appConfig(c)
		cfg.Deployment.RoleArn = "arn:aws:iam::123456789012:role/shared"
		return cfg
	}
	tests := []struct {
		name     string
		cfg      *config.Config
		roleID   string
		wantArn  string // "" = berth's own role
		wantNoID bool
	}{
		{"a container's roleArn is used and no role is created", appConfig(withRole), "api/Role", "arn:aws:iam::123456789012:role/mine", true},
		{"deployment.awsIam.roleArn is used and no role is created", deploymentRole(lambdaContainer("api", "/*")), "api/Role", "arn:aws:iam::123456789012:role/shared", true},
		{"a customPolicy gets its own role even with a deployment role", deploymentRole(withPolicy), "api/Role", "", false},
		{"a Fargate container's roleArn is its task role", appConfig(fargateWithRole), "api/TaskRole", "arn:aws:iam::123456789012:role/mine", true},
		{"a Fargate container gets its own task role", appConfig(fargateContainer("api", "/*")), "api/TaskRole", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := mustBuild(t, tt.cfg)
			if (find(d, tt.roleID) == nil) != tt.wantNoID {
				t.Fatalf("role resource %s present = %v", tt.roleID, find(d, tt.roleID) != nil)
			}
			var got RoleRef
			if r := find(d, "api/Function"); r != nil {
				got = props[FunctionProps](t, r).Role
			} else {
				got = props[TaskDefinitionProps](t, mustFind(t, d, "api/TaskDefinition")).TaskRole
			}
			if got.Arn != tt.wantArn || (tt.wantArn == "") != (got.Ref != nil) {
				t.Errorf("role = %+v, want arn %q", got, tt.wantArn)
			}
			if r := find(d, tt.roleID); r != nil {
				if r.Region != EdgeRegion || !strings.HasPrefix(r.Name, "berth-") {
					t.Errorf("role %s in %s named %s", r.ID, r.Region, r.Name)
				}
			}
		})
	}
}

func TestBuildFargate(t *testing.T) {
	web := fargateContainer("web", "/*")
	web.Compute.Fargate.Scale = []config.ScalePolicy{{Type: "desired", Desired: 3}}
	byo := appConfig(fargateContainer("web", "/*"))
	byo.Deployment.VPC = &config.VPC{ID: "vpc-1", PublicSubnets: []string{"subnet-pub"}, PrivateSubnets: []string{"subnet-priv"},
		S2SSecurityGroupID: "sg-s2s", LoadBalancerSecurityGroupID: "sg-lb"}
	byo.Deployment.AlbWafAclArn = "arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/x/1"
	byo.Deployment.ExecutionRole = "arn:aws:iam::123456789012:role/exec"

	d := mustBuild(t, appConfig(web))
	b := mustBuild(t, byo)
	svc := props[ServiceProps](t, mustFind(t, d, "web/Service"))
	bsvc := props[ServiceProps](t, mustFind(t, b, "web/Service"))
	tg := props[TargetGroupProps](t, mustFind(t, d, "web/TargetGroup"))
	lb := props[LoadBalancerProps](t, mustFind(t, b, IDLoadBalancer))
	task := props[SecurityGroupProps](t, mustFind(t, b, IDTaskSecurityGroup))
	albSG := props[SecurityGroupProps](t, mustFind(t, d, IDAlbSecurityGroup))
	albIn := props[SecurityGroupIngressProps](t, mustFind(t, d, IDAlbIngress))
	dlb := props[LoadBalancerProps](t, mustFind(t, d, IDLoadBalancer))
	vo := props[VpcOriginProps](t, mustFind(t, d, IDVpcOrigin))
	dist := props[DistributionProps](t, mustFind(t, d, IDDistribution))

	tests := []struct {
		name string
		ok   bool
	}{
		{"the service runs the desired count", svc.DesiredCount == 3},
		{"the service rolls back a failed deployment", svc.CircuitBreakerWithRollback && svc.HealthCheckGracePeriodSec == 60},
		{"in the default VPC tasks get a public IP", svc.AssignPublicIP && svc.SubnetIDs == nil},
		{"the service waits for its listener rule", slices.Contains(mustFind(t, d, "web/Service").DependsOn, "web/ListenerRule")},
		{"the target group is tuned for fast deploys", tg.HealthCheckIntervalSec == 10 && tg.HealthyThreshold == 2 && tg.DeregistrationDelaySec == 30 && tg.Matcher == "200-399"},
		{"the ALB's group is made bare, its ingress set separately", albSG.SeparateIngress && len(albSG.Ingress) == 0},
		{"the ALB admits CloudFront's VPC origins group only", len(albIn.Ingress) == 1 && albIn.Ingress[0].SourceGroupName == CloudFrontVpcOriginsGroup && albIn.Ingress[0].FromPort == 80 && albIn.Group.ID == IDAlbSecurityGroup},
		{"the ALB's ingress waits for the VPC origin", slices.Contains(mustFind(t, d, IDAlbIngress).DependsOn, IDVpcOrigin)},
		{"the ALB is internal even in the default VPC", dlb.Scheme == "internal"},
		{"the VPC origin points at the ALB over HTTP", vo.LoadBalancer.ID == IDLoadBalancer && vo.HTTPPort == 80 && vo.Protocol == "http-only"},
		{"the distribution reaches the ALB through the VPC origin", dist.ALBOrigin != nil && dist.VpcOrigin != nil && dist.VpcOrigin.ID == IDVpcOrigin},
		{"the distribution waits for the ALB to admit CloudFront", slices.Contains(mustFind(t, d, IDDistribution).DependsOn, IDAlbIngress)},
		{"a given ALB group gets no ingress from berth", find(b, IDAlbIngress) == nil && find(b, IDVpcOrigin) != nil},
		{"the router knows the ALB origin id", props[CloudFrontFunctionProps](t, mustFind(t, d, IDRouterFunction)).ALBOriginID == ALBOriginID},
		{"the listener rule matches the container header", props[ListenerRuleProps](t, mustFind(t, d, "web/ListenerRule")).HeaderValue == "web"},
		{"an ECS log group is /berth/app/stage/container", mustFind(t, d, "web/LogGroup").Name == "/berth/shop/prod/web"},
		{"a Fargate-only app has no body signer", find(d, IDBodySigner) == nil && props[DistributionProps](t, mustFind(t, d, IDDistribution)).BodySigner == nil},
		{"a given ALB security group replaces berth's", find(b, IDAlbSecurityGroup) == nil && slices.Equal(lb.SecurityGroupIDs, []string{"sg-lb"})},
		{"tasks admit the given ALB group only", len(task.Ingress) == 1 && task.Ingress[0].SourceGroupID == "sg-lb" && task.Ingress[0].SourceGroup == nil},
		{"an internal ALB sits in the private subnets", lb.Scheme == "internal" && slices.Equal(lb.SubnetIDs, []string{"subnet-priv"})},
		{"with awsVpc tasks run in private subnets with the s2s group", !bsvc.AssignPublicIP && slices.Equal(bsvc.SubnetIDs, []string{"subnet-priv"}) && slices.Equal(bsvc.SecurityGroupIDs, []string{"sg-s2s"})},
		{"the ALB web ACL is associated", find(b, IDAlbWebACLAssociation) != nil && find(d, IDAlbWebACLAssociation) == nil},
		{"a given execution role replaces berth's", find(b, IDExecutionRole) == nil && props[TaskDefinitionProps](t, mustFind(t, b, "web/TaskDefinition")).ExecutionRole.Arn == "arn:aws:iam::123456789012:role/exec"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !tt.ok {
				t.Error("not so")
			}
		})
	}
}

func TestBuildAutoscaling(t *testing.T) {
	lo, hi := 0.0, 20.0
	web := fargateContainer("web", "/*")
	web.Compute.Fargate.Scale = []config.ScalePolicy{
		{Type: "min", Min: 2}, {Type: "max", Max: 10},
		{Type: "target", Target: "cpu", Value: 70, ScaleIn: true},
		{Type: "target", Target: "albRequestsPerTarget", Value: 100, ScaleIn: false},
		{Type: "step", AdjustmentType: "ChangeInCapacity", MetricName: "CPUUtilization", Namespace: "AWS/ECS",
			Threshold: 75, ComparisonOperator: "GreaterThanThreshold", Cooldown: 60, MetricAggregationType: "Average",
			StepAdjustments: []config.StepAdjustment{{LowerBound: &lo, UpperBound: &hi, ScalingAdjustment: 1}, {LowerBound: &hi, ScalingAdjustment: 2}}},
	}
	d := mustBuild(t, appConfig(web))
	st := props[ScalableTargetProps](t, mustFind(t, d, "web/ScalableTarget"))
	cpu := props[ScalingPolicyProps](t, mustFind(t, d, "web/ScalingPolicy-1"))
	alb := props[ScalingPolicyProps](t, mustFind(t, d, "web/ScalingPolicy-2"))
	step := props[ScalingPolicyProps](t, mustFind(t, d, "web/ScalingPolicy-3"))
	tests := []struct {
		name string
		ok   bool
	}{
		{"the service starts at min", props[ServiceProps](t, mustFind(t, d, "web/Service")).DesiredCount == 2},
		{"the scalable target spans min..max", st.Min == 2 && st.Max == 10},
		{"the scalable target is named by its resource id", strings.HasPrefix(mustFind(t, d, "web/ScalableTarget").Name, "service/berth-shop-prod-cluster-")},
		{"a cpu target tracks average CPU", cpu.PolicyType == "TargetTrackingScaling" && cpu.PredefinedMetric == "ECSServiceAverageCPUUtilization" && cpu.TargetValue == 70 && !cpu.DisableScaleIn},
		{"a request-count target names its ALB and target group", alb.LoadBalancer != nil && alb.TargetGroup != nil && alb.DisableScaleIn},
		{"a request-count policy depends on the ALB and target group", slices.Contains(mustFind(t, d, "web/ScalingPolicy-2").DependsOn, "web/TargetGroup")},
		{"an autoscaled service says so, so its live count is left alone", props[ServiceProps](t, mustFind(t, d, "web/Service")).AutoScaled},
		{"a step policy keeps its steps", step.PolicyType == "StepScaling" && len(step.StepAdjustments) == 2 && *step.StepAdjustments[0].UpperBound == 20 && step.StepAdjustments[1].UpperBound == nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !tt.ok {
				t.Error("not so")
			}
		})
	}
	if plain := mustBuild(t, appConfig(fargateContainer("web", "/*"))); find(plain, "web/ScalableTarget") != nil {
		t.Error("a service without target or step policies got a scalable target")
	}
}

func TestBuildCustomDomains(t *testing.T) {
	api := lambdaContainer("api", "/api/*")
	api.Routing.Domain = "API.example.com."
	web := fargateContainer("web", "/*")
	web.Routing.Domain = "example.com"
	for _, region := range []string{"eu-west-1", "us-east-1", "ap-southeast-2", "sa-east-1"} {
		t.Run("in "+region+" the certificate is in us-east-1", func(t *testing.T) {
			d, err := Build(appConfig(api, web), Target{Region: region})
			if err != nil {
				t.Fatal(err)
			}
			cert := mustFind(t, d, IDCertificate)
			if cert.Region != "us-east-1" {
				t.Fatalf("certificate in %s", cert.Region)
			}
			cp := props[CertificateProps](t, cert)
			if cp.DomainName != "api.example.com" || !slices.Equal(cp.SubjectAlternativeNames, []string{"example.com"}) {
				t.Errorf("certificate %+v", cp)
			}
			dist := props[DistributionProps](t, mustFind(t, d, IDDistribution))
			if !slices.Equal(dist.Aliases, []string{"api.example.com", "example.com"}) || dist.Certificate == nil {
				t.Errorf("distribution aliases %v", dist.Aliases)
			}
			for _, id := range []string{"CertificateValidation-example.com", "Alias-example.com-A", "Alias-api.example.com-AAAA"} {
				rs := props[RecordSetProps](t, mustFind(t, d, id))
				if rs.HostedZoneDomain != rs.RecordName {
					t.Errorf("%s: %+v", id, rs)
				}
			}
			if !slices.Contains(mustFind(t, d, IDDistribution).DependsOn, "CertificateValidation-api.example.com") {
				t.Error("the distribution does not wait for certificate validation")
			}
			if rt, ok := props[RouteTableProps](t, mustFind(t, d, IDRouteTable)).Routes["api.example.com/api/*"]; !ok || rt.Container != "api" {
				t.Errorf("routes %v lack the host-prefixed key", props[RouteTableProps](t, mustFind(t, d, IDRouteTable)).Routes)
			}
			if !props[CloudFrontFunctionProps](t, mustFind(t, d, IDRouterFunction)).HostRouting {
				t.Error("router without host routing")
			}
		})
	}
}

func TestBuildDependencies(t *testing.T) {
	// Without the adapter layer, which everything waits for
	// (TestEveryMutationOutsideTheBuildPathWaitsForEveryBuild).
	api := lambdaContainer("api", "/api/*")
	api.Compute.Lambda.NoWebAdapter = true
	d := mustBuild(t, appConfig(api, fargateContainer("web", "/*")))
	tests := []struct {
		name, id string
		want     []string
	}{
		{"the ECS service waits for its listener rule", "web/Service", []string{"Cluster", "TaskSecurityGroup", "web/ListenerRule", "web/TargetGroup", "web/TaskDefinition"}},
		{"the permission waits for the distribution and the function", "api/Permission", []string{"Distribution", "api/Function"}},
		{"the route table waits for the store and every route's origin: URL and permission, rule, service and distribution",
			IDRouteTable, []string{"Distribution", "KeyValueStore", "api/Permission", "api/Url", "web/ListenerRule", "web/Service"}},
		{"the distribution waits for router, ALB, listener, VPC origin, ALB ingress and signer", IDDistribution, []string{"AlbIngress", "BodySigner", "Listener", "LoadBalancer", "RouterFunction", "VpcOrigin"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := mustFind(t, d, tt.id).DependsOn; !slices.Equal(got, tt.want) {
				t.Errorf("DependsOn = %v, want %v", got, tt.want)
			}
		})
	}
}

// Every Ref in every resource's props is among its dependencies.
func TestEveryRefIsADependency(t *testing.T) {
	for _, cfg := range generatedConfigs(200) {
		d := mustBuild(t, cfg)
		for _, r := range d.Resources {
			var v any
			if err := json.Unmarshal(r.Props, &v); err != nil {
				t.Fatal(err)
			}
			for _, id := range jsonRefs(v) {
				if !slices.Contains(r.DependsOn, id) {
					t.Fatalf("%s refers to %s but does not depend on it", r.ID, id)
				}
			}
		}
	}
}

func jsonRefs(v any) []string {
	var out []string
	switch v := v.(type) {
	case map[string]any:
		if id, ok := v["ref"].(string); ok {
			if _, ok := v["attr"]; ok {
				out = append(out, id)
			}
		}
		for _, x := range v {
			out = append(out, jsonRefs(x)...)
		}
	case []any:
		for _, x := range v {
			out = append(out, jsonRefs(x)...)
		}
	}
	return out
}

func TestBuildRejects(t *testing.T) {
	vpcLambda := lambdaContainer("api", "/*")
	vpcLambda.Compute.Lambda.VPC = true
	noImage := lambdaContainer("api", "/*")
	noImage.Image = ""
	tests := []struct {
		name string
		cfg  *config.Config
		t    Target
		want string
	}{
		{"no config", nil, testTarget, "no config"},
		{"no region", appConfig(lambdaContainer("api", "/*")), Target{}, "no target region"},
		{"two containers on one route", appConfig(lambdaContainer("a", "/x/*"), fargateContainer("b", "/x/*")), testTarget, "same key"},
		{"a Lambda in a VPC without awsVpc", appConfig(vpcLambda), testTarget, "needs deployment.awsVpc"},
		{"a container without image or src", appConfig(noImage), testTarget, "neither image nor src"},
		{"a path the router cannot look up", appConfig(lambdaContainer("api", "/a/*/b")), testTarget, "'*'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Build(tt.cfg, tt.t)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

func TestListenerRulePrioritiesAreDistinctAndStable(t *testing.T) {
	var names []string
	for i := 0; i < 2000; i++ {
		names = append(names, "c"+strings.Repeat("x", i%7)+string(rune('a'+i%26))+strings.Repeat("0", i%5)+string(rune('a'+i/26%26))+string(rune('a'+i/676)))
	}
	names = slices.Compact(slices.Sorted(slices.Values(names)))
	p := listenerPriorities(names)
	seen := map[int]string{}
	for _, n := range names {
		if p[n] < 1 || p[n] > 50000 {
			t.Fatalf("%s priority %d", n, p[n])
		}
		if o, dup := seen[p[n]]; dup {
			t.Fatalf("%s and %s share priority %d", o, n, p[n])
		}
		seen[p[n]] = n
	}
	if a, b := listenerPriorities([]string{"api"})["api"], listenerPriorities([]string{"api", "web", "zzz"})["api"]; a != b {
		t.Errorf("api moved from %d to %d when others were added", a, b)
	}
}

func TestDesiredCount(t *testing.T) {
	tests := []struct {
		name  string
		scale []config.ScalePolicy
		want  int
	}{
		{"without scale one task runs", nil, 1},
		{"desired wins", []config.ScalePolicy{{Type: "min", Min: 2}, {Type: "desired", Desired: 4}}, 4},
		{"min is the start without desired", []config.ScalePolicy{{Type: "min", Min: 2}, {Type: "max", Max: 9}}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := readScale(tt.scale).desired; got != tt.want {
				t.Errorf("desired = %d, want %d", got, tt.want)
			}
		})
	}
}

// The distribution must never wait for the route table (routes are the fast path that
// must not drag a distribution deployment along), not even transitively.
func TestNoRouteIsADependencyOfTheDistribution(t *testing.T) {
	for _, cfg := range generatedConfigs(100) {
		d := mustBuild(t, cfg)
		seen := map[string]bool{}
		var walk func(id string)
		walk = func(id string) {
			if seen[id] {
				return
			}
			seen[id] = true
			r := mustFind(t, d, id)
			if r.Kind == KindRouteTable {
				t.Fatalf("the distribution depends on %s", id)
			}
			for _, dep := range r.DependsOn {
				walk(dep)
			}
		}
		walk(IDDistribution)
	}
}

func TestSecretFingerprintsAreKeyedByTheInstallation(t *testing.T) {
	key, other := []byte("installation-one-key-0123456789abcdef"), []byte("installation-two-key-0123456789abcdef")
	fp := Fingerprint(key, "shop", "dev", "PIN", "1234")
	// The old digest, sha256 over public values only, could be recomputed by anyone
	// holding a plan; the keyed one cannot.
	public := sha256.Sum256([]byte("shop/dev/PIN/1234"))
	tests := []struct {
		name string
		ok   bool
	}{
		{"it is an HMAC-SHA256 in hex", len(fp) == 64},
		{"the same key and value give the same fingerprint", fp == Fingerprint(key, "shop", "dev", "PIN", "1234")},
		{"another installation's key gives another", fp != Fingerprint(other, "shop", "dev", "PIN", "1234")},
		{"the stage still salts it", fp != Fingerprint(key, "shop", "prod", "PIN", "1234")},
		{"it is not the digest of public values", fp != hex.EncodeToString(public[:])},
	}
	for _, tc := range tests {
		if !tc.ok {
			t.Error(tc.name)
		}
	}
}

func TestWithoutAKeyAResolvedSecretKeepsOnlyItsRef(t *testing.T) {
	into := map[string]EnvValue{}
	envValues(nil, "shop", "dev", []config.EnvVar{{Name: "K", Value: "v", Ref: "ssm:/k", Secret: true}}, into)
	if into["K"] != (EnvValue{Ref: "ssm:/k"}) {
		t.Errorf("got %+v", into["K"])
	}
}
