package inventory

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/berth-dev/berth/internal/awscalls"
	"github.com/berth-dev/berth/internal/motoserver"
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
	"github.com/berth-dev/berth/internal/provision/kinds"
)

func TestAnAppStageWithNothingDeployedListsNothing(t *testing.T) {
	e := newEnv(t)
	l, calls := e.lister()
	items, err := l.List(context.Background(), "nothing", "here")
	if err != nil {
		t.Fatal(err)
	}
	if items == nil || len(items) != 0 {
		t.Fatalf("items = %#v, want an empty, non-nil list", items)
	}
	if b, _ := json.Marshal(items); string(b) != "[]" {
		t.Errorf("JSON = %s, want []", b)
	}
	if s := calls.Summary(); s.Mutating != 0 {
		t.Errorf("%d mutating calls", s.Mutating)
	}
}

func TestABlankAppOrStageIsRefused(t *testing.T) {
	l := New(aws.Config{}) // no call may be made
	for _, c := range []struct{ app, stage string }{{"", "prod"}, {"shop", ""}, {" ", " "}} {
		if _, err := l.List(context.Background(), c.app, c.stage); err == nil {
			t.Errorf("List(%q, %q) succeeded; a blank filter would match nothing and prove nothing", c.app, c.stage)
		}
	}
}

// draining reports one service DRAINING, as ECS does for minutes after DeleteService;
// moto turns a deleted service INACTIVE at once.
func draining(service string) func(*aws.Config) {
	return answering(func(out *ecs.DescribeServicesOutput) {
		for i := range out.Services {
			if aws.ToString(out.Services[i].ServiceName) == service {
				out.Services[i].Status = aws.String("DRAINING")
			}
		}
	})
}

func TestECSResourcesBeingDeletedAreListedAndThoseGoneAreNot(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	own := tagSet{"drain", "prod"}
	cluster, gone := name("drain", "prod", "cluster"), name("drain", "prod", "old-cluster")
	for _, c := range []string{cluster, gone} {
		_, err := e.ecs.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String(c), Tags: ecsTags(own.tags("Cluster"))})
		e.must(err)
	}
	_, err := e.ecs.DeleteCluster(ctx, &ecs.DeleteClusterInput{Cluster: aws.String(gone)}) // INACTIVE
	e.must(err)
	td, err := e.ecs.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{Family: aws.String(name("drain", "prod", "web-task")),
		Cpu: aws.String("256"), Memory: aws.String("512"), Tags: ecsTags(own.tags("web/TaskDefinition")),
		ContainerDefinitions: []ecstypes.ContainerDefinition{{Name: aws.String("web"), Image: aws.String("nginx")}}})
	e.must(err)
	drainingSvc, inactive := name("drain", "prod", "web-svc"), name("drain", "prod", "api-svc")
	for _, s := range []string{drainingSvc, inactive} {
		_, err := e.ecs.CreateService(ctx, &ecs.CreateServiceInput{Cluster: aws.String(cluster), ServiceName: aws.String(s),
			TaskDefinition: td.TaskDefinition.TaskDefinitionArn, DesiredCount: aws.Int32(0), Tags: ecsTags(own.tags(s))})
		e.must(err)
	}
	_, err = e.ecs.DeleteService(ctx, &ecs.DeleteServiceInput{Cluster: aws.String(cluster), Service: aws.String(inactive), Force: aws.Bool(true)})
	e.must(err)

	l, _ := e.lister(draining(drainingSvc))
	items, err := l.List(ctx, "drain", "prod")
	if err != nil {
		t.Fatal(err)
	}
	t.Run("a service still draining is listed with its status", func(t *testing.T) {
		if it := find(t, items, string(plan.KindService), drainingSvc); it != nil && it.Attributes["status"] != "DRAINING" {
			t.Errorf("status = %q, want DRAINING", it.Attributes["status"])
		}
	})
	t.Run("an inactive service and an inactive cluster are gone and not listed", func(t *testing.T) {
		assertListed(t, items, []string{string(plan.KindCluster) + " " + cluster, string(plan.KindService) + " " + drainingSvc, string(plan.KindTaskDefinition) + " " + name("drain", "prod", "web-task") + ":1"})
	})
}

