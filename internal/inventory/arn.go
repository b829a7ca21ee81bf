package inventory

import (
	"strings"

	"github.com/berth-dev/berth/internal/provision"
)

// typeECSTask is recognised only to be skipped: tasks are the service's, carry its tags
// through PropagateTags, and come and go by themselves.
const typeECSTask = "AWS::ECS::Task"

// knownTypes maps "<service>:<resource type>" of resources berth does not provision to
// a CloudFormation type name, where deriving it from the ARN would spell it differently.
var knownTypes = map[string]string{
	"ecs:task":              typeECSTask,
	"ec2:vpc":               "AWS::EC2::VPC",
	"ec2:subnet":            "AWS::EC2::Subnet",
	"ec2:network-interface": "AWS::EC2::NetworkInterface",
	"ec2:internet-gateway":  "AWS::EC2::InternetGateway",
	"ec2:natgateway":        "AWS::EC2::NatGateway",
	"ec2:route-table":       "AWS::EC2::RouteTable",
	"ec2:vpc-endpoint":      "AWS::EC2::VPCEndpoint",
	"ec2:elastic-ip":        "AWS::EC2::EIP",
	"route53:hostedzone":    "AWS::Route53::HostedZone",
	"dynamodb:table":        "AWS::DynamoDB::Table",
	"states:stateMachine":   "AWS::StepFunctions::StateMachine",
	"ssm:parameter":         "AWS::SSM::Parameter",
	"secretsmanager:secret": "AWS::SecretsManager::Secret",
	"kms:key":               "AWS::KMS::Key",
	"sqs:":                  "AWS::SQS::Queue",
	"sns:":                  "AWS::SNS::Topic",
	"s3:":                   "AWS::S3::Bucket",
	"apigateway:":           "AWS::ApiGateway::RestApi",
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

// typeOf derives the CloudFormation type name of a resource of a kind berth does not
// provision from its ARN: AWS::<Service>::<ResourceType>, spelled from the ARN where
// knownTypes does not say otherwise.
func typeOf(a provision.ARN) string {
	switch {
	case a.Service == "elasticloadbalancing" && a.Type == "loadbalancer":
		return "AWS::ElasticLoadBalancing::LoadBalancer" // classic: not app/, net/ or gwy/
	case a.Service == "wafv2":
		// wafv2 ARNs are <scope>/<type>/<name>/<id>: the type is the second segment.
		if seg := strings.Split(a.ID, "/"); len(seg) > 1 {
			if t, ok := wafTypes[seg[0]]; ok {
				return "AWS::WAFv2::" + t
			}
			return "AWS::WAFv2::" + pascal(seg[0])
		}
	}
	if t, ok := knownTypes[a.Service+":"+a.Type]; ok {
		return t
	}
	svc, ok := serviceNames[a.Service]
	if !ok {
		svc = pascal(a.Service)
	}
	rt := a.Type
	if rt == "" {
		rt = "resource"
	}
	return "AWS::" + svc + "::" + pascal(rt)
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
