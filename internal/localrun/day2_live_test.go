package localrun

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	aas "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	aastypes "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/route53"

	"github.com/berth-dev/berth/internal/iamcheck"
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision/iam"
)

// liveState is what the account runs after a deployment, read from AWS (never from the
// plan or berth's state): the report's inventory, attribute by attribute ("<type> <name>
// <attr>"), and the values inventory does not list, keyed by container:
//
//	fn:<c>.image|memory|timeout|env.<K>            Lambda function configuration
//	task:<c>.image|cpu|memory|port|env.<K>|secret.<K>   the task definition its service runs
//	task:<c>.fingerprint.<K>                       the secret's fingerprint label
//	task:<c>.execReads|execDecrypts|execReadsOther  its execution role's policy, read back
//	                                               from IAM and evaluated (execRole)
//	scale:<c>.min|max|policies                     Application Auto Scaling
//	tg:<c>.healthCheckPath, lb.idleTimeout|scheme   ELBv2
//	dist.aliases|webAcl|vpcOrigin                   the distribution (vpcOrigin: liveVpcOrigin)
//	vpcOrigin.status|alb                            the app's CloudFront VPC origin
//	sg:<alb|task>.ingress                           its security groups' ingress rules
//	listener:<port>                                 the ALB's listeners (liveListeners)
//	path:<host><pattern>                            a private app's listener rules (liveListeners)
//	dns:<public|private>:<name> <A|AAAA>            alias records in the account's zones (liveRecords)
//	certificates                                    the app's ACM certificates, "<domain>@<region>"
//	route:<key> (container), routeValue:<key>       KeyValueStore entries
//	rule:<c>.<integration>.pattern|targets          EventBridge rules (targets by container)
func liveState(t *testing.T, s *Session, r *Report) map[string]string {
	t.Helper()
	ctx := context.Background()
	m := map[string]string{}
	for _, it := range r.Inventory {
		m[it.Type+" "+it.Name] = "exists"
		for k, v := range it.Attributes {
			m[it.Type+" "+it.Name+" "+k] = v
		}
		switch it.Type {
		case "AWS::Lambda::Function":
			liveFunction(ctx, t, s, it.Arn, container(it.Name), m)
		case "AWS::ECS::Service":
			liveTask(ctx, t, s, it.Attributes["taskDefinition"], container(it.Name), m)
		case "AWS::ElasticLoadBalancingV2::TargetGroup":
			m["tg:"+container(it.Name)+".healthCheckPath"] = it.Attributes["healthCheckPath"]
		case "AWS::ElasticLoadBalancingV2::LoadBalancer":
			liveIdleTimeout(ctx, t, s, it.Arn, m)
			liveListeners(ctx, t, s, it.Arn, m)
			m["lb.scheme"] = it.Attributes["scheme"]
		case "AWS::EC2::SecurityGroup":
			liveIngress(ctx, t, s, it.Name, it.Attributes["groupId"], m)
		case "AWS::CloudFront::Distribution":
			m["dist.aliases"] = it.Attributes["aliases"]
			if it.Attributes["webAclId"] != "" {
				m["dist.webAcl"] = "set"
			}
		}
	}
	var certs []string
	for _, it := range r.Inventory {
		if it.Type == string(plan.KindCertificate) {
			certs = append(certs, it.Attributes["domainName"]+"@"+it.Attributes["region"])
		}
	}
	sort.Strings(certs)
	m["certificates"] = strings.Join(certs, ",")
	liveScaling(ctx, t, s, m)
	liveRules(ctx, t, s, m)
	liveRecords(ctx, t, s, r, m)
	liveVpcOrigin(ctx, t, s, r, m)
	for key, raw := range r.Routes {
		var v struct {
			C string `json:"c"`
		}
		if err := json.Unmarshal([]byte(raw), &v); err != nil {
			t.Fatalf("route %s: %v", key, err)
		}
		m["route:"+key] = v.C
		m["routeValue:"+key] = raw
	}
	return m
}

