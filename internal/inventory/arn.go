package inventory

import (
	"strings"

	"github.com/berth-dev/berth/internal/plan"
)

// typeECSTask is recognised only to be skipped: tasks are the service's, carry its tags
// through PropagateTags, and come and go by themselves.
const typeECSTask = "AWS::ECS::Task"

// arnParts is an ARN split into its fields: arn:partition:service:region:account:resource,
// where the resource is "<type><sep><id>" (sep "/" or ":") or a bare id.
type arnParts struct {
	partition, service, region, account string
	rtype, sep, id                      string
}

// parseARN splits an ARN; ok is false when s is not one. A global-service ARN that lacks
// its empty region field (moto 5.2.1's tagging API answers
// arn:aws:cloudfront:<account>:distribution/<id>) is read as if it had it.
func parseARN(s string) (arnParts, bool) {
	f := strings.SplitN(s, ":", 6)
	if len(f) == 5 && f[0] == "arn" && isAccount(f[3]) {
		f = []string{f[0], f[1], f[2], "", f[3], f[4]}
	}
	if len(f) != 6 || f[0] != "arn" {
		return arnParts{}, false
	}
	p := arnParts{partition: f[1], service: f[2], region: f[3], account: f[4]}
	res := f[5]
	if i := strings.IndexAny(res, "/:"); i >= 0 {
		p.rtype, p.sep, p.id = res[:i], res[i:i+1], res[i+1:]
	} else {
		p.id = res
	}
	return p, true
}

// String is the ARN in its canonical form.
func (a arnParts) String() string {
	res := a.id
	if a.rtype != "" {
		res = a.rtype + a.sep + a.id
	}
	return "arn:" + a.partition + ":" + a.service + ":" + a.region + ":" + a.account + ":" + res
}

