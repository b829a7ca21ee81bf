package wafv2

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsec2 "github.com/aws/aws-sdk-go-v2/service/ec2"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/wafv2"
	"github.com/aws/aws-sdk-go-v2/service/wafv2/types"
	"github.com/aws/smithy-go"

	"github.com/berth-dev/berth/internal/awscalls"
	"github.com/berth-dev/berth/internal/motoserver"
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
	"github.com/berth-dev/berth/internal/provision/provtest"
)

func TestMain(m *testing.M) { os.Exit(motoserver.RunTests(m)) }

type fixture struct {
	waf   *wafv2.Client
	calls *awscalls.Counter
	env   provision.Env
}

// newFixture makes an ALB with the plain SDK and refers to it as berth's load balancer.
func newFixture(t *testing.T, region, lbName string) *fixture {
	t.Helper()
	ctx := context.Background()
	cfg, err := motoserver.Shared.AWSConfig(ctx, region)
	must(t, err)
	calls := awscalls.New()
	calls.Attach(&cfg)
	subnets, err := awsec2.NewFromConfig(cfg).DescribeSubnets(ctx, &awsec2.DescribeSubnetsInput{})
	must(t, err)
	var ids []string
	for _, s := range subnets.Subnets {
		ids = append(ids, aws.ToString(s.SubnetId))
	}
	lb, err := elb.NewFromConfig(cfg).CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String(lbName), Subnets: ids})
	must(t, err)
	refs := provision.OutputsByID{plan.IDLoadBalancer: {plan.AttrArn: aws.ToString(lb.LoadBalancers[0].LoadBalancerArn)}}
	return &fixture{waf: wafv2.NewFromConfig(cfg), calls: calls,
		env: provision.Env{App: "shop", Stage: "prod", Account: motoserver.Account, Region: region, Refs: refs}}
}

// webACL creates a REGIONAL web ACL (the user's) and returns its ARN.
func (f *fixture) webACL(t *testing.T, name string) string {
	out, err := f.waf.CreateWebACL(context.Background(), &wafv2.CreateWebACLInput{
		Name: aws.String(name), Scope: types.ScopeRegional, DefaultAction: &types.DefaultAction{Allow: &types.AllowAction{}},
		VisibilityConfig: &types.VisibilityConfig{CloudWatchMetricsEnabled: false, MetricName: aws.String(name), SampledRequestsEnabled: false},
	})
	must(t, err)
	return aws.ToString(out.Summary.ARN)
}

func association(t *testing.T, acl string) plan.Resource {
	raw, err := json.Marshal(plan.WebACLAssociationProps{Resource: plan.Ref{ID: plan.IDLoadBalancer, Attr: plan.AttrArn}, WebACLArn: acl})
	must(t, err)
	return plan.Resource{ID: plan.IDAlbWebACLAssociation, Kind: plan.KindWebACLAssociation, Name: "berth-shop-prod-alb-waf-aaaaaa", Region: "eu-west-1", Props: raw}
}

// only is a ClientFactory answering every region with a.
func only(a API) ClientFactory { return func(string) API { return a } }

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestTheWebACLAssociationLifecycleSwitchesACLs(t *testing.T) {
	f := newFixture(t, "eu-west-1", "waf-life-alb")
	first, second := f.webACL(t, "first"), f.webACL(t, "second")
	lb := f.env.Refs.(provision.OutputsByID)[plan.IDLoadBalancer][plan.AttrArn]
	provtest.Lifecycle(t, provtest.Case{
		Provisioner: NewWebACLAssociation(only(f.waf)), Env: f.env, Calls: f.calls,
		Initial: association(t, first), Updated: association(t, second), UpdatedFields: []string{"webAclArn"},
		OutOfBand: func(ctx context.Context) error {
			if _, err := f.waf.DisassociateWebACL(ctx, &wafv2.DisassociateWebACLInput{ResourceArn: aws.String(lb)}); err != nil {
				return err
			}
			_, err := f.waf.AssociateWebACL(ctx, &wafv2.AssociateWebACLInput{ResourceArn: aws.String(lb), WebACLArn: aws.String(first)})
			return err
		},
		DriftField: "webAclArn",
	})
}

// propagatingWAF answers AssociateWebACL as WAF does right after the ALB or web ACL was
// created (moto has no propagation delay).
type propagatingWAF struct {
	API
	calls int
}

func (p *propagatingWAF) AssociateWebACL(context.Context, *wafv2.AssociateWebACLInput, ...func(*wafv2.Options)) (*wafv2.AssociateWebACLOutput, error) {
	p.calls++
	return nil, &smithy.GenericAPIError{Code: "WAFUnavailableEntityException", Message: "AWS WAF couldn't retrieve the resource that you requested."}
}

func TestAnALBWAFCannotSeeYetIsTransient(t *testing.T) {
	saved := provision.Backoff
	provision.Backoff = nil
	defer func() { provision.Backoff = saved }()
	f := newFixture(t, "eu-west-2", "waf-new-alb")
	fake := &propagatingWAF{API: f.waf}
	_, err := NewWebACLAssociation(only(fake)).Create(context.Background(), f.env, association(t, f.webACL(t, "fresh")))
	var te *provision.TransientError
	if !errors.As(err, &te) || fake.calls == 0 {
		t.Fatalf("got %v, want *provision.TransientError", err)
	}
}