func liveFunction(ctx context.Context, t *testing.T, s *Session, arn, c string, m map[string]string) {
	t.Helper()
	region := strings.Split(arn, ":")[3]
	out, err := awslambda.NewFromConfig(s.Env.AWS, func(o *awslambda.Options) { o.Region = region }).GetFunction(ctx,
		&awslambda.GetFunctionInput{FunctionName: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	cfg := out.Configuration
	if out.Code != nil {
		m["fn:"+c+".image"] = aws.ToString(out.Code.ImageUri)
	}
	m["fn:"+c+".memory"] = strconv.Itoa(int(aws.ToInt32(cfg.MemorySize)))
	m["fn:"+c+".timeout"] = strconv.Itoa(int(aws.ToInt32(cfg.Timeout)))
	if cfg.Environment != nil {
		for k, v := range cfg.Environment.Variables {
			m["fn:"+c+".env."+k] = v
		}
	}
}

func liveTask(ctx context.Context, t *testing.T, s *Session, taskDef, c string, m map[string]string) {
	t.Helper()
	out, err := ecs.NewFromConfig(s.Env.AWS).DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String(taskDef)})
	if err != nil {
		t.Fatal(err)
	}
	td := out.TaskDefinition
	m["task:"+c+".cpu"] = aws.ToString(td.Cpu)
	m["task:"+c+".memory"] = aws.ToString(td.Memory)
	for _, cd := range td.ContainerDefinitions {
		m["task:"+c+".image"] = aws.ToString(cd.Image)
		for _, pm := range cd.PortMappings {
			m["task:"+c+".port"] = strconv.Itoa(int(aws.ToInt32(pm.ContainerPort)))
		}
		for _, kv := range cd.Environment {
			m["task:"+c+".env."+aws.ToString(kv.Name)] = aws.ToString(kv.Value)
		}
		var params []string
		for _, sec := range cd.Secrets {
			m["task:"+c+".secret."+aws.ToString(sec.Name)] = aws.ToString(sec.ValueFrom)
			m["task:"+c+".fingerprint."+aws.ToString(sec.Name)] = cd.DockerLabels["berth.secret."+aws.ToString(sec.Name)]
			params = append(params, aws.ToString(sec.ValueFrom))
		}
		if len(params) > 0 {
			execRole(ctx, t, s, aws.ToString(td.ExecutionRoleArn), c, params, m)
		}
	}
}

// execRole evaluates the execution role's inline policy, as IAM returns it, with
// iamcheck (moto evaluates no IAM) for what ECS does when a task starts: ssm:GetParameters
// on each parameter the task injects, and kms:Decrypt through SSM with the encryption
// context Parameter Store sends (PARAMETER_ARN, KMS DG "How AWS Systems Manager Parameter
// Store uses AWS KMS"). A parameter the task does not inject must be denied.
//
//	execReads, execDecrypts: "all" or the first parameter denied
//	execReadsOther: "denied" or "allowed" for another parameter of the same app
func execRole(ctx context.Context, t *testing.T, s *Session, roleArn, c string, params []string, m map[string]string) {
	t.Helper()
	name := roleArn[strings.LastIndex(roleArn, "/")+1:]
	out, err := awsiam.NewFromConfig(s.Env.AWS).GetRolePolicy(ctx, &awsiam.GetRolePolicyInput{
		RoleName: aws.String(name), PolicyName: aws.String(iam.InlinePolicyName)})
	if err != nil {
		t.Fatalf("execution role %s: %v", name, err)
	}
	raw, err := url.PathUnescape(aws.ToString(out.PolicyDocument)) // IAM returns it URL-encoded
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := json.Unmarshal([]byte(raw), &doc); err != nil {
		t.Fatal(err)
	}
	sts, err := iamcheck.Statements(name, doc)
	if err != nil {
		t.Fatal(err)
	}
	arn := strings.Split(params[0], ":")
	account, region := arn[4], arn[3]
	allowed := func(action, resource string, extra map[string][]string) bool {
		rc := map[string][]string{"aws:PrincipalAccount": {account}}
		for k, v := range extra {
			rc[k] = v
		}
		ok, _ := iamcheck.Decide(sts, iamcheck.Request{Action: action, Resource: resource, Context: rc})
		return ok
	}
	decrypt := func(param string) bool {
		return allowed("kms:Decrypt", "arn:aws:kms:"+region+":"+account+":key/0a1b2c3d-customer-key", map[string][]string{
			"kms:ViaService": {"ssm." + region + ".amazonaws.com"}, "kms:EncryptionContext:PARAMETER_ARN": {param}})
	}
	m["task:"+c+".execReads"], m["task:"+c+".execDecrypts"] = "all", "all"
	for _, p := range params {
		if !allowed("ssm:GetParameters", p, nil) && m["task:"+c+".execReads"] == "all" {
			m["task:"+c+".execReads"] = p
		}
		if !decrypt(p) && m["task:"+c+".execDecrypts"] == "all" {
			m["task:"+c+".execDecrypts"] = p
		}
	}
	other := "arn:aws:ssm:" + region + ":" + account + ":parameter/berth/shop/dev/env/NOT_REFERENCED"
	m["task:"+c+".execReadsOther"] = "denied"
	if allowed("ssm:GetParameters", other, nil) || decrypt(other) {
		m["task:"+c+".execReadsOther"] = "allowed"
	}
}

