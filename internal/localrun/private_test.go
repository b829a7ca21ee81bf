package localrun

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"

	"github.com/berth-dev/berth/internal/plan"
)

// Issue 13, item 2: a private app (deployment.private) with one Lambda and one Fargate
// container deploys, switches both containers in one deploy, and removes. Everything is
// read back from the emulator (ELBv2, EC2, Lambda, CloudFront and its edge fake, the
// tagging API), never from berth's own records.
func TestAPrivateAppDeploysSwitchesBothContainersAndRemoves(t *testing.T) {
	s := newSession(t)
	ctx := context.Background()

	first := deploy(t, s, "private-v1.yml", "")
	wantStatus(t, first, "SUCCEEDED")
	assertPrivateEntry(ctx, t, s, first, map[string]string{"path:/api/*": "80 lambda:api +fn", "path:/*": "80 ip:web"})

	switched := deploy(t, s, "private-v2-switched.yml", "")
	wantStatus(t, switched, "SUCCEEDED")
	assertPrivateEntry(ctx, t, s, switched, map[string]string{"path:/api/*": "80 ip:api", "path:/*": "80 lambda:web +fn"})

	removed, err := s.Remove(ctx, "shop", "dev")
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, removed, "SUCCEEDED")
	if len(removed.Inventory) != 0 {
		t.Fatalf("after remove, resources tagged for the app remain: %v", names(removed.Inventory))
	}
	lbs, err := elb.NewFromConfig(s.Env.AWS).DescribeLoadBalancers(ctx, &elb.DescribeLoadBalancersInput{})
	if err != nil {
		t.Fatal(err)
	}
	tgs, err := elb.NewFromConfig(s.Env.AWS).DescribeTargetGroups(ctx, &elb.DescribeTargetGroupsInput{})
	if err != nil {
		t.Fatal(err)
	}
	fns, err := awslambda.NewFromConfig(s.Env.AWS).ListFunctions(ctx, &awslambda.ListFunctionsInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, lb := range lbs.LoadBalancers {
		t.Errorf("after remove, load balancer %s remains", aws.ToString(lb.LoadBalancerName))
	}
	for _, tg := range tgs.TargetGroups {
		t.Errorf("after remove, target group %s remains", aws.ToString(tg.TargetGroupName))
	}
	for _, fn := range fns.Functions {
		if strings.HasPrefix(aws.ToString(fn.FunctionName), "berth-shop-dev-") {
			t.Errorf("after remove, function %s remains", aws.ToString(fn.FunctionName))
		}
	}
	if groups := appSecurityGroups(ctx, t, s); len(groups) != 0 {
		t.Errorf("after remove, security groups tagged for the app remain: %v", groups)
	}
}

