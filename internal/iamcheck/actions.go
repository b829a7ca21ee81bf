package iamcheck

import (
	"fmt"
	"strings"

	"github.com/berth-dev/berth/internal/awscalls"
)

// Account context the requests are built for.
type Account struct {
	Partition, ID string
	// RoleBoundary is the permissions boundary berth's app roles carry: IAM supplies it as
	// iam:PermissionsBoundary for actions on such a role.
	RoleBoundary string
}

// placeholder stands for the id AWS assigns a resource being created.
const placeholder = "NEW"

// Owned resources: berth acts only on resources carrying its ownership tags (the
// provisioners refuse others), so for actions whose resource type supports
// aws:ResourceTag (Service Authorization Reference, "Resource types" table of each
// service) the request context carries them.
var ownedTags = map[string][]string{"aws:ResourceTag/berth:app": {"app"}, "aws:ResourceTag/berth:stage": {"stage"}}

type builder struct {
	c    awscalls.Call
	a    Account
	reqs []Request
}

// add appends a request; ctx maps are merged.
func (b *builder) add(action, resource string, ctx ...map[string][]string) {
	m := map[string][]string{"aws:RequestedRegion": {b.c.Region}}
	for _, c := range ctx {
		for k, v := range c {
			m[k] = v
		}
	}
	b.reqs = append(b.reqs, Request{Action: action, Resource: resource, Context: m})
}

// tagged is the request-tag context of a create call, nil when it carries no tags.
func (b *builder) tagged() map[string][]string {
	tags := requestTags(b.c.Input)
	if len(tags) == 0 {
		return nil
	}
	m := map[string][]string{}
	var keys []string
	for k, v := range tags {
		m["aws:RequestTag/"+k] = []string{v}
		keys = append(keys, k)
	}
	m["aws:TagKeys"] = keys
	return m
}

// tagOnCreate adds the tagging action AWS also authorizes when a create call carries tags.
func (b *builder) tagOnCreate(action, resource string, extra ...map[string][]string) {
	if t := b.tagged(); t != nil {
		b.add(action, resource, append([]map[string][]string{t}, extra...)...)
	}
}

func (b *builder) arn(service, region, resource string) string {
	return fmt.Sprintf("arn:%s:%s:%s:%s:%s", b.a.Partition, service, region, b.a.ID, resource)
}

func (b *builder) in(name string) string { return field(b.c.Input, name) }

// passRole adds the iam:PassRole AWS checks when a call hands a role to a service.
func (b *builder) passRole(roleArn, service string) {
	if roleArn == "" {
		return
	}
	ctx := map[string][]string{"iam:PassedToService": {service}}
	if strings.HasPrefix(lastSegment(roleArn, "/"), "berth-") {
		ctx["iam:ResourceTag/berth:app"] = []string{"app"}
		ctx["aws:ResourceTag/berth:app"] = []string{"app"}
	}
	b.add("iam:PassRole", roleArn, ctx)
}

// Requests maps one SDK call to the IAM requests AWS authorizes for it. An operation
// berth has not mapped yet is an error saying where to add it.
func Requests(c awscalls.Call, a Account) ([]Request, error) {
	b := &builder{c: c, a: a}
	var ok bool
	switch c.Service {
	case "Lambda":
		ok = b.lambda()
	case "IAM":
		ok = b.iam()
	case "S3":
		ok = b.s3()
	case "DynamoDB":
		ok = b.dynamodb()
	case "SFN":
		ok = b.sfn()
	case "SSM":
		ok = b.ssm()
	case "CloudFront":
		ok = b.cloudfront()
	case "CloudFront KeyValueStore":
		ok = b.kvs()
	case "ACM":
		ok = b.acm()
	case "Route 53":
		ok = b.route53()
	case "ECS":
		ok = b.ecs()
	case "EC2":
		ok = b.ec2()
	case "Elastic Load Balancing v2":
		ok = b.elb()
	case "Application Auto Scaling":
		ok = b.aas()
	case "CloudWatch":
		ok = b.cloudwatch()
	case "CloudWatch Logs":
		ok = b.logs()
	case "WAFV2":
		ok = b.wafv2()
	case "Scheduler":
		ok = b.scheduler()
	case "ECR":
		ok = b.ecr()
	case "CodeBuild":
		ok = b.codebuild()
	case "Resource Groups Tagging API":
		ok = c.Operation == "GetResources"
		b.add("tag:GetResources", "*")
	case "EventBridge":
		ok = b.events()
	}
	if !ok {
		return nil, fmt.Errorf("iamcheck: %s calls %s:%s, which internal/iamcheck/actions.go does not map to IAM actions yet: add it there (action, resource ARN and condition keys from the Service Authorization Reference)",
			c.Function, c.Service, c.Operation)
	}
	return b.reqs, nil
}