func liveIdleTimeout(ctx context.Context, t *testing.T, s *Session, arn string, m map[string]string) {
	t.Helper()
	out, err := elb.NewFromConfig(s.Env.AWS).DescribeLoadBalancerAttributes(ctx, &elb.DescribeLoadBalancerAttributesInput{LoadBalancerArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	// AWS always lists the attribute (default 60 s: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/edit-load-balancer-attributes.html);
	// moto only once it was modified.
	m["lb.idleTimeout"] = "60"
	for _, a := range out.Attributes {
		if aws.ToString(a.Key) == "idle_timeout.timeout_seconds" {
			m["lb.idleTimeout"] = aws.ToString(a.Value)
		}
	}
}

func liveScaling(ctx context.Context, t *testing.T, s *Session, m map[string]string) {
	t.Helper()
	client := aas.NewFromConfig(s.Env.AWS)
	targets, err := client.DescribeScalableTargets(ctx, &aas.DescribeScalableTargetsInput{ServiceNamespace: aastypes.ServiceNamespaceEcs})
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range targets.ScalableTargets {
		c := container(aws.ToString(st.ResourceId)[strings.LastIndex(aws.ToString(st.ResourceId), "/")+1:])
		m["scale:"+c+".min"] = strconv.Itoa(int(aws.ToInt32(st.MinCapacity)))
		m["scale:"+c+".max"] = strconv.Itoa(int(aws.ToInt32(st.MaxCapacity)))
		policies, err := client.DescribeScalingPolicies(ctx, &aas.DescribeScalingPoliciesInput{
			ServiceNamespace: aastypes.ServiceNamespaceEcs, ResourceId: st.ResourceId})
		if err != nil {
			t.Fatal(err)
		}
		var types []string
		for _, p := range policies.ScalingPolicies {
			types = append(types, string(p.PolicyType))
		}
		sort.Strings(types)
		m["scale:"+c+".policies"] = strings.Join(types, ",")
	}
}

var ruleOf = regexp.MustCompile(`^berth-shop-dev-(.+?)-evt-(.+)-[0-9a-f]{6}$`)

// liveRules reads the app's EventBridge rules by name from EventBridge itself (not the
// tagging API): each rule's pattern (keys sorted) or schedule, and its targets: a function
// as its container, an API destination as "POST <path>" of its endpoint (with " as role"
// when the target has one); then each container's connection as "<authorization> <header>".
func liveRules(ctx context.Context, t *testing.T, s *Session, m map[string]string) {
	t.Helper()
	c := eventbridge.NewFromConfig(s.Env.AWS)
	rules, err := c.ListRules(ctx, &eventbridge.ListRulesInput{NamePrefix: aws.String("berth-shop-dev-")})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rules.Rules {
		parts := ruleOf.FindStringSubmatch(aws.ToString(r.Name))
		if parts == nil {
			t.Fatalf("rule %s is not named as berth names integrations", aws.ToString(r.Name))
		}
		key := "rule:" + parts[1] + "." + parts[2]
		if r.ScheduleExpression != nil {
			m[key+".schedule"] = aws.ToString(r.ScheduleExpression)
		} else {
			var pattern any
			if err := json.Unmarshal([]byte(aws.ToString(r.EventPattern)), &pattern); err != nil {
				t.Fatalf("rule %s pattern: %v", aws.ToString(r.Name), err)
			}
			b, _ := json.Marshal(pattern)
			m[key+".pattern"] = string(b)
		}
		targets, err := c.ListTargetsByRule(ctx, &eventbridge.ListTargetsByRuleInput{Rule: r.Name})
		if err != nil {
			t.Fatal(err)
		}
		var to []string
		for _, tg := range targets.Targets {
			arn := aws.ToString(tg.Arn)
			if _, dest, ok := strings.Cut(arn, ":api-destination/"); ok {
				d, err := c.DescribeApiDestination(ctx, &eventbridge.DescribeApiDestinationInput{Name: aws.String(strings.Split(dest, "/")[0])})
				if err != nil {
					t.Fatal(err)
				}
				u, _ := url.Parse(aws.ToString(d.InvocationEndpoint))
				desc := string(d.HttpMethod) + " " + u.Path
				if tg.RoleArn != nil {
					desc += " as role"
				}
				to = append(to, desc)
				continue
			}
			to = append(to, container(arn[strings.LastIndex(arn, ":")+1:]))
		}
		sort.Strings(to)
		m[key+".targets"] = strings.Join(to, ",")
	}
	conns, err := c.ListConnections(ctx, &eventbridge.ListConnectionsInput{NamePrefix: aws.String("berth-shop-dev-")})
	if err != nil {
		t.Fatal(err)
	}
	for _, cn := range conns.Connections {
		d, err := c.DescribeConnection(ctx, &eventbridge.DescribeConnectionInput{Name: cn.Name})
		if err != nil {
			t.Fatal(err)
		}
		header := ""
		if d.AuthParameters != nil && d.AuthParameters.ApiKeyAuthParameters != nil {
			header = aws.ToString(d.AuthParameters.ApiKeyAuthParameters.ApiKeyName)
		}
		m["conn:"+container(aws.ToString(cn.Name))] = string(d.AuthorizationType) + " " + header
	}
}

// liveVpcOrigin reads the app's VPC origin from CloudFront (the edge fake: moto has no
// VPC origins) without changing it: ListVpcOrigins, as GetVpcOrigin is the read that
// moves the fake's Deploying to Deployed. vpcOrigin.alb is "app ALB" when it fronts the
// ALB the inventory lists, else its ARN; dist.vpcOrigin is "app VPC origin" when the
// distribution reaches an origin through it (Origin.VpcOriginConfig.VpcOriginId, CloudFront
// API reference), else the id it names.
func liveVpcOrigin(ctx context.Context, t *testing.T, s *Session, r *Report, m map[string]string) {
	t.Helper()
	cfg := s.Env.AWS.Copy()
	cfg.Region = plan.EdgeRegion
	cf := cloudfront.NewFromConfig(cfg)
	out, err := cf.ListVpcOrigins(ctx, &cloudfront.ListVpcOriginsInput{})
	if err != nil {
		t.Fatal(err)
	}
	lbs, dist := map[string]bool{}, ""
	for _, it := range r.Inventory {
		switch it.Type {
		case "AWS::ElasticLoadBalancingV2::LoadBalancer":
			lbs[it.Arn] = true
		case "AWS::CloudFront::Distribution":
			dist = it.Attributes["id"]
		}
	}
	vpcOrigin := ""
	if out.VpcOriginList != nil {
		for _, v := range out.VpcOriginList.Items {
			if !strings.HasPrefix(aws.ToString(v.Name), "berth-shop-dev-") {
				continue
			}
			if vpcOrigin != "" {
				t.Fatalf("the app has two VPC origins: %s and %s", vpcOrigin, aws.ToString(v.Id))
			}
			vpcOrigin = aws.ToString(v.Id)
			m["vpcOrigin.status"] = aws.ToString(v.Status)
			m["vpcOrigin.alb"] = aws.ToString(v.OriginEndpointArn)
			if lbs[m["vpcOrigin.alb"]] {
				m["vpcOrigin.alb"] = "app ALB"
			}
		}
	}
	if dist == "" {
		return
	}
	dc, err := cf.GetDistributionConfig(ctx, &cloudfront.GetDistributionConfigInput{Id: aws.String(dist)})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range dc.DistributionConfig.Origins.Items {
		if o.VpcOriginConfig == nil {
			continue
		}
		m["dist.vpcOrigin"] = aws.ToString(o.VpcOriginConfig.VpcOriginId)
		if m["dist.vpcOrigin"] == vpcOrigin {
			m["dist.vpcOrigin"] = "app VPC origin"
		}
	}
}

// liveIngress reads a security group's ingress rules from EC2 (ingressRules), the app's
// own groups named by role: sg:alb or sg:task.
func liveIngress(ctx context.Context, t *testing.T, s *Session, name, id string, m map[string]string) {
	t.Helper()
	rules := ingressRules(ctx, t, s, id)
	for i, rule := range rules {
		if head, src, ok := strings.Cut(rule, " from "); ok && sgRole(src) != src {
			rules[i] = head + " from sg:" + sgRole(src)
		}
	}
	m["sg:"+sgRole(name)+".ingress"] = strings.Join(rules, ",")
}

// sgRole is alb or task for the groups berth names so (plan's namer), else the name.
func sgRole(name string) string {
	switch {
	case strings.HasPrefix(name, "berth-shop-dev-alb-sg"):
		return "alb"
	case strings.HasPrefix(name, "berth-shop-dev-task-sg"):
		return "task"
	}
	return name
}

// ingressRules are a security group's ingress rules as EC2 returns them, sorted, one
// "<protocol> <from>-<to> from <source>" per source: a group by its name (its id when EC2
// does not know it), an address range, or a prefix list id.
func ingressRules(ctx context.Context, t *testing.T, s *Session, id string) []string {
	t.Helper()
	c := ec2.NewFromConfig(s.Env.AWS)
	out, err := c.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{id}})
	if err != nil || len(out.SecurityGroups) != 1 {
		t.Fatalf("security group %s: %v", id, err)
	}
	var rules []string
	for _, p := range out.SecurityGroups[0].IpPermissions {
		rule := fmt.Sprintf("%s %d-%d from ", aws.ToString(p.IpProtocol), aws.ToInt32(p.FromPort), aws.ToInt32(p.ToPort))
		for _, g := range p.UserIdGroupPairs {
			src := aws.ToString(g.GroupId)
			if gs, err := c.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{src}}); err == nil && len(gs.SecurityGroups) == 1 {
				src = aws.ToString(gs.SecurityGroups[0].GroupName)
			}
			rules = append(rules, rule+src)
		}
		for _, r := range p.IpRanges {
			rules = append(rules, rule+aws.ToString(r.CidrIp))
		}
		for _, r := range p.Ipv6Ranges {
			rules = append(rules, rule+aws.ToString(r.CidrIpv6))
		}
		for _, r := range p.PrefixListIds {
			rules = append(rules, rule+aws.ToString(r.PrefixListId))
		}
	}
	sort.Strings(rules)
	return rules
}

