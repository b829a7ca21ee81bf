package elbv2

import (
	"cmp"
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/berth-dev/berth/internal/plan"
	"github.com/berth-dev/berth/internal/provision"
)

// The listener's default action answers requests no rule matched. Every legitimate request
// arrives from CloudFront's router with the container header a rule matches, so this only
// answers strays (a request straight to the ALB's DNS name, a removed container): a plain
// 404 rather than some container's response.
const (
	noRouteStatus = "404"
	noRouteType   = "text/plain"
	noRouteBody   = "no route"
)

// listenerWant is the listener's props with its refs resolved.
type listenerWant struct {
	lbArn string
	port  int
	cert  string // HTTPS with this certificate; "" is HTTP
	// redirectTo: every request is redirected to HTTPS on this port.
	redirectTo int
}

// sslPolicy is the HTTPS listeners' security policy: ELB's default for new HTTPS
// listeners, TLS 1.3 and 1.2 with forward secrecy only ("Security policies for your
// Application Load Balancer", ELB User Guide).
const sslPolicy = "ELBSecurityPolicy-TLS13-1-2-2021-06"

func (w listenerWant) protocol() types.ProtocolEnum {
	if w.cert != "" {
		return types.ProtocolEnumHttps
	}
	return types.ProtocolEnumHttp
}

func (w listenerWant) certificates() []types.Certificate {
	if w.cert == "" {
		return nil
	}
	return []types.Certificate{{CertificateArn: aws.String(w.cert)}}
}

func (w listenerWant) sslPolicy() *string {
	if w.cert == "" {
		return nil
	}
	return aws.String(sslPolicy)
}

// defaultAction answers what no rule matches: a 404, or the redirect to HTTPS.
func (w listenerWant) defaultAction() types.Action {
	if w.redirectTo == 0 {
		return noRouteAction()
	}
	// 301 and the request's own host, path and query: only the scheme and port change.
	return types.Action{Type: types.ActionTypeEnumRedirect, RedirectConfig: &types.RedirectActionConfig{
		Protocol: aws.String("HTTPS"), Port: aws.String(strconv.Itoa(w.redirectTo)),
		Host: aws.String("#{host}"), Path: aws.String("/#{path}"), Query: aws.String("#{query}"),
		StatusCode: types.RedirectActionStatusCodeEnumHttp301,
	}}
}

// liveListener is a listener with its tags.
type liveListener struct {
	l    types.Listener
	tags map[string]string
}

type listenerCall = provision.Call[API, listenerWant]

// NewListener returns the provisioner of AWS::ElasticLoadBalancingV2::Listener: HTTP on
// props.Port, or HTTPS with props.Certificate; its default action answers 404, or with
// props.RedirectToPort redirects to HTTPS. A listener has no name; it is found by its load balancer and port, and its
// tags say who owns it. The only mutable parts are the protocol and the default action;
// deleting it deletes its rules.
func NewListener(client API) provision.Provisioner {
	return provision.Adapt(provision.Kind[API, listenerWant, liveListener]{
		Clients: func(string) API { return client },
		Desired: func(_ context.Context, c *listenerCall) (listenerWant, error) {
			props, err := provision.Decode[plan.ListenerProps](c.R)
			if err != nil {
				return listenerWant{}, err
			}
			lbArn, err := c.Env.Refs.Resolve(props.LoadBalancer)
			if err != nil {
				return listenerWant{}, err
			}
			w := listenerWant{lbArn: lbArn, port: cmp.Or(props.Port, 80), redirectTo: props.RedirectToPort}
			if props.Certificate != nil {
				w.cert, err = c.Env.Refs.Resolve(*props.Certificate)
			}
			return w, err
		},
		Find:  lookupListener,
		Owned: func(c *listenerCall, l *liveListener) bool { return provision.Owned(c.Env, c.R, l.tags) },
		Diff: func(_ context.Context, c *listenerCall, l *liveListener) (provision.Diffs, error) {
			return listenerDiff(c.Props, &l.l), nil
		},
		Outputs: func(c *listenerCall, l *liveListener) provision.Outputs { return listenerOutputs(c.R, &l.l) },
		Create: func(ctx context.Context, c *listenerCall) (provision.Outputs, error) {
			out, err := c.API.CreateListener(ctx, &elb.CreateListenerInput{
				LoadBalancerArn: aws.String(c.Props.lbArn),
				Port:            aws.Int32(int32(c.Props.port)),
				Protocol:        c.Props.protocol(),
				Certificates:    c.Props.certificates(),
				SslPolicy:       c.Props.sslPolicy(),
				DefaultActions:  []types.Action{c.Props.defaultAction()},
				Tags:            tags(c.Env, c.R),
			})
			if err != nil {
				return nil, err
			}
			return listenerOutputs(c.R, &out.Listeners[0]), nil
		},
		Converge: func(ctx context.Context, c *listenerCall, l *liveListener, _ provision.Diffs) (provision.Outputs, error) {
			_, err := c.API.ModifyListener(ctx, &elb.ModifyListenerInput{
				ListenerArn: l.l.ListenerArn, Protocol: c.Props.protocol(), Certificates: c.Props.certificates(),
				SslPolicy: c.Props.sslPolicy(), DefaultActions: []types.Action{c.Props.defaultAction()},
			})
			return listenerOutputs(c.R, &l.l), err
		},
		Remove: func(ctx context.Context, c *listenerCall, l *liveListener) error {
			_, err := c.API.DeleteListener(ctx, &elb.DeleteListenerInput{ListenerArn: l.l.ListenerArn})
			return err
		},
	})
}