// ECR: validate and plan read image details to pin tags by digest. Both actions take
// the repository ARN, in the registry (account) and region the image lives in (Service
// Authorization Reference, Amazon Elastic Container Registry).
func (b *builder) ecr() bool {
	switch op := b.c.Operation; op {
	case "DescribeImages", "BatchGetImage":
		account := b.in("RegistryId")
		if account == "" {
			account = b.a.ID
		}
		b.add("ecr:"+op, fmt.Sprintf("arn:%s:ecr:%s:%s:repository/%s", b.a.Partition, b.c.Region, account, b.in("RepositoryName")))
	// The image build path's repository calls; CreateRepository with Tags is also
	// authorized as ecr:TagResource.
	case "DescribeRepositories":
		for _, n := range fields(b.c.Input, "RepositoryNames") {
			b.add("ecr:"+op, b.arn("ecr", b.c.Region, "repository/"+n))
		}
	case "ListTagsForResource":
		b.add("ecr:"+op, b.in("ResourceArn"))
	case "CreateRepository":
		arn := b.arn("ecr", b.c.Region, "repository/"+b.in("RepositoryName"))
		b.add("ecr:"+op, arn, b.tagged())
		b.tagOnCreate("ecr:TagResource", arn)
	case "GetLifecyclePolicy", "GetRepositoryPolicy", "PutImageScanningConfiguration", "PutLifecyclePolicy",
		"SetRepositoryPolicy", "DeleteRepositoryPolicy", "DeleteRepository", "PutImage":
		b.add("ecr:"+op, b.arn("ecr", b.c.Region, "repository/"+b.in("RepositoryName")))
	case "GetAuthorizationToken":
		b.add("ecr:"+op, "*")
	default:
		return false
	}
	return true
}

// CodeBuild: projects and builds take the project ARN (a build id is
// "<project>:<uuid>"); CreateProject and UpdateProject pass the service role to
// codebuild.amazonaws.com (Service Authorization Reference, AWS CodeBuild).
func (b *builder) codebuild() bool {
	project := func(n string) string { return b.arn("codebuild", b.c.Region, "project/"+lastSegment(n, "/")) }
	switch op := b.c.Operation; op {
	case "BatchGetProjects":
		for _, n := range fields(b.c.Input, "Names") {
			b.add("codebuild:"+op, project(n))
		}
	case "BatchGetBuilds":
		for _, id := range fields(b.c.Input, "Ids") {
			name, _, _ := strings.Cut(id, ":")
			b.add("codebuild:"+op, project(name))
		}
	case "CreateProject", "UpdateProject":
		b.add("codebuild:"+op, project(b.in("Name")))
		b.passRole(b.in("ServiceRole"), "codebuild.amazonaws.com")
	case "DeleteProject":
		b.add("codebuild:"+op, project(b.in("Name")))
	case "StartBuild":
		b.add("codebuild:"+op, project(b.in("ProjectName")))
	default:
		return false
	}
	return true
}
