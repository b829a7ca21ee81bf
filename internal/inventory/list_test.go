package inventory

import (
	"context"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	tagging "github.com/aws/aws-sdk-go-v2/service/resourcegroupstaggingapi"
	taggingtypes "github.com/aws/aws-sdk-go-v2/service/resourcegroupstaggingapi/types"

	"github.com/berth-dev/berth/internal/motoserver"
	"github.com/berth-dev/berth/internal/plan"
)

// TestListingADeployedAppStage deploys one app/stage in full (Lambda and Fargate
// containers, edge, certificate), the same for another stage and another app, and an
// untagged look-alike named like the first one; then lists.
func TestListingADeployedAppStage(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	shop := e.deploy(tagSet{"shop", "prod"}, "shop", "prod", "api")
	dev := e.deploy(tagSet{"shop", "dev"}, "shop", "dev", "api")
	blog := e.deploy(tagSet{"blog", "prod"}, "blog", "prod", "api")
	ghost := e.deploy(untagged, "shop", "prod", "ghost")

	l, _ := e.lister()
	items, err := l.List(ctx, "shop", "prod")
	if err != nil {
		t.Fatal(err)
	}

	t.Run("every resource the app/stage owns is listed, sorted by type then name, and nothing else", func(t *testing.T) {
		assertListed(t, items, expected(shop))
	})

	t.Run("another stage of the same app lists only its own resources", func(t *testing.T) {
		got, err := l.List(ctx, "shop", "dev")
		if err != nil {
			t.Fatal(err)
		}
		assertListed(t, got, expected(dev))
	})

	t.Run("another app lists only its own resources", func(t *testing.T) {
		got, err := l.List(ctx, "blog", "prod")
		if err != nil {
			t.Fatal(err)
		}
		assertListed(t, got, expected(blog))
	})

	t.Run("untagged look-alikes named and commented like berth's are not listed", func(t *testing.T) {
		for _, it := range items {
			if strings.Contains(it.Name, "-ghost-") || strings.Contains(it.Arn, ghost.distributionID) || it.Attributes["id"] == ghost.oacID {
				t.Errorf("listed %s %s (%s), which carries no berth tags", it.Type, it.Name, it.Arn)
			}
		}
	})

	fnDomain := shop.functionURL
	if u, err := url.Parse(shop.functionURL); err == nil && u.Host != "" {
		fnDomain = u.Host
	}
	statements := `[{"sid":"berth-cloudfront-invoke","principal":"cloudfront.amazonaws.com","action":"lambda:InvokeFunction","sourceArn":"` + shop.distributionArn + `","invokedViaFunctionUrl":true},` +
		`{"sid":"berth-cloudfront-url","principal":"cloudfront.amazonaws.com","action":"lambda:InvokeFunctionUrl","sourceArn":"` + shop.distributionArn + `","functionUrlAuthType":"AWS_IAM","invokedViaFunctionUrl":false}]`
	cases := []struct {
		sentence, typ, name string
		arn                 string // "" to skip
		want                map[string]string
	}{
		{"the Lambda function reports its memory, timeout, package type and image", string(plan.KindFunction), shop.function, "arn:aws:lambda:" + region + ":" + motoserver.Account + ":function:" + shop.function,
			map[string]string{"memory": "1024", "timeout": "6", "packageType": "Image", "image": motoserver.Account + ".dkr.ecr." + region + ".amazonaws.com/shop:v1"}},
		{"the Lambda@Edge function in us-east-1 reports its zip runtime", string(plan.KindFunction), shop.signer, "arn:aws:lambda:us-east-1:" + motoserver.Account + ":function:" + shop.signer,
			map[string]string{"memory": "128", "timeout": "5", "packageType": "Zip", "runtime": "nodejs20.x"}},
		{"the Function URL reports its auth type, invoke mode and URL", string(plan.KindFunctionURL), shop.function, "",
			map[string]string{"authType": "AWS_IAM", "invokeMode": "BUFFERED", "url": shop.functionURL}},
		{"the function's policy reports both CloudFront statements and their principal", string(plan.KindPermission), shop.function, "",
			map[string]string{"statements": statements, "principals": "cloudfront.amazonaws.com"}},
		{"the role reports the service it trusts", string(plan.KindRole), shop.role, "arn:aws:iam::" + motoserver.Account + ":role/" + shop.role,
			map[string]string{"trustedServices": "lambda.amazonaws.com", "path": "/"}},
		{"the log group is named by its ARN", string(plan.KindLogGroup), shop.logGroup, "", nil},
		{"the security group is named by its group name", string(plan.KindSecurityGroup), shop.sg, "arn:aws:ec2:" + region + ":" + motoserver.Account + ":security-group/" + shop.sgID,
			map[string]string{"groupId": shop.sgID, "vpcId": e.vpc}},
		{"the load balancer reports its scheme, DNS name and type", string(plan.KindLoadBalancer), shop.lb, "",
			map[string]string{"scheme": "internet-facing", "dnsName": shop.lbDNS, "type": "application"}},
		{"the listener found on berth's load balancer reports its port", string(plan.KindListener), shop.listener, "",
			map[string]string{"port": "80", "protocol": "HTTP", "loadBalancer": shop.lb}},
		{"the listener rule reports its port, priority, conditions and target", string(plan.KindListenerRule), shop.rule, "",
			map[string]string{"port": "80", "priority": "10", "conditions": "http-header:X-Berth-Container=web", "targetGroups": shop.tg}},
		{"the target group reports its port, protocol and health check", string(plan.KindTargetGroup), shop.tg, "",
			map[string]string{"port": "8080", "protocol": "HTTP", "targetType": "ip", "healthCheckPath": "/health", "vpcId": e.vpc}},
		{"the cluster is active", string(plan.KindCluster), shop.cluster, "arn:aws:ecs:" + region + ":" + motoserver.Account + ":cluster/" + shop.cluster,
			map[string]string{"status": "ACTIVE"}},
		{"the service reports its status, task definition and launch type", string(plan.KindService), shop.service, "",
			map[string]string{"status": "ACTIVE", "cluster": shop.cluster, "taskDefinition": shop.taskFamily + ":2", "launchType": "FARGATE", "desiredCount": "1"}},
		{"only the active task definition revision is listed", string(plan.KindTaskDefinition), shop.taskFamily + ":2", "arn:aws:ecs:" + region + ":" + motoserver.Account + ":task-definition/" + shop.taskFamily + ":2",
			map[string]string{"family": shop.taskFamily, "revision": "2", "status": "ACTIVE"}},
		{"the distribution reports its domain, origins, state and web ACL", string(plan.KindDistribution), shop.distribution, "arn:aws:cloudfront::" + motoserver.Account + ":distribution/" + shop.distributionID,
			map[string]string{"id": shop.distributionID, "origins": "lambda=" + fnDomain + ",alb=" + shop.lbDNS, "enabled": "true",
				"webAclId": "arn:aws:wafv2:us-east-1:" + motoserver.Account + ":global/webacl/" + shop.distribution + "/0123"}},
		{"the origin access control is found by its ownership marker", string(plan.KindOAC), shop.oac, "arn:aws:cloudfront::" + motoserver.Account + ":origin-access-control/" + shop.oacID,
			map[string]string{"id": shop.oacID, "resource": "OriginAccessControl", "originType": "lambda", "signingBehavior": "always", "signingProtocol": "sigv4"}},
		{"the router function reports its runtime and store", string(plan.KindCloudFrontFunction), shop.cfFunction, "arn:aws:cloudfront::" + motoserver.Account + ":function/" + shop.cfFunction,
			map[string]string{"runtime": "cloudfront-js-2.0", "keyValueStore": shop.kvsArn, "stage": "DEVELOPMENT", "status": "UNPUBLISHED"}},
		{"the KeyValueStore reports its status and comment", string(plan.KindKeyValueStore), shop.kvs, shop.kvsArn,
			map[string]string{"status": "READY", "comment": "berth routes for shop/prod"}},
		{"the certificate in us-east-1 reports its domain", string(plan.KindCertificate), shop.cert, shop.certArn,
			map[string]string{"domainName": "shop.prod.example.com", "region": "us-east-1", "type": "AMAZON_ISSUED"}},
	}
	for _, c := range cases {
		t.Run(c.sentence, func(t *testing.T) {
			it := find(t, items, c.typ, c.name)
			if it == nil {
				return
			}
			if c.arn != "" && it.Arn != c.arn {
				t.Errorf("Arn = %q, want %q", it.Arn, c.arn)
			}
			if it.Arn == "" {
				t.Errorf("Arn is empty")
			}
			for k, v := range c.want {
				if got := it.Attributes[k]; got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
		})
	}

	t.Run("the distribution's domain name and status are reported", func(t *testing.T) {
		it := find(t, items, string(plan.KindDistribution), shop.distribution)
		if it != nil && (!strings.HasSuffix(it.Attributes["domainName"], ".cloudfront.net") || it.Attributes["status"] == "") {
			t.Errorf("attributes %v lack a CloudFront domain or a status", it.Attributes)
		}
	})

	t.Run("listing makes no mutating call and reads per resource only what the attributes need", func(t *testing.T) {
		l, calls := e.lister()
		if _, err := l.List(ctx, "shop", "prod"); err != nil {
			t.Fatal(err)
		}
		s := calls.Summary()
		got := map[string]int{}
		for _, op := range s.Ops {
			got[op.Service+" "+op.Operation] = op.Count
		}
		want := map[string]int{
			"Resource Groups Tagging API GetResources": 2, // app region and us-east-1
			"IAM ListRoles":               1,
			"IAM ListRoleTags":            2, // berth-shop-prod-* roles: the real one and the untagged look-alike
			"Lambda GetFunction":          2, // the container function and the body signer
			"Lambda GetFunctionUrlConfig": 2,
			"Lambda GetPolicy":            2,
			"Elastic Load Balancing v2 DescribeLoadBalancers": 1,
			"Elastic Load Balancing v2 DescribeListeners":     1,
			"Elastic Load Balancing v2 DescribeRules":         1,
			"Elastic Load Balancing v2 DescribeTags":          1, // Name tags of the listener and the rule
			"Elastic Load Balancing v2 DescribeTargetGroups":  1,
			"ECS DescribeClusters":                            1,
			"ECS DescribeServices":                            1,
			"ECS ListTaskDefinitions":                         1, // one per family, not per revision
			"EC2 DescribeSecurityGroups":                      1,
			"ACM DescribeCertificate":                         1,
			"CloudFront GetDistribution":                      1,
			"CloudFront ListOriginAccessControls":             1,
			"CloudFront ListFunctions":                        1,
			"CloudFront ListKeyValueStores":                   1,
			"CloudFront ListTagsForResource":                  4, // router and store of shop/prod and of the look-alike
		}
		if s.Mutating != 0 {
			t.Errorf("%d mutating calls", s.Mutating)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("calls:\n got %v\nwant %v", got, want)
		}
	})

	t.Run("resources the tagging API still reports after they were deleted are not listed", func(t *testing.T) {
		lbArn := find(t, items, string(plan.KindLoadBalancer), shop.lb).Arn
		lbPath := strings.SplitN(lbArn, ":loadbalancer/", 2)[1]
		acct, r := motoserver.Account, region
		l, _ := e.lister(stale("shop", "prod", []string{
			"arn:aws:lambda:" + r + ":" + acct + ":function:berth-shop-prod-gone-fn-000000",
			"arn:aws:cloudfront::" + acct + ":distribution/EGONE0000000",
			"arn:aws:elasticloadbalancing:" + r + ":" + acct + ":loadbalancer/app/berth-shop-prod-gone/0123456789abcdef",
			"arn:aws:elasticloadbalancing:" + r + ":" + acct + ":targetgroup/berth-shop-prod-gone/0123456789abcdef",
			"arn:aws:elasticloadbalancing:" + r + ":" + acct + ":listener/" + lbPath + "/0123456789abcdef",
			"arn:aws:ec2:" + r + ":" + acct + ":security-group/sg-0123456789abcdef0",
			"arn:aws:ecs:" + r + ":" + acct + ":cluster/berth-shop-prod-gone-cluster",
			"arn:aws:ecs:" + r + ":" + acct + ":service/" + shop.cluster + "/berth-shop-prod-gone-svc",
			"arn:aws:ecs:" + r + ":" + acct + ":service/berth-shop-prod-gone-cluster/berth-shop-prod-gone-svc",
			"arn:aws:ecs:" + r + ":" + acct + ":task-definition/berth-shop-prod-gone-task:3",
			"arn:aws:acm:us-east-1:" + acct + ":certificate/00000000-0000-4000-8000-000000000000",
			"arn:aws:iam::" + acct + ":role/berth-shop-prod-gone-role-000000",
			"arn:aws:cloudfront::" + acct + ":function/berth-shop-prod-gone-router",
			"arn:aws:cloudfront::" + acct + ":key-value-store/00000000-0000-4000-8000-000000000000",
		}))
		got, err := l.List(ctx, "shop", "prod")
		if err != nil {
			t.Fatal(err)
		}
		assertListed(t, got, expected(shop))
	})
}

// expected is the exact listing of one deployment, in List's order.
func expected(d deployment) []string {
	return []string{
		string(plan.KindCertificate) + " " + d.cert,
		string(plan.KindDistribution) + " " + d.distribution,
		string(plan.KindCloudFrontFunction) + " " + d.cfFunction,
		string(plan.KindKeyValueStore) + " " + d.kvs,
		string(plan.KindOAC) + " " + d.oac,
		string(plan.KindSecurityGroup) + " " + d.sg,
		string(plan.KindCluster) + " " + d.cluster,
		string(plan.KindService) + " " + d.service,
		string(plan.KindTaskDefinition) + " " + d.taskFamily + ":2",
		string(plan.KindListener) + " " + d.listener,
		string(plan.KindListenerRule) + " " + d.rule,
		string(plan.KindLoadBalancer) + " " + d.lb,
		string(plan.KindTargetGroup) + " " + d.tg,
		string(plan.KindRole) + " " + d.role,
		string(plan.KindFunction) + " " + d.function,
		string(plan.KindFunction) + " " + d.signer,
		string(plan.KindPermission) + " " + d.function,
		string(plan.KindFunctionURL) + " " + d.function,
		string(plan.KindLogGroup) + " " + d.logGroup,
	}
}

func assertListed(t *testing.T, items []Item, want []string) {
	t.Helper()
	got := make([]string, len(items))
	for i, it := range items {
		got[i] = it.Type + " " + it.Name
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("listed:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
	if !sort.SliceIsSorted(items, func(i, j int) bool {
		return items[i].Type < items[j].Type || items[i].Type == items[j].Type && items[i].Name < items[j].Name
	}) {
		t.Errorf("not sorted by type then name")
	}
}

func find(t *testing.T, items []Item, typ, name string) *Item {
	t.Helper()
	for i := range items {
		if items[i].Type == typ && items[i].Name == name {
			return &items[i]
		}
	}
	t.Errorf("no %s %s listed", typ, name)
	return nil
}

// stale answers like the tagging API some time after deletions: it still returns arns
// (tagged for app/stage) that no longer exist.
func stale(app, stage string, arns []string) func(*aws.Config) {
	return answering(func(out *tagging.GetResourcesOutput) {
		if aws.ToString(out.PaginationToken) != "" {
			return // the last page carries them
		}
		for _, arn := range arns {
			out.ResourceTagMappingList = append(out.ResourceTagMappingList, taggingtypes.ResourceTagMapping{ResourceARN: aws.String(arn), Tags: []taggingtypes.Tag{
				{Key: aws.String("berth:app"), Value: aws.String(app)}, {Key: aws.String("berth:stage"), Value: aws.String(stage)},
				{Key: aws.String("berth:resource"), Value: aws.String("gone")},
			}})
		}
	})
}