func noRouteAction() types.Action {
	return types.Action{Type: types.ActionTypeEnumFixedResponse, FixedResponseConfig: &types.FixedResponseActionConfig{
		StatusCode: aws.String(noRouteStatus), ContentType: aws.String(noRouteType), MessageBody: aws.String(noRouteBody),
	}}
}

// renderActions renders actions for a diff.
func renderActions(actions []types.Action) string {
	out := ""
	for _, a := range actions {
		if out != "" {
			out += "; "
		}
		switch {
		case a.FixedResponseConfig != nil:
			f := a.FixedResponseConfig
			out += fmt.Sprintf("fixed-response %s %s %q", aws.ToString(f.StatusCode), aws.ToString(f.ContentType), aws.ToString(f.MessageBody))
		case a.RedirectConfig != nil:
			r := a.RedirectConfig
			out += fmt.Sprintf("redirect %s:%s %s", aws.ToString(r.Protocol), aws.ToString(r.Port), r.StatusCode)
		case aws.ToString(a.TargetGroupArn) != "":
			out += "forward " + aws.ToString(a.TargetGroupArn)
		case a.ForwardConfig != nil && len(a.ForwardConfig.TargetGroups) == 1:
			out += "forward " + aws.ToString(a.ForwardConfig.TargetGroups[0].TargetGroupArn)
		default:
			out += string(a.Type)
		}
	}
	return out
}

// lookupListener finds the listener on the load balancer's port, with its tags; nil
// also when the load balancer itself is gone.
func lookupListener(ctx context.Context, c *listenerCall) (*liveListener, error) {
	in := &elb.DescribeListenersInput{LoadBalancerArn: aws.String(c.Props.lbArn)}
	for pg := elb.NewDescribeListenersPaginator(c.API, in); pg.HasMorePages(); {
		out, err := pg.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, l := range out.Listeners {
			if int(aws.ToInt32(l.Port)) == c.Props.port {
				arn := aws.ToString(l.ListenerArn)
				t, err := tagsOf(ctx, c.API, []string{arn})
				if err != nil {
					return nil, err
				}
				return &liveListener{l: l, tags: t[arn]}, nil
			}
		}
	}
	return nil, nil
}

func listenerOutputs(r plan.Resource, l *types.Listener) provision.Outputs {
	return provision.Outputs{plan.AttrArn: aws.ToString(l.ListenerArn), plan.AttrName: r.Name}
}

func listenerDiff(w listenerWant, l *types.Listener) provision.Diffs {
	var d provision.Diffs
	d.Add("protocol", w.protocol(), l.Protocol)
	d.Add("defaultAction", renderActions([]types.Action{w.defaultAction()}), renderActions(l.DefaultActions))
	var certs []string
	for _, c := range l.Certificates {
		certs = append(certs, aws.ToString(c.CertificateArn))
	}
	d.Add("certificate", w.cert, strings.Join(certs, ","))
	return d
}