func TestDistributionsAreListedUntilCloudFrontNoLongerHasThem(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	cdn := name("cdnoff", "prod", "cdn")
	id, _ := e.distribution(tagSet{"cdnoff", "prod"}, cdn, "https://abc.lambda-url.eu-west-1.on.aws/", "alb.example.com")
	cfg, err := e.cf.GetDistributionConfig(ctx, &cloudfront.GetDistributionConfigInput{Id: aws.String(id)})
	e.must(err)
	cfg.DistributionConfig.Enabled = aws.Bool(false)
	up, err := e.cf.UpdateDistribution(ctx, &cloudfront.UpdateDistributionInput{Id: aws.String(id), IfMatch: cfg.ETag, DistributionConfig: cfg.DistributionConfig})
	e.must(err)
	l, _ := e.lister()

	t.Run("a distribution disabled on its way to deletion is still listed, as disabled", func(t *testing.T) {
		items, err := l.List(ctx, "cdnoff", "prod")
		if err != nil {
			t.Fatal(err)
		}
		assertListed(t, items, []string{string(plan.KindDistribution) + " " + cdn})
		if it := find(t, items, string(plan.KindDistribution), cdn); it != nil && it.Attributes["enabled"] != "false" {
			t.Errorf("enabled = %q, want false", it.Attributes["enabled"])
		}
	})
	t.Run("a deleted distribution is not listed", func(t *testing.T) {
		_, err := e.cf.DeleteDistribution(ctx, &cloudfront.DeleteDistributionInput{Id: aws.String(id), IfMatch: up.ETag})
		e.must(err)
		items, err := l.List(ctx, "cdnoff", "prod")
		if err != nil {
			t.Fatal(err)
		}
		assertListed(t, items, nil)
	})
}

func TestEdgeResourcesAreOwnedThroughTheirTags(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	store := func(n, comment string, tags map[string]string) string {
		out, err := e.cf.CreateKeyValueStore(ctx, &cloudfront.CreateKeyValueStoreInput{Name: aws.String(n), Comment: aws.String(comment), Tags: cfTags(tags)})
		e.must(err)
		return aws.ToString(out.KeyValueStore.ARN)
	}
	function := func(n, comment string, tags map[string]string) {
		_, err := e.cf.CreateFunction(ctx, &cloudfront.CreateFunctionInput{Name: aws.String(n),
			FunctionConfig: &cftypes.FunctionConfig{Comment: aws.String(comment), Runtime: cftypes.FunctionRuntimeCloudfrontJs20},
			FunctionCode:   []byte("function handler(e) { return e.request; }"), Tags: cfTags(tags)})
		e.must(err)
	}
	own, other := tagSet{"edgy", "prod"}, tagSet{"edgy", "dev"}
	// Comments edited in the console: still berth's, by name and tags (CloudFront names
	// cannot change, so berth's naming rule still holds).
	ownStore, ownRouter := name("edgy", "prod", "kvs"), name("edgy", "prod", "router")
	storeArn := store(ownStore, "edited in the console", own.tags("KeyValueStore"))
	function(ownRouter, "edited in the console", own.tags("RouterFunction"))
	// Named and commented for edgy/prod, but tagged for edgy/dev: edgy/dev's.
	store(name("edgy", "prod", "old-kvs"), "berth routes for edgy/prod", other.tags("KeyValueStore"))
	function(name("edgy", "prod", "old-router"), "berth:edgy/prod/RouterFunction", other.tags("RouterFunction"))
	// Named like berth's and untagged: nobody's.
	store(name("edgy", "prod", "stray-kvs"), "berth routes for edgy/prod", nil)

	l, _ := e.lister()
	items, err := l.List(ctx, "edgy", "prod")
	if err != nil {
		t.Fatal(err)
	}
	assertListed(t, items, []string{string(plan.KindCloudFrontFunction) + " " + ownRouter, string(plan.KindKeyValueStore) + " " + ownStore})
	if it := find(t, items, string(plan.KindKeyValueStore), ownStore); it != nil && (it.Arn != storeArn || it.Attributes["comment"] != "edited in the console") {
		t.Errorf("store listed as %+v, want Arn %s and the edited comment", *it, storeArn)
	}
}

func TestATaggedResourceOfAKindBerthDoesNotKnowIsListedWithATypeFromItsARN(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	own := tagSet{"odd", "prod"}
	vpc, err := e.ec2.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.9.0.0/16"),
		TagSpecifications: ec2TagSpec(ec2types.ResourceTypeVpc, own.tags("Vpc"))})
	e.must(err)
	_, err = e.ec2.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.8.0.0/16"),
		TagSpecifications: ec2TagSpec(ec2types.ResourceTypeVpc, own.tags("Vpc2", "Name", "odd-network"))})
	e.must(err)
	l, _ := e.lister()
	items, err := l.List(ctx, "odd", "prod")
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(vpc.Vpc.VpcId)
	assertListed(t, items, []string{"AWS::EC2::VPC odd-network", "AWS::EC2::VPC " + id})
	want := "arn:aws:ec2:" + region + ":" + motoserver.Account + ":vpc/" + id
	if it := find(t, items, "AWS::EC2::VPC", id); it != nil && it.Arn != want {
		t.Errorf("Arn = %q, want %q", it.Arn, want)
	}
}