// assertPrivateEntry checks a private app's entry point as AWS has it: one internal ALB
// whose listener rules forward each path to its container (paths: liveListeners' "path:"
// keys, exactly), no security-group rule admitting an address range outside the VPC or a
// prefix list, and nothing of CloudFront's: no distribution, function, KeyValueStore,
// origin access control or VPC origin, and no Function URL.
func assertPrivateEntry(ctx context.Context, t *testing.T, s *Session, r *Report, paths map[string]string) {
	t.Helper()
	live := liveState(t, s, r)
	if live["lb.scheme"] != "internal" {
		t.Errorf("load balancer scheme %q, want internal", live["lb.scheme"])
	}
	if live["listener:80"] == "" {
		t.Errorf("no listener on port 80: %v", live)
	}
	for k, v := range live {
		if strings.HasPrefix(k, "path:") && paths[k] == "" {
			t.Errorf("unexpected listener rule %s → %s", k, v)
		}
	}
	for k, want := range paths {
		if live[k] != want {
			t.Errorf("listener rule %s forwards to %q, want %q", k, live[k], want)
		}
	}

	vpcs := vpcRanges(ctx, t, s)
	groups := appSecurityGroups(ctx, t, s)
	if len(groups) == 0 {
		t.Fatal("the app has no security group: its ALB admits nothing")
	}
	for id, name := range groups {
		for _, rule := range ingressRules(ctx, t, s, id) {
			_, src, _ := strings.Cut(rule, " from ")
			if strings.HasPrefix(src, "pl-") || strings.Contains(src, "/") && !vpcs[src] {
				t.Errorf("security group %s admits %s: want only its VPC's ranges or security groups", name, rule)
			}
		}
	}

	cfg := s.Env.AWS.Copy()
	cfg.Region = plan.EdgeRegion
	cf := cloudfront.NewFromConfig(cfg)
	dists, err := cf.ListDistributions(ctx, &cloudfront.ListDistributionsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if dists.DistributionList != nil && len(dists.DistributionList.Items) > 0 {
		t.Errorf("a private app has %d CloudFront distributions", len(dists.DistributionList.Items))
	}
	cfFns, err := cf.ListFunctions(ctx, &cloudfront.ListFunctionsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if cfFns.FunctionList != nil && len(cfFns.FunctionList.Items) > 0 {
		t.Errorf("a private app has %d CloudFront functions", len(cfFns.FunctionList.Items))
	}
	stores, err := cf.ListKeyValueStores(ctx, &cloudfront.ListKeyValueStoresInput{})
	if err != nil {
		t.Fatal(err)
	}
	if stores.KeyValueStoreList != nil && len(stores.KeyValueStoreList.Items) > 0 {
		t.Errorf("a private app has %d KeyValueStores", len(stores.KeyValueStoreList.Items))
	}
	oacs, err := cf.ListOriginAccessControls(ctx, &cloudfront.ListOriginAccessControlsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if oacs.OriginAccessControlList != nil && len(oacs.OriginAccessControlList.Items) > 0 {
		t.Errorf("a private app has %d origin access controls", len(oacs.OriginAccessControlList.Items))
	}
	if live["vpcOrigin.status"] != "" {
		t.Errorf("a private app has a VPC origin (%s)", live["vpcOrigin.status"])
	}
	lc := awslambda.NewFromConfig(s.Env.AWS)
	for _, it := range r.Inventory {
		if it.Type != "AWS::Lambda::Function" {
			continue
		}
		// GetFunctionUrlConfig: moto 5.2.1 has no ListFunctionUrlConfigs.
		url, err := lc.GetFunctionUrlConfig(ctx, &awslambda.GetFunctionUrlConfigInput{FunctionName: aws.String(it.Arn)})
		var missing *lambdatypes.ResourceNotFoundException
		switch {
		case err == nil:
			t.Errorf("function %s has a Function URL %s", it.Name, aws.ToString(url.FunctionUrl))
		case !errors.As(err, &missing):
			t.Fatal(err)
		}
	}
}

// appSecurityGroups are the security groups EC2 has tagged for the app (id → name).
func appSecurityGroups(ctx context.Context, t *testing.T, s *Session) map[string]string {
	t.Helper()
	out, err := ec2.NewFromConfig(s.Env.AWS).DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{
		Filters: []ec2types.Filter{{Name: aws.String("tag:berth:app"), Values: []string{"shop"}}}})
	if err != nil {
		t.Fatal(err)
	}
	groups := map[string]string{}
	for _, g := range out.SecurityGroups {
		groups[aws.ToString(g.GroupId)] = aws.ToString(g.GroupName)
	}
	return groups
}

// vpcRanges are the IPv4 CIDR blocks of the account's VPCs: the only address ranges a
// private app's load balancer may admit.
func vpcRanges(ctx context.Context, t *testing.T, s *Session) map[string]bool {
	t.Helper()
	out, err := ec2.NewFromConfig(s.Env.AWS).DescribeVpcs(ctx, &ec2.DescribeVpcsInput{})
	if err != nil {
		t.Fatal(err)
	}
	ranges := map[string]bool{}
	for _, v := range out.Vpcs {
		for _, b := range v.CidrBlockAssociationSet {
			ranges[aws.ToString(b.CidrBlock)] = true
		}
		ranges[aws.ToString(v.CidrBlock)] = true
	}
	return ranges
}

// A private app's domain records go in the zone deployment.awsAlb.privateHostedZoneId
// names. A public zone there (its records would publish the internal load balancer's
// name) and a private zone the app's VPC is not associated with (the domain would not
// resolve in it) are refused by validate, naming the key, before anything is created.
func TestAPrivateAppNamingAPublicOrUnassociatedZoneIsRefusedBeforeAnythingIsCreated(t *testing.T) {
	s := newSession(t)
	ctx := context.Background()
	r53 := route53.NewFromConfig(s.Env.AWS)
	public, err := r53.CreateHostedZone(ctx, &route53.CreateHostedZoneInput{
		Name: aws.String("example.com"), CallerReference: aws.String("berth-public")})
	if err != nil {
		t.Fatal(err)
	}
	elsewhere, err := r53.CreateHostedZone(ctx, &route53.CreateHostedZoneInput{
		Name: aws.String("example.com"), CallerReference: aws.String("berth-private-elsewhere"),
		HostedZoneConfig: &r53types.HostedZoneConfig{PrivateZone: true},
		VPC:              &r53types.VPC{VPCId: aws.String("vpc-0a1b2c3d"), VPCRegion: r53types.VPCRegion(s.Env.Region)},
	})
	if err != nil {
		t.Fatal(err)
	}
	body, err := os.ReadFile("testdata/private-v1.yml")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		zone *r53types.HostedZone
		want string
	}{
		{"a public zone", public.HostedZone, "is public"},
		{"a private zone of another VPC", elsewhere.HostedZone, "is associated with vpc-0a1b2c3d in " + s.Env.Region + " but not with the default VPC"},
	} {
		id := strings.TrimPrefix(aws.ToString(tc.zone.Id), "/hostedzone/")
		cfg := strings.NewReplacer("  private: true\n", "  private: true\n  awsAlb:\n    privateHostedZoneId: "+id+"\n",
			"      pathPattern: /*\n", "      pathPattern: /*\n      domain: www.example.com\n").Replace(string(body))
		r, err := s.Deploy(ctx, "private-v1.yml", []byte(cfg), "dev", "")
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != "FAILED" || !strings.Contains(r.Error, "deployment.awsAlb.privateHostedZoneId") || !strings.Contains(r.Error, tc.want) {
			t.Fatalf("%s: status %s, error %q; want FAILED naming deployment.awsAlb.privateHostedZoneId and %q", tc.name, r.Status, r.Error, tc.want)
		}
		if r.Calls.Mutating != 0 || len(r.Inventory) != 0 {
			t.Fatalf("%s still changed the account: %d mutating calls, %v", tc.name, r.Calls.Mutating, names(r.Inventory))
		}
	}
}