// liveListeners reads the ALB's listeners and rules from ELBv2:
//
//	listener:<port> = "<protocol> <default action>" and, with a certificate, " cert <domain>"
//	                  (the certificate's domain as ACM reports it)
//	path:<host><pattern> = "<port> <target type>:<container>" for each rule matching a
//	                  path (a private app's), with " +fn" when the target group is lambda
//	                  and the container's own function is registered in it
func liveListeners(ctx context.Context, t *testing.T, s *Session, lbArn string, m map[string]string) {
	t.Helper()
	c := elb.NewFromConfig(s.Env.AWS)
	ls, err := c.DescribeListeners(ctx, &elb.DescribeListenersInput{LoadBalancerArn: aws.String(lbArn)})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range ls.Listeners {
		port := strconv.Itoa(int(aws.ToInt32(l.Port)))
		desc := string(l.Protocol)
		for _, a := range l.DefaultActions {
			desc += " " + string(a.Type)
			if r := a.RedirectConfig; r != nil {
				desc += " " + aws.ToString(r.Protocol) + ":" + aws.ToString(r.Port) + " " + string(r.StatusCode)
			}
		}
		for _, cert := range l.Certificates {
			out, err := acm.NewFromConfig(s.Env.AWS).DescribeCertificate(ctx, &acm.DescribeCertificateInput{CertificateArn: cert.CertificateArn})
			if err != nil {
				t.Fatalf("listener %s certificate %s: %v", port, aws.ToString(cert.CertificateArn), err)
			}
			desc += " cert " + aws.ToString(out.Certificate.DomainName)
		}
		m["listener:"+port] = desc
		rules, err := c.DescribeRules(ctx, &elb.DescribeRulesInput{ListenerArn: l.ListenerArn})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rules.Rules {
			var host, pattern string
			for _, cond := range r.Conditions {
				switch aws.ToString(cond.Field) {
				case "path-pattern":
					pattern = strings.Join(conditionValues(cond), ",")
				case "host-header":
					host = strings.Join(conditionValues(cond), ",")
				}
			}
			if pattern == "" {
				continue
			}
			m["path:"+host+pattern] = port + " " + liveForward(ctx, t, c, r.Actions)
		}
	}
}