func TestTypesAndNamesAreDerivedFromARNs(t *testing.T) {
	cases := []struct {
		sentence, arn, typ, name string
	}{
		{"a Lambda function, qualified or not, is named by its function name", "arn:aws:lambda:eu-west-1:123456789012:function:berth-a-fn:7", string(plan.KindFunction), "berth-a-fn"},
		{"a log group drops the ':*' suffix", "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/x:*", string(plan.KindLogGroup), "/aws/lambda/x"},
		{"an IAM role under a path is named by its last segment", "arn:aws:iam::123456789012:role/service/berth-a-role", string(plan.KindRole), "berth-a-role"},
		{"an application load balancer is a V2 load balancer", "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/berth-a-alb/50dc6c495c0c9188", string(plan.KindLoadBalancer), "berth-a-alb"},
		{"a classic load balancer is not", "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/old", "AWS::ElasticLoadBalancing::LoadBalancer", "old"},
		{"a target group is named by its name, not its id", "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/berth-a-tg/73e2d6bc24d8a067", string(plan.KindTargetGroup), "berth-a-tg"},
		{"a listener rule is a ListenerRule", "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener-rule/app/a/1/2/3", string(plan.KindListenerRule), "3"},
		{"a task definition keeps its revision", "arn:aws:ecs:eu-west-1:123456789012:task-definition/berth-a-task:3", string(plan.KindTaskDefinition), "berth-a-task:3"},
		{"a CloudFront KeyValueStore is recognised", "arn:aws:cloudfront::123456789012:key-value-store/0f1e2d", string(plan.KindKeyValueStore), "0f1e2d"},
		{"a certificate is a CertificateManager certificate", "arn:aws:acm:us-east-1:123456789012:certificate/abc", string(plan.KindCertificate), "abc"},
		{"a scalable target is an Application Auto Scaling one", "arn:aws:application-autoscaling:eu-west-1:123456789012:scalable-target/0ec1", "AWS::ApplicationAutoScaling::ScalableTarget", "0ec1"},
		{"a WAF web ACL takes its type and name from the path", "arn:aws:wafv2:us-east-1:123456789012:global/webacl/berth-waf/0123", "AWS::WAFv2::WebACL", "berth-waf"},
		{"an SQS queue has no resource type in its ARN", "arn:aws:sqs:eu-west-1:123456789012:berth-q", "AWS::SQS::Queue", "berth-q"},
		{"an unknown service and type are spelled from the ARN", "arn:aws:bedrock-agent:eu-west-1:123456789012:knowledge-base/kb1", "AWS::BedrockAgent::KnowledgeBase", "kb1"},
		{"moto's distribution ARN without its empty region still parses", "arn:aws:cloudfront:123456789012:distribution/E1", string(plan.KindDistribution), "E1"},
	}
	for _, c := range cases {
		t.Run(c.sentence, func(t *testing.T) {
			a, ok := provision.ParseARN(c.arn)
			if !ok {
				t.Fatalf("%s does not parse", c.arn)
			}
			got := string(kindOf(kinds.All(), a))
			if got == "" {
				got = typeOf(a)
			}
			if got != c.typ {
				t.Errorf("type = %q, want %q", got, c.typ)
			}
			if got := a.Name(); got != c.name {
				t.Errorf("name = %q, want %q", got, c.name)
			}
		})
	}
	t.Run("the canonical form of moto's distribution ARN has an empty region", func(t *testing.T) {
		a, _ := provision.ParseARN("arn:aws:cloudfront:123456789012:distribution/E1")
		if got, want := a.String(), "arn:aws:cloudfront::123456789012:distribution/E1"; got != want {
			t.Errorf("%s, want %s", got, want)
		}
	})
	t.Run("something that is not an ARN does not parse", func(t *testing.T) {
		if _, ok := provision.ParseARN("berth-a-fn"); ok {
			t.Error("parsed")
		}
	})
}

func TestAnAppInUsEast1ScansOneRegionOnce(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct {
		sentence, region string
		scans            int
	}{
		{"an app in eu-west-1 scans its region and us-east-1 (CloudFront, its certificates, Lambda@Edge)", "eu-west-1", 2},
		{"an app in us-east-1 scans one region once", "us-east-1", 1},
	} {
		t.Run(c.sentence, func(t *testing.T) {
			cfg := e.cfCfg.Copy() // through the CloudFront proxy, as lister's
			cfg.Region = c.region
			calls := awscalls.New()
			calls.Attach(&cfg)
			if _, err := New(cfg).List(context.Background(), "nothing", "here"); err != nil {
				t.Fatal(err)
			}
			got := 0
			for _, op := range calls.Summary().Ops {
				if op.Operation == "GetResources" {
					got += op.Count
				}
			}
			if got != c.scans {
				t.Errorf("%d GetResources calls, want %d", got, c.scans)
			}
		})
	}
}