func isAccount(s string) bool {
	if len(s) != 12 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// knownTypes maps "<service>:<resource type>" to a CloudFormation type name.
var knownTypes = map[string]string{
	"lambda:function":                         string(plan.KindFunction),
	"iam:role":                                string(plan.KindRole),
	"logs:log-group":                          string(plan.KindLogGroup),
	"ecs:cluster":                             string(plan.KindCluster),
	"ecs:service":                             string(plan.KindService),
	"ecs:task-definition":                     string(plan.KindTaskDefinition),
	"ecs:task":                                typeECSTask,
	"ec2:security-group":                      string(plan.KindSecurityGroup),
	"ec2:vpc":                                 "AWS::EC2::VPC",
	"ec2:subnet":                              "AWS::EC2::Subnet",
	"ec2:network-interface":                   "AWS::EC2::NetworkInterface",
	"ec2:internet-gateway":                    "AWS::EC2::InternetGateway",
	"ec2:natgateway":                          "AWS::EC2::NatGateway",
	"ec2:route-table":                         "AWS::EC2::RouteTable",
	"ec2:vpc-endpoint":                        "AWS::EC2::VPCEndpoint",
	"ec2:elastic-ip":                          "AWS::EC2::EIP",
	"elasticloadbalancing:targetgroup":        string(plan.KindTargetGroup),
	"elasticloadbalancing:listener":           string(plan.KindListener),
	"elasticloadbalancing:listener-rule":      string(plan.KindListenerRule),
	"cloudfront:distribution":                 string(plan.KindDistribution),
	"cloudfront:function":                     string(plan.KindCloudFrontFunction),
	"cloudfront:key-value-store":              string(plan.KindKeyValueStore),
	"cloudfront:origin-access-control":        string(plan.KindOAC),
	"acm:certificate":                         string(plan.KindCertificate),
	"application-autoscaling:scalable-target": "AWS::ApplicationAutoScaling::ScalableTarget",
	"route53:hostedzone":                      "AWS::Route53::HostedZone",
	"dynamodb:table":                          "AWS::DynamoDB::Table",
	"states:stateMachine":                     "AWS::StepFunctions::StateMachine",
	"events:rule":                             "AWS::Events::Rule",
	"scheduler:schedule":                      "AWS::Scheduler::Schedule",
	"scheduler:schedule-group":                "AWS::Scheduler::ScheduleGroup",
	"ssm:parameter":                           "AWS::SSM::Parameter",
	"secretsmanager:secret":                   "AWS::SecretsManager::Secret",
	"kms:key":                                 "AWS::KMS::Key",
	"sqs:":                                    "AWS::SQS::Queue",
	"sns:":                                    "AWS::SNS::Topic",
	"s3:":                                     "AWS::S3::Bucket",
	"apigateway:":                             "AWS::ApiGateway::RestApi",
}

// wafTypes spells wafv2 ARN resource types as CloudFormation does.
var wafTypes = map[string]string{"webacl": "WebACL", "ipset": "IPSet", "regexpatternset": "RegexPatternSet", "rulegroup": "RuleGroup"}

// serviceNames spells ARN service namespaces the way CloudFormation type names do, for
// kinds knownTypes does not list.
var serviceNames = map[string]string{
	"acm": "CertificateManager", "application-autoscaling": "ApplicationAutoScaling",
	"cloudfront": "CloudFront", "dynamodb": "DynamoDB", "ec2": "EC2", "ecr": "ECR",
	"ecs": "ECS", "elasticloadbalancing": "ElasticLoadBalancingV2", "iam": "IAM",
	"kms": "KMS", "lambda": "Lambda", "logs": "Logs", "route53": "Route53", "s3": "S3",
	"sns": "SNS", "sqs": "SQS", "ssm": "SSM", "states": "StepFunctions", "wafv2": "WAFv2",
	"secretsmanager": "SecretsManager", "scheduler": "Scheduler", "events": "Events",
}

// typeOf derives the CloudFormation type name of a resource from its ARN; a kind berth
// does not know gets AWS::<Service>::<ResourceType> spelled from the ARN.
func typeOf(a arnParts) string {
	switch {
	case a.service == "elasticloadbalancing" && a.rtype == "loadbalancer":
		if strings.HasPrefix(a.id, "app/") || strings.HasPrefix(a.id, "net/") || strings.HasPrefix(a.id, "gwy/") {
			return string(plan.KindLoadBalancer)
		}
		return "AWS::ElasticLoadBalancing::LoadBalancer"
	case a.service == "wafv2":
		// wafv2 ARNs are <scope>/<type>/<name>/<id>: the type is the second segment.
		if seg := strings.Split(a.id, "/"); len(seg) > 1 {
			if t, ok := wafTypes[seg[0]]; ok {
				return "AWS::WAFv2::" + t
			}
			return "AWS::WAFv2::" + pascal(seg[0])
		}
	}
	if t, ok := knownTypes[a.service+":"+a.rtype]; ok {
		return t
	}
	svc, ok := serviceNames[a.service]
	if !ok {
		svc = pascal(a.service)
	}
	rt := a.rtype
	if rt == "" {
		rt = "resource"
	}
	return "AWS::" + svc + "::" + pascal(rt)
}

// nameOf derives a readable name from an ARN, for resources no call names.
func nameOf(a arnParts) string {
	id := a.id
	switch a.service + ":" + a.rtype {
	case "lambda:function":
		id, _, _ = strings.Cut(id, ":") // drop a version or alias qualifier
		return id
	case "logs:log-group":
		return strings.TrimSuffix(id, ":*")
	case "elasticloadbalancing:loadbalancer", "elasticloadbalancing:targetgroup":
		// loadbalancer/app/<name>/<id>, targetgroup/<name>/<id>
		seg := strings.Split(id, "/")
		if len(seg) >= 2 {
			return seg[len(seg)-2]
		}
	}
	if a.service == "wafv2" {
		if seg := strings.Split(id, "/"); len(seg) >= 3 {
			return seg[len(seg)-2]
		}
	}
	if i := strings.LastIndex(id, "/"); i >= 0 && a.rtype != "task-definition" {
		return id[i+1:]
	}
	return id
}

// pascal turns "key-value-store" or "stateMachine" into "KeyValueStore" / "StateMachine".
func pascal(s string) string {
	var b strings.Builder
	up := true
	for _, r := range s {
		if r == '-' || r == '_' || r == '.' {
			up = true
			continue
		}
		if up && r >= 'a' && r <= 'z' {
			r -= 'a' - 'A'
		}
		up = false
		b.WriteRune(r)
	}
	return b.String()
}
