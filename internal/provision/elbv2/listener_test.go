package elbv2

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	acmtypes "github.com/aws/aws-sdk-go-v2/service/acm/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/berth-dev/berth/internal/motoserver"
	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
	"github.com/berth-dev/berth/internal/provision/provtest"
)

func listenerProps() plan.ListenerProps {
	return plan.ListenerProps{LoadBalancer: plan.Ref{ID: plan.IDLoadBalancer, Attr: plan.AttrArn}, Port: 80}
}

func TestTheListenerLifecycleRestoresTheNoRouteDefault(t *testing.T) {
	f := newFixture(t, "eu-west-1")
	lb, err := f.rawLoadBalancer(context.Background(), "listener-life-alb")
	f.must(err)
	f.refs[plan.IDLoadBalancer] = provision.Outputs{plan.AttrArn: lb}
	r := f.resource(plan.KindListener, plan.IDListener, "berth-shop-prod-listener-aaaaaa", listenerProps())
	p := NewListener(f.elb)
	provtest.Lifecycle(t, provtest.Case{
		Provisioner: p, Env: f.env, Calls: f.calls,
		// A listener has nothing berth changes between deploys: Updated equals Initial.
		Initial: r, Updated: r,
		OutOfBand: func(ctx context.Context) error {
			obs, err := p.Observe(ctx, f.env, r)
			if err != nil {
				return err
			}
			_, err = f.elb.ModifyListener(ctx, &elb.ModifyListenerInput{ListenerArn: aws.String(obs.Outputs[plan.AttrArn]),
				DefaultActions: []types.Action{{Type: types.ActionTypeEnumFixedResponse, FixedResponseConfig: &types.FixedResponseActionConfig{
					StatusCode: aws.String("503"), ContentType: aws.String("text/plain"), MessageBody: aws.String("maintenance")}}}})
			return err
		},
		DriftField: "defaultAction",
	})
}

func TestAListenerBerthDoesNotOwnIsNeverTouched(t *testing.T) {
	f := newFixture(t, "eu-west-2")
	lb, err := f.rawLoadBalancer(context.Background(), "listener-foreign-alb")
	f.must(err)
	f.refs[plan.IDLoadBalancer] = provision.Outputs{plan.AttrArn: lb}
	r := f.resource(plan.KindListener, plan.IDListener, "berth-shop-prod-listener-foreign", listenerProps())
	provtest.NotOwned(t, NewListener(f.elb), f.env, r, func(ctx context.Context) error {
		_, err := f.rawListener(ctx, lb)
		return err
	})
}

func TestAListenerWhoseLoadBalancerIsGoneIsGoneToo(t *testing.T) {
	f := newFixture(t, "eu-west-1")
	ctx := context.Background()
	f.refs[plan.IDLoadBalancer] = provision.Outputs{plan.AttrArn: "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/gone/0123456789abcdef"}
	r := f.resource(plan.KindListener, plan.IDListener, "berth-shop-prod-listener-gone", listenerProps())
	obs, err := NewListener(f.elb).Observe(ctx, f.env, r)
	f.must(err)
	if obs.Exists {
		t.Fatal("observe finds a listener on a load balancer that does not exist")
	}
	f.must(NewListener(f.elb).Delete(ctx, f.env, r))
}

// A private app with a custom domain: HTTPS on 443 with its certificate and ELB's default
// TLS 1.3 policy, and HTTP on 80 answering only with a redirect to it; an out-of-band
// change of the redirect is drift, and converging restores it.
func TestAnHTTPSListenerAndTheRedirectToIt(t *testing.T) {
	f := newFixture(t, "eu-west-1")
	ctx := context.Background()
	lb, err := f.rawLoadBalancer(ctx, "listener-https-alb")
	f.must(err)
	cfg, err := motoserver.Shared.AWSConfig(ctx, "eu-west-1")
	f.must(err)
	cert, err := acm.NewFromConfig(cfg).RequestCertificate(ctx, &acm.RequestCertificateInput{
		DomainName: aws.String("intra.example.com"), ValidationMethod: acmtypes.ValidationMethodDns})
	f.must(err)
	f.refs[plan.IDLoadBalancer] = provision.Outputs{plan.AttrArn: lb}
	f.refs[plan.IDCertificate] = provision.Outputs{plan.AttrArn: aws.ToString(cert.CertificateArn)}
	https := f.resource(plan.KindListener, plan.IDHTTPSListener, "berth-shop-prod-https-listener-aaaaaa", plan.ListenerProps{
		LoadBalancer: plan.Ref{ID: plan.IDLoadBalancer, Attr: plan.AttrArn}, Port: 443,
		Certificate: &plan.Ref{ID: plan.IDCertificate, Attr: plan.AttrArn}})
	redirect := f.resource(plan.KindListener, plan.IDListener, "berth-shop-prod-listener-aaaaaa", plan.ListenerProps{
		LoadBalancer: plan.Ref{ID: plan.IDLoadBalancer, Attr: plan.AttrArn}, Port: 80, RedirectToPort: 443})
	p := NewListener(f.elb)
	_, err = p.Create(ctx, f.env, https)
	f.must(err)
	_, err = p.Create(ctx, f.env, redirect)
	f.must(err)

	ls, err := f.elb.DescribeListeners(ctx, &elb.DescribeListenersInput{LoadBalancerArn: aws.String(lb)})
	f.must(err)
	byPort := map[int32]types.Listener{}
	for _, l := range ls.Listeners {
		byPort[aws.ToInt32(l.Port)] = l
	}
	l443, l80 := byPort[443], byPort[80]
	if l443.Protocol != types.ProtocolEnumHttps || len(l443.Certificates) != 1 ||
		aws.ToString(l443.Certificates[0].CertificateArn) != aws.ToString(cert.CertificateArn) || aws.ToString(l443.SslPolicy) != sslPolicy {
		t.Fatalf("443: protocol %s, certificates %v, policy %s; want HTTPS with the certificate and %s",
			l443.Protocol, l443.Certificates, aws.ToString(l443.SslPolicy), sslPolicy)
	}
	if got := renderActions(l443.DefaultActions); got != renderActions([]types.Action{noRouteAction()}) {
		t.Errorf("443 default action %s, want the 404", got)
	}
	if l80.Protocol != types.ProtocolEnumHttp || renderActions(l80.DefaultActions) != "redirect HTTPS:443 HTTP_301" {
		t.Fatalf("80: protocol %s, default %s; want HTTP redirecting to HTTPS:443 with 301", l80.Protocol, renderActions(l80.DefaultActions))
	}

	_, err = f.elb.ModifyListener(ctx, &elb.ModifyListenerInput{ListenerArn: l80.ListenerArn, DefaultActions: []types.Action{noRouteAction()}})
	f.must(err)
	obs, err := p.Observe(ctx, f.env, redirect)
	f.must(err)
	if len(obs.Diff) != 1 || obs.Diff[0].Field != "defaultAction" {
		t.Fatalf("an out-of-band 404 on the redirect listener: diff %+v, want defaultAction", obs.Diff)
	}
	_, err = p.Update(ctx, f.env, redirect)
	f.must(err)
	obs, err = p.Observe(ctx, f.env, redirect)
	f.must(err)
	if len(obs.Diff) != 0 {
		t.Fatalf("after Update the redirect listener still differs: %+v", obs.Diff)
	}
	f.must(p.Delete(ctx, f.env, redirect))
	f.must(p.Delete(ctx, f.env, https))
}