// conditionValues are a rule condition's values, wherever ELBv2 put them.
func conditionValues(cond elbtypes.RuleCondition) []string {
	switch {
	case cond.PathPatternConfig != nil:
		return cond.PathPatternConfig.Values
	case cond.HostHeaderConfig != nil:
		return cond.HostHeaderConfig.Values
	}
	return cond.Values
}

// liveForward describes where a rule forwards: "<target type>:<container>" of its target
// group, with " +fn" when a lambda group holds the container's own function.
func liveForward(ctx context.Context, t *testing.T, c *elb.Client, actions []elbtypes.Action) string {
	t.Helper()
	var tg string
	for _, a := range actions {
		if arn := aws.ToString(a.TargetGroupArn); arn != "" {
			tg = arn
		} else if a.ForwardConfig != nil && len(a.ForwardConfig.TargetGroups) == 1 {
			tg = aws.ToString(a.ForwardConfig.TargetGroups[0].TargetGroupArn)
		}
	}
	if tg == "" {
		return "no forward"
	}
	out, err := c.DescribeTargetGroups(ctx, &elb.DescribeTargetGroupsInput{TargetGroupArns: []string{tg}})
	if err != nil || len(out.TargetGroups) != 1 {
		t.Fatalf("target group %s: %v", tg, err)
	}
	g := out.TargetGroups[0]
	ct := container(aws.ToString(g.TargetGroupName))
	desc := string(g.TargetType) + ":" + ct
	if g.TargetType != elbtypes.TargetTypeEnumLambda {
		return desc
	}
	health, err := c.DescribeTargetHealth(ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: g.TargetGroupArn})
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range health.TargetHealthDescriptions {
		if id := aws.ToString(h.Target.Id); container(id[strings.LastIndex(id, ":")+1:]) == ct {
			desc += " +fn"
		}
	}
	return desc
}

