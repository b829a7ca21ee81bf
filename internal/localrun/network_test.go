package localrun

import (
	"context"
	"strings"
	"testing"

	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"

	"github.com/berth-dev/berth/internal/plan"
)

// Issue 13, item 1: nothing Fargate-related is reachable from the internet or from other
// CloudFront distributions. The ALB is internal, its only security group admits only
// CloudFront's VPC-origins group (which CloudFront attaches to the VPC origin's network
// interfaces, "Restrict access with VPC origins", CloudFront Developer Guide), and no
// rule of the app's groups admits an address range or a managed prefix list (CloudFront's
// origin-facing list admits every distribution of every account). All read back from
// EC2 and ELBv2 after the deploy.
func TestAFargateAppAdmitsTrafficOnlyThroughCloudFrontsVPCOrigin(t *testing.T) {
	s := newSession(t)
	r := deploy(t, s, "v1-mixed.yml", "")
	wantStatus(t, r, "SUCCEEDED")
	ctx := context.Background()

	groups := map[string]string{} // id → name, the app's security groups
	var lbArn string
	for _, it := range r.Inventory {
		switch it.Type {
		case string(plan.KindSecurityGroup):
			groups[it.Attributes["groupId"]] = it.Name
		case string(plan.KindLoadBalancer):
			if it.Attributes["scheme"] != "internal" {
				t.Errorf("load balancer %s has scheme %q, want internal", it.Name, it.Attributes["scheme"])
			}
			lbArn = it.Arn
		}
	}
	if len(groups) != 2 || lbArn == "" {
		t.Fatalf("want the ALB's and the tasks' security groups and one ALB, got groups %v, ALB %q", groups, lbArn)
	}
	for id, name := range groups {
		for _, rule := range ingressRules(ctx, t, s, id) {
			_, src, _ := strings.Cut(rule, " from ")
			// Any address range (0.0.0.0/0 and ::/0 among them) or prefix list: berth
			// admits only security groups.
			if strings.Contains(src, "/") || strings.HasPrefix(src, "pl-") {
				t.Errorf("security group %s admits %s", name, rule)
			}
		}
	}

	lbs, err := elb.NewFromConfig(s.Env.AWS).DescribeLoadBalancers(ctx, &elb.DescribeLoadBalancersInput{LoadBalancerArns: []string{lbArn}})
	if err != nil || len(lbs.LoadBalancers) != 1 {
		t.Fatalf("DescribeLoadBalancers %s: %v", lbArn, err)
	}
	lb := lbs.LoadBalancers[0]
	if lb.Scheme != "internal" {
		t.Errorf("ELBv2 says the ALB's scheme is %q, want internal", lb.Scheme)
	}
	if len(lb.SecurityGroups) != 1 || groups[lb.SecurityGroups[0]] == "" {
		t.Fatalf("the ALB has security groups %v, want exactly one of the app's %v", lb.SecurityGroups, groups)
	}
	albRules := ingressRules(ctx, t, s, lb.SecurityGroups[0])
	if len(albRules) == 0 {
		t.Fatalf("the ALB's group %s admits nothing: CloudFront cannot reach it", groups[lb.SecurityGroups[0]])
	}
	for _, rule := range albRules {
		if _, src, _ := strings.Cut(rule, " from "); src != plan.CloudFrontVpcOriginsGroup {
			t.Errorf("the ALB's group %s admits %s, want only %s", groups[lb.SecurityGroups[0]], rule, plan.CloudFrontVpcOriginsGroup)
		}
	}
}