// liveRecords reads the alias records of every hosted zone of the account from Route 53:
// "alias app ALB" when the target is the load balancer the inventory lists (in that
// load balancer's own zone), "alias <target>" otherwise. Validation CNAMEs are left out:
// their names are ACM's, new with every certificate.
func liveRecords(ctx context.Context, t *testing.T, s *Session, r *Report, m map[string]string) {
	t.Helper()
	c := route53.NewFromConfig(s.Env.AWS)
	lbs := map[string]bool{}
	for _, it := range r.Inventory {
		if it.Type == string(plan.KindLoadBalancer) {
			lbs[strings.ToLower(strings.TrimSuffix(it.Attributes["dnsName"], "."))] = true
		}
	}
	zones, err := c.ListHostedZones(ctx, &route53.ListHostedZonesInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, z := range zones.HostedZones {
		scope := "public"
		if z.Config != nil && z.Config.PrivateZone {
			scope = "private"
		}
		rs, err := c.ListResourceRecordSets(ctx, &route53.ListResourceRecordSetsInput{HostedZoneId: z.Id})
		if err != nil {
			t.Fatal(err)
		}
		for _, rr := range rs.ResourceRecordSets {
			if rr.AliasTarget == nil {
				continue
			}
			target := strings.ToLower(strings.TrimSuffix(aws.ToString(rr.AliasTarget.DNSName), "."))
			if lbs[target] {
				target = "app ALB"
			}
			m["dns:"+scope+":"+strings.TrimSuffix(aws.ToString(rr.Name), ".")+" "+string(rr.Type)] = "alias " + target
		}
	}
}
